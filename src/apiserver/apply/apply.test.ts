import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ManagedFieldsEntry } from '../../api/meta.ts';
import type { Schema, SchemaCursor } from '../../api/schema.ts';
import { ConflictError, KeelsonError } from '../../base/errors.ts';
import { applyConfiguration, recordUpdate, type ApplyOptions, type FieldManagerOptions } from './apply.ts';

const objectMeta: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    namespace: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
  },
};

const components: Record<string, Schema> = {
  ObjectMeta: objectMeta,
  ConfigMap: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: '#/components/schemas/ObjectMeta' },
      data: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  Container: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      image: { type: 'string' },
      args: { type: 'array', items: { type: 'string' } },
      ports: {
        type: 'array',
        items: {
          type: 'object',
          properties: { containerPort: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } },
        },
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
      },
    },
  },
  Deployment: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: '#/components/schemas/ObjectMeta' },
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer' },
          selector: {
            type: 'object',
            'x-kubernetes-map-type': 'atomic',
            properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
          },
          template: {
            type: 'object',
            properties: {
              metadata: { $ref: '#/components/schemas/ObjectMeta' },
              spec: {
                type: 'object',
                properties: {
                  containers: {
                    type: 'array',
                    items: { $ref: '#/components/schemas/Container' },
                    'x-kubernetes-patch-strategy': 'merge',
                    'x-kubernetes-patch-merge-key': 'name',
                  },
                },
              },
            },
          },
        },
      },
      status: { type: 'object', properties: { replicas: { type: 'integer' } } },
    },
  },
};

const configMapSchema: SchemaCursor = { schema: { $ref: '#/components/schemas/ConfigMap' }, components };
const deploymentSchema: SchemaCursor = { schema: { $ref: '#/components/schemas/Deployment' }, components };
/** A CRD schema: no metadata, so the field manager's own ObjectMeta applies. */
const widgetSchema: SchemaCursor = {
  schema: {
    type: 'object',
    properties: {
      spec: { type: 'object', properties: { size: { type: 'integer' } } },
      status: { type: 'object', properties: { ready: { type: 'boolean' } } },
    },
  },
  components: {},
};

const t1 = '2024-01-01T00:00:01Z';
const t2 = '2024-01-01T00:00:02Z';
const t3 = '2024-01-01T00:00:03Z';

function cm(data: Record<string, string>, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'ssa', namespace: 'default', ...(labels && { labels }) },
    data,
  };
}

function applyAs(manager: string, now: string, extra: Partial<ApplyOptions> = {}): ApplyOptions {
  return { manager, force: false, schema: configMapSchema, apiVersion: 'v1', now, ...extra };
}

function updateAs(
  manager: string,
  now: string,
  extra: Partial<FieldManagerOptions> = {},
): FieldManagerOptions {
  return { manager, schema: configMapSchema, apiVersion: 'v1', now, ...extra };
}

function entry(object: KubeObject, manager: string, subresource?: string): ManagedFieldsEntry | undefined {
  return object.metadata.managedFields?.find((e) => e.manager === manager && e.subresource === subresource);
}

function conflictOf(fn: () => unknown): ConflictError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConflictError, `expected a ConflictError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a conflict');
}

describe('applyConfiguration', () => {
  it('runs kubectl conformance: conflict, then force takes the field', () => {
    const first = applyConfiguration(undefined, cm({ owner: 'first' }), applyAs('first', t1));
    assert.deepEqual(first.metadata.managedFields, [
      {
        manager: 'first',
        operation: 'Apply',
        apiVersion: 'v1',
        time: t1,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:owner': {} } },
      },
    ]);
    assert.deepEqual(first['data'], { owner: 'first' });

    const conflict = conflictOf(() =>
      applyConfiguration(first, cm({ owner: 'second' }), applyAs('second', t2)),
    );
    assert.equal(conflict.message, 'Apply failed with 1 conflict: conflict with "first": .data.owner');
    assert.equal(conflict.httpCode, 409);
    assert.equal(conflict.reason, 'Conflict');
    assert.deepEqual(conflict.details, {
      causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "first"', field: '.data.owner' }],
    });

    const forced = applyConfiguration(first, cm({ owner: 'second' }), applyAs('second', t2, { force: true }));
    assert.deepEqual(forced['data'], { owner: 'second' });
    assert.equal(entry(forced, 'first'), undefined, 'first lost its only field');
    assert.deepEqual(entry(forced, 'second')?.fieldsV1, { 'f:data': { 'f:owner': {} } });
  });

  it('names every conflicting manager and field in the plural form', () => {
    let live = applyConfiguration(undefined, cm({ a: '1' }), applyAs('first', t1));
    live = recordUpdate(live, cm({ a: '1', b: '1' }), updateAs('kubectl-edit', t2));
    const conflict = conflictOf(() =>
      applyConfiguration(live, cm({ a: '2', b: '2' }), applyAs('second', t3)),
    );
    assert.equal(
      conflict.message,
      'Apply failed with 2 conflicts: conflicts with "first":\n- .data.a\nconflicts with "kubectl-edit" using v1:\n- .data.b',
    );
    assert.deepEqual(conflict.details.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "first"', field: '.data.a' },
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using v1', field: '.data.b' },
    ]);
  });

  it('removes a field the manager stops applying', () => {
    const live = applyConfiguration(undefined, cm({ a: '1', b: '2' }, { app: 'web' }), applyAs('first', t1));
    const next = applyConfiguration(live, cm({ a: '1' }), applyAs('first', t2));
    assert.deepEqual(next['data'], { a: '1' });
    assert.equal(next.metadata.labels, undefined);
    assert.deepEqual(entry(next, 'first')?.fieldsV1, { 'f:data': { 'f:a': {} } });
    assert.equal(entry(next, 'first')?.time, t2);
  });

  it('keeps a field it stops applying while another manager owns it', () => {
    let live = applyConfiguration(undefined, cm({ a: '1', b: '2' }), applyAs('first', t1));
    live = applyConfiguration(live, cm({ b: '2' }), applyAs('second', t2));
    const next = applyConfiguration(live, cm({ a: '1' }), applyAs('first', t3));
    assert.deepEqual(next['data'], { a: '1', b: '2' });
    assert.deepEqual(entry(next, 'second')?.fieldsV1, { 'f:data': { 'f:b': {} } });
  });

  it('shares ownership of an equal value, and both owners then conflict on a change', () => {
    const live = applyConfiguration(undefined, cm({ owner: 'same' }), applyAs('first', t1));
    const shared = applyConfiguration(live, cm({ owner: 'same' }), applyAs('second', t2));
    assert.deepEqual(entry(shared, 'first')?.fieldsV1, { 'f:data': { 'f:owner': {} } });
    assert.deepEqual(entry(shared, 'second')?.fieldsV1, { 'f:data': { 'f:owner': {} } });
    // the object did not change, so the new applier is not stamped, as in kube-apiserver
    assert.equal(entry(shared, 'second')?.time, undefined);
    const conflict = conflictOf(() =>
      applyConfiguration(shared, cm({ owner: 'changed' }), applyAs('first', t3)),
    );
    assert.equal(conflict.message, 'Apply failed with 1 conflict: conflict with "second": .data.owner');
  });

  it('leaves the object and time alone when re-applying the same configuration', () => {
    const live = applyConfiguration(undefined, cm({ a: '1' }), applyAs('first', t1));
    const again = applyConfiguration(live, cm({ a: '1' }), applyAs('first', t2));
    assert.deepEqual(again, live);
  });

  it('merges list-map items by key, each manager owning its own container', () => {
    const deployment = (containers: unknown[], replicas?: number): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { ...(replicas !== undefined && { replicas }), template: { spec: { containers } } },
    });
    const opts = (manager: string, now: string): ApplyOptions => ({
      manager,
      force: false,
      schema: deploymentSchema,
      apiVersion: 'apps/v1',
      now,
    });

    let live = applyConfiguration(
      undefined,
      deployment([{ name: 'web', image: 'web:1', ports: [{ containerPort: 80 }] }], 2),
      opts('first', t1),
    );
    live = applyConfiguration(live, deployment([{ name: 'sidecar', image: 'proxy:1' }]), opts('second', t2));
    assert.deepEqual(live['spec'], {
      replicas: 2,
      template: {
        spec: {
          containers: [
            { name: 'web', image: 'web:1', ports: [{ containerPort: 80 }] },
            { name: 'sidecar', image: 'proxy:1' },
          ],
        },
      },
    });
    assert.deepEqual(entry(live, 'first')?.fieldsV1, {
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
    assert.deepEqual(entry(live, 'second')?.fieldsV1, {
      'f:spec': {
        'f:template': {
          'f:spec': { 'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });

    // each changes its own container without conflict; the other container stays
    live = applyConfiguration(
      live,
      deployment([{ name: 'web', image: 'web:2', ports: [{ containerPort: 80 }] }], 2),
      opts('first', t3),
    );
    const containers = (o: KubeObject): unknown =>
      (o['spec'] as { template: { spec: { containers: unknown } } }).template.spec.containers;
    assert.deepEqual(containers(live), [
      { name: 'web', image: 'web:2', ports: [{ containerPort: 80 }] },
      { name: 'sidecar', image: 'proxy:1' },
    ]);

    // changing the other manager's container conflicts, naming the item by its key
    const conflict = conflictOf(() =>
      applyConfiguration(live, deployment([{ name: 'sidecar', image: 'proxy:2' }]), opts('first', t3)),
    );
    assert.equal(
      conflict.message,
      'Apply failed with 1 conflict: conflict with "second": .spec.template.spec.containers[name="sidecar"].image',
    );

    // dropping a container from the configuration removes it, and only it
    live = applyConfiguration(live, deployment([], 2), opts('first', t3));
    assert.deepEqual(containers(live), [{ name: 'sidecar', image: 'proxy:1' }]);
  });

  it('tracks the status subresource apart from the main resource', () => {
    const widget = (body: Record<string, unknown>): KubeObject => ({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'default' },
      ...body,
    });
    const base = { schema: widgetSchema, apiVersion: 'example.com/v1', force: false };
    let live = applyConfiguration(undefined, widget({ spec: { size: 3 }, status: { ready: false } }), {
      ...base,
      manager: 'kubectl',
      now: t1,
      ignoredPaths: [['status']],
    });
    assert.deepEqual(
      entry(live, 'kubectl')?.fieldsV1,
      { 'f:spec': { 'f:size': {} } },
      'status is not tracked on the main resource',
    );

    live = applyConfiguration(live, widget({ status: { ready: true } }), {
      ...base,
      manager: 'controller',
      now: t2,
      subresource: 'status',
      ignoredPaths: [['spec']],
    });
    assert.deepEqual(live['status'], { ready: true });
    assert.deepEqual(live['spec'], { size: 3 });
    assert.deepEqual(entry(live, 'controller', 'status'), {
      manager: 'controller',
      operation: 'Apply',
      apiVersion: 'example.com/v1',
      time: t2,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:ready': {} } },
      subresource: 'status',
    });

    // the same manager through the main resource is another entry
    live = applyConfiguration(
      live,
      widget({ metadata: { name: 'w1', namespace: 'default', labels: { tier: 'a' } } }),
      {
        ...base,
        manager: 'controller',
        now: t3,
        ignoredPaths: [['status']],
      },
    );
    assert.deepEqual(entry(live, 'controller')?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
    assert.deepEqual(
      live.metadata.managedFields?.map((e) => [e.manager, e.subresource ?? '']),
      [
        ['kubectl', ''],
        ['controller', 'status'],
        ['controller', ''],
      ],
    );
  });

  it('lets kubectl take over from its client-side apply, and keeps the annotation in step', () => {
    const annotation = 'kubectl.kubernetes.io/last-applied-configuration';
    const lastApplied =
      '{"apiVersion":"v1","data":{"owner":"csa"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"ssa","namespace":"default"}}\n';
    const created = cm({ owner: 'csa' });
    created.metadata.annotations = { [annotation]: lastApplied };
    const live = recordUpdate(undefined, created, updateAs('kubectl-client-side-apply', t1));

    const other = conflictOf(() => applyConfiguration(live, cm({ owner: 'ssa' }), applyAs('someone', t2)));
    assert.equal(
      other.message,
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.owner',
    );

    const upgraded = applyConfiguration(live, cm({ owner: 'ssa' }), applyAs('kubectl', t2));
    assert.deepEqual(upgraded['data'], { owner: 'ssa' });
    assert.deepEqual(entry(upgraded, 'kubectl')?.fieldsV1, { 'f:data': { 'f:owner': {} } });
    // the data map itself, which the create added, stays with the client-side applier
    assert.deepEqual(entry(upgraded, 'kubectl-client-side-apply')?.fieldsV1, {
      'f:data': {},
      'f:metadata': { 'f:annotations': { '.': {}, [`f:${annotation}`]: {} } },
    });
    assert.equal(
      upgraded.metadata.annotations?.[annotation],
      '{"apiVersion":"v1","data":{"owner":"ssa"},"kind":"ConfigMap","metadata":{"name":"ssa","namespace":"default"}}\n',
    );
  });

  it('returns an object that shares nothing with its inputs', () => {
    const live = applyConfiguration(undefined, cm({ a: '1' }, { app: 'web' }), applyAs('first', t1));
    const config = cm({ b: '2' }, { tier: 'x' });
    const before = structuredClone({ live, config });
    const next = applyConfiguration(live, config, applyAs('second', t2));
    (next['data'] as Record<string, string>)['c'] = '3';
    (next.metadata.labels as Record<string, string>)['d'] = '4';
    assert.deepEqual({ live, config }, before);
  });

  it('rejects managedFields in the configuration and objects of another kind or version', () => {
    const withFields = cm({ a: '1' });
    withFields.metadata.managedFields = [];
    assert.throws(() => applyConfiguration(undefined, withFields, applyAs('first', t1)), {
      code: 'KEELSON_BAD_REQUEST',
      message: 'metadata.managedFields must be nil',
    });
    const wrong = { ...cm({ a: '1' }), apiVersion: 'v2' };
    assert.throws(() => applyConfiguration(undefined, wrong, applyAs('first', t1)), {
      code: 'KEELSON_BAD_REQUEST',
      message: 'invalid object type: /v2, Kind=ConfigMap',
    });
  });

  it('fails like kube-apiserver on list items it cannot key', () => {
    const config: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { template: { spec: { containers: [{ image: 'x' }, { name: 'a' }, { name: 'a' }] } } },
    };
    assert.throws(
      () =>
        applyConfiguration(undefined, config, {
          manager: 'm',
          force: false,
          schema: deploymentSchema,
          apiVersion: 'apps/v1',
          now: t1,
        }),
      (error: unknown) =>
        error instanceof KeelsonError &&
        error.httpCode === 500 &&
        error.message ===
          'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): errors:\n' +
            '  .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)\n' +
            '  .spec.template.spec.containers: duplicate entries for key [name="a"]',
    );
  });
});

describe('recordUpdate', () => {
  it('records a create as owning every field it sets', () => {
    const created = recordUpdate(undefined, cm({ a: '1' }, { app: 'web' }), updateAs('kubectl-create', t1));
    assert.deepEqual(created.metadata.managedFields, [
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'v1',
        time: t1,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:data': { '.': {}, 'f:a': {} },
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        },
      },
    ]);
  });

  it('lets kubectl-edit take a field from an applier, which then conflicts', () => {
    const applied = applyConfiguration(undefined, cm({ owner: 'first', keep: 'x' }), applyAs('first', t1));
    const edited = recordUpdate(
      applied,
      { ...cm({ owner: 'edited', keep: 'x' }), metadata: { ...applied.metadata } },
      updateAs('kubectl-edit', t2),
    );
    assert.deepEqual(entry(edited, 'first')?.fieldsV1, { 'f:data': { 'f:keep': {} } });
    assert.deepEqual(entry(edited, 'first')?.time, t1);
    assert.deepEqual(entry(edited, 'kubectl-edit'), {
      manager: 'kubectl-edit',
      operation: 'Update',
      apiVersion: 'v1',
      time: t2,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { 'f:owner': {} } },
    });
    const conflict = conflictOf(() =>
      applyConfiguration(edited, cm({ owner: 'first', keep: 'x' }), applyAs('first', t3)),
    );
    assert.equal(
      conflict.message,
      'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.owner',
    );
  });

  it('writes nothing for an update that changes nothing', () => {
    const applied = applyConfiguration(undefined, cm({ a: '1' }), applyAs('first', t1));
    const same = recordUpdate(applied, structuredClone(applied), updateAs('kubectl-edit', t2));
    assert.deepEqual(same.metadata.managedFields, applied.metadata.managedFields);
  });

  it('honours managedFields the client edited, and clears them on [{}] or []', () => {
    let live = applyConfiguration(undefined, cm({ a: '1' }), applyAs('first', t1));
    live = applyConfiguration(live, cm({ b: '2' }), applyAs('second', t2));

    const edited = structuredClone(live);
    edited.metadata.managedFields =
      edited.metadata.managedFields?.filter((e) => e.manager === 'second') ?? [];
    const honoured = recordUpdate(live, edited, updateAs('kubectl', t3));
    assert.deepEqual(
      honoured.metadata.managedFields?.map((e) => e.manager),
      ['second'],
    );

    for (const reset of [[{}], []]) {
      const next = structuredClone(live);
      next.metadata.managedFields = reset;
      next['data'] = { a: '1', b: '2', c: '3' };
      const cleared = recordUpdate(live, next, updateAs('kubectl', t3));
      assert.deepEqual(
        cleared.metadata.managedFields?.map((e) => [e.manager, e.fieldsV1]),
        [['kubectl', { 'f:data': { 'f:c': {} } }]],
      );
    }

    const absent = structuredClone(live);
    delete absent.metadata.managedFields;
    assert.deepEqual(
      recordUpdate(live, absent, updateAs('kubectl', t3)).metadata.managedFields,
      live.metadata.managedFields,
    );
  });

  it('keeps the stored managedFields on a subresource write', () => {
    const live = recordUpdate(undefined, cm({ a: '1' }), updateAs('creator', t1));
    const next = structuredClone(live);
    next.metadata.managedFields = [];
    const written = recordUpdate(live, next, updateAs('kubelet', t2, { subresource: 'status' }));
    assert.deepEqual(written.metadata.managedFields, live.metadata.managedFields);
  });

  it('merges the oldest of more than ten updaters into ancient-changes', () => {
    let live = recordUpdate(undefined, cm({}), updateAs('creator', '2024-01-01T00:00:00Z'));
    for (let i = 0; i < 11; i++) {
      live = recordUpdate(
        live,
        { ...cm({ ...(live['data'] as Record<string, string>), [`k${i}`]: 'v' }), metadata: live.metadata },
        updateAs(`updater-${i}`, `2024-01-01T00:00:${String(10 + i)}Z`),
      );
    }
    const managers = live.metadata.managedFields?.map((e) => e.manager) ?? [];
    assert.equal(managers.length, 10);
    assert.equal(managers[0], 'ancient-changes');
    // the creator (which owns the empty data map it created) and the two oldest updaters, merged
    assert.deepEqual(live.metadata.managedFields?.[0]?.fieldsV1, {
      'f:data': { '.': {}, 'f:k0': {}, 'f:k1': {} },
    });
    assert.equal(live.metadata.managedFields?.[0]?.time, '2024-01-01T00:00:11Z');
    assert.ok(
      !managers.includes('creator') && !managers.includes('updater-0') && !managers.includes('updater-1'),
    );
  });

  it('never tracks identity and server-set metadata', () => {
    const created = recordUpdate(
      undefined,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'x',
          namespace: 'default',
          uid: 'u',
          resourceVersion: '1',
          generation: 1,
          creationTimestamp: t1,
        },
      },
      updateAs('kubectl-create', t1),
    );
    assert.equal(created.metadata.managedFields, undefined);
  });
});
