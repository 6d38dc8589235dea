/**
 * `keelson repo …` and `keelson pr …`: a forge from the terminal, for people without a browser.
 * They speak GitHub's REST API through `GithubForge`, so they work against the built-in forge
 * (`<url>/api/v3`) and against GitHub alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { KeelsonError } from '../base/errors.ts';
import {
  GithubForge,
  isForgeError,
  type Forge,
  type MergeMethod,
  type PullRequest,
  type RepoRef,
} from '../adapters/forge/index.ts';
import type { CliDeps } from './context.ts';
import { age, table } from './format.ts';

/** The data directory `keelson up` uses by default; it writes `forge/url` and `forge/admin-token`. */
const defaultData = '.keelson';

/** How a verb reaches a forge. */
export interface ForgeOptions {
  forgeUrl?: string;
  token?: string;
}

/** A forge's REST API and the token for it, with where each came from (for error messages). */
export interface ForgeTarget {
  apiUrl: string;
  token: string;
  urlFrom: string;
  tokenFrom: string;
}

function readSaved(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8').trim();
  return text === '' ? undefined : text;
}

/**
 * The REST API base of a forge URL: GitHub's for github.com, the URL itself when it already ends in
 * `/api/v3` or is an `api.` host, else `<url>/api/v3` (the built-in forge, GitHub Enterprise).
 */
export function apiUrlOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new KeelsonError('KEELSON_INVALID', `forge URL ${url} is not a URL (e.g. http://127.0.0.1:3080)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new KeelsonError('KEELSON_INVALID', `forge URL ${url} must be http or https`);
  if (parsed.host === 'github.com') return 'https://api.github.com';
  const base = url.replace(/\/+$/, '');
  if (parsed.host.startsWith('api.') || /\/api\/v3$/.test(base)) return base;
  return `${base}/api/v3`;
}

/**
 * Where a verb finds its forge: `--forge-url`/`--token`, else $KEELSON_FORGE_URL and
 * $KEELSON_FORGE_TOKEN, else what `keelson up` wrote to `.keelson/forge/`.
 */
export function forgeTarget(options: ForgeOptions, env: CliDeps['env']): ForgeTarget {
  const urlFile = join(defaultData, 'forge', 'url');
  const tokenFile = join(defaultData, 'forge', 'admin-token');
  const url: [string | undefined, string][] = [
    [options.forgeUrl, '--forge-url'],
    [env.KEELSON_FORGE_URL, 'KEELSON_FORGE_URL'],
    [readSaved(urlFile), urlFile],
  ];
  const token: [string | undefined, string][] = [
    [options.token, '--token'],
    [env.KEELSON_FORGE_TOKEN, 'KEELSON_FORGE_TOKEN'],
    [readSaved(tokenFile), tokenFile],
  ];
  const [urlValue, urlFrom] = url.find(([value]) => value !== undefined && value !== '') ?? [];
  const [tokenValue, tokenFrom] = token.find(([value]) => value !== undefined && value !== '') ?? [];
  if (urlValue === undefined || urlFrom === undefined)
    throw new KeelsonError(
      'KEELSON_NOT_FOUND',
      `no forge: pass --forge-url, set KEELSON_FORGE_URL, or start one with 'keelson up' (it writes ${urlFile})`,
    );
  if (tokenValue === undefined || tokenFrom === undefined)
    throw new KeelsonError(
      'KEELSON_NOT_FOUND',
      `no forge token: pass --token, set KEELSON_FORGE_TOKEN, or start a forge with 'keelson up' (it writes ${tokenFile})`,
    );
  return { apiUrl: apiUrlOf(urlValue), token: tokenValue, urlFrom, tokenFrom };
}

/** A ForgeError turned into what a person at a terminal needs: what is wrong and where to look. */
function explain(error: unknown, target: ForgeTarget): unknown {
  if (!isForgeError(error)) return error;
  if (error.status === 401)
    return new KeelsonError(
      'KEELSON_UNAUTHORIZED',
      `the forge at ${target.apiUrl} rejected the token from ${target.tokenFrom} (401 bad credentials)`,
      {},
      { cause: error },
    );
  if (error.status === 0)
    return new KeelsonError(
      'KEELSON_UNAVAILABLE',
      `cannot reach the forge at ${target.apiUrl} (from ${target.urlFrom}): ${error.message.replace(/^.*?: unreachable /, '')}`,
      {},
      { cause: error },
    );
  return error;
}

/** Runs `work` with a GithubForge for the verb's forge, with errors a person can act on. */
export async function withForge<T>(
  options: ForgeOptions,
  deps: CliDeps,
  work: (forge: Forge) => Promise<T>,
): Promise<T> {
  const target = forgeTarget(options, deps.env);
  const forge = new GithubForge({ token: target.token, baseUrl: target.apiUrl });
  try {
    return await work(forge);
  } catch (error) {
    throw explain(error, target);
  }
}

/** `OWNER/NAME` as a RepoRef (commander argument parser). */
export function parseRepo(value: string): RepoRef {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('must be OWNER/NAME, e.g. acme/fleet');
  return { owner: m[1]!, name: m[2]!.replace(/\.git$/, '') };
}

function parseNumber(value: string): number {
  const n = Number(value.replace(/^#/, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a pull request number');
  return n;
}

const full = (repo: RepoRef) => `${repo.owner}/${repo.name}`;

/** Says which is missing when a call about a pull request answers 404: the repository or the PR. */
async function onPull<T>(forge: Forge, repo: RepoRef, number: number, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isForgeError(error) || error.status !== 404) throw error;
    await getRepository(forge, repo);
    throw new KeelsonError(
      'KEELSON_NOT_FOUND',
      `pull request ${full(repo)}#${number} not found`,
      {},
      {
        cause: error,
      },
    );
  }
}

async function getRepository(forge: Forge, repo: RepoRef) {
  try {
    return await forge.getRepository(repo);
  } catch (error) {
    if (isForgeError(error) && error.status === 404)
      throw new KeelsonError(
        'KEELSON_NOT_FOUND',
        `repository ${full(repo)} not found (or the token cannot see it)`,
        {},
        { cause: error },
      );
    throw error;
  }
}

function stateOf(pr: PullRequest): string {
  return pr.merged ? 'merged' : pr.state;
}

export async function repoCreate(
  forge: Forge,
  deps: CliDeps,
  repo: RepoRef,
  options: { description?: string; private?: boolean },
): Promise<void> {
  const created = await forge.createRepository({
    owner: repo.owner,
    name: repo.name,
    ...(options.description !== undefined && { description: options.description }),
    ...(options.private !== undefined && { private: options.private }),
  });
  deps.stdout(`created repository ${created.fullName}\n`);
  deps.stdout(`clone: git clone ${created.cloneUrl}\n`);
}

export async function repoList(forge: Forge, deps: CliDeps, owner: string | undefined): Promise<void> {
  const repos = (await forge.listRepositories())
    .filter((r) => owner === undefined || r.owner === owner)
    .sort((a, b) => a.fullName.localeCompare(b.fullName));
  if (repos.length === 0) {
    deps.stderr(owner === undefined ? 'no repositories\n' : `no repositories of ${owner}\n`);
    return;
  }
  deps.stdout(
    table(
      ['NAME', 'DESCRIPTION', 'VISIBILITY', 'DEFAULT BRANCH'],
      repos.map((r) => [r.fullName, r.description ?? '', r.private ? 'private' : 'public', r.defaultBranch]),
    ),
  );
}

export async function prCreate(
  forge: Forge,
  deps: CliDeps,
  repo: RepoRef,
  input: { head: string; base: string; title: string; body?: string },
): Promise<void> {
  await getRepository(forge, repo);
  const pr = await forge.createPullRequest(repo, input);
  deps.stdout(`created pull request ${full(repo)}#${pr.number}: ${pr.title}\n${pr.htmlUrl}\n`);
}

export async function prList(
  forge: Forge,
  deps: CliDeps,
  repo: RepoRef,
  state: 'open' | 'closed' | 'all',
): Promise<void> {
  await getRepository(forge, repo);
  const pulls = await forge.listPullRequests(repo, { state });
  if (pulls.length === 0) {
    deps.stderr(`no ${state === 'all' ? '' : `${state} `}pull requests in ${full(repo)}\n`);
    return;
  }
  const now = deps.now();
  deps.stdout(
    table(
      ['#', 'TITLE', 'BRANCH', 'STATE', 'AUTHOR', 'AGE'],
      pulls
        .sort((a, b) => b.number - a.number)
        .map((p) => [
          `#${p.number}`,
          p.title,
          `${p.head.ref} → ${p.base.ref}`,
          stateOf(p),
          p.author,
          age(p.createdAt, now),
        ]),
    ),
  );
}

function mergeableText(pr: PullRequest): string {
  if (pr.state === 'closed') return '-';
  const yes = pr.mergeable === null ? 'unknown (not computed yet)' : pr.mergeable ? 'yes' : 'no';
  return `${yes} (${pr.mergeableState})`;
}

function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n');
}

export async function prView(forge: Forge, deps: CliDeps, repo: RepoRef, number: number): Promise<void> {
  const pr = await onPull(forge, repo, number, () => forge.getPullRequest(repo, number));
  const [status, comments] = await Promise.all([
    forge.getCombinedStatus(repo, pr.head.sha),
    forge.listComments(repo, number),
  ]);
  const now = deps.now();
  const fields: [string, string][] = [
    ['title', `${pr.title} ${full(repo)}#${pr.number}`],
    ['state', stateOf(pr)],
    ['author', pr.author],
    ['head', `${pr.head.ref} ${pr.head.sha}`],
    ['base', `${pr.base.ref} ${pr.base.sha}`],
    ['mergeable', mergeableText(pr)],
    ['labels', pr.labels.length === 0 ? 'none' : pr.labels.join(', ')],
    [
      'status',
      status.statuses.length === 0 ? 'none reported' : `${status.state} (${status.statuses.length} checks)`,
    ],
    ['url', pr.htmlUrl],
  ];
  if (pr.merged && pr.mergeCommitSha) fields.splice(5, 0, ['merged as', pr.mergeCommitSha]);
  const width = Math.max(...fields.map(([key]) => key.length)) + 2;
  let out = fields.map(([key, value]) => `${`${key}:`.padEnd(width)}${value}\n`).join('');
  if (status.statuses.length > 0) {
    const rows = status.statuses.map((s) => [s.context, s.state, s.description ?? '', s.targetUrl ?? '']);
    out += `\n${indent(table(['CONTEXT', 'STATE', 'DESCRIPTION', 'TARGET'], rows), '  ')}`;
  }
  if (pr.body) out += `\n${indent(pr.body.trimEnd(), '  ')}\n`;
  out += `\ncomments: ${comments.length === 0 ? 'none' : comments.length}\n`;
  for (const c of comments)
    out += `\n  ${c.author} (${age(c.createdAt, now)} ago):\n${indent(c.body.trimEnd())}\n`;
  deps.stdout(out);
}

export async function prComment(
  forge: Forge,
  deps: CliDeps,
  repo: RepoRef,
  number: number,
  body: string,
): Promise<void> {
  if (body.trim() === '') throw new KeelsonError('KEELSON_INVALID', 'the comment body is empty');
  const comment = await onPull(forge, repo, number, () => forge.createComment(repo, number, body));
  deps.stdout(`commented on ${full(repo)}#${number} (comment ${comment.id})\n`);
}

export async function prMerge(
  forge: Forge,
  deps: CliDeps,
  repo: RepoRef,
  number: number,
  method: MergeMethod,
): Promise<void> {
  const pr = await onPull(forge, repo, number, () => forge.getPullRequest(repo, number));
  if (pr.merged)
    throw new KeelsonError(
      'KEELSON_CONFLICT',
      `${full(repo)}#${number} is already merged (${pr.mergeCommitSha})`,
    );
  if (pr.state === 'closed')
    throw new KeelsonError('KEELSON_CONFLICT', `${full(repo)}#${number} is closed: reopen it to merge`);
  try {
    const result = await forge.mergePullRequest(repo, number, { method, sha: pr.head.sha });
    deps.stdout(`merged ${full(repo)}#${number} (${method}) into ${pr.base.ref} as ${result.sha}\n`);
  } catch (error) {
    if (!isForgeError(error) || error.status === 401 || error.status === 0) throw error;
    const detail = error.message.replace(/^[^:]*: \d+ /, '');
    const why = pr.mergeable === false ? `; it conflicts with ${pr.base.ref}` : '';
    throw new KeelsonError(
      error.code,
      `cannot merge ${full(repo)}#${number} (${pr.head.ref} → ${pr.base.ref}): ${detail}${why} (mergeable state: ${pr.mergeableState})`,
      {},
      { cause: error },
    );
  }
}

/** Adds the options every forge verb takes: which forge and which token. */
function forgeCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .option('--forge-url <url>', 'the forge (default: $KEELSON_FORGE_URL, else .keelson/forge/url)')
    .option(
      '--token <token>',
      'forge token (default: $KEELSON_FORGE_TOKEN, else .keelson/forge/admin-token)',
    );
}

const repoOption = () =>
  new Option('-R, --repo <OWNER/NAME>', 'the repository').argParser(parseRepo).makeOptionMandatory();

/** Registers `keelson repo …` and `keelson pr …` on the CLI. */
export function addForgeCommands(program: Command, deps: CliDeps): void {
  const repo = program.command('repo').description('repositories on a forge (the built-in one or GitHub)');
  forgeCommand(repo, 'create')
    .description('create a repository under a user or an organization')
    .argument('<OWNER/NAME>', 'the new repository', parseRepo)
    .option('--description <text>', 'its description')
    .option('--private', 'make it private')
    .action(async (ref: RepoRef, opts: ForgeOptions & { description?: string; private?: boolean }) => {
      await withForge(opts, deps, (forge) => repoCreate(forge, deps, ref, opts));
    });
  forgeCommand(repo, 'list')
    .description('list the repositories the token can see')
    .argument('[OWNER]', 'only the repositories of this user or organization')
    .action(async (owner: string | undefined, opts: ForgeOptions) => {
      await withForge(opts, deps, (forge) => repoList(forge, deps, owner));
    });

  const pr = program.command('pr').description('pull requests on a forge (the built-in one or GitHub)');
  forgeCommand(pr, 'create')
    .description('open a pull request from a pushed branch')
    .addOption(repoOption())
    .requiredOption('--head <branch>', 'the branch with the changes')
    .requiredOption('--base <branch>', 'the branch to merge into')
    .requiredOption('--title <title>', 'its title')
    .option('--body <text>', 'its description')
    .action(
      async (
        opts: ForgeOptions & { repo: RepoRef; head: string; base: string; title: string; body?: string },
      ) => {
        const input = {
          head: opts.head,
          base: opts.base,
          title: opts.title,
          ...(opts.body !== undefined && { body: opts.body }),
        };
        await withForge(opts, deps, (forge) => prCreate(forge, deps, opts.repo, input));
      },
    );
  forgeCommand(pr, 'list')
    .description('list pull requests, newest first')
    .addOption(repoOption())
    .addOption(
      new Option('--state <state>', 'which pull requests').choices(['open', 'closed', 'all']).default('open'),
    )
    .action(async (opts: ForgeOptions & { repo: RepoRef; state: 'open' | 'closed' | 'all' }) => {
      await withForge(opts, deps, (forge) => prList(forge, deps, opts.repo, opts.state));
    });
  forgeCommand(pr, 'view')
    .description('show a pull request: state, branches, mergeability, labels, checks and comments')
    .addOption(repoOption())
    .argument('<number>', 'the pull request', parseNumber)
    .action(async (number: number, opts: ForgeOptions & { repo: RepoRef }) => {
      await withForge(opts, deps, (forge) => prView(forge, deps, opts.repo, number));
    });
  forgeCommand(pr, 'comment')
    .description('comment on a pull request')
    .addOption(repoOption())
    .argument('<number>', 'the pull request', parseNumber)
    .requiredOption('--body <text>', 'the comment')
    .action(async (number: number, opts: ForgeOptions & { repo: RepoRef; body: string }) => {
      await withForge(opts, deps, (forge) => prComment(forge, deps, opts.repo, number, opts.body));
    });
  forgeCommand(pr, 'merge')
    .description('merge a pull request')
    .addOption(repoOption())
    .argument('<number>', 'the pull request', parseNumber)
    .addOption(
      new Option('--method <method>', 'how to merge').choices(['merge', 'squash', 'rebase']).default('merge'),
    )
    .action(async (number: number, opts: ForgeOptions & { repo: RepoRef; method: MergeMethod }) => {
      await withForge(opts, deps, (forge) => prMerge(forge, deps, opts.repo, number, opts.method));
    });
}
