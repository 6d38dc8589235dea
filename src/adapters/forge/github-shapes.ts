/**
 * GitHub's REST JSON → the Forge interface's shapes. One copy for both implementations:
 * `GithubForge` maps what Octokit returns, `BuiltinForge` what the built-in forge's REST layer
 * would have sent (the same JSON, built in process).
 */
import type { RestEndpointMethodTypes } from '@octokit/rest';
import type {
  ChangedFile,
  Comment,
  CommitState,
  CommitStatus,
  ForgeRepository,
  PullRequest,
  Review,
} from './forge.ts';

type RepoData = RestEndpointMethodTypes['repos']['get']['response']['data'];
type PullData = RestEndpointMethodTypes['pulls']['get']['response']['data'];
type CommentData = RestEndpointMethodTypes['issues']['getComment']['response']['data'];
type StatusData = RestEndpointMethodTypes['repos']['createCommitStatus']['response']['data'];
type ReviewData = RestEndpointMethodTypes['pulls']['getReview']['response']['data'];

export function repository(
  data: Pick<
    RepoData,
    | 'owner'
    | 'name'
    | 'full_name'
    | 'id'
    | 'default_branch'
    | 'clone_url'
    | 'html_url'
    | 'private'
    | 'description'
  >,
): ForgeRepository {
  return {
    owner: data.owner.login,
    name: data.name,
    fullName: data.full_name,
    id: data.id,
    defaultBranch: data.default_branch ?? 'main',
    cloneUrl: data.clone_url ?? '',
    htmlUrl: data.html_url,
    private: data.private,
    description: data.description,
  };
}

export function pullRequest(
  data: PullData | RestEndpointMethodTypes['pulls']['list']['response']['data'][number],
): PullRequest {
  const full = data as Partial<PullData>;
  return {
    number: data.number,
    title: data.title,
    body: data.body,
    state: data.state === 'closed' ? 'closed' : 'open',
    author: data.user?.login ?? '',
    head: { ref: data.head.ref, sha: data.head.sha },
    base: { ref: data.base.ref, sha: data.base.sha },
    labels: data.labels.map((l) => l.name ?? '').filter((l) => l !== ''),
    merged: full.merged ?? data.merged_at !== null,
    mergeCommitSha: data.merge_commit_sha ?? null,
    mergeable: full.mergeable ?? null,
    mergeableState: full.mergeable_state ?? 'unknown',
    htmlUrl: data.html_url,
    createdAt: data.created_at,
    updatedAt: data.updated_at,
  };
}

export function comment(data: CommentData): Comment {
  return {
    id: data.id,
    body: data.body ?? '',
    author: data.user?.login ?? '',
    createdAt: data.created_at,
    updatedAt: data.updated_at,
  };
}

export function status(
  data: Pick<StatusData, 'id' | 'state' | 'context' | 'description' | 'target_url' | 'created_at'> & {
    creator?: { login: string } | null;
  },
): CommitStatus {
  return {
    id: data.id,
    state: data.state as CommitState,
    context: data.context,
    description: data.description ?? null,
    targetUrl: data.target_url ?? null,
    creator: data.creator?.login ?? null,
    createdAt: data.created_at,
  };
}

export function review(data: ReviewData): Review {
  return {
    id: data.id,
    author: data.user?.login ?? '',
    state: data.state as Review['state'],
    body: data.body,
    commitId: data.commit_id ?? '',
    submittedAt: data.submitted_at ?? null,
  };
}

type FileData = RestEndpointMethodTypes['pulls']['listFiles']['response']['data'][number];

export function changedFile(
  data: Pick<FileData, 'filename' | 'status' | 'previous_filename' | 'additions' | 'deletions'>,
): ChangedFile {
  return {
    filename: data.filename,
    status: data.status,
    ...(data.previous_filename !== undefined && { previousFilename: data.previous_filename }),
    additions: data.additions,
    deletions: data.deletions,
  };
}
