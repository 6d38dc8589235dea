/**
 * The DaemonSet controller against a real `keelson apiserver` process, with Node objects made by
 * the test. There is no scheduler or kubelet: the test reads the node a pod is pinned to from its
 * node affinity, and marks pods Ready itself.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, kubectl, startServer, type ServerProcess } from '../../../../test/e2e/harness.ts';
import { KubeClient } from '../../../runtime/client.ts';
import { Manager } from '../../../runtime/controller.ts';
import { InformerFactory } from '../../../runtime/informer.ts';
import type { NodeContext } from '../../context.ts';
import { isPodReady, type Pod } from '../pods.ts';
import type { Node, Taint } from '../../scheduler/filters.ts';
import { nodeShouldRunDaemonPod, targetNodeName, type DaemonSet, type PodSpec } from './reconciler.ts';
import { daemonSetController } from './watches.ts';

let server: ServerProcess;
let client: KubeClient;
let factory: InformerFactory;
let manager: Manager;

const ns = 'default';

function node(name: string, labels: Record<string, string>, taints: Node['spec'] = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: taints };
}

before(async () => {
  server = await startServer({ tls: true, args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
  factory = new InformerFactory(client);
  const ctx: NodeContext = { client, informers: factory, clock: { now: () => Date.now() }, log: () => {} };
  manager = new Manager().add(daemonSetController(ctx));
  await client.create(node('n1', { disk: 'ssd' }));
  await client.create(
    node('n2', { disk: 'ssd' }, { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }),
  );
  await client.create(node('n3', { disk: 'hdd' }));
  // cordoned: the unschedulable taint is one daemon pods tolerate
  await client.create(
    node(
      'n4',
      { disk: 'ssd' },
      { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
    ),
  );
  await manager.start();
  // the kubelet's part: every daemon pod runs and is ready
  const mark = (pod: Pod): void => {
    if (pod.metadata.deletionTimestamp || isPodReady(pod)) return;
    void client
      .patchStatus(
        { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: pod.metadata.name ?? '' },
        {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }],
        },
      )
      .catch(() => {});
  };
  factory.for<Pod>('v1', 'Pod').on({ add: mark, update: (_old, pod) => mark(pod) });
});

after(async () => {
  await manager.stop();
  client.close();
  await server.stop();
});

function daemonSet(name: string, podSpec: PodSpec = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'agent', image: 'agent:1' }], ...podSpec },
      },
    },
  };
}

async function podsOf(app: string): Promise<Pod[]> {
  const list = await client.list<Pod>('v1', 'Pod', { namespace: ns, labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

async function nodesOf(app: string): Promise<string[]> {
  return (await podsOf(app)).map((p) => targetNodeName(p) ?? '?').sort();
}

const dsRef = (name: string) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: ns, name });

test('one pod per eligible node: nodeSelector, taints, and the tolerations kube adds', async () => {
  await client.create(daemonSet('agent', { nodeSelector: { disk: 'ssd' } }));
  await eventually('pods on n1 and n4', async () => (await nodesOf('agent')).join() === 'n1,n4');
  const pod = (await podsOf('agent'))[0]!;
  const spec = pod.spec as PodSpec;
  assert.deepEqual(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
    nodeSelectorTerms: [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: [targetNodeName(pod)] }] },
    ],
  });
  const tolerated = (spec.tolerations ?? []).map((t) => `${t.key}:${t.effect}`);
  for (const taint of [
    'node.kubernetes.io/not-ready:NoExecute',
    'node.kubernetes.io/unreachable:NoExecute',
    'node.kubernetes.io/unschedulable:NoSchedule',
    'node.kubernetes.io/memory-pressure:NoSchedule',
  ])
    assert.ok(tolerated.includes(taint), taint);
  assert.ok(pod.metadata.labels?.['controller-revision-hash']);

  const status = await eventually('status', async () => {
    const ds = await client.get<DaemonSet>(dsRef('agent'));
    return ds.status?.numberAvailable === 2 && ds.status;
  });
  assert.deepEqual(
    {
      desired: status.desiredNumberScheduled,
      current: status.currentNumberScheduled,
      ready: status.numberReady,
      updated: status.updatedNumberScheduled,
      misscheduled: status.numberMisscheduled,
    },
    { desired: 2, current: 2, ready: 2, updated: 2, misscheduled: 0 },
  );

  // tolerating the taint makes n2 eligible, and the template change rolls the other pods over
  const before = new Set((await podsOf('agent')).map((p) => p.metadata.name));
  await client.patch(dsRef('agent'), {
    spec: {
      template: {
        spec: {
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
        },
      },
    },
  });
  const done = await eventually('rolled out to n1, n2, n4', async () => {
    const ds = await client.get<DaemonSet>(dsRef('agent'));
    const s = ds.status;
    return (
      s?.observedGeneration === ds.metadata.generation &&
      s?.desiredNumberScheduled === 3 &&
      s.updatedNumberScheduled === 3 &&
      s.numberAvailable === 3 &&
      s
    );
  });
  assert.equal(done.currentNumberScheduled, 3);
  assert.equal((await nodesOf('agent')).join(), 'n1,n2,n4');
  assert.ok(
    (await podsOf('agent')).every((p) => !before.has(p.metadata.name)),
    'every old pod was replaced',
  );
  const rollout = await kubectl(server.kubeconfig, ['rollout', 'status', 'daemonset/agent', '--timeout=10s']);
  assert.equal(rollout.code, 0, rollout.stderr);
});

test('required node affinity picks nodes; a node that stops matching loses its pod', async () => {
  await client.create(
    daemonSet('hdd', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['hdd'] }] }],
          },
        },
      },
    }),
  );
  await eventually('a pod on n3 only', async () => (await nodesOf('hdd')).join() === 'n3');
  await client.patch(
    { apiVersion: 'v1', kind: 'Node', name: 'n3' },
    { metadata: { labels: { disk: 'ssd' } } },
  );
  await eventually('pod removed from n3', async () => (await nodesOf('hdd')).length === 0);
  const ds = await eventually('status', async () => {
    const d = await client.get<DaemonSet>(dsRef('hdd'));
    return d.status?.desiredNumberScheduled === 0 && d;
  });
  assert.equal(ds.status?.currentNumberScheduled, 0);
});

test('nodeShouldRunDaemonPod: an untolerated NoSchedule taint stops new pods but not running ones', () => {
  const ds = daemonSet('x');
  const tainted = (effect: Taint['effect']) => node('t', {}, { taints: [{ key: 'k', value: 'v', effect }] });
  assert.deepEqual(nodeShouldRunDaemonPod(tainted('NoSchedule'), ds), {
    shouldRun: false,
    shouldContinueRunning: true,
  });
  assert.deepEqual(nodeShouldRunDaemonPod(tainted('NoExecute'), ds), {
    shouldRun: false,
    shouldContinueRunning: false,
  });
  assert.deepEqual(nodeShouldRunDaemonPod(tainted('PreferNoSchedule'), ds), {
    shouldRun: true,
    shouldContinueRunning: true,
  });
  const notReady = node('nr', {}, { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] });
  assert.equal(nodeShouldRunDaemonPod(notReady, ds).shouldRun, true);
});
