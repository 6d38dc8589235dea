import { KeelsonError } from '../../base/errors.ts';

/** One problem (or warning) in a job config, with the place it was found. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** The field path, e.g. `presubmits["org/repo"][2].run_if_changed`; empty for the whole file. */
  field: string;
  /** The job the issue is about, when there is one. */
  job?: string;
  message: string;
}

/** `file:line:col: job NAME: field: message`, the one-line form messages and statuses use. */
export function formatIssue(issue: ConfigIssue): string {
  const job = issue.job === undefined ? '' : `job ${issue.job}: `;
  const field = issue.field === '' ? '' : `${issue.field}: `;
  return `${issue.file}:${issue.line}:${issue.column}: ${job}${field}${issue.message}`;
}

/**
 * A job config that Prow would refuse. `issues` lists every problem found (not just the first), so
 * one round of fixes is enough; `message` names them all, one per line.
 */
export class JobConfigError extends KeelsonError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map(formatIssue);
    super('KEELSON_INVALID', `invalid job config:\n${lines.join('\n')}`, {
      causes: issues.map((i) => ({ reason: 'FieldValueInvalid', message: formatIssue(i), field: i.field })),
    });
    this.name = 'JobConfigError';
    this.issues = issues;
  }

  /** A short form for a commit status description (GitHub allows 140 characters). */
  summary(limit = 140): string {
    const first = this.issues[0];
    const more = this.issues.length > 1 ? ` (+${this.issues.length - 1} more)` : '';
    const text = first === undefined ? 'invalid job config' : formatIssue(first);
    const room = limit - more.length;
    return (text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text) + more;
  }
}

export function isJobConfigError(error: unknown): error is JobConfigError {
  return error instanceof JobConfigError;
}
