/**
 * The contract between the embedded node's kubelet and the runtimes that run its pods. The kubelet
 * decides which pods run here and talks to the API; a runtime runs containers and reports what
 * happened to them as a pod status, exactly as kubelet fills it. A runtime never talks to the API:
 * the kubelet hands it the ConfigMaps and Secrets a pod references, and writes the status back.
 */
import type { Writable } from 'node:stream';
import type { V1ConfigMap, V1Pod, V1PodStatus, V1Secret } from '@kubernetes/client-node';
import type { Clock } from '../../base/clock.ts';
import type { Logger } from '../../runtime/controller.ts';

/** What the kubelet resolved for a pod before starting it; names are in the pod's namespace. */
export interface PodInputs {
  /** ConfigMaps the pod references (env, envFrom, volumes), by name, as the API returns them. */
  configMaps?: Record<string, V1ConfigMap>;
  /** Secrets the pod references, by name, as the API returns them (`data` base64-encoded). */
  secrets?: Record<string, V1Secret>;
  /**
   * Variables the kubelet adds before the container's own (service links, `KUBERNETES_SERVICE_*`):
   * `envFrom` and `env` override them, and `$(VAR)` references can name them.
   */
  environment?: Record<string, string>;
  /** The pod IP the kubelet allocated. The process runtime ignores it: processes share 127.0.0.1. */
  podIP?: string;
  /** The projected service account token, for `serviceAccountToken` sources of projected volumes. */
  serviceAccountToken?: string;
}

/** `kubectl logs` options, as PodLogOptions names them. */
export interface LogOptions {
  /** Stream until the container instance exits or the signal aborts. */
  follow?: boolean;
  /** The previous instance (lastState.terminated) rather than the current one. */
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
  /** Prefix every line with its RFC 3339 time (nanosecond layout, as kubelet prints it). */
  timestamps?: boolean;
  limitBytes?: number;
}

/** A pod runtime's view of the pod phase: kubelet's getPhase. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** CrashLoopBackOff: the first restart is immediate, then `initialMs` doubling up to `maxMs`. */
export interface CrashLoopBackoff {
  /** kubelet: 10 s. */
  initialMs?: number;
  /** kubelet: 5 min. */
  maxMs?: number;
}

/** What every runtime is built from; no runtime reads a clock, a timer or a logger of its own. */
export interface PodRuntimeDeps {
  clock: Clock;
  log: Logger;
  backoff?: CrashLoopBackoff;
}

/**
 * Runs pods. Every method is keyed by pod uid; every pod a runtime has seen stays known (its
 * status, its logs) until `remove`. A pod runs at most once: after it has terminated, been stopped or
 * been lost to a restart of the node, `start` does not run it again.
 */
export interface PodRuntime {
  /** The runtime class this runtime serves (`simulated`, `process`). */
  readonly runtimeClass: string;

  /**
   * Starts the pod's containers (init containers first). Idempotent by uid: for a known pod it only
   * refreshes the inputs, so a container waiting on a missing ConfigMap or Secret
   * (CreateContainerConfigError, or ContainerCreating for a volume) tries again, and configMap and
   * secret volumes get the new contents. The kubelet calls it again when a referenced object changes.
   */
  start(pod: V1Pod, inputs: PodInputs): void;

  /**
   * The fields of pod.status the node owns, as kubelet fills them: phase, conditions
   * (PodReadyToStartContainers, Initialized, Ready, ContainersReady), containerStatuses,
   * initContainerStatuses, startTime, reason/message, podIP. The kubelet adds the rest (hostIP,
   * qosClass, PodScheduled, readiness gates). Undefined for a pod the runtime does not know.
   */
  status(uid: string): V1PodStatus | undefined;

  /**
   * Calls `listener` with a pod's uid whenever its status changes (coalesced within a tick).
   * Returns the function that unsubscribes.
   */
  onChange(listener: (uid: string) => void): () => void;

  /**
   * Writes a container's log to `out`. Throws NotFoundError for an unknown pod, and BadRequestError
   * (as kubelet does, HTTP 400) for an unknown container, a container still waiting to start, or
   * `previous` when there is no previous instance.
   */
  logs(
    uid: string,
    container: string,
    options: LogOptions,
    out: Writable,
    signal: AbortSignal,
  ): Promise<void>;

  /**
   * Stops the pod: SIGTERM now, SIGKILL after the grace period (default: the pod's
   * terminationGracePeriodSeconds, else 30 s); no container restarts afterwards. Resolves when
   * every process is dead. Resolves at once for an unknown or already stopped pod.
   */
  stop(uid: string, gracePeriodSeconds?: number): Promise<void>;

  /** Forgets the pod and deletes what the runtime kept for it (logs, volumes); kills it first if needed. */
  remove(uid: string): Promise<void>;

  /** Every pod the runtime knows, including pods recovered from a previous life of the server. */
  uids(): string[];

  /** The URL serving the pod's metrics, when the runtime serves them (simulated `metrics` annotation). */
  metricsUrl(uid: string): string | undefined;

  /** Stops every pod (each with its own grace period unless one is given); then refuses new pods. */
  close(gracePeriodSeconds?: number): Promise<void>;

  /**
   * Kills everything at once, synchronously and without grace: for a process `exit` handler, where
   * nothing asynchronous runs any more.
   */
  closeNow(): void;
}

/** The runtime class a pod asks for: `process` when `spec.runtimeClassName` says so, else `simulated`. */
export function runtimeClassOf(pod: V1Pod): 'process' | 'simulated' {
  return pod.spec?.runtimeClassName === 'process' ? 'process' : 'simulated';
}
