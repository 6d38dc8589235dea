/**
 * The Deployment and ReplicaSet controllers together against a real `keelson apiserver` process,
 * driven partly by the real kubectl (rollout status, history, undo, pause, resume, scale). No node
 * runs: a TestKubelet makes the pods it accepts Ready, one at a time.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, kubectl, startServer, type ServerProcess } from '../../../../test/e2e/harness.ts';
import { KubeClient } from '../../../runtime/client.ts';
import { Informer } from '../../../runtime/informer.ts';
import { computeHash, isPodReady, type Pod } from '../pods.ts';
import type { ReplicaSet } from '../replicaset/replica-set.ts';
import {
  createNamespace,
  startControllers,
  TestKubelet,
  type RunningControllers,
} from '../replicaset/test-support.ts';
import { replicaSetController } from '../replicaset/watches.ts';
import { revisionAnnotation, revisionHistoryAnnotation, type Deployment } from './deployment.ts';
import { deploymentController } from './watches.ts';

let server: ServerProcess;
let client: KubeClient;

before(async () => {
  server = await startServer({ tls: true, args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
});
after(async () => {
  client.close();
  await server.stop();
});

function deployment(
  namespace: string,
  spec: Partial<NonNullable<Deployment['spec']>> & { image?: string },
): Deployment {
  const { image = 'app:v1', ...rest } = spec;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
      ...rest,
    },
  };
}

const ref = (namespace: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'web' });

async function getDeployment(namespace: string): Promise<Deployment> {
  return client.get<Deployment>(ref(namespace));
}

async function setImage(
  namespace: string,
  image: string,
  annotations: Record<string, string> = {},
): Promise<void> {
  await client.patch(
    ref(namespace),
    { metadata: { annotations }, spec: { template: { spec: { containers: [{ name: 'app', image }] } } } },
    'strategic',
  );
}

async function replicaSetsIn(namespace: string): Promise<ReplicaSet[]> {
  return (await client.list<ReplicaSet>('apps/v1', 'ReplicaSet', { namespace })).items;
}

async function podsIn(namespace: string): Promise<Pod[]> {
  return (await client.list<Pod>('v1', 'Pod', { namespace })).items;
}

function imageOf(object: { spec?: { template?: { spec?: Record<string, unknown> } } }): string {
  const containers = object.spec?.template?.spec?.['containers'] as { image?: string }[] | undefined;
  return containers?.[0]?.image ?? '';
}

/** `kubectl rollout <verb> deployment/web -n <namespace> [args…]`. */
function rollout(verb: string, namespace: string, ...args: string[]): ReturnType<typeof kubectl> {
  return kubectl(server.kubeconfig, ['rollout', verb, 'deployment/web', '-n', namespace, ...args]);
}

function condition(d: Deployment, type: string) {
  return d.status?.conditions?.find((c) => c.type === type);
}

/** The rollout of the current template is complete, as `kubectl rollout status` judges it. */
async function rolledOut(namespace: string, timeoutMs = 15_000): Promise<Deployment> {
  return eventually(
    `deployment ${namespace}/web rolled out`,
    async () => {
      const d = await getDeployment(namespace);
      const want = d.spec?.replicas ?? 1;
      const s = d.status ?? {};
      return (
        (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
        s.updatedReplicas === want &&
        s.replicas === want &&
        s.availableReplicas === want &&
        condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
        d
      );
    },
    timeoutMs,
  );
}

async function withNode<T>(
  namespace: string,
  kubeletOptions: ConstructorParameters<typeof TestKubelet>[2],
  body: (node: RunningControllers) => Promise<T>,
): Promise<T> {
  await createNamespace(client, namespace);
  const kubelet = new TestKubelet(client, namespace, kubeletOptions);
  await kubelet.start();
  const node = await startControllers(client, (ctx) => [
    deploymentController(ctx),
    replicaSetController(ctx),
  ]);
  try {
    return await body(node);
  } finally {
    await node.stop();
    await kubelet.stop();
  }
}

/** Watches the pods of a namespace and calls `check` with all of them after every change. */
async function watchPods(namespace: string, check: (pods: Pod[]) => void): Promise<Informer<Pod>> {
  const informer = new Informer<Pod>(client, 'v1', 'Pod', { namespace });
  let synced = false;
  const run = (): void => {
    if (synced) check(informer.list());
  };
  informer.on({ add: run, update: run, delete: run });
  informer.start();
  await informer.waitForSync();
  synced = true;
  run();
  return informer;
}

test('RollingUpdate with maxSurge 1, maxUnavailable 0 never has fewer ready pods than desired', async () => {
  const ns = 'd-rolling';
  await withNode(ns, { delayMs: 100 }, async () => {
    await client.create(
      deployment(ns, {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      }),
    );
    await rolledOut(ns);
    const status = await rollout('status', ns, '--timeout=10s');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /successfully rolled out/);

    let fewestReady = Infinity;
    let mostPods = 0;
    const monitor = await watchPods(ns, (pods) => {
      const live = pods.filter((p) => p.metadata.deletionTimestamp === undefined);
      fewestReady = Math.min(fewestReady, live.filter(isPodReady).length);
      mostPods = Math.max(mostPods, live.length);
    });
    try {
      await setImage(ns, 'app:v2');
      const d = await rolledOut(ns);
      assert.ok((await podsIn(ns)).every((p) => imageOf({ spec: { template: p } }) === 'app:v2'));
      assert.equal(fewestReady, 3, 'never fewer than 3 ready pods');
      assert.equal(mostPods, 4, 'never more than replicas + maxSurge pods');

      assert.equal(d.status?.replicas, 3);
      assert.equal(d.status?.updatedReplicas, 3);
      assert.equal(d.status?.readyReplicas, 3);
      assert.equal(d.status?.availableReplicas, 3);
      assert.equal(d.status?.unavailableReplicas ?? 0, 0);
      assert.equal(d.status?.observedGeneration, d.metadata.generation);
      assert.equal(condition(d, 'Available')?.status, 'True');
      assert.equal(condition(d, 'Available')?.reason, 'MinimumReplicasAvailable');
      assert.equal(condition(d, 'Progressing')?.status, 'True');
      assert.equal(d.metadata.annotations?.[revisionAnnotation], '2');

      const replicaSets = await replicaSetsIn(ns);
      assert.equal(replicaSets.length, 2);
      const current = replicaSets.find((rs) => imageOf(rs) === 'app:v2')!;
      const old = replicaSets.find((rs) => imageOf(rs) === 'app:v1')!;
      const hash = current.metadata.labels?.['pod-template-hash'] ?? '';
      assert.equal(current.metadata.name, `web-${hash}`);
      assert.equal(current.spec?.selector?.matchLabels?.['pod-template-hash'], hash);
      assert.equal(current.spec?.template?.metadata?.labels?.['pod-template-hash'], hash);
      assert.equal(current.metadata.annotations?.[revisionAnnotation], '2');
      assert.equal(current.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
      assert.equal(current.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
      assert.equal(current.metadata.ownerReferences?.[0]?.uid, d.metadata.uid);
      assert.equal(old.metadata.annotations?.[revisionAnnotation], '1');
      assert.equal(old.spec?.replicas, 0);
    } finally {
      await monitor.stop();
    }
  });
});

test('Recreate removes every old pod before it creates a new one', async () => {
  const ns = 'd-recreate';
  await withNode(ns, {}, async () => {
    await client.create(deployment(ns, { replicas: 2, strategy: { type: 'Recreate' } }));
    await rolledOut(ns);
    let overlapped = false;
    let sawNone = false;
    const monitor = await watchPods(ns, (pods) => {
      const images = new Set(pods.map((p) => imageOf({ spec: { template: p } })));
      if (images.has('app:v1') && images.has('app:v2')) overlapped = true;
      if (pods.length === 0) sawNone = true;
    });
    try {
      await setImage(ns, 'app:v2');
      await rolledOut(ns);
      assert.equal(overlapped, false, 'old and new pods never ran together');
      assert.equal(sawNone, true, 'there was a moment with no pods');
      assert.equal((await podsIn(ns)).length, 2);
    } finally {
      await monitor.stop();
    }
  });
});

test('a paused Deployment scales but does not roll out until resumed', async () => {
  const ns = 'd-paused';
  await withNode(ns, {}, async () => {
    await client.create(deployment(ns, { replicas: 2 }));
    await rolledOut(ns);
    assert.equal((await rollout('pause', ns)).code, 0);
    await setImage(ns, 'app:v2');
    const paused = await eventually('the Paused condition', async () => {
      const d = await getDeployment(ns);
      return condition(d, 'Progressing')?.reason === 'DeploymentPaused' && d;
    });
    assert.equal(condition(paused, 'Progressing')?.status, 'Unknown');

    const scaled = await kubectl(server.kubeconfig, ['scale', 'deployment/web', '--replicas=4', '-n', ns]);
    assert.equal(scaled.code, 0, scaled.stderr);
    await eventually('4 ready pods of the old template', async () => {
      const pods = await podsIn(ns);
      return pods.length === 4 && pods.filter(isPodReady).length === 4;
    });
    const replicaSets = await replicaSetsIn(ns);
    assert.equal(replicaSets.length, 1, 'no ReplicaSet for the new template while paused');
    assert.equal(imageOf(replicaSets[0]!), 'app:v1');

    assert.equal((await rollout('resume', ns)).code, 0);
    await rolledOut(ns);
    const pods = await podsIn(ns);
    assert.equal(pods.length, 4);
    assert.ok(pods.every((p) => imageOf({ spec: { template: p } }) === 'app:v2'));
  });
});

test('pods that never become ready make the rollout exceed its progress deadline', async () => {
  const ns = 'd-deadline';
  await withNode(ns, { accept: (pod) => imageOf({ spec: { template: pod } }) !== 'app:broken' }, async () => {
    await client.create(deployment(ns, { replicas: 2, progressDeadlineSeconds: 2 }));
    await rolledOut(ns);
    await setImage(ns, 'app:broken');
    const d = await eventually(
      'ProgressDeadlineExceeded',
      async () => {
        const current = await getDeployment(ns);
        return condition(current, 'Progressing')?.reason === 'ProgressDeadlineExceeded' && current;
      },
      10_000,
    );
    assert.equal(condition(d, 'Progressing')?.status, 'False');
    assert.match(condition(d, 'Progressing')?.message ?? '', /has timed out progressing/);
    assert.equal(condition(d, 'Available')?.status, 'True', 'the old pods stay');
    assert.equal(d.status?.availableReplicas, 2);
    assert.equal(d.status?.updatedReplicas, 1, 'maxSurge 25% of 2 rounds up to 1');
    assert.equal(d.status?.unavailableReplicas, 1);
    const status = await rollout('status', ns, '--timeout=10s');
    assert.notEqual(status.code, 0);
    assert.match(status.stderr, /exceeded its progress deadline/);
  });
});

test('kubectl rollout undo rolls back to the old ReplicaSet and moves its revision forward', async () => {
  const ns = 'd-undo';
  await withNode(ns, {}, async () => {
    const created = deployment(ns, { replicas: 2 });
    created.metadata.annotations = { 'kubernetes.io/change-cause': 'first' };
    await client.create(created);
    await rolledOut(ns);
    await setImage(ns, 'app:v2', { 'kubernetes.io/change-cause': 'second' });
    await rolledOut(ns);
    const history = await rollout('history', ns);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /1\s+first/);
    assert.match(history.stdout, /2\s+second/);
    const first = (await replicaSetsIn(ns)).find((rs) => imageOf(rs) === 'app:v1')!;

    const undo = await rollout('undo', ns);
    assert.equal(undo.code, 0, undo.stderr);
    const d = await rolledOut(ns);
    const replicaSets = await replicaSetsIn(ns);
    assert.equal(replicaSets.length, 2, 'the old ReplicaSet was reused, none created');
    const reused = replicaSets.find((rs) => rs.metadata.uid === first.metadata.uid)!;
    assert.equal(reused.spec?.replicas, 2);
    assert.equal(reused.metadata.annotations?.[revisionAnnotation], '3');
    assert.equal(reused.metadata.annotations?.[revisionHistoryAnnotation], '1');
    assert.equal(d.metadata.annotations?.[revisionAnnotation], '3');
    assert.ok((await podsIn(ns)).every((p) => imageOf({ spec: { template: p } }) === 'app:v1'));
    const after = await rollout('history', ns);
    assert.match(after.stdout, /2\s+second/);
    assert.match(after.stdout, /3\s+first/);
    assert.doesNotMatch(after.stdout, /^1\s/m);
  });
});

test('revisionHistoryLimit deletes the oldest scaled-down ReplicaSets', async () => {
  const ns = 'd-history';
  await withNode(ns, {}, async () => {
    await client.create(deployment(ns, { replicas: 1, revisionHistoryLimit: 1 }));
    await rolledOut(ns);
    for (const image of ['app:v2', 'app:v3', 'app:v4']) {
      await setImage(ns, image);
      await rolledOut(ns);
    }
    const replicaSets = await eventually('history trimmed to one old ReplicaSet', async () => {
      const list = await replicaSetsIn(ns);
      return list.length === 2 && list;
    });
    const revisions = replicaSets.map((rs) => rs.metadata.annotations?.[revisionAnnotation]).sort();
    assert.deepEqual(revisions, ['3', '4']);
    assert.deepEqual(replicaSets.map(imageOf).sort(), ['app:v3', 'app:v4']);
  });
});

test('kubectl scale mid-rollout scales old and new ReplicaSets in proportion', async () => {
  const ns = 'd-proportional';
  await withNode(ns, { accept: (pod) => imageOf({ spec: { template: pod } }) === 'app:v1' }, async () => {
    await client.create(
      deployment(ns, {
        replicas: 10,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } },
      }),
    );
    await rolledOut(ns);
    await setImage(ns, 'app:v2');
    const sizes = async (): Promise<[number, number]> => {
      const list = await replicaSetsIn(ns);
      const size = (image: string) => list.find((rs) => imageOf(rs) === image)?.spec?.replicas ?? -1;
      return [size('app:v1'), size('app:v2')];
    };
    await eventually('the rollout stalls at 8 old and 5 new', async () => {
      const [old, fresh] = await sizes();
      return old === 8 && fresh === 5;
    });
    const stalled = await getDeployment(ns);
    assert.equal(condition(stalled, 'Available')?.status, 'True', '8 available of 10 with maxUnavailable 2');
    const scaled = await kubectl(server.kubeconfig, ['scale', 'deployment/web', '--replicas=15', '-n', ns]);
    assert.equal(scaled.code, 0, scaled.stderr);
    await eventually('3 more old and 2 more new', async () => {
      const [old, fresh] = await sizes();
      return old === 11 && fresh === 7;
    });
    const d = await eventually('minimum availability lost', async () => {
      const current = await getDeployment(ns);
      return current.status?.availableReplicas === 11 && current;
    });
    assert.equal(condition(d, 'Available')?.status, 'False', '11 available of 15 with maxUnavailable 2');
    assert.equal(condition(d, 'Available')?.reason, 'MinimumReplicasUnavailable');
  });
});

test('a ReplicaSet squatting on the new name bumps collisionCount and the hash', async () => {
  const ns = 'd-collision';
  await withNode(ns, {}, async () => {
    const created = await client.create<Deployment>(deployment(ns, { replicas: 1, paused: true }));
    const hash = computeHash(created.spec?.template ?? {});
    await client.create<ReplicaSet>({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `web-${hash}`, namespace: ns, labels: { squatter: 'yes' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { squatter: 'yes' } },
        template: {
          metadata: { labels: { squatter: 'yes' } },
          spec: { containers: [{ name: 'app', image: 'other' }] },
        },
      },
    });
    await client.patch(ref(ns), { spec: { paused: false } });
    const d = await rolledOut(ns);
    assert.equal(d.status?.collisionCount, 1);
    const own = (await replicaSetsIn(ns)).filter(
      (rs) => rs.metadata.ownerReferences?.[0]?.uid === d.metadata.uid,
    );
    assert.equal(own.length, 1);
    assert.equal(own[0]!.metadata.name, `web-${computeHash(created.spec?.template ?? {}, 1)}`);
  });
});
