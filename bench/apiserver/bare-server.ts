/**
 * The HTTP ceiling for bench/apiserver/run.ts: a bare node:http server answering the benchmark's
 * requests (ConfigMap create, get, update, list with limit/continue, watch) from an in-memory Map,
 * with the same URL paths, bearer-token check and JSON shapes as the API server, and nothing else
 * (no validation, no RBAC, no managed-fields merge, no storage layer). Run as a child process:
 *
 *   node --import tsx bench/apiserver/bare-server.ts TOKEN
 *
 * Prints `listening on http://127.0.0.1:PORT` on stdout.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; resourceVersion?: string };
  data?: Record<string, string>;
}

const token = process.argv[2] ?? 'bench';
const expectedAuth = `Bearer ${token}`;
let revision = 1;

/** namespace → name → object, and namespace → names kept sorted (lists are in key order). */
const objects = new Map<string, Map<string, Obj>>();
const sorted = new Map<string, string[]>();
const watchers = new Map<string, Set<ServerResponse>>();

function nsObjects(ns: string): Map<string, Obj> {
  let m = objects.get(ns);
  if (!m) objects.set(ns, (m = new Map()));
  return m;
}

/** First index in a sorted array whose value is > name. */
function upperBound(names: string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid]! <= name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(ns: string, name: string): void {
  let names = sorted.get(ns);
  if (!names) sorted.set(ns, (names = []));
  names.splice(upperBound(names, name), 0, name);
}

function send(res: ServerResponse, code: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-cache, private',
  });
  res.end(body);
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  send(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

function readJson(req: IncomingMessage): Promise<Obj> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    req.on('error', reject);
  });
}

/** The managedFields entry an Update by the bench client would carry. */
function managedFields(obj: Obj, operation: string, now: string): unknown[] {
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(obj.data ?? {})) fields[`f:${k}`] = {};
  return [
    {
      manager: 'bench',
      operation,
      apiVersion: 'v1',
      time: now,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': fields },
    },
  ];
}

function notify(ns: string, type: string, obj: Obj): void {
  const set = watchers.get(ns);
  if (!set || set.size === 0) return;
  const line = `${JSON.stringify({ type, object: obj })}\n`;
  for (const w of set) w.write(line);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (path === '/readyz' || path === '/healthz' || path === '/livez') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('ok');
    return;
  }
  if (req.headers.authorization !== expectedAuth) return status(res, 401, 'Unauthorized', 'Unauthorized');
  const method = req.method ?? 'GET';
  if (path === '/api/v1/namespaces' && method === 'POST') {
    const body = await readJson(req);
    const ns = body.metadata.name;
    if (objects.has(ns)) return status(res, 409, 'AlreadyExists', `namespaces "${ns}" already exists`);
    nsObjects(ns);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    body.metadata = {
      ...body.metadata,
      uid: randomUUID(),
      resourceVersion: String(++revision),
      creationTimestamp: now,
    };
    return send(res, 201, body);
  }
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?$/.exec(path);
  if (!m) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
  const ns = m[1]!;
  const name = m[2];
  const store = nsObjects(ns);
  const q = url.searchParams;

  if (name === undefined && method === 'GET' && (q.get('watch') === '1' || q.get('watch') === 'true')) {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    let set = watchers.get(ns);
    if (!set) watchers.set(ns, (set = new Set()));
    set.add(res);
    res.on('close', () => set.delete(res));
    return;
  }
  if (name === undefined && method === 'GET') {
    const names = sorted.get(ns) ?? [];
    const limit = Number(q.get('limit') ?? 0);
    const cont = q.get('continue');
    let start = 0;
    let rv = String(revision);
    if (cont) {
      const token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as {
        rv: string;
        start: string;
      };
      start = upperBound(names, token.start);
      rv = token.rv;
    }
    const end = limit > 0 ? Math.min(names.length, start + limit) : names.length;
    const items: Obj[] = [];
    for (let i = start; i < end; i++) items.push(store.get(names[i]!)!);
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    if (end < names.length) {
      metadata['continue'] = Buffer.from(JSON.stringify({ rv, start: names[end - 1] })).toString('base64url');
      metadata['remainingItemCount'] = names.length - end;
    }
    return send(res, 200, { apiVersion: 'v1', kind: 'ConfigMapList', metadata, items });
  }
  if (name === undefined && method === 'POST') {
    const body = await readJson(req);
    const n = body.metadata?.name;
    if (typeof n !== 'string' || n === '')
      return status(res, 422, 'Invalid', 'metadata.name: Required value');
    if (store.has(n)) return status(res, 409, 'AlreadyExists', `configmaps "${n}" already exists`);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const obj: Obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: n,
        namespace: ns,
        uid: randomUUID(),
        resourceVersion: String(++revision),
        creationTimestamp: now,
        managedFields: managedFields(body, 'Update', now),
      },
      ...(body.data && { data: body.data }),
    };
    store.set(n, obj);
    insertSorted(ns, n);
    notify(ns, 'ADDED', obj);
    return send(res, 201, obj);
  }
  if (name !== undefined && method === 'GET') {
    const obj = store.get(name);
    if (!obj) return status(res, 404, 'NotFound', `configmaps "${name}" not found`);
    return send(res, 200, obj);
  }
  if (name !== undefined && method === 'PUT') {
    const body = await readJson(req);
    const old = store.get(name);
    if (!old) return status(res, 404, 'NotFound', `configmaps "${name}" not found`);
    const rv = body.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) {
      return status(
        res,
        409,
        'Conflict',
        `Operation cannot be fulfilled on configmaps "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const obj: Obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        ...old.metadata,
        resourceVersion: String(++revision),
        managedFields: managedFields(body, 'Update', now),
      },
      ...(body.data && { data: body.data }),
    };
    store.set(name, obj);
    notify(ns, 'MODIFIED', obj);
    return send(res, 200, obj);
  }
  return status(
    res,
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    process.stderr.write(`bare-server: ${req.method} ${req.url}: ${String(error)}\n`);
    if (!res.headersSent) status(res, 500, 'InternalError', String(error));
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`bare-server listening on http://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
