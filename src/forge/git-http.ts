/**
 * Git smart HTTP for the built-in forge: `git http-backend` (CGI) serves
 * `/<owner>/<name>.git/...` from the bare repositories under the forge's `repos/` directory. The
 * forge authenticates the request first; `onReceivePack` runs around each push so the forge can
 * compare refs before and after it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cgiEnvironment, runHttpBackend } from '../adapters/git/http-backend.ts';
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
  const env = { ...cgiEnvironment(request, url, { projectRoot }), REMOTE_USER: remoteUser };
  return runHttpBackend(request, response, gitEnv(env)).then(async (status) => {
    // the client sees the push end only after the forge has acted on it
    if (status !== 502) await (beforeEnd ?? (async () => {}))().catch(() => {});
    response.end();
  });
}
