/** The Sync controller's pure parts: ids, durations, subset matching, health and drift fields. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { KubeObject } from '../../api/meta.ts';
import { contains, ownsOnly } from './apply.ts';
import { fieldPaths, foreignChange, objectPaths } from './drift.ts';
import { parseDuration } from '../../base/duration.ts';
import { healthOf } from './health.ts';
import { entryOf, refOfEntry, staleEntries } from '../../api/sync-objects.ts';

test('inventory ids are Flux’s and round-trip to references', () => {
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps' },
  };
  const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } };
  assert.deepEqual(entryOf(deployment), { id: 'apps_web_apps_Deployment', v: 'v1' });
  assert.deepEqual(entryOf(namespace), { id: '_apps__Namespace', v: 'v1' });
  assert.deepEqual(refOfEntry(entryOf(deployment)), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'apps',
    name: 'web',
  });
  assert.deepEqual(refOfEntry(entryOf(namespace)), { apiVersion: 'v1', kind: 'Namespace', name: 'apps' });
  assert.deepEqual(
    staleEntries([entryOf(namespace), entryOf(deployment)], [entryOf(namespace)]).map((e) => e.id),
    ['apps_web_apps_Deployment'],
  );
});

test('durations', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('10'), undefined);
  assert.equal(parseDuration(undefined), undefined);
});

test('contains: every desired field has that value live; lists match elementwise', () => {
  const live = { a: 1, b: { c: 'x', d: 2 }, l: [{ n: 1, m: 2 }] };
  assert.ok(contains(live, { b: { c: 'x' }, l: [{ n: 1 }] }));
  assert.ok(!contains(live, { b: { c: 'y' } }));
  assert.ok(!contains(live, { l: [{ n: 1 }, { n: 2 }] }));
  assert.ok(!contains(live, { e: 1 }));
});

test('health: Deployment rollout, Job completion, Ready condition, anything else', () => {
  const deployment = (status: Record<string, number>): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', generation: 2 },
    spec: { replicas: 2 },
    status,
  });
  assert.equal(
    healthOf(deployment({ observedGeneration: 1, updatedReplicas: 2, availableReplicas: 2 })).healthy,
    false,
  );
  assert.match(
    healthOf(deployment({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 1 })).message ?? '',
    /1 of 2 replicas available/,
  );
  assert.equal(
    healthOf(deployment({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2 })).healthy,
    true,
  );
  const job = (type: string): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j' },
    status: { conditions: [{ type, status: 'True' }] },
  });
  assert.equal(healthOf(job('Complete')).healthy, true);
  assert.equal(healthOf(job('Failed')).healthy, false);
  const custom = (status: string): KubeObject => ({
    apiVersion: 'x/v1',
    kind: 'Thing',
    metadata: { name: 't' },
    status: { conditions: [{ type: 'Ready', status }] },
  });
  assert.equal(healthOf(custom('True')).healthy, true);
  assert.equal(healthOf(custom('False')).healthy, false);
  assert.equal(healthOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }).healthy, true);
});

test('drift: fields another manager took from what Keelson applied', () => {
  const applied: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', namespace: 'n', labels: { 'sync.keelson.dev/name': 's' } },
    data: { color: 'blue' },
  };
  assert.deepEqual(objectPaths(applied).sort(), [
    '.data.color',
    '.metadata.labels.sync.keelson.dev/name',
    '.metadata.name',
    '.metadata.namespace',
  ]);
  assert.deepEqual(
    fieldPaths({ 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {} } } } }),
    ['.spec.containers[name=app].image'],
  );
  const live = (managedFields: NonNullable<KubeObject['metadata']['managedFields']>): KubeObject => ({
    ...applied,
    metadata: { ...applied.metadata, managedFields },
  });
  const ours = {
    manager: 'keelson',
    operation: 'Apply' as const,
    time: '2026-01-01T00:00:00Z',
    fieldsV1: { 'f:data': {} },
  };
  assert.deepEqual(
    foreignChange(
      live([
        ours,
        {
          manager: 'kubectl-edit',
          operation: 'Update',
          time: '2026-01-01T00:00:05Z',
          fieldsV1: { 'f:data': { 'f:color': {} } },
        },
      ]),
      applied,
    ),
    { manager: 'kubectl-edit', operation: 'Update', time: '2026-01-01T00:00:05Z', fields: ['.data.color'] },
  );
  // a field Keelson does not set, an older write, and a status write are not drift
  assert.equal(
    foreignChange(
      live([
        ours,
        {
          manager: 'other',
          operation: 'Update',
          time: '2026-01-01T00:00:05Z',
          fieldsV1: { 'f:data': { 'f:size': {} } },
        },
        {
          manager: 'old',
          operation: 'Update',
          time: '2025-01-01T00:00:00Z',
          fieldsV1: { 'f:data': { 'f:color': {} } },
        },
        {
          manager: 'ctl',
          operation: 'Update',
          subresource: 'status',
          time: '2026-01-01T00:00:05Z',
          fieldsV1: { 'f:data': {} },
        },
      ]),
      applied,
    ),
    undefined,
  );
});

test('ownsOnly: a field Keelson applied before and the source dropped must be written again', () => {
  const live = (fieldsV1: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', managedFields: [{ manager: 'keelson', operation: 'Apply', fieldsV1 }] },
  });
  const desired = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', annotations: {} },
    data: { x: '1' },
  } as KubeObject;
  assert.ok(ownsOnly(live({ 'f:data': { 'f:x': {} } }), desired));
  assert.ok(!ownsOnly(live({ 'f:data': { 'f:x': {}, 'f:y': {} } }), desired));
  assert.ok(!ownsOnly(live({ 'f:metadata': { 'f:annotations': { 'f:gone': {} } } }), desired));
  assert.ok(!ownsOnly({ ...desired }, desired), 'not applied by Keelson yet');
});
