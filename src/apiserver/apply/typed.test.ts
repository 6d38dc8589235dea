import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SchemaCursor } from '../../api/schema.ts';
import { FieldSet, fieldElement, formatFieldPath, keyElement, type FieldPath } from './field-set.ts';
import {
  TypedValueError,
  diffFields,
  fieldsOf,
  mergeValues,
  objectSchema,
  removeFields,
  withNamedFieldsAsMembers,
} from './typed.ts';

const f = fieldElement;
const paths = (set: FieldSet): string[] => set.paths().map(formatFieldPath);

const spec: SchemaCursor = {
  schema: {
    type: 'object',
    properties: {
      replicas: { type: 'integer' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      selector: {
        type: 'object',
        'x-kubernetes-map-type': 'atomic',
        properties: { app: { type: 'string' } },
      },
      args: { type: 'array', items: { type: 'string' } },
      finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
      ports: {
        type: 'array',
        items: {
          type: 'object',
          properties: { port: { type: 'integer' }, protocol: { type: 'string' }, name: { type: 'string' } },
        },
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['port', 'protocol'],
      },
      containers: {
        type: 'array',
        items: { $ref: '#/components/schemas/Container' },
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'name',
      },
      template: { type: 'object', properties: { image: { type: 'string' }, pull: { type: 'string' } } },
    },
  },
  components: {
    Container: { type: 'object', properties: { name: { type: 'string' }, image: { type: 'string' } } },
  },
};

describe('fieldsOf', () => {
  it('lists leaves, atomics as one field, list items as members, and map keys but not struct fields', () => {
    const set = fieldsOf(
      {
        replicas: 2,
        labels: { app: 'web' },
        selector: { app: 'web' },
        args: ['-v'],
        finalizers: ['a/b'],
        ports: [{ port: 80, name: 'http' }],
        containers: [{ name: 'web', image: 'x' }],
      },
      spec,
    );
    assert.deepEqual(paths(set), [
      '.args',
      '.replicas',
      '.selector',
      '.containers[name="web"]',
      '.containers[name="web"].image',
      '.containers[name="web"].name',
      '.finalizers[="a/b"]',
      '.labels.app',
      '.ports[port=80,protocol="TCP"]',
      '.ports[port=80,protocol="TCP"].name',
      '.ports[port=80,protocol="TCP"].port',
    ]);
  });

  it('deduces without a schema: every map key is a member, lists are atomic', () => {
    assert.deepEqual(paths(fieldsOf({ spec: { size: 3, items: [{ a: 1 }] } }, undefined)), [
      '.spec',
      '.spec.items',
      '.spec.size',
    ]);
  });

  it('reports list items it cannot key, with their paths', () => {
    assert.throws(
      () => fieldsOf({ finalizers: ['x', 'x'], containers: [{ image: 'y' }] }, spec),
      (error: unknown) =>
        error instanceof TypedValueError &&
        error.problems.length === 2 &&
        error.problems.includes('.finalizers: duplicate entries for key [="x"]') &&
        error.problems.includes(
          '.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
        ),
    );
    assert.deepEqual(paths(fieldsOf({ finalizers: ['x', 'x'] }, spec, { lenient: true })), [
      '.finalizers[="x"]',
    ]);
  });
});

describe('diffFields', () => {
  it('tells added, modified and removed fields, with appearing maps added themselves', () => {
    const changes = diffFields(
      {
        replicas: 1,
        args: ['a'],
        containers: [
          { name: 'web', image: 'x' },
          { name: 'old', image: 'o' },
        ],
      },
      { replicas: 2, args: ['a'], labels: { app: 'web' }, containers: [{ name: 'web', image: 'x' }] },
      spec,
    );
    assert.deepEqual(paths(changes.modified), ['.replicas']);
    assert.deepEqual(paths(changes.added), ['.labels', '.labels.app']);
    assert.deepEqual(paths(changes.removed), [
      '.containers[name="old"]',
      '.containers[name="old"].image',
      '.containers[name="old"].name',
    ]);
  });

  it('treats an atomic map as one field', () => {
    assert.deepEqual(
      paths(diffFields({ selector: { app: 'a' } }, { selector: { app: 'b' } }, spec).modified),
      ['.selector'],
    );
  });
});

describe('mergeValues', () => {
  it('lets the configuration win on scalars and atomics and merges maps and list-maps', () => {
    const merged = mergeValues(
      {
        replicas: 1,
        args: ['a', 'b'],
        labels: { app: 'web', tier: 'x' },
        containers: [
          { name: 'web', image: 'old' },
          { name: 'side', image: 's' },
        ],
      },
      { replicas: 2, args: ['c'], labels: { app: 'api' }, containers: [{ name: 'web', image: 'new' }] },
      spec,
    );
    assert.deepEqual(merged, {
      replicas: 2,
      args: ['c'],
      labels: { app: 'api', tier: 'x' },
      containers: [
        { name: 'web', image: 'new' },
        { name: 'side', image: 's' },
      ],
    });
  });

  it('unions sets and places new items after the applied items before them', () => {
    assert.deepEqual(mergeValues({ finalizers: ['a', 'b'] }, { finalizers: ['b', 'c'] }, spec), {
      finalizers: ['a', 'b', 'c'],
    });
    const items = (names: string[]): unknown => ({ containers: names.map((name) => ({ name })) });
    const names = (value: unknown): string[] =>
      (value as { containers: Array<{ name: string }> }).containers.map((c) => c.name);
    assert.deepEqual(names(mergeValues(items(['a', 'b', 'c']), items(['x', 'b']), spec)), [
      'a',
      'x',
      'b',
      'c',
    ]);
    assert.deepEqual(names(mergeValues(items(['a', 'b']), items(['b', 'a']), spec)), ['b', 'a']);
  });
});

describe('removeFields', () => {
  it('removes fields and list items, and maps left empty', () => {
    const value = {
      replicas: 2,
      labels: { app: 'web' },
      containers: [{ name: 'web', image: 'x' }, { name: 'side' }],
    };
    const set = FieldSet.fromPaths([
      [f('labels'), f('app')],
      [f('containers'), keyElement({ name: 'web' })],
      [f('replicas')],
    ] as FieldPath[]);
    assert.deepEqual(removeFields(value, set, spec), { containers: [{ name: 'side' }] });
    assert.deepEqual(value.replicas, 2, 'the input is not changed');
  });
});

describe('withNamedFieldsAsMembers', () => {
  it('adds struct fields reached through their children, not map keys', () => {
    const set = FieldSet.fromPaths([
      [f('template'), f('image')],
      [f('labels'), f('app')],
    ] as FieldPath[]);
    assert.deepEqual(paths(withNamedFieldsAsMembers(set, spec)), [
      '.labels',
      '.template',
      '.labels.app',
      '.template.image',
    ]);
  });
});

describe('objectSchema', () => {
  it('types metadata for schemas that leave it out', () => {
    const set = fieldsOf(
      {
        apiVersion: 'v1',
        kind: 'Thing',
        metadata: {
          name: 'a',
          labels: { x: 'y' },
          finalizers: ['f'],
          ownerReferences: [{ uid: 'u1', name: 'p' }],
        },
        spec: { a: 1 },
      },
      objectSchema(undefined),
    );
    assert.deepEqual(paths(set), [
      '.apiVersion',
      '.kind',
      '.spec',
      '.metadata.name',
      '.metadata.finalizers[="f"]',
      '.metadata.labels.x',
      '.metadata.ownerReferences[uid="u1"]',
      '.metadata.ownerReferences[uid="u1"].name',
      '.metadata.ownerReferences[uid="u1"].uid',
      '.spec.a',
    ]);
  });
});
