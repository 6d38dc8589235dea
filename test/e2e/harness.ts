/** Starting `keelson apiserver` as a real process for end-to-end tests, and talking to it. */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  kubeconfig: string;
  token: string;
  child: ChildProcess;
  /** kill -9 */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function tempDir(prefix = 'keelson-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function startServer(
  options: { dataDir?: string; port?: number; tls?: boolean; history?: number; args?: string[] } = {},
): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? tempDir();
  const args = ['apiserver', '--data', dataDir, '--port', String(options.port ?? 0)];
  if (options.tls) args.push('--tls');
  if (options.history !== undefined) args.push('--history', String(options.history));
  if (options.args) args.push(...options.args);
  const child = spawn(join(repoRoot, 'bin', 'keelson'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`apiserver did not start in 30s: ${out}${err}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m && out.includes('kubeconfig:')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`apiserver exited with ${code}: ${out}${err}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    kubeconfig: join(dataDir, 'kubeconfig'),
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
    child,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs the real kubectl against a kubeconfig; resolves with its output even when it fails. */
export async function kubectl(
  kubeconfig: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = dirname(kubeconfig);
  if (input !== undefined) {
    return new Promise((resolve) => {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
        env: { ...process.env, HOME: home },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(input);
    });
  }
  try {
    const { stdout, stderr } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      env: { ...process.env, HOME: home },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A fetch against the server with the admin token. */
export async function api(
  server: { url: string; token: string },
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const init: RequestInit = {
    method,
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': contentType },
  };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(server.url + path, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
