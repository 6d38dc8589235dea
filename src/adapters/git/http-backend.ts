/**
 * Git smart HTTP through the real `git http-backend` CGI: the request piped to it, its CGI headers
 * (`Status:` included) turned into the HTTP response. Used by the built-in forge and by the test
 * git server; the caller sets the CGI environment (GIT_PROJECT_ROOT, PATH_INFO, …) and ends the
 * response.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The CGI variables of one request, as `git http-backend` reads them. */
export function cgiEnvironment(
  request: IncomingMessage,
  url: URL,
  options: { projectRoot: string; gitProtocol?: string },
): Record<string, string> {
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
    REQUEST_METHOD: request.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: request.headers['content-type'] ?? '',
    GIT_PROTOCOL: options.gitProtocol ?? String(request.headers['git-protocol'] ?? ''),
    HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
  };
  if (request.headers['content-length'] !== undefined)
    env['CONTENT_LENGTH'] = request.headers['content-length'];
  return env;
}

/**
 * Runs `git http-backend` with `env` for one request. Resolves when git has exited, with the HTTP
 * status it answered (502, already written, when it wrote no headers); the body is written but
 * the response is not ended.
 */
export function runHttpBackend(
  request: IncomingMessage,
  response: ServerResponse,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  return new Promise((resolve) => {
    const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    request.pipe(cgi.stdin);
    cgi.stdin.on('error', () => {});
    let head = Buffer.alloc(0);
    let status: number | undefined;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (status !== undefined) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      status = 200;
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
      if (status === undefined) {
        response.writeHead(502);
        response.write('git http-backend failed\n');
        resolve(502);
        return;
      }
      resolve(status);
    });
  });
}
