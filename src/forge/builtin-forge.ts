/**
 * `Forge` over the built-in forge in this process: the same ForgeService calls, permission checks,
 * webhooks and errors as the REST API (`rest-api.ts`) gives `GithubForge`, without an HTTP round
 * trip. For code running beside the forge (`keelson up`'s CI); everything else uses GithubForge.
 */
import { ForgeError, codeOfStatus } from '../adapters/forge/forge-error.ts';
import * as shapes from '../adapters/forge/github-shapes.ts';
import type {
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
  RepoPermission,
  RepoRef,
  Review,
  ReviewEvent,
  WebhookInput,
} from '../adapters/forge/forge.ts';
import type { ForgePullRequest, ForgeRepository as RepositoryObject } from '../api/crds/index.ts';
import { KeelsonError } from '../base/errors.ts';
import type { Json } from './github-json.ts';
import { ApiFailure } from './rest-api.ts';
import type { ForgeService } from './service.ts';
import type { ForgeUserRecord } from './store.ts';

export interface BuiltinForgeDeps {
  service: ForgeService;
  /** The token of the user (or app installation) to act as; checked on every call, like each request. */
  token: string;
}

/** The built-in forge's JSON is GitHub's: it is read with GithubForge's mappers (github-shapes.ts). */
function as<T>(json: Json): T {
  return json as unknown as T;
}

const repository = (json: Json): ForgeRepository => shapes.repository(as(json));
const pullRequest = (json: Json): PullRequest => shapes.pullRequest(as(json));
const comment = (json: Json): Comment => shapes.comment(as(json));
const status = (json: Json): CommitStatus => shapes.status(as(json));
const review = (json: Json): Review => shapes.review(as(json));
const changedFile = (json: Json): ChangedFile => shapes.changedFile(as(json));

function labelNames(labels: Json[]): string[] {
  return labels.map((l) => String(l['name']));
}

/** The status the REST API answers a failure with (`serveApi`'s table). */
function statusOfFailure(error: unknown): { status: number; message: string } {
  if (error instanceof ApiFailure) return { status: error.status, message: error.message };
  if (error instanceof KeelsonError) {
    const status =
      error.code === 'KEELSON_INVALID' || error.code === 'KEELSON_ALREADY_EXISTS' ? 422 : error.httpCode;
    return { status, message: error.message };
  }
  return { status: 500, message: 'internal error' };
}

/** The ForgeError `GithubForge` makes of the same failure over HTTP: code, status and message. */
function failure(what: string, error: unknown): ForgeError {
  const { status, message } = statusOfFailure(error);
  return new ForgeError(codeOfStatus(status), `${what}: ${status} ${message}`, status, { cause: error });
}

/** 404 for what the REST API's routes do not match: a number that is not a positive integer, and so on. */
function notFound(): ApiFailure {
  return new ApiFailure(404, 'Not Found');
}

function positive(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw notFound();
  return n;
}

/**
 * The built-in forge in process, acting as the user a token belongs to. Every call authenticates
 * the token again and goes through the ForgeService method its REST route calls, so permissions,
 * webhooks and errors are the REST API's: a failure is the ForgeError GithubForge would throw,
 * with the same code, HTTP status and message.
 */
export class BuiltinForge implements Forge {
  readonly #service: ForgeService;
  readonly #token: string;

  constructor(deps: BuiltinForgeDeps) {
    if (deps.token === '') throw new ForgeError('KEELSON_INVALID', 'built-in forge: the token is empty', 0);
    this.#service = deps.service;
    this.#token = deps.token;
  }

  /** Runs `work` as the token's user, turning failures into ForgeErrors naming `what`. */
  async #as<T>(what: string, work: (user: ForgeUserRecord) => Promise<T>): Promise<T> {
    try {
      const user = await this.#service.authenticate(`token ${this.#token}`);
      if (!user) throw new ApiFailure(401, 'Requires authentication');
      return await work(user);
    } catch (error) {
      throw failure(what, error);
    }
  }

  /** true or false for GitHub's 204-or-404 checks. */
  async #check(what: string, work: (user: ForgeUserRecord) => Promise<boolean>): Promise<boolean> {
    try {
      return await this.#as(what, work);
    } catch (error) {
      if ((error as ForgeError).status === 404) return false;
      throw error;
    }
  }

  #repository(repo: RepoRef): Promise<RepositoryObject> {
    return this.#service.repository(repo.owner, repo.name);
  }

  async #pull(repo: RepoRef, number: number): Promise<[RepositoryObject, ForgePullRequest]> {
    const found = await this.#repository(repo);
    return [found, await this.#service.pull(found, positive(number))];
  }

  async currentUser(): Promise<ForgeUser> {
    return this.#as('get the current user', async (user) => {
      if (user.app !== undefined) throw new ApiFailure(403, 'Resource not accessible by integration');
      return { login: user.login, id: user.id, siteAdmin: user.siteAdmin };
    });
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
    if (owner !== undefined && owner !== (await this.currentUser()).login)
      return repository(
        await this.#as(`create repository ${owner}/${input.name}`, (user) =>
          this.#service.createRepository(user, owner, body),
        ),
      );
    return repository(
      await this.#as(`create repository ${input.name}`, (user) =>
        this.#service.createRepository(user, user.login, body),
      ),
    );
  }

  async getRepository(repo: RepoRef): Promise<ForgeRepository> {
    return repository(
      await this.#as(`get repository ${repo.owner}/${repo.name}`, async () =>
        this.#service.repositoryJson(await this.#repository(repo)),
      ),
    );
  }

  async listRepositories(): Promise<ForgeRepository[]> {
    const all = await this.#as('list repositories', () => this.#service.listRepositoriesJson());
    return all.map(repository);
  }

  async createPullRequest(
    repo: RepoRef,
    input: { title: string; head: string; base: string; body?: string },
  ): Promise<PullRequest> {
    return pullRequest(
      await this.#as(`open a pull request on ${repo.owner}/${repo.name} from ${input.head}`, async (user) =>
        this.#service.createPull(user, await this.#repository(repo), { ...input }),
      ),
    );
  }

  async getPullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    return pullRequest(
      await this.#as(`get pull request ${repo.owner}/${repo.name}#${number}`, async () =>
        this.#service.pullJson(...(await this.#pull(repo, number)), true),
      ),
    );
  }

  async listPullRequests(
    repo: RepoRef,
    options: { state?: PullRequestState | 'all' } = {},
  ): Promise<PullRequest[]> {
    const all = await this.#as(`list pull requests of ${repo.owner}/${repo.name}`, async () =>
      this.#service.listPullsJson(await this.#repository(repo), options.state ?? 'open'),
    );
    return all.map(pullRequest);
  }

  async listChangedFiles(repo: RepoRef, number: number): Promise<ChangedFile[]> {
    const all = await this.#as(`list the files of ${repo.owner}/${repo.name}#${number}`, async () =>
      this.#service.filesJson(...(await this.#pull(repo, number))),
    );
    return all.map(changedFile);
  }

  async closePullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    return pullRequest(
      await this.#as(`close ${repo.owner}/${repo.name}#${number}`, async (user) =>
        this.#service.updatePull(user, ...(await this.#pull(repo, number)), { state: 'closed' }),
      ),
    );
  }

  async mergePullRequest(
    repo: RepoRef,
    number: number,
    options: { method: MergeMethod; sha?: string; commitTitle?: string; commitMessage?: string },
  ): Promise<MergeResult> {
    const data = await this.#as(`merge ${repo.owner}/${repo.name}#${number}`, async (user) =>
      this.#service.merge(user, ...(await this.#pull(repo, number)), {
        merge_method: options.method,
        ...(options.sha !== undefined && { sha: options.sha }),
        ...(options.commitTitle !== undefined && { commit_title: options.commitTitle }),
        ...(options.commitMessage !== undefined && { commit_message: options.commitMessage }),
      }),
    );
    return { merged: data['merged'] === true, sha: String(data['sha']), message: String(data['message']) };
  }

  async listComments(repo: RepoRef, number: number): Promise<Comment[]> {
    const all = await this.#as(`list the comments of ${repo.owner}/${repo.name}#${number}`, async () =>
      this.#service.commentsJson(...(await this.#pull(repo, number))),
    );
    return all.map(comment);
  }

  async createComment(repo: RepoRef, number: number, body: string): Promise<Comment> {
    return comment(
      await this.#as(`comment on ${repo.owner}/${repo.name}#${number}`, async (user) =>
        this.#service.createComment(user, ...(await this.#pull(repo, number)), { body }),
      ),
    );
  }

  async updateComment(repo: RepoRef, id: number, body: string): Promise<Comment> {
    return comment(
      await this.#as(`update comment ${id} of ${repo.owner}/${repo.name}`, async (user) =>
        this.#service.updateComment(user, await this.#repository(repo), positive(id), { body }),
      ),
    );
  }

  async deleteComment(repo: RepoRef, id: number): Promise<void> {
    await this.#as(`delete comment ${id} of ${repo.owner}/${repo.name}`, async (user) =>
      this.#service.deleteComment(user, await this.#repository(repo), positive(id)),
    );
  }

  async addLabels(repo: RepoRef, number: number, labels: string[]): Promise<string[]> {
    return labelNames(
      await this.#as(`label ${repo.owner}/${repo.name}#${number}`, async (user) =>
        this.#service.addLabels(user, ...(await this.#pull(repo, number)), { labels }),
      ),
    );
  }

  async removeLabel(repo: RepoRef, number: number, label: string): Promise<string[]> {
    try {
      return labelNames(
        await this.#as(`remove label ${label} from ${repo.owner}/${repo.name}#${number}`, async (user) =>
          this.#service.removeLabel(user, ...(await this.#pull(repo, number)), label),
        ),
      );
    } catch (error) {
      if ((error as ForgeError).status !== 404) throw error;
      return (await this.getPullRequest(repo, number)).labels;
    }
  }

  async createStatus(repo: RepoRef, sha: string, input: CommitStatusInput): Promise<CommitStatus> {
    return status(
      await this.#as(`set status ${input.context} on ${repo.owner}/${repo.name}@${sha}`, async (user) => {
        // the REST route takes only a hex sha
        if (!/^[0-9a-fA-F]{1,40}$/.test(sha)) throw notFound();
        return this.#service.createStatus(user, await this.#repository(repo), sha, {
          state: input.state,
          context: input.context,
          ...(input.description !== undefined && { description: input.description }),
          ...(input.targetUrl !== undefined && { target_url: input.targetUrl }),
        });
      }),
    );
  }

  async getCombinedStatus(repo: RepoRef, ref: string): Promise<CombinedStatus> {
    const data = await this.#as(`get the status of ${repo.owner}/${repo.name}@${ref}`, async () => {
      if (ref === '') throw notFound();
      return this.#service.combinedStatusJson(await this.#repository(repo), ref);
    });
    return {
      sha: String(data['sha']),
      state: data['state'] as CommitState,
      // GitHub's combined status names no creators
      statuses: (data['statuses'] as Json[]).map((s) => ({ ...status(s), creator: null })),
    };
  }

  async createReview(
    repo: RepoRef,
    number: number,
    input: { event: ReviewEvent; body?: string; commitId?: string },
  ): Promise<Review> {
    return review(
      await this.#as(`review ${repo.owner}/${repo.name}#${number}`, async (user) =>
        this.#service.createReview(user, ...(await this.#pull(repo, number)), {
          event: input.event,
          ...(input.body !== undefined && { body: input.body }),
          ...(input.commitId !== undefined && { commit_id: input.commitId }),
        }),
      ),
    );
  }

  async listReviews(repo: RepoRef, number: number): Promise<Review[]> {
    const all = await this.#as(`list the reviews of ${repo.owner}/${repo.name}#${number}`, async () =>
      this.#service.reviewsJson(...(await this.#pull(repo, number))),
    );
    return all.map(review);
  }

  async isOrgMember(org: string, login: string): Promise<boolean> {
    return this.#check(`check ${login} in org ${org}`, () => this.#service.isOrgMember(org, login));
  }

  async isCollaborator(repo: RepoRef, login: string): Promise<boolean> {
    return this.#check(`check ${login} as collaborator of ${repo.owner}/${repo.name}`, async () =>
      this.#service.canWrite(await this.#repository(repo), login),
    );
  }

  async permission(repo: RepoRef, login: string): Promise<RepoPermission> {
    return this.#as(`read the permission of ${login} on ${repo.owner}/${repo.name}`, async () =>
      this.#service.permission(await this.#repository(repo), login),
    );
  }

  async createWebhook(repo: RepoRef, hook: WebhookInput): Promise<number> {
    const data = await this.#as(`add a webhook to ${repo.owner}/${repo.name}`, async (user) =>
      this.#service.createHook(user, await this.#repository(repo), {
        name: 'web',
        active: true,
        events: hook.events,
        config: { url: hook.url, secret: hook.secret, content_type: 'json' },
      }),
    );
    return Number(data['id']);
  }
}
