/** Prow-compatible CI job config: loading, validation, job selection, schedules and job environment. */
export type * from './types.ts';
export { jobStates } from './types.ts';
export { formatIssue, isJobConfigError, JobConfigError, type ConfigIssue } from './errors.ts';
export type { SourceFile } from './yaml-source.ts';
export {
  defaultRerunCommandFor,
  defaultTriggerFor,
  inRepoConfigAllowsCluster,
  inRepoConfigEnabled,
  jobsForRepo,
  loadInRepoConfig,
  loadJobConfig,
  resolvePresets,
  type DefaultDecorationEntry,
  type InRepoConfigResult,
  type InRepoConfigSettings,
  type JobConfigSet,
} from './config.ts';
export {
  branchesIntersect,
  branchMatches,
  branchOfRef,
  changesMatch,
  contextRequired,
  isOkToTest,
  isRetest,
  isRetestRequired,
  isTestAll,
  needsExplicitTrigger,
  postsubmitShouldRun,
  postsubmitsForPush,
  presubmitShouldRun,
  presubmitsForComment,
  presubmitsForPullRequest,
  triggerMatches,
  type CommentContext,
  type PullRequestChange,
} from './select.ts';
export { nextCronTime, periodicDue, type PeriodicDue, type PreviousRun } from './schedule.ts';
export { goDurationString, jobRunSpecFor, jobSpecJson, prowEnv, pullRefs } from './env.ts';
export { compileGoRegexp } from './regexp.ts';
export { reservedEnv } from './validate.ts';
export {
  commitStatusFor,
  isFinalJobState,
  isReportComment,
  jobRunLabels,
  labelsForJobRun,
  optionalAnnotation,
  reportCommentBody,
  reportCommentMarker,
  slackMessageText,
  type CommitStatusState,
  type FailedJobRow,
} from './report.ts';
