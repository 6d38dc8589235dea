/**
 * Reading a forge repository at a commit with the real `git` CLI, for the CI trigger: the files
 * of one commit (the in-repo `.prow.yaml` / `.prow/` of a PR head) and the paths changed between
 * two commits (a push's before..after). One bare cache per clone URL under `workDir`, fetched
 * shallowly by sha (protocol v2 lets a client ask for any commit the server has); git never runs
 * twice at once in one cache. The token reaches git only as an HTTP header in its environment, and
 * only for fetches; a token source that is a function is asked again for each fetch, so a GitHub
 * App's installation token (valid for an hour) is never used stale.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KeelsonError } from '../../base/errors.ts';

/** A file of a repository: its path from the repository root and its text. */
export interface RepoFile {
  file: string;
  text: string;
}

/** What the CI trigger reads from repositories. */
export interface RepoReader {
  /** The files at `sha` whose path `wanted` accepts. */
  readFiles(cloneUrl: string, sha: string, wanted: (path: string) => boolean): Promise<RepoFile[]>;
  /** Paths that differ between `before` and `after` (both commits of `cloneUrl`). */
  changedFiles(cloneUrl: string, before: string, after: string): Promise<string[]>;
}

/** A forge token, or a function resolving to the current one (e.g. `GithubForge.gitToken`). */
export type GitTokenSource = string | (() => Promise<string>);

export interface GitRepoReaderOptions {
  /** Owned by this reader: one bare cache per URL. */
  workDir: string;
  /** Sent as HTTP Basic (`x-access-token:<token>`), as GitHub and the built-in forge take it. */
  token?: GitTokenSource | undefined;
  gitBinary?: string | undefined;
  /** Limit for each git command (default 60 s). */
  timeoutMs?: number | undefined;
}

export class GitRepoReader implements RepoReader {
  readonly #options: GitRepoReaderOptions;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: GitRepoReaderOptions) {
    this.#options = options;
  }

  async readFiles(cloneUrl: string, sha: string, wanted: (path: string) => boolean): Promise<RepoFile[]> {
    checkSha(sha);
    return this.#serial(cloneUrl, async (dir) => {
      await this.#fetch(dir, cloneUrl, [sha]);
      const listing = await this.#git(dir, ['ls-tree', '-r', '-z', '--name-only', sha], cloneUrl);
      const paths = listing.split('\0').filter((p) => p !== '' && wanted(p));
      const files: RepoFile[] = [];
      for (const file of paths.sort())
        files.push({ file, text: await this.#git(dir, ['cat-file', 'blob', `${sha}:${file}`], cloneUrl) });
      return files;
    });
  }

  async changedFiles(cloneUrl: string, before: string, after: string): Promise<string[]> {
    checkSha(before);
    checkSha(after);
    return this.#serial(cloneUrl, async (dir) => {
      await this.#fetch(dir, cloneUrl, [before, after]);
      const out = await this.#git(
        dir,
        ['diff', '--name-only', '-z', '--no-renames', before, after],
        cloneUrl,
      );
      return out.split('\0').filter((p) => p !== '');
    });
  }

  async #serial<T>(url: string, work: (dir: string) => Promise<T>): Promise<T> {
    const key = createHash('sha256').update(url).digest('hex').slice(0, 32);
    const dir = join(this.#options.workDir, `${key}.git`);
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        if (!(await exists(join(dir, 'HEAD')))) {
          await mkdir(dir, { recursive: true });
          await this.#git(dir, ['init', '--bare', '--quiet'], url);
        }
        return work(dir);
      });
    this.#queues.set(key, next);
    try {
      return await next;
    } finally {
      if (this.#queues.get(key) === next) this.#queues.delete(key);
    }
  }

  async #fetch(dir: string, url: string, shas: string[]): Promise<void> {
    const missing: string[] = [];
    for (const sha of shas) if (!(await this.#has(dir, sha))) missing.push(sha);
    if (missing.length === 0) return;
    await this.#git(
      dir,
      ['-c', 'protocol.version=2', 'fetch', '--quiet', '--no-tags', '--depth=1', url, ...missing],
      url,
      await this.#token(url),
    );
  }

  async #token(url: string): Promise<string | undefined> {
    const source = this.#options.token;
    if (typeof source !== 'function') return source;
    try {
      return await source();
    } catch (error) {
      throw new KeelsonError(
        'KEELSON_UNAVAILABLE',
        `git fetch ${url}: no token: ${(error as Error).message}`,
        {},
        { cause: error },
      );
    }
  }

  async #has(dir: string, sha: string): Promise<boolean> {
    try {
      await this.#git(dir, ['cat-file', '-e', `${sha}^{commit}`], '');
      return true;
    } catch {
      return false;
    }
  }

  /** Runs git in `dir`; `token`, for commands that reach the forge, goes in an HTTP header. */
  #git(dir: string, args: string[], url: string, token?: string): Promise<string> {
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: this.#options.workDir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '/bin/false',
      LC_ALL: 'C',
    };
    if (token !== undefined && token !== '') {
      const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
      env['GIT_CONFIG_COUNT'] = '1';
      env['GIT_CONFIG_KEY_0'] = 'http.extraHeader';
      env['GIT_CONFIG_VALUE_0'] = `Authorization: Basic ${basic}`;
    }
    return new Promise((resolve, reject) => {
      execFile(
        this.#options.gitBinary ?? 'git',
        ['-C', dir, ...args],
        { env, timeout: this.#options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (error === null) return resolve(stdout);
          const detail = explain(redact(String(stderr).trim(), token), token);
          reject(
            new KeelsonError(
              'KEELSON_UNAVAILABLE',
              `git ${args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''}${url === '' ? '' : ` ${url}`}: ${detail || error.message}`,
              {},
              { cause: error },
            ),
          );
        },
      );
    });
  }
}

function checkSha(sha: string): void {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha))
    throw new KeelsonError('KEELSON_INVALID', `not a full commit sha: ${JSON.stringify(sha)}`);
}

/** git's words for "the server wants credentials" (it could only ask a terminal), said plainly. */
function explain(stderr: string, token: string | undefined): string {
  const asked = /askpass|could not read Username|terminal prompts disabled/.test(stderr);
  return asked && (token === undefined || token === '')
    ? `the forge asks for credentials and no token was given (${stderr})`
    : stderr;
}

function redact(text: string, token: string | undefined): string {
  return token === undefined || token === '' ? text : text.split(token).join('***');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
