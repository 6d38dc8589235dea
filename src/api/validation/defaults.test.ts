import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../meta.ts';
import { builtinResources, type ResourceType } from '../resources.ts';
import {
  applyDefaults,
  defaultPullPolicy,
  prepareForCreate,
  prepareForUpdate,
  validateObject,
} from './index.ts';

function typeOf(group: string, kind: string): ResourceType {
  const type = builtinResources.find((t) => t.group === group && t.kind === kind);
  assert.ok(type, `${group}/${kind}`);
  return type;
}

function defaulted(type: ResourceType, obj: KubeObject): KubeObject {
  applyDefaults(type, obj);
  return obj;
}

/** What kube-apiserver 1.32 returns for a pod template holding one container `web` running `image`. */
function defaultedTemplate(
  labels: Record<string, string>,
  image: string,
  pullPolicy: string,
): Record<string, unknown> {
  return {
    metadata: { creationTimestamp: null, labels },
    spec: {
      containers: [
        {
          name: 'web',
          image,
          imagePullPolicy: pullPolicy,
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    },
  };
}

describe('applyDefaults', () => {
  it('defaults a minimal Deployment as kube-apiserver does', () => {
    const obj = defaulted(typeOf('apps', 'Deployment'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx' }] },
        },
      },
    });
    assert.deepEqual(obj, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        progressDeadlineSeconds: 600,
        replicas: 1,
        revisionHistoryLimit: 10,
        selector: { matchLabels: { app: 'web' } },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
        template: defaultedTemplate({ app: 'web' }, 'nginx', 'Always'),
      },
      status: {},
    });
  });

  it('defaults a minimal Service as kube-apiserver does, short of the allocated cluster IP', () => {
    const obj = defaulted(typeOf('', 'Service'), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'metrics', port: 9090 },
        ],
      },
    });
    assert.deepEqual(obj, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        internalTrafficPolicy: 'Cluster',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ports: [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
          { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090 },
        ],
        selector: { app: 'web' },
        sessionAffinity: 'None',
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    });
    assert.deepEqual(validateObject(typeOf('', 'Service'), obj), []);
  });

  it('defaults externally reachable Services', () => {
    const lb = defaulted(typeOf('', 'Service'), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'edge', namespace: 'default' },
      spec: { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ port: 443 }] },
    });
    const spec = lb['spec'] as Record<string, unknown>;
    assert.equal(spec['externalTrafficPolicy'], 'Cluster');
    assert.equal(spec['allocateLoadBalancerNodePorts'], true);
    assert.deepEqual(spec['sessionAffinityConfig'], { clientIP: { timeoutSeconds: 10800 } });
  });

  it('defaults a Job and keeps its spec valid', () => {
    const type = typeOf('batch', 'Job');
    const obj = defaulted(type, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', namespace: 'default', uid: 'u-1' },
      spec: {
        template: {
          metadata: { labels: { app: 'pi' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34.0' }] },
        },
      },
    });
    const spec = obj['spec'] as Record<string, unknown>;
    assert.deepEqual(
      {
        completions: spec['completions'],
        parallelism: spec['parallelism'],
        backoffLimit: spec['backoffLimit'],
      },
      { completions: 1, parallelism: 1, backoffLimit: 6 },
    );
    assert.deepEqual(
      {
        completionMode: spec['completionMode'],
        suspend: spec['suspend'],
        podReplacementPolicy: spec['podReplacementPolicy'],
      },
      { completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' },
    );
    assert.deepEqual(obj.metadata.labels, { app: 'pi' });
    assert.equal(
      (spec['template'] as { spec: { containers: Array<{ imagePullPolicy: string }> } }).spec.containers[0]
        ?.imagePullPolicy,
      'IfNotPresent',
    );
    assert.deepEqual(validateObject(type, obj), []);
  });

  it('defaults a CronJob but not the Job spec inside its template', () => {
    const obj = defaulted(typeOf('batch', 'CronJob'), {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'backup', namespace: 'default' },
      spec: {
        schedule: '@daily',
        jobTemplate: {
          spec: {
            template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'b', image: 'b:1' }] } },
          },
        },
      },
    });
    const spec = obj['spec'] as Record<string, unknown>;
    assert.deepEqual(
      [
        spec['concurrencyPolicy'],
        spec['suspend'],
        spec['successfulJobsHistoryLimit'],
        spec['failedJobsHistoryLimit'],
      ],
      ['Allow', false, 3, 1],
    );
    const jobTemplate = spec['jobTemplate'] as { metadata: unknown; spec: Record<string, unknown> };
    assert.deepEqual(jobTemplate.metadata, { creationTimestamp: null });
    assert.equal(jobTemplate.spec['backoffLimit'], undefined);
  });

  it('defaults StatefulSets and DaemonSets', () => {
    const sts = defaulted(typeOf('apps', 'StatefulSet'), {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        template: { spec: { containers: [{ name: 'db', image: 'postgres:latest' }] } },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    });
    const stsSpec = sts['spec'] as Record<string, unknown>;
    assert.equal(stsSpec['podManagementPolicy'], 'OrderedReady');
    assert.deepEqual(stsSpec['updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(stsSpec['persistentVolumeClaimRetentionPolicy'], {
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
    assert.deepEqual(stsSpec['volumeClaimTemplates'], [
      {
        metadata: { name: 'data', creationTimestamp: null },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
          volumeMode: 'Filesystem',
        },
        status: { phase: 'Pending' },
      },
    ]);
    assert.deepEqual(sts['status'], { replicas: 0, availableReplicas: 0 });

    const ds = defaulted(typeOf('apps', 'DaemonSet'), {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'a', image: 'a' }] } } },
    });
    assert.deepEqual((ds['spec'] as Record<string, unknown>)['updateStrategy'], {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
  });

  it('chooses pull policies from the image tag', () => {
    assert.equal(defaultPullPolicy('nginx'), 'Always');
    assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
    assert.equal(defaultPullPolicy('registry.example.com:5000/team/app'), 'Always');
    assert.equal(defaultPullPolicy('registry.example.com:5000/team/app:1.2'), 'IfNotPresent');
    assert.equal(defaultPullPolicy(`app@sha256:${'a'.repeat(64)}`), 'IfNotPresent');
    assert.equal(defaultPullPolicy('Not A Reference'), 'IfNotPresent');
  });

  it('defaults Pods beyond templates: service links, requests from limits', () => {
    const pod = defaulted(typeOf('', 'Pod'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'c:1',
            ports: [{ containerPort: 80 }],
            resources: { limits: { cpu: '1', memory: '1Gi' } },
            livenessProbe: { httpGet: { port: 80 } },
          },
        ],
      },
    });
    const container = (pod['spec'] as { containers: Array<Record<string, unknown>> }).containers[0];
    assert.deepEqual(container?.['resources'], {
      limits: { cpu: '1', memory: '1Gi' },
      requests: { cpu: '1', memory: '1Gi' },
    });
    assert.deepEqual(container?.['ports'], [{ containerPort: 80, protocol: 'TCP' }]);
    assert.deepEqual(container?.['livenessProbe'], {
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.equal((pod['spec'] as Record<string, unknown>)['enableServiceLinks'], true);
  });

  it('defaults Secrets, Namespaces, PVCs, bindings, HPAs and CRDs', () => {
    const secret = defaulted(typeOf('', 'Secret'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default' },
      data: { a: 'eA==' },
      stringData: { b: 'hello' },
    });
    assert.deepEqual(
      { type: secret['type'], data: secret['data'], stringData: secret['stringData'] },
      { type: 'Opaque', data: { a: 'eA==', b: 'aGVsbG8=' }, stringData: undefined },
    );

    const ns = defaulted(typeOf('', 'Namespace'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a' },
    });
    assert.deepEqual(ns, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
      status: { phase: 'Active' },
    });

    const pvc = defaulted(typeOf('', 'PersistentVolumeClaim'), {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'd', namespace: 'default' },
      spec: {},
    });
    assert.deepEqual([pvc['spec'], pvc['status']], [{ volumeMode: 'Filesystem' }, { phase: 'Pending' }]);

    const binding = defaulted(typeOf('rbac.authorization.k8s.io', 'RoleBinding'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'b', namespace: 'default' },
      roleRef: { kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'User', name: 'jane' },
        { kind: 'ServiceAccount', name: 'default' },
      ],
    });
    assert.deepEqual(binding['roleRef'], { kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' });
    assert.deepEqual(binding['subjects'], [
      { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'default' },
    ]);

    const hpa = defaulted(typeOf('autoscaling', 'HorizontalPodAutoscaler'), {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'default' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 },
    });
    assert.deepEqual((hpa['spec'] as Record<string, unknown>)['minReplicas'], 1);
    assert.deepEqual((hpa['spec'] as Record<string, unknown>)['metrics'], [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);

    const crd = defaulted(typeOf('apiextensions.k8s.io', 'CustomResourceDefinition'), {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true }],
      },
    });
    const crdSpec = crd['spec'] as Record<string, unknown>;
    assert.deepEqual(crdSpec['names'], {
      plural: 'widgets',
      kind: 'Widget',
      singular: 'widget',
      listKind: 'WidgetList',
    });
    assert.deepEqual(crdSpec['conversion'], { strategy: 'None' });
    assert.deepEqual(crd['status'], { acceptedNames: { kind: '', plural: '' }, storedVersions: ['v1'] });
  });

  it('is idempotent', () => {
    const type = typeOf('apps', 'Deployment');
    const once = defaulted(type, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'c' }] } },
      },
    });
    const twice = defaulted(type, structuredClone(once));
    assert.deepEqual(twice, once);
  });
});

describe('prepareForCreate and prepareForUpdate', () => {
  it('adds the kubernetes finalizer and Active phase to a new Namespace', () => {
    const type = typeOf('', 'Namespace');
    const ns: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a' },
      spec: { finalizers: ['example.com/audit'] },
    };
    applyDefaults(type, ns);
    prepareForCreate(type, ns);
    assert.deepEqual(ns['spec'], { finalizers: ['example.com/audit', 'kubernetes'] });
    assert.deepEqual(ns['status'], { phase: 'Active' });
  });

  it('starts workloads at generation 1 with an empty status, and Pods Pending with their QoS class', () => {
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'c' }] } },
      },
      status: { replicas: 9 },
    };
    applyDefaults(typeOf('apps', 'Deployment'), deployment);
    prepareForCreate(typeOf('apps', 'Deployment'), deployment);
    assert.equal(deployment.metadata.generation, 1);
    assert.deepEqual(deployment['status'], {});

    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        containers: [{ name: 'c', image: 'c', resources: { limits: { cpu: '500m', memory: '128Mi' } } }],
      },
    };
    applyDefaults(typeOf('', 'Pod'), pod);
    prepareForCreate(typeOf('', 'Pod'), pod);
    assert.deepEqual(pod['status'], { phase: 'Pending', qosClass: 'Guaranteed' });
  });

  it('carries identity, status and allocated cluster IPs across an update, bumping generation on spec changes', () => {
    const deploymentType = typeOf('apps', 'Deployment');
    const old: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'default',
        uid: 'u',
        generation: 4,
        creationTimestamp: '2024-01-01T00:00:00Z',
        resourceVersion: '9',
      },
      spec: { replicas: 1 },
      status: { replicas: 1 },
    };
    const next: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', resourceVersion: '9' },
      spec: { replicas: 2 },
    };
    prepareForUpdate(deploymentType, next, old);
    assert.deepEqual(next.metadata, {
      name: 'web',
      namespace: 'default',
      uid: 'u',
      generation: 5,
      creationTimestamp: '2024-01-01T00:00:00Z',
      resourceVersion: '9',
    });
    assert.deepEqual(next['status'], { replicas: 1 });

    const serviceType = typeOf('', 'Service');
    const oldService: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', resourceVersion: '3' },
      spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80 }] },
    };
    applyDefaults(serviceType, oldService);
    const replaced: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', resourceVersion: '3' },
      spec: { ports: [{ port: 8080 }] },
    };
    applyDefaults(serviceType, replaced);
    prepareForUpdate(serviceType, replaced, oldService);
    assert.deepEqual(
      [dig(replaced, 'clusterIP'), dig(replaced, 'clusterIPs')],
      ['10.96.0.10', ['10.96.0.10']],
    );
    assert.deepEqual(validateObject(serviceType, replaced, oldService), []);
  });
});

function dig(obj: KubeObject, field: string): unknown {
  return (obj['spec'] as Record<string, unknown>)[field];
}
