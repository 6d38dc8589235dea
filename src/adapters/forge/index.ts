/** The forge adapter: what Keelson's CI and CLI talk to GitHub and the built-in forge through. See README.md. */
export type {
  ChangedFile,
  CombinedStatus,
  Comment,
  CommitState,
  CommitStatus,
  CommitStatusInput,
  Forge,
  ForgeRepository,
  ForgeUser,
  MergeMethod,
  MergeResult,
  PullRequest,
  PullRequestState,
  RepoRef,
  Review,
  ReviewEvent,
  WebhookInput,
} from './forge.ts';
export { GithubForge, type GithubForgeOptions } from './github-forge.ts';
export { ForgeError, isForgeError, codeOfStatus } from './forge-error.ts';
export {
  forgeEventNames,
  signWebhook,
  verifyWebhook,
  WebhookError,
  type ForgeEventMap,
  type ForgeEventName,
  type ForgeWebhook,
} from './webhooks.ts';
export { GitRepoReader, type GitTokenSource, type RepoReader } from './repo-reader.ts';
