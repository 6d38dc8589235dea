/**
 * The artifact store over HTTP, mounted at `/artifacts/` by the composition root:
 *
 *   PUT /artifacts/<run path>/        a run's tar.gz (Bearer token of that path), 201 { files, bytes }
 *   GET /artifacts/<run path>/        the run's page: result, times, files, and the build log (HTML);
 *                                     JSON `{ path, files }` with `?format=json` or Accept: application/json
 *   GET /artifacts/<run path>/<file>  one file
 *
 * Reads are open, as Prow's public buckets are; stored files are served with `nosniff` and a
 * sandbox CSP, so an uploaded HTML file cannot act as this origin.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { isKeelsonError } from '../../base/errors.ts';
import type { Logger } from '../../runtime/controller.ts';
import { checkedPath, type ArtifactFile, type ArtifactStore } from './store.ts';
import { replyJson, type HttpHandler } from '../../runtime/http.ts';

/** Where the composition root mounts the handler. */
export const artifactsPathPrefix = '/artifacts/';

/** How much of the build log the run's page shows inline (its tail). */
const inlineLogBytes = 256 * 1024;

const contentTypes: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gz': 'application/gzip',
};

export type { HttpHandler } from '../../runtime/http.ts';

export function artifactsHandler(deps: { store: ArtifactStore; log: Logger }): HttpHandler {
  return function handleArtifacts(request, response) {
    void serve(deps, request, response).catch((error: unknown) => {
      deps.log('artifacts request failed', { url: request.url, error: String(error) });
      if (!response.headersSent) replyJson(response, 500, { message: 'internal error' });
      else response.destroy();
    });
  };
}

async function serve(
  deps: { store: ArtifactStore; log: Logger },
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://artifacts');
  const raw = url.pathname.slice(artifactsPathPrefix.length);
  const path = checkedPath(raw);
  if (path === undefined || path === '' || !url.pathname.startsWith(artifactsPathPrefix))
    return replyJson(response, 400, { message: `invalid artifact path ${JSON.stringify(url.pathname)}` });
  const directory = raw === '' || raw.endsWith('/');
  if (request.method === 'PUT') return upload(deps, path, request, response);
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return replyJson(
      response,
      405,
      { message: 'only GET, HEAD and PUT are accepted' },
      { Allow: 'GET, HEAD, PUT' },
    );
  if (!directory) {
    const file = await deps.store.open(path);
    if (file !== undefined) {
      response.writeHead(200, {
        'Content-Type': contentTypes[extname(path)] ?? 'application/octet-stream',
        'Content-Length': file.size,
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': 'sandbox',
      });
      if (request.method === 'HEAD') {
        file.stream.destroy();
        response.end();
        return;
      }
      file.stream.pipe(response);
      return;
    }
    if ((await deps.store.list(path)) !== undefined) {
      response.writeHead(301, { Location: `${url.pathname}/` }).end();
      return;
    }
    return replyJson(response, 404, { message: `no artifact ${path}` });
  }
  const files = await deps.store.list(path);
  if (files === undefined) return replyJson(response, 404, { message: `nothing stored at ${path}/` });
  const json =
    url.searchParams.get('format') === 'json' || (request.headers.accept ?? '').includes('application/json');
  if (json) return replyJson(response, 200, { path, files });
  const html = runPage(deps.store, path, files);
  response.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
  response.end(request.method === 'HEAD' ? undefined : html);
}

async function upload(
  deps: { store: ArtifactStore; log: Logger },
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  // a refused upload's body may be unread: the connection is not reused
  const close = { Connection: 'close' };
  if (token === undefined || !deps.store.authorized(path, token)) {
    request.resume();
    return replyJson(response, 401, { message: `no valid upload token for ${path}/` }, close);
  }
  try {
    const result = await deps.store.upload(path, request);
    deps.log('artifacts stored', { path, ...result });
    replyJson(response, 201, result);
  } catch (error) {
    request.resume();
    if (isKeelsonError(error))
      return replyJson(
        response,
        error.code === 'KEELSON_TOO_LARGE' ? 413 : 400,
        { message: error.message },
        close,
      );
    throw error;
  }
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

interface Finished {
  timestamp?: number;
  passed?: boolean;
  result?: string;
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A run's page, as Prow's Spyglass shows one: the result, the times, the files, and the log's tail. */
function runPage(store: ArtifactStore, path: string, files: ArtifactFile[]): string {
  const started = parseJson<{ timestamp?: number }>(store.readText(`${path}/started.json`));
  const finished = parseJson<Finished>(store.readText(`${path}/finished.json`));
  const result = finished?.result ?? (finished === undefined ? 'RUNNING' : 'UNKNOWN');
  const colour = result === 'SUCCESS' ? '#1a7f37' : result === 'RUNNING' ? '#9a6700' : '#cf222e';
  const when = (seconds: number | undefined) =>
    seconds === undefined ? '' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
  const took =
    started?.timestamp !== undefined && finished?.timestamp !== undefined
      ? `${finished.timestamp - started.timestamp}s`
      : '';
  let log = store.readText(`${path}/build-log.txt`) ?? '';
  const cut = log.length > inlineLogBytes;
  if (cut) log = log.slice(-inlineLogBytes);
  const rows = files
    .map(
      (f) =>
        `<tr><td><a href="${escapeHtml(f.path.split('/').map(encodeURIComponent).join('/'))}">${escapeHtml(f.path)}</a></td><td>${size(f.size)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(path)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}pre{background:#f6f8fa;padding:1em;overflow:auto;max-height:60vh}
.result{color:#fff;background:${colour};padding:2px 8px;border-radius:4px}td{padding:2px 12px 2px 0}</style></head>
<body><h1>${escapeHtml(path)}</h1>
<p><span class="result">${escapeHtml(result)}</span> started ${escapeHtml(when(started?.timestamp))}${took ? `, took ${took}` : ''}</p>
<h2>Files</h2><table>${rows}</table>
<h2>Build log${cut ? ' (last 256 KiB)' : ''}</h2><pre>${escapeHtml(log)}</pre>
</body></html>
`;
}
