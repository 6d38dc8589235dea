/** The CustomResourceDefinitions of Keelson's own API groups (shared/DESIGN.md §3). */
import { gitRepositoryCrd } from './git-repository.ts';
import { syncCrd } from './sync.ts';
import { jobConfigCrd, jobRunCrd } from './ci.ts';
import { forgeCommitStatusCrd, forgePullRequestCrd, forgeRepositoryCrd } from './forge.ts';

export {
  gitRepositoryCrd,
  type GitRepository,
  type GitRepositoryRef,
  type Artifact,
} from './git-repository.ts';
export { syncCrd, type Sync, type InventoryEntry, type ObjectResult, type DriftRecord } from './sync.ts';

export {
  forgeApiVersion,
  forgeCommitStatusCrd,
  forgeGroup,
  forgeNamePattern,
  forgePullRequestCrd,
  forgeRepositoryCrd,
  type ForgeComment,
  type ForgeCommitStatus,
  type ForgePullRequest,
  type ForgeRepository,
  type ForgeReview,
  type ForgeStatusEntry,
  type ForgeWebhookSpec,
} from './forge.ts';

export {
  ciGroup,
  jobConfigCrd,
  jobRunCrd,
  type JobConfig,
  type JobRun,
  type JobRunSpec,
  type JobRunStatus,
} from './ci.ts';

export { requestedAtAnnotation, watchLabel } from './common.ts';

/** Every CRD Keelson installs, in install order. */
export const keelsonCrds: readonly Record<string, unknown>[] = [
  gitRepositoryCrd,
  syncCrd,
  forgeRepositoryCrd,
  forgePullRequestCrd,
  forgeCommitStatusCrd,
  jobConfigCrd,
  jobRunCrd,
];
