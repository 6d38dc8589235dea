import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeelsonError, type ErrorCode } from '../../base/errors.ts';
import { getPath, type JsonObject } from '../../base/json.ts';
import { applyJsonPatch, maxJsonPatchOperations } from './json-patch.ts';

function configMap(): JsonObject {
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'settings',
      namespace: 'default',
      labels: { app: 'web' },
      finalizers: ['example.com/a'],
    },
    data: { mode: 'fast', level: '3' },
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function assertRejects(run: () => unknown, code: ErrorCode, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof KeelsonError, `expected a KeelsonError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

describe('applyJsonPatch', () => {
  it('applies every RFC 6902 operation without touching its inputs', () => {
    const live = configMap();
    const operations = deepFreeze([
      { op: 'test', path: '/data/mode', value: 'fast' },
      { op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'web' },
      { op: 'replace', path: '/data/level', value: '4' },
      { op: 'remove', path: '/metadata/labels/app' },
      { op: 'add', path: '/metadata/finalizers/-', value: 'example.com/b' },
      { op: 'copy', from: '/data/mode', path: '/data/copied' },
      { op: 'move', from: '/data/copied', path: '/data/moved' },
      { op: 'add', path: '/metadata/annotations', value: { note: 'x' } },
    ]);
    const result = applyJsonPatch(live, operations);
    assert.deepEqual(result, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'settings',
        namespace: 'default',
        labels: { 'app.kubernetes.io/name': 'web' },
        finalizers: ['example.com/a', 'example.com/b'],
        annotations: { note: 'x' },
      },
      data: { mode: 'fast', level: '4', moved: 'fast' },
    });
    assert.notEqual(getPath(result, ['metadata', 'annotations']), operations[7]?.value);
    assert.deepEqual(live, configMap());
  });

  it('passes a null test of a key that is absent, as kube does', () => {
    const result = applyJsonPatch(configMap(), [
      { op: 'test', path: '/metadata/annotations', value: null },
      { op: 'add', path: '/metadata/annotations', value: {} },
    ]);
    assert.deepEqual(getPath(result, ['metadata', 'annotations']), {});
  });

  it('rejects a body that is not a list of operation objects with 400', () => {
    assertRejects(
      () => applyJsonPatch(configMap(), { op: 'add' }),
      'KEELSON_BAD_REQUEST',
      'json patch must be a list of operations, got an object',
    );
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'test', path: '/data', value: {} }, 'remove /data']),
      'KEELSON_BAD_REQUEST',
      'json patch operation 1 must be an object, got a string',
    );
  });

  it('rejects a failing test with 422 naming the operation', () => {
    assertRejects(
      () =>
        applyJsonPatch(configMap(), [
          { op: 'replace', path: '/data/level', value: '4' },
          { op: 'test', path: '/data/mode', value: 'slow' },
        ]),
      'KEELSON_INVALID',
      'json patch operation 1 (test /data/mode) failed: test failed',
    );
    const error = (() => {
      try {
        applyJsonPatch(configMap(), [{ op: 'test', path: '/data/absent', value: 'x' }]);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    assert.ok(error instanceof KeelsonError);
    assert.equal(error.httpCode, 422);
    assert.equal(error.reason, 'Invalid');
    assert.equal(
      error.message,
      'json patch operation 0 (test /data/absent) failed: test failed: the path does not exist',
    );
  });

  it('rejects paths that do not exist with 422', () => {
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'remove', path: '/metadata/labels/tier' }]),
      'KEELSON_INVALID',
      'json patch operation 0 (remove /metadata/labels/tier) failed: the path does not exist',
    );
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'replace', path: '/spec/replicas', value: 3 }]),
      'KEELSON_INVALID',
      'json patch operation 0 (replace /spec/replicas) failed: the path does not exist',
    );
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'add', path: '/spec/template/x', value: 1 }]),
      'KEELSON_INVALID',
      /^json patch operation 0 \(add \/spec\/template\/x\) failed: /,
    );
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'move', from: '/data/none', path: '/data/x' }]),
      'KEELSON_INVALID',
      'json patch operation 0 (move /data/x) failed: the from path does not exist',
    );
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'add', path: '/metadata/finalizers/5', value: 'x' }]),
      'KEELSON_INVALID',
      'json patch operation 0 (add /metadata/finalizers/5) failed: the array index is out of bounds',
    );
    // inherited properties are not there
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'remove', path: '/metadata/constructor' }]),
      'KEELSON_INVALID',
      'json patch operation 0 (remove /metadata/constructor) failed: the path does not exist',
    );
  });

  it('rejects malformed operations with 422', () => {
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'merge', path: '/data', value: {} }]),
      'KEELSON_INVALID',
      'json patch operation 0 (merge /data) failed: unknown op "merge", want add, remove, replace, move, copy or test',
    );
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: '_get', path: '/data' }]),
      'KEELSON_INVALID',
      /unknown op "_get"/,
    );
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'add', path: 'data/x', value: 1 }]),
      'KEELSON_INVALID',
      /\(add data\/x\) failed: path must be a JSON pointer/,
    );
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'replace', path: '/data/mode' }]),
      'KEELSON_INVALID',
      'json patch operation 0 (replace /data/mode) failed: value is required',
    );
    assertRejects(
      () => applyJsonPatch(configMap(), [{ op: 'add', path: '/__proto__/polluted', value: true }]),
      'KEELSON_INVALID',
      /the path segment "__proto__" is not allowed/,
    );
    assert.equal(({} as JsonObject).polluted, undefined);
  });

  it('rejects more operations than kube allows with 413', () => {
    const operations = Array.from({ length: maxJsonPatchOperations + 1 }, () => ({
      op: 'test',
      path: '/kind',
      value: 'ConfigMap',
    }));
    assertRejects(
      () => applyJsonPatch(configMap(), operations),
      'KEELSON_TOO_LARGE',
      `the allowed maximum operations in a JSON patch is 10000, got 10001`,
    );
    assert.equal((applyJsonPatch(configMap(), operations.slice(1)) as object).constructor, Object);
  });
});
