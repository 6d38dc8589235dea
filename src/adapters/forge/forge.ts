/**
 * What Keelson's CI needs from a forge (GitHub, or the built-in forge): repositories, pull
 * requests and the files they change, comments, labels, commit statuses, reviews, merges and the
 * trust checks (org membership, collaborators). Shapes are Keelson's own and small; an
 * implementation maps its forge's answers onto them.
 */

/** `owner/name` of a repository. */
export interface RepoRef {
  owner: string;
  name: string;
}

export interface ForgeUser {
  login: string;
  id: number;
  siteAdmin: boolean;
}

export interface ForgeRepository {
  owner: string;
  name: string;
  fullName: string;
  id: number;
  defaultBranch: string;
  cloneUrl: string;
  htmlUrl: string;
  private: boolean;
  description: string | null;
}

export type PullRequestState = 'open' | 'closed';
export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface PullRequest {
  number: number;
  title: string;
  body: string | null;
  state: PullRequestState;
  author: string;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  labels: string[];
  merged: boolean;
  mergeCommitSha: string | null;
  /** null while the forge has not computed it yet (GitHub computes it in the background). */
  mergeable: boolean | null;
  mergeableState: string;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface ChangedFile {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previousFilename?: string;
  additions: number;
  deletions: number;
}

export interface Comment {
  id: number;
  body: string;
  author: string;
  createdAt: string;
  updatedAt: string;
}

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

export interface CommitStatusInput {
  state: CommitState;
  context: string;
  description?: string;
  targetUrl?: string;
}

export interface CommitStatus {
  id: number;
  state: CommitState;
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: string | null;
  createdAt: string;
}

export interface CombinedStatus {
  sha: string;
  /** GitHub's rule: failure if any is error or failure, pending if any is pending or none exist. */
  state: CommitState;
  /** The newest status of each context. */
  statuses: CommitStatus[];
}

export type ReviewEvent = 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT';

export interface Review {
  id: number;
  author: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  body: string;
  commitId: string;
  submittedAt: string | null;
}

export interface MergeResult {
  merged: boolean;
  sha: string;
  message: string;
}

/** GitHub's `permission` of a user on a repository (maintain reads as write, triage as read). */
export type RepoPermission = 'admin' | 'write' | 'read' | 'none';

export interface WebhookInput {
  url: string;
  secret: string;
  /** GitHub event names; `['*']` for all. */
  events: string[];
}

/** A forge, as Keelson's CI and CLI see it. Every implementation passes `forge.contract.ts`. */
export interface Forge {
  /** The user the forge's credentials belong to. */
  currentUser(): Promise<ForgeUser>;
  /** Creates a repository under `owner` (an organization) or, without it, the current user. */
  createRepository(input: {
    name: string;
    owner?: string;
    description?: string;
    private?: boolean;
  }): Promise<ForgeRepository>;
  getRepository(repo: RepoRef): Promise<ForgeRepository>;
  /** Repositories the current user can see. */
  listRepositories(): Promise<ForgeRepository[]>;

  createPullRequest(
    repo: RepoRef,
    input: { title: string; head: string; base: string; body?: string },
  ): Promise<PullRequest>;
  getPullRequest(repo: RepoRef, number: number): Promise<PullRequest>;
  listPullRequests(repo: RepoRef, options?: { state?: PullRequestState | 'all' }): Promise<PullRequest[]>;
  /** Files a pull request changes against its merge base. */
  listChangedFiles(repo: RepoRef, number: number): Promise<ChangedFile[]>;
  closePullRequest(repo: RepoRef, number: number): Promise<PullRequest>;
  /** Merges; rejects with KEELSON_CONFLICT when `sha` is not the head any more, or it cannot merge. */
  mergePullRequest(
    repo: RepoRef,
    number: number,
    options: { method: MergeMethod; sha?: string; commitTitle?: string; commitMessage?: string },
  ): Promise<MergeResult>;

  listComments(repo: RepoRef, number: number): Promise<Comment[]>;
  createComment(repo: RepoRef, number: number, body: string): Promise<Comment>;
  updateComment(repo: RepoRef, id: number, body: string): Promise<Comment>;
  /** Deletes a comment (its author or a writer of the repository may). */
  deleteComment(repo: RepoRef, id: number): Promise<void>;

  /** Adds labels; resolves with every label the pull request has afterwards. */
  addLabels(repo: RepoRef, number: number, labels: string[]): Promise<string[]>;
  /** Removes a label (absent is not an error); resolves with the labels left. */
  removeLabel(repo: RepoRef, number: number, label: string): Promise<string[]>;

  createStatus(repo: RepoRef, sha: string, status: CommitStatusInput): Promise<CommitStatus>;
  /** The combined status of a sha or branch. */
  getCombinedStatus(repo: RepoRef, ref: string): Promise<CombinedStatus>;

  createReview(
    repo: RepoRef,
    number: number,
    input: { event: ReviewEvent; body?: string; commitId?: string },
  ): Promise<Review>;
  listReviews(repo: RepoRef, number: number): Promise<Review[]>;

  isOrgMember(org: string, login: string): Promise<boolean>;
  isCollaborator(repo: RepoRef, login: string): Promise<boolean>;
  /** The user's permission on the repository (GitHub's `collaborators/{login}/permission`). */
  permission(repo: RepoRef, login: string): Promise<RepoPermission>;

  /** Registers a webhook on a repository; resolves with its id. */
  createWebhook(repo: RepoRef, hook: WebhookInput): Promise<number>;
}
