/**
 * The git work of the built-in forge, with the real git CLI on bare repositories: refs, changed
 * files, mergeability (`git merge-tree --write-tree`) and merges done in a temporary clone and
 * pushed back into the bare repository.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeelsonError } from '../base/errors.ts';

export const zeroSha = '0000000000000000000000000000000000000000';

export interface Identity {
  name: string;
  email: string;
}

/** git with no user or system config, no prompts, C locale. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    ...extra,
  };
}

/** Runs git; resolves with its exit code and output, rejects only when git cannot run. */
export function runGit(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd: options.cwd, env: gitEnv(options.env), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(
            new KeelsonError('KEELSON_INTERNAL', `git ${args[0]}: ${error.message}`, {}, { cause: error }),
          );
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** Runs git and fails with a KEELSON_INTERNAL error naming the command when it exits non-zero. */
export async function git(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0)
    throw new KeelsonError(
      'KEELSON_INTERNAL',
      `git ${args.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}`,
    );
  return result.stdout;
}

export async function initBare(dir: string, defaultBranch: string): Promise<void> {
  await git(['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, dir]);
  // http-backend serves receive-pack only when enabled; the forge checks auth itself
  await git(['config', 'http.receivepack', 'true'], { cwd: dir });
}

/** Every branch and tag of a bare repository: full ref name → sha. */
export async function listRefs(dir: string): Promise<Map<string, string>> {
  const out = await git(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'], {
    cwd: dir,
  });
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
  }
  return refs;
}

/** The sha a branch, tag or sha names, or undefined. */
export async function resolveRef(dir: string, ref: string): Promise<string | undefined> {
  const result = await runGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: dir });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

export async function mergeBase(dir: string, a: string, b: string): Promise<string | undefined> {
  const result = await runGit(['merge-base', a, b], { cwd: dir });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

export interface FileChange {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed';
  previousFilename?: string;
  additions: number;
  deletions: number;
  sha: string;
}

const statusOfLetter: Record<string, FileChange['status']> = {
  A: 'added',
  D: 'removed',
  M: 'modified',
  R: 'renamed',
  C: 'copied',
  T: 'changed',
};

/** What `head` changes against its merge base with `base`, as GitHub's PR files list. */
export async function changedFiles(dir: string, base: string, head: string): Promise<FileChange[]> {
  const from = (await mergeBase(dir, base, head)) ?? base;
  const raw = await git(['diff', '--raw', '-z', '-M', '--no-abbrev', from, head], { cwd: dir });
  const numstat = await git(['diff', '--numstat', '-z', '-M', from, head], { cwd: dir });
  const fields = raw.split('\0');
  const changes: FileChange[] = [];
  for (let i = 0; i < fields.length - 1;) {
    const meta = fields[i++]!;
    const [, , , dstSha, letterScore] = meta.slice(1).split(' ');
    const letter = (letterScore ?? 'M').charAt(0);
    const first = fields[i++]!;
    const renamed = letter === 'R' || letter === 'C';
    const second = renamed ? fields[i++]! : undefined;
    changes.push({
      filename: second ?? first,
      status: statusOfLetter[letter] ?? 'changed',
      ...(second !== undefined && { previousFilename: first }),
      additions: 0,
      deletions: 0,
      sha: letter === 'D' ? zeroSha : (dstSha ?? zeroSha),
    });
  }
  // numstat -z: "add\tdel\tpath\0" or, for renames, "add\tdel\t\0old\0new\0"
  const parts = numstat.split('\0');
  for (let i = 0; i < parts.length - 1;) {
    const [add, del, path] = parts[i++]!.split('\t');
    const name = path === '' ? (i++, parts[i++]!) : path!;
    const change = changes.find((c) => c.filename === name);
    if (change) {
      change.additions = add === '-' ? 0 : Number(add);
      change.deletions = del === '-' ? 0 : Number(del);
    }
  }
  return changes;
}

/** Whether `head` merges into `base` without conflicts. */
export async function canMerge(dir: string, base: string, head: string): Promise<boolean> {
  const result = await runGit(['merge-tree', '--write-tree', '--no-messages', base, head], { cwd: dir });
  if (result.code > 1) throw new KeelsonError('KEELSON_INTERNAL', `git merge-tree: ${result.stderr.trim()}`);
  return result.code === 0;
}

export interface MergeInput {
  dir: string;
  base: string;
  baseSha: string;
  headSha: string;
  method: 'merge' | 'squash' | 'rebase';
  title: string;
  message: string;
  committer: Identity;
}

/**
 * Merges in a temporary clone and pushes the result into `base` of the bare repository, refusing
 * (non fast-forward) if `base` moved meanwhile. Resolves with the new sha of `base`, or undefined
 * when the change does not apply cleanly.
 */
export async function mergeInto(input: MergeInput): Promise<string | undefined> {
  const work = mkdtempSync(join(tmpdir(), 'keelson-forge-merge-'));
  const env = {
    GIT_AUTHOR_NAME: input.committer.name,
    GIT_AUTHOR_EMAIL: input.committer.email,
    GIT_COMMITTER_NAME: input.committer.name,
    GIT_COMMITTER_EMAIL: input.committer.email,
  };
  try {
    await git(['clone', '--quiet', '--shared', '--no-checkout', input.dir, work]);
    await git(['checkout', '--quiet', '--detach', input.baseSha], { cwd: work });
    const message = input.message === '' ? input.title : `${input.title}\n\n${input.message}`;
    if (input.method === 'merge') {
      const merged = await runGit(['merge', '--quiet', '--no-ff', '-m', message, input.headSha], {
        cwd: work,
        env,
      });
      if (merged.code !== 0) return undefined;
    } else if (input.method === 'squash') {
      const merged = await runGit(['merge', '--quiet', '--squash', input.headSha], { cwd: work, env });
      if (merged.code !== 0) return undefined;
      await git(['commit', '--quiet', '--allow-empty', '-m', message], { cwd: work, env });
    } else {
      await git(['checkout', '--quiet', '--detach', input.headSha], { cwd: work });
      const rebased = await runGit(['rebase', '--quiet', '--no-autosquash', input.baseSha], {
        cwd: work,
        env,
      });
      if (rebased.code !== 0) return undefined;
    }
    const sha = (await git(['rev-parse', 'HEAD'], { cwd: work })).trim();
    await git(['push', '--quiet', input.dir, `${sha}:refs/heads/${input.base}`], { cwd: work });
    return sha;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The commit's message, author and committer, for webhook payloads. */
export async function commitInfo(
  dir: string,
  sha: string,
): Promise<{ message: string; author: Identity; committer: Identity; timestamp: string }> {
  const out = await git(['show', '-s', '--format=%an%x00%ae%x00%cn%x00%ce%x00%cI%x00%B', sha], { cwd: dir });
  const [an, ae, cn, ce, date, ...rest] = out.split('\0');
  return {
    author: { name: an ?? '', email: ae ?? '' },
    committer: { name: cn ?? '', email: ce ?? '' },
    timestamp: date ?? '',
    message: rest.join('\0').trimEnd(),
  };
}

/** Commits reachable from `after` and not from `before` (zero sha: none), oldest first, at most 20. */
export async function newCommits(dir: string, before: string, after: string): Promise<string[]> {
  if (after === zeroSha) return [];
  const range = before === zeroSha ? [after, '--not', '--branches', '--tags'] : [`${before}..${after}`];
  const out = await git(['rev-list', '--reverse', '--max-count=20', ...range], { cwd: dir });
  const list = out.split('\n').filter((l) => l !== '');
  return list.length === 0 && before === zeroSha ? [after] : list;
}
