import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ObjectMeta } from '../../api/meta.ts';
import { builtinResources } from '../../api/resources.ts';
import { toTable, type Table } from './table.ts';

const now = new Date('2025-03-01T12:00:00Z');
const created = '2025-03-01T09:00:00Z';

interface Stored {
  apiVersion: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

function print(group: string, kind: string, object: Stored): Table {
  const type = builtinResources.find((candidate) => candidate.group === group && candidate.kind === kind);
  assert.ok(type !== undefined, `${group}/${kind} is served`);
  const full: KubeObject = {
    ...object,
    apiVersion: object.apiVersion,
    kind,
    metadata: { name: 'example', namespace: 'shop', creationTimestamp: created, ...object.metadata },
  };
  return toTable(type, [full], { now, includeObject: 'None' });
}

function headers(table: Table): string[] {
  return table.columnDefinitions.map((column) => (column.priority === 0 ? column.name : `${column.name}*`));
}

function cells(table: Table): unknown[] {
  return table.rows[0]?.cells ?? [];
}

const podTemplate = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'web', image: 'ghcr.io/example/web:1.4.2' },
      { name: 'proxy', image: 'envoyproxy/envoy:v1.31' },
    ],
  },
};

describe('built-in printers', () => {
  it('Deployment: READY, UP-TO-DATE, AVAILABLE, and CONTAINERS IMAGES SELECTOR in wide', () => {
    const table = print('apps', 'Deployment', {
      apiVersion: 'apps/v1',
      metadata: { name: 'web', generation: 3 },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: podTemplate },
      status: {
        observedGeneration: 3,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
      },
    });
    assert.deepEqual(headers(table), [
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age',
      'Containers*',
      'Images*',
      'Selector*',
    ]);
    assert.deepEqual(cells(table), [
      'web',
      '2/2',
      2,
      2,
      '3h',
      'web,proxy',
      'ghcr.io/example/web:1.4.2,envoyproxy/envoy:v1.31',
      'app=web',
    ]);
  });

  it('Deployment rolling out: fewer ready than desired', () => {
    const table = print('apps', 'Deployment', {
      apiVersion: 'apps/v1',
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'edge'] }],
        },
        template: podTemplate,
      },
      status: {
        replicas: 3,
        updatedReplicas: 1,
        readyReplicas: 2,
        availableReplicas: 2,
        unavailableReplicas: 1,
      },
    });
    assert.deepEqual(cells(table).slice(1, 4), ['2/3', 1, 2]);
    assert.equal(cells(table)[7], 'app=web,tier in (edge,web)');
  });

  it('Service: CLUSTER-IP and PORT(S) 80/TCP', () => {
    const table = print('', 'Service', {
      apiVersion: 'v1',
      metadata: { name: 'web' },
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.14.7',
        clusterIPs: ['10.96.14.7'],
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
        selector: { app: 'web' },
      },
      status: { loadBalancer: {} },
    });
    assert.deepEqual(headers(table), [
      'Name',
      'Type',
      'Cluster-IP',
      'External-IP',
      'Port(s)',
      'Age',
      'Selector*',
    ]);
    assert.deepEqual(cells(table), ['web', 'ClusterIP', '10.96.14.7', '<none>', '80/TCP', '3h', 'app=web']);
  });

  it('Service: NodePort ports, pending and assigned load balancers, headless and external names', () => {
    const nodePort = print('', 'Service', {
      apiVersion: 'v1',
      spec: {
        type: 'NodePort',
        clusterIPs: ['10.96.0.20'],
        ports: [
          { port: 80, nodePort: 30080, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
      },
    });
    assert.deepEqual(cells(nodePort).slice(1, 5), [
      'NodePort',
      '10.96.0.20',
      '<none>',
      '80:30080/TCP,53/UDP',
    ]);
    const pending = print('', 'Service', {
      apiVersion: 'v1',
      spec: {
        type: 'LoadBalancer',
        clusterIPs: ['10.96.0.21'],
        ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }],
      },
    });
    assert.equal(cells(pending)[3], '<pending>');
    const assigned = print('', 'Service', {
      apiVersion: 'v1',
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.21'], externalIPs: ['192.0.2.9'], ports: [] },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.5' }, { hostname: 'lb.example.com' }] } },
    });
    assert.deepEqual(cells(assigned).slice(3, 5), ['203.0.113.5,lb.example.com,192.0.2.9', '<none>']);
    const headless = print('', 'Service', {
      apiVersion: 'v1',
      spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432, protocol: 'TCP' }] },
    });
    assert.deepEqual(cells(headless).slice(1, 3), ['ClusterIP', 'None']);
    const external = print('', 'Service', {
      apiVersion: 'v1',
      spec: { type: 'ExternalName', externalName: 'db.example.com' },
    });
    assert.deepEqual(cells(external).slice(1, 5), ['ExternalName', '<none>', 'db.example.com', '<none>']);
  });

  it('Namespace, ConfigMap, Secret, ServiceAccount', () => {
    assert.deepEqual(
      cells(
        print('', 'Namespace', {
          apiVersion: 'v1',
          metadata: { name: 'shop' },
          spec: { finalizers: ['kubernetes'] },
          status: { phase: 'Active' },
        }),
      ),
      ['shop', 'Active', '3h'],
    );
    assert.deepEqual(
      cells(
        print('', 'ConfigMap', { apiVersion: 'v1', data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }),
      ),
      ['example', 3, '3h'],
    );
    const secret = print('', 'Secret', {
      apiVersion: 'v1',
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'LS0t', 'tls.key': 'LS0t' },
    });
    assert.deepEqual(headers(secret), ['Name', 'Type', 'Data', 'Age']);
    assert.deepEqual(cells(secret), ['example', 'kubernetes.io/tls', 2, '3h']);
    assert.deepEqual(cells(print('', 'ServiceAccount', { apiVersion: 'v1' })), ['example', 0, '3h']);
  });

  it('Event (core/v1): LAST SEEN TYPE REASON OBJECT MESSAGE, the rest in wide', () => {
    const table = print('', 'Event', {
      apiVersion: 'v1',
      metadata: { name: 'web-7d9c5b8f6-x2x4k.17f3a' },
      involvedObject: {
        kind: 'Pod',
        namespace: 'shop',
        name: 'web-7d9c5b8f6-x2x4k',
        fieldPath: 'spec.containers{web}',
      },
      reason: 'BackOff',
      message: 'Back-off restarting failed container web in pod web-7d9c5b8f6-x2x4k\n',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2025-03-01T11:30:00Z',
      lastTimestamp: '2025-03-01T11:58:00Z',
      count: 12,
      type: 'Warning',
    });
    assert.deepEqual(headers(table), [
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Subobject*',
      'Source*',
      'Message',
      'First Seen*',
      'Count*',
      'Name*',
    ]);
    assert.deepEqual(cells(table), [
      '2m',
      'Warning',
      'BackOff',
      'pod/web-7d9c5b8f6-x2x4k',
      'spec.containers{web}',
      'kubelet, node-1',
      'Back-off restarting failed container web in pod web-7d9c5b8f6-x2x4k',
      '30m',
      12,
      'web-7d9c5b8f6-x2x4k.17f3a',
    ]);
  });

  it('Event created without timestamps or count (kubectl create -f)', () => {
    const table = print('', 'Event', {
      apiVersion: 'v1',
      involvedObject: { kind: 'ConfigMap', name: 'c1', namespace: 'shop' },
      reason: 'Testing',
      message: 'conformance event',
      type: 'Normal',
    });
    assert.deepEqual(cells(table).slice(0, 9), [
      '<unknown>',
      'Normal',
      'Testing',
      'configmap/c1',
      '',
      '',
      'conformance event',
      '<unknown>',
      1,
    ]);
  });

  it('Event (events.k8s.io/v1): regarding, note, series and reporting controller', () => {
    const table = print('events.k8s.io', 'Event', {
      apiVersion: 'events.k8s.io/v1',
      eventTime: '2025-03-01T11:00:00.123456Z',
      series: { count: 4, lastObservedTime: '2025-03-01T11:59:00.000000Z' },
      reportingController: 'keelson.dev/sync',
      reportingInstance: 'keelson-0',
      action: 'Apply',
      reason: 'Applied',
      regarding: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      note: 'applied revision main@sha1:4f2a',
      type: 'Normal',
    });
    assert.deepEqual(cells(table).slice(0, 9), [
      '60s',
      'Normal',
      'Applied',
      'deployment/web',
      '',
      'keelson.dev/sync, keelson-0',
      'applied revision main@sha1:4f2a',
      '59m',
      4,
    ]);
  });

  it('Endpoints: up to three addresses, then how many more', () => {
    const table = print('', 'Endpoints', {
      apiVersion: 'v1',
      subsets: [
        {
          addresses: [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }, { ip: 'fd00::7' }],
          ports: [
            { name: 'http', port: 8080, protocol: 'TCP' },
            { name: 'metrics', port: 9090, protocol: 'TCP' },
          ],
        },
      ],
    });
    assert.deepEqual(cells(table), [
      'example',
      '10.244.0.5:8080,10.244.0.6:8080,[fd00::7]:8080 + 3 more...',
      '3h',
    ]);
    assert.equal(cells(print('', 'Endpoints', { apiVersion: 'v1' }))[1], '<none>');
  });

  it('Node: STATUS, ROLES, VERSION and wide addresses and runtime', () => {
    const table = print('', 'Node', {
      apiVersion: 'v1',
      metadata: {
        name: 'node-1',
        labels: {
          'node-role.kubernetes.io/control-plane': '',
          'kubernetes.io/role': 'edge',
          'kubernetes.io/hostname': 'node-1',
        },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        addresses: [
          { type: 'InternalIP', address: '172.18.0.2' },
          { type: 'Hostname', address: 'node-1' },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.32.0',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          kernelVersion: '6.1.0',
          containerRuntimeVersion: 'containerd://1.7.24',
        },
      },
    });
    assert.deepEqual(headers(table), [
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      'Internal-IP*',
      'External-IP*',
      'OS-Image*',
      'Kernel-Version*',
      'Container-Runtime*',
    ]);
    assert.deepEqual(cells(table), [
      'node-1',
      'Ready,SchedulingDisabled',
      'control-plane,edge',
      '3h',
      'v1.32.0',
      '172.18.0.2',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0',
      'containerd://1.7.24',
    ]);
    assert.deepEqual(
      cells(print('', 'Node', { apiVersion: 'v1', metadata: { name: 'node-2' } })).slice(1, 3),
      ['Unknown', '<none>'],
    );
  });

  it('PersistentVolumeClaim: pending, then bound with canonical capacity', () => {
    const pending = print('', 'PersistentVolumeClaim', {
      apiVersion: 'v1',
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '10Gi' } },
        storageClassName: 'standard',
        volumeMode: 'Filesystem',
      },
      status: { phase: 'Pending' },
    });
    assert.deepEqual(cells(pending), [
      'example',
      'Pending',
      '',
      '',
      '',
      'standard',
      '<unset>',
      '3h',
      'Filesystem',
    ]);
    const bound = print('', 'PersistentVolumeClaim', {
      apiVersion: 'v1',
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: 'standard',
        volumeName: 'pvc-0b1e',
      },
      status: {
        phase: 'Bound',
        accessModes: ['ReadWriteMany', 'ReadWriteOnce'],
        capacity: { storage: '1024Mi' },
      },
    });
    assert.deepEqual(cells(bound).slice(1, 5), ['Bound', 'pvc-0b1e', '1Gi', 'RWO,RWX']);
  });

  it('ReplicaSet, StatefulSet, DaemonSet', () => {
    const replicaSet = print('apps', 'ReplicaSet', {
      apiVersion: 'apps/v1',
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d9c5b8f6' } },
        template: podTemplate,
      },
      status: { replicas: 3, readyReplicas: 1, availableReplicas: 1 },
    });
    assert.deepEqual(headers(replicaSet), [
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Age',
      'Containers*',
      'Images*',
      'Selector*',
    ]);
    assert.deepEqual(cells(replicaSet).slice(1, 5), [3, 3, 1, '3h']);
    assert.equal(cells(replicaSet)[7], 'app=web,pod-template-hash=7d9c5b8f6');

    const statefulSet = print('apps', 'StatefulSet', {
      apiVersion: 'apps/v1',
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: podTemplate,
      },
      status: { replicas: 3, readyReplicas: 2 },
    });
    assert.deepEqual(headers(statefulSet), ['Name', 'Ready', 'Age', 'Containers*', 'Images*']);
    assert.deepEqual(cells(statefulSet).slice(1, 4), ['2/3', '3h', 'web,proxy']);

    const daemonSet = print('apps', 'DaemonSet', {
      apiVersion: 'apps/v1',
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            containers: [{ name: 'agent', image: 'agent:2' }],
          },
        },
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
      },
    });
    assert.deepEqual(headers(daemonSet), [
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Up-to-date',
      'Available',
      'Node Selector',
      'Age',
      'Containers*',
      'Images*',
      'Selector*',
    ]);
    assert.deepEqual(cells(daemonSet), [
      'example',
      3,
      3,
      2,
      3,
      2,
      'kubernetes.io/os=linux',
      '3h',
      'agent',
      'agent:2',
      'app=agent',
    ]);
  });

  it('ControllerRevision names its controller by group and kind', () => {
    const table = print('apps', 'ControllerRevision', {
      apiVersion: 'apps/v1',
      metadata: {
        name: 'db-5b9c',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u1', controller: true },
        ],
      },
      revision: 2,
      data: {},
    });
    assert.deepEqual(cells(table), ['db-5b9c', 'statefulset.apps/db', 2, '3h']);
  });

  it('Job (1.32): STATUS, COMPLETIONS, DURATION', () => {
    const job = (
      spec: Record<string, unknown>,
      status: Record<string, unknown>,
      metadata: ObjectMeta = {},
    ): unknown[] =>
      cells(
        print('batch', 'Job', {
          apiVersion: 'batch/v1',
          metadata,
          spec: {
            template: podTemplate,
            selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
            ...spec,
          },
          status,
        }),
      );
    assert.deepEqual(headers(print('batch', 'Job', { apiVersion: 'batch/v1' })), [
      'Name',
      'Status',
      'Completions',
      'Duration',
      'Age',
      'Containers*',
      'Images*',
      'Selector*',
    ]);
    assert.deepEqual(
      job(
        { completions: 1, parallelism: 1 },
        {
          startTime: '2025-03-01T11:00:00Z',
          completionTime: '2025-03-01T11:02:05Z',
          succeeded: 1,
          conditions: [
            { type: 'SuccessCriteriaMet', status: 'True' },
            { type: 'Complete', status: 'True' },
          ],
        },
      ).slice(1, 5),
      ['Complete', '1/1', '2m5s', '3h'],
    );
    assert.deepEqual(
      job(
        { completions: 5, parallelism: 2 },
        { startTime: '2025-03-01T11:55:00Z', active: 2, succeeded: 2 },
      ).slice(1, 4),
      ['Running', '2/5', '5m'],
    );
    assert.deepEqual(job({ parallelism: 3 }, { succeeded: 0 }).slice(1, 4), ['Running', '0/1 of 3', '']);
    assert.equal(
      job(
        { completions: 1 },
        {
          failed: 6,
          conditions: [
            { type: 'FailureTarget', status: 'True' },
            { type: 'Failed', status: 'True' },
          ],
        },
      )[1],
      'Failed',
    );
    assert.equal(
      job({ completions: 1, suspend: true }, { conditions: [{ type: 'Suspended', status: 'True' }] })[1],
      'Suspended',
    );
    assert.equal(
      job({ completions: 1 }, {}, { deletionTimestamp: '2025-03-01T11:59:00Z' })[1],
      'Terminating',
    );
    assert.equal(
      job({ completions: 1 }, { conditions: [{ type: 'FailureTarget', status: 'True' }] })[1],
      'FailureTarget',
    );
  });

  it('CronJob: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE', () => {
    const table = print('batch', 'CronJob', {
      apiVersion: 'batch/v1',
      spec: { schedule: '0 3 * * *', suspend: false, jobTemplate: { spec: { template: podTemplate } } },
      status: {
        active: [{ kind: 'Job', name: 'backup-29012345' }],
        lastScheduleTime: '2025-03-01T03:00:00Z',
      },
    });
    assert.deepEqual(headers(table), [
      'Name',
      'Schedule',
      'Timezone',
      'Suspend',
      'Active',
      'Last Schedule',
      'Age',
      'Containers*',
      'Images*',
      'Selector*',
    ]);
    assert.deepEqual(cells(table).slice(1, 7), ['0 3 * * *', '<none>', 'False', 1, '9h', '3h']);
    assert.deepEqual(
      cells(
        print('batch', 'CronJob', {
          apiVersion: 'batch/v1',
          spec: { schedule: '@hourly', timeZone: 'Europe/Paris' },
        }),
      ).slice(2, 6),
      ['Europe/Paris', '<unset>', 0, '<none>'],
    );
  });

  it('Ingress: CLASS HOSTS ADDRESS PORTS', () => {
    const table = print('networking.k8s.io', 'Ingress', {
      apiVersion: 'networking.k8s.io/v1',
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
        rules: [{ host: 'shop.example.com' }, { host: 'api.example.com' }],
      },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
    });
    assert.deepEqual(headers(table), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    assert.deepEqual(cells(table), [
      'example',
      'nginx',
      'shop.example.com,api.example.com',
      '203.0.113.10',
      '80, 443',
      '3h',
    ]);
    assert.deepEqual(
      cells(
        print('networking.k8s.io', 'Ingress', {
          apiVersion: 'networking.k8s.io/v1',
          spec: { defaultBackend: {} },
        }),
      ).slice(1, 5),
      ['<none>', '*', '', '80'],
    );
  });

  it('RoleBinding and ClusterRoleBinding: ROLE, subjects in wide', () => {
    const table = print('rbac.authorization.k8s.io', 'RoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'bob' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' },
      ],
    });
    assert.deepEqual(headers(table), ['Name', 'Role', 'Age', 'Users*', 'Groups*', 'ServiceAccounts*']);
    assert.deepEqual(cells(table), [
      'example',
      'ClusterRole/edit',
      '3h',
      'alice, bob',
      'devs',
      'ci/deployer',
    ]);
    const cluster = print('rbac.authorization.k8s.io', 'ClusterRoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      roleRef: { kind: 'ClusterRole', name: 'view' },
    });
    assert.deepEqual(cells(cluster), ['example', 'ClusterRole/view', '3h', '', '', '']);
  });

  it('Lease: HOLDER', () => {
    const table = print('coordination.k8s.io', 'Lease', {
      apiVersion: 'coordination.k8s.io/v1',
      spec: { holderIdentity: 'keelson-0_4f1c', leaseDurationSeconds: 15 },
    });
    assert.deepEqual(cells(table), ['example', 'keelson-0_4f1c', '3h']);
  });

  it('HorizontalPodAutoscaler: REFERENCE TARGETS MINPODS MAXPODS REPLICAS', () => {
    const table = print('autoscaling', 'HorizontalPodAutoscaler', {
      apiVersion: 'autoscaling/v2',
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } },
          },
          {
            type: 'Pods',
            pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '100' } },
          },
        ],
      },
      status: {
        currentReplicas: 3,
        desiredReplicas: 3,
        currentMetrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', current: { averageUtilization: 42, averageValue: '210m' } },
          },
          { type: 'Resource', resource: { name: 'memory', current: { averageValue: '268435456' } } },
        ],
      },
    });
    assert.deepEqual(headers(table), [
      'Name',
      'Reference',
      'Targets',
      'MinPods',
      'MaxPods',
      'Replicas',
      'Age',
    ]);
    assert.deepEqual(cells(table), [
      'example',
      'Deployment/web',
      'cpu: 42%/80%, memory: 268435456/512Mi + 1 more...',
      '2',
      10,
      3,
      '3h',
    ]);
    const fresh = print('autoscaling', 'HorizontalPodAutoscaler', {
      apiVersion: 'autoscaling/v2',
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web' },
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
          },
        ],
      },
    });
    assert.deepEqual(cells(fresh).slice(2, 6), ['cpu: <unknown>/50%', '<unset>', 5, 0]);
  });

  it('PodDisruptionBudget: MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS', () => {
    const table = print('policy', 'PodDisruptionBudget', {
      apiVersion: 'policy/v1',
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
      status: { disruptionsAllowed: 1 },
    });
    assert.deepEqual(headers(table), [
      'Name',
      'Min Available',
      'Max Unavailable',
      'Allowed Disruptions',
      'Age',
    ]);
    assert.deepEqual(cells(table), ['example', '2', 'N/A', 1, '3h']);
    assert.deepEqual(
      cells(
        print('policy', 'PodDisruptionBudget', { apiVersion: 'policy/v1', spec: { maxUnavailable: '25%' } }),
      ).slice(1, 4),
      ['N/A', '25%', 0],
    );
  });
});
