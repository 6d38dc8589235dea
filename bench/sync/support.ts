/**
 * Helpers of the sync benchmark (bench/sync/run.ts): a request-counting KubeClient, kubectl with
 * progress on stderr, git through the CLI, percentiles and the summary table.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { KubeClient } from '../../src/runtime/client.ts';

const run = promisify(execFile);

/**
 * A KubeClient that records every HTTP request it opens. It overrides `open`, which `request`
 * (every get, list, create, patch, apply, delete, discovery) and `watch` both go through, so
 * watches are counted as well.
 */
export class CountingClient extends KubeClient {
  readonly requests: string[] = [];

  override async open(
    method: string,
    path: string,
    options?: Parameters<KubeClient['open']>[2],
  ): ReturnType<KubeClient['open']> {
    const query = options?.query ?? {};
    const flags = ['watch', 'dryRun'].filter((flag) => query[flag] !== undefined && query[flag] !== false);
    this.requests.push(`${method} ${path}${flags.length > 0 ? `?${flags.join('&')}` : ''}`);
    return super.open(method, path, options);
  }
}

/** `3 PATCH /api/v1/namespaces/ns/configmaps/cm-*?dryRun` lines, most frequent first. */
export function requestSummary(requests: readonly string[], limit = 8): string[] {
  const counts = new Map<string, number>();
  for (const request of requests) {
    const key = request.replace(/\/cm-\d+/g, '/cm-*');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const lines = sorted.slice(0, limit).map(([key, count]) => `${String(count).padStart(7)} ${key}`);
  if (sorted.length > limit) lines.push(`        … and ${sorted.length - limit} more kinds of request`);
  return lines;
}

export function progress(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** What a kubectl run took; `finished` is false when it was stopped at the time limit. */
export interface KubectlRun {
  seconds: number;
  finished: boolean;
  /** Objects it reported applied (one line each). */
  applied: number;
}

/**
 * Runs kubectl, counting the lines it prints (one per applied object) and reporting progress on
 * stderr every 10 s. Past `limitSeconds` it is stopped (SIGTERM) and the run reported unfinished.
 * Fails on any other non-zero exit.
 */
export async function timedKubectl(
  kubeconfig: string,
  home: string,
  args: string[],
  label: string,
  expected: number,
  limitSeconds: number,
): Promise<KubectlRun> {
  const started = performance.now();
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    env: { ...process.env, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lines = 0;
  let stderr = '';
  let stopped = false;
  child.stdout.on('data', (chunk: Buffer) => {
    for (const byte of chunk) if (byte === 10) lines++;
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    progress(`${label}: ${lines}/${expected} objects after ${seconds.toFixed(0)} s`);
  }, 10_000);
  const limit = setTimeout(() => {
    stopped = true;
    progress(`${label}: stopped at the ${limitSeconds} s limit with ${lines}/${expected} objects applied`);
    child.kill('SIGTERM');
  }, limitSeconds * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  clearTimeout(limit);
  const seconds = (performance.now() - started) / 1000;
  if (stopped) return { seconds, finished: false, applied: lines };
  if (code !== 0) throw new Error(`kubectl ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`);
  return { seconds, finished: true, applied: lines };
}

/** Polls `check` every `everyMs` until it answers true; reports `label` on stderr every 10 s. */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: { timeoutMs?: number; everyMs?: number; label?: string; detail?: () => string } = {},
): Promise<void> {
  const started = performance.now();
  const end = started + (options.timeoutMs ?? 1_800_000);
  let reported = started;
  while (!(await check())) {
    const now = performance.now();
    if (now > end) throw new Error(`timed out${options.label !== undefined ? `: ${options.label}` : ''}`);
    if (options.label !== undefined && now - reported >= 10_000) {
      reported = now;
      const detail = options.detail?.() ?? '';
      progress(
        `${options.label}: ${((now - started) / 1000).toFixed(0)} s${detail === '' ? '' : `, ${detail}`}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.everyMs ?? 50));
  }
}

/**
 * Writes N ConfigMaps (an index field and 200 bytes of payload each) into DIR/app, one file per
 * object (`cm-<i>.yaml`), as a repository of manifests is usually laid out.
 */
export function writeManifests(dir: string, namespace: string, n: number): string {
  mkdirSync(join(dir, 'app'), { recursive: true });
  for (let i = 0; i < n; i++)
    writeFileSync(
      join(dir, 'app', `cm-${i}.yaml`),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: ${namespace}\ndata:\n  index: "${i}"\n  payload: "${'x'.repeat(200)}"\n`,
    );
  return dir;
}

/** The environment git runs in: no user or system config, a fixed identity. */
const gitEnv: Record<string, string | undefined> = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: gitEnv, maxBuffer: 1 << 26 });
  return stdout.trim();
}

/**
 * Commits everything in `work` (a fresh directory with files in it) as `main`, and makes the bare
 * repository `bare` its `origin`.
 */
export async function initRepository(work: string, bare: string): Promise<void> {
  await git(work, 'init', '-q', '-b', 'main');
  await git(work, 'add', '-A');
  await git(work, 'commit', '-q', '-m', 'initial');
  await git(work, 'clone', '-q', '--bare', work, bare);
  await git(work, 'remote', 'add', 'origin', bare);
  await git(work, 'fetch', '-q', 'origin');
  await git(work, 'branch', '-q', '--set-upstream-to', 'origin/main', 'main');
}

/** VmRSS and VmHWM of a process, in MiB. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

/** Nearest-rank percentile of `values` (0 < p ≤ 100). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export function seconds(s: number): string {
  return s >= 60 ? `${Math.floor(s / 60)}m${(s % 60).toFixed(1).padStart(4, '0')}s` : `${s.toFixed(2)} s`;
}

export function millis(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** Columns padded to their widest cell; the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
