import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FieldSet,
  comparePathElements,
  fieldElement,
  fieldPath,
  formatFieldPath,
  indexElement,
  keyElement,
  parsePathElement,
  serializePathElement,
  valueElement,
  type FieldPath,
} from './field-set.ts';

const f = fieldElement;

describe('path elements', () => {
  it('serialize as kube-apiserver writes FieldsV1 keys', () => {
    assert.equal(serializePathElement(f('replicas')), 'f:replicas');
    assert.equal(
      serializePathElement(keyElement({ protocol: 'TCP', containerPort: 80 })),
      'k:{"containerPort":80,"protocol":"TCP"}',
    );
    assert.equal(serializePathElement(valueElement('example.com/hold')), 'v:"example.com/hold"');
    assert.equal(serializePathElement(valueElement('a<b&c')), 'v:"a\\u003cb\\u0026c"');
    assert.equal(serializePathElement(indexElement(3)), 'i:3');
  });

  it('parse back to the same element, and skip element types they do not know', () => {
    for (const text of ['f:spec', 'k:{"containerPort":80,"protocol":"TCP"}', 'v:"x"', 'v:3', 'i:0']) {
      const element = parsePathElement(text);
      assert.ok(element);
      assert.equal(serializePathElement(element), text);
    }
    assert.equal(
      serializePathElement(parsePathElement('k:{"protocol":"TCP","containerPort":80}') ?? f('')),
      'k:{"containerPort":80,"protocol":"TCP"}',
    );
    assert.equal(parsePathElement('r:whatever'), undefined);
    assert.throws(() => parsePathElement('f'), /2 characters/);
    assert.throws(() => parsePathElement('fx'), /missing colon/);
    assert.throws(() => parsePathElement('k:[1]'), /object of key fields/);
  });

  it('order fields, then keys, then values, then indexes', () => {
    const sorted = [
      indexElement(0),
      valueElement('a'),
      valueElement(1),
      keyElement({ name: 'b' }),
      keyElement({ name: 'a' }),
      f('z'),
      f('a'),
    ].sort(comparePathElements);
    assert.deepEqual(sorted.map(serializePathElement), [
      'f:a',
      'f:z',
      'k:{"name":"a"}',
      'k:{"name":"b"}',
      'v:1',
      'v:"a"',
      'i:0',
    ]);
  });

  it('format as conflicts print them', () => {
    const path: FieldPath = [f('spec'), f('containers'), keyElement({ name: 'web' }), f('image')];
    assert.equal(formatFieldPath(path), '.spec.containers[name="web"].image');
    assert.equal(
      formatFieldPath([f('spec'), f('ports'), keyElement({ port: 80, protocol: 'TCP' })]),
      '.spec.ports[port=80,protocol="TCP"]',
    );
    assert.equal(
      formatFieldPath([f('metadata'), f('finalizers'), valueElement('a/b')]),
      '.metadata.finalizers[="a/b"]',
    );
    assert.equal(formatFieldPath([f('args'), indexElement(2)]), '.args[2]');
  });
});

describe('FieldSet', () => {
  const set = (...paths: string[][]): FieldSet => FieldSet.fromPaths(paths.map(fieldPath));
  const list = (s: FieldSet): string[] => s.paths().map(formatFieldPath);

  it('has the paths inserted and none above them', () => {
    const s = set(['data', 'a'], ['data', 'b']);
    assert.ok(s.has(fieldPath(['data', 'a'])));
    assert.ok(!s.has(fieldPath(['data'])));
    assert.ok(!s.has([]));
    assert.equal(s.size, 2);
    assert.ok(FieldSet.empty.isEmpty());
    const builder = FieldSet.builder();
    builder.add(fieldPath(['a']));
    assert.ok(builder.build().has(fieldPath(['a'])));
    assert.throws(() => builder.add(fieldPath(['b'])), /already built/);
  });

  it('unions, intersects and differences', () => {
    const a = set(['data', 'a'], ['data', 'b'], ['spec']);
    const b = set(['data', 'b'], ['data', 'c']);
    assert.deepEqual(list(a.union(b)), ['.spec', '.data.a', '.data.b', '.data.c']);
    assert.deepEqual(list(a.intersection(b)), ['.data.b']);
    assert.deepEqual(list(a.difference(b)), ['.spec', '.data.a']);
    assert.ok(a.union(b).equals(b.union(a)));
  });

  it('difference removes exact paths, recursiveDifference whole subtrees', () => {
    const s = set(['status'], ['status', 'ready'], ['spec', 'size']);
    const ignored = set(['status']);
    assert.deepEqual(list(s.difference(ignored)), ['.spec.size', '.status.ready']);
    assert.deepEqual(list(s.recursiveDifference(ignored)), ['.spec.size']);
  });

  it('writes "." before the entries of a node that is itself a member', () => {
    const s = FieldSet.fromPaths([
      [f('spec'), f('containers'), keyElement({ name: 'web' })],
      [f('spec'), f('containers'), keyElement({ name: 'web' }), f('image')],
      [f('data'), f('owner')],
    ]);
    assert.equal(
      JSON.stringify(s.toFieldsV1()),
      '{"f:data":{"f:owner":{}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{}}}}}',
    );
  });

  it('decodes leaves written as {} or {".": {}} and drops unknown element types', () => {
    const s = FieldSet.fromFieldsV1({
      'f:a': {},
      'f:b': { '.': {} },
      'f:c': { '.': {}, 'f:d': {} },
      'x:future': {},
    });
    assert.deepEqual(list(s), ['.a', '.b', '.c', '.c.d']);
    assert.throws(() => FieldSet.fromFieldsV1({ 'f:a': 1 }), /must be an object/);
    assert.ok(FieldSet.fromFieldsV1(undefined).isEmpty());
  });
});

/**
 * managedFields of a Deployment as kube-apiserver writes them (the FieldsV1 format of the API reference:
 * sorted keys, `.` first, list-map keys as sorted JSON), applied by kubectl and then updated by the
 * deployment controller on the main resource and the status subresource.
 */
const capturedManagedFields =
  '[{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":' +
  '{"f:metadata":{"f:finalizers":{"v:\\"example.com/hold\\"":{}},"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},' +
  '"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{},"f:name":{},' +
  '"f:ports":{"k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}}}}}}},' +
  '{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":"2024-05-01T10:00:02Z","fieldsType":"FieldsV1","fieldsV1":' +
  '{"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/revision":{}}}}},' +
  '{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":"2024-05-01T10:00:02Z","fieldsType":"FieldsV1","fieldsV1":' +
  '{"f:status":{"f:availableReplicas":{},"f:conditions":{".":{},"k:{\\"type\\":\\"Available\\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},' +
  '"f:message":{},"f:reason":{},"f:status":{},"f:type":{}},"k:{\\"type\\":\\"Progressing\\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},' +
  '"f:message":{},"f:reason":{},"f:status":{},"f:type":{}}},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{},"f:updatedReplicas":{}}},' +
  '"subresource":"status"}]';

describe('FieldsV1 written by kube-apiserver', () => {
  const entries = JSON.parse(capturedManagedFields) as Array<{ fieldsV1: unknown }>;

  it('decodes to the fields each manager owns', () => {
    const applied = FieldSet.fromFieldsV1(entries[0]?.fieldsV1);
    const web = [f('spec'), f('template'), f('spec'), f('containers'), keyElement({ name: 'web' })];
    assert.ok(applied.has(web));
    assert.ok(applied.has([...web, f('image')]));
    assert.ok(
      applied.has([
        ...web,
        f('ports'),
        keyElement({ containerPort: 8080, protocol: 'TCP' }),
        f('containerPort'),
      ]),
    );
    assert.ok(applied.has([f('metadata'), f('finalizers'), valueElement('example.com/hold')]));
    assert.ok(applied.has(fieldPath(['spec', 'selector'])));
    assert.ok(!applied.has(fieldPath(['spec'])));
    const status = FieldSet.fromFieldsV1(entries[2]?.fieldsV1);
    assert.ok(status.has([f('status'), f('conditions'), keyElement({ type: 'Progressing' }), f('reason')]));
    assert.ok(status.has(fieldPath(['status', 'conditions'])));
    assert.equal(status.size, 20);
  });

  it('re-encodes byte for byte', () => {
    const again = entries.map((entry) => ({
      ...entry,
      fieldsV1: FieldSet.fromFieldsV1(entry.fieldsV1).toFieldsV1(),
    }));
    assert.equal(JSON.stringify(again), capturedManagedFields);
  });
});
