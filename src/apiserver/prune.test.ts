import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pruneUnknownFields } from './prune.ts';

it('drops unknown fields, keeps preserved subtrees and reports paths', () => {
  const schema = {
    type: 'object' as const,
    properties: {
      spec: {
        type: 'object' as const,
        properties: {
          size: { type: 'integer' as const },
          items: {
            type: 'array' as const,
            items: { type: 'object' as const, properties: { name: { type: 'string' as const } } },
          },
          blob: { type: 'object' as const, 'x-kubernetes-preserve-unknown-fields': true },
          labels: { type: 'object' as const, additionalProperties: { type: 'string' as const } },
        },
      },
    },
  };
  const obj = {
    apiVersion: 'x/v1',
    kind: 'W',
    metadata: { name: 'a' },
    spec: {
      size: 1,
      extra: true,
      items: [{ name: 'n', bad: 1 }],
      blob: { anything: { deep: 1 } },
      labels: { a: 'b' },
    },
    other: 1,
  };
  const dropped = pruneUnknownFields(obj, { schema, components: {} });
  assert.deepEqual(dropped.sort(), ['other', 'spec.extra', 'spec.items[0].bad']);
  assert.deepEqual(obj, {
    apiVersion: 'x/v1',
    kind: 'W',
    metadata: { name: 'a' },
    spec: { size: 1, items: [{ name: 'n' }], blob: { anything: { deep: 1 } }, labels: { a: 'b' } },
  });
});

it('metadata of a custom resource is ObjectMeta even when the schema says `metadata: {type: object}`', () => {
  const object = {
    apiVersion: 'x/v1',
    kind: 'X',
    metadata: { name: 'a', labels: { k: 'v' } },
    spec: { a: 1, b: 2 },
  };
  const schema = {
    type: 'object',
    properties: {
      metadata: { type: 'object' },
      spec: { type: 'object', properties: { a: { type: 'integer' } } },
    },
  };
  const unknown = pruneUnknownFields(object, { schema: schema as never, components: {} });
  assert.deepEqual(unknown, ['spec.b']);
  assert.deepEqual(object.metadata, { name: 'a', labels: { k: 'v' } });
});
