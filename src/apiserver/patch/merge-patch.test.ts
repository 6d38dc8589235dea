import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeelsonError } from '../../base/errors.ts';
import { getPath, type JsonObject } from '../../base/json.ts';
import { applyMergePatch } from './merge-patch.ts';

function deployment(): JsonObject {
  return deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
    spec: {
      replicas: 2,
      template: {
        spec: {
          containers: [
            { name: 'web', image: 'nginx:1.25' },
            { name: 'sidecar', image: 'envoy:1.30' },
          ],
        },
      },
    },
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('applyMergePatch', () => {
  it('deletes with null, merges maps and replaces scalars, without touching its inputs', () => {
    const live = deployment();
    const body = deepFreeze({ metadata: { labels: { tier: null, stage: 'prod' } }, spec: { replicas: 3 } });
    const result = applyMergePatch(live, body);
    assert.deepEqual(getPath(result, ['metadata', 'labels']), { app: 'web', stage: 'prod' });
    assert.equal(getPath(result, ['spec', 'replicas']), 3);
    assert.deepEqual(getPath(result, ['spec', 'template']), getPath(deployment(), ['spec', 'template']));
    assert.deepEqual(live, deployment());
  });

  it('replaces lists whole, as `kubectl patch --type=merge` does to containers', () => {
    const result = applyMergePatch(deployment(), {
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } },
    });
    assert.deepEqual(getPath(result, ['spec', 'template', 'spec', 'containers']), [
      { name: 'web', image: 'nginx:1.26' },
    ]);
  });

  it('removes a whole map with null and replaces a scalar with a map', () => {
    const result = applyMergePatch(deployment(), {
      metadata: { labels: null, annotations: { a: 'b' } },
      spec: { replicas: { nested: true } },
    });
    assert.deepEqual(result, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', annotations: { a: 'b' } },
      spec: { replicas: { nested: true }, template: getPath(deployment(), ['spec', 'template']) },
    });
  });

  it('drops nulls from the values it brings in, also inside lists, as kube does', () => {
    const result = applyMergePatch(deployment(), {
      metadata: { annotations: { keep: 'x', gone: null } },
      spec: { template: { spec: { containers: [{ name: 'web', image: null }, null] } } },
    });
    assert.deepEqual(getPath(result, ['metadata', 'annotations']), { keep: 'x' });
    assert.deepEqual(getPath(result, ['spec', 'template', 'spec', 'containers']), [{ name: 'web' }, null]);
  });

  it('keeps a __proto__ key as data', () => {
    const result = applyMergePatch(
      { data: {} },
      JSON.parse('{"data":{"__proto__":{"polluted":true}}}'),
    ) as JsonObject;
    const data = result.data as JsonObject;
    assert.equal(Object.hasOwn(data, '__proto__'), true);
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.equal(({} as JsonObject).polluted, undefined);
  });

  it('rejects a patch that is not an object with 400', () => {
    for (const body of [null, [{ op: 'add' }], 'x', 1]) {
      assert.throws(
        () => applyMergePatch(deployment(), body),
        (error: unknown) =>
          error instanceof KeelsonError &&
          error.code === 'KEELSON_BAD_REQUEST' &&
          /merge patch must be a JSON object/.test(error.message),
      );
    }
  });
});
