import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldSet, fieldPath } from './field-set.ts';
import {
  capUpdateManagers,
  conflictError,
  decodeManagedFields,
  describeManager,
  encodeManagedFields,
  isResetManagedFields,
  managerIdentity,
  type ManagedFieldSets,
} from './managed-fields.ts';

const fields = (...paths: string[][]): FieldSet => FieldSet.fromPaths(paths.map(fieldPath));

describe('manager identity', () => {
  it('leaves the apiVersion out for appliers only', () => {
    assert.equal(
      managerIdentity({ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1' }),
      '{"manager":"kubectl","operation":"Apply"}',
    );
    assert.equal(
      managerIdentity({ manager: 'kubelet', operation: 'Update', apiVersion: 'v1', subresource: 'status' }),
      '{"manager":"kubelet","operation":"Update","apiVersion":"v1","subresource":"status"}',
    );
  });

  it('is described in conflicts as kube-apiserver describes it', () => {
    assert.equal(describeManager(managerIdentity({ manager: 'first', operation: 'Apply' })), '"first"');
    assert.equal(
      describeManager(managerIdentity({ manager: 'ctl', operation: 'Apply', subresource: 'status' })),
      '"ctl" with subresource "status"',
    );
    assert.equal(
      describeManager(
        managerIdentity({ manager: 'kubectl-edit', operation: 'Update', apiVersion: 'apps/v1' }),
      ),
      '"kubectl-edit" using apps/v1',
    );
  });
});

describe('decodeManagedFields', () => {
  it('rejects entries kube-apiserver rejects, with its messages', () => {
    const valid = {
      manager: 'm',
      operation: 'Update',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: {},
    };
    assert.throws(
      () => decodeManagedFields([{ ...valid, operation: 'Patch' }]),
      /^ManagedFieldsError: operation must be `Apply` or `Update`$/,
    );
    assert.throws(() => decodeManagedFields([{ ...valid, apiVersion: '' }]), /apiVersion must not be empty/);
    assert.throws(
      () => decodeManagedFields([{ ...valid, fieldsType: undefined }]),
      /missing fieldsType in managed fields entry 0/,
    );
    assert.throws(
      () => decodeManagedFields([valid, { ...valid, fieldsType: 'FieldsV2' }]),
      /invalid fieldsType "FieldsV2" in managed fields entry 1/,
    );
  });

  it('keys entries by identity, so one applier keeps one entry across versions', () => {
    const managed = decodeManagedFields([
      {
        manager: 'a',
        operation: 'Apply',
        apiVersion: 'v1beta1',
        time: '2024-01-01T00:00:00.500Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:x': {} },
      },
      { manager: 'a', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:y': {} } },
    ]);
    assert.equal(managed.size, 1);
    assert.equal(managed.get('{"manager":"a","operation":"Apply"}')?.apiVersion, 'v1');
  });
});

describe('encodeManagedFields', () => {
  it('sorts Apply before Update, then by time, manager, apiVersion and subresource', () => {
    const managed: ManagedFieldSets = new Map([
      [
        managerIdentity({ manager: 'z', operation: 'Update', apiVersion: 'v1' }),
        { set: fields(['a']), apiVersion: 'v1', applied: false, time: '2024-01-01T00:00:01Z' },
      ],
      [
        managerIdentity({ manager: 'b', operation: 'Update', apiVersion: 'v1' }),
        { set: fields(['a']), apiVersion: 'v1', applied: false, time: '2024-01-01T00:00:02Z' },
      ],
      [
        managerIdentity({ manager: 'y', operation: 'Apply' }),
        { set: fields(['a']), apiVersion: 'v1', applied: true, time: '2024-01-01T00:00:09Z' },
      ],
      [
        managerIdentity({ manager: 'z', operation: 'Update', apiVersion: 'v1', subresource: 'status' }),
        { set: fields(['s']), apiVersion: 'v1', applied: false, time: '2024-01-01T00:00:01Z' },
      ],
    ]);
    const entries = encodeManagedFields(managed) ?? [];
    assert.deepEqual(
      entries.map((e) => [e.operation, e.manager, e.subresource ?? '']),
      [
        ['Apply', 'y', ''],
        ['Update', 'z', ''],
        ['Update', 'z', 'status'],
        ['Update', 'b', ''],
      ],
    );
    assert.deepEqual(Object.keys(entries[2] ?? {}), [
      'manager',
      'operation',
      'apiVersion',
      'time',
      'fieldsType',
      'fieldsV1',
      'subresource',
    ]);
    assert.equal(encodeManagedFields(new Map()), undefined);
  });
});

describe('isResetManagedFields', () => {
  it('is true for [] and [{}] only', () => {
    assert.equal(isResetManagedFields([]), true);
    assert.equal(isResetManagedFields([{}]), true);
    assert.equal(isResetManagedFields([{ manager: '' }]), true);
    assert.equal(isResetManagedFields(undefined), false);
    assert.equal(isResetManagedFields([{ fieldsV1: {} }]), false);
    assert.equal(isResetManagedFields([{}, {}]), false);
  });
});

describe('capUpdateManagers', () => {
  it('keeps appliers and merges the oldest updaters per apiVersion', () => {
    const managed: ManagedFieldSets = new Map();
    managed.set(managerIdentity({ manager: 'applier', operation: 'Apply' }), {
      set: fields(['x']),
      apiVersion: 'v1',
      applied: true,
      time: '2020-01-01T00:00:00Z',
    });
    for (let i = 0; i < 4; i++) {
      managed.set(managerIdentity({ manager: `u${i}`, operation: 'Update', apiVersion: 'v1' }), {
        set: fields([`f${i}`]),
        apiVersion: 'v1',
        applied: false,
        time: `2024-01-01T00:00:0${i}Z`,
      });
    }
    capUpdateManagers(managed, 2);
    const bucket = managed.get(
      managerIdentity({ manager: 'ancient-changes', operation: 'Update', apiVersion: 'v1' }),
    );
    assert.deepEqual(
      bucket?.set.paths().map((p) => p.length),
      [1, 1, 1],
    );
    assert.ok(bucket?.set.has(fieldPath(['f0'])) && bucket.set.has(fieldPath(['f2'])));
    assert.equal(bucket?.time, '2024-01-01T00:00:02Z');
    assert.deepEqual([...managed.values()].filter((v) => !v.applied).length, 2);
    assert.ok(managed.has(managerIdentity({ manager: 'applier', operation: 'Apply' })));
  });
});

describe('conflictError', () => {
  it('words one conflict and many as kube-apiserver does', () => {
    const first = managerIdentity({ manager: 'first', operation: 'Apply' });
    const edit = managerIdentity({ manager: 'kubectl-edit', operation: 'Update', apiVersion: 'v1' });
    assert.equal(
      conflictError([{ manager: first, path: fieldPath(['data', 'owner']) }]).message,
      'Apply failed with 1 conflict: conflict with "first": .data.owner',
    );
    const many = conflictError([
      { manager: edit, path: fieldPath(['spec', 'replicas']) },
      { manager: first, path: fieldPath(['data', 'a']) },
      { manager: first, path: fieldPath(['data', 'b']) },
    ]);
    assert.equal(
      many.message,
      'Apply failed with 3 conflicts: conflicts with "first":\n- .data.a\n- .data.b\nconflicts with "kubectl-edit" using v1:\n- .spec.replicas',
    );
    assert.equal(many.httpCode, 409);
    assert.deepEqual(
      many.details.causes?.map((c) => [c.reason, c.message, c.field]),
      [
        ['FieldManagerConflict', 'conflict with "first"', '.data.a'],
        ['FieldManagerConflict', 'conflict with "first"', '.data.b'],
        ['FieldManagerConflict', 'conflict with "kubectl-edit" using v1', '.spec.replicas'],
      ],
    );
  });
});
