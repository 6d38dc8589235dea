/**
 * The CronJob controller, after kube-controller-manager's cronjob_controllerv2.go: keeps
 * `.status.active` in step with the Jobs it owns, makes the Job of the most recent unmet scheduled
 * time (named `<cronjob>-<minutes since the epoch>`, so a time is never run twice) within
 * startingDeadlineSeconds and the concurrency policy, prunes finished Jobs beyond the history
 * limits, and asks to be woken at the next scheduled time. Time comes from the injected clock.
 */
import type { KubeObject } from '../../../api/meta.ts';
import { parseTime, rfc3339 } from '../../../base/time.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import { isAlreadyExists, isConflict, isNotFound, refOf } from '../../../runtime/client.ts';
import type { Logger, Reconciler, Request, Result } from '../../../runtime/controller.ts';
import { requestKey } from '../../../runtime/controller.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { keyOf } from '../../../runtime/informer.ts';
import type { EventSink } from '../../../runtime/events.ts';
import type { NodeClock, ReconcilerDeps } from '../../context.ts';
import { finishedType, type Job } from '../job/reconciler.ts';
import { controllerRef, isControlledBy } from '../pods.ts';
import {
  formatInZone,
  isKnownTimeZone,
  mostRecentScheduleTime,
  parseSchedule,
  type Schedule,
} from './schedule.ts';

export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** kube pads requeues by 100 ms against clock skew. */
const nextScheduleDelta = 100;

/** concurrencyPolicy Replace could not delete the running Job; retried with backoff. */
export class ReplaceError extends Error {
  readonly code = 'KEELSON_CRONJOB_REPLACE';
  constructor(namespace: string, name: string) {
    super(`could not replace job ${namespace}/${name}`);
    this.name = 'ReplaceError';
  }
}

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface CronJob extends KubeObject {
  spec: {
    schedule: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: Job['spec'];
    };
  };
  status?: {
    active?: ObjectReference[];
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
  };
}

/** `<cronjob>-<scheduled time in minutes since the epoch>` (kube's getJobName). */
export function jobNameFor(cronJob: CronJob, scheduledTime: number): string {
  return `${cronJob.metadata.name ?? ''}-${Math.floor(scheduledTime / 60_000)}`;
}

/** kube's getJobFromTemplate2. */
export function jobFromTemplate(cronJob: CronJob, scheduledTime: number): Job {
  const template = cronJob.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cronJob, scheduledTime),
      namespace: cronJob.metadata.namespace ?? 'default',
      labels: { ...template.metadata?.labels },
      annotations: {
        ...template.metadata?.annotations,
        [scheduledTimestampAnnotation]: formatInZone(scheduledTime, cronJob.spec.timeZone),
      },
      ownerReferences: [controllerRef(cronJob)],
    },
    spec: structuredClone(template.spec),
  };
}

function byStartTime(a: Job, b: Job): number {
  const sa = parseTime(a.status?.startTime);
  const sb = parseTime(b.status?.startTime);
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa === sb) return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  return (sa ?? 0) - (sb ?? 0);
}

export interface CronJobReconcilerDeps extends ReconcilerDeps {
  cronJobs: Informer<CronJob>;
  jobs: Informer<Job>;
}

export class CronJobReconciler implements Reconciler {
  readonly #client: KubeClient;
  readonly #clock: NodeClock;
  readonly #log: Logger;
  readonly #events: EventSink;
  readonly #cronJobs: Informer<CronJob>;
  readonly #jobs: Informer<Job>;
  /** Warnings already given, so a reconcile loop does not repeat them: `<uid>/<generation>/<reason>`. */
  readonly #warned = new Set<string>();

  constructor(deps: CronJobReconcilerDeps) {
    this.#client = deps.client;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#events = deps.events;
    this.#cronJobs = deps.cronJobs;
    this.#jobs = deps.jobs;
  }

  async reconcile(request: Request): Promise<Result> {
    const cached = this.#cronJobs.get(requestKey(request));
    if (!cached) return {};
    const cronJob = structuredClone(cached);
    const jobs = this.#jobs
      .byIndex('controller-uid', cronJob.metadata.uid ?? '')
      .filter((j) => j.metadata.namespace === cronJob.metadata.namespace);
    try {
      const { requeueAfter, updateStatus, current } = await this.#sync(cronJob, jobs);
      let target = current;
      if (updateStatus) target = await this.#updateStatus(target);
      if (await this.#cleanupFinishedJobs(target, jobs)) await this.#updateStatus(target);
      return requeueAfter === undefined ? {} : { requeueAfter };
    } catch (error) {
      // The cache was behind a newer CronJob; its watch event is on the way and wakes this key again.
      if (isConflict(error)) return {};
      throw error;
    }
  }

  /** kube's syncCronJob: what to write to status, and when to look again. */
  async #sync(
    initial: CronJob,
    jobs: Job[],
  ): Promise<{ current: CronJob; updateStatus: boolean; requeueAfter?: number }> {
    let cronJob = initial;
    let updateStatus = false;
    cronJob.status ??= {};
    const children = new Set<string>();
    for (const job of jobs) {
      const uid = job.metadata.uid ?? '';
      children.add(uid);
      const finished = finishedType(job);
      const listed = (cronJob.status?.active ?? []).some((r) => r.uid === uid);
      if (!listed && !finished) {
        // maybe our own status write is not in the cache yet: ask the server before warning
        const live = await this.#client.tryGet<CronJob>(refOf(cronJob));
        if (live?.status?.active?.some((r) => r.uid === uid)) {
          cronJob = { ...live, status: { ...live.status } };
          continue;
        }
        this.#warnOnce(
          cronJob,
          `unexpected/${uid}`,
          'UnexpectedJob',
          `Saw a job that the controller did not create or forgot: ${job.metadata.name}`,
        );
      } else if (listed && finished) {
        cronJob.status!.active = (cronJob.status!.active ?? []).filter((r) => r.uid !== uid);
        this.#events.event(
          cronJob,
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${job.metadata.name}, condition: ${finished}`,
        );
        updateStatus = true;
      }
      if (finished === 'Complete') {
        const completed = parseTime(job.status?.completionTime);
        const last = parseTime(cronJob.status!.lastSuccessfulTime);
        if (completed !== undefined && (last === undefined || completed > last)) {
          cronJob.status!.lastSuccessfulTime = rfc3339(completed);
          updateStatus = true;
        }
      }
    }
    // active entries whose Job is gone (checked with the server, the cache may be slow)
    for (const ref of [...(cronJob.status!.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      const live = await this.#client.tryGet({
        apiVersion: 'batch/v1',
        kind: 'Job',
        namespace: ref.namespace ?? cronJob.metadata.namespace,
        name: ref.name ?? '',
      });
      if (live) continue;
      this.#events.event(cronJob, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      cronJob.status!.active = (cronJob.status!.active ?? []).filter((r) => r.uid !== ref.uid);
      updateStatus = true;
    }

    if (cronJob.metadata.deletionTimestamp !== undefined) return { current: cronJob, updateStatus };
    const zone = cronJob.spec.timeZone;
    if (zone !== undefined && !isKnownTimeZone(zone)) {
      this.#warnOnce(
        cronJob,
        'timezone',
        'UnknownTimeZone',
        `invalid timeZone: "${zone}": unknown time zone ${zone}`,
      );
      return { current: cronJob, updateStatus };
    }
    if (cronJob.spec.suspend === true) return { current: cronJob, updateStatus };

    if (cronJob.spec.schedule.includes('TZ'))
      this.#warnOnce(
        cronJob,
        'tz',
        'UnsupportedSchedule',
        `CRON_TZ or TZ used in schedule "${cronJob.spec.schedule}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    let schedule: Schedule;
    try {
      schedule = parseSchedule(cronJob.spec.schedule, zone);
    } catch (error) {
      this.#warnOnce(
        cronJob,
        'unparseable',
        'UnparseableSchedule',
        `unparseable schedule: "${cronJob.spec.schedule}" : ${(error as Error).message}`,
      );
      return { current: cronJob, updateStatus };
    }
    const now = this.#clock.now();
    let scheduledTime: number | undefined;
    try {
      scheduledTime = this.#nextScheduleTime(cronJob, schedule, now);
    } catch (error) {
      this.#warnOnce(
        cronJob,
        'invalid',
        'InvalidSchedule',
        `invalid schedule: ${cronJob.spec.schedule} : ${(error as Error).message}`,
      );
      return { current: cronJob, updateStatus };
    }
    const requeue = (): number => this.#nextScheduleDelay(cronJob, schedule, now);
    if (scheduledTime === undefined) return { current: cronJob, updateStatus, requeueAfter: requeue() };

    const deadline = cronJob.spec.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && scheduledTime + deadline * 1000 < now) {
      this.#events.event(
        cronJob,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${new Date(scheduledTime).toUTCString().replace('GMT', '+0000')}`,
      );
      return { current: cronJob, updateStatus, requeueAfter: requeue() };
    }
    const name = jobNameFor(cronJob, scheduledTime);
    if (
      (cronJob.status!.active ?? []).some((r) => r.name === name) ||
      parseTime(cronJob.status!.lastScheduleTime) === scheduledTime
    )
      return { current: cronJob, updateStatus, requeueAfter: requeue() };
    const active = cronJob.status!.active ?? [];
    if (cronJob.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      this.#events.event(
        cronJob,
        'Normal',
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return { current: cronJob, updateStatus, requeueAfter: requeue() };
    }
    if (cronJob.spec.concurrencyPolicy === 'Replace') {
      for (const ref of active) {
        const job = jobs.find((j) => j.metadata.uid === ref.uid);
        const target = job ?? {
          metadata: {
            name: ref.name ?? '',
            namespace: ref.namespace ?? cronJob.metadata.namespace ?? 'default',
            uid: ref.uid ?? '',
          },
        };
        if (!(await this.#deleteJob(cronJob, target)))
          throw new ReplaceError(target.metadata.namespace ?? '', target.metadata.name ?? '');
        updateStatus = true;
      }
    }

    const request = jobFromTemplate(cronJob, scheduledTime);
    let created: Job;
    try {
      created = await this.#client.create(request);
      this.#events.event(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    } catch (error) {
      if (!isAlreadyExists(error)) {
        this.#events.event(
          cronJob,
          'Warning',
          'FailedCreate',
          `Error creating job: ${(error as Error).message}`,
        );
        throw error;
      }
      // made earlier, but the status write that should have followed was lost
      const existing = await this.#client.get<Job>(refOf(request));
      if (!isControlledBy(existing, cronJob)) return { current: cronJob, updateStatus };
      if ((cronJob.status!.active ?? []).some((r) => r.uid === existing.metadata.uid))
        return { current: cronJob, updateStatus };
      this.#log('job already exists', { cronjob: keyOf(cronJob), job: existing.metadata.name });
      created = existing;
    }
    cronJob.status!.active = [
      ...(cronJob.status!.active ?? []),
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        namespace: created.metadata.namespace ?? '',
        name: created.metadata.name ?? '',
        uid: created.metadata.uid ?? '',
        resourceVersion: created.metadata.resourceVersion ?? '',
      },
    ];
    cronJob.status!.lastScheduleTime = rfc3339(scheduledTime);
    return { current: cronJob, updateStatus: true, requeueAfter: requeue() };
  }

  /** kube's nextScheduleTime: the most recent unmet time, warning when over 100 were missed. */
  #nextScheduleTime(cronJob: CronJob, schedule: Schedule, now: number): number | undefined {
    const { mostRecent, missed } = mostRecentScheduleTime(schedule, this.#earliest(cronJob, now, true), now);
    if (mostRecent === undefined || mostRecent > now) return undefined;
    if (missed === 'many') {
      this.#events.event(
        cronJob,
        'Warning',
        'TooManyMissedTimes',
        'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      );
      this.#log('too many missed times', { cronjob: keyOf(cronJob) });
    }
    return mostRecent;
  }

  /** kube's nextScheduleTimeDuration: until the next scheduled time after the last one, plus 100 ms. */
  #nextScheduleDelay(cronJob: CronJob, schedule: Schedule, now: number): number {
    let from: number;
    try {
      const earliest = this.#earliest(cronJob, now, false);
      const { mostRecent, missed } = mostRecentScheduleTime(schedule, earliest, now);
      from = mostRecent ?? (missed === 'none' ? earliest : now);
    } catch {
      from = now;
    }
    const next = schedule.next(from);
    return Number.isFinite(next) ? Math.max(0, next + nextScheduleDelta - now) : 24 * 3_600_000;
  }

  #earliest(cronJob: CronJob, now: number, withDeadline: boolean): number {
    let earliest =
      parseTime(cronJob.status?.lastScheduleTime) ?? parseTime(cronJob.metadata.creationTimestamp) ?? now;
    const deadline = cronJob.spec.startingDeadlineSeconds;
    if (withDeadline && deadline !== undefined && deadline !== null)
      earliest = Math.max(earliest, now - deadline * 1000);
    return earliest;
  }

  /** Deletes a Job (Background, as kube's jobControl does) and drops it from `.status.active`. */
  async #deleteJob(cronJob: CronJob, job: Pick<Job, 'metadata'>): Promise<boolean> {
    try {
      await this.#client.delete(
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          namespace: job.metadata.namespace ?? cronJob.metadata.namespace ?? 'default',
          name: job.metadata.name ?? '',
        },
        { propagationPolicy: 'Background' },
      );
    } catch (error) {
      if (!isNotFound(error)) {
        this.#events.event(cronJob, 'Warning', 'FailedDelete', `Deleted job: ${(error as Error).message}`);
        return false;
      }
    }
    const status = (cronJob.status ??= {});
    status.active = (status.active ?? []).filter((r) => r.uid !== job.metadata.uid);
    this.#events.event(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
    return true;
  }

  /** kube's cleanupFinishedJobs: the oldest finished Jobs beyond the history limits go. */
  async #cleanupFinishedJobs(cronJob: CronJob, jobs: Job[]): Promise<boolean> {
    const { successfulJobsHistoryLimit: keepSucceeded, failedJobsHistoryLimit: keepFailed } = cronJob.spec;
    if (keepSucceeded === undefined && keepFailed === undefined) return false;
    let updateStatus = false;
    const prune = async (list: Job[], keep: number | undefined): Promise<void> => {
      if (keep === undefined || keep === null || list.length <= keep) return;
      for (const job of [...list].sort(byStartTime).slice(0, list.length - keep))
        if (await this.#deleteJob(cronJob, job)) updateStatus = true;
    };
    await prune(
      jobs.filter((j) => finishedType(j) === 'Complete' && j.metadata.deletionTimestamp === undefined),
      keepSucceeded,
    );
    await prune(
      jobs.filter((j) => finishedType(j) === 'Failed' && j.metadata.deletionTimestamp === undefined),
      keepFailed,
    );
    return updateStatus;
  }

  /** PUT /status at the resourceVersion it was read at (kube's UpdateStatus). */
  async #updateStatus(cronJob: CronJob): Promise<CronJob> {
    const status = cronJob.status ?? {};
    const body: CronJob = { ...cronJob, status: { ...status } };
    if ((status.active ?? []).length === 0) delete body.status!.active;
    const updated = await this.#client.update<CronJob>(body, { subresource: 'status' });
    const metadata = { ...cronJob.metadata };
    if (updated.metadata.resourceVersion !== undefined)
      metadata.resourceVersion = updated.metadata.resourceVersion;
    return { ...cronJob, metadata };
  }

  #warnOnce(cronJob: CronJob, what: string, reason: string, message: string): void {
    const key = `${cronJob.metadata.uid ?? ''}/${cronJob.metadata.generation ?? 0}/${what}`;
    if (this.#warned.has(key)) return;
    if (this.#warned.size > 10_000) this.#warned.clear();
    this.#warned.add(key);
    this.#events.event(cronJob, 'Warning', reason, message);
  }
}
