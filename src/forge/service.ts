/**
 * What the built-in forge does, independent of HTTP: authenticate tokens, create repositories
 * (a bare repository on disk and a Repository object), notice pushes and update pull requests,
 * record comments, labels, reviews and statuses, merge, and send the webhooks each of these
 * causes. Writes to one repository run one at a time.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ForgePullRequest, ForgeRepository, ForgeStatusEntry } from '../api/crds/index.ts';
import type { Logger } from '../runtime/controller.ts';
import { ForgeApps } from './apps.ts';
import * as gh from './github-json.ts';
import { ApiFailure, invalidField, requireString } from './rest-api.ts';
import {
  canMerge,
  changedFiles,
  commitInfo,
  initBare,
  listRefs,
  mergeInto,
  newCommits,
  resolveRef,
  zeroSha,
} from './git.ts';
import { checkNamePart, type ForgeStore, type ForgeUserRecord } from './store.ts';
import type { HookTarget, WebhookSender } from './webhook-sender.ts';

export interface ForgeServiceDeps {
  store: ForgeStore;
  /** Where the bare repositories live: `<reposDir>/<owner>/<name>.git`. */
  reposDir: string;
  urls: gh.Urls;
  sender: WebhookSender;
  log: Logger;
  /** Hooks that receive every event of every repository; the forge may add to the list while running. */
  globalHooks?: { url: string; secret: string }[];
  now?: () => Date;
}

type Json = gh.Json;

export class ForgeService {
  readonly store: ForgeStore;
  readonly log: Logger;
  readonly #deps: ForgeServiceDeps;
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #now: () => Date;
  readonly json: { privateUser: (u: ForgeUserRecord) => Json };
  /** GitHub Apps: JWTs, installations and installation tokens. */
  readonly apps: ForgeApps;

  constructor(deps: ForgeServiceDeps) {
    this.#deps = deps;
    this.store = deps.store;
    this.log = deps.log;
    this.#now = deps.now ?? (() => new Date());
    this.json = { privateUser: (u) => gh.privateUser(deps.urls, u) };
    this.apps = new ForgeApps({ store: deps.store, urls: deps.urls, now: this.#now });
  }

  get urls(): gh.Urls {
    return this.#deps.urls;
  }

  #time(): string {
    return this.#now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  /** Runs `work` after every earlier write to the same repository. */
  async locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.#locks.set(
      key,
      next.catch(() => {}),
    );
    return next;
  }

  repoDir(repo: ForgeRepository): string {
    return join(this.#deps.reposDir, repo.spec.owner, `${repo.spec.name}.git`);
  }

  /**
   * A token from `Authorization: Basic base64(any:token)`, `Bearer token` or `token token`: a
   * user's, or an unexpired installation token (`ghs_…`), which acts as the app's bot user.
   */
  async authenticate(header: string | undefined): Promise<ForgeUserRecord | undefined> {
    if (!header) return undefined;
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    let token: string | undefined;
    if (scheme === 'bearer' || scheme === 'token') token = value;
    else if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      token = decoded.slice(decoded.indexOf(':') + 1);
    }
    if (!token) return undefined;
    return token.startsWith('ghs_')
      ? this.apps.userByInstallationToken(token)
      : this.store.userByToken(token);
  }

  async #userJson(login: string): Promise<Json> {
    const user = await this.store.getUser(login);
    return gh.simpleUser(this.urls, user ?? { login, id: 0, siteAdmin: false });
  }

  async isOrgMember(org: string, login: string): Promise<boolean> {
    return (await this.store.getUser(login))?.orgs.includes(org) ?? false;
  }

  /**
   * Write access: site admins, the owner, members of the owning org, listed collaborators, and the
   * bot of an app installed on the owner (through an installation token: that installation's owner).
   */
  async canWrite(repo: ForgeRepository, who: ForgeUserRecord | string): Promise<boolean> {
    const user = typeof who === 'string' ? await this.store.getUser(who) : who;
    if (!user) return false;
    if (user.app !== undefined)
      return user.installationAccount !== undefined
        ? user.installationAccount === repo.spec.owner
        : (await this.store.getInstallation(user.app, repo.spec.owner)) !== undefined;
    return (
      user.siteAdmin ||
      repo.spec.owner === user.login ||
      user.orgs.includes(repo.spec.owner) ||
      (repo.spec.collaborators ?? []).includes(user.login)
    );
  }

  /**
   * GitHub's `permission` of a user on a repository: `admin` for site admins and the owner, `write`
   * for whoever `canWrite`, else `read` (every repository is readable); `none` for an unknown user.
   */
  async permission(repo: ForgeRepository, login: string): Promise<'admin' | 'write' | 'read' | 'none'> {
    const user = await this.store.getUser(login);
    if (!user) return 'none';
    if (user.app === undefined && (user.siteAdmin || repo.spec.owner === user.login)) return 'admin';
    return (await this.canWrite(repo, user)) ? 'write' : 'read';
  }

  /** GitHub's answer to `GET /repos/{owner}/{repo}/collaborators/{username}/permission`. */
  async permissionJson(repo: ForgeRepository, login: string): Promise<Json> {
    const permission = await this.permission(repo, login);
    if (permission === 'none') throw new ApiFailure(404, `user ${login} not found`);
    return { permission, role_name: permission, user: await this.#userJson(login) };
  }

  async #requireWrite(user: ForgeUserRecord, repo: ForgeRepository): Promise<void> {
    if (!(await this.canWrite(repo, user)))
      throw new ApiFailure(403, `${user.login} may not write to ${repo.spec.owner}/${repo.spec.name}`);
  }

  async repository(owner: string, name: string): Promise<ForgeRepository> {
    const repo = await this.store.getRepository(owner, name);
    if (!repo) throw new ApiFailure(404, `repository ${owner}/${name} not found`);
    return repo;
  }

  async pull(repo: ForgeRepository, number: number): Promise<ForgePullRequest> {
    const pr = await this.store.getPull(repo, number);
    if (!pr)
      throw new ApiFailure(404, `pull request ${repo.spec.owner}/${repo.spec.name}#${number} not found`);
    return pr;
  }

  async repositoryJson(repo: ForgeRepository): Promise<Json> {
    const owner = gh.ownerOf(this.urls, repo.spec.owner, await this.store.getUser(repo.spec.owner));
    const open = (await this.store.listPulls(repo)).filter((p) => p.spec.state === 'open').length;
    return gh.repository(this.urls, repo, owner, open);
  }

  /** GET /installation/repositories: every repository of the installation's account. */
  async installationRepositoriesJson(user: ForgeUserRecord): Promise<Json> {
    if (user.installationAccount === undefined)
      throw new ApiFailure(403, 'This endpoint requires an installation token');
    const repos = (await this.store.listRepositories()).filter(
      (r) => r.spec.owner === user.installationAccount,
    );
    return {
      total_count: repos.length,
      repositories: await Promise.all(repos.map((r) => this.repositoryJson(r))),
      repository_selection: 'all',
    };
  }

  /** GET /users/{username}: the public view of a user or an app's bot. */
  async publicUserJson(login: string): Promise<Json> {
    const user = await this.store.getUser(login);
    if (!user) throw new ApiFailure(404, 'Not Found');
    return gh.publicUser(this.urls, user);
  }

  async listRepositoriesJson(): Promise<Json[]> {
    const repos = await this.store.listRepositories();
    return Promise.all(repos.map((r) => this.repositoryJson(r)));
  }

  async createRepository(user: ForgeUserRecord, owner: string, body: Json): Promise<Json> {
    const name = requireString(body, 'Repository', 'name')!;
    try {
      checkNamePart('repository name', name);
      checkNamePart('repository owner', owner);
    } catch (error) {
      throw invalidField('Repository', 'name', (error as Error).message);
    }
    const allowed =
      user.app !== undefined
        ? user.installationAccount === owner
        : owner === user.login || user.siteAdmin || user.orgs.includes(owner);
    if (!allowed) throw new ApiFailure(403, `${user.login} may not create repositories in ${owner}`);
    const description = requireString(body, 'Repository', 'description', true);
    const defaultBranch = requireString(body, 'Repository', 'default_branch', true) ?? 'main';
    const repo = await this.store.createRepository({
      owner,
      name,
      defaultBranch,
      ...(description !== undefined && { description }),
      ...(body['private'] === true && { private: true }),
    });
    const dir = this.repoDir(repo);
    if (!existsSync(dir)) {
      mkdirSync(join(this.#deps.reposDir, owner), { recursive: true });
      await initBare(dir, defaultBranch);
    }
    return this.repositoryJson(repo);
  }

  hooksJson(repo: ForgeRepository): Json[] {
    return (repo.spec.webhooks ?? []).map((h) => gh.hook(this.urls, repo, h));
  }

  async createHook(user: ForgeUserRecord, repo: ForgeRepository, body: Json): Promise<Json> {
    await this.#requireWrite(user, repo);
    const config = body['config'];
    if (typeof config !== 'object' || config === null) throw invalidField('Hook', 'config', 'is missing');
    const url = requireString(config as Json, 'Hook', 'url')!;
    if (!/^https?:\/\//.test(url)) throw invalidField('Hook', 'config.url', 'must be an http(s) URL');
    const secret = requireString(config as Json, 'Hook', 'secret', true);
    const events = body['events'] ?? ['push'];
    if (!Array.isArray(events) || !events.every((e) => typeof e === 'string'))
      throw invalidField('Hook', 'events', 'must be a list of event names');
    return this.locked(repo.metadata.name ?? '', async () => {
      const id = await this.store.allocate(repo, 'nextId');
      const secretName = `hook-${repo.metadata.name ?? ''}-${id}`;
      if (secret)
        await this.store.writeSecret(
          secretName,
          { secret },
          { 'forge.keelson.dev/repository': repo.metadata.name ?? '' },
        );
      const live = await this.repository(repo.spec.owner, repo.spec.name);
      const hook = {
        id,
        url,
        events,
        active: body['active'] !== false,
        ...(secret && { secretRef: { name: secretName, key: 'secret' } }),
      };
      live.spec.webhooks = [...(live.spec.webhooks ?? []), hook];
      return gh.hook(this.urls, await this.store.updateRepository(live), hook);
    });
  }

  async #targets(repo: ForgeRepository): Promise<HookTarget[]> {
    const targets: HookTarget[] = [];
    for (const h of repo.spec.webhooks ?? []) {
      if (!h.active) continue;
      const secret = h.secretRef
        ? await this.store.readSecretKey(h.secretRef.name, h.secretRef.key)
        : undefined;
      targets.push({ id: h.id, url: h.url, secret, events: h.events });
    }
    for (const global of this.#deps.globalHooks ?? [])
      targets.push({ id: 0, url: global.url, secret: global.secret, events: ['*'] });
    return targets;
  }

  async #emit(
    repo: ForgeRepository,
    event: string,
    payload: Json,
    sender: ForgeUserRecord | string,
  ): Promise<void> {
    const senderJson =
      typeof sender === 'string' ? await this.#userJson(sender) : gh.simpleUser(this.urls, sender);
    const full = { ...payload, repository: await this.repositoryJson(repo), sender: senderJson };
    this.#deps.sender.send(await this.#targets(repo), event, full);
  }

  async #mergeable(repo: ForgeRepository, pr: ForgePullRequest): Promise<boolean | null> {
    if (pr.spec.state !== 'open' || !pr.status?.headSha) return null;
    const base = await resolveRef(this.repoDir(repo), `refs/heads/${pr.spec.base}`);
    if (!base) return false;
    return canMerge(this.repoDir(repo), base, pr.status.headSha);
  }

  async pullJson(repo: ForgeRepository, pr: ForgePullRequest, full: boolean): Promise<Json> {
    const dir = this.repoDir(repo);
    const users = new Map<string, Json>();
    for (const login of [pr.spec.user, pr.status?.mergedBy].filter((l): l is string => l !== undefined))
      users.set(login, await this.#userJson(login));
    let changes: gh.PullContext['changes'];
    if (full && pr.status?.headSha && pr.status.baseSha) {
      const files = await changedFiles(dir, pr.status.baseSha, pr.status.headSha);
      const commits = (await newCommits(dir, pr.status.baseSha, pr.status.headSha)).length;
      changes = { files, commits };
    }
    return gh.pullRequest(
      {
        urls: this.urls,
        repo,
        repoJson: await this.repositoryJson(repo),
        user: (login) => users.get(login) ?? gh.simpleUser(this.urls, { login, id: 0, siteAdmin: false }),
        mergeable: full ? await this.#mergeable(repo, pr) : null,
        ...(changes && { changes }),
      },
      pr,
    );
  }

  async listPullsJson(repo: ForgeRepository, state: string): Promise<Json[]> {
    if (!['open', 'closed', 'all'].includes(state))
      throw invalidField('PullRequest', 'state', 'must be open, closed or all');
    const pulls = (await this.store.listPulls(repo)).filter((p) => state === 'all' || p.spec.state === state);
    return Promise.all(pulls.reverse().map((p) => this.pullJson(repo, p, false)));
  }

  async createPull(user: ForgeUserRecord, repo: ForgeRepository, body: Json): Promise<Json> {
    const title = requireString(body, 'PullRequest', 'title')!;
    const headInput = requireString(body, 'PullRequest', 'head')!;
    const base = requireString(body, 'PullRequest', 'base')!;
    const prBody = requireString(body, 'PullRequest', 'body', true);
    // `owner:branch` names a branch of a fork; the built-in forge has no forks, so the owner must match
    const colon = headInput.indexOf(':');
    if (colon >= 0 && headInput.slice(0, colon) !== repo.spec.owner)
      throw invalidField('PullRequest', 'head', `names a fork (${headInput}); the built-in forge has none`);
    const head = colon >= 0 ? headInput.slice(colon + 1) : headInput;
    const dir = this.repoDir(repo);
    const headSha = await resolveRef(dir, `refs/heads/${head}`);
    if (!headSha) throw invalidField('PullRequest', 'head', `branch ${head} does not exist`);
    const baseSha = await resolveRef(dir, `refs/heads/${base}`);
    if (!baseSha) throw invalidField('PullRequest', 'base', `branch ${base} does not exist`);
    if (head === base) throw invalidField('PullRequest', 'head', 'is the same branch as base');
    return this.locked(repo.metadata.name ?? '', async () => {
      const open = (await this.store.listPulls(repo)).find(
        (p) => p.spec.state === 'open' && p.spec.head === head && p.spec.base === base,
      );
      if (open)
        throw invalidField(
          'PullRequest',
          'head',
          `already has pull request #${open.spec.number} into ${base}`,
        );
      const number = await this.store.allocate(repo, 'nextNumber');
      const pr = await this.store.createPull(
        repo,
        {
          repository: repo.metadata.name ?? '',
          number,
          title,
          ...(prBody !== undefined && { body: prBody }),
          user: user.login,
          head,
          base,
          state: 'open',
          labels: [],
        },
        { headSha, baseSha, updatedAt: this.#time(), comments: [], reviews: [] },
      );
      const json = await this.pullJson(repo, pr, true);
      await this.#emit(repo, 'pull_request', { action: 'opened', number, pull_request: json }, user);
      return json;
    });
  }

  async updatePull(
    user: ForgeUserRecord,
    repo: ForgeRepository,
    pr: ForgePullRequest,
    body: Json,
  ): Promise<Json> {
    await this.#requireWrite(user, repo);
    const title = requireString(body, 'PullRequest', 'title', true);
    const text = requireString(body, 'PullRequest', 'body', true);
    const state = requireString(body, 'PullRequest', 'state', true);
    if (state !== undefined && state !== 'open' && state !== 'closed')
      throw invalidField('PullRequest', 'state', 'must be open or closed');
    return this.locked(repo.metadata.name ?? '', async () => {
      const before = await this.pull(repo, pr.spec.number);
      const after = structuredClone(before);
      if (title !== undefined) after.spec.title = title;
      if (text !== undefined) after.spec.body = text;
      let action: string | undefined = title !== undefined || text !== undefined ? 'edited' : undefined;
      if (state !== undefined && state !== before.spec.state) {
        if (before.status?.merged)
          throw invalidField('PullRequest', 'state', 'cannot change: the pull request is merged');
        after.spec.state = state;
        action = state === 'closed' ? 'closed' : 'reopened';
        after.status = { ...after.status, ...(state === 'closed' ? { closedAt: this.#time() } : {}) };
        if (state === 'open') delete after.status.closedAt;
      }
      after.status = { ...after.status, updatedAt: this.#time() };
      const saved = await this.store.savePull(before, after);
      const json = await this.pullJson(repo, saved, true);
      if (action)
        await this.#emit(
          repo,
          'pull_request',
          { action, number: saved.spec.number, pull_request: json },
          user,
        );
      return json;
    });
  }

  async filesJson(repo: ForgeRepository, pr: ForgePullRequest): Promise<Json[]> {
    const { headSha, baseSha } = pr.status ?? {};
    if (!headSha || !baseSha) return [];
    const files = await changedFiles(this.repoDir(repo), baseSha, headSha);
    return files.map((f) => gh.diffEntry(this.urls, repo, headSha, f));
  }

  async merge(user: ForgeUserRecord, repo: ForgeRepository, pr: ForgePullRequest, body: Json): Promise<Json> {
    await this.#requireWrite(user, repo);
    const method = requireString(body, 'PullRequest', 'merge_method', true) ?? 'merge';
    if (method !== 'merge' && method !== 'squash' && method !== 'rebase')
      throw invalidField('PullRequest', 'merge_method', 'must be merge, squash or rebase');
    const expected = requireString(body, 'PullRequest', 'sha', true);
    const commitTitle = requireString(body, 'PullRequest', 'commit_title', true);
    const commitMessage = requireString(body, 'PullRequest', 'commit_message', true);
    return this.locked(repo.metadata.name ?? '', async () => {
      const before = await this.pull(repo, pr.spec.number);
      if (before.spec.state !== 'open')
        throw new ApiFailure(405, 'Pull Request is not mergeable: it is closed');
      const headSha = before.status?.headSha ?? '';
      if (expected !== undefined && expected !== headSha)
        throw new ApiFailure(
          409,
          `Head branch was modified. Review and try the merge again (head is ${headSha}).`,
        );
      const dir = this.repoDir(repo);
      const refsBefore = await listRefs(dir);
      const baseSha = refsBefore.get(`refs/heads/${before.spec.base}`);
      if (!baseSha)
        throw new ApiFailure(405, `Pull Request is not mergeable: base branch ${before.spec.base} is gone`);
      const n = before.spec.number;
      const title =
        commitTitle ??
        (method === 'merge'
          ? `Merge pull request #${n} from ${repo.spec.owner}/${before.spec.head}`
          : `${before.spec.title} (#${n})`);
      const message = commitMessage ?? (method === 'merge' ? before.spec.title : (before.spec.body ?? ''));
      const sha = await mergeInto({
        dir,
        base: before.spec.base,
        baseSha,
        headSha,
        method,
        title,
        message,
        committer: { name: user.login, email: user.email },
      });
      if (!sha) throw new ApiFailure(405, 'Pull Request is not mergeable: it conflicts with its base branch');
      const after = structuredClone(before);
      after.spec.state = 'closed';
      const now = this.#time();
      after.status = {
        ...after.status,
        merged: true,
        mergedAt: now,
        closedAt: now,
        updatedAt: now,
        mergedBy: user.login,
        mergeCommitSha: sha,
      };
      const saved = await this.store.savePull(before, after);
      await this.#refsChanged(repo, refsBefore, await listRefs(dir), user, n);
      const json = await this.pullJson(repo, saved, true);
      await this.#emit(repo, 'pull_request', { action: 'closed', number: n, pull_request: json }, user);
      return { sha, merged: true, message: 'Pull Request successfully merged' };
    });
  }

  async commentsJson(repo: ForgeRepository, pr: ForgePullRequest): Promise<Json[]> {
    const out: Json[] = [];
    for (const c of pr.status?.comments ?? [])
      out.push(gh.issueComment(this.urls, repo, pr.spec.number, c, await this.#userJson(c.user)));
    return out;
  }

  /** The issue side of a pull request, as issue_comment payloads carry it. */
  #issueOf(prJson: Json): Json {
    const n = prJson['number'];
    const base = String(prJson['issue_url']);
    return {
      id: prJson['id'],
      node_id: prJson['node_id'],
      url: base,
      repository_url: base.replace(/\/issues\/\d+$/, ''),
      labels_url: `${base}/labels{/name}`,
      comments_url: `${base}/comments`,
      events_url: `${base}/events`,
      html_url: prJson['html_url'],
      number: n,
      state: prJson['state'],
      title: prJson['title'],
      body: prJson['body'],
      user: prJson['user'],
      labels: prJson['labels'],
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: prJson['comments'],
      pull_request: {
        url: prJson['url'],
        html_url: prJson['html_url'],
        diff_url: prJson['diff_url'],
        patch_url: prJson['patch_url'],
        merged_at: prJson['merged_at'],
      },
      closed_at: prJson['closed_at'],
      created_at: prJson['created_at'],
      updated_at: prJson['updated_at'],
      author_association: 'MEMBER',
      reactions: gh.noReactions(`${base}/reactions`),
    };
  }

  async createComment(
    user: ForgeUserRecord,
    repo: ForgeRepository,
    pr: ForgePullRequest,
    body: Json,
  ): Promise<Json> {
    const text = requireString(body, 'IssueComment', 'body')!;
    return this.locked(repo.metadata.name ?? '', async () => {
      const id = await this.store.allocate(repo, 'nextId');
      const before = await this.pull(repo, pr.spec.number);
      const after = structuredClone(before);
      const now = this.#time();
      const comment = { id, body: text, user: user.login, createdAt: now, updatedAt: now };
      after.status = {
        ...after.status,
        comments: [...(after.status?.comments ?? []), comment],
        updatedAt: now,
      };
      const saved = await this.store.savePull(before, after);
      const json = gh.issueComment(this.urls, repo, pr.spec.number, comment, gh.simpleUser(this.urls, user));
      const issue = this.#issueOf(await this.pullJson(repo, saved, false));
      await this.#emit(repo, 'issue_comment', { action: 'created', issue, comment: json }, user);
      return json;
    });
  }

  async updateComment(user: ForgeUserRecord, repo: ForgeRepository, id: number, body: Json): Promise<Json> {
    const text = requireString(body, 'IssueComment', 'body')!;
    return this.locked(repo.metadata.name ?? '', async () => {
      const before = (await this.store.listPulls(repo)).find((p) =>
        p.status?.comments?.some((c) => c.id === id),
      );
      if (!before)
        throw new ApiFailure(404, `comment ${id} of ${repo.spec.owner}/${repo.spec.name} not found`);
      const after = structuredClone(before);
      const comment = after.status!.comments!.find((c) => c.id === id)!;
      if (comment.user !== user.login && !user.siteAdmin)
        throw new ApiFailure(403, `${user.login} may not edit comment ${id} of ${comment.user}`);
      const previous = comment.body;
      comment.body = text;
      comment.updatedAt = this.#time();
      const saved = await this.store.savePull(before, after);
      const json = gh.issueComment(
        this.urls,
        repo,
        saved.spec.number,
        comment,
        await this.#userJson(comment.user),
      );
      const issue = this.#issueOf(await this.pullJson(repo, saved, false));
      await this.#emit(
        repo,
        'issue_comment',
        { action: 'edited', changes: { body: { from: previous } }, issue, comment: json },
        user,
      );
      return json;
    });
  }

  async deleteComment(user: ForgeUserRecord, repo: ForgeRepository, id: number): Promise<void> {
    await this.locked(repo.metadata.name ?? '', async () => {
      const before = (await this.store.listPulls(repo)).find((p) =>
        p.status?.comments?.some((c) => c.id === id),
      );
      if (!before)
        throw new ApiFailure(404, `comment ${id} of ${repo.spec.owner}/${repo.spec.name} not found`);
      const comment = before.status!.comments!.find((c) => c.id === id)!;
      if (comment.user !== user.login && !(await this.canWrite(repo, user)))
        throw new ApiFailure(403, `${user.login} may not delete comment ${id} of ${comment.user}`);
      const after = structuredClone(before);
      after.status!.comments = after.status!.comments!.filter((c) => c.id !== id);
      const saved = await this.store.savePull(before, after);
      const json = gh.issueComment(
        this.urls,
        repo,
        saved.spec.number,
        comment,
        await this.#userJson(comment.user),
      );
      const issue = this.#issueOf(await this.pullJson(repo, saved, false));
      await this.#emit(repo, 'issue_comment', { action: 'deleted', issue, comment: json }, user);
    });
  }

  async #setLabels(
    user: ForgeUserRecord,
    repo: ForgeRepository,
    pr: ForgePullRequest,
    change: (labels: string[]) => string[],
  ): Promise<Json[]> {
    await this.#requireWrite(user, repo);
    return this.locked(repo.metadata.name ?? '', async () => {
      const before = await this.pull(repo, pr.spec.number);
      const after = structuredClone(before);
      const old = before.spec.labels ?? [];
      after.spec.labels = change(old);
      const saved = await this.store.savePull(before, after);
      const added = after.spec.labels.filter((l) => !old.includes(l));
      const removed = old.filter((l) => !after.spec.labels!.includes(l));
      if (added.length + removed.length > 0) {
        const json = await this.pullJson(repo, saved, false);
        for (const [action, names] of [
          ['labeled', added],
          ['unlabeled', removed],
        ] as const)
          for (const name of names)
            await this.#emit(
              repo,
              'pull_request',
              {
                action,
                number: saved.spec.number,
                pull_request: json,
                label: gh.label(this.urls, repo, name),
              },
              user,
            );
      }
      return (saved.spec.labels ?? []).map((l) => gh.label(this.urls, repo, l));
    });
  }

  async addLabels(
    user: ForgeUserRecord,
    repo: ForgeRepository,
    pr: ForgePullRequest,
    body: Json,
  ): Promise<Json[]> {
    const labels = body['labels'];
    if (
      !Array.isArray(labels) ||
      labels.length === 0 ||
      !labels.every((l) => typeof l === 'string' && l !== '')
    )
      throw invalidField('Label', 'labels', 'must be a non-empty list of label names');
    return this.#setLabels(user, repo, pr, (old) => [...new Set([...old, ...(labels as string[])])]);
  }

  async removeLabel(
    user: ForgeUserRecord,
    repo: ForgeRepository,
    pr: ForgePullRequest,
    name: string,
  ): Promise<Json[]> {
    if (!(pr.spec.labels ?? []).includes(name)) throw new ApiFailure(404, `Label does not exist: ${name}`);
    return this.#setLabels(user, repo, pr, (old) => old.filter((l) => l !== name));
  }

  async reviewsJson(repo: ForgeRepository, pr: ForgePullRequest): Promise<Json[]> {
    const out: Json[] = [];
    for (const r of pr.status?.reviews ?? [])
      out.push(gh.review(this.urls, repo, pr.spec.number, r, await this.#userJson(r.user)));
    return out;
  }

  async createReview(
    user: ForgeUserRecord,
    repo: ForgeRepository,
    pr: ForgePullRequest,
    body: Json,
  ): Promise<Json> {
    const event = requireString(body, 'PullRequestReview', 'event')!;
    const states = {
      APPROVE: 'APPROVED',
      REQUEST_CHANGES: 'CHANGES_REQUESTED',
      COMMENT: 'COMMENTED',
    } as const;
    if (!(event in states))
      throw invalidField('PullRequestReview', 'event', 'must be APPROVE, REQUEST_CHANGES or COMMENT');
    const text = requireString(body, 'PullRequestReview', 'body', true) ?? '';
    if (event !== 'APPROVE' && text === '')
      throw invalidField('PullRequestReview', 'body', `is required for ${event}`);
    if (event !== 'COMMENT' && user.login === pr.spec.user)
      throw invalidField(
        'PullRequestReview',
        'event',
        `${event}: authors cannot review their own pull request`,
      );
    return this.locked(repo.metadata.name ?? '', async () => {
      const id = await this.store.allocate(repo, 'nextId');
      const before = await this.pull(repo, pr.spec.number);
      const after = structuredClone(before);
      const commitId =
        requireString(body, 'PullRequestReview', 'commit_id', true) ?? before.status?.headSha ?? '';
      const review = {
        id,
        user: user.login,
        state: states[event as keyof typeof states],
        body: text,
        commitId,
        submittedAt: this.#time(),
      };
      after.status = {
        ...after.status,
        reviews: [...(after.status?.reviews ?? []), review],
        updatedAt: review.submittedAt,
      };
      const saved = await this.store.savePull(before, after);
      const json = gh.review(this.urls, repo, pr.spec.number, review, gh.simpleUser(this.urls, user));
      const prJson = await this.pullJson(repo, saved, false);
      await this.#emit(
        repo,
        'pull_request_review',
        { action: 'submitted', review: json, pull_request: prJson },
        user,
      );
      return json;
    });
  }

  async createStatus(
    user: ForgeUserRecord,
    repo: ForgeRepository,
    shaInput: string,
    body: Json,
  ): Promise<Json> {
    await this.#requireWrite(user, repo);
    const state = requireString(body, 'Status', 'state')!;
    if (!['error', 'failure', 'pending', 'success'].includes(state))
      throw invalidField('Status', 'state', 'must be error, failure, pending or success');
    const context = requireString(body, 'Status', 'context', true) ?? 'default';
    const description = requireString(body, 'Status', 'description', true);
    const targetUrl = requireString(body, 'Status', 'target_url', true);
    const sha = await resolveRef(this.repoDir(repo), shaInput);
    if (!sha)
      throw invalidField(
        'Status',
        'sha',
        `${shaInput} is not a commit of ${repo.spec.owner}/${repo.spec.name}`,
      );
    return this.locked(repo.metadata.name ?? '', async () => {
      const id = await this.store.allocate(repo, 'nextId');
      const entry: ForgeStatusEntry = {
        id,
        state: state as ForgeStatusEntry['state'],
        context,
        ...(description !== undefined && { description }),
        ...(targetUrl !== undefined && { targetUrl }),
        creator: user.login,
        createdAt: this.#time(),
      };
      await this.store.addStatus(repo, sha, entry);
      const creator = gh.simpleUser(this.urls, user);
      const json = gh.status(this.urls, repo, sha, entry, creator);
      const info = await commitInfo(this.repoDir(repo), sha);
      const branches = [...(await listRefs(this.repoDir(repo))).entries()]
        .filter(([ref, s]) => s === sha && ref.startsWith('refs/heads/'))
        .map(([ref]) => ({
          name: ref.slice('refs/heads/'.length),
          commit: { sha, url: `${this.urls.api}/repos/${repo.spec.owner}/${repo.spec.name}/commits/${sha}` },
          protected: false,
        }));
      await this.#emit(
        repo,
        'status',
        {
          id,
          sha,
          name: `${repo.spec.owner}/${repo.spec.name}`,
          target_url: entry.targetUrl ?? null,
          context,
          description: entry.description ?? null,
          state,
          commit: this.#commitJson(repo, sha, info),
          branches,
          created_at: entry.createdAt,
          updated_at: entry.createdAt,
        },
        user,
      );
      return json;
    });
  }

  #commitJson(repo: ForgeRepository, sha: string, info: Awaited<ReturnType<typeof commitInfo>>): Json {
    const r = `${this.urls.api}/repos/${repo.spec.owner}/${repo.spec.name}`;
    const person = (p: { name: string; email: string }) => ({
      name: p.name,
      email: p.email,
      date: info.timestamp,
    });
    return {
      sha,
      node_id: Buffer.from(`Commit:${sha}`).toString('base64'),
      url: `${r}/commits/${sha}`,
      html_url: `${this.urls.html}/${repo.spec.owner}/${repo.spec.name}/commit/${sha}`,
      comments_url: `${r}/commits/${sha}/comments`,
      commit: {
        author: person(info.author),
        committer: person(info.committer),
        message: info.message,
        tree: { sha: zeroSha, url: `${r}/git/trees/${zeroSha}` },
        url: `${r}/git/commits/${sha}`,
        comment_count: 0,
        verification: {
          verified: false,
          reason: 'unsigned',
          signature: null,
          payload: null,
          verified_at: null,
        },
      },
      author: null,
      committer: null,
      parents: [],
    };
  }

  async combinedStatusJson(repo: ForgeRepository, ref: string): Promise<Json> {
    const sha = await resolveRef(this.repoDir(repo), ref);
    if (!sha) throw new ApiFailure(404, `No commit found for SHA: ${ref}`);
    const latest = gh.latestByContext(await this.store.getStatuses(repo, sha));
    const repoJson = await this.repositoryJson(repo);
    return {
      state: gh.combinedState(latest),
      sha,
      total_count: latest.length,
      statuses: latest.map((s) => {
        const { creator: _creator, ...rest } = gh.status(this.urls, repo, sha, s, {});
        return rest;
      }),
      repository: repoJson,
      commit_url: `${this.urls.api}/repos/${repo.spec.owner}/${repo.spec.name}/commits/${sha}`,
      url: `${this.urls.api}/repos/${repo.spec.owner}/${repo.spec.name}/commits/${sha}/status`,
    };
  }

  /** Called around each push over smart HTTP: the refs before, and the pusher. */
  async afterPush(
    repo: ForgeRepository,
    before: Map<string, string>,
    pusher: ForgeUserRecord,
  ): Promise<void> {
    const after = await listRefs(this.repoDir(repo));
    await this.#refsChanged(repo, before, after, pusher);
  }

  /**
   * Sends a push webhook per changed ref, records the push time, and moves open pull requests
   * whose head branch changed (`synchronize`) or whose base moved. `mergedNumber` is the pull
   * request a merge closed, which is not synchronized.
   */
  async #refsChanged(
    repo: ForgeRepository,
    before: Map<string, string>,
    after: Map<string, string>,
    pusher: ForgeUserRecord,
    mergedNumber?: number,
  ): Promise<void> {
    const dir = this.repoDir(repo);
    const refs = new Set([...before.keys(), ...after.keys()]);
    const changed = [...refs].filter((r) => before.get(r) !== after.get(r)).sort();
    if (changed.length === 0) return;
    const live = await this.repository(repo.spec.owner, repo.spec.name);
    live.status = { ...live.status, pushedAt: this.#time() };
    await this.store.client.update(live, { subresource: 'status' });
    for (const ref of changed) {
      const old = before.get(ref) ?? zeroSha;
      const now = after.get(ref) ?? zeroSha;
      const shas = await newCommits(dir, old, now);
      const commits = [];
      for (const sha of shas) {
        const info = await commitInfo(dir, sha);
        commits.push({
          id: sha,
          tree_id: zeroSha,
          distinct: true,
          message: info.message,
          timestamp: info.timestamp,
          url: `${this.urls.html}/${repo.spec.owner}/${repo.spec.name}/commit/${sha}`,
          author: { name: info.author.name, email: info.author.email },
          committer: { name: info.committer.name, email: info.committer.email },
          added: [],
          removed: [],
          modified: [],
        });
      }
      await this.#emit(
        live,
        'push',
        {
          ref,
          before: old,
          after: now,
          created: old === zeroSha,
          deleted: now === zeroSha,
          forced: old !== zeroSha && now !== zeroSha && (await newCommits(dir, now, old)).length > 0,
          base_ref: null,
          compare: `${this.urls.html}/${repo.spec.owner}/${repo.spec.name}/compare/${old.slice(0, 12)}...${now.slice(0, 12)}`,
          commits,
          head_commit: commits.at(-1) ?? null,
          pusher: { name: pusher.login, email: pusher.email },
        },
        pusher,
      );
      if (!ref.startsWith('refs/heads/') || now === zeroSha) continue;
      const branch = ref.slice('refs/heads/'.length);
      for (const pr of await this.store.listPulls(live)) {
        if (pr.spec.state !== 'open' || pr.spec.number === mergedNumber) continue;
        const updated = structuredClone(pr);
        if (pr.spec.head === branch)
          updated.status = { ...updated.status, headSha: now, updatedAt: this.#time() };
        if (pr.spec.base === branch) updated.status = { ...updated.status, baseSha: now };
        if (JSON.stringify(updated.status) === JSON.stringify(pr.status)) continue;
        const saved = await this.store.savePull(pr, updated);
        if (pr.spec.head !== branch) continue;
        const json = await this.pullJson(live, saved, true);
        await this.#emit(
          live,
          'pull_request',
          { action: 'synchronize', number: pr.spec.number, before: old, after: now, pull_request: json },
          pusher,
        );
      }
    }
  }
}
