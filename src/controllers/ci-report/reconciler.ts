/**
 * Prow's crier as one reconciler over JobRuns. Level-based: for each reporter it compares the
 * run's state with `status.prev_report_states[reporter]` and reports only when they differ, then
 * records the state it reported, so no state is reported twice however often the run is seen.
 *
 * - `github`: a commit status per context on the tested commit (the PR head, or the pushed sha),
 *   unless the run says `report: false` (a job's `skip_report`); when a presubmit ends, the PR's
 *   one summary comment (Prow's failure table with rerun commands) is created, edited in place, or
 *   turned into "all tests passed".
 * - `slack`: a Slack-format JSON `{ channel, text }` POSTed to a configured URL when the state is
 *   in `reporter_config.slack.job_states_to_report` (the job's, else the configured default).
 */
import {
  commitStatusFor,
  isFinalJobState,
  isReportComment,
  jobRunLabels,
  optionalAnnotation,
  reportCommentBody,
  slackMessageText,
  type FailedJobRow,
  type JobState,
} from '../../api/ci/index.ts';
import { parseTime } from '../../base/time.ts';
import { ciGroup, type JobRun } from '../../api/crds/ci.ts';
import type { Forge, RepoRef } from '../../adapters/forge/forge.ts';
import { KeelsonError } from '../../base/errors.ts';
import type { KubeClient } from '../../runtime/client.ts';
import type { Logger, Reconciler, Request, Result } from '../../runtime/controller.ts';
import type { EventSink } from '../../runtime/events.ts';

export const jobRunApiVersion = `${ciGroup}/v1`;
export const githubReporter = 'github';
export const slackReporter = 'slack';

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

export class CiReportReconciler implements Reconciler {
  readonly #deps: CiReportDeps;
  /** One summary-comment update per pull request at a time. */
  readonly #commentLocks = new Map<string, Promise<unknown>>();
  #botLogin: Promise<string> | undefined;

  constructor(deps: CiReportDeps) {
    this.#deps = deps;
  }

  async reconcile(request: Request): Promise<Result> {
    const ref = {
      apiVersion: jobRunApiVersion,
      kind: 'JobRun',
      name: request.name,
      namespace: request.namespace,
    };
    const run = await this.#deps.client.tryGet<JobRun>(ref);
    const state = run?.status?.state;
    if (run === undefined || state === undefined) return {};
    const previous = run.status?.prev_report_states ?? {};
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
      this.#deps.log('job run reported', {
        run: `${request.namespace ?? ''}/${request.name}`,
        state,
        reporters: Object.keys(reported),
      });
    }
    return {};
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
    const status = commitStatusFor(state, run.status?.description);
    const url = this.#urlOf(run);
    await this.#deps.forge.createStatus(repo, sha, {
      state: status.state,
      context: run.spec.context ?? run.spec.job,
      description: status.description,
      ...(url === undefined ? {} : { targetUrl: url }),
    });
    if (run.spec.type === 'presubmit' && pull !== undefined && isFinalJobState(state))
      await this.#serialised(`${refs.org}/${refs.repo}#${pull.number}`, () =>
        this.#updateSummaryComment(repo, pull.number, pull.author, run.metadata.namespace),
      );
  }

  /** The PR's summary comment, from the newest finished run of each job (aborted runs do not count). */
  async #updateSummaryComment(
    repo: RepoRef,
    number: number,
    author: string,
    namespace?: string,
  ): Promise<void> {
    const selector = [
      `${jobRunLabels.type}=presubmit`,
      `${jobRunLabels.org}=${repo.owner}`,
      `${jobRunLabels.repo}=${repo.name}`,
      `${jobRunLabels.pull}=${number}`,
    ].join(',');
    const runs = await this.#deps.client.list<JobRun>(jobRunApiVersion, 'JobRun', {
      ...(namespace === undefined ? {} : { namespace }),
      labelSelector: selector,
    });
    const newest = new Map<string, JobRun>();
    for (const run of runs.items) {
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
    const previous = this.#commentLocks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    this.#commentLocks.set(key, next);
    try {
      await next;
    } finally {
      if (this.#commentLocks.get(key) === next) this.#commentLocks.delete(key);
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
