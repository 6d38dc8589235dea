/**
 * The kubelet of one embedded node: runs the pods bound to its node on its PodRuntime and reports
 * them through the API, as a kubelet does. It reads pods with the field selector
 * `spec.nodeName=<node>`, ConfigMaps and Secrets from shared caches, and serves `pods/log` for its
 * pods. The Node object and its lease are the NodeAgent's (node-agent.ts).
 */
import type { ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import { BadRequestError, NotFoundError } from '../../base/errors.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { Manager } from '../../runtime/controller.ts';
import { Controller, requestOf } from '../../runtime/controller.ts';
import type { Informer } from '../../runtime/informer.ts';
import { keyOf, splitKey } from '../../runtime/informer.ts';
import { EventRecorder } from '../../runtime/events.ts';
import type { NodeContext } from '../context.ts';
import type { PodRuntime } from '../runtime/pod-runtime.ts';
import { answerError, chooseContainer, logBody, parseLogQuery } from './logs.ts';
import type { NodeConfig } from './node-config.ts';
import { referenceKeys } from './pod-inputs.ts';
import { PodIpAllocator } from './pod-ips.ts';
import { asV1Pod, type ApiPod } from './pod-status.ts';
import { KubeletReconciler } from './reconciler.ts';

export interface KubeletOptions {
  /** The node this kubelet runs (its name and pod range). */
  node: NodeConfig;
  runtime: PodRuntime;
  /** The pod range to allocate from, when the registered Node has another than the config (NodeAgent.podCIDR). */
  podCIDR?: string;
  /** Pods synced at once (status writes in flight). Default 32. */
  workers?: number;
  hostIP?: string;
}

/** The signature of the API server's `podLogs` option. */
export type PodLogsHandler = (
  cluster: string,
  namespace: string,
  name: string,
  query: URLSearchParams,
  res: ServerResponse,
) => void;

const configMapIndex = 'kubelet:configmaps';
const secretIndex = 'kubelet:secrets';

/**
 * `KUBERNETES_SERVICE_*` and `KUBERNETES_PORT*` as kubelet sets them for the `kubernetes` service,
 * pointing at the API server this kubelet talks to (what a local process can reach).
 */
export function apiServerEnvironment(server: string): Record<string, string> {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return {};
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const env: Record<string, string> = {
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: port,
    KUBERNETES_PORT: `tcp://${url.host}`,
    [`KUBERNETES_PORT_${port}_TCP`]: `tcp://${url.host}`,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp',
    [`KUBERNETES_PORT_${port}_TCP_PORT`]: port,
    [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
  };
  if (url.protocol === 'https:') env['KUBERNETES_SERVICE_PORT_HTTPS'] = port;
  return env;
}

export class Kubelet {
  readonly nodeName: string;
  /** The pod sync loop; add it to the manager that runs the node (or call `addTo`). */
  readonly controller: Controller;
  readonly runtime: PodRuntime;
  readonly #pods: Informer<ApiPod>;
  readonly #reconciler: KubeletReconciler;
  readonly #ips: PodIpAllocator;
  readonly #events: EventRecorder;
  #unsubscribe: (() => void) | undefined;

  constructor(ctx: NodeContext, options: KubeletOptions) {
    this.nodeName = options.node.name;
    this.runtime = options.runtime;
    const hostIP = options.hostIP ?? '127.0.0.1';
    this.#ips = new PodIpAllocator(options.podCIDR ?? options.node.podCIDR);
    this.#events = new EventRecorder(ctx, { component: 'kubelet', host: this.nodeName });
    this.#pods = ctx.informers.for<ApiPod>('v1', 'Pod', { fieldSelector: `spec.nodeName=${this.nodeName}` });
    const configMaps = ctx.informers.for<KubeObject>('v1', 'ConfigMap');
    const secrets = ctx.informers.for<KubeObject>('v1', 'Secret');
    this.#pods.addIndex(configMapIndex, (pod) => referenceKeys(asV1Pod(pod)).configMaps);
    this.#pods.addIndex(secretIndex, (pod) => referenceKeys(asV1Pod(pod)).secrets);
    this.#pods.on({ add: (pod) => this.#reserveIp(pod) });

    this.#reconciler = new KubeletReconciler({
      client: ctx.client,
      clock: ctx.clock,
      log: ctx.log,
      runtime: options.runtime,
      pods: this.#pods,
      configMaps,
      secrets,
      ips: this.#ips,
      events: this.#events,
      nodeName: this.nodeName,
      hostIP,
      environment: apiServerEnvironment(ctx.client.config.getCurrentCluster()?.server ?? ''),
      enqueue: (key) => this.controller.enqueue(splitKey(key)),
    });
    this.controller = new Controller({
      name: `kubelet-${this.nodeName}`,
      reconciler: this.#reconciler,
      workers: options.workers ?? 32,
      backoff: { base: 100, max: 30_000 },
      log: ctx.log,
    }).for(this.#pods);
    this.controller.watches(configMaps, (cm) => this.#pods.byIndex(configMapIndex, keyOf(cm)).map(requestOf));
    this.controller.watches(secrets, (secret) =>
      this.#pods.byIndex(secretIndex, keyOf(secret)).map(requestOf),
    );
  }

  /** Adds the kubelet's controller and its lifecycle (runtime subscription, orphan sweep) to a manager. */
  addTo(manager: Manager): this {
    manager.add(this.controller);
    manager.addRunnable(this);
    return this;
  }

  /**
   * Listens to the runtime and stops pods the runtime knows that the API no longer has (left from a
   * previous life of the node). Call after the pod informer has synced (a Manager does).
   */
  start(): void {
    this.#unsubscribe ??= this.runtime.onChange((uid) => {
      const key = this.#reconciler.keyOfUid(uid);
      if (key !== undefined) this.controller.enqueue(splitKey(key));
    });
    const live = new Set(this.#pods.list().map((p) => p.metadata.uid));
    for (const uid of this.runtime.uids()) if (!live.has(uid)) this.#reconciler.forget(uid);
  }

  /** Stops listening and waits for stops in flight and queued events. The runtime is its owner's to close. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#reconciler.settle();
    await this.#events.flush();
  }

  /** Whether the pod is bound to this node (as far as this kubelet's cache knows). */
  hasPod(namespace: string, name: string): boolean {
    return this.#pods.get(`${namespace}/${name}`) !== undefined;
  }

  /**
   * Serves `GET /api/v1/namespaces/NS/pods/NAME/log` for a pod of this node: PodLogOptions from the
   * query (container, follow, previous, tailLines, sinceSeconds, sinceTime, timestamps, limitBytes),
   * errors as kube answers them (a Status with code 400 for a waiting container or a missing
   * container name).
   */
  logs(namespace: string, name: string, query: URLSearchParams, res: ServerResponse): void {
    this.#serveLogs(namespace, name, query, res).catch((error: unknown) => answerError(res, error));
  }

  async #serveLogs(
    namespace: string,
    name: string,
    query: URLSearchParams,
    res: ServerResponse,
  ): Promise<void> {
    const pod = this.#pods.get(`${namespace}/${name}`);
    if (!pod) throw new NotFoundError(`pods "${name}" not found`, { name, kind: 'pods' });
    const { container: requested, options } = parseLogQuery(name, query);
    const container = chooseContainer(pod, requested);
    const uid = pod.metadata.uid ?? '';
    if (this.runtime.status(uid) === undefined) {
      const waiting = [...(pod.status?.containerStatuses ?? [])].find((c) => c['name'] === container) as
        { state?: { waiting?: { reason?: string } } } | undefined;
      const reason = waiting?.state?.waiting?.reason ?? 'ContainerCreating';
      throw new BadRequestError(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
    }
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const out = logBody(res);
    await this.runtime.logs(uid, container, options, out, abort.signal);
    out.end();
    await finished(out);
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end();
  }

  #reserveIp(pod: ApiPod): void {
    const ip = pod.status?.podIP;
    const phase = pod.status?.phase;
    if (ip && !pod.spec?.hostNetwork && phase !== 'Succeeded' && phase !== 'Failed')
      this.#ips.reserve(pod.metadata.uid ?? '', ip);
  }
}

/**
 * The API server's `podLogs` option over the kubelets of this process: the kubelet whose node runs
 * the pod answers. Only pods of `cluster` (default `default`) run here.
 */
export function podLogsHandler(
  kubelets: readonly Kubelet[],
  options: { cluster?: string } = {},
): PodLogsHandler {
  const served = options.cluster ?? 'default';
  return function podLogs(cluster, namespace, name, query, res) {
    const kubelet = cluster === served ? kubelets.find((k) => k.hasPod(namespace, name)) : undefined;
    if (kubelet) kubelet.logs(namespace, name, query, res);
    else answerError(res, new BadRequestError(`pod ${name} does not have a host assigned`));
  };
}
