/**
 * The kubelet's pod sync (kubelet's syncPod / syncTerminatingPod / the status manager) for one pod
 * key, level-based: the pod as the API has it and the pod as the runtime has it decide what to do.
 *
 * - A pod bound here that the runtime does not know is started, unless the API already shows it
 *   terminated (a terminal pod never runs again). Its ConfigMaps and Secrets come from the caches;
 *   when one it references appears or changes, the runtime is given the new inputs.
 * - The runtime's status, with what the kubelet owns added, is written through `pods/status` when it
 *   differs from what was last written. Many pods are synced at once (the controller's workers) and
 *   a pod that changes again while a write is in flight is written once more with its latest status.
 * - A pod with a deletionTimestamp is stopped with its deletionGracePeriodSeconds; once stopped, its
 *   final status is written and it is deleted with gracePeriodSeconds=0 and its uid as precondition.
 * - A pod gone from the API (or replaced by a new pod of the same name) is stopped and forgotten.
 */
import type { V1PodStatus } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../../runtime/client.ts';
import type { KubeClient } from '../../runtime/client.ts';
import type { Logger, Reconciler, Request, Result } from '../../runtime/controller.ts';
import type { Informer } from '../../runtime/informer.ts';
import { keyOf } from '../../runtime/informer.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { NodeClock } from '../context.ts';
import { canonicalJson } from '../controllers/pods.ts';
import type { PodInputs, PodRuntime } from '../runtime/pod-runtime.ts';
import { resolveReferences, podReferences } from './pod-inputs.ts';
import type { PodIpAllocator } from './pod-ips.ts';
import type { ApiPod, ApiPodCondition } from './pod-status.ts';
import { apiPodStatus, asV1Pod, kubeletConditions } from './pod-status.ts';

export interface KubeletDeps {
  client: KubeClient;
  clock: NodeClock;
  log: Logger;
  runtime: PodRuntime;
  pods: Informer<ApiPod>;
  configMaps: Informer<KubeObject>;
  secrets: Informer<KubeObject>;
  ips: PodIpAllocator;
  events: EventRecorder;
  nodeName: string;
  hostIP: string;
  /** Variables every container gets before its own (KUBERNETES_SERVICE_HOST …). */
  environment: Record<string, string>;
  /** Asks for the key to be reconciled again (a stop finished). */
  enqueue(key: string): void;
}

interface Known {
  uid: string;
  gracePeriodSeconds: number | undefined;
}

interface Observed {
  /** containerID last seen per container, for Pulled/Created/Started events. */
  instances: Map<string, string>;
  /** Warning events already emitted (reason + message + restart count). */
  warned: Set<string>;
}

function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

export class KubeletReconciler implements Reconciler {
  readonly #deps: KubeletDeps;
  readonly #known = new Map<string, Known>();
  readonly #keyOfUid = new Map<string, string>();
  readonly #fingerprints = new Map<string, string>();
  readonly #written = new Map<string, string>();
  readonly #writtenConditions = new Map<string, ApiPodCondition[]>();
  readonly #stopping = new Map<string, Promise<void>>();
  readonly #stopped = new Set<string>();
  /** The resourceVersion of the pod when the final delete was sent, so it is sent again only after a change. */
  readonly #deleteSent = new Map<string, string>();
  readonly #tokens = new Map<string, string>();
  readonly #observed = new Map<string, Observed>();

  constructor(deps: KubeletDeps) {
    this.#deps = deps;
  }

  /** The API key (`namespace/name`) of a pod uid this kubelet runs. */
  keyOfUid(uid: string): string | undefined {
    return this.#keyOfUid.get(uid);
  }

  /** Resolves once every stop started so far has finished. */
  async settle(): Promise<void> {
    await Promise.all(this.#stopping.values());
  }

  async reconcile(request: Request): Promise<Result | void> {
    const key = keyOf({ metadata: request });
    const pod = this.#deps.pods.get(key);
    const prior = this.#known.get(key);
    if (prior && (!pod || pod.metadata.uid !== prior.uid)) {
      this.#known.delete(key);
      this.forget(prior.uid, prior.gracePeriodSeconds);
    }
    if (!pod || pod.spec?.nodeName !== this.#deps.nodeName) return;
    const uid = pod.metadata.uid ?? '';
    this.#known.set(key, { uid, gracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds });
    this.#keyOfUid.set(uid, key);

    if (pod.metadata.deletionTimestamp !== undefined) return this.#terminate(key, pod);

    const { runtime } = this.#deps;
    let status = runtime.status(uid);
    if (status === undefined) {
      // a pod the API shows terminated is never run again (after a restart of the node, say)
      if (isTerminalPhase(pod.status?.phase)) return;
      const wanted = pod.spec?.runtimeClassName;
      if (wanted && wanted !== runtime.runtimeClass) return this.#noRuntimeHandler(pod, wanted);
      runtime.start(asV1Pod(pod), await this.#inputs(pod));
      status = runtime.status(uid);
    } else if (!isTerminalPhase(status.phase)) {
      if (this.#referencesChanged(pod)) runtime.start(asV1Pod(pod), await this.#inputs(pod));
    }
    if (status === undefined) return;
    if (isTerminalPhase(status.phase)) this.#deps.ips.release(uid);
    this.#recordContainerEvents(pod, status);
    await this.#writeStatus(pod, status);
  }

  /**
   * A pod asks for a RuntimeClass this node does not run: like a kubelet whose CRI has no such
   * handler, the sandbox is never created; the pod stays Pending with its containers
   * ContainerCreating and a FailedCreatePodSandBox warning.
   */
  async #noRuntimeHandler(pod: ApiPod, runtimeClass: string): Promise<void> {
    const message = `Failed to create pod sandbox: no runtime for "${runtimeClass}" is configured on node ${this.#deps.nodeName}`;
    if (!this.#observed.has(pod.metadata.uid ?? '')) {
      this.#observed.set(pod.metadata.uid ?? '', { instances: new Map(), warned: new Set([message]) });
      this.#deps.events.event(pod, 'Warning', 'FailedCreatePodSandBox', message);
    }
    const waiting = (c: { name: string; image?: string }) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
      ready: false,
      restartCount: 0,
      started: false,
    });
    const containers = pod.spec?.containers ?? [];
    const unready = `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`;
    const status: V1PodStatus = {
      phase: 'Pending',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'False' },
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: unready },
        { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: unready },
      ],
      containerStatuses: containers.map(waiting),
      ...(pod.spec?.initContainers?.length && {
        initContainerStatuses: pod.spec.initContainers.map(waiting),
      }),
    };
    await this.#writeStatus(pod, status);
  }

  /**
   * Stops a pod that left the API (or this node) and forgets it: the runtime drops its logs and
   * volumes and the IP is released. Runs in the background.
   */
  forget(uid: string, gracePeriodSeconds?: number): void {
    const { runtime, ips, log } = this.#deps;
    this.#fingerprints.delete(uid);
    this.#written.delete(uid);
    this.#writtenConditions.delete(uid);
    this.#deleteSent.delete(uid);
    this.#tokens.delete(uid);
    this.#observed.delete(uid);
    this.#keyOfUid.delete(uid);
    const stopping = (this.#stopping.get(uid) ?? runtime.stop(uid, gracePeriodSeconds))
      .then(() => runtime.remove(uid))
      .catch((error: unknown) => log('pod not cleaned up', { uid, error: (error as Error).message }))
      .finally(() => {
        ips.release(uid);
        this.#stopped.delete(uid);
        if (this.#stopping.get(uid) === stopping) this.#stopping.delete(uid);
      });
    this.#stopping.set(uid, stopping);
  }

  /** kubelet's graceful termination: stop with the deletion grace period, write the final status, delete. */
  async #terminate(key: string, pod: ApiPod): Promise<void> {
    const { runtime, client } = this.#deps;
    const uid = pod.metadata.uid ?? '';
    const status = runtime.status(uid);
    if (status !== undefined && !this.#stopped.has(uid)) {
      if (!this.#stopping.has(uid)) {
        const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds;
        for (const c of status.containerStatuses ?? [])
          if (c.state?.running)
            this.#deps.events.event(
              pod,
              'Normal',
              'Killing',
              `Stopping container ${c.name}`,
              `spec.containers{${c.name}}`,
            );
        const stopping = runtime
          .stop(uid, grace)
          .catch((error: unknown) =>
            this.#deps.log('pod stop failed', { pod: key, error: (error as Error).message }),
          )
          .finally(() => {
            this.#stopped.add(uid);
            this.#stopping.delete(uid);
            this.#deps.enqueue(key);
          });
        this.#stopping.set(uid, stopping);
      }
      await this.#writeStatus(pod, runtime.status(uid) ?? status);
      return;
    }
    if (status !== undefined) await this.#writeStatus(pod, runtime.status(uid) ?? status);
    this.#deps.ips.release(uid);
    const version = pod.metadata.resourceVersion ?? '';
    if (this.#deleteSent.get(uid) === version) return;
    try {
      await client.delete(
        { apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name ?? '' },
        { gracePeriodSeconds: 0, preconditions: { uid } },
      );
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
    this.#deleteSent.set(uid, version);
  }

  /** Whether a ConfigMap or Secret the pod references appeared or changed since the runtime was given it. */
  #referencesChanged(pod: ApiPod): boolean {
    return this.#fingerprints.get(pod.metadata.uid ?? '') !== this.#resolve(pod).fingerprint;
  }

  #resolve(pod: ApiPod): ReturnType<typeof resolveReferences> {
    const { configMaps, secrets } = this.#deps;
    return resolveReferences(asV1Pod(pod), {
      configMap: (key) => configMaps.get(key),
      secret: (key) => secrets.get(key),
    });
  }

  /** What the runtime needs to start the pod: the objects it references, its IP, a token if it asks for one. */
  async #inputs(pod: ApiPod): Promise<PodInputs> {
    const uid = pod.metadata.uid ?? '';
    const { ips } = this.#deps;
    const resolved = this.#resolve(pod);
    this.#fingerprints.set(uid, resolved.fingerprint);
    const inputs: PodInputs = {
      configMaps: resolved.configMaps,
      secrets: resolved.secrets,
      environment: this.#deps.environment,
    };
    if (!pod.spec?.hostNetwork) inputs.podIP = ips.allocate(uid);
    else inputs.podIP = this.#deps.hostIP;
    const token = await this.#serviceAccountToken(pod);
    if (token !== undefined) inputs.serviceAccountToken = token;
    return inputs;
  }

  /** A bound token for projected `serviceAccountToken` sources (TokenRequest, as kubelet's token manager). */
  async #serviceAccountToken(pod: ApiPod): Promise<string | undefined> {
    const wanted = podReferences(asV1Pod(pod)).serviceAccountToken;
    if (!wanted) return undefined;
    const uid = pod.metadata.uid ?? '';
    const cached = this.#tokens.get(uid);
    if (cached !== undefined) return cached;
    const account = pod.spec?.serviceAccountName || 'default';
    const namespace = pod.metadata.namespace ?? 'default';
    try {
      const review = await this.#deps.client.request<{ status?: { token?: string } }>(
        'POST',
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(account)}/token`,
        {
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: {
              audiences: wanted.audience ? [wanted.audience] : [],
              expirationSeconds: wanted.expirationSeconds ?? 3607,
              boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid },
            },
          },
        },
      );
      const token = review.status?.token;
      if (token !== undefined) this.#tokens.set(uid, token);
      return token;
    } catch (error) {
      this.#deps.log('service account token not issued', {
        pod: keyOf(pod),
        serviceAccount: account,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  async #writeStatus(pod: ApiPod, runtimeStatus: V1PodStatus): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    // the cache may not have caught up with our last write yet: the conditions the kubelet owns are
    // taken from what it last wrote, so their lastTransitionTime never moves without a change
    const written = this.#writtenConditions.get(uid);
    const view: ApiPod = written
      ? {
          ...pod,
          status: {
            ...pod.status,
            conditions: [
              ...written,
              ...(pod.status?.conditions ?? []).filter((c) => !kubeletConditions.has(c.type)),
            ],
          },
        }
      : pod;
    const body = apiPodStatus(view, runtimeStatus, {
      now: this.#deps.clock.now(),
      hostIP: this.#deps.hostIP,
      podIP: pod.spec?.hostNetwork ? undefined : this.#deps.ips.held(uid),
    });
    const text = canonicalJson(body);
    if (this.#written.get(uid) === text) return;
    try {
      await this.#deps.client.patch(
        { apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name ?? '' },
        { status: body },
        'merge',
        { subresource: 'status' },
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    this.#written.set(uid, text);
    this.#writtenConditions.set(
      uid,
      ((body['conditions'] ?? []) as ApiPodCondition[]).filter((c) => kubeletConditions.has(c.type)),
    );
  }

  /** Pulled/Created/Started for each new container instance; Failed and BackOff warnings once each. */
  #recordContainerEvents(pod: ApiPod, status: V1PodStatus): void {
    const uid = pod.metadata.uid ?? '';
    let observed = this.#observed.get(uid);
    if (!observed) this.#observed.set(uid, (observed = { instances: new Map(), warned: new Set() }));
    const { events } = this.#deps;
    const specs = [
      ...(pod.spec?.initContainers ?? []).map((c) => ({ ...c, list: 'initContainers' })),
      ...(pod.spec?.containers ?? []).map((c) => ({ ...c, list: 'containers' })),
    ];
    for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
      const spec = specs.find((s) => s.name === c.name);
      const fieldPath = `spec.${spec?.list ?? 'containers'}{${c.name}}`;
      if (
        c.containerID &&
        observed.instances.get(c.name) !== c.containerID &&
        (c.state?.running || c.state?.terminated)
      ) {
        observed.instances.set(c.name, c.containerID);
        events.event(
          pod,
          'Normal',
          'Pulled',
          `Container image "${c.image}" already present on machine`,
          fieldPath,
        );
        events.event(pod, 'Normal', 'Created', `Created container ${c.name}`, fieldPath);
        events.event(pod, 'Normal', 'Started', `Started container ${c.name}`, fieldPath);
      }
      const waiting = c.state?.waiting;
      if (!waiting?.reason) continue;
      let warning: { reason: string; message: string } | undefined;
      if (waiting.reason === 'CreateContainerConfigError' || waiting.reason === 'CreateContainerError')
        warning = { reason: 'Failed', message: `Error: ${waiting.message ?? waiting.reason}` };
      else if (waiting.reason === 'CrashLoopBackOff')
        warning = {
          reason: 'BackOff',
          message: `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${uid})`,
        };
      if (!warning) continue;
      const seen = `${c.name}|${warning.reason}|${warning.message}|${c.restartCount}`;
      if (observed.warned.has(seen)) continue;
      observed.warned.add(seen);
      events.event(pod, 'Warning', warning.reason, warning.message, fieldPath);
    }
  }
}
