/**
 * What the CI trigger writes on a JobRun and what the CI reporter reads back: the labels that find
 * a run by job, type, repository and pull request; how a JobRun state reads as a commit status;
 * Prow's failure-table comment (crier's GitHub reporter) and its Slack message. Pure.
 */
import type { JobRunSpec } from '../crds/ci.ts';
import type { JobState } from './types.ts';

/** Labels (and one annotation) on every JobRun the trigger creates, after Prow's `prow.k8s.io/*`. */
export const jobRunLabels = {
  job: 'ci.keelson.dev/job',
  type: 'ci.keelson.dev/type',
  org: 'ci.keelson.dev/org',
  repo: 'ci.keelson.dev/repo',
  pull: 'ci.keelson.dev/pull',
} as const;

/** Annotation: `"true"` when the job is optional (its failure does not block a merge). */
export const optionalAnnotation = 'ci.keelson.dev/optional';

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The labels of a run of `spec`; values that are not valid label values are left out. */
export function labelsForJobRun(spec: JobRunSpec): Record<string, string> {
  const pull = spec.refs?.pulls?.[0]?.number;
  const candidates: Record<string, string | undefined> = {
    [jobRunLabels.job]: spec.job,
    [jobRunLabels.type]: spec.type,
    [jobRunLabels.org]: spec.refs?.org,
    [jobRunLabels.repo]: spec.refs?.repo,
    [jobRunLabels.pull]: pull === undefined ? undefined : String(pull),
  };
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(candidates))
    if (value !== undefined && value.length <= 63 && labelValue.test(value)) labels[key] = value;
  return labels;
}

/** States a run does not leave. */
export function isFinalJobState(state: JobState | undefined): boolean {
  return state === 'success' || state === 'failure' || state === 'aborted' || state === 'error';
}

export type CommitStatusState = 'error' | 'failure' | 'pending' | 'success';

/** Crier's mapping of a run state to a commit status state and description. */
export function commitStatusFor(
  state: JobState,
  description?: string,
): { state: CommitStatusState; description: string } {
  const text = (fallback: string): string => truncate(description ?? fallback, 140);
  switch (state) {
    case 'triggered':
      return { state: 'pending', description: text('Job triggered.') };
    case 'pending':
      return { state: 'pending', description: text('Job pending.') };
    case 'success':
      return { state: 'success', description: text('Job succeeded.') };
    case 'failure':
      return { state: 'failure', description: text('Job failed.') };
    case 'aborted':
      return { state: 'error', description: text('Job aborted.') };
    case 'error':
      return { state: 'error', description: text('Error: job could not run.') };
  }
}

function truncate(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** Marks the one summary comment per pull request that the reporter keeps up to date. */
export const reportCommentMarker = '<!-- keelson ci report. Do not edit. -->';

export function isReportComment(body: string): boolean {
  return body.includes(reportCommentMarker);
}

/** One failed job in the summary comment. */
export interface FailedJobRow {
  job: string;
  /** The commit the job failed on. */
  sha: string;
  /** Where its log is. */
  url?: string | undefined;
  required: boolean;
  /** `/test NAME` by default. */
  rerunCommand: string;
}

/**
 * Prow's failure table comment: one row per failed job with its rerun command, then a note on
 * `/retest`. An empty `rows` gives the comment that says every test passed.
 */
export function reportCommentBody(author: string, rows: readonly FailedJobRow[]): string {
  if (rows.length === 0) return `@${author}: all tests passed.\n\n${reportCommentMarker}`;
  const lines = [
    `@${author}: The following ${rows.length === 1 ? 'test' : 'tests'} **failed**, say \`/retest\` to rerun all failed tests or \`/retest-required\` to rerun all mandatory failed tests:`,
    '',
    'Test name | Commit | Details | Required | Rerun command',
    '--- | --- | --- | --- | ---',
    ...[...rows]
      .sort((a, b) => a.job.localeCompare(b.job))
      .map(
        (row) =>
          `${row.job} | ${row.sha.slice(0, 7)} | ${row.url === undefined ? '' : `[link](${row.url})`} | ${row.required} | \`${row.rerunCommand}\``,
      ),
    '',
    'Instructions for interacting with me using PR comments are available [here](https://docs.prow.k8s.io/docs/components/plugins/).',
    '',
    reportCommentMarker,
  ];
  return lines.join('\n');
}

/** Prow's default Slack message for a run (`reporter_config.slack.report_template` is not honoured yet). */
export function slackMessageText(run: {
  spec: Pick<JobRunSpec, 'job' | 'type'>;
  status?: { state?: JobState; url?: string };
}): string {
  const url = run.status?.url;
  return `Job ${run.spec.job} of type ${run.spec.type} ended with state ${run.status?.state ?? 'unknown'}.${url === undefined ? '' : ` <${url}|View logs>`}`;
}
