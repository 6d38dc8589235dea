/**
 * Prow's horologium: creates a JobRun of each periodic when `periodicDue` says it is due. The
 * previous run is read from the JobRuns themselves (the newest run of the job), so a restart
 * neither loses nor repeats a run. Level-based: each tick looks at every periodic afresh.
 */
import { jobRunLabels, periodicDue, type PreviousRun } from '../../api/ci/index.ts';
import type { JobRun } from '../../api/crds/ci.ts';
import type { Clock } from '../../base/clock.ts';
import { parseTime } from '../../base/time.ts';
import type { KubeClient } from '../../runtime/client.ts';
import type { Logger } from '../../runtime/controller.ts';
import type { JobSource } from './jobs.ts';
import { type Trigger } from './trigger.ts';
import { ciApiVersion } from '../../api/crds/ci.ts';

export interface PeriodicSchedulerDeps {
  client: KubeClient;
  jobs: JobSource;
  trigger: Trigger;
  clock: Clock;
  log: Logger;
  namespace: string;
  /** Longest wait between ticks (default 1 min), so new or changed periodics are seen. */
  maxWaitMs?: number | undefined;
}

export class PeriodicScheduler {
  readonly #deps: PeriodicSchedulerDeps;
  /** When scheduling began: a cron job that never ran first fires at its next time after this. */
  readonly #since: Date;
  #timer: unknown;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(deps: PeriodicSchedulerDeps) {
    this.#deps = deps;
    this.#since = new Date(deps.clock.now());
  }

  /**
   * Starts every periodic that is due now; resolves with the JobRuns created and when the next one
   * is due (undefined when none is known, e.g. while runs are going).
   */
  async tick(): Promise<{ triggered: string[]; next?: Date }> {
    const now = new Date(this.#deps.clock.now());
    const periodics = await this.#deps.jobs.periodics();
    const runs = await this.#deps.client.list<JobRun>(ciApiVersion, 'JobRun', {
      namespace: this.#deps.namespace,
      labelSelector: `${jobRunLabels.type}=periodic`,
    });
    const latest = new Map<string, JobRun>();
    for (const run of runs.items) {
      const known = latest.get(run.spec.job);
      if (known === undefined || startOf(run) > startOf(known)) latest.set(run.spec.job, run);
    }
    const triggered: string[] = [];
    let next: Date | undefined;
    for (const periodic of periodics) {
      const run = latest.get(periodic.name);
      let due = periodicDue(periodic, {
        now,
        since: this.#since,
        ...(run === undefined ? {} : { previous: previousOf(run) }),
      });
      if (due.due) {
        triggered.push(await this.#deps.trigger.start(periodic));
        // an interval counts from this start and a cron from now; a minimum_interval waits for the end
        if (periodic.minimum_interval !== undefined && periodic.interval === undefined) continue;
        due = periodicDue(periodic, {
          now,
          since: this.#since,
          previous: { startTime: now, completionTime: now },
        });
      }
      if (due.next !== undefined && (next === undefined || due.next < next)) next = due.next;
    }
    return { triggered, ...(next === undefined ? {} : { next }) };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.tick().then(
        ({ next }) => {
          const max = this.#deps.maxWaitMs ?? 60_000;
          const wait = next === undefined ? max : Math.min(max, next.getTime() - this.#deps.clock.now());
          this.#schedule(Math.max(0, wait));
        },
        (error: unknown) => {
          this.#deps.log('periodic scheduling failed', { error: String(error) });
          this.#schedule(this.#deps.maxWaitMs ?? 60_000);
        },
      );
    }, ms);
  }
}

function startOf(run: JobRun): number {
  return parseTime(run.status?.startTime) ?? parseTime(run.metadata.creationTimestamp) ?? 0;
}

function previousOf(run: JobRun): PreviousRun {
  const completion = parseTime(run.status?.completionTime);
  return {
    startTime: new Date(startOf(run)),
    ...(completion === undefined ? {} : { completionTime: new Date(completion) }),
  };
}
