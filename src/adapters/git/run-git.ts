/**
 * Runs the git CLI: a clean environment (no user or system config, no prompts, no credential
 * helpers), credentials only through `GIT_CONFIG_*` environment variables, a timeout that kills the
 * whole process group, and failures turned into GitErrors with every secret redacted.
 */
import { spawn } from 'node:child_process';

import { KeelsonError, type ErrorCode } from '../../base/errors.ts';
import { GitError } from './git-error.ts';
import type { GitRemote } from './remote.ts';
import type { GitAuth } from './source.ts';

export interface GitCall {
  gitBinary: string;
  args: string[];
  /** What the call does, for messages: `ls-remote`, `fetch`, `checkout`. */
  operation: string;
  remote: GitRemote;
  cwd: string;
  timeoutMs: number;
  /** Extra environment, e.g. GIT_INDEX_FILE. */
  env?: Record<string, string>;
  auth?: GitAuth | undefined;
  signal?: AbortSignal | undefined;
  /** Exit codes that are answers rather than failures (`merge-base --is-ancestor` exits 1 for "no"). */
  okExitCodes?: number[];
}

export interface GitResult {
  stdout: string;
  exitCode: number;
}

const maxStderr = 64 * 1024;

/** Runs one git command; resolves with its stdout, or rejects with a GitError (or the signal's reason). */
export async function runGit(call: GitCall): Promise<GitResult> {
  call.signal?.throwIfAborted();
  const secrets = secretsOf(call.auth);
  const env = gitEnvironment(call.remote, call.auth, call.env);
  const child = spawn(call.gitBinary, call.args, {
    cwd: call.cwd,
    env,
    // its own process group, so a timeout also ends git-remote-http and upload-pack children
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-maxStderr);
  });

  let timedOut = false;
  const killGroup = (): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, call.timeoutMs);
  call.signal?.addEventListener('abort', killGroup, { once: true });

  const command = `git ${call.operation} ${call.remote.display}`;
  try {
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        throw new KeelsonError(
          'KEELSON_INTERNAL',
          `git binary "${call.gitBinary}" not found`,
          {},
          { cause: error },
        );
      }
      throw new GitError('KEELSON_INTERNAL', `${command}: ${error.message}`, call.remote.display, '', {
        cause: error,
      });
    });
    call.signal?.throwIfAborted();
    if (timedOut) {
      throw new GitError(
        'KEELSON_TIMEOUT',
        `${command}: timed out after ${formatDuration(call.timeoutMs)}`,
        call.remote.display,
        redact(stderr, secrets),
      );
    }
    if (exitCode !== 0 && !(call.okExitCodes ?? []).includes(exitCode)) {
      throw gitFailure(command, call.remote, redact(stderr, secrets), call.operation);
    }
    return { stdout: Buffer.concat(stdout).toString('utf8'), exitCode };
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener('abort', killGroup);
  }
}

/**
 * The environment git runs in: the parent's minus every GIT_* variable (a hook's GIT_DIR must not
 * leak in), no system or global config, no prompts, and the auth header as injected config scoped
 * to the remote's URL. Proxy variables pass through.
 */
export function gitEnvironment(
  remote: GitRemote,
  auth: GitAuth | undefined,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('GIT_')) env[name] = value;
  }
  const config: [string, string][] = [
    ['credential.helper', ''],
    ['protocol.version', '2'],
  ];
  const header = remote.transport === 'http' ? authorizationHeader(auth) : undefined;
  if (header !== undefined) {
    config.push([`http.${remote.gitUrl}.extraHeader`, `Authorization: ${header}`]);
    // git sends extra headers to wherever a redirect leads: credentials stay with the named URL
    config.push(['http.followRedirects', 'false']);
  }
  Object.assign(env, {
    LC_ALL: 'C',
    LANGUAGE: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_COUNT: String(config.length),
    ...extra,
  });
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

function authorizationHeader(auth: GitAuth | undefined): string | undefined {
  if (auth === undefined) return undefined;
  if ('bearerToken' in auth) return `Bearer ${auth.bearerToken}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** Every form a secret of `auth` could take in git's output. */
export function secretsOf(auth: GitAuth | undefined): string[] {
  if (auth === undefined) return [];
  const raw =
    'bearerToken' in auth
      ? [auth.bearerToken]
      : [
          auth.password,
          `${auth.username}:${auth.password}`,
          Buffer.from(`${auth.username}:${auth.password}`).toString('base64'),
        ];
  const all = raw.flatMap((secret) => [secret, encodeURIComponent(secret)]).filter((secret) => secret !== '');
  // longest first, so a secret containing another is replaced whole
  return [...new Set(all)].sort((a, b) => b.length - a.length);
}

/** Removes secrets, Authorization header values and URL credentials from text git printed. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out
    .replace(/(authorization:\s*)(\S+\s+)?\S+/gi, '$1***')
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

function gitFailure(command: string, remote: GitRemote, stderr: string, operation: string): GitError {
  const { code, summary } = classify(stderr, operation);
  return new GitError(code, `${command}: ${summary}`, remote.display, stderr);
}

const remoteOperations = new Set(['ls-remote', 'fetch']);

/** Maps git's (C-locale) stderr to an error code and a short lowercase summary. */
export function classify(stderr: string, operation: string): { code: ErrorCode; summary: string } {
  if (
    /authentication failed|could not read (username|password)|terminal prompts disabled|askpass|returned error: 40[13]|HTTP 40[13]/i.test(
      stderr,
    )
  ) {
    return { code: 'KEELSON_UNAUTHORIZED', summary: 'authentication failed' };
  }
  if (
    /repository '.*' not found|does not appear to be a git repository|returned error: 404|HTTP 404/i.test(
      stderr,
    )
  ) {
    return { code: 'KEELSON_NOT_FOUND', summary: 'repository not found' };
  }
  if (/returned error: 30[1278]/.test(stderr)) {
    return {
      code: 'KEELSON_UNAVAILABLE',
      summary:
        'the remote redirects elsewhere, and credentials are never sent to a redirect: use the final url',
    };
  }
  const missingRef = /couldn't find remote ref (\S+)/i.exec(stderr);
  if (missingRef) return { code: 'KEELSON_NOT_FOUND', summary: `ref "${missingRef[1]}" not found` };
  if (/not our ref|unadvertised object/i.test(stderr)) {
    return { code: 'KEELSON_NOT_FOUND', summary: 'object not found on the remote' };
  }
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(fatal|error):/.test(line))
    .map((line) => line.replace(/^(fatal|error):\s*/, ''));
  const summary = (lines.length > 0 ? lines.join('; ') : stderr.trim() || 'failed').slice(0, 500);
  return { code: remoteOperations.has(operation) ? 'KEELSON_UNAVAILABLE' : 'KEELSON_INTERNAL', summary };
}

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
