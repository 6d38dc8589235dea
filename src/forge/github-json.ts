/**
 * The built-in forge's objects as GitHub's REST API and webhooks shape them (the schemas of
 * GitHub's OpenAPI description: simple-user, full-repository, pull-request, issue-comment, label,
 * status, pull-request-review, diff-entry, hook). Fields Keelson has no notion of get GitHub's
 * neutral values (0, false, null).
 */
import type {
  ForgeComment,
  ForgePullRequest,
  ForgeRepository,
  ForgeReview,
  ForgeStatusEntry,
  ForgeWebhookSpec,
} from '../api/crds/index.ts';
import type { FileChange } from './git.ts';
import type { ForgeUserRecord } from './store.ts';

export type Json = Record<string, unknown>;

/** Where the forge is: `html` (web and git) and `api` (`<html>/api/v3`). */
export interface Urls {
  html: string;
  api: string;
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`).toString('base64');
}

export function simpleUser(
  urls: Urls,
  user: Pick<ForgeUserRecord, 'login' | 'id' | 'siteAdmin'>,
  type = user.login.endsWith('[bot]') ? 'Bot' : 'User',
): Json {
  // a bot's login `<slug>[bot]` is escaped in URLs, and its page is the app's, as on GitHub
  const login = encodeURIComponent(user.login);
  const u = `${urls.api}/users/${login}`;
  const bot = /^(.+)\[bot\]$/.exec(user.login)?.[1];
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId('User', user.id),
    avatar_url: `${urls.html}/avatars/${login}`,
    gravatar_id: '',
    url: u,
    html_url: bot === undefined ? `${urls.html}/${login}` : `${urls.html}/apps/${bot}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type,
    site_admin: user.siteAdmin,
    user_view_type: 'public',
  };
}

/** GET /user: the private view of the authenticated user. */
export function privateUser(urls: Urls, user: ForgeUserRecord): Json {
  return {
    ...simpleUser(urls, user),
    user_view_type: 'private',
    name: user.login,
    company: null,
    blog: null,
    location: null,
    email: user.email,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.createdAt,
    updated_at: user.createdAt,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: false,
  };
}

/** GET /users/{username}: the public view of a user (or of an app's bot, type Bot). */
export function publicUser(urls: Urls, user: ForgeUserRecord): Json {
  return {
    ...simpleUser(urls, user),
    name: user.login,
    company: null,
    blog: null,
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.createdAt,
    updated_at: user.createdAt,
  };
}

/** The owner of a repository: a user, or an organization the forge knows only by name. */
export function ownerOf(urls: Urls, owner: string, user: ForgeUserRecord | undefined): Json {
  return user
    ? simpleUser(urls, user)
    : simpleUser(
        urls,
        {
          login: owner,
          id: Number.parseInt(Buffer.from(owner).toString('hex').slice(0, 12), 16),
          siteAdmin: false,
        },
        'Organization',
      );
}

export function repository(urls: Urls, repo: ForgeRepository, owner: Json, openIssues: number): Json {
  const { spec } = repo;
  const full = `${spec.owner}/${spec.name}`;
  const r = `${urls.api}/repos/${full}`;
  const id = repo.status?.id ?? 0;
  const created = repo.metadata.creationTimestamp ?? new Date(0).toISOString();
  const pushed = repo.status?.pushedAt ?? created;
  return {
    id,
    node_id: nodeId('Repository', id),
    name: spec.name,
    full_name: full,
    owner,
    private: spec.private ?? false,
    html_url: `${urls.html}/${full}`,
    description: spec.description ?? null,
    fork: false,
    url: r,
    archive_url: `${r}/{archive_format}{/ref}`,
    assignees_url: `${r}/assignees{/user}`,
    blobs_url: `${r}/git/blobs{/sha}`,
    branches_url: `${r}/branches{/branch}`,
    collaborators_url: `${r}/collaborators{/collaborator}`,
    comments_url: `${r}/comments{/number}`,
    commits_url: `${r}/commits{/sha}`,
    compare_url: `${r}/compare/{base}...{head}`,
    contents_url: `${r}/contents/{+path}`,
    contributors_url: `${r}/contributors`,
    deployments_url: `${r}/deployments`,
    downloads_url: `${r}/downloads`,
    events_url: `${r}/events`,
    forks_url: `${r}/forks`,
    git_commits_url: `${r}/git/commits{/sha}`,
    git_refs_url: `${r}/git/refs{/sha}`,
    git_tags_url: `${r}/git/tags{/sha}`,
    git_url: `${urls.html.replace(/^https?:/, 'git:')}/${full}.git`,
    hooks_url: `${r}/hooks`,
    issue_comment_url: `${r}/issues/comments{/number}`,
    issue_events_url: `${r}/issues/events{/number}`,
    issues_url: `${r}/issues{/number}`,
    keys_url: `${r}/keys{/key_id}`,
    labels_url: `${r}/labels{/name}`,
    languages_url: `${r}/languages`,
    merges_url: `${r}/merges`,
    milestones_url: `${r}/milestones{/number}`,
    notifications_url: `${r}/notifications{?since,all,participating}`,
    pulls_url: `${r}/pulls{/number}`,
    releases_url: `${r}/releases{/id}`,
    ssh_url: `git@${new URL(urls.html).host}:${full}.git`,
    stargazers_url: `${r}/stargazers`,
    statuses_url: `${r}/statuses/{sha}`,
    subscribers_url: `${r}/subscribers`,
    subscription_url: `${r}/subscription`,
    tags_url: `${r}/tags`,
    teams_url: `${r}/teams`,
    trees_url: `${r}/git/trees{/sha}`,
    clone_url: `${urls.html}/${full}.git`,
    mirror_url: null,
    svn_url: `${urls.html}/${full}`,
    homepage: null,
    language: null,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: spec.defaultBranch,
    open_issues: openIssues,
    open_issues_count: openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: spec.private ? 'private' : 'public',
    pushed_at: pushed,
    created_at: created,
    updated_at: pushed,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: true,
    license: null,
    network_count: 0,
    subscribers_count: 0,
  };
}

export function label(urls: Urls, repo: ForgeRepository, name: string): Json {
  const id = Number.parseInt(Buffer.from(`${repo.metadata.name}/${name}`).toString('hex').slice(0, 12), 16);
  return {
    id,
    node_id: nodeId('Label', id),
    url: `${urls.api}/repos/${repo.spec.owner}/${repo.spec.name}/labels/${encodeURIComponent(name)}`,
    name,
    // a string, not null: the label items of GitHub's pull request list schema require one
    description: '',
    color: 'ededed',
    default: false,
  };
}

export interface PullContext {
  urls: Urls;
  repo: ForgeRepository;
  /** The repository as `repository()` renders it. */
  repoJson: Json;
  user: (login: string) => Json;
  mergeable: boolean | null;
  changes?: { files: FileChange[]; commits: number };
}

export function pullRequest(ctx: PullContext, pr: ForgePullRequest): Json {
  const { urls, repo } = ctx;
  const full = `${repo.spec.owner}/${repo.spec.name}`;
  const r = `${urls.api}/repos/${full}`;
  const n = pr.spec.number;
  const id = (repo.status?.id ?? 0) * 10_000 + n;
  const headSha = pr.status?.headSha ?? '';
  const merged = pr.status?.merged ?? false;
  const created = pr.metadata.creationTimestamp ?? new Date(0).toISOString();
  const files = ctx.changes?.files ?? [];
  const link = (href: string) => ({ href });
  const mergeableState =
    pr.spec.state === 'closed'
      ? 'unknown'
      : ctx.mergeable === null
        ? 'unknown'
        : ctx.mergeable
          ? 'clean'
          : 'dirty';
  return {
    url: `${r}/pulls/${n}`,
    id,
    node_id: nodeId('PullRequest', id),
    html_url: `${urls.html}/${full}/pull/${n}`,
    diff_url: `${urls.html}/${full}/pull/${n}.diff`,
    patch_url: `${urls.html}/${full}/pull/${n}.patch`,
    issue_url: `${r}/issues/${n}`,
    commits_url: `${r}/pulls/${n}/commits`,
    review_comments_url: `${r}/pulls/${n}/comments`,
    review_comment_url: `${r}/pulls/comments{/number}`,
    comments_url: `${r}/issues/${n}/comments`,
    statuses_url: `${r}/statuses/${headSha}`,
    number: n,
    state: pr.spec.state,
    locked: false,
    title: pr.spec.title,
    user: ctx.user(pr.spec.user),
    body: pr.spec.body ?? null,
    labels: (pr.spec.labels ?? []).map((l) => label(urls, repo, l)),
    milestone: null,
    active_lock_reason: null,
    created_at: created,
    updated_at: pr.status?.updatedAt ?? created,
    closed_at: pr.status?.closedAt ?? null,
    merged_at: pr.status?.mergedAt ?? null,
    merge_commit_sha: pr.status?.mergeCommitSha ?? null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${repo.spec.owner}:${pr.spec.head}`,
      ref: pr.spec.head,
      sha: headSha,
      user: ctx.repoJson['owner'],
      repo: ctx.repoJson,
    },
    base: {
      label: `${repo.spec.owner}:${pr.spec.base}`,
      ref: pr.spec.base,
      sha: pr.status?.baseSha ?? '',
      user: ctx.repoJson['owner'],
      repo: ctx.repoJson,
    },
    _links: {
      self: link(`${r}/pulls/${n}`),
      html: link(`${urls.html}/${full}/pull/${n}`),
      issue: link(`${r}/issues/${n}`),
      comments: link(`${r}/issues/${n}/comments`),
      review_comments: link(`${r}/pulls/${n}/comments`),
      review_comment: link(`${r}/pulls/comments{/number}`),
      commits: link(`${r}/pulls/${n}/commits`),
      statuses: link(`${r}/statuses/${headSha}`),
    },
    author_association: 'MEMBER',
    auto_merge: null,
    draft: false,
    merged,
    mergeable: pr.spec.state === 'open' ? ctx.mergeable : null,
    rebaseable: pr.spec.state === 'open' ? ctx.mergeable : null,
    mergeable_state: mergeableState,
    merged_by: pr.status?.mergedBy !== undefined ? ctx.user(pr.status.mergedBy) : null,
    comments: pr.status?.comments?.length ?? 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: ctx.changes?.commits ?? 0,
    additions: files.reduce((sum, f) => sum + f.additions, 0),
    deletions: files.reduce((sum, f) => sum + f.deletions, 0),
    changed_files: files.length,
  };
}

export function issueComment(
  urls: Urls,
  repo: ForgeRepository,
  number: number,
  comment: ForgeComment,
  user: Json,
): Json {
  const full = `${repo.spec.owner}/${repo.spec.name}`;
  return {
    id: comment.id,
    node_id: nodeId('IssueComment', comment.id),
    url: `${urls.api}/repos/${full}/issues/comments/${comment.id}`,
    html_url: `${urls.html}/${full}/pull/${number}#issuecomment-${comment.id}`,
    body: comment.body,
    user,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${urls.api}/repos/${full}/issues/${number}`,
    author_association: 'MEMBER',
    performed_via_github_app: null,
    reactions: noReactions(`${urls.api}/repos/${full}/issues/comments/${comment.id}/reactions`),
  };
}

export function review(urls: Urls, repo: ForgeRepository, number: number, r: ForgeReview, user: Json): Json {
  const full = `${repo.spec.owner}/${repo.spec.name}`;
  const html = `${urls.html}/${full}/pull/${number}#pullrequestreview-${r.id}`;
  const pull = `${urls.api}/repos/${full}/pulls/${number}`;
  return {
    id: r.id,
    node_id: nodeId('PullRequestReview', r.id),
    user,
    body: r.body,
    state: r.state,
    html_url: html,
    pull_request_url: pull,
    _links: { html: { href: html }, pull_request: { href: pull } },
    submitted_at: r.submittedAt,
    commit_id: r.commitId,
    author_association: 'MEMBER',
  };
}

export function status(
  urls: Urls,
  repo: ForgeRepository,
  sha: string,
  s: ForgeStatusEntry,
  creator: Json,
): Json {
  return {
    url: `${urls.api}/repos/${repo.spec.owner}/${repo.spec.name}/statuses/${sha}`,
    avatar_url: null,
    id: s.id,
    node_id: nodeId('StatusContext', s.id),
    state: s.state,
    description: s.description ?? null,
    target_url: s.targetUrl ?? null,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    creator,
  };
}

/** The newest status of each context, newest first, as GitHub lists them. */
export function latestByContext(statuses: ForgeStatusEntry[]): ForgeStatusEntry[] {
  const latest = new Map<string, ForgeStatusEntry>();
  for (const s of statuses) latest.set(s.context, s);
  return [...latest.values()].reverse();
}

/** GitHub's combined state. */
export function combinedState(statuses: ForgeStatusEntry[]): ForgeStatusEntry['state'] {
  if (statuses.some((s) => s.state === 'error' || s.state === 'failure')) return 'failure';
  if (statuses.length === 0 || statuses.some((s) => s.state === 'pending')) return 'pending';
  return 'success';
}

export function diffEntry(urls: Urls, repo: ForgeRepository, headSha: string, f: FileChange): Json {
  const full = `${repo.spec.owner}/${repo.spec.name}`;
  const path = f.filename.split('/').map(encodeURIComponent).join('/');
  return {
    sha: f.sha,
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    blob_url: `${urls.html}/${full}/blob/${headSha}/${path}`,
    raw_url: `${urls.html}/${full}/raw/${headSha}/${path}`,
    contents_url: `${urls.api}/repos/${full}/contents/${path}?ref=${headSha}`,
    ...(f.previousFilename !== undefined && { previous_filename: f.previousFilename }),
  };
}

export function hook(urls: Urls, repo: ForgeRepository, h: ForgeWebhookSpec): Json {
  const u = `${urls.api}/repos/${repo.spec.owner}/${repo.spec.name}/hooks/${h.id}`;
  const created = repo.metadata.creationTimestamp ?? new Date(0).toISOString();
  return {
    type: 'Repository',
    id: h.id,
    name: 'web',
    active: h.active,
    events: h.events,
    config: {
      url: h.url,
      content_type: 'json',
      insecure_ssl: '0',
      ...(h.secretRef && { secret: '********' }),
    },
    updated_at: created,
    created_at: created,
    url: u,
    test_url: `${u}/test`,
    ping_url: `${u}/pings`,
    deliveries_url: `${u}/deliveries`,
    last_response: { code: null, status: 'unused', message: null },
  };
}

/** GitHub's reaction rollup of an issue or comment nobody has reacted to (the forge keeps no reactions). */
export function noReactions(url: string): Record<string, string | number> {
  return {
    url,
    total_count: 0,
    '+1': 0,
    '-1': 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0,
  };
}
