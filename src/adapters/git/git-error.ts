import { KeelsonError, type ErrorCode } from '../../base/errors.ts';

/**
 * A failed git operation. `url` never carries credentials and `stderr` has every secret of the
 * call redacted, so both may go into a condition message or an event as they are.
 */
export class GitError extends KeelsonError {
  readonly url: string;
  /** git's redacted stderr, or '' when the failure was ours (a ref not found in a listing). */
  readonly stderr: string;

  constructor(code: ErrorCode, message: string, url: string, stderr = '', options?: { cause?: unknown }) {
    super(
      code,
      message,
      stderr === '' ? {} : { causes: [{ reason: 'GitStderr', message: stderr }] },
      options,
    );
    this.name = 'GitError';
    this.url = url;
    this.stderr = stderr;
  }
}

export function isGitError(error: unknown): error is GitError {
  return error instanceof GitError;
}
