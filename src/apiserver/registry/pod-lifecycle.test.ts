/** What the embedded node relies on: pods/binding, metadata through status, repeated deletes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/meta.ts';
import { LogicalCluster } from '../cluster.ts';
import { MemoryStorage } from '../storage/memory-storage.ts';
import type { RequestContext } from './context.ts';

function open(gracefulPods = true): LogicalCluster {
  const cluster = new LogicalCluster('c', new MemoryStorage(), { gracefulPods });
  cluster.bootstrap(context());
  return cluster;
}

function context(now = new Date('2026-01-02T03:04:05Z')): RequestContext {
  return {
    user: { name: 'admin', groups: ['system:masters'] },
    dryRun: false,
    fieldManager: 'test',
    fieldValidation: 'Strict',
    warnings: [],
    now,
  };
}

function pod(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  };
}

describe('pods/binding', () => {
  it('assigns a node once, sets PodScheduled and refuses a second binding', () => {
    const cluster = open();
    const pods = cluster.type('', 'v1', 'pods');
    const created = cluster.store.create(context(), pods, 'default', pod('p'));
    const bound = cluster.store.bind(context(), pods, 'default', 'p', {
      metadata: { name: 'p', uid: created.metadata.uid },
      target: { kind: 'Node', name: 'n1' },
    });
    assert.equal((bound['spec'] as { nodeName: string }).nodeName, 'n1');
    const scheduled = (bound['status'] as { conditions: { type: string; status: string }[] }).conditions.find(
      (c) => c.type === 'PodScheduled',
    );
    assert.equal(scheduled?.status, 'True');
    assert.throws(
      () => cluster.store.bind(context(), pods, 'default', 'p', { target: { name: 'n2' } }),
      /pod p is already assigned to node "n1"/,
    );
  });

  it('honours the uid precondition', () => {
    const cluster = open();
    const pods = cluster.type('', 'v1', 'pods');
    cluster.store.create(context(), pods, 'default', pod('p'));
    assert.throws(
      () =>
        cluster.store.bind(context(), pods, 'default', 'p', {
          metadata: { uid: 'other' },
          target: { name: 'n1' },
        }),
      /Precondition failed: UID in precondition: other/,
    );
  });
});

describe('status writes of built-in kinds', () => {
  it('take annotations but keep the labels of an apps workload', () => {
    const cluster = open();
    const deployments = cluster.type('apps', 'v1', 'deployments');
    const d = cluster.store.create(context(), deployments, 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default', labels: { a: '1' } },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    });
    const next = structuredClone(d);
    next.metadata.annotations = { 'deployment.kubernetes.io/revision': '1' };
    next.metadata.labels = { a: '2' };
    next['status'] = { observedGeneration: 1 };
    const updated = cluster.store.update(context(), deployments, 'default', 'd', next, 'status').object;
    assert.equal(updated.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.deepEqual(updated.metadata.labels, { a: '1' });
    assert.deepEqual(updated['status'], { observedGeneration: 1 });
  });
});

describe('updates', () => {
  it('refuse a different metadata.uid (adoption relies on it)', () => {
    const cluster = open();
    const pods = cluster.type('', 'v1', 'pods');
    cluster.store.create(context(), pods, 'default', pod('p'));
    assert.throws(
      () =>
        cluster.store.patch(context(), pods, 'default', 'p', 'merge', {
          metadata: { uid: 'someone-else', labels: { x: 'y' } },
        }),
      /metadata.uid: Invalid value: "someone-else": field is immutable/,
    );
  });
});

describe('graceful pod deletion', () => {
  it('lets a repeated delete shorten the grace period, and removes the pod once finalizers go', () => {
    const cluster = open();
    const pods = cluster.type('', 'v1', 'pods');
    const p = pod('p');
    p.metadata.finalizers = ['test/hold'];
    cluster.store.create(context(), pods, 'default', p);
    cluster.store.bind(context(), pods, 'default', 'p', { target: { name: 'n1' } });
    const first = cluster.store.delete(context(), pods, 'default', 'p', {});
    assert.equal(first.object.metadata.deletionGracePeriodSeconds, 30);
    const second = cluster.store.delete(context(), pods, 'default', 'p', { gracePeriodSeconds: 0 });
    assert.equal(second.deleted, false, 'the finalizer still holds it');
    assert.equal(second.object.metadata.deletionGracePeriodSeconds, 0);
    assert.equal(second.object.metadata.deletionTimestamp, '2026-01-02T03:04:05Z');
    cluster.store.patch(context(), pods, 'default', 'p', 'merge', { metadata: { finalizers: null } });
    assert.throws(() => cluster.store.get(pods, 'default', 'p'), /not found/);
  });
});
