/**
 * Prow's crier as one reconciler over JobRuns. Level-based: for each reporter it compares the
 * run's state with `status.prev_report_states[reporter]` and reports only when they differ, then
 * records the state it reported, so no state is reported twice however often the run is seen.
 *
 * - `github`: a commit status per context on the tested commit (the PR head, or the pushed sha),
 *   unless the run says `report: false` (a job's `skip_report`) or a newer run of the same context
 *   on the same commit exists (it reports instead: a `/retest`, or an `/override`, whose status a
 *   late report of the older run must not overwrite); when a presubmit ends, the PR's one summary
 *   comment (Prow's failure table with rerun commands) is created, edited in place, or deleted.
 *
 * Runs are read from the JobRun informer's cache, never fetched: the summary comment finds a PR's
 * runs through the `pullIndex` index. What this reconciler reported is remembered until the cache
 * shows its own `prev_report_states` write, so a stale cache never reports a state twice.
 * - `slack`: a Slack-format JSON `{ channel, text }` POSTed to a configured URL when the state is
 *   in `reporter_config.slack.job_states_to_report` (the job's, else the configured default).
 */
import {
  commitStatusFor,
  isFinalJobState,
  isReportComment,
  optionalAnnotation,
  reportCommentBody,
  slackMessageText,
  type FailedJobRow,
  type JobState,
} from '../../api/ci/index.ts';
import { parseTime } from '../../base/time.ts';
import { ciApiVersion, type JobRun } from '../../api/crds/ci.ts';
import type { Forge, RepoRef } from '../../adapters/forge/forge.ts';
import { KeelsonError } from '../../base/errors.ts';
import type { KubeClient } from '../../runtime/client.ts';
import {
  requestKey,
  type Logger,
  type Reconciler,
  type Request,
  type Result,
} from '../../runtime/controller.ts';
import type { EventSink } from '../../runtime/events.ts';
import type { Informer } from '../../runtime/informer.ts';

export const githubReporter = 'github';
export const slackReporter = 'slack';

/** Index of the JobRun informer: presubmit runs by `namespace/org/repo#number`. */
export const pullIndex = 'ci-report.pull';

/** The `pullIndex` values of a run: one for a presubmit of a pull request, else none. */
export function pullIndexKeys(run: JobRun): string[] {
  const refs = run.spec.refs;
  const pull = refs?.pulls?.[0];
  if (run.spec.type !== 'presubmit' || refs === undefined || pull === undefined) return [];
  return [pullKey(run.metadata.namespace, refs.org, refs.repo, pull.number)];
}

function pullKey(namespace: string | undefined, org: string, repo: string, number: number): string {
  return `${namespace ?? ''}/${org}/${repo}#${number}`;
}

export interface SlackReporterOptions {
  /** Where Slack-format messages are POSTed (an incoming-webhook URL). */
  url: string;
  /** The channel when a job names none. */
  channel?: string | undefined;
  /** States reported for jobs without `reporter_config.slack.job_states_to_report`. */
  jobStatesToReport?: readonly JobState[] | undefined;
}

export interface CiReportDeps {
  client: KubeClient;
  /** Acts as the bot that writes statuses and comments. */
  forge: Forge;
  log: Logger;
  events?: EventSink | undefined;
  /** Where a run's log is read when the run has no `status.url`: `<prefix><namespace>/<name>`. */
  jobUrlPrefix?: string | undefined;
  slack?: SlackReporterOptions | undefined;
  /** For the Slack POST; the global fetch when absent. */
  fetch?: typeof fetch | undefined;
}

export interface CiReportReconcilerDeps extends CiReportDeps {
  /** The JobRun informer; the reconciler adds `pullIndex` to it. */
  runs: Informer<JobRun>;
}

export class CiReportReconciler implements Reconciler {
  readonly #deps: CiReportReconcilerDeps;
  /** One status report and summary-comment update per pull request at a time. */
  readonly #pullLocks = new Map<string, Promise<unknown>>();
  /** By run key: the states last recorded in `prev_report_states`, until the cache shows them. */
  readonly #recorded = new Map<string, Record<string, JobState>>();
  #botLogin: Promise<string> | undefined;

  constructor(deps: CiReportReconcilerDeps) {
    this.#deps = deps;
    deps.runs.addIndex(pullIndex, pullIndexKeys);
  }

  async reconcile(request: Request): Promise<Result> {
    const ref = {
      apiVersion: ciApiVersion,
      kind: 'JobRun',
      name: request.name,
      namespace: request.namespace,
    };
    const key = requestKey(request);
    const run = this.#deps.runs.get(key);
    const state = run?.status?.state;
    if (run === undefined) this.#recorded.delete(key);
    if (run === undefined || state === undefined) return {};
    const previous = this.#previousReports(key, run);
    const reported: Record<string, JobState> = {};
    if (previous[githubReporter] !== state && this.#githubShouldReport(run)) {
      await this.#reportGithub(run, state);
      reported[githubReporter] = state;
    }
    if (previous[slackReporter] !== state && this.#slackShouldReport(run, state)) {
      await this.#reportSlack(run);
      reported[slackReporter] = state;
    }
    if (Object.keys(reported).length > 0) {
      await this.#deps.client.patchStatus(ref, { prev_report_states: reported });
      this.#recorded.set(key, { ...previous, ...reported });
      this.#deps.log('job run reported', {
        run: `${request.namespace ?? ''}/${request.name}`,
        state,
        reporters: Object.keys(reported),
      });
    }
    return {};
  }

  /** `prev_report_states` as cached, or as this reconciler last wrote it while the cache lags. */
  #previousReports(key: string, run: JobRun): Record<string, JobState> {
    const cached = run.status?.prev_report_states ?? {};
    const recorded = this.#recorded.get(key);
    if (recorded === undefined) return cached;
    if (Object.entries(recorded).every(([reporter, state]) => cached[reporter] === state)) {
      this.#recorded.delete(key);
      return cached;
    }
    return { ...cached, ...recorded };
  }

  #githubShouldReport(run: JobRun): boolean {
    return run.spec.report !== false && run.spec.refs !== undefined && run.spec.type !== 'periodic';
  }

  #slackShouldReport(run: JobRun, state: JobState): boolean {
    const slack = this.#deps.slack;
    if (slack === undefined) return false;
    const states = run.spec.reporter_config?.slack?.job_states_to_report ?? slack.jobStatesToReport ?? [];
    return states.includes(state);
  }

  #urlOf(run: JobRun): string | undefined {
    if (run.status?.url !== undefined && run.status.url !== '') return run.status.url;
    const prefix = this.#deps.jobUrlPrefix;
    return prefix === undefined
      ? undefined
      : `${prefix}${run.metadata.namespace ?? ''}/${run.metadata.name ?? ''}`;
  }

  async #reportGithub(run: JobRun, state: JobState): Promise<void> {
    const refs = run.spec.refs!;
    const repo = { owner: refs.org, name: refs.repo };
    const pull = refs.pulls?.[0];
    const sha = pull?.sha ?? refs.base_sha;
    if (sha === undefined || sha === '') return;
    if (run.spec.type !== 'presubmit' || pull === undefined) return this.#createStatus(run, state, sha);
    const key = pullKey(run.metadata.namespace, refs.org, refs.repo, pull.number);
    // one PR at a time, and the cache read inside: a newer run is reported after this one
    await this.#serialised(key, async () => {
      const runs = this.#deps.runs.byIndex(pullIndex, key);
      if (!runs.some((other) => supersedes(other, run))) await this.#createStatus(run, state, sha);
      if (isFinalJobState(state)) await this.#updateSummaryComment(repo, pull.number, pull.author, runs);
    });
  }

  async #createStatus(run: JobRun, state: JobState, sha: string): Promise<void> {
    const refs = run.spec.refs!;
    const status = commitStatusFor(state, run.status?.description);
    const url = this.#urlOf(run);
    await this.#deps.forge.createStatus({ owner: refs.org, name: refs.repo }, sha, {
      state: status.state,
      context: contextOf(run),
      description: status.description,
      ...(url === undefined ? {} : { targetUrl: url }),
    });
  }

  /** The PR's summary comment, from the newest finished run of each job (aborted runs do not count). */
  async #updateSummaryComment(
    repo: RepoRef,
    number: number,
    author: string,
    runs: readonly JobRun[],
  ): Promise<void> {
    const newest = new Map<string, JobRun>();
    for (const run of runs) {
      const state = run.status?.state;
      if (run.spec.report === false || !isFinalJobState(state) || state === 'aborted') continue;
      const known = newest.get(run.spec.job);
      if (known === undefined || newer(run, known)) newest.set(run.spec.job, run);
    }
    const rows: FailedJobRow[] = [];
    for (const run of newest.values()) {
      if (run.status?.state !== 'failure' && run.status?.state !== 'error') continue;
      rows.push({
        job: run.spec.job,
        sha: run.spec.refs?.pulls?.[0]?.sha ?? '',
        url: this.#urlOf(run),
        required: run.metadata.annotations?.[optionalAnnotation] !== 'true',
        rerunCommand: run.spec.rerun_command ?? `/test ${run.spec.job}`,
      });
    }
    const bot = await this.#bot();
    const existing = (await this.#deps.forge.listComments(repo, number)).find(
      (c) => c.author === bot && isReportComment(c.body),
    );
    if (rows.length === 0) {
      // as Prow's crier: once nothing fails, the comment goes
      if (existing !== undefined) await this.#deps.forge.deleteComment(repo, existing.id);
      return;
    }
    const body = reportCommentBody(author, rows);
    if (existing === undefined) await this.#deps.forge.createComment(repo, number, body);
    else if (existing.body !== body) await this.#deps.forge.updateComment(repo, existing.id, body);
  }

  async #reportSlack(run: JobRun): Promise<void> {
    const slack = this.#deps.slack!;
    const channel = run.spec.reporter_config?.slack?.channel ?? slack.channel;
    const text = slackMessageText({
      spec: run.spec,
      status: {
        ...(run.status?.state === undefined ? {} : { state: run.status.state }),
        ...withUrl(this.#urlOf(run)),
      },
    });
    const response = await (this.#deps.fetch ?? fetch)(slack.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...(channel === undefined ? {} : { channel }), text }),
    });
    await response.arrayBuffer();
    if (!response.ok)
      throw new KeelsonError(
        'KEELSON_UNAVAILABLE',
        `slack report of JobRun ${run.metadata.namespace ?? ''}/${run.metadata.name ?? ''}: the webhook answered ${response.status}`,
      );
  }

  async #serialised(key: string, work: () => Promise<void>): Promise<void> {
    const previous = this.#pullLocks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    this.#pullLocks.set(key, next);
    try {
      await next;
    } finally {
      if (this.#pullLocks.get(key) === next) this.#pullLocks.delete(key);
    }
  }

  #bot(): Promise<string> {
    this.#botLogin ??= this.#deps.forge.currentUser().then((u) => u.login);
    this.#botLogin.catch(() => (this.#botLogin = undefined));
    return this.#botLogin;
  }
}

function withUrl(url: string | undefined): { url?: string } {
  return url === undefined ? {} : { url };
}

function contextOf(run: JobRun): string {
  return run.spec.context ?? run.spec.job;
}

/** Whether `other` is a newer run of `run`'s context on the same commit (then it reports, not `run`). */
function supersedes(other: JobRun, run: JobRun): boolean {
  return (
    other.metadata.uid !== run.metadata.uid &&
    other.spec.report !== false &&
    contextOf(other) === contextOf(run) &&
    other.spec.refs?.pulls?.[0]?.sha === run.spec.refs?.pulls?.[0]?.sha &&
    newer(other, run)
  );
}

/**
 * Whether `a` started after `b`. creationTimestamp has whole seconds, and a `/retest` can land in the
 * same second as the run it repeats, so the trigger's millisecond startTime decides first.
 */
function newer(a: JobRun, b: JobRun): boolean {
  const started = (run: JobRun): number =>
    parseTime(run.status?.startTime) ?? parseTime(run.metadata.creationTimestamp) ?? 0;
  if (started(a) !== started(b)) return started(a) > started(b);
  return (a.metadata.name ?? '') > (b.metadata.name ?? '');
}
