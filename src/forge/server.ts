/**
 * The built-in forge: one HTTP server on loopback serving git smart HTTP at `/<owner>/<name>.git`
 * and GitHub's REST API subset at `/api/v3`, with its state in the management cluster (see
 * README.md). `startForge` installs nothing: the forge CRDs come with Keelson's (installCrds).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { KubeClient } from '../runtime/client.ts';
import type { Logger } from '../runtime/controller.ts';
import type { Forge } from '../adapters/forge/forge.ts';
import { BuiltinForge } from './builtin-forge.ts';
import { isReceivePack, parseGitPath, serveGit } from './git-http.ts';
import { listRefs } from './git.ts';
import { serveApi } from './rest-api.ts';
import { ForgeService } from './service.ts';
import { ForgeStore, type ForgeUserRecord } from './store.ts';
import { WebhookSender } from './webhook-sender.ts';

export interface ForgeOptions {
  client: KubeClient;
  /** Bare repositories go to `<dataDir>/repos`; the admin token to `<dataDir>/admin-token`. */
  dataDir: string;
  /** Namespace of the forge's objects and user Secrets (default `keelson-forge`). */
  namespace?: string;
  port?: number;
  log: Logger;
  /** Receives every event of every repository, besides each repository's own hooks. */
  globalHook?: { url: string; secret: string };
  /** Login of the site admin created on first start (default `admin`). */
  adminLogin?: string;
  /** The forge's clock (JWT and installation token expiry, timestamps); default the system's. */
  now?: () => Date;
}

export interface RunningForge {
  /** `http://127.0.0.1:PORT`: web and git (`<url>/<owner>/<name>.git`). */
  url: string;
  /** `<url>/api/v3`, for GithubForge's `baseUrl`. */
  apiUrl: string;
  adminLogin: string;
  adminToken: string;
  adminTokenPath: string;
  store: ForgeStore;
  /** Creates a user and resolves with its token (shown once, never stored). */
  createUser(login: string, options?: { siteAdmin?: boolean; orgs?: string[] }): Promise<string>;
  /**
   * Registers a GitHub App owned by `owner` (a user or an organization) and resolves with its id
   * and its private key (PKCS#1 PEM), shown once: the forge keeps only the public key.
   */
  createApp(
    slug: string,
    options: { owner: string; name?: string },
  ): Promise<{ appId: number; slug: string; privateKey: string }>;
  /** Installs an app on an account, for all its repositories; resolves with the installation id. */
  installApp(slug: string, account: string): Promise<number>;
  /**
   * A `Forge` acting as the user (or app installation) `token` belongs to, in this process: the
   * REST API's permission checks, webhooks and errors without an HTTP round trip (BuiltinForge).
   */
  forgeFor(token: string): Forge;
  /** Sends every event of every repository to `hook` too, from now on (e.g. to CI started later). */
  addGlobalHook(hook: { url: string; secret: string }): void;
  /** Resolves when every webhook queued so far has been attempted. */
  webhooksIdle(): Promise<void>;
  stop(): Promise<void>;
}

async function ensureAdmin(store: ForgeStore, login: string, tokenPath: string): Promise<string> {
  const saved = existsSync(tokenPath) ? readFileSync(tokenPath, 'utf8').trim() : undefined;
  if (saved && (await store.userByToken(saved))?.login === login) return saved;
  const existing = await store.getUser(login);
  if (existing)
    await store.client.delete({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: store.namespace,
      name: `user-${login}`,
    });
  const { token } = await store.createUser(login, { siteAdmin: true });
  writeFileSync(tokenPath, `${token}\n`, { mode: 0o600 });
  return token;
}

export async function startForge(options: ForgeOptions): Promise<RunningForge> {
  const namespace = options.namespace ?? 'keelson-forge';
  const reposDir = join(options.dataDir, 'repos');
  mkdirSync(reposDir, { recursive: true });
  const store = new ForgeStore({ client: options.client, namespace });
  await store.ensureNamespace();
  const adminLogin = options.adminLogin ?? 'admin';
  const adminTokenPath = join(options.dataDir, 'admin-token');
  const adminToken = await ensureAdmin(store, adminLogin, adminTokenPath);

  const sender = new WebhookSender({ log: options.log });
  const urls = { html: '', api: '' };
  const globalHooks = options.globalHook === undefined ? [] : [options.globalHook];
  const service = new ForgeService({
    store,
    reposDir,
    urls,
    sender,
    log: options.log,
    globalHooks,
    ...(options.now !== undefined && { now: options.now }),
  });

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/v3' || url.pathname.startsWith('/api/v3/')) {
      void serveApi(service, url, request, response);
      return;
    }
    void serveGitRequest(service, reposDir, url, request, response).catch((error: unknown) => {
      options.log('forge: git request failed', { path: url.pathname, error: (error as Error).message });
      if (!response.headersSent) response.writeHead(500).end('internal error\n');
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  urls.html = url;
  urls.api = `${url}/api/v3`;

  return {
    url,
    apiUrl: urls.api,
    adminLogin,
    adminToken,
    adminTokenPath,
    store,
    async createUser(login, userOptions = {}) {
      return (await store.createUser(login, userOptions)).token;
    },
    async createApp(slug, appOptions) {
      const { app, privateKey } = await service.apps.createApp(slug, appOptions);
      return { appId: app.id, slug: app.slug, privateKey };
    },
    async installApp(slug, account) {
      return (await service.apps.install(slug, account)).id;
    },
    forgeFor: (token) => new BuiltinForge({ service, token }),
    webhooksIdle: () => sender.idle(),
    addGlobalHook: (hook) => {
      globalHooks.push(hook);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await sender.idle();
    },
  };
}

async function serveGitRequest(
  service: ForgeService,
  reposDir: string,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const parsed = parseGitPath(url.pathname);
  if (!parsed) {
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${url.pathname}\n`);
    return;
  }
  const user: ForgeUserRecord | undefined = await service.authenticate(request.headers.authorization);
  const repo = await service.store.getRepository(parsed.owner, parsed.name);
  const write = isReceivePack(url);
  // as on GitHub, anyone may clone a public repository; pushing and private ones take a token
  // (asked for as well when the repository does not exist, so a 404 does not reveal private ones)
  if (!user && (write || repo === undefined || repo.spec.private === true)) {
    response
      .writeHead(401, { 'WWW-Authenticate': 'Basic realm="keelson-forge"', 'Content-Type': 'text/plain' })
      .end('authentication required: use a forge token as the password (or a Bearer token)\n');
    return;
  }
  if (!repo) {
    response
      .writeHead(404, { 'Content-Type': 'text/plain' })
      .end(`repository ${parsed.owner}/${parsed.name} not found\n`);
    return;
  }
  if (!user) {
    await serveGit(reposDir, url, request, response, '');
    return;
  }
  if (write && !(await service.canWrite(repo, user))) {
    response
      .writeHead(403, { 'Content-Type': 'text/plain' })
      .end(`${user.login} may not push to ${parsed.owner}/${parsed.name}\n`);
    return;
  }
  if (!(write && request.method === 'POST')) {
    await serveGit(reposDir, url, request, response, user.login);
    return;
  }
  await service.locked(repo.metadata.name ?? '', async () => {
    const before = await listRefs(service.repoDir(repo));
    await serveGit(reposDir, url, request, response, user.login, async () => {
      try {
        await service.afterPush(repo, before, user);
      } catch (error) {
        service.log('forge: acting on a push failed', {
          repository: repo.metadata.name,
          error: (error as Error).message,
        });
      }
    });
  });
}
