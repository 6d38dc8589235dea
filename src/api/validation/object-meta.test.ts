import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError, invalidError } from '../../base/errors.ts';
import type { KubeObject } from '../meta.ts';
import { builtinResources, type ResourceType } from '../resources.ts';
import { validateObjectMeta } from './object-meta.ts';

function typeOf(group: string, kind: string): ResourceType {
  const type = builtinResources.find((t) => t.group === group && t.kind === kind);
  assert.ok(type, `${group}/${kind}`);
  return type;
}

function messages(type: ResourceType, obj: KubeObject, old?: KubeObject): string[] {
  return validateObjectMeta(type, obj, old).map(formatFieldError);
}

const configMap = typeOf('', 'ConfigMap');
const subdomainRule =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function object(metadata: KubeObject['metadata'], kind = 'ConfigMap', apiVersion = 'v1'): KubeObject {
  return { apiVersion, kind, metadata };
}

describe('validateObjectMeta on create', () => {
  it('accepts a well-formed object', () => {
    assert.deepEqual(
      messages(configMap, object({ name: 'settings', namespace: 'default', labels: { app: 'web' } })),
      [],
    );
  });

  it('reports a bad name exactly as kube-apiserver does', () => {
    assert.deepEqual(messages(configMap, object({ name: 'Bad_Name', namespace: 'default' })), [
      `metadata.name: Invalid value: "Bad_Name": ${subdomainRule}`,
    ]);
    const error = invalidError(
      'ConfigMap',
      'Bad_Name',
      validateObjectMeta(configMap, object({ name: 'Bad_Name', namespace: 'default' })),
    );
    assert.equal(
      error.message,
      `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${subdomainRule}`,
    );
  });

  it('requires a name or generateName', () => {
    assert.deepEqual(messages(configMap, object({ namespace: 'default' })), [
      'metadata.name: Required value: name or generateName is required',
    ]);
  });

  it('validates generateName as a prefix, allowing a trailing dash', () => {
    assert.deepEqual(
      messages(configMap, object({ generateName: 'web-', name: 'web-x7k2p', namespace: 'default' })),
      [],
    );
    assert.deepEqual(
      messages(configMap, object({ generateName: 'Web-', name: 'web-x7k2p', namespace: 'default' })),
      [`metadata.generateName: Invalid value: "Web-": ${subdomainRule}`],
    );
  });

  it('requires a namespace for namespaced kinds and forbids one for cluster-scoped kinds', () => {
    assert.deepEqual(messages(configMap, object({ name: 'a' })), ['metadata.namespace: Required value']);
    assert.deepEqual(
      messages(typeOf('', 'Namespace'), object({ name: 'a', namespace: 'default' }, 'Namespace')),
      ['metadata.namespace: Forbidden: not allowed on this type'],
    );
    assert.deepEqual(messages(configMap, object({ name: 'a', namespace: 'Bad' })), [
      `metadata.namespace: Invalid value: "Bad": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]);
  });

  it('applies each registry name rule', () => {
    assert.deepEqual(messages(typeOf('', 'Namespace'), object({ name: 'team.a' }, 'Namespace')), [
      'metadata.name: Invalid value: "team.a": must not contain dots',
    ]);
    assert.deepEqual(
      messages(typeOf('', 'Service'), object({ name: '1web', namespace: 'default' }, 'Service')),
      [
        `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
      ],
    );
    assert.deepEqual(
      messages(
        typeOf('apps', 'StatefulSet'),
        object({ name: 'db.primary', namespace: 'default' }, 'StatefulSet', 'apps/v1'),
      ),
      ['metadata.name: Invalid value: "db.primary": must not contain dots'],
    );
    const clusterRole = typeOf('rbac.authorization.k8s.io', 'ClusterRole');
    assert.deepEqual(messages(clusterRole, object({ name: 'system:Controller:X' }, 'ClusterRole')), []);
    assert.deepEqual(messages(clusterRole, object({ name: 'a/b' }, 'ClusterRole')), [
      'metadata.name: Invalid value: "a/b": may not contain \'/\'',
    ]);
  });

  it('requires a CRD to be named plural.group', () => {
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widget.example.com' },
      spec: { group: 'example.com', names: { plural: 'widgets' } },
    };
    assert.deepEqual(messages(typeOf('apiextensions.k8s.io', 'CustomResourceDefinition'), crd), [
      'metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."+spec.group',
    ]);
  });

  it('reports label keys and values on metadata.labels', () => {
    assert.deepEqual(
      messages(
        configMap,
        object({ name: 'a', namespace: 'default', labels: { 'bad key': 'ok', app: '-x' } }),
      ),
      [
        `metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
        `metadata.labels: Invalid value: "-x": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    );
  });

  it('checks annotation keys case-insensitively and caps their total size at 256 KiB', () => {
    assert.deepEqual(
      messages(
        configMap,
        object({ name: 'a', namespace: 'default', annotations: { 'Example.COM/Key': 'v' } }),
      ),
      [],
    );
    const big = { name: 'a', namespace: 'default', annotations: { a: 'x'.repeat(256 * 1024) } };
    assert.deepEqual(messages(configMap, object(big)), [
      'metadata.annotations: Too long: must have at most 262144 bytes',
    ]);
    const fits = { name: 'a', namespace: 'default', annotations: { a: 'x'.repeat(256 * 1024 - 1) } };
    assert.deepEqual(messages(configMap, object(fits)), []);
  });

  it('checks finalizers: qualified, standard when unprefixed, not orphan with foregroundDeletion', () => {
    assert.deepEqual(
      messages(
        configMap,
        object({ name: 'a', namespace: 'default', finalizers: ['example.com/cleanup', 'kubernetes'] }),
      ),
      [],
    );
    assert.deepEqual(
      messages(configMap, object({ name: 'a', namespace: 'default', finalizers: ['cleanup'] })),
      [
        'metadata.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
      ],
    );
    assert.deepEqual(
      messages(
        configMap,
        object({ name: 'a', namespace: 'default', finalizers: ['orphan', 'foregroundDeletion'] }),
      ),
      [
        'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
      ],
    );
  });

  it('leaves unprefixed finalizers of custom resources alone', () => {
    const widgets: ResourceType = { ...configMap, group: 'example.com', kind: 'Widget', plural: 'widgets' };
    delete widgets.schemaName;
    assert.deepEqual(
      messages(
        widgets,
        object({ name: 'a', namespace: 'default', finalizers: ['cleanup'] }, 'Widget', 'example.com/v1'),
      ),
      [],
    );
  });

  it('requires complete owner references and a single controller', () => {
    const ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
      { apiVersion: 'apps/', kind: '', name: '', uid: '' },
    ];
    const found = messages(configMap, object({ name: 'a', namespace: 'default', ownerReferences }));
    assert.equal(found.length, 5);
    assert.deepEqual(found.slice(0, 1), [
      'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true},{"apiVersion":"apps/","kind":"","name":"","uid":""}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
    ]);
    assert.deepEqual(found.slice(1), [
      'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]);
  });

  it('reports nothing for review kinds', () => {
    assert.deepEqual(
      messages(
        typeOf('authorization.k8s.io', 'SelfSubjectAccessReview'),
        object({}, 'SelfSubjectAccessReview'),
      ),
      [],
    );
  });
});

describe('validateObjectMeta on update', () => {
  const old = object({
    name: 'settings',
    namespace: 'default',
    uid: 'a1',
    resourceVersion: '5',
    generation: 2,
    creationTimestamp: '2024-05-01T10:00:00Z',
  });

  it('accepts an unchanged identity', () => {
    assert.deepEqual(messages(configMap, structuredClone(old), old), []);
  });

  it('keeps name, namespace, uid and creationTimestamp immutable', () => {
    const changed = object({
      name: 'other',
      namespace: 'prod',
      uid: 'b2',
      resourceVersion: '5',
      generation: 2,
      creationTimestamp: '2024-06-01T00:00:00Z',
    });
    assert.deepEqual(messages(configMap, changed, old), [
      'metadata.name: Invalid value: "other": field is immutable',
      'metadata.namespace: Invalid value: "prod": field is immutable',
      'metadata.uid: Invalid value: "b2": field is immutable',
      'metadata.creationTimestamp: Invalid value: 2024-06-01 00:00:00 +0000 UTC: field is immutable',
    ]);
  });

  it('forbids a lower generation and accepts an update without resourceVersion', () => {
    const changed = object({
      name: 'settings',
      namespace: 'default',
      uid: 'a1',
      generation: 1,
      creationTimestamp: '2024-05-01T10:00:00Z',
    });
    assert.deepEqual(messages(configMap, changed, old), [
      'metadata.generation: Invalid value: 1: must not be decremented',
    ]);
  });

  it('forbids new finalizers once deletion started', () => {
    const deleting = object({
      ...old.metadata,
      deletionTimestamp: '2024-07-01T00:00:00Z',
      finalizers: ['kubernetes'],
    });
    const added = object({
      ...deleting.metadata,
      finalizers: ['kubernetes', 'example.com/b', 'example.com/a'],
    });
    assert.deepEqual(messages(configMap, added, deleting), [
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/a", "example.com/b"}',
    ]);
  });

  it('does not re-check the name rule on update', () => {
    const legacy = object({ ...old.metadata, name: 'Legacy_Name' });
    assert.deepEqual(messages(configMap, structuredClone(legacy), legacy), []);
  });
});
