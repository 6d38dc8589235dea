/**
 * The JobRun reconcile loop, Prow's plank (and sinker's JobRun half). Level-based: every call reads
 * the run, its Pod and its sibling runs from the caches and moves the run one step:
 *
 *   triggered ─ superseded by a newer presubmit of the same job and PR ──────────▶ aborted
 *             ─ max_concurrency reached: stays triggered, woken when a run of the job ends
 *             ─ Pod created (build_id, pod_name, pendingTime) ──▶ pending
 *   pending   ─ superseded, or state set to aborted: Pod deleted ──────────────────▶ aborted
 *             ─ Pod Succeeded ▶ success; Failed ▶ failure (DeadlineExceeded: timed out)
 *             ─ Pod gone, Unknown, not started, or pending past pod_pending_timeout ▶ error
 *   finished  ─ older than maxAge (from completionTime), unless the latest of a periodic ▶ deleted
 *
 * The status is merge-patched in a `finally`, with kstatus conditions and an event per transition.
 */
import type { JobRun, JobRunStatus } from '../../api/crds/ci.ts';
import type { JobState } from '../../api/ci/types.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { Clock } from '../../base/clock.ts';
import { formatDuration, parseDuration } from '../../base/duration.ts';
import { parseTime, rfc3339 } from '../../base/time.ts';
import { isAlreadyExists, isNotFound, refOf, type KubeClient } from '../../runtime/client.ts';
import { markNotReady, markReady, markReconciling } from '../../runtime/conditions.ts';
import {
  requestKey,
  type Logger,
  type Reconciler,
  type Request,
  type Result,
} from '../../runtime/controller.ts';
import type { EventSink } from '../../runtime/events.ts';
import { keyOf, type Informer } from '../../runtime/informer.ts';
import { statusPatch } from '../../runtime/status.ts';
import {
  InvalidJobError,
  isDecorated,
  sidecarContainer,
  newBuildId,
  podForRun,
  podNamespace,
  runLabel,
  runNamespaceAnnotation,
  testContainer,
  timeouts,
  type Pod,
} from './pod.ts';

/** Informer index names. */
export const jobIndex = 'spec.job';
export const pullIndex = 'spec.refs.pull';
export const podRunIndex = 'jobrun';

/** Prow's sinker default: finished runs are kept a week. */
export const defaultMaxAgeMs = 168 * 3_600_000;
/** Prow's pod_pending_timeout, pod_unscheduled_timeout and pod_running_timeout defaults. */
export const defaultPendingTimeoutMs = 10 * 60_000;
export const defaultUnscheduledTimeoutMs = 5 * 60_000;
export const defaultRunningTimeoutMs = 48 * 3_600_000;

/** Condition and event reasons. */
export const Triggered = 'Triggered';
export const Waiting = 'MaxConcurrencyReached';
export const Running = 'Running';
export const Succeeded = 'Succeeded';
export const Failed = 'Failed';
export const TimedOut = 'TimedOut';
export const Errored = 'Error';
export const Aborted = 'Aborted';
export const Superseded = 'Superseded';
export const Started = 'Started';
export const Deleted = 'GarbageCollected';

/** Descriptions this controller writes before a run finishes. */
const transient = /^(waiting: |Job triggered\.$|Job running\.$)/;

const finishedStates = new Set<JobState>(['success', 'failure', 'aborted', 'error']);

export function isFinished(run: JobRun): boolean {
  return run.status?.state !== undefined && finishedStates.has(run.status.state);
}

export function stateOf(run: JobRun): JobState {
  return run.status?.state ?? 'triggered';
}

/** The key of a presubmit's job and PR (`job|org/repo#N`); undefined for other runs. */
export function pullKeys(run: JobRun): string[] {
  const refs = run.spec.refs;
  const pull = refs?.pulls?.[0];
  if (run.spec.type !== 'presubmit' || refs === undefined || pull === undefined) return [];
  return [`${run.spec.job}|${refs.org}/${refs.repo}#${pull.number}`];
}

/** The JobRun key (`namespace/name`) a run's Pod belongs to. */
export function runKeysOfPod(pod: KubeObject): string[] {
  const name = pod.metadata.labels?.[runLabel];
  if (name === undefined) return [];
  const namespace = pod.metadata.annotations?.[runNamespaceAnnotation] || pod.metadata.namespace || '';
  return [namespace ? `${namespace}/${name}` : name];
}

/**
 * Creation order: creationTimestamp, then (for runs created within the same second) the order the
 * watch delivered them in (`arrival`: resourceVersion order), then name. Negative when `a` came first.
 */
export function creationOrder(a: JobRun, b: JobRun, arrival?: Map<string, number>): number {
  const at = parseTime(a.metadata.creationTimestamp) ?? 0;
  const bt = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (at !== bt) return at - bt;
  const an = arrival?.get(a.metadata.uid ?? '');
  const bn = arrival?.get(b.metadata.uid ?? '');
  if (an !== undefined && bn !== undefined && an !== bn) return an - bn;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

interface PodStatus {
  phase?: string;
  /** Set when a node accepted the pod. */
  startTime?: string;
  reason?: string;
  message?: string;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
}
interface ContainerStatus {
  name: string;
  state?: {
    terminated?: { exitCode?: number; reason?: string; message?: string };
    waiting?: { reason?: string; message?: string };
  };
}
type LivePod = KubeObject & { status?: PodStatus };

export interface JobRunReconcilerDeps {
  client: KubeClient;
  runs: Informer<JobRun>;
  pods: Informer<LivePod>;
  clock: Pick<Clock, 'now'>;
  log: Logger;
  events?: EventSink | undefined;
  /** The RuntimeClass of pods whose spec names none; `process` runs them on the embedded node. */
  runtimeClassName?: string | undefined;
  /** Clone URLs are `<cloneBase>org/repo.git` when refs carry no clone_uri (e.g. the built-in forge). */
  cloneBase?: string | undefined;
  /** A Secret (keys `username`, `password`) in the pod namespace for HTTP clone auth. */
  cloneSecret?: string | undefined;
  /** Finished runs older than this (from completionTime) are deleted; default 168h. */
  maxAgeMs?: number | undefined;
  /** status.url of a run without artifact upload; default says how to read the log with kubectl. */
  url?: ((run: JobRun, pod: { namespace: string; name: string }) => string) | undefined;
  /**
   * Where a decorated run (its `status.build_id` set) uploads its logs and artifacts, and its page
   * (`status.url`); without it, logs stay on the Pod.
   */
  artifacts?: ((run: JobRun) => { url: string; uploadUrl: string; token: string }) | undefined;
}

/** Reconciles one JobRun; see the module doc. */
export class JobRunReconciler implements Reconciler {
  readonly #deps: JobRunReconcilerDeps;
  /** Runs this controller moved to pending that the cache may still show triggered, by job. */
  readonly #starting = new Map<string, Set<string>>();
  /** Start decisions per job are made one at a time (max_concurrency counts what others started). */
  readonly #locks = new Map<string, Promise<unknown>>();
  #sequence = 0;
  /** The order runs arrived in from the watch, by uid (finer than creationTimestamp's seconds). */
  readonly #arrival = new Map<string, number>();
  #arrived = 0;

  constructor(deps: JobRunReconcilerDeps) {
    this.#deps = deps;
  }

  /** Records that a run arrived from the watch (call from the informer's add handler). */
  arrived(run: JobRun): void {
    const uid = run.metadata.uid;
    if (uid !== undefined && !this.#arrival.has(uid)) this.#arrival.set(uid, this.#arrived++);
  }

  /** Forgets a deleted run. */
  departed(run: JobRun): void {
    this.#arrival.delete(run.metadata.uid ?? '');
  }

  #order = (a: JobRun, b: JobRun): number => creationOrder(a, b, this.#arrival);

  async reconcile(request: Request, signal: AbortSignal): Promise<Result> {
    const key = requestKey(request);
    const run = this.#deps.runs.get(key);
    if (run === undefined) {
      await this.#deleteOrphanPods(key);
      return {};
    }
    if (run.metadata.deletionTimestamp !== undefined) return {};
    const before: JobRunStatus = structuredClone(run.status ?? {});
    const status: JobRunStatus = structuredClone(before);
    try {
      return await this.#step(run, status, signal);
    } finally {
      await this.#patch(run, before, status);
    }
  }

  #now(): Date {
    return new Date(this.#deps.clock.now());
  }

  async #step(run: JobRun, status: JobRunStatus, signal: AbortSignal): Promise<Result> {
    status.startTime ??= rfc3339(this.#deps.clock.now());
    const state = stateOf(run);
    if (state === 'aborted') return this.#aborted(run, status);
    if (isFinished(run)) return this.#collect(run, status);
    const newer = this.#newerRun(run);
    if (newer !== undefined) {
      await this.#deletePod(run, status);
      this.#finish(run, status, 'aborted', Superseded, `superseded by ${newer.metadata.name ?? ''}`);
      return {};
    }
    if (state === 'triggered') return this.#start(run, status, signal);
    return this.#watchPod(run, status);
  }

  /** A newer presubmit of the same job and PR (Prow's TerminateOlderJobs). */
  #newerRun(run: JobRun): JobRun | undefined {
    const [pull] = pullKeys(run);
    if (pull === undefined) return undefined;
    return this.#deps.runs
      .byIndex(pullIndex, pull)
      .filter(
        (other) => other.metadata.uid !== run.metadata.uid && other.metadata.deletionTimestamp === undefined,
      )
      .filter((other) => this.#order(other, run) > 0)
      .sort(this.#order)
      .at(-1);
  }

  async #aborted(run: JobRun, status: JobRunStatus): Promise<Result> {
    const podCached =
      status.pod_name !== undefined && this.#deps.pods.get(`${podNamespace(run)}/${status.pod_name}`);
    if (status.completionTime === undefined || podCached) await this.#deletePod(run, status);
    if (status.completionTime === undefined) {
      // the aborter's description, unless it is one of ours from before the abort
      const own = status.description === undefined || transient.test(status.description);
      this.#finish(run, status, 'aborted', Aborted, own ? 'Job was aborted.' : (status.description ?? ''));
    }
    return this.#collect(run, status);
  }

  #finish(run: JobRun, status: JobRunStatus, state: JobState, reason: string, description: string): void {
    const changed = status.state !== state;
    status.state = state;
    status.description = description;
    status.completionTime ??= rfc3339(this.#deps.clock.now());
    const g = run.metadata.generation;
    if (state === 'success') markReady(status, reason, description, this.#now(), g);
    else
      markNotReady(status, reason, description, this.#now(), {
        ...(g !== undefined && { generation: g }),
        stalled: true,
      });
    if (changed || reason === Aborted)
      this.#deps.events?.event(
        run,
        state === 'success' || state === 'aborted' ? 'Normal' : 'Warning',
        reason,
        description,
      );
    this.#forgetStarting(run);
  }

  async #start(run: JobRun, status: JobRunStatus, signal: AbortSignal): Promise<Result> {
    status.state = 'triggered';
    const job = run.spec.job;
    // only a concurrency limit needs starts of one job in turn; without one they run side by side
    if ((run.spec.max_concurrency ?? 0) <= 0) return this.#createPod(run, status);
    const previous = this.#locks.get(job) ?? Promise.resolve();
    let release = (): void => {};
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = previous.then(() => mine);
    this.#locks.set(job, chained);
    await previous;
    try {
      if (signal.aborted) return {};
      const limit = run.spec.max_concurrency ?? 0;
      if (limit > 0) {
        const { running, ahead } = this.#concurrency(run);
        if (running + ahead >= limit) {
          const message = `waiting: ${running} of max_concurrency ${limit} runs of ${job} are pending`;
          status.description = message;
          markReconciling(status, Waiting, message, this.#now(), run.metadata.generation);
          return {};
        }
      }
      return await this.#createPod(run, status);
    } finally {
      release();
      if (this.#locks.get(job) === chained) this.#locks.delete(job);
    }
  }

  /** Pending runs of the job, and triggered ones created before `run` that have not started yet. */
  #concurrency(run: JobRun): { running: number; ahead: number } {
    const starting = this.#starting.get(run.spec.job) ?? new Set();
    let running = 0;
    let ahead = 0;
    for (const other of this.#deps.runs.byIndex(jobIndex, run.spec.job)) {
      if (other.metadata.uid === run.metadata.uid) continue;
      const state = stateOf(other);
      const key = keyOf(other);
      if (state === 'pending') {
        running++;
        starting.delete(key);
      } else if (state === 'triggered') {
        if (starting.has(key)) running++;
        else if (other.metadata.deletionTimestamp === undefined && this.#order(other, run) < 0) ahead++;
      } else starting.delete(key);
    }
    return { running, ahead };
  }

  #forgetStarting(run: JobRun): void {
    this.#starting.get(run.spec.job)?.delete(keyOf(run));
  }

  async #createPod(run: JobRun, status: JobRunStatus): Promise<Result> {
    const namespace = podNamespace(run);
    const name = run.metadata.name ?? '';
    status.build_id ??= newBuildId(this.#deps.clock.now(), this.#sequence++);
    const sameNamespace = namespace === run.metadata.namespace;
    let pod: Pod;
    const artifacts = isDecorated(run) ? this.#deps.artifacts?.({ ...run, status }) : undefined;
    try {
      pod = podForRun(
        { ...run, status },
        {
          artifacts,
          runtimeClassName: this.#deps.runtimeClassName,
          cloneBase: this.#deps.cloneBase,
          cloneSecret: this.#deps.cloneSecret,
          ownerReference: sameNamespace
            ? {
                apiVersion: run.apiVersion,
                kind: run.kind,
                name,
                uid: run.metadata.uid ?? '',
                controller: true,
                blockOwnerDeletion: true,
              }
            : undefined,
        },
      );
    } catch (error) {
      if (!(error instanceof InvalidJobError)) throw error;
      this.#finish(run, status, 'error', Errored, error.message);
      return {};
    }
    try {
      await this.#deps.client.create(pod);
    } catch (error) {
      if (isAlreadyExists(error)) {
        // created by an earlier reconcile whose status patch was lost: adopt it if it is ours
        const live = await this.#deps.client.tryGet<LivePod>({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace,
          name,
        });
        if (live?.metadata.labels?.[runLabel] !== name) {
          this.#finish(
            run,
            status,
            'error',
            Errored,
            `pod ${namespace}/${name} exists and is not this run's`,
          );
          return {};
        }
        const buildId = live.metadata.labels?.['prow.k8s.io/build-id'];
        if (buildId) status.build_id = buildId;
      } else if (isClientError(error)) {
        this.#finish(run, status, 'error', Errored, `pod not created: ${(error as Error).message}`);
        return {};
      } else throw error;
    }
    let starting = this.#starting.get(run.spec.job);
    if (starting === undefined) this.#starting.set(run.spec.job, (starting = new Set()));
    starting.add(keyOf(run));
    status.state = 'pending';
    status.pod_name = name;
    status.pendingTime ??= rfc3339(this.#deps.clock.now());
    // recomputed: an adopted pod carries the build id of the reconcile that created it
    status.url =
      (artifacts === undefined ? undefined : this.#deps.artifacts?.({ ...run, status })?.url) ??
      this.#deps.url?.(run, { namespace, name }) ??
      `kubectl logs -n ${namespace} ${name} -c ${testContainer}`;
    status.description = 'Job triggered.';
    markReconciling(
      status,
      Running,
      `pod ${namespace}/${name} created`,
      this.#now(),
      run.metadata.generation,
    );
    this.#deps.events?.event(
      run,
      'Normal',
      Started,
      `created pod ${namespace}/${name} (build ${status.build_id})`,
    );
    return this.#pendingRequeue(run, status);
  }

  /** The pod timeouts of a run (`decoration_config`, else Prow's defaults). */
  #podTimeouts(run: JobRun): { pending: number; unscheduled: number; running: number } {
    const config = run.spec.decoration_config ?? {};
    return {
      pending: parseDuration(config.pod_pending_timeout) ?? defaultPendingTimeoutMs,
      unscheduled: parseDuration(config.pod_unscheduled_timeout) ?? defaultUnscheduledTimeoutMs,
      running: parseDuration(config.pod_running_timeout) ?? defaultRunningTimeoutMs,
    };
  }

  /** Requeue when the first of the pod's applicable timeouts would pass (at most a day ahead). */
  #requeueBy(...deadlines: number[]): Result {
    const left = Math.min(...deadlines) - this.#deps.clock.now();
    return { requeueAfter: Math.min(24 * 3_600_000, Math.max(1000, left)) };
  }

  #pendingRequeue(run: JobRun, status: JobRunStatus): Result {
    const since = parseTime(status.pendingTime) ?? this.#deps.clock.now();
    const limits = this.#podTimeouts(run);
    return this.#requeueBy(since + Math.min(limits.pending, limits.unscheduled));
  }

  async #pod(run: JobRun, status: JobRunStatus): Promise<LivePod | undefined> {
    const namespace = podNamespace(run);
    const name = status.pod_name ?? run.metadata.name ?? '';
    const cached = this.#deps.pods.get(`${namespace}/${name}`);
    if (cached !== undefined) return cached;
    return this.#deps.client.tryGet<LivePod>({ apiVersion: 'v1', kind: 'Pod', namespace, name });
  }

  async #watchPod(run: JobRun, status: JobRunStatus): Promise<Result> {
    const pod = await this.#pod(run, status);
    if (pod === undefined || pod.metadata.deletionTimestamp !== undefined) {
      this.#finish(run, status, 'error', Errored, 'Pod got deleted unexpectedly.');
      return {};
    }
    const podStatus = pod.status ?? {};
    const test = podStatus.containerStatuses?.find((c) => c.name === containerName(pod));
    const terminated = test?.state?.terminated;
    switch (podStatus.phase ?? 'Pending') {
      case 'Succeeded':
        this.#finish(run, status, 'success', Succeeded, 'Job succeeded.');
        return {};
      case 'Failed': {
        if (podStatus.reason === 'DeadlineExceeded') {
          const { timeoutMs } = timeouts(run);
          this.#finish(run, status, 'failure', TimedOut, `Job timed out after ${formatDuration(timeoutMs)}.`);
        } else if (terminated?.reason === 'StartError') {
          this.#finish(
            run,
            status,
            'error',
            Errored,
            `Job could not start: ${terminated.message ?? 'StartError'}`,
          );
        } else if (podStatus.reason === 'Evicted' || podStatus.reason === 'NodeRestart') {
          this.#finish(
            run,
            status,
            'error',
            Errored,
            `Pod failed: ${podStatus.reason}: ${podStatus.message ?? ''}`.trim(),
          );
        } else if (terminated?.exitCode === 0) {
          const sidecar = podStatus.containerStatuses?.find((c) => c.name === sidecarContainer);
          const code = sidecar?.state?.terminated?.exitCode ?? 'unknown';
          this.#finish(
            run,
            status,
            'error',
            Errored,
            `Job succeeded but its logs and artifacts were not uploaded (${sidecarContainer} exited with ${code}${code === 127 ? ': sh, tar or curl not found' : ''}).`,
          );
        } else {
          const clone = podStatus.initContainerStatuses?.find((c) => c.state?.terminated?.exitCode);
          const why = clone
            ? `init container ${clone.name} exited with ${clone.state?.terminated?.exitCode}`
            : `exit code ${terminated?.exitCode ?? 'unknown'}`;
          this.#finish(run, status, 'failure', Failed, `Job failed (${why}).`);
        }
        return {};
      }
      case 'Unknown':
        this.#finish(run, status, 'error', Errored, 'Pod is in an unknown state.');
        return {};
      case 'Running': {
        // Prow's plank: a pod running past pod_running_timeout is stopped and the run aborted
        const started = parseTime(podStatus.startTime);
        const limit = this.#podTimeouts(run).running;
        if (started !== undefined && this.#deps.clock.now() - started >= limit) {
          await this.#deletePod(run, status);
          this.#finish(run, status, 'aborted', TimedOut, 'Pod running timeout.');
          return {};
        }
        status.description = 'Job running.';
        markReconciling(
          status,
          Running,
          `pod ${podNamespace(run)}/${pod.metadata.name ?? ''} running`,
          this.#now(),
          run.metadata.generation,
        );
        return started === undefined ? {} : this.#requeueBy(started + limit);
      }
      default: {
        // Prow's plank: not yet on a node past pod_unscheduled_timeout (from creation), or on a
        // node but not running past pod_pending_timeout (from the node's start): error
        const limits = this.#podTimeouts(run);
        const now = this.#deps.clock.now();
        const created = parseTime(status.pendingTime) ?? now;
        const started = parseTime(podStatus.startTime);
        const timedOut =
          started === undefined
            ? now - created >= limits.unscheduled && 'Pod scheduling timeout.'
            : now - started >= limits.pending && 'Pod pending timeout.';
        if (timedOut) {
          await this.#deletePod(run, status);
          this.#finish(run, status, 'error', Errored, timedOut);
          return {};
        }
        return this.#requeueBy(
          started === undefined ? created + limits.unscheduled : started + limits.pending,
        );
      }
    }
  }

  async #deletePod(run: JobRun, status: JobRunStatus): Promise<void> {
    const name = status.pod_name;
    if (name === undefined) return;
    const namespace = podNamespace(run);
    const cached = this.#deps.pods.get(`${namespace}/${name}`);
    const phase = cached?.status?.phase;
    if (
      cached !== undefined &&
      (cached.metadata.deletionTimestamp !== undefined || phase === 'Succeeded' || phase === 'Failed')
    )
      return;
    await this.#deps.client.deleteIfExists({ apiVersion: 'v1', kind: 'Pod', namespace, name });
  }

  /** Pods of a run that is gone (a pod in another namespace has no owner reference to collect it). */
  async #deleteOrphanPods(runKey: string): Promise<void> {
    for (const pod of this.#deps.pods.byIndex(podRunIndex, runKey)) {
      if (pod.metadata.deletionTimestamp !== undefined) continue;
      await this.#deps.client.deleteIfExists(refOf({ ...pod, apiVersion: 'v1', kind: 'Pod' }));
    }
  }

  /** Sinker: a finished run older than maxAge goes, unless it is the latest run of a periodic. */
  async #collect(run: JobRun, status: JobRunStatus): Promise<Result> {
    const maxAge = this.#deps.maxAgeMs ?? defaultMaxAgeMs;
    const completed = parseTime(status.completionTime) ?? this.#deps.clock.now();
    const left = completed + maxAge - this.#deps.clock.now();
    if (left > 0) return { requeueAfter: Math.min(left, 24 * 3_600_000) };
    if (run.spec.type === 'periodic' && this.#latestPeriodic(run))
      return { requeueAfter: Math.min(maxAge, 24 * 3_600_000) };
    this.#deps.log('deleting finished jobrun', { jobrun: keyOf(run), completed: status.completionTime });
    this.#deps.events?.event(
      run,
      'Normal',
      Deleted,
      `deleting: finished ${status.completionTime ?? ''}, older than ${formatDuration(maxAge)}`,
    );
    await this.#deps.client.deleteIfExists(refOf(run), { propagationPolicy: 'Background' });
    return {};
  }

  #latestPeriodic(run: JobRun): boolean {
    const periodics = this.#deps.runs
      .byIndex(jobIndex, run.spec.job)
      .filter((other) => other.spec.type === 'periodic' && other.metadata.deletionTimestamp === undefined);
    const started = (r: JobRun): number =>
      parseTime(r.status?.startTime) ?? parseTime(r.metadata.creationTimestamp) ?? 0;
    const latest = periodics.sort((a, b) => started(a) - started(b) || this.#order(a, b)).at(-1);
    return latest === undefined || latest.metadata.uid === run.metadata.uid;
  }

  async #patch(run: JobRun, before: JobRunStatus, status: JobRunStatus): Promise<void> {
    const patch = statusPatch(before, status);
    if (patch === undefined) return;
    try {
      // the resourceVersion makes a state another writer set meanwhile (an abort) a conflict, retried
      await this.#deps.client.patch(
        refOf(run),
        { metadata: { resourceVersion: run.metadata.resourceVersion }, status: patch },
        'merge',
        { subresource: 'status' },
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }
}

/** The test container's name: the first regular container of the pod. */
function containerName(pod: LivePod): string {
  const spec = pod['spec'] as { containers?: { name?: string }[] } | undefined;
  return spec?.containers?.[0]?.name ?? testContainer;
}

function isClientError(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 409 && status !== 429;
}
