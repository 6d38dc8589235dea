/**
 * The Job controller, after kube-controller-manager's job_controller.go (Kubernetes 1.32 with its
 * default feature gates): pods are created with the `batch.kubernetes.io/job-tracking` finalizer,
 * a finished pod's uid goes to `.status.uncountedTerminatedPods` first, then its finalizer is
 * removed, then it is counted, so a pod deleted before it was counted is still counted. A failure
 * (backoffLimit, activeDeadlineSeconds, podFailurePolicy) first sets FailureTarget, a success first
 * sets SuccessCriteriaMet; Failed / Complete follow once no pod is left running or uncounted.
 * Status is written with the resourceVersion it was read at, so a stale cache never counts twice.
 */
import type { KubeObject } from '../../../api/meta.ts';
import { parseTime, rfc3339 } from '../../../base/time.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import { isConflict, isNotFound } from '../../../runtime/client.ts';
import type { Logger, Reconciler, Request, Result } from '../../../runtime/controller.ts';
import { controllerOf, requestKey } from '../../../runtime/controller.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { keyOf } from '../../../runtime/informer.ts';
import type { EventSink } from '../../../runtime/events.ts';
import type { NodeClock, ReconcilerDeps } from '../../context.ts';
import type { Expectations } from '../expectations.ts';
import { isPodActive, isPodReady, podFromTemplate, podRef, type Pod, type PodTemplate } from '../pods.ts';
import {
  completionIndexAnnotation,
  completionIndexEnv,
  completionIndexOf,
  firstPendingIndexes,
  formatIndexes,
  generateNameWithIndex,
  parseIndexes,
} from './indexed.ts';

export const trackingFinalizer = 'batch.kubernetes.io/job-tracking';
export const jobNameLabel = 'batch.kubernetes.io/job-name';
export const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
const jobControllerName = 'kubernetes.io/job-controller';
const maxUncountedPods = 500;
const maxPodCreateDeletePerSync = 500;

export interface JobCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface PodFailurePolicyRule {
  action: 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

export interface Job extends KubeObject {
  spec: {
    parallelism?: number;
    completions?: number | null;
    completionMode?: string;
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    selector?: { matchLabels?: Record<string, string> };
    manualSelector?: boolean;
    suspend?: boolean;
    template: PodTemplate;
    podFailurePolicy?: { rules: PodFailurePolicyRule[] };
    podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed';
    managedBy?: string;
  };
  status?: JobStatus;
}

export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  terminating?: number;
  completedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { terminated?: { exitCode?: number; finishedAt?: string } };
}

/** Complete or Failed when the Job has that condition True (kube's IsJobFinished). */
export function finishedType(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? [])
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  return undefined;
}

function findCondition(status: JobStatus, type: string): JobCondition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

function newCondition(
  type: string,
  status: JobCondition['status'],
  reason: string,
  message: string,
  now: number,
): JobCondition {
  const t = rfc3339(now);
  return { type, status, reason, message, lastProbeTime: t, lastTransitionTime: t };
}

/** kube's ensureJobConditionStatus; true when the list changed. */
function ensureCondition(
  status: JobStatus,
  type: string,
  value: JobCondition['status'],
  reason: string,
  message: string,
  now: number,
): boolean {
  const conditions = (status.conditions ??= []);
  const i = conditions.findIndex((c) => c.type === type);
  const existing = conditions[i];
  if (existing) {
    if (existing.status === value && existing.reason === reason && existing.message === message) return false;
    conditions[i] = newCondition(type, value, reason, message, now);
    return true;
  }
  if (value === 'False') return false;
  conditions.push(newCondition(type, value, reason, message, now));
  return true;
}

function hasFinalizer(pod: Pod): boolean {
  return pod.metadata.finalizers?.includes(trackingFinalizer) ?? false;
}

function isIndexed(job: Job): boolean {
  return job.spec.completionMode === 'Indexed';
}

function isSuspended(job: Job): boolean {
  return job.spec.suspend === true;
}

/** podReplacementPolicy Failed (or any podFailurePolicy): only Failed pods are replaced. */
function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || job.spec.podFailurePolicy !== undefined;
}

/** kube's isPodFailed: Failed, or (unless only failed pods are replaced) deleted before succeeding. */
function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return pod.metadata.deletionTimestamp !== undefined && pod.status?.phase !== 'Succeeded';
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && !isTerminal(pod);
}

function containerStatuses(pod: Pod): ContainerStatus[] {
  return [
    ...((pod.status?.containerStatuses ?? []) as ContainerStatus[]),
    ...((pod.status?.['initContainerStatuses'] as ContainerStatus[] | undefined) ?? []),
  ];
}

/** kube's getFinishedTime: the last container's finish, else the pod's readiness loss, deletion or creation. */
function finishedTime(pod: Pod): number {
  let latest: number | undefined;
  for (const cs of containerStatuses(pod)) {
    const t = parseTime(cs.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return latest;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False');
  return (
    parseTime(ready?.lastTransitionTime) ??
    parseTime(pod.metadata.deletionTimestamp) ??
    parseTime(pod.metadata.creationTimestamp) ??
    0
  );
}

/**
 * kube's matchPodFailurePolicy for a failed pod: the FailJob message if a FailJob rule matches,
 * whether the failure counts towards backoffLimit (Ignore: no), and the matched action.
 */
export function matchPodFailurePolicy(
  job: Job,
  pod: Pod,
): { failJobMessage?: string; countFailed: boolean; action?: PodFailurePolicyRule['action'] } {
  const rules = job.spec.podFailurePolicy?.rules;
  if (!rules) return { countFailed: true };
  for (const [index, rule] of rules.entries()) {
    let matched: string | undefined;
    if (rule.onExitCodes) {
      const requirement = rule.onExitCodes;
      const container = containerStatuses(pod).find((cs) => {
        const code = cs.state?.terminated?.exitCode;
        if (code === undefined || code === 0) return false;
        if (requirement.containerName !== undefined && requirement.containerName !== cs.name) return false;
        const listed = requirement.values.includes(code);
        return requirement.operator === 'In' ? listed : !listed;
      });
      if (container)
        matched = `Container ${container.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${container.state?.terminated?.exitCode} matching ${rule.action} rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const condition = pod.status?.conditions?.find((c) =>
        rule.onPodConditions!.some((p) => p.type === c.type && (p.status ?? 'True') === c.status),
      );
      if (condition)
        matched = `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${condition.type} matching ${rule.action} rule at index ${index}`;
    }
    if (matched === undefined) continue;
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: 'Ignore' };
      case 'FailJob':
        return { failJobMessage: matched, countFailed: true, action: 'FailJob' };
      case 'FailIndex':
      case 'Count':
        return { countFailed: true, action: rule.action };
    }
  }
  return { countFailed: true };
}

/** controller.ActivePods ordering: the pod to delete first sorts first. */
function deletionOrder(a: Pod, b: Pod): number {
  const assigned = (p: Pod) => (p.spec?.nodeName ? 1 : 0);
  const phaseRank = (p: Pod) => ({ Pending: 0, Unknown: 1, Running: 2 })[p.status?.phase as string] ?? 0;
  const ready = (p: Pod) => (isPodReady(p) ? 1 : 0);
  const restarts = (p: Pod) => containerStatuses(p).reduce((n, cs) => n + (cs.restartCount ?? 0), 0);
  const created = (p: Pod) => parseTime(p.metadata.creationTimestamp) ?? 0;
  return (
    assigned(a) - assigned(b) ||
    phaseRank(a) - phaseRank(b) ||
    ready(a) - ready(b) ||
    restarts(b) - restarts(a) ||
    created(b) - created(a)
  );
}

/** kube's activePodsForRemoval: duplicate or out-of-range indexes first, then the least advanced pods. */
function activePodsForRemoval(job: Job, pods: Pod[], atLeast: number): Pod[] {
  const remove: Pod[] = [];
  let left = pods;
  if (isIndexed(job)) {
    const completions = job.spec.completions ?? 0;
    const byIndex = new Map<number, Pod[]>();
    left = [];
    for (const pod of pods) {
      const index = completionIndexOf(pod);
      if (index < 0 || index >= completions) {
        remove.push(pod);
        continue;
      }
      byIndex.set(index, [...(byIndex.get(index) ?? []), pod]);
    }
    for (const same of byIndex.values()) {
      same.sort(deletionOrder);
      remove.push(...same.slice(0, -1));
      left.push(same.at(-1)!);
    }
  }
  if (remove.length < atLeast)
    remove.push(...[...left].sort(deletionOrder).slice(0, atLeast - remove.length));
  return remove;
}

interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** kube's newBackoffRecord: failures since the last success, and when the last one happened. */
function nextBackoffRecord(previous: BackoffRecord, succeeded: Pod[], failed: Pod[]): BackoffRecord {
  const failedTimes = failed.map(finishedTime).sort((a, b) => a - b);
  if (succeeded.length === 0) {
    if (failedTimes.length === 0) return previous;
    return {
      failuresAfterLastSuccess: previous.failuresAfterLastSuccess + failedTimes.length,
      lastFailureTime: failedTimes.at(-1)!,
    };
  }
  const lastSuccess = Math.max(...succeeded.map(finishedTime));
  const after = failedTimes.filter((t) => t > lastSuccess);
  return after.length === 0
    ? { failuresAfterLastSuccess: 0 }
    : { failuresAfterLastSuccess: after.length, lastFailureTime: after.at(-1)! };
}

/** The wait before the next pod may be created: base doubling per failure, capped at max. */
export function backoffRemaining(record: BackoffRecord, now: number, base: number, max: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
  let delay = base;
  for (let i = 1; i < record.failuresAfterLastSuccess; i++) {
    delay *= 2;
    if (delay >= max) {
      delay = max;
      break;
    }
  }
  const elapsed = now - record.lastFailureTime;
  return delay < elapsed ? 0 : delay - elapsed;
}

export interface JobReconcilerDeps extends ReconcilerDeps {
  jobs: Informer<Job>;
  pods: Informer<Pod>;
  expectations: Expectations;
  /** First pod-failure backoff (ms); kube: 10 s. Doubles per failure. */
  backoffBase?: number;
  /** Backoff ceiling (ms): 6 minutes, as the Job documentation states. */
  backoffMax?: number;
}

interface SyncContext {
  key: string;
  job: Job;
  pods: Pod[];
  activePods: Pod[];
  ready: number;
  terminating: number;
  uncounted: { succeeded: Set<string>; failed: Set<string> };
  expectedRmFinalizers: Set<string>;
  finishedCondition: JobCondition | undefined;
  prevSucceededIndexes: Set<number>;
  succeededIndexes: Set<number>;
  succeeded: number;
  backoff: BackoffRecord;
  requeueAfter: number | undefined;
}

export class JobReconciler implements Reconciler {
  readonly #client: KubeClient;
  readonly #clock: NodeClock;
  readonly #log: Logger;
  readonly #events: EventSink;
  readonly #jobs: Informer<Job>;
  readonly #pods: Informer<Pod>;
  readonly #expectations: Expectations;
  readonly #backoffBase: number;
  readonly #backoffMax: number;
  /** Job key → uids of pods whose finalizer removal was sent but not yet seen. */
  readonly #finalizerRemovals = new Map<string, Set<string>>();
  readonly #backoffs = new Map<string, BackoffRecord>();

  constructor(deps: JobReconcilerDeps) {
    this.#client = deps.client;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#events = deps.events;
    this.#jobs = deps.jobs;
    this.#pods = deps.pods;
    this.#expectations = deps.expectations;
    this.#backoffBase = deps.backoffBase ?? 10_000;
    this.#backoffMax = deps.backoffMax ?? 6 * 60_000;
  }

  /** Called for every pod event: settles expectations of the pod's Job. */
  observePod(pod: Pod, deleted: boolean): void {
    const owner = controllerOf(pod);
    if (owner?.kind !== 'Job') return;
    const key = `${pod.metadata.namespace ?? ''}/${owner.name}`;
    if (deleted || pod.metadata.deletionTimestamp !== undefined)
      this.#expectations.deletionObserved(key, keyOf(pod));
    if (deleted || !hasFinalizer(pod)) this.#finalizerRemovals.get(key)?.delete(pod.metadata.uid ?? '');
  }

  /** Called for pod adds: a pod this controller expected to create has appeared. */
  observePodCreated(pod: Pod): void {
    const owner = controllerOf(pod);
    if (owner?.kind === 'Job')
      this.#expectations.creationObserved(`${pod.metadata.namespace ?? ''}/${owner.name}`);
  }

  async reconcile(request: Request): Promise<Result> {
    const key = requestKey(request);
    const cached = this.#jobs.get(key);
    if (!cached) {
      this.#expectations.forget(key);
      this.#finalizerRemovals.delete(key);
      this.#backoffs.delete(key);
      await this.#releaseOrphans(request.namespace ?? 'default', request.name);
      return {};
    }
    if (cached.spec.managedBy !== undefined && cached.spec.managedBy !== jobControllerName) return {};
    if (finishedType(cached)) {
      this.#backoffs.delete(key);
      await this.#releaseOrphans(request.namespace ?? 'default', request.name);
      return this.#ttlAfterFinished(cached);
    }
    const mode = cached.spec.completionMode ?? 'NonIndexed';
    if (mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.#events.event(
        cached,
        'Warning',
        'UnknownCompletionMode',
        'Skipped Job sync because completion mode is unknown',
      );
      return {};
    }
    const ctx = this.#context(key, structuredClone(cached));
    try {
      await this.#sync(ctx);
    } catch (error) {
      // The cache was behind a newer Job; its watch event is on the way and wakes this key again.
      if (isConflict(error)) return {};
      throw error;
    }
    if (finishedType(ctx.job)) {
      const ttl = await this.#ttlAfterFinished(ctx.job);
      if (ttl.requeueAfter !== undefined)
        ctx.requeueAfter = Math.min(ctx.requeueAfter ?? Infinity, ttl.requeueAfter);
    }
    return ctx.requeueAfter === undefined ? {} : { requeueAfter: Math.max(0, ctx.requeueAfter) };
  }

  #context(key: string, job: Job): SyncContext {
    const status = (job.status ??= {});
    const uncounted = (status.uncountedTerminatedPods ??= {});
    const pods = this.#pods
      .byIndex('controller-uid', job.metadata.uid ?? '')
      .filter((p) => p.metadata.namespace === job.metadata.namespace);
    const activePods = pods.filter(isPodActive);
    const completions = job.spec.completions ?? 0;
    const prevSucceededIndexes = isIndexed(job)
      ? parseIndexes(status.completedIndexes, completions)
      : new Set<number>();
    return {
      key,
      job,
      pods,
      activePods,
      ready: activePods.filter(isPodReady).length,
      terminating: pods.filter(isTerminating).length,
      uncounted: { succeeded: new Set(uncounted.succeeded ?? []), failed: new Set(uncounted.failed ?? []) },
      expectedRmFinalizers: new Set(this.#finalizerRemovals.get(key) ?? []),
      finishedCondition: undefined,
      prevSucceededIndexes,
      succeededIndexes: prevSucceededIndexes,
      succeeded: 0,
      backoff: this.#backoffs.get(key) ?? { failuresAfterLastSuccess: 0 },
      requeueAfter: undefined,
    };
  }

  /** kube's syncJob. */
  async #sync(ctx: SyncContext): Promise<void> {
    const { job } = ctx;
    const status = job.status!;
    const now = this.#clock.now();
    const satisfied = this.#expectations.satisfied(ctx.key);
    let active = ctx.activePods.length;
    const { succeeded: newSucceeded, failed: newFailed } = this.#newFinishedPods(ctx);
    ctx.succeeded = (status.succeeded ?? 0) + newSucceeded.length + ctx.uncounted.succeeded.size;
    const failed =
      (status.failed ?? 0) +
      newFailed.filter((p) => matchPodFailurePolicy(job, p).countFailed).length +
      ctx.uncounted.failed.size;

    let startTimeSet = false;
    if (status.startTime === undefined && !isSuspended(job)) {
      status.startTime = rfc3339(now);
      startTimeSet = true;
    }
    ctx.backoff = nextBackoffRecord(ctx.backoff, newSucceeded, newFailed);

    const backoffLimit = job.spec.backoffLimit ?? 6;
    const successMet = findCondition(status, 'SuccessCriteriaMet');
    if (successMet?.status === 'True') ctx.finishedCondition = successMet;
    if (!ctx.finishedCondition) {
      const target = findCondition(status, 'FailureTarget');
      if (target?.status === 'True') {
        ctx.finishedCondition = newCondition(
          'Failed',
          'True',
          target.reason ?? '',
          target.message ?? '',
          now,
        );
      } else {
        const message = this.#failJobMessage(job, ctx.pods);
        if (message !== undefined)
          ctx.finishedCondition = newCondition('FailureTarget', 'True', 'PodFailurePolicy', message, now);
      }
    }
    if (!ctx.finishedCondition) {
      if (failed > backoffLimit || this.#pastBackoffLimitOnFailure(job, ctx.pods)) {
        ctx.finishedCondition = newCondition(
          'FailureTarget',
          'True',
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
          now,
        );
      } else if (this.#pastActiveDeadline(job, now)) {
        ctx.finishedCondition = newCondition(
          'FailureTarget',
          'True',
          'DeadlineExceeded',
          'Job was active longer than specified deadline',
          now,
        );
      } else if (job.spec.activeDeadlineSeconds !== undefined && !isSuspended(job)) {
        const started = parseTime(status.startTime) ?? now;
        this.#requeue(ctx, job.spec.activeDeadlineSeconds * 1000 - (now - started));
      }
    }
    if (isIndexed(job)) {
      const completions = job.spec.completions ?? 0;
      ctx.succeededIndexes = new Set(ctx.prevSucceededIndexes);
      for (const pod of ctx.pods) {
        const index = completionIndexOf(pod);
        if (pod.status?.phase === 'Succeeded' && index >= 0 && index < completions && hasFinalizer(pod))
          ctx.succeededIndexes.add(index);
      }
      ctx.succeeded = ctx.succeededIndexes.size;
    }

    let suspendChanged = false;
    if (ctx.finishedCondition) {
      const { deleted, deletedReady } = await this.#deleteActivePods(job, ctx.activePods);
      if (deleted !== active || !satisfied) ctx.finishedCondition = undefined;
      active -= deleted;
      ctx.terminating += deleted;
      ctx.ready -= deletedReady;
    } else {
      let manageCalled = false;
      if (satisfied && job.metadata.deletionTimestamp === undefined) {
        active = await this.#manageJob(ctx, active, now);
        manageCalled = true;
      }
      const completions = job.spec.completions;
      const complete =
        completions === undefined || completions === null
          ? ctx.succeeded > 0 && active === 0
          : ctx.succeeded >= completions && active === 0;
      if (complete) {
        ctx.finishedCondition = newCondition(
          'SuccessCriteriaMet',
          'True',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
          now,
        );
      } else if (manageCalled) {
        if (isSuspended(job)) {
          if (ensureCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) {
            suspendChanged = true;
            this.#events.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) {
          suspendChanged = true;
          this.#events.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts from the resume
          status.startTime = rfc3339(now);
        }
      }
    }

    const needsStatusUpdate =
      suspendChanged ||
      startTimeSet ||
      active !== (status.active ?? 0) ||
      ctx.ready !== status.ready ||
      ctx.terminating !== status.terminating;
    status.active = active;
    status.ready = ctx.ready;
    status.terminating = ctx.terminating;
    await this.#trackStatusAndRemoveFinalizers(ctx, needsStatusUpdate);
  }

  /** kube's getNewFinishedPods: finished pods that still hold the finalizer and are not yet in the status. */
  #newFinishedPods(ctx: SyncContext): { succeeded: Pod[]; failed: Pod[] } {
    const { job } = ctx;
    const completions = job.spec.completions ?? 0;
    const valid = (pod: Pod, uncounted: Set<string>): boolean => {
      const uid = pod.metadata.uid ?? '';
      if (!hasFinalizer(pod) || uncounted.has(uid) || ctx.expectedRmFinalizers.has(uid)) return false;
      if (!isIndexed(job)) return true;
      const index = completionIndexOf(pod);
      return index >= 0 && index < completions;
    };
    return {
      succeeded: ctx.pods.filter((p) => valid(p, ctx.uncounted.succeeded) && p.status?.phase === 'Succeeded'),
      failed: ctx.pods.filter((p) => valid(p, ctx.uncounted.failed) && isPodFailed(p, job)),
    };
  }

  #failJobMessage(job: Job, pods: Pod[]): string | undefined {
    if (!job.spec.podFailurePolicy) return undefined;
    for (const pod of pods) {
      if (!isPodFailed(pod, job)) continue;
      const message = matchPodFailurePolicy(job, pod).failJobMessage;
      if (message !== undefined) return message;
    }
    return undefined;
  }

  /** restartPolicy OnFailure: container restarts in running pods count towards backoffLimit. */
  #pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
    if (job.spec.template.spec?.['restartPolicy'] !== 'OnFailure') return false;
    let restarts = 0;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase !== 'Running' && phase !== 'Pending') continue;
      for (const cs of containerStatuses(pod)) restarts += cs.restartCount ?? 0;
    }
    const limit = job.spec.backoffLimit ?? 6;
    return limit === 0 ? restarts > 0 : restarts >= limit;
  }

  #pastActiveDeadline(job: Job, now: number): boolean {
    const deadline = job.spec.activeDeadlineSeconds;
    const started = parseTime(job.status?.startTime);
    if (deadline === undefined || started === undefined || isSuspended(job)) return false;
    return now - started >= deadline * 1000;
  }

  #requeue(ctx: SyncContext, ms: number): void {
    ctx.requeueAfter = Math.min(ctx.requeueAfter ?? Infinity, Math.max(0, ms));
  }

  /** kube's manageJob: deletes surplus pods or creates missing ones, respecting the failure backoff. */
  async #manageJob(ctx: SyncContext, active: number, now: number): Promise<number> {
    const { job } = ctx;
    if (isSuspended(job)) {
      const { removed, removedReady } = await this.#deleteJobPods(
        ctx,
        activePodsForRemoval(job, ctx.activePods, active),
      );
      ctx.terminating += removed;
      ctx.ready -= removedReady;
      return active - removed;
    }
    const parallelism = job.spec.parallelism ?? 1;
    const completions = job.spec.completions;
    let wantActive: number;
    if (completions === undefined || completions === null)
      wantActive = ctx.succeeded > 0 ? active : parallelism;
    else wantActive = Math.max(0, Math.min(completions - ctx.succeeded, parallelism));

    const toDelete = activePodsForRemoval(job, ctx.activePods, Math.max(0, active - wantActive)).slice(
      0,
      maxPodCreateDeletePerSync,
    );
    if (toDelete.length > 0) {
      const { removed, removedReady } = await this.#deleteJobPods(ctx, toDelete);
      ctx.terminating += removed;
      ctx.ready -= removedReady;
      return active - removed;
    }

    const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return active;
    const remaining = backoffRemaining(ctx.backoff, now, this.#backoffBase, this.#backoffMax);
    if (remaining > 0) {
      this.#requeue(ctx, remaining);
      return active;
    }
    diff = Math.min(diff, maxPodCreateDeletePerSync);
    let indexes: number[] = [];
    if (isIndexed(job)) {
      indexes = firstPendingIndexes(ctx.succeededIndexes, ctx.activePods, diff, completions ?? 0);
      diff = indexes.length;
    }
    if (diff === 0) return active;

    this.#expectations.expectCreations(ctx.key, diff);
    const template = structuredClone(job.spec.template);
    if (isIndexed(job)) addCompletionIndexEnv(template);
    const errors: unknown[] = [];
    let created = 0;
    // slow start: batches of 1, 2, 4, … stop at the first failing batch
    for (let batch = 1, left = diff; left > 0; batch = Math.min(batch * 2, left)) {
      const size = Math.min(batch, left);
      const results = await Promise.all(
        Array.from({ length: size }, () => {
          const index = indexes.shift();
          return this.#createPod(job, template, index);
        }),
      );
      for (const error of results) {
        if (error === undefined) created++;
        else {
          this.#expectations.creationObserved(ctx.key);
          errors.push(error);
        }
      }
      left -= size;
      if (errors.length > 0) {
        for (let i = 0; i < left; i++) this.#expectations.creationObserved(ctx.key);
        break;
      }
    }
    if (errors.length > 0) throw errors[0];
    return active + created;
  }

  /** Creates one pod; resolves with the error instead of throwing. */
  async #createPod(job: Job, template: PodTemplate, index: number | undefined): Promise<unknown> {
    const name = job.metadata.name ?? '';
    const pod = podFromTemplate(
      template,
      job,
      index === undefined ? {} : { generateName: generateNameWithIndex(name, index) },
    );
    pod.metadata.finalizers = [trackingFinalizer];
    if (index !== undefined) {
      pod.metadata.annotations = { ...pod.metadata.annotations, [completionIndexAnnotation]: String(index) };
      pod.metadata.labels = { ...pod.metadata.labels, [completionIndexAnnotation]: String(index) };
      (pod.spec ??= {})['hostname'] = `${name}-${index}`;
    }
    try {
      const created = await this.#client.create(pod);
      this.#events.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      return undefined;
    } catch (error) {
      this.#events.event(job, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`);
      return error;
    }
  }

  /** kube's deleteJobPods: removes the finalizer first, so a pod removed on purpose is not counted as failed. */
  async #deleteJobPods(ctx: SyncContext, pods: Pod[]): Promise<{ removed: number; removedReady: number }> {
    if (pods.length === 0) return { removed: 0, removedReady: 0 };
    this.#expectations.expectDeletions(ctx.key, pods.map(keyOf));
    let removed = 0;
    let removedReady = 0;
    const errors: unknown[] = [];
    await Promise.all(
      pods.map(async (pod) => {
        try {
          if (hasFinalizer(pod)) await this.#removeFinalizer(pod);
          await this.#client.delete(podRef(pod), { preconditions: { uid: pod.metadata.uid ?? '' } });
          this.#events.event(ctx.job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
          removed++;
          if (isPodReady(pod)) removedReady++;
        } catch (error) {
          this.#expectations.deletionObserved(ctx.key, keyOf(pod));
          if (isNotFound(error)) {
            removed++;
            return;
          }
          errors.push(error);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
    return { removed, removedReady };
  }

  /** kube's deleteActivePods: DELETE keeps the finalizer; the pods are then counted as failed. */
  async #deleteActivePods(job: Job, pods: Pod[]): Promise<{ deleted: number; deletedReady: number }> {
    let deleted = 0;
    let deletedReady = 0;
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.#client.delete(podRef(pod), { preconditions: { uid: pod.metadata.uid ?? '' } });
          this.#events.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (error) {
          if (!isNotFound(error)) {
            this.#log('job pod not deleted', {
              job: keyOf(job),
              pod: pod.metadata.name,
              error: (error as Error).message,
            });
            return;
          }
        }
        deleted++;
        if (isPodReady(pod)) deletedReady++;
      }),
    );
    return { deleted, deletedReady };
  }

  async #removeFinalizer(pod: Pod): Promise<void> {
    await this.#client.patch(
      podRef(pod),
      { metadata: { '$deleteFromPrimitiveList/finalizers': [trackingFinalizer] } },
      'strategic',
    );
  }

  /**
   * kube's trackJobStatusAndRemoveFinalizers: records finished pods in uncountedTerminatedPods,
   * removes their finalizers, moves them into the counters, and finishes the Job when it may.
   */
  async #trackStatusAndRemoveFinalizers(ctx: SyncContext, needsFlushAtStart: boolean): Promise<void> {
    let needsFlush = needsFlushAtStart;
    const { job } = ctx;
    const status = job.status!;
    const uncounted = status.uncountedTerminatedPods!;
    uncounted.succeeded ??= [];
    uncounted.failed ??= [];
    const indexed = isIndexed(job);
    const completions = job.spec.completions ?? 0;
    const pods = indexed
      ? [...ctx.pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b))
      : ctx.pods;
    const withFinalizer = new Set<string>();
    for (const pod of pods)
      if (hasFinalizer(pod) && !ctx.expectedRmFinalizers.has(pod.metadata.uid ?? ''))
        withFinalizer.add(pod.metadata.uid ?? '');
    if (moveCountedUncounted(status, withFinalizer)) needsFlush = true;

    const toRelease: Pod[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMax = false;
    for (const pod of pods) {
      const uid = pod.metadata.uid ?? '';
      if (!hasFinalizer(pod) || ctx.expectedRmFinalizers.has(uid)) continue;
      const considerFailed = isPodFailed(pod, job);
      const canRemove =
        job.metadata.deletionTimestamp !== undefined ||
        ctx.finishedCondition !== undefined ||
        pod.status?.phase === 'Succeeded' ||
        considerFailed;
      if (!canRemove) continue;
      toRelease.push(pod);
      if (pod.status?.phase === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
        if (indexed) {
          const index = completionIndexOf(pod);
          if (index >= 0 && index < completions && !ctx.prevSucceededIndexes.has(index)) {
            newSucceededIndexes.push(index);
            needsFlush = true;
          }
        } else if (!ctx.uncounted.succeeded.has(uid)) {
          uncounted.succeeded.push(uid);
          needsFlush = true;
        }
      } else if (
        considerFailed ||
        (ctx.finishedCondition && ctx.finishedCondition.type !== 'SuccessCriteriaMet')
      ) {
        const index = completionIndexOf(pod);
        if (!ctx.uncounted.failed.has(uid) && (!indexed || (index >= 0 && index < completions))) {
          if (matchPodFailurePolicy(job, pod).countFailed) {
            uncounted.failed.push(uid);
            needsFlush = true;
          }
        }
      }
      if (
        newSucceededIndexes.length + uncounted.succeeded.length + uncounted.failed.length >=
        maxUncountedPods
      ) {
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      const succeededIndexes = new Set([...ctx.succeededIndexes, ...newSucceededIndexes]);
      const text = formatIndexes(succeededIndexes);
      if (text !== (status.completedIndexes ?? '')) needsFlush = true;
      status.succeeded = succeededIndexes.size;
      status.completedIndexes = text;
    }
    let finished = ctx.finishedCondition;
    if (finished?.type === 'FailureTarget') {
      (status.conditions ??= []).push(finished);
      needsFlush = true;
      finished = newCondition(
        'Failed',
        'True',
        finished.reason ?? '',
        finished.message ?? '',
        this.#clock.now(),
      );
    }
    if (finished?.type === 'SuccessCriteriaMet') {
      if (findCondition(status, 'SuccessCriteriaMet')?.status !== 'True') {
        (status.conditions ??= []).push(finished);
        needsFlush = true;
      }
      finished = newCondition(
        'Complete',
        'True',
        finished.reason ?? '',
        finished.message ?? '',
        this.#clock.now(),
      );
    }

    // 1. persist the uncounted uids (and interim conditions) before touching any pod
    if (needsFlush) {
      await this.#updateStatus(ctx);
      this.#backoffs.set(ctx.key, ctx.backoff);
      needsFlush = false;
    }
    // 2. remove finalizers of pods the status now remembers
    let releaseError: unknown;
    if (toRelease.length > 0) {
      const expected = this.#finalizerRemovals.get(ctx.key) ?? new Set<string>();
      this.#finalizerRemovals.set(ctx.key, expected);
      for (const pod of toRelease) expected.add(pod.metadata.uid ?? '');
      await Promise.all(
        toRelease.map(async (pod) => {
          try {
            await this.#removeFinalizer(pod);
            withFinalizer.delete(pod.metadata.uid ?? '');
          } catch (error) {
            expected.delete(pod.metadata.uid ?? '');
            if (isNotFound(error)) withFinalizer.delete(pod.metadata.uid ?? '');
            else releaseError ??= error;
          }
        }),
      );
    }
    // 3. count the pods that no longer hold a finalizer
    if (moveCountedUncounted(status, withFinalizer)) needsFlush = true;
    if (releaseError !== undefined) {
      if (needsFlush) await this.#updateStatus(ctx);
      throw releaseError;
    }
    // 4. finish when nothing is uncounted or still terminating
    if (!reachedMax && finished && this.#enactFinished(ctx, finished)) {
      await this.#updateStatus(ctx);
      this.#recordFinished(job, finished);
      return;
    }
    if (needsFlush) await this.#updateStatus(ctx);
  }

  #enactFinished(ctx: SyncContext, finished: JobCondition): boolean {
    const status = ctx.job.status!;
    const uncounted = status.uncountedTerminatedPods;
    if ((uncounted?.succeeded?.length ?? 0) + (uncounted?.failed?.length ?? 0) > 0) return false;
    if (ctx.terminating > 0) return false;
    const now = this.#clock.now();
    ensureCondition(
      status,
      finished.type,
      finished.status,
      finished.reason ?? '',
      finished.message ?? '',
      now,
    );
    if (finished.type === 'Complete')
      status.completionTime = findCondition(status, 'Complete')?.lastTransitionTime ?? rfc3339(now);
    return true;
  }

  #recordFinished(job: Job, finished: JobCondition): void {
    if (finished.type === 'Complete') {
      const completions = job.spec.completions;
      if (typeof completions === 'number' && (job.status?.succeeded ?? 0) > completions)
        this.#events.event(
          job,
          'Warning',
          'TooManySucceededPods',
          'Too many succeeded pods running after completion count reached',
        );
      this.#events.event(job, 'Normal', 'Completed', 'Job completed');
    } else {
      this.#events.event(job, 'Warning', finished.reason ?? 'Failed', finished.message ?? '');
    }
  }

  /** PUT /status at the resourceVersion the Job was read at: a stale cache conflicts instead of double-counting. */
  async #updateStatus(ctx: SyncContext): Promise<void> {
    const updated = await this.#client.update<Job>(ctx.job, { subresource: 'status' });
    if (updated.metadata.resourceVersion !== undefined)
      ctx.job.metadata.resourceVersion = updated.metadata.resourceVersion;
  }

  /** Pods of a deleted or finished Job still holding the tracking finalizer (kube's orphan pod sync). */
  async #releaseOrphans(namespace: string, name: string): Promise<void> {
    const live = this.#jobs.get(`${namespace}/${name}`);
    const liveFinished = live !== undefined && finishedType(live) !== undefined;
    const pods = this.#pods.list(namespace).filter((pod) => {
      const owner = controllerOf(pod);
      if (owner?.kind !== 'Job' || owner.name !== name || !hasFinalizer(pod)) return false;
      return live === undefined || live.metadata.uid !== owner.uid || liveFinished;
    });
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.#removeFinalizer(pod);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }),
    );
  }

  /**
   * ttlSecondsAfterFinished (kube's TTL-after-finished controller): deletes a finished Job once its
   * TTL has passed, with Background propagation, at the resourceVersion its TTL was read at.
   */
  async #ttlAfterFinished(job: Job): Promise<Result> {
    const ttl = job.spec.ttlSecondsAfterFinished;
    const type = finishedType(job);
    if (ttl === undefined || ttl === null || !type || job.metadata.deletionTimestamp !== undefined) return {};
    const finishedAt =
      type === 'Complete'
        ? (parseTime(job.status?.completionTime) ??
          parseTime(findCondition(job.status ?? {}, 'Complete')?.lastTransitionTime))
        : parseTime(findCondition(job.status ?? {}, 'Failed')?.lastTransitionTime);
    if (finishedAt === undefined) return {};
    const remaining = finishedAt + ttl * 1000 - this.#clock.now();
    if (remaining > 0) return { requeueAfter: remaining };
    try {
      await this.#client.delete(
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          namespace: job.metadata.namespace ?? 'default',
          name: job.metadata.name ?? '',
        },
        {
          propagationPolicy: 'Background',
          preconditions: {
            uid: job.metadata.uid ?? '',
            ...(job.metadata.resourceVersion !== undefined && {
              resourceVersion: job.metadata.resourceVersion,
            }),
          },
        },
      );
      this.#log('job deleted after its ttl', { job: keyOf(job) });
    } catch (error) {
      if (isNotFound(error)) return {};
      // changed since it was read: the update will reconcile it again
      if (isConflict(error)) return {};
      throw error;
    }
    return {};
  }
}

/** kube's cleanUncountedPodsWithoutFinalizers: uncounted pods whose finalizer is gone join the counters. */
function moveCountedUncounted(status: JobStatus, withFinalizer: Set<string>): boolean {
  const uncounted = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  const succeeded = (uncounted.succeeded ?? []).filter((uid) => withFinalizer.has(uid));
  if (succeeded.length !== (uncounted.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (uncounted.succeeded ?? []).length - succeeded.length;
    uncounted.succeeded = succeeded;
    changed = true;
  }
  const failed = (uncounted.failed ?? []).filter((uid) => withFinalizer.has(uid));
  if (failed.length !== (uncounted.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (uncounted.failed ?? []).length - failed.length;
    uncounted.failed = failed;
    changed = true;
  }
  return changed;
}

/** kube's addCompletionIndexEnvVariables: JOB_COMPLETION_INDEX from the pod's annotation. */
function addCompletionIndexEnv(template: PodTemplate): void {
  const spec = template.spec ?? {};
  for (const list of ['initContainers', 'containers']) {
    for (const container of (spec[list] as { env?: { name: string }[] }[] | undefined) ?? []) {
      const env = (container.env ??= []);
      if (env.some((e) => e.name === completionIndexEnv)) continue;
      env.push({
        name: completionIndexEnv,
        valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${completionIndexAnnotation}']` } },
      } as { name: string });
    }
  }
}
