import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonPathError, evaluateJsonPath, parseJsonPath } from './jsonpath.ts';

const widget = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: {
    name: 'w1',
    labels: { 'app.kubernetes.io/name': 'shop', tier: 'web' },
  },
  spec: {
    size: 3,
    items: [
      { name: 'first', weight: 1 },
      { name: 'second', weight: 2 },
      { name: 'third', weight: 3 },
    ],
    nothing: null,
  },
  status: {
    conditions: [
      { type: 'Reconciling', status: 'False' },
      { type: 'Ready', status: 'True', reason: 'Succeeded' },
    ],
  },
};

describe('evaluateJsonPath', () => {
  it('follows fields', () => {
    assert.deepEqual(evaluateJsonPath(widget, '.spec.size'), [3]);
    assert.deepEqual(evaluateJsonPath(widget, '{.metadata.name}'), ['w1']);
    assert.deepEqual(evaluateJsonPath(widget, '$.kind'), ['Widget']);
  });

  it('selects nothing for a missing key, and null for a null one', () => {
    assert.deepEqual(evaluateJsonPath(widget, '.spec.missing'), []);
    assert.deepEqual(evaluateJsonPath(widget, '.status.phase.deeper'), []);
    assert.deepEqual(evaluateJsonPath(widget, '.spec.nothing'), [null]);
  });

  it('indexes and slices arrays', () => {
    assert.deepEqual(evaluateJsonPath(widget, '.spec.items[0].name'), ['first']);
    assert.deepEqual(evaluateJsonPath(widget, '.spec.items[-1].name'), ['third']);
    assert.deepEqual(evaluateJsonPath(widget, '.spec.items[0:2].name'), ['first', 'second']);
    assert.deepEqual(evaluateJsonPath(widget, '.spec.items[*].weight'), [1, 2, 3]);
    assert.deepEqual(evaluateJsonPath(widget, '.spec.items[5].name'), []);
    assert.deepEqual(evaluateJsonPath(widget, '.spec.size[0]'), []);
  });

  it('filters arrays', () => {
    assert.deepEqual(evaluateJsonPath(widget, '.status.conditions[?(@.type=="Ready")].status'), ['True']);
    assert.deepEqual(evaluateJsonPath(widget, ".status.conditions[?(@.type == 'Ready')].reason"), [
      'Succeeded',
    ]);
    assert.deepEqual(evaluateJsonPath(widget, '.status.conditions[?(@.type!="Ready")].type'), [
      'Reconciling',
    ]);
    assert.deepEqual(evaluateJsonPath(widget, '.spec.items[?(@.weight>1)].name'), ['second', 'third']);
    assert.deepEqual(evaluateJsonPath(widget, '.status.conditions[?(@.reason)].type'), ['Ready']);
    assert.deepEqual(evaluateJsonPath(widget, '.status.conditions[?(@.type=="Stalled")].status'), []);
  });

  it('selects nothing when a filter compares values of different types', () => {
    assert.deepEqual(evaluateJsonPath(widget, '.spec.items[?(@.weight=="1")].name'), []);
  });

  it('reads keys with dots, escaped or bracketed', () => {
    assert.deepEqual(evaluateJsonPath(widget, '.metadata.labels.app\\.kubernetes\\.io/name'), ['shop']);
    assert.deepEqual(evaluateJsonPath(widget, ".metadata.labels['app.kubernetes.io/name']"), ['shop']);
  });

  it('descends recursively', () => {
    assert.deepEqual(evaluateJsonPath(widget, '..weight'), [1, 2, 3]);
  });

  it('throws JsonPathError for a path that does not parse', () => {
    for (const path of ['spec.size', '.spec[', '.spec.items[?(@.a ~ 1)]', '.spec..', '']) {
      assert.throws(() => parseJsonPath(path), JsonPathError, path);
    }
  });

  it('reports a parse error as Invalid', () => {
    assert.throws(
      () => evaluateJsonPath(widget, '.spec['),
      (error: unknown) => error instanceof JsonPathError && error.reason === 'Invalid',
    );
  });
});
