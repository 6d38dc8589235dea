/**
 * Git smart HTTP for the built-in forge: `git http-backend` (CGI) serves
 * `/<owner>/<name>.git/...` from the bare repositories under the forge's `repos/` directory. The
 * forge authenticates the request first; `onReceivePack` runs around each push so the forge can
 * compare refs before and after it.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gitEnv } from './git.ts';

/** `/<owner>/<name>.git/<rest>` → its parts, or undefined for other paths. */
export function parseGitPath(pathname: string): { owner: string; name: string; rest: string } | undefined {
  const m = /^\/([^/]+)\/([^/]+?)\.git(\/.*)$/.exec(pathname);
  if (!m) return undefined;
  return { owner: m[1]!, name: m[2]!, rest: m[3]! };
}

/** Whether a request writes (a push), so it needs write permission and a refs comparison. */
export function isReceivePack(url: URL): boolean {
  return url.pathname.endsWith('/git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack';
}

/**
 * Runs `git http-backend` for one request; resolves when the response is complete. `beforeEnd`
 * runs after git finished and before the response ends.
 */
export function serveGit(
  projectRoot: string,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
  remoteUser: string,
  beforeEnd?: () => Promise<void>,
): Promise<void> {
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_USER: remoteUser,
    REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
    REQUEST_METHOD: request.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: request.headers['content-type'] ?? '',
    GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
    HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
  };
  if (request.headers['content-length'] !== undefined)
    env['CONTENT_LENGTH'] = request.headers['content-length'];
  return new Promise((resolve) => {
    const cgi = spawn('git', ['http-backend'], { env: gitEnv(env), stdio: ['pipe', 'pipe', 'ignore'] });
    request.pipe(cgi.stdin);
    cgi.stdin.on('error', () => {});
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      response.writeHead(status, headers);
      response.write(head.subarray(end + 4));
    });
    cgi.on('close', () => {
      if (!headersDone) {
        response.writeHead(502).end('git http-backend failed\n');
        resolve();
        return;
      }
      // the client sees the push end only after the forge has acted on it
      void (beforeEnd ?? (async () => {}))()
        .catch(() => {})
        .finally(() => {
          response.end();
          resolve();
        });
    });
  });
}
