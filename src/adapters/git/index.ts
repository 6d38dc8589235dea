/** The git adapter: what the GitRepository controller reads remotes through. See README.md. */
export type {
  FetchOptions,
  GitArtifact,
  GitAuth,
  GitClock,
  GitLog,
  GitRef,
  GitSource,
  PruneResult,
  ResolvedRevision,
  ResolveOptions,
} from './source.ts';
export { GitCli, type GitCliDeps } from './git-cli.ts';
export { GitError, isGitError } from './git-error.ts';
export { authFromSecret, InvalidCredentialsError, type Secret } from './credentials.ts';
export { formatRevision, refKind, type RefKind } from './refs.ts';
export { defaultExclusions, vcsExclusions } from './ignore-rules.ts';
