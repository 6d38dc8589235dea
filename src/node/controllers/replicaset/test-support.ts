/**
 * Test support for the workload controllers' tests (not imported by production code): starting
 * controllers against a real API server, and a stand-in kubelet that sets pod status through the
 * status subresource, since no node runs in these tests.
 */
import { createServer, connect, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../../api/meta.ts';
import { rfc3339 } from '../../../base/time.ts';
import { KubeClient } from '../../../runtime/client.ts';
import { Manager, type Controller } from '../../../runtime/controller.ts';
import { Informer, InformerFactory, keyOf } from '../../../runtime/informer.ts';
import type { NodeContext } from '../../context.ts';
import { isPodReady, type Pod } from '../pods.ts';

export interface RunningControllers {
  ctx: NodeContext;
  stop(): Promise<void>;
}

/** Builds controllers over a fresh InformerFactory, starts them and waits for their caches. */
export async function startControllers(
  client: KubeClient,
  build: (ctx: NodeContext) => Controller[],
): Promise<RunningControllers> {
  const informers = new InformerFactory(client);
  const ctx: NodeContext = { client, informers, clock: { now: () => Date.now() }, log: () => {} };
  const manager = new Manager();
  for (const controller of build(ctx)) manager.add(controller);
  await manager.start();
  return {
    ctx,
    async stop() {
      await manager.stop();
      await informers.stopAll();
    },
  };
}

export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

export interface PodState {
  phase?: 'Pending' | 'Running';
  ready?: boolean;
  /** When the Ready condition last changed (ms); default now. */
  readySince?: number;
  restarts?: number;
}

/** Writes pod status the way a kubelet would report it. */
export async function setPodStatus(client: KubeClient, pod: KubeObject, state: PodState): Promise<Pod> {
  const ready = state.ready ?? false;
  const since = rfc3339(state.readySince ?? Date.now());
  return client.patchStatus<Pod>(
    { apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name ?? '' },
    {
      phase: state.phase ?? (ready ? 'Running' : 'Pending'),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: since }],
      containerStatuses: [
        { name: 'app', ready, restartCount: state.restarts ?? 0, image: 'app', imageID: '' },
      ],
    },
  );
}

/**
 * Plays kubelet for one namespace: every new pod `accept`s is made Running and Ready, one at a
 * time with `delayMs` between them; the others stay Pending.
 */
export class TestKubelet {
  readonly #client: KubeClient;
  readonly #informer: Informer<Pod>;
  readonly #accept: (pod: Pod) => boolean;
  readonly #delayMs: number;
  readonly #waiting: string[] = [];
  #draining: Promise<void> | undefined;
  #stopped = false;

  constructor(
    client: KubeClient,
    namespace: string,
    options: { accept?: (pod: Pod) => boolean; delayMs?: number } = {},
  ) {
    this.#client = client;
    this.#informer = new Informer<Pod>(client, 'v1', 'Pod', { namespace });
    this.#accept = options.accept ?? (() => true);
    this.#delayMs = options.delayMs ?? 0;
    this.#informer.on({ add: (pod) => this.#offer(pod), update: (_old, pod) => this.#offer(pod) });
  }

  async start(): Promise<void> {
    this.#informer.start();
    await this.#informer.waitForSync();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#informer.stop();
    await this.#draining;
  }

  #offer(pod: Pod): void {
    if (isPodReady(pod) || pod.metadata.deletionTimestamp !== undefined || !this.#accept(pod)) return;
    const key = keyOf(pod);
    if (this.#waiting.includes(key)) return;
    this.#waiting.push(key);
    this.#draining ??= this.#drain().finally(() => (this.#draining = undefined));
  }

  async #drain(): Promise<void> {
    for (let key = this.#waiting[0]; key !== undefined && !this.#stopped; key = this.#waiting[0]) {
      const pod = this.#informer.get(key);
      if (pod && !isPodReady(pod)) {
        if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
        await setPodStatus(this.#client, pod, { ready: true }).catch(() => {});
      }
      this.#waiting.shift();
    }
  }
}

/** A client that authenticates as a ServiceAccount of `namespace` (for permission tests). */
export async function serviceAccountClient(
  admin: KubeClient,
  namespace: string,
  name: string,
): Promise<KubeClient> {
  await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  const request = await admin.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } },
  );
  const cluster = admin.config.getCurrentCluster()!;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: request.status.token }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  return new KubeClient(config);
}

/**
 * A TCP proxy in front of a plain-HTTP API server that holds back what watches receive by
 * `delayMs`, so informers lag behind the writes a controller makes: the stale cache that
 * expectations exist for. Returns a client that talks through it.
 */
export async function laggingWatchClient(
  admin: KubeClient,
  delayMs: number,
): Promise<{ client: KubeClient; close(): Promise<void> }> {
  const cluster = admin.config.getCurrentCluster()!;
  const target = new URL(cluster.server);
  const sockets = new Set<Socket>();
  const proxy = createServer((downstream) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(downstream).add(upstream);
    let watching = false;
    downstream.on('data', (chunk: Buffer) => {
      if (chunk.toString('latin1').includes('watch=true')) watching = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (watching) setTimeout(() => downstream.write(chunk), delayMs);
      else downstream.write(chunk);
    });
    const closeBoth = (): void => {
      upstream.destroy();
      downstream.destroy();
    };
    upstream.on('close', () => setTimeout(closeBoth, watching ? delayMs : 0));
    downstream.on('close', closeBoth);
    upstream.on('error', closeBoth);
    downstream.on('error', closeBoth);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as { port: number };
  const user = admin.config.getCurrentUser()!;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ ...cluster, server: `http://127.0.0.1:${port}` }],
    users: [user],
    contexts: [{ name: 'lagging', cluster: cluster.name, user: user.name }],
    currentContext: 'lagging',
  });
  const client = new KubeClient(config);
  return {
    client,
    async close() {
      client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
