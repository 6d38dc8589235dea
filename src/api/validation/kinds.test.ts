import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../base/errors.ts';
import type { KubeObject } from '../meta.ts';
import { builtinResources, type ResourceType } from '../resources.ts';
import { applyDefaults, hasBuiltinRules, validateBuiltin, validateObject } from './index.ts';

function typeOf(group: string, kind: string): ResourceType {
  const type = builtinResources.find((t) => t.group === group && t.kind === kind);
  assert.ok(type, `${group}/${kind}`);
  return type;
}

/** An object without apiVersion and kind, which the helpers add from the type. */
interface Body {
  metadata: KubeObject['metadata'];
  [field: string]: unknown;
}

function check(type: ResourceType, body: Body, old?: KubeObject): string[] {
  const obj: KubeObject = {
    apiVersion: type.group === '' ? type.version : `${type.group}/${type.version}`,
    kind: type.kind,
    ...body,
  };
  applyDefaults(type, obj);
  return validateObject(type, obj, old).map(formatFieldError);
}

function existing(type: ResourceType, body: Body): KubeObject {
  const obj: KubeObject = {
    apiVersion: type.group === '' ? type.version : `${type.group}/${type.version}`,
    kind: type.kind,
    ...body,
  };
  applyDefaults(type, obj);
  return obj;
}

const meta = { name: 'x', namespace: 'default' };
const updateMeta = { name: 'x', namespace: 'default', uid: 'u', resourceVersion: '1' };

describe('Service', () => {
  const service = typeOf('', 'Service');

  it('requires named ports when there is more than one, each in range with a known protocol', () => {
    const found = check(service, {
      metadata: meta,
      spec: { ports: [{ port: 80 }, { name: 'Bad', port: 0, protocol: 'HTTP' }] },
    });
    assert.deepEqual(found, [
      'spec.ports[0].name: Required value',
      `spec.ports[1].name: Invalid value: "Bad": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
    ]);
  });

  it('requires ports except for headless and ExternalName Services', () => {
    assert.deepEqual(check(service, { metadata: meta, spec: {} }), ['spec.ports: Required value']);
    assert.deepEqual(check(service, { metadata: meta, spec: { clusterIP: 'None' } }), []);
    assert.deepEqual(
      check(service, { metadata: meta, spec: { type: 'ExternalName', externalName: 'db.example.com.' } }),
      [],
    );
  });

  it('rejects unknown types and duplicate ports', () => {
    assert.deepEqual(check(service, { metadata: meta, spec: { type: 'Internal', ports: [{ port: 80 }] } }), [
      'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]);
    assert.deepEqual(
      check(service, {
        metadata: meta,
        spec: {
          ports: [
            { name: 'a', port: 80 },
            { name: 'b', port: 80 },
          ],
        },
      }),
      [
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
      ],
    );
  });

  it('keeps the cluster IP once allocated', () => {
    const old = existing(service, {
      metadata: updateMeta,
      spec: { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80 }] },
    });
    assert.deepEqual(
      check(
        service,
        {
          metadata: updateMeta,
          spec: { clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11'], ports: [{ port: 80 }] },
        },
        old,
      ),
      ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set'],
    );
  });
});

describe('ConfigMap and Secret', () => {
  const configMap = typeOf('', 'ConfigMap');
  const secret = typeOf('', 'Secret');

  it('requires valid keys', () => {
    assert.deepEqual(
      check(configMap, { metadata: meta, data: { 'app.properties': 'a=b', 'bad key': 'x' } }),
      [
        `data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      ],
    );
  });

  it('freezes data once immutable is set', () => {
    const old = existing(configMap, { metadata: updateMeta, immutable: true, data: { a: '1' } });
    assert.deepEqual(check(configMap, { metadata: updateMeta, immutable: true, data: { a: '2' } }, old), [
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
    assert.deepEqual(check(configMap, { metadata: updateMeta, data: { a: '1' } }, old), [
      'immutable: Forbidden: field is immutable when `immutable` is set',
    ]);
    const oldSecret = existing(secret, { metadata: updateMeta, immutable: true, data: { a: 'MQ==' } });
    assert.deepEqual(
      check(secret, { metadata: updateMeta, immutable: true, data: { a: 'Mg==' } }, oldSecret),
      ['data: Forbidden: field is immutable when `immutable` is set'],
    );
  });

  it('enforces the data each Secret type needs and keeps the type', () => {
    assert.deepEqual(
      check(secret, { metadata: meta, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } }),
      ['data[tls.key]: Required value'],
    );
    assert.deepEqual(check(secret, { metadata: meta, type: 'example.com/custom', data: {} }), []);
    const old = existing(secret, { metadata: updateMeta, data: {} });
    assert.deepEqual(
      check(
        secret,
        { metadata: updateMeta, type: 'kubernetes.io/basic-auth', data: { username: 'eA==' } },
        old,
      ),
      ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable'],
    );
  });
});

describe('other core kinds', () => {
  it('checks Namespace finalizers', () => {
    assert.deepEqual(
      check(typeOf('', 'Namespace'), { metadata: { name: 'team' }, spec: { finalizers: ['cleanup'] } }),
      [
        'spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
      ],
    );
  });

  it('checks PersistentVolumeClaims', () => {
    const pvc = typeOf('', 'PersistentVolumeClaim');
    assert.deepEqual(check(pvc, { metadata: meta, spec: {} }), [
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]);
    assert.deepEqual(
      check(pvc, {
        metadata: meta,
        spec: {
          accessModes: ['ReadWriteOnce', 'ReadWriteOncePod', 'Shared'],
          resources: { requests: { storage: '0' } },
        },
      }),
      [
        'spec.accessModes: Unsupported value: "Shared": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
        'spec.resources[storage]: Invalid value: "0": must be greater than zero',
      ],
    );
    const old = existing(pvc, {
      metadata: updateMeta,
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
    });
    assert.deepEqual(
      check(
        pvc,
        {
          metadata: updateMeta,
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
        old,
      ),
      [
        'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n  changed: resources\n',
        'spec.resources.requests.storage: Forbidden: field can not be less than previous value',
      ],
    );
  });

  it('checks Events against their involved object', () => {
    const event = typeOf('', 'Event');
    assert.deepEqual(
      check(event, {
        metadata: { name: 'x.1', namespace: 'default' },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
      }),
      [],
    );
    assert.deepEqual(
      check(event, {
        metadata: { name: 'x.1', namespace: 'default' },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' },
      }),
      ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'],
    );
  });

  it('checks Node taints', () => {
    const node = typeOf('', 'Node');
    assert.deepEqual(
      check(node, {
        metadata: { name: 'n1' },
        spec: {
          taints: [
            { key: 'gpu', effect: 'NoSchedule' },
            { key: 'gpu', effect: 'NoSchedule' },
            { key: 'x', effect: 'Sometimes' },
          ],
        },
      }),
      [
        'spec.taints[1]: Duplicate value: core.Taint{Key:"gpu", Value:"", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair',
        'spec.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      ],
    );
  });
});

describe('networking, RBAC, coordination, autoscaling, policy', () => {
  it('requires an Ingress pathType and a backend port', () => {
    const ingress = typeOf('networking.k8s.io', 'Ingress');
    const found = check(ingress, {
      metadata: meta,
      spec: {
        rules: [
          {
            host: 'web.example.com',
            http: {
              paths: [
                { path: '/', backend: { service: { name: 'web', port: {} } } },
                {
                  path: 'api',
                  pathType: 'Prefix',
                  backend: { service: { name: 'api', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    });
    assert.deepEqual(found, [
      'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
      'spec.rules[0].http.paths[1].path: Invalid value: "api": must be an absolute path',
    ]);
    assert.deepEqual(check(ingress, { metadata: meta, spec: {} }), [
      'spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified',
    ]);
  });

  it('requires verbs in Role rules and a roleRef in bindings, which never changes', () => {
    assert.deepEqual(
      check(typeOf('rbac.authorization.k8s.io', 'Role'), {
        metadata: meta,
        rules: [{ apiGroups: [''], resources: ['pods'] }],
      }),
      ['rules[0].verbs: Required value: verbs must contain at least one value'],
    );
    const binding = typeOf('rbac.authorization.k8s.io', 'RoleBinding');
    assert.deepEqual(
      check(binding, {
        metadata: meta,
        roleRef: { kind: 'Deployment' },
        subjects: [{ kind: 'Robot', name: 'r2' }],
      }),
      [
        'roleRef.kind: Unsupported value: "Deployment": supported values: "Role", "ClusterRole"',
        'roleRef.name: Required value',
        'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      ],
    );
    const old = existing(binding, { metadata: updateMeta, roleRef: { kind: 'Role', name: 'reader' } });
    assert.deepEqual(
      check(binding, { metadata: updateMeta, roleRef: { kind: 'ClusterRole', name: 'admin' } }, old),
      [
        'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"admin"}: cannot change roleRef',
      ],
    );
  });

  it('checks Lease durations', () => {
    assert.deepEqual(
      check(typeOf('coordination.k8s.io', 'Lease'), { metadata: meta, spec: { leaseDurationSeconds: 0 } }),
      ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
    );
  });

  it('checks HPA replica bounds and target', () => {
    const hpa = typeOf('autoscaling', 'HorizontalPodAutoscaler');
    assert.deepEqual(
      check(hpa, {
        metadata: meta,
        spec: { scaleTargetRef: { kind: 'Deployment' }, minReplicas: 5, maxReplicas: 2 },
      }),
      [
        'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
        'spec.scaleTargetRef.name: Required value',
      ],
    );
  });

  it('checks PodDisruptionBudgets', () => {
    assert.deepEqual(
      check(typeOf('policy', 'PodDisruptionBudget'), { metadata: meta, spec: { maxUnavailable: '120%' } }),
      [
        'spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
      ],
    );
  });
});

describe('CustomResourceDefinition', () => {
  const crdType = typeOf('apiextensions.k8s.io', 'CustomResourceDefinition');
  const schema = { openAPIV3Schema: { type: 'object' } };

  it('accepts a complete definition', () => {
    const found = check(crdType, {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema }],
      },
    });
    assert.deepEqual(found, []);
  });

  it('requires one storage version, a dotted group, a known scope and schemas', () => {
    const found = check(crdType, {
      metadata: { name: 'widgets.example' },
      spec: {
        group: 'example',
        scope: 'Global',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [
          { name: 'v1', served: true, storage: false, schema },
          { name: 'v2', served: true, storage: false },
        ],
      },
    });
    assert.deepEqual(found, [
      'spec.group: Invalid value: "example": should be a domain with at least one dot',
      'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
      'spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required',
      'spec.versions: Invalid value: [{"name":"v1","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object"}}},{"name":"v2","served":true,"storage":false}]: must have exactly one version marked as storage version',
    ]);
  });
});

describe('dispatch', () => {
  it('has rules for the kinds kubectl users create, and none for custom resources', () => {
    assert.ok(hasBuiltinRules(typeOf('apps', 'Deployment')));
    assert.ok(!hasBuiltinRules(typeOf('', 'ServiceAccount')));
    const widget: ResourceType = { ...typeOf('', 'ConfigMap'), group: 'example.com', kind: 'Widget' };
    delete widget.schemaName;
    assert.deepEqual(
      validateBuiltin(widget, {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
        spec: { anything: true },
      }),
      [],
    );
  });
});
