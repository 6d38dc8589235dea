/**
 * The condition reasons the GitRepository controller writes (Flux source-controller's where they
 * mean the same), and how a failed reconcile maps onto one. No I/O.
 */
import { KeelsonError } from '../../base/errors.ts';
import { isGitError } from '../../adapters/git/index.ts';
import { formatDuration } from '../../base/duration.ts';

export const Succeeded = 'Succeeded';
export const Progressing = 'Progressing';
export const ProgressingWithRetry = 'ProgressingWithRetry';
export const AuthenticationFailed = 'AuthenticationFailed';
export const GitOperationFailed = 'GitOperationFailed';
export const InvalidRef = 'InvalidRef';
export const InvalidURL = 'InvalidURL';
export const InvalidSpec = 'InvalidSpec';
/** The event reason for a revision stored for the first time (Flux's `NewArtifact`). */
export const NewArtifact = 'NewArtifact';

/** What went wrong, as the Ready condition says it, and whether retrying can help. */
export class ReconcileFailure extends Error {
  readonly code = 'KEELSON_GIT_REPOSITORY_FAILED';
  readonly reason: string;
  /** Retrying cannot help until the object (or the Secret it names) changes: Stalled. */
  readonly terminal: boolean;

  constructor(reason: string, message: string, terminal: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReconcileFailure';
    this.reason = reason;
    this.terminal = terminal;
  }
}

/**
 * Maps an error of a reconcile of `url` to a failure. The git adapter's codes decide: an invalid
 * ref or URL is terminal; authentication, a missing ref or repository, timeouts and anything else
 * the remote said are retried. `timeoutMs` is set when spec.timeout ran out.
 */
export function failureOf(error: unknown, url: string, timeoutMs?: number): ReconcileFailure {
  if (error instanceof ReconcileFailure) return error;
  if (timeoutMs !== undefined) {
    return new ReconcileFailure(
      GitOperationFailed,
      `git operation on ${url} timed out after ${formatDuration(timeoutMs)}`,
      false,
      { cause: error },
    );
  }
  if (isGitError(error)) {
    if (error.code === 'KEELSON_UNAUTHORIZED' || error.code === 'KEELSON_FORBIDDEN') {
      return new ReconcileFailure(AuthenticationFailed, error.message, false, { cause: error });
    }
    if (error.code === 'KEELSON_INVALID') {
      return new ReconcileFailure(InvalidRef, error.message, true, { cause: error });
    }
    return new ReconcileFailure(GitOperationFailed, error.message, false, { cause: error });
  }
  // the adapter's other invalid errors are about the URL: the ref was checked before calling it
  if (error instanceof KeelsonError && error.code === 'KEELSON_INVALID') {
    return new ReconcileFailure(InvalidURL, error.message, true, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ReconcileFailure(GitOperationFailed, `${url}: ${message}`, false, { cause: error });
}
