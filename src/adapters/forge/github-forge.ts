/**
 * `Forge` over GitHub's REST API with @octokit/rest: github.com, GitHub Enterprise Server, or the
 * built-in forge (`baseUrl: <forge>/api/v3`), which serves the same subset. Authenticates with a
 * token (a personal access token, an installation token or a built-in forge user's token) or as a
 * GitHub App installation: @octokit/auth-app signs the app's JWTs and fetches and refreshes the
 * installation tokens, and the forge then acts as the app's bot user `<slug>[bot]`.
 */
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { ForgeError, codeOfStatus } from './forge-error.ts';
import { changedFile, comment, pullRequest, repository, review, status } from './github-shapes.ts';
import type {
  ChangedFile,
  CombinedStatus,
  Comment,
  CommitState,
  CommitStatus,
  Forge,
  ForgeRepository,
  ForgeUser,
  MergeResult,
  PullRequest,
  RepoPermission,
  RepoRef,
  Review,
} from './forge.ts';

/** A GitHub App installation to act as: the app's id and private key (PEM), and the installation. */
export interface GithubAppCredentials {
  appId: number | string;
  privateKey: string;
  installationId: number;
}

export type GithubForgeOptions = ({ token: string } | { app: GithubAppCredentials }) & {
  /** `https://api.github.com` (default) or `https://HOST/api/v3`. */
  baseUrl?: string;
  userAgent?: string;
};

/**
 * Turns Octokit's RequestError into a ForgeError naming the call. Octokit reports a request that
 * got no answer (connection refused, DNS) as status 500 without a response; that is status 0 here.
 */
function failure(what: string, error: unknown): ForgeError {
  const { status, response } = error as { status?: unknown; response?: unknown };
  const code = typeof status === 'number' && response !== undefined ? status : 0;
  const text = (error as { response?: { data?: { message?: unknown } } }).response?.data?.message;
  const detail = typeof text === 'string' ? text : (error as Error).message;
  return new ForgeError(codeOfStatus(code), `${what}: ${code || 'unreachable'} ${detail}`, code, {
    cause: error,
  });
}

export class GithubForge implements Forge {
  readonly #octokit: Octokit;
  /** Acting as an app installation: no `/user`, so the bot is found through `/app`. */
  readonly #asApp: boolean;
  /** The static token, when not acting as an app. */
  readonly #token: string | undefined;

  constructor(options: GithubForgeOptions) {
    this.#asApp = 'app' in options;
    this.#token = 'token' in options ? options.token : undefined;
    if ('token' in options && options.token === '')
      throw new ForgeError('KEELSON_INVALID', 'github forge: the token is empty', 0);
    if ('app' in options && (options.app.privateKey === '' || String(options.app.appId) === ''))
      throw new ForgeError('KEELSON_INVALID', 'github forge: the app id or private key is empty', 0);
    this.#octokit = new Octokit({
      ...('app' in options
        ? {
            authStrategy: createAppAuth,
            auth: {
              appId: options.app.appId,
              privateKey: options.app.privateKey,
              installationId: options.app.installationId,
            },
          }
        : { auth: options.token }),
      ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl.replace(/\/$/, '') }),
      userAgent: options.userAgent ?? 'keelson',
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      request: { retries: 0 },
    });
  }

  async #call<T>(what: string, call: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await call()).data;
    } catch (error) {
      throw failure(what, error);
    }
  }

  /** true on 204, false on 404 (GitHub's answer for yes and no). */
  async #check(what: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      if ((error as { status?: unknown }).status === 404) return false;
      throw failure(what, error);
    }
  }

  /**
   * A token for git over HTTP (`x-access-token:<token>`): the static token, or for an app an
   * installation token, which expires after an hour. Call it for each git operation: @octokit/auth-app
   * caches the installation token and fetches a new one shortly before it expires.
   */
  async gitToken(): Promise<string> {
    if (this.#token !== undefined) return this.#token;
    try {
      const { token } = (await this.#octokit.auth({ type: 'installation' })) as { token: string };
      return token;
    } catch (error) {
      throw failure('get an installation token', error);
    }
  }

  /** A user's own account, or for an app installation its bot user `<slug>[bot]`. */
  async currentUser(): Promise<ForgeUser> {
    if (this.#asApp) {
      const app = await this.#call('get the authenticated app', () => this.#octokit.apps.getAuthenticated());
      const login = `${app?.slug ?? ''}[bot]`;
      const bot = await this.#call(`get user ${login}`, () =>
        this.#octokit.users.getByUsername({ username: login }),
      );
      return { login: bot.login, id: bot.id, siteAdmin: bot.site_admin };
    }
    const data = await this.#call('get the current user', () => this.#octokit.users.getAuthenticated());
    return { login: data.login, id: data.id, siteAdmin: data.site_admin };
  }

  async createRepository(input: {
    name: string;
    owner?: string;
    description?: string;
    private?: boolean;
  }): Promise<ForgeRepository> {
    const body = {
      name: input.name,
      ...(input.description !== undefined && { description: input.description }),
      ...(input.private !== undefined && { private: input.private }),
    };
    const owner = input.owner;
    if (owner !== undefined && owner !== (await this.currentUser()).login) {
      return repository(
        await this.#call(`create repository ${owner}/${input.name}`, () =>
          this.#octokit.repos.createInOrg({ org: owner, ...body }),
        ),
      );
    }
    return repository(
      await this.#call(`create repository ${input.name}`, () =>
        this.#octokit.repos.createForAuthenticatedUser(body),
      ),
    );
  }

  async getRepository(repo: RepoRef): Promise<ForgeRepository> {
    return repository(
      await this.#call(`get repository ${repo.owner}/${repo.name}`, () =>
        this.#octokit.repos.get({ owner: repo.owner, repo: repo.name }),
      ),
    );
  }

  async listRepositories(): Promise<ForgeRepository[]> {
    try {
      if (this.#asApp) {
        const all = await this.#octokit.paginate(this.#octokit.apps.listReposAccessibleToInstallation, {
          per_page: 100,
        });
        return all.map((r) => repository(r));
      }
      const all = await this.#octokit.paginate(this.#octokit.repos.listForAuthenticatedUser, {
        per_page: 100,
      });
      return all.map((r) => repository(r));
    } catch (error) {
      throw failure('list repositories', error);
    }
  }

  async createPullRequest(
    repo: RepoRef,
    input: { title: string; head: string; base: string; body?: string },
  ): Promise<PullRequest> {
    return pullRequest(
      await this.#call(`open a pull request on ${repo.owner}/${repo.name} from ${input.head}`, () =>
        this.#octokit.pulls.create({ owner: repo.owner, repo: repo.name, ...input }),
      ),
    );
  }

  async getPullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    return pullRequest(
      await this.#call(`get pull request ${repo.owner}/${repo.name}#${number}`, () =>
        this.#octokit.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: number }),
      ),
    );
  }

  async listPullRequests(
    repo: RepoRef,
    options: { state?: 'open' | 'closed' | 'all' } = {},
  ): Promise<PullRequest[]> {
    try {
      const all = await this.#octokit.paginate(this.#octokit.pulls.list, {
        owner: repo.owner,
        repo: repo.name,
        state: options.state ?? 'open',
        per_page: 100,
      });
      return all.map((p) => pullRequest(p));
    } catch (error) {
      throw failure(`list pull requests of ${repo.owner}/${repo.name}`, error);
    }
  }

  async listChangedFiles(repo: RepoRef, number: number): Promise<ChangedFile[]> {
    try {
      const all = await this.#octokit.paginate(this.#octokit.pulls.listFiles, {
        owner: repo.owner,
        repo: repo.name,
        pull_number: number,
        per_page: 100,
      });
      return all.map(changedFile);
    } catch (error) {
      throw failure(`list the files of ${repo.owner}/${repo.name}#${number}`, error);
    }
  }

  async closePullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    return pullRequest(
      await this.#call(`close ${repo.owner}/${repo.name}#${number}`, () =>
        this.#octokit.pulls.update({
          owner: repo.owner,
          repo: repo.name,
          pull_number: number,
          state: 'closed',
        }),
      ),
    );
  }

  async mergePullRequest(
    repo: RepoRef,
    number: number,
    options: {
      method: 'merge' | 'squash' | 'rebase';
      sha?: string;
      commitTitle?: string;
      commitMessage?: string;
    },
  ): Promise<MergeResult> {
    const data = await this.#call(`merge ${repo.owner}/${repo.name}#${number}`, () =>
      this.#octokit.pulls.merge({
        owner: repo.owner,
        repo: repo.name,
        pull_number: number,
        merge_method: options.method,
        ...(options.sha !== undefined && { sha: options.sha }),
        ...(options.commitTitle !== undefined && { commit_title: options.commitTitle }),
        ...(options.commitMessage !== undefined && { commit_message: options.commitMessage }),
      }),
    );
    return { merged: data.merged, sha: data.sha, message: data.message };
  }

  async listComments(repo: RepoRef, number: number): Promise<Comment[]> {
    try {
      const all = await this.#octokit.paginate(this.#octokit.issues.listComments, {
        owner: repo.owner,
        repo: repo.name,
        issue_number: number,
        per_page: 100,
      });
      return all.map((c) => comment(c));
    } catch (error) {
      throw failure(`list the comments of ${repo.owner}/${repo.name}#${number}`, error);
    }
  }

  async createComment(repo: RepoRef, number: number, body: string): Promise<Comment> {
    return comment(
      await this.#call(`comment on ${repo.owner}/${repo.name}#${number}`, () =>
        this.#octokit.issues.createComment({
          owner: repo.owner,
          repo: repo.name,
          issue_number: number,
          body,
        }),
      ),
    );
  }

  async updateComment(repo: RepoRef, id: number, body: string): Promise<Comment> {
    return comment(
      await this.#call(`update comment ${id} of ${repo.owner}/${repo.name}`, () =>
        this.#octokit.issues.updateComment({ owner: repo.owner, repo: repo.name, comment_id: id, body }),
      ),
    );
  }

  async deleteComment(repo: RepoRef, id: number): Promise<void> {
    await this.#call(`delete comment ${id} of ${repo.owner}/${repo.name}`, () =>
      this.#octokit.issues.deleteComment({ owner: repo.owner, repo: repo.name, comment_id: id }),
    );
  }

  async addLabels(repo: RepoRef, number: number, labels: string[]): Promise<string[]> {
    const data = await this.#call(`label ${repo.owner}/${repo.name}#${number}`, () =>
      this.#octokit.issues.addLabels({ owner: repo.owner, repo: repo.name, issue_number: number, labels }),
    );
    return data.map((l) => l.name);
  }

  async removeLabel(repo: RepoRef, number: number, label: string): Promise<string[]> {
    try {
      const { data } = await this.#octokit.issues.removeLabel({
        owner: repo.owner,
        repo: repo.name,
        issue_number: number,
        name: label,
      });
      return data.map((l) => l.name);
    } catch (error) {
      if ((error as { status?: unknown }).status !== 404)
        throw failure(`remove label ${label} from ${repo.owner}/${repo.name}#${number}`, error);
      return (await this.getPullRequest(repo, number)).labels;
    }
  }

  async createStatus(
    repo: RepoRef,
    sha: string,
    input: { state: CommitState; context: string; description?: string; targetUrl?: string },
  ): Promise<CommitStatus> {
    return status(
      await this.#call(`set status ${input.context} on ${repo.owner}/${repo.name}@${sha}`, () =>
        this.#octokit.repos.createCommitStatus({
          owner: repo.owner,
          repo: repo.name,
          sha,
          state: input.state,
          context: input.context,
          ...(input.description !== undefined && { description: input.description }),
          ...(input.targetUrl !== undefined && { target_url: input.targetUrl }),
        }),
      ),
    );
  }

  async getCombinedStatus(repo: RepoRef, ref: string): Promise<CombinedStatus> {
    const data = await this.#call(`get the status of ${repo.owner}/${repo.name}@${ref}`, () =>
      this.#octokit.repos.getCombinedStatusForRef({ owner: repo.owner, repo: repo.name, ref, per_page: 100 }),
    );
    return {
      sha: data.sha,
      state: data.state as CommitState,
      statuses: data.statuses.map((s) => status({ ...s, creator: null })),
    };
  }

  async createReview(
    repo: RepoRef,
    number: number,
    input: { event: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT'; body?: string; commitId?: string },
  ): Promise<Review> {
    return review(
      await this.#call(`review ${repo.owner}/${repo.name}#${number}`, () =>
        this.#octokit.pulls.createReview({
          owner: repo.owner,
          repo: repo.name,
          pull_number: number,
          event: input.event,
          ...(input.body !== undefined && { body: input.body }),
          ...(input.commitId !== undefined && { commit_id: input.commitId }),
        }),
      ),
    );
  }

  async listReviews(repo: RepoRef, number: number): Promise<Review[]> {
    try {
      const all = await this.#octokit.paginate(this.#octokit.pulls.listReviews, {
        owner: repo.owner,
        repo: repo.name,
        pull_number: number,
        per_page: 100,
      });
      return all.map((r) => review(r));
    } catch (error) {
      throw failure(`list the reviews of ${repo.owner}/${repo.name}#${number}`, error);
    }
  }

  async isOrgMember(org: string, login: string): Promise<boolean> {
    return this.#check(`check ${login} in org ${org}`, () =>
      this.#octokit.orgs.checkMembershipForUser({ org, username: login }),
    );
  }

  async isCollaborator(repo: RepoRef, login: string): Promise<boolean> {
    return this.#check(`check ${login} as collaborator of ${repo.owner}/${repo.name}`, () =>
      this.#octokit.repos.checkCollaborator({ owner: repo.owner, repo: repo.name, username: login }),
    );
  }

  async permission(repo: RepoRef, login: string): Promise<RepoPermission> {
    try {
      const data = await this.#call(`read the permission of ${login} on ${repo.owner}/${repo.name}`, () =>
        this.#octokit.repos.getCollaboratorPermissionLevel({
          owner: repo.owner,
          repo: repo.name,
          username: login,
        }),
      );
      const permission = data.permission;
      return permission === 'admin' || permission === 'write' || permission === 'read' ? permission : 'none';
    } catch (error) {
      if ((error as ForgeError).status === 404) return 'none';
      throw error;
    }
  }

  async createWebhook(
    repo: RepoRef,
    hook: { url: string; secret: string; events: string[] },
  ): Promise<number> {
    const data = await this.#call(`add a webhook to ${repo.owner}/${repo.name}`, () =>
      this.#octokit.repos.createWebhook({
        owner: repo.owner,
        repo: repo.name,
        name: 'web',
        active: true,
        events: hook.events,
        config: { url: hook.url, secret: hook.secret, content_type: 'json' },
      }),
    );
    return data.id;
  }
}
