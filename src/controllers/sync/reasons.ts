/** The condition and event reasons the Sync controller writes (Flux kustomize-controller's where they mean the same). */

export const Progressing = 'Progressing';
export const ReconciliationSucceeded = 'ReconciliationSucceeded';
export const ReconciliationFailed = 'ReconciliationFailed';
export const DependencyNotReady = 'DependencyNotReady';
export const ArtifactFailed = 'ArtifactFailed';
export const SourceNotReady = 'SourceNotReady';
export const BuildFailed = 'BuildFailed';
export const ValidationFailed = 'ValidationFailed';
export const HealthCheckFailed = 'HealthCheckFailed';
export const PruneFailed = 'PruneFailed';
export const InvalidSpec = 'InvalidSpec';
export const HealthyBuildNotKept = 'HealthyBuildNotKept';
export const TargetFailed = 'TargetFailed';
export const DriftDetected = 'DriftDetected';
export const RolledBack = 'RolledBack';

/** A failed step: the Ready reason and message, and whether only a change of spec or source can help. */
export class SyncFailure extends Error {
  readonly code = 'KEELSON_SYNC_FAILED';
  readonly reason: string;
  readonly stalled: boolean;
  /** Requeue after this many ms instead of backing off. */
  readonly retryAfter: number | undefined;

  constructor(
    reason: string,
    message: string,
    options: { stalled?: boolean; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'SyncFailure';
    this.reason = reason;
    this.stalled = options.stalled ?? false;
    this.retryAfter = options.retryAfter;
  }
}
