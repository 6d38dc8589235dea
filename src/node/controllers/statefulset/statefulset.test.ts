/**
 * The StatefulSet controller against a real `keelson apiserver` process. There is no kubelet: the
 * test plays it, marking pods Running and Ready through the status subresource.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, kubectl, startServer, type ServerProcess } from '../../../../test/e2e/harness.ts';
import { KubeClient } from '../../../runtime/client.ts';
import { Manager } from '../../../runtime/controller.ts';
import { InformerFactory } from '../../../runtime/informer.ts';
import type { NodeContext } from '../../context.ts';
import { isPodReady, type Pod } from '../pods.ts';
import type { ControllerRevision } from '../revisions.ts';
import type { PersistentVolumeClaim, StatefulSet } from './reconciler.ts';
import { statefulSetController } from './watches.ts';

let server: ServerProcess;
let client: KubeClient;
let factory: InformerFactory;
let manager: Manager;
const deleted: string[] = [];

before(async () => {
  server = await startServer({ tls: true, args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
  factory = new InformerFactory(client);
  const ctx: NodeContext = { client, informers: factory, clock: { now: () => Date.now() }, log: () => {} };
  manager = new Manager().add(statefulSetController(ctx));
  factory.for<Pod>('v1', 'Pod').on({ delete: (pod) => deleted.push(pod.metadata.name ?? '') });
  await manager.start();
});

after(async () => {
  await manager.stop();
  client.close();
  await server.stop();
});

const ns = 'default';

function statefulSet(name: string, spec: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'nginx:1' }] },
      },
      ...spec,
    },
  };
}

const podRef = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: ns, name });
const setRef = (name: string) => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ns, name });

async function getPod(name: string): Promise<Pod | undefined> {
  return client.tryGet<Pod>(podRef(name));
}

/** The kubelet's part: the pod runs and passes its readiness probe. */
async function markReady(name: string): Promise<void> {
  await client.patchStatus(podRef(name), {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }],
  });
}

/** Marks every pod of `app` ready as it appears, until the returned function is called. */
function autoReady(app: string): () => void {
  const pods = factory.for<Pod>('v1', 'Pod');
  let stopped = false;
  const mark = (pod: Pod): void => {
    if (stopped || pod.metadata.labels?.app !== app) return;
    if (pod.metadata.deletionTimestamp || isPodReady(pod)) return;
    void markReady(pod.metadata.name ?? '').catch(() => {});
  };
  pods.on({ add: mark, update: (_old, pod) => mark(pod) });
  return () => (stopped = true);
}

async function statusOf(name: string): Promise<NonNullable<StatefulSet['status']>> {
  return (await client.get<StatefulSet>(setRef(name))).status ?? {};
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

test('OrderedReady: pod N is created only after N-1 is Running and Ready; scale-down goes in reverse', async () => {
  await client.create(statefulSet('web'));
  await eventually('web-0', () => getPod('web-0'));
  await sleep(300);
  assert.equal(await getPod('web-1'), undefined, 'web-1 waits for web-0');
  await markReady('web-0');
  await eventually('web-1', () => getPod('web-1'));
  await sleep(300);
  assert.equal(await getPod('web-2'), undefined, 'web-2 waits for web-1');
  await markReady('web-1');
  await eventually('web-2', () => getPod('web-2'));
  await markReady('web-2');

  const status = await eventually('all ready', async () => {
    const s = await statusOf('web');
    return s.readyReplicas === 3 && s.currentRevision === s.updateRevision && s;
  });
  assert.equal(status.replicas, 3);
  assert.equal(status.currentReplicas, 3);
  assert.equal(status.updatedReplicas, 3);
  assert.equal(status.availableReplicas, 3);
  assert.ok((status.observedGeneration ?? 0) >= 1);

  const pod = (await getPod('web-1'))!;
  assert.equal(pod.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-1');
  assert.equal(pod.metadata.labels?.['apps.kubernetes.io/pod-index'], '1');
  assert.equal(pod.metadata.labels?.['controller-revision-hash'], status.updateRevision);
  assert.equal(pod.spec?.['hostname'], 'web-1');
  assert.equal(pod.spec?.['subdomain'], 'web');

  const rollout = await kubectl(server.kubeconfig, ['rollout', 'status', 'statefulset/web', '--timeout=10s']);
  assert.equal(rollout.code, 0, rollout.stderr);
  assert.match(rollout.stdout, /roll out complete|rolling update complete/);

  deleted.length = 0;
  await client.patch(setRef('web'), { spec: { replicas: 1 } });
  await eventually('scaled down to 1', async () => (await statusOf('web')).replicas === 1);
  assert.deepEqual(
    deleted.filter((n) => n.startsWith('web-')),
    ['web-2', 'web-1'],
  );
  assert.ok(await getPod('web-0'));
});

test('RollingUpdate with a partition updates from the highest ordinal down, and only above the partition', async () => {
  const stop = autoReady('roll');
  try {
    await client.create(statefulSet('roll'));
    const first = await eventually('roll ready', async () => {
      const s = await statusOf('roll');
      return s.readyReplicas === 3 && s.updatedReplicas === 3 && s;
    });
    const rev1 = first.updateRevision!;

    deleted.length = 0;
    await client.patch(setRef('roll'), {
      spec: {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
        template: { spec: { containers: [{ name: 'main', image: 'nginx:2' }] } },
      },
    });
    const partial = await eventually('roll-2 updated', async () => {
      const s = await statusOf('roll');
      return s.updatedReplicas === 1 && s.readyReplicas === 3 && s;
    });
    assert.notEqual(partial.updateRevision, rev1);
    assert.equal(
      partial.currentRevision,
      rev1,
      'the current revision stays while pods below the partition are old',
    );
    assert.equal(partial.currentReplicas, 2);
    await sleep(300);
    const revisionOf = async (name: string) =>
      (await getPod(name))?.metadata.labels?.['controller-revision-hash'];
    assert.equal(await revisionOf('roll-2'), partial.updateRevision);
    assert.equal(await revisionOf('roll-1'), rev1);
    assert.equal(await revisionOf('roll-0'), rev1);

    await client.patch(setRef('roll'), {
      spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } },
    });
    const done = await eventually('rollout complete', async () => {
      const s = await statusOf('roll');
      return s.updatedReplicas === 3 && s.readyReplicas === 3 && s.currentRevision === s.updateRevision && s;
    });
    assert.equal(done.updateRevision, partial.updateRevision);
    assert.deepEqual(
      deleted.filter((n) => n.startsWith('roll-')),
      ['roll-2', 'roll-1', 'roll-0'],
    );

    const revisions = (
      await client.list<ControllerRevision>('apps/v1', 'ControllerRevision', { namespace: ns })
    ).items
      .filter((r) => r.metadata.ownerReferences?.some((o) => o.name === 'roll'))
      .map((r) => [r.metadata.name, r.revision])
      .sort((a, b) => Number(a[1]) - Number(b[1]));
    assert.deepEqual(revisions, [
      [rev1, 1],
      [done.updateRevision, 2],
    ]);
    const rollout = await kubectl(server.kubeconfig, [
      'rollout',
      'status',
      'statefulset/roll',
      '--timeout=10s',
    ]);
    assert.equal(rollout.code, 0, rollout.stderr);
  } finally {
    stop();
  }
});

test('volumeClaimTemplates: claims <template>-<set>-<ordinal> are made before the pods, Bound, and mounted', async () => {
  await client.create(
    statefulSet('db', {
      replicas: 2,
      podManagementPolicy: 'Parallel',
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
        },
      ],
    }),
  );
  // Parallel: both pods come without waiting for readiness
  const pods = await eventually('both pods', async () => {
    const [a, b] = await Promise.all([getPod('db-0'), getPod('db-1')]);
    return a && b && [a, b];
  });
  for (const [i, pod] of pods.entries()) {
    const claim = await eventually(`claim data-db-${i} bound`, async () => {
      const c = await client.tryGet<PersistentVolumeClaim>({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: ns,
        name: `data-db-${i}`,
      });
      return c?.status?.phase === 'Bound' && c;
    });
    assert.equal(claim.metadata.labels?.app, 'db');
    assert.ok(
      Date.parse(claim.metadata.creationTimestamp ?? '') <= Date.parse(pod.metadata.creationTimestamp ?? ''),
      'the claim is made before its pod',
    );
    const volumes = pod.spec?.['volumes'] as {
      name: string;
      persistentVolumeClaim?: { claimName: string };
    }[];
    assert.deepEqual(
      volumes.find((v) => v.name === 'data'),
      { name: 'data', persistentVolumeClaim: { claimName: `data-db-${i}` } },
    );
  }
});
