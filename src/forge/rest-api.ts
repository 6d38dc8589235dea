/**
 * The subset of GitHub's REST API (v3, under `/api/v3` like GitHub Enterprise Server) that
 * `GithubForge` uses, answered from the forge's state. Errors are GitHub's JSON
 * (`{ message, documentation_url, errors? }`) with GitHub's status codes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeelsonError } from '../base/errors.ts';
import type { ForgePullRequest, ForgeRepository } from '../api/crds/index.ts';
import type { ForgeService } from './service.ts';
import type { ForgeAppRecord, ForgeUserRecord } from './store.ts';
import type { Json } from './github-json.ts';

export interface ApiRequest {
  method: string;
  params: string[];
  query: URLSearchParams;
  body: Json;
  user: ForgeUserRecord;
}

export type ApiAnswer = { status: number; body?: unknown };
type Handler = (service: ForgeService, req: ApiRequest) => Promise<ApiAnswer>;

const docs = 'https://docs.github.com/enterprise-server/rest';

/** A GitHub-style error: what failed and where. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly errors: Json[] | undefined;
  constructor(status: number, message: string, errors?: Json[]) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

/** 422 for a body field: `field` of `resource` is missing or invalid. */
export function invalidField(resource: string, field: string, message: string): ApiFailure {
  return new ApiFailure(422, `Validation Failed: ${field} ${message}`, [
    { resource, field, code: message === 'is missing' ? 'missing_field' : 'invalid', message },
  ]);
}

export function requireString(
  body: Json,
  resource: string,
  field: string,
  optional = false,
): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (optional) return undefined;
    throw invalidField(resource, field, 'is missing');
  }
  if (typeof value !== 'string') throw invalidField(resource, field, 'must be a string');
  if (!optional && value === '') throw invalidField(resource, field, 'must not be empty');
  return value;
}

function number(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ApiFailure(404, 'Not Found');
  return n;
}

async function repoOf(service: ForgeService, req: ApiRequest): Promise<ForgeRepository> {
  return service.repository(req.params[0]!, req.params[1]!);
}

async function pullOf(service: ForgeService, req: ApiRequest): Promise<[ForgeRepository, ForgePullRequest]> {
  const repo = await repoOf(service, req);
  return [repo, await service.pull(repo, number(req.params[2]!))];
}

const seg = '([^/]+)';
const repoPath = `/repos/${seg}/${seg}`;

/** What an app does with its JWT (`/app…`, answered for the app, not for a user). */
const appRoutes: [
  string,
  RegExp,
  (s: ForgeService, app: ForgeAppRecord, params: string[]) => Promise<ApiAnswer>,
][] = [
  ['GET', /^\/app$/, async (s, app) => ({ status: 200, body: await s.apps.appJson(app) })],
  [
    'GET',
    /^\/app\/installations$/,
    async (s, app) => ({ status: 200, body: await s.apps.installationsJson(app) }),
  ],
  [
    'POST',
    /^\/app\/installations\/(\d+)\/access_tokens$/,
    async (s, app, p) => ({ status: 201, body: await s.apps.createToken(app, Number(p[0])) }),
  ],
];

const routes: [string, RegExp, Handler][] = [
  [
    'GET',
    /^\/user$/,
    async (s, r) => {
      if (r.user.app !== undefined) throw new ApiFailure(403, 'Resource not accessible by integration');
      return { status: 200, body: s.json.privateUser(r.user) };
    },
  ],
  [
    'GET',
    new RegExp(`^/users/${seg}$`),
    async (s, r) => ({ status: 200, body: await s.publicUserJson(r.params[0]!) }),
  ],
  [
    'GET',
    /^\/installation\/repositories$/,
    async (s, r) => ({ status: 200, body: await s.installationRepositoriesJson(r.user) }),
  ],
  ['GET', /^\/user\/repos$/, async (s) => ({ status: 200, body: await s.listRepositoriesJson() })],
  [
    'POST',
    /^\/user\/repos$/,
    async (s, r) => ({ status: 201, body: await s.createRepository(r.user, r.user.login, r.body) }),
  ],
  [
    'POST',
    new RegExp(`^/orgs/${seg}/repos$`),
    async (s, r) => ({ status: 201, body: await s.createRepository(r.user, r.params[0]!, r.body) }),
  ],
  [
    'GET',
    new RegExp(`^/orgs/${seg}/members/${seg}$`),
    async (s, r) => ({ status: (await s.isOrgMember(r.params[0]!, r.params[1]!)) ? 204 : 404 }),
  ],
  [
    'GET',
    new RegExp(`^${repoPath}$`),
    async (s, r) => ({ status: 200, body: await s.repositoryJson(await repoOf(s, r)) }),
  ],
  [
    'GET',
    new RegExp(`^${repoPath}/collaborators/${seg}$`),
    async (s, r) => ({ status: (await s.canWrite(await repoOf(s, r), r.params[2]!)) ? 204 : 404 }),
  ],
  [
    'GET',
    new RegExp(`^${repoPath}/collaborators/${seg}/permission$`),
    async (s, r) => ({ status: 200, body: await s.permissionJson(await repoOf(s, r), r.params[2]!) }),
  ],
  [
    'GET',
    new RegExp(`^${repoPath}/hooks$`),
    async (s, r) => ({ status: 200, body: s.hooksJson(await repoOf(s, r)) }),
  ],
  [
    'POST',
    new RegExp(`^${repoPath}/hooks$`),
    async (s, r) => ({ status: 201, body: await s.createHook(r.user, await repoOf(s, r), r.body) }),
  ],
  [
    'GET',
    new RegExp(`^${repoPath}/pulls$`),
    async (s, r) => ({
      status: 200,
      body: await s.listPullsJson(await repoOf(s, r), r.query.get('state') ?? 'open'),
    }),
  ],
  [
    'POST',
    new RegExp(`^${repoPath}/pulls$`),
    async (s, r) => ({ status: 201, body: await s.createPull(r.user, await repoOf(s, r), r.body) }),
  ],
  [
    'GET',
    new RegExp(`^${repoPath}/pulls/(\\d+)$`),
    async (s, r) => {
      const [repo, pr] = await pullOf(s, r);
      return { status: 200, body: await s.pullJson(repo, pr, true) };
    },
  ],
  [
    'PATCH',
    new RegExp(`^${repoPath}/pulls/(\\d+)$`),
    async (s, r) => {
      const [repo, pr] = await pullOf(s, r);
      return { status: 200, body: await s.updatePull(r.user, repo, pr, r.body) };
    },
  ],
  [
    'GET',
    new RegExp(`^${repoPath}/pulls/(\\d+)/files$`),
    async (s, r) => {
      const [repo, pr] = await pullOf(s, r);
      return { status: 200, body: await s.filesJson(repo, pr) };
    },
  ],
  [
    'PUT',
    new RegExp(`^${repoPath}/pulls/(\\d+)/merge$`),
    async (s, r) => {
      const [repo, pr] = await pullOf(s, r);
      return { status: 200, body: await s.merge(r.user, repo, pr, r.body) };
    },
  ],
  [
    'GET',
    new RegExp(`^${repoPath}/pulls/(\\d+)/reviews$`),
    async (s, r) => {
      const [repo, pr] = await pullOf(s, r);
      return { status: 200, body: await s.reviewsJson(repo, pr) };
    },
  ],
  [
    'POST',
    new RegExp(`^${repoPath}/pulls/(\\d+)/reviews$`),
    async (s, r) => {
      const [repo, pr] = await pullOf(s, r);
      return { status: 200, body: await s.createReview(r.user, repo, pr, r.body) };
    },
  ],
  [
    'GET',
    new RegExp(`^${repoPath}/issues/(\\d+)/comments$`),
    async (s, r) => {
      const [repo, pr] = await pullOf(s, r);
      return { status: 200, body: await s.commentsJson(repo, pr) };
    },
  ],
  [
    'POST',
    new RegExp(`^${repoPath}/issues/(\\d+)/comments$`),
    async (s, r) => {
      const [repo, pr] = await pullOf(s, r);
      return { status: 201, body: await s.createComment(r.user, repo, pr, r.body) };
    },
  ],
  [
    'PATCH',
    new RegExp(`^${repoPath}/issues/comments/(\\d+)$`),
    async (s, r) => ({
      status: 200,
      body: await s.updateComment(r.user, await repoOf(s, r), number(r.params[2]!), r.body),
    }),
  ],
  [
    'DELETE',
    new RegExp(`^${repoPath}/issues/comments/(\\d+)$`),
    async (s, r) => {
      await s.deleteComment(r.user, await repoOf(s, r), number(r.params[2]!));
      return { status: 204 };
    },
  ],
  [
    'POST',
    new RegExp(`^${repoPath}/issues/(\\d+)/labels$`),
    async (s, r) => {
      const [repo, pr] = await pullOf(s, r);
      return { status: 200, body: await s.addLabels(r.user, repo, pr, r.body) };
    },
  ],
  [
    'DELETE',
    new RegExp(`^${repoPath}/issues/(\\d+)/labels/([^/]+)$`),
    async (s, r) => {
      const [repo, pr] = await pullOf(s, r);
      return { status: 200, body: await s.removeLabel(r.user, repo, pr, r.params[3]!) };
    },
  ],
  [
    'POST',
    new RegExp(`^${repoPath}/statuses/([0-9a-fA-F]{1,40})$`),
    async (s, r) => ({
      status: 201,
      body: await s.createStatus(r.user, await repoOf(s, r), r.params[2]!, r.body),
    }),
  ],
  [
    'GET',
    new RegExp(`^${repoPath}/commits/(.+)/status$`),
    async (s, r) => ({ status: 200, body: await s.combinedStatusJson(await repoOf(s, r), r.params[2]!) }),
  ],
];

function send(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-GitHub-Media-Type': 'github.v3; format=json',
  });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, message: string, errors?: Json[]): void {
  send(response, status, {
    message,
    documentation_url: docs,
    ...(errors && { errors }),
    status: String(status),
  });
}

async function readBody(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiFailure(400, 'Problems parsing JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ApiFailure(400, 'Body should be a JSON object');
  return parsed as Json;
}

/** Handles a request whose path starts with `/api/v3`. */
export async function serveApi(
  service: ForgeService,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = url.pathname.replace(/^\/api\/v3/, '').replace(/\/$/, '') || '/';
  const method = request.method ?? 'GET';
  try {
    if (path === '/app' || path.startsWith('/app/')) {
      const app = await service.apps.authenticate(request.headers.authorization);
      for (const [routeMethod, pattern, handler] of appRoutes) {
        const m = pattern.exec(path);
        if (!m || routeMethod !== method) continue;
        if (method === 'POST') await readBody(request);
        const answer = await handler(service, app, m.slice(1));
        send(response, answer.status, answer.body);
        return;
      }
      throw new ApiFailure(404, 'Not Found');
    }
    const user = await service.authenticate(request.headers.authorization);
    if (!user) {
      response.setHeader('WWW-Authenticate', 'Basic realm="keelson-forge"');
      throw new ApiFailure(401, 'Requires authentication');
    }
    let pathMatched = false;
    for (const [routeMethod, pattern, handler] of routes) {
      const m = pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (routeMethod !== method) continue;
      const body = method === 'GET' || method === 'DELETE' ? {} : await readBody(request);
      const params = m.slice(1).map((p) => decodeURIComponent(p));
      const answer = await handler(service, { method, params, query: url.searchParams, body, user });
      send(response, answer.status, answer.body);
      return;
    }
    throw new ApiFailure(
      pathMatched ? 405 : 404,
      pathMatched ? `${method} is not allowed on ${path}` : 'Not Found',
    );
  } catch (error) {
    if (error instanceof ApiFailure) return sendError(response, error.status, error.message, error.errors);
    if (error instanceof KeelsonError) {
      const status =
        error.code === 'KEELSON_INVALID'
          ? 422
          : error.code === 'KEELSON_ALREADY_EXISTS'
            ? 422
            : error.httpCode;
      return sendError(response, status, error.message);
    }
    service.log('forge: API request failed', { method, path, error: (error as Error).message });
    sendError(response, 500, 'internal error');
  }
}
