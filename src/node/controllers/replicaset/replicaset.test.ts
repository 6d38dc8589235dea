/**
 * The ReplicaSet controller against a real `keelson apiserver` process (no node: the tests set pod
 * status themselves, as a kubelet would).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, startServer, type ServerProcess } from '../../../../test/e2e/harness.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { KubeClient } from '../../../runtime/client.ts';
import { Informer } from '../../../runtime/informer.ts';
import type { Pod } from '../pods.ts';
import type { ReplicaSet } from './replica-set.ts';
import {
  createNamespace,
  laggingWatchClient,
  serviceAccountClient,
  setPodStatus,
  startControllers,
} from './test-support.ts';
import { replicaSetController } from './watches.ts';

let server: ServerProcess;
let client: KubeClient;

before(async () => {
  server = await startServer({ args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
});
after(async () => {
  client.close();
  await server.stop();
});

const container = { name: 'app', image: 'registry.example/app:1' };

function replicaSet(
  namespace: string,
  name: string,
  replicas: number,
  extra: Partial<ReplicaSet['spec']> = {},
): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [container] } },
      ...extra,
    },
  };
}

function pod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  spec: Record<string, unknown> = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [container], ...spec },
  };
}

function rsRef(namespace: string, name: string) {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace, name };
}

async function podsIn(namespace: string, labelSelector?: string): Promise<Pod[]> {
  return (await client.list<Pod>('v1', 'Pod', { namespace, labelSelector })).items;
}

function ownedBy(pods: Pod[], owner: KubeObject): Pod[] {
  return pods.filter((p) =>
    p.metadata.ownerReferences?.some((r) => r.controller && r.uid === owner.metadata.uid),
  );
}

async function getRS(namespace: string, name: string): Promise<ReplicaSet> {
  return client.get<ReplicaSet>(rsRef(namespace, name));
}

test('scales up and down, deleting the pods that matter least first', async () => {
  const ns = 'rs-rank';
  await createNamespace(client, ns);
  const labels = { app: 'web' };
  const now = Date.now();
  const states: [string, Record<string, unknown>, Parameters<typeof setPodStatus>[2] | undefined][] = [
    ['ready-old', { nodeName: 'n1' }, { phase: 'Running', ready: true, readySince: now - 2 * 3600_000 }],
    ['unscheduled', {}, undefined],
    ['ready-recent', { nodeName: 'n1' }, { phase: 'Running', ready: true, readySince: now - 5_000 }],
    ['not-ready', { nodeName: 'n1' }, { phase: 'Running', ready: false }],
    ['pending', { nodeName: 'n1' }, undefined],
    ['restarting', { nodeName: 'n1' }, { phase: 'Running', ready: false, restarts: 5 }],
  ];
  for (const [name, spec, state] of states) {
    const created = await client.create(pod(ns, name, labels, spec));
    if (state) await setPodStatus(client, created, state);
  }
  const node = await startControllers(client, (ctx) => [replicaSetController(ctx)]);
  try {
    const rs = await client.create(replicaSet(ns, 'web', 6));
    await eventually('the orphans adopted', async () => ownedBy(await podsIn(ns), rs).length === 6);
    const expectedOrder = ['unscheduled', 'pending', 'restarting', 'not-ready', 'ready-recent'];
    for (let replicas = 5; replicas >= 1; replicas--) {
      await client.patch(rsRef(ns, 'web'), { spec: { replicas } });
      await eventually(`scaled down to ${replicas}`, async () => (await podsIn(ns)).length === replicas);
      const gone = expectedOrder[5 - replicas]!;
      const names = (await podsIn(ns)).map((p) => p.metadata.name);
      assert.ok(
        !names.includes(gone),
        `${gone} is deleted when scaling to ${replicas} (left: ${names.join(', ')})`,
      );
    }
    assert.deepEqual(
      (await podsIn(ns)).map((p) => p.metadata.name),
      ['ready-old'],
    );

    await client.patch(rsRef(ns, 'web'), { spec: { replicas: 4 } });
    await eventually('scaled up to 4', async () => (await podsIn(ns)).length === 4);
    const added = (await podsIn(ns)).filter((p) => p.metadata.name !== 'ready-old');
    for (const p of added) {
      assert.match(p.metadata.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(p.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid);
      assert.deepEqual(p.metadata.labels, { app: 'web' });
    }
    const status = await eventually('status of 4', async () => {
      const current = await getRS(ns, 'web');
      return current.status?.replicas === 4 && current.status;
    });
    assert.equal(status.readyReplicas, 1);
  } finally {
    await node.stop();
  }
});

test('a burst of events never makes the controller create twice (expectations)', async () => {
  const ns = 'rs-burst';
  await createNamespace(client, ns);
  const watcher = new Informer<Pod>(client, 'v1', 'Pod', { namespace: ns });
  const seen = new Set<string>();
  let deletions = 0;
  watcher.on({ add: (p) => seen.add(p.metadata.name ?? ''), delete: () => deletions++ });
  watcher.start();
  await watcher.waitForSync();
  // The controller's watches run 300 ms behind its writes, so every reconcile soon after a batch
  // of creations sees a cache without those pods.
  const lagging = await laggingWatchClient(client, 300);
  const node = await startControllers(lagging.client, (ctx) => [replicaSetController(ctx)]);
  try {
    await client.create(replicaSet(ns, 'burst', 40));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        client.patch(rsRef(ns, 'burst'), { metadata: { annotations: { poke: String(i) } } }),
      ),
    );
    await eventually('40 pods', async () => (await getRS(ns, 'burst')).status?.replicas === 40);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(seen.size, 40, 'exactly 40 pods were ever created');
    assert.equal(deletions, 0, 'no surplus pod had to be deleted');
  } finally {
    await node.stop();
    await lagging.close();
    await watcher.stop();
  }
});

test('adopts matching orphans, ignores pods of other controllers, releases pods that stop matching', async () => {
  const ns = 'rs-adopt';
  await createNamespace(client, ns);
  const labels = { app: 'web' };
  await client.create(pod(ns, 'orphan-1', labels));
  await client.create(pod(ns, 'orphan-2', labels));
  const otherOwner = await client.create<KubeObject>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'owner', namespace: ns },
  });
  await client.create({
    ...pod(ns, 'owned-elsewhere', labels),
    metadata: {
      name: 'owned-elsewhere',
      namespace: ns,
      labels,
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          name: 'owner',
          uid: otherOwner.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
  });
  const node = await startControllers(client, (ctx) => [replicaSetController(ctx)]);
  try {
    const rs = await client.create(replicaSet(ns, 'web', 3));
    await eventually(
      '3 pods owned by the ReplicaSet',
      async () => ownedBy(await podsIn(ns), rs).length === 3,
    );
    const owned = ownedBy(await podsIn(ns), rs).map((p) => p.metadata.name);
    assert.ok(
      owned.includes('orphan-1') && owned.includes('orphan-2'),
      `adopted both orphans: ${owned.join(', ')}`,
    );
    assert.equal((await podsIn(ns)).length, 4, 'created only one pod; the other controller keeps its pod');
    const elsewhere = await client.get<Pod>({
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: ns,
      name: 'owned-elsewhere',
    });
    assert.equal(elsewhere.metadata.ownerReferences?.length, 1);
    assert.equal(elsewhere.metadata.ownerReferences?.[0]?.uid, otherOwner.metadata.uid);

    await client.patch(
      { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'orphan-1' },
      { metadata: { labels: { app: 'other' } } },
    );
    await eventually('orphan-1 released', async () => {
      const released = await client.get<Pod>({
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: ns,
        name: 'orphan-1',
      });
      return (released.metadata.ownerReferences ?? []).length === 0;
    });
    await eventually('a replacement created', async () => ownedBy(await podsIn(ns), rs).length === 3);
    assert.equal((await podsIn(ns, 'app=web')).length, 4);
  } finally {
    await node.stop();
  }
});

test('status: replicas, fullyLabeled, ready, available after minReadySeconds, observedGeneration', async () => {
  const ns = 'rs-status';
  await createNamespace(client, ns);
  await client.create(pod(ns, 'partly-labeled', { app: 'web' }));
  const node = await startControllers(client, (ctx) => [replicaSetController(ctx)]);
  try {
    const created = await client.create(
      replicaSet(ns, 'web', 3, {
        minReadySeconds: 2,
        template: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { containers: [container] } },
      }),
    );
    const counted = await eventually('3 replicas counted', async () => {
      const rs = await getRS(ns, 'web');
      return rs.status?.replicas === 3 && rs;
    });
    assert.equal(counted.status?.fullyLabeledReplicas, 2, 'the adopted pod lacks the tier label');
    assert.equal(counted.status?.readyReplicas, 0);
    assert.equal(counted.status?.observedGeneration, created.metadata.generation);

    for (const p of await podsIn(ns)) await setPodStatus(client, p, { ready: true });
    const ready = await eventually('3 ready', async () => {
      const rs = await getRS(ns, 'web');
      return rs.status?.readyReplicas === 3 && rs;
    });
    assert.ok((ready.status?.availableReplicas ?? 0) < 3, 'not available before minReadySeconds');
    // Nothing changes after this: only the controller's own requeue can notice availability.
    await eventually(
      '3 available once minReadySeconds passed',
      async () => (await getRS(ns, 'web')).status?.availableReplicas === 3,
      6000,
    );

    const scaled = await client.patch<ReplicaSet>(rsRef(ns, 'web'), { spec: { replicas: 2 } });
    await eventually('observedGeneration follows', async () => {
      const rs = await getRS(ns, 'web');
      return rs.status?.observedGeneration === scaled.metadata.generation && rs.status?.replicas === 2;
    });
  } finally {
    await node.stop();
  }
});

test('a pod creation the API refuses sets ReplicaFailure, cleared once creation works', async () => {
  const ns = 'rs-failure';
  await createNamespace(client, ns);
  const rules = (podVerbs: string[]) => [
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
    { apiGroups: ['apps'], resources: ['replicasets/status'], verbs: ['update', 'patch'] },
    { apiGroups: [''], resources: ['pods'], verbs: podVerbs },
  ];
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'test-replicaset-controller' },
    rules: rules(['get', 'list', 'watch', 'patch', 'delete']),
  };
  await client.create(role);
  await client.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'test-replicaset-controller' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
    subjects: [{ kind: 'ServiceAccount', name: 'controller', namespace: ns }],
  });
  const restricted = await serviceAccountClient(client, ns, 'controller');
  const node = await startControllers(restricted, (ctx) => [replicaSetController(ctx)]);
  try {
    await client.create(replicaSet(ns, 'web', 2));
    const failed = await eventually('ReplicaFailure', async () => {
      const rs = await getRS(ns, 'web');
      return rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    });
    assert.equal(failed.status, 'True');
    assert.equal(failed.reason, 'FailedCreate');
    assert.match(failed.message ?? '', /forbidden/);

    await client.patch(
      { apiVersion: role.apiVersion, kind: role.kind, name: role.metadata.name },
      {
        rules: rules(['get', 'list', 'watch', 'patch', 'delete', 'create']),
      },
    );
    await client.patch(rsRef(ns, 'web'), { metadata: { annotations: { retry: 'now' } } });
    await eventually('pods created and the condition cleared', async () => {
      const rs = await getRS(ns, 'web');
      return rs.status?.replicas === 2 && !rs.status.conditions?.some((c) => c.type === 'ReplicaFailure');
    });
  } finally {
    await node.stop();
    restricted.close();
  }
});
