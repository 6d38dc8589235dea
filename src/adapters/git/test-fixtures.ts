/**
 * Test helpers for the git adapter: real repositories made with the git CLI under os.tmpdir(), and
 * a real `git http-backend` (CGI) behind node:http that checks the Authorization header. Only tests
 * import this file.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { cgiEnvironment, runHttpBackend } from './http-backend.ts';
import type { GitClock, GitLog } from './source.ts';

/** A fresh directory under os.tmpdir(); removed by `removeTempDirs`. */
const made: string[] = [];
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `keelson-git-${prefix}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

let tick = 0;

/** The environment the fixtures run git in: no user config, fixed identities, increasing dates. */
function fixtureEnv(): Record<string, string> {
  tick++;
  const date = `${1_700_000_000 + tick} +0000`;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('GIT_')) env[name] = value;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}

/** A non-bare repository that tests use as a remote. */
export class TestRepo {
  readonly dir: string;

  constructor(dir: string, initialBranch = 'main') {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    this.git('init', '-q', '-b', initialBranch);
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: fixtureEnv(), encoding: 'utf8' }).trim();
  }

  /** Writes (string), makes executable (`{ content, executable }`) or deletes (null) files, commits them all; returns the sha. */
  commit(
    files: Record<string, string | null | { content: string; executable: boolean }>,
    message = 'change',
  ): string {
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(this.dir, name);
      if (content === null) {
        rmSync(file, { force: true });
        continue;
      }
      mkdirSync(path.dirname(file), { recursive: true });
      if (typeof content === 'string') {
        writeFileSync(file, content);
      } else {
        writeFileSync(file, content.content);
        chmodSync(file, content.executable ? 0o755 : 0o644);
      }
    }
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  head(revision = 'HEAD'): string {
    return this.git('rev-parse', `${revision}^{commit}`);
  }

  /** An annotated tag at HEAD (or `at`). */
  tag(name: string, at = 'HEAD'): void {
    this.git('tag', '-a', name, '-m', `release ${name}`, at);
  }
}

export function fakeClock(
  start = Date.parse('2026-01-01T00:00:00Z'),
): GitClock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A log sink that keeps every line, so tests can check what was (and wasn't) logged. */
export function recordingLog(): GitLog & { lines: string[] } {
  const lines: string[] = [];
  const log = (message: string, fields?: Record<string, unknown>): void => {
    lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  };
  return Object.assign(log, { lines });
}

/**
 * A git executable that appends `start <pid> <argv>` and `end <pid>` to `logFile` around the real
 * git, so tests can read every command line and see which runs overlapped.
 */
export function recordingGit(dir: string): { binary: string; logFile: string } {
  const logFile = path.join(dir, 'git-calls.log');
  const binary = path.join(dir, 'git-recording');
  writeFileSync(
    binary,
    [
      '#!/bin/sh',
      `echo "start $$ $*" >> '${logFile}'`,
      'git "$@"',
      'rc=$?',
      `echo "end $$" >> '${logFile}'`,
      'exit $rc',
      '',
    ].join('\n'),
  );
  chmodSync(binary, 0o755);
  writeFileSync(logFile, '');
  return { binary, logFile };
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/<name>` for a repository under the project root. */
  url(name: string): string;
  /** Requests seen, with the status each got and the Authorization header sent. */
  requests: { path: string; status: number; authorization?: string }[];
  close(): Promise<void>;
}

export interface GitHttpServerOptions {
  /** Directory whose subdirectories are served (`GIT_PROJECT_ROOT`). */
  projectRoot: string;
  basic?: { username: string; password: string };
  bearerToken?: string;
  /** Accept connections and never answer (for timeouts). */
  hang?: boolean;
  /** Speak protocol v0, where upload-pack refuses commits no ref advertises. */
  protocolV0?: boolean;
  /** Answer every request with a 302 to this base URL plus the request's path. */
  redirectTo?: string;
}

/**
 * Serves repositories over smart HTTP with the real `git http-backend`. With `basic` or
 * `bearerToken` set, a request without that exact Authorization header gets 401.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const accepted: string[] = [];
  if (options.basic !== undefined) {
    const { username, password } = options.basic;
    accepted.push(`Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
  }
  if (options.bearerToken !== undefined) accepted.push(`Bearer ${options.bearerToken}`);
  const requests: GitHttpServer['requests'] = [];

  const server = createServer((request, response) => {
    if (options.hang) return;
    const url = new URL(request.url ?? '/', 'http://localhost');
    const authorization = request.headers.authorization;
    if (options.redirectTo !== undefined) {
      requests.push({
        path: url.pathname,
        status: 302,
        ...(authorization === undefined ? {} : { authorization }),
      });
      response.writeHead(302, { Location: `${options.redirectTo}${url.pathname}${url.search}` });
      response.end();
      return;
    }
    if (accepted.length > 0 && !accepted.includes(authorization ?? '')) {
      requests.push({
        path: url.pathname,
        status: 401,
        ...(authorization === undefined ? {} : { authorization }),
      });
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="keelson-test"' });
      response.end('unauthorized\n');
      return;
    }
    serveCgi(options.projectRoot, url, request, response, options.protocolV0 === true, (status) =>
      requests.push({
        path: url.pathname,
        status,
        ...(authorization === undefined ? {} : { authorization }),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serveCgi(
  projectRoot: string,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
  protocolV0: boolean,
  record: (status: number) => void,
): void {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    ...cgiEnvironment(request, url, { projectRoot, ...(protocolV0 && { gitProtocol: '' }) }),
    REMOTE_ADDR: '127.0.0.1',
  };
  void runHttpBackend(request, response, env).then((status) => {
    record(status);
    response.end();
  });
}
