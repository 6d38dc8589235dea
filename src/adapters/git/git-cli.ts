import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { GitError } from './git-error.ts';
import { digestTree } from './digest.ts';
import { applyIgnoreRules, ruleLines } from './ignore-rules.ts';
import { KeyedLock } from './keyed-lock.ts';
import { formatRevision, lsRemoteQuery, parseLsRemote, refKind, selectRevision } from './refs.ts';
import { parseRemote, type GitRemote } from './remote.ts';
import { runGit, type GitResult } from './run-git.ts';
import type {
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

export interface GitCliDeps {
  /** Owned by this instance alone: bare caches per URL, artifacts, the revision index, scratch space. */
  cacheDir: string;
  clock: GitClock;
  log: GitLog;
  /** The git executable; `git` on PATH by default. */
  gitBinary?: string;
  /** Limit for each git command, as Flux's `spec.timeout` (default 60s). */
  timeoutMs?: number;
  /** How long `prune` spares an artifact after a fetch handed it out (default 5 minutes). */
  pruneGraceMs?: number;
}

const artifactsLock = '\0artifacts';

/**
 * GitSource over the git CLI. Each remote URL gets a bare cache under `cacheDir/repos`, fetched
 * shallowly (`--depth=1`; deeper only for a commit that is not a tip) and reused across calls; git
 * never runs twice at once in one cache. A revision's tree is checked out with a private index into
 * scratch space, filtered by the ignore rules, digested, and renamed into `cacheDir/artifacts/<hex>`,
 * so identical content is stored once and a repeated fetch of an unchanged ref only runs
 * `git ls-remote`.
 */
export class GitCli implements GitSource {
  readonly #cacheDir: string;
  readonly #clock: GitClock;
  readonly #log: GitLog;
  readonly #gitBinary: string;
  readonly #timeoutMs: number;
  readonly #pruneGraceMs: number;
  readonly #locks = new KeyedLock();
  /** Artifact hex → when a fetch last handed it out. */
  readonly #handedOut = new Map<string, number>();
  /** Scratch directories of materialisations under way, which prune must leave alone. */
  readonly #scratch = new Set<string>();
  #prepared: Promise<void> | undefined;

  constructor(deps: GitCliDeps) {
    this.#cacheDir = path.resolve(deps.cacheDir);
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#gitBinary = deps.gitBinary ?? 'git';
    this.#timeoutMs = deps.timeoutMs ?? 60_000;
    this.#pruneGraceMs = deps.pruneGraceMs ?? 5 * 60_000;
  }

  async resolve(
    url: string,
    ref: GitRef,
    auth?: GitAuth,
    options: ResolveOptions = {},
  ): Promise<ResolvedRevision> {
    const resolved = await this.#resolve(parseRemote(url), ref, auth, options.signal);
    this.#log('resolved git revision', { url: resolved.url, revision: resolved.revision });
    return resolved;
  }

  async fetch(url: string, ref: GitRef, auth?: GitAuth, options: FetchOptions = {}): Promise<GitArtifact> {
    const remote = parseRemote(url);
    const { signal } = options;
    const resolved = await this.#resolve(remote, ref, auth, signal);
    const known = await this.#knownArtifact(resolved.commit, options.ignore);
    if (known !== undefined) return this.#handOut(resolved, known, true);

    return this.#locks.run(
      remote.key,
      async () => {
        // a fetch queued before us may have made it meanwhile
        const made = await this.#knownArtifact(resolved.commit, options.ignore);
        if (made !== undefined) return this.#handOut(resolved, made, true);
        const repo = await this.#ensureRepo(remote, signal);
        const commit = await this.#fetchObjects(remote, repo, ref, resolved, auth, signal);
        // the ref may have moved between ls-remote and fetch: report what was fetched
        const current = commit === resolved.commit ? resolved : withCommit(resolved, commit);
        const existing = await this.#knownArtifact(commit, options.ignore);
        const digest = existing ?? (await this.#materialise(remote, repo, commit, options.ignore, signal));
        return this.#handOut(current, digest, false);
      },
      signal,
    );
  }

  async prune(keep: Iterable<string>): Promise<PruneResult> {
    const kept = new Set([...keep].map((digest) => digest.replace(/^sha256:/, '')));
    await this.#prepare();
    return this.#locks.run(artifactsLock, async () => {
      const now = this.#clock.now();
      const removed: string[] = [];
      for (const name of await readdir(this.#dir('artifacts'))) {
        const handedOut = this.#handedOut.get(name);
        if (kept.has(name) || (handedOut !== undefined && now - handedOut < this.#pruneGraceMs)) continue;
        await rm(this.#dir('artifacts', name), { recursive: true, force: true });
        this.#handedOut.delete(name);
        removed.push(`sha256:${name}`);
      }
      for (const name of await readdir(this.#dir('revisions'))) {
        const digest = await this.#readRecord(this.#dir('revisions', name));
        if (digest === undefined || !(await exists(this.#artifactDir(digest)))) {
          await rm(this.#dir('revisions', name), { force: true });
        }
      }
      for (const name of await readdir(this.#dir('tmp'))) {
        if (!this.#scratch.has(name)) await rm(this.#dir('tmp', name), { recursive: true, force: true });
      }
      this.#log('pruned git artifacts', { removed: removed.length });
      return { removed };
    });
  }

  async #resolve(
    remote: GitRemote,
    ref: GitRef,
    auth: GitAuth | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ResolvedRevision> {
    const query = lsRemoteQuery(ref);
    await this.#prepare();
    const args = ['ls-remote'];
    if (query.symref) args.push('--symref');
    if (query.tags) args.push('--tags');
    args.push('--', remote.gitUrl, ...query.patterns);
    const { stdout } = await this.#git(remote, 'ls-remote', args, { auth, signal });
    return selectRevision(ref, parseLsRemote(stdout), remote.display);
  }

  /** Fetches what `ref` needs into the bare cache; returns the commit to materialise. */
  async #fetchObjects(
    remote: GitRemote,
    repo: string,
    ref: GitRef,
    resolved: ResolvedRevision,
    auth: GitAuth | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const fetch = (extra: string[], refspec: string): Promise<GitResult> => {
      const args = [`--git-dir=${repo}`, 'fetch', '-q', '--no-tags', ...extra, '--', remote.gitUrl, refspec];
      return this.#git(remote, 'fetch', args, { auth, signal });
    };
    const unshallow = async (): Promise<string[]> =>
      (await exists(path.join(repo, 'shallow'))) ? ['--unshallow'] : [];
    const commitOf = (revision: string): Promise<string | undefined> =>
      this.#commitOf(remote, repo, revision, signal);
    const notFound = (message: string): GitError =>
      new GitError('KEELSON_NOT_FOUND', message, remote.display);

    if (refKind(ref) !== 'commit') {
      const refName = resolved.refName!;
      const local = `refs/keelson/${refName}`;
      await fetch(['--depth=1'], `+${refName}:${local}`);
      const tip = await commitOf(local);
      if (tip === undefined) {
        throw new GitError(
          'KEELSON_INVALID',
          `ref "${refName}" in ${remote.display} does not point at a commit`,
          remote.display,
        );
      }
      return tip;
    }

    const commit = resolved.commit;
    if (ref.branch !== undefined) {
      const refName = resolved.refName!;
      const local = `refs/keelson/${refName}`;
      await fetch(['--depth=1'], `+${refName}:${local}`);
      if ((await commitOf(local)) === commit) return commit;
      // not the tip: the branch's whole history decides whether the commit is on it
      await fetch(await unshallow(), `+${refName}:${local}`);
      const onBranch =
        (await commitOf(commit)) !== undefined &&
        (await this.#isAncestor(remote, repo, commit, local, signal));
      if (!onBranch)
        throw notFound(`commit "${commit}" not found on branch "${ref.branch}" in ${remote.display}`);
      return commit;
    }

    if ((await commitOf(commit)) !== undefined) return commit;
    try {
      await fetch(['--depth=1'], commit);
    } catch (error) {
      // a server that refuses unadvertised commits (protocol v0): take every branch's history
      const refused =
        error instanceof GitError && ['KEELSON_NOT_FOUND', 'KEELSON_UNAVAILABLE'].includes(error.code);
      if (!refused) throw error;
      await fetch(await unshallow(), '+refs/heads/*:refs/keelson/refs/heads/*');
    }
    if ((await commitOf(commit)) === undefined)
      throw notFound(`commit "${commit}" not found in ${remote.display}`);
    return commit;
  }

  /** Checks `commit` out into scratch space, filters and digests it, and moves it into the store. */
  async #materialise(
    remote: GitRemote,
    repo: string,
    commit: string,
    ignore: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const scratch = await mkdtemp(this.#dir('tmp', 'artifact-'));
    const name = path.basename(scratch);
    this.#scratch.add(name);
    try {
      const tree = path.join(scratch, 'tree');
      await mkdir(tree);
      const local = { signal, env: { GIT_INDEX_FILE: path.join(scratch, 'index') } };
      await this.#git(remote, 'read-tree', [`--git-dir=${repo}`, 'read-tree', commit], local);
      await this.#git(
        remote,
        'checkout-index',
        [`--git-dir=${repo}`, `--work-tree=${tree}`, 'checkout-index', '-a', '-f'],
        local,
      );
      await applyIgnoreRules(tree, ignore);
      const digest = await digestTree(tree);
      await this.#locks.run(artifactsLock, async () => {
        try {
          await rename(tree, this.#artifactDir(digest));
        } catch (error) {
          // the same content is already stored (another revision, or another URL)
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
        }
        await writeAtomically(this.#recordPath(commit, ignore), JSON.stringify({ commit, digest }), scratch);
      });
      this.#log('materialised git revision', { url: remote.display, commit, digest });
      return digest;
    } finally {
      await rm(scratch, { recursive: true, force: true });
      this.#scratch.delete(name);
    }
  }

  #handOut(resolved: ResolvedRevision, digest: string, reused: boolean): GitArtifact {
    const now = this.#clock.now();
    const hex = digest.replace(/^sha256:/, '');
    this.#handedOut.set(hex, now);
    const artifact: GitArtifact = {
      ...resolved,
      dir: this.#artifactDir(digest),
      digest,
      fetchedAt: new Date(now).toISOString(),
      reused,
    };
    this.#log('fetched git revision', { url: resolved.url, revision: resolved.revision, digest, reused });
    return artifact;
  }

  /** The digest of an already stored artifact of `commit` under these ignore rules. */
  async #knownArtifact(commit: string, ignore: string | undefined): Promise<string | undefined> {
    await this.#prepare();
    const digest = await this.#readRecord(this.#recordPath(commit, ignore));
    if (digest === undefined || !(await exists(this.#artifactDir(digest)))) return undefined;
    return digest;
  }

  async #readRecord(file: string): Promise<string | undefined> {
    try {
      const record = JSON.parse(await readFile(file, 'utf8')) as { digest?: unknown };
      return typeof record.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(record.digest)
        ? record.digest
        : undefined;
    } catch {
      return undefined;
    }
  }

  async #isAncestor(
    remote: GitRemote,
    repo: string,
    ancestor: string,
    descendant: string,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const args = [`--git-dir=${repo}`, 'merge-base', '--is-ancestor', ancestor, descendant];
    const { exitCode } = await this.#git(remote, 'merge-base', args, { signal, okExitCodes: [1] });
    return exitCode === 0;
  }

  async #commitOf(
    remote: GitRemote,
    repo: string,
    revision: string,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const { stdout, exitCode } = await this.#git(
      remote,
      'rev-parse',
      [`--git-dir=${repo}`, 'rev-parse', '--verify', '-q', `${revision}^{commit}`],
      { signal, okExitCodes: [1] },
    );
    return exitCode === 0 ? stdout.trim() : undefined;
  }

  async #ensureRepo(remote: GitRemote, signal: AbortSignal | undefined): Promise<string> {
    const repo = this.#dir('repos', `${remote.key}.git`);
    if (!(await exists(path.join(repo, 'HEAD')))) {
      await this.#git(remote, 'init', ['init', '-q', '--bare', repo], { signal });
    }
    return repo;
  }

  #git(
    remote: GitRemote,
    operation: string,
    args: string[],
    options: {
      auth?: GitAuth | undefined;
      signal?: AbortSignal | undefined;
      env?: Record<string, string>;
      okExitCodes?: number[];
    },
  ): Promise<GitResult> {
    return runGit({
      gitBinary: this.#gitBinary,
      args,
      operation,
      remote,
      cwd: this.#cacheDir,
      timeoutMs: this.#timeoutMs,
      // git must not find a repository around the cache and read its config
      env: { GIT_CEILING_DIRECTORIES: path.dirname(this.#cacheDir), ...options.env },
      auth: options.auth,
      signal: options.signal,
      okExitCodes: options.okExitCodes ?? [],
    });
  }

  #prepare(): Promise<void> {
    this.#prepared ??= (async () => {
      for (const dir of ['repos', 'artifacts', 'revisions', 'tmp'])
        await mkdir(this.#dir(dir), { recursive: true });
    })();
    return this.#prepared;
  }

  #dir(...parts: string[]): string {
    return path.join(this.#cacheDir, ...parts);
  }

  #artifactDir(digest: string): string {
    return this.#dir('artifacts', digest.replace(/^sha256:/, ''));
  }

  /** Where the digest of `commit` under these ignore rules is recorded; comments and blank lines don't count. */
  #recordPath(commit: string, ignore: string | undefined): string {
    const rules = ignore === undefined ? null : ruleLines(ignore);
    const key = createHash('sha256')
      .update(JSON.stringify([commit, rules !== null && rules.length > 0 ? rules : null]))
      .digest('hex');
    return this.#dir('revisions', `${key}.json`);
  }
}

function withCommit(resolved: ResolvedRevision, commit: string): ResolvedRevision {
  const at = resolved.revision.lastIndexOf('@sha1:');
  return {
    ...resolved,
    commit,
    revision: formatRevision(at < 0 ? undefined : resolved.revision.slice(0, at), commit),
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomically(file: string, content: string, scratch: string): Promise<void> {
  const temporary = path.join(scratch, `record-${path.basename(file)}`);
  await writeFile(temporary, content);
  await rename(temporary, file);
}
