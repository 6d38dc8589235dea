/**
 * The embedded Kubernetes-compatible API server: authentication, RBAC, discovery, OpenAPI, the
 * resource verbs, watch, Tables, and the server's own controllers, over one Storage shared by every
 * logical cluster.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { BadRequestError, KeelsonError, NotFoundError } from '../base/errors.ts';
import { isObject } from '../base/json.ts';
import { apiVersionOf, type KubeObject } from '../api/meta.ts';
import { builtinComponents } from '../api/builtin-schemas.ts';
import {
  forbiddenError,
  nonResourceRequest,
  type RequestAttributes,
  type UserInfo,
} from './auth/authorizer.ts';
import { TokenAuthenticator, type ServiceAccountKeyPair } from './auth/tokens.ts';
import { impersonatedUser } from './auth/impersonation.ts';
import {
  localSubjectAccessReview,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
} from './auth/access-review.ts';
import { LogicalCluster } from './cluster.ts';
import { crdController } from './controllers/crd.ts';
import { GarbageCollector } from './controllers/garbage-collector.ts';
import { NamespaceController } from './controllers/namespaces.ts';
import { Reactor } from './controllers/reactor.ts';
import { systemContext } from './controllers/system.ts';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  groupTypes,
  wantsAggregated,
} from './discovery.ts';
import { parseRequestInfo, defaultCluster, type RequestInfo } from './http/request-info.ts';
import { decodeBody, readBody, writeError, writeJson } from './http/respond.ts';
import { openApiV3Document, openApiV3Root, openApiV2Document } from './openapi.ts';
import { patchTypeOfContentType } from './patch/index.ts';
import { toTable } from './printing/table.ts';
import {
  managerFromUserAgent,
  timestamp,
  type FieldValidation,
  type RequestContext,
} from './registry/context.ts';
import type { DeleteOptions, ListOptions, Subresource } from './registry/store.ts';
import type { ServedType } from './registry/types.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { Storage } from './storage/storage.ts';
import { serveWatch } from './watch.ts';

export const serverVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-keelson',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export interface ApiServerOptions {
  storage: Storage;
  adminToken: string;
  serviceAccountKey: ServiceAccountKeyPair;
  /** Pods bound to a node wait for that node on deletion (an embedded node is running). */
  gracefulPods?: boolean;
  bookmarkIntervalMs?: number;
  /** Serves pods/log (the embedded node); without it the endpoint answers that no node runs the pod. */
  podLogs?: (
    cluster: string,
    namespace: string,
    name: string,
    query: URLSearchParams,
    res: ServerResponse,
  ) => void;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

const tableAccept = /as=Table/;

export class ApiServer {
  readonly storage: Storage;
  readonly #clusters = new Map<string, LogicalCluster>();
  readonly #auth: TokenAuthenticator;
  readonly #options: ApiServerOptions;
  readonly #reactor: Reactor;
  readonly #gc: GarbageCollector;
  readonly #namespaces: NamespaceController;
  #servers: Server[] = [];
  #unsubscribe: () => void;
  #address = '127.0.0.1:0';

  constructor(options: ApiServerOptions) {
    this.#options = options;
    this.storage = options.storage;
    this.#auth = new TokenAuthenticator({
      serviceAccountKey: options.serviceAccountKey,
      adminToken: options.adminToken,
    });
    const clusterOf = (name: string) => this.#clusters.get(name);
    this.#reactor = new Reactor((error) =>
      this.#log('controller error', { error: String((error as Error)?.stack ?? error) }),
    );
    this.#gc = new GarbageCollector(this.storage, clusterOf);
    this.#namespaces = new NamespaceController(clusterOf);
    this.#reactor.add(crdController(clusterOf));
    this.#reactor.add(this.#gc.handle);
    this.#reactor.add(this.#namespaces.handle);
    this.#reactor.add((event) => {
      if (event.key.includes('/rbac.authorization.k8s.io/'))
        clusterOf(event.key.slice(1, event.key.indexOf('/', 1)))?.invalidateAuthorizer();
    });
    this.#unsubscribe = this.storage.subscribe((event) => this.#reactor.push(event));
    for (const name of this.#storedClusterNames()) this.#openCluster(name);
    this.cluster(defaultCluster);
    this.#gc.index();
    this.#namespaces.start();
    this.#resumeTerminating();
  }

  /** The logical cluster of that name, created (with namespaces and RBAC) on first use. */
  cluster(name: string): LogicalCluster {
    return this.#clusters.get(name) ?? this.#createCluster(name);
  }

  clusterNames(): string[] {
    return [...this.#clusters.keys()];
  }

  async listen(
    options: { host?: string; port?: number; tls?: { cert: string; key: string } } = {},
  ): Promise<{ port: number; url: string }> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server = options.tls
      ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
      : createHttpServer(handler);
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.requestTimeout = 0;
    this.#servers.push(server);
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.#address = `${host}:${port}`;
    return { port, url: `${options.tls ? 'https' : 'http'}://${host}:${port}` };
  }

  async close(): Promise<void> {
    this.#namespaces.stop();
    this.#unsubscribe();
    await Promise.all(
      this.#servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    this.#servers = [];
  }

  /** Handles one HTTP request. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.#route(req, res);
    } catch (error) {
      if (!(error instanceof KeelsonError))
        this.#log('request failed', {
          method: req.method,
          url: req.url,
          error: String((error as Error)?.stack ?? error),
        });
      writeError(res, error);
    }
  }

  // --- routing ---------------------------------------------------------------------------------

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = url.searchParams;
    const method = req.method ?? 'GET';
    const info = parseRequestInfo(method, url.pathname, query);
    const path = info.path.replace(/\/+$/, '') || '/';

    if (
      ['/healthz', '/livez', '/readyz', '/healthz/ping', '/livez/ping', '/readyz/ping'].includes(path) ||
      path.startsWith('/healthz/')
    ) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    if (path === '/version') return writeJson(res, 200, serverVersion);

    const authenticated = this.#authenticate(req, info);
    if (info.cluster === '') throw new NotFoundError(`the server could not find the requested resource`);
    const cluster = this.cluster(info.cluster);
    const user = impersonatedUser(authenticated, req.headers, (attrs) => this.#authorize(cluster, attrs));

    if (!info.resourceRequest) {
      this.#authorize(cluster, nonResourceRequest(user, info.verb, path));
      return this.#nonResource(req, res, cluster, info, path);
    }
    const type = cluster.types.lookup(info.group, info.version, info.resource);
    if (!type) throw new NotFoundError('the server could not find the requested resource');
    this.#authorize(cluster, {
      user,
      verb: info.verb,
      resourceRequest: true,
      apiGroup: info.group,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
      path,
    });
    await this.#resource(req, res, cluster, type, info, query, user);
  }

  #authenticate(req: IncomingMessage, info: RequestInfo): UserInfo {
    const header = req.headers.authorization ?? '';
    const token = /^bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (token) {
      const cluster = this.#clusters.get(info.cluster);
      const user = this.#auth.authenticate(
        token,
        new Date(),
        (namespace, name) => {
          if (!cluster) return undefined;
          const sa = cluster.store.storage.get(
            cluster.store.key(cluster.type('', 'v1', 'serviceaccounts'), namespace, name),
          );
          return (
            sa && {
              uid: sa.value.metadata.uid ?? '',
              ...(sa.value.metadata.deletionTimestamp !== undefined && {
                deletionTimestamp: sa.value.metadata.deletionTimestamp,
              }),
            }
          );
        },
        (kind, namespace, name) => {
          if (!cluster) return undefined;
          const plural = kind === 'Pod' ? 'pods' : kind === 'Secret' ? 'secrets' : 'nodes';
          const obj = cluster.store.storage.get(
            cluster.store.key(cluster.type('', 'v1', plural), namespace, name),
          );
          return (
            obj && {
              uid: obj.value.metadata.uid ?? '',
              ...(obj.value.metadata.deletionTimestamp !== undefined && {
                deletionTimestamp: obj.value.metadata.deletionTimestamp,
              }),
            }
          );
        },
      );
      if (user) return user;
    }
    throw new KeelsonError('KEELSON_UNAUTHORIZED', 'Unauthorized');
  }

  #authorize(cluster: LogicalCluster, attrs: RequestAttributes): void {
    if (attrs.user.groups.includes('system:masters')) return;
    const decision = cluster.authorizer().authorize(attrs);
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
  }

  #nonResource(
    req: IncomingMessage,
    res: ServerResponse,
    cluster: LogicalCluster,
    info: RequestInfo,
    path: string,
  ): void {
    if (info.verb !== 'get' && info.verb !== 'head')
      throw new KeelsonError(
        'KEELSON_METHOD_NOT_ALLOWED',
        `the server does not allow this method on the requested resource`,
      );
    const accept = req.headers.accept;
    const groups = groupTypes(cluster.types.all());
    if (path === '/api') {
      if (wantsAggregated(accept))
        return writeJson(
          res,
          200,
          aggregatedDiscovery(groups.filter((g) => g.group === '')),
          aggregatedContentType,
        );
      return writeJson(res, 200, apiVersions(this.#address));
    }
    if (path === '/apis') {
      if (wantsAggregated(accept))
        return writeJson(
          res,
          200,
          aggregatedDiscovery(groups.filter((g) => g.group !== '')),
          aggregatedContentType,
        );
      return writeJson(res, 200, apiGroupList(groups));
    }
    if (info.apiPrefix !== '' && info.version === '' && info.group !== '') {
      const g = groups.find((x) => x.group === info.group);
      if (g) return writeJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) });
    }
    if (info.apiPrefix !== '' && info.version !== '') {
      const g = groups.find((x) => x.group === info.group);
      const types = g?.versions.get(info.version);
      if (types) return writeJson(res, 200, apiResourceList(info.group, info.version, types));
    }
    if (path === '/apis/' + info.group && info.group !== '') {
      const g = groups.find((x) => x.group === info.group);
      if (g) return writeJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) });
    }
    if (path === '/openapi/v3') {
      const gvs = groups.flatMap((g) =>
        [...g.versions.keys()].map((v) => (g.group === '' ? `api/${v}` : `apis/${g.group}/${v}`)),
      );
      return writeJson(
        res,
        200,
        openApiV3Root(gvs, (gv) => this.#openApiHash(cluster, gv)),
      );
    }
    if (path.startsWith('/openapi/v3/')) {
      const gv = path.slice('/openapi/v3/'.length);
      const parts = gv.split('/');
      const group = parts[0] === 'api' ? '' : (parts[1] ?? '');
      const version = parts[0] === 'api' ? (parts[1] ?? '') : (parts[2] ?? '');
      const types = groups.find((g) => g.group === group)?.versions.get(version);
      if (!types) throw new NotFoundError('the server could not find the requested resource');
      return writeJson(res, 200, this.#openApiDocument(group, version, types));
    }
    if (path === '/openapi/v2') {
      if ((accept ?? '').includes('protobuf') && !(accept ?? '').includes('json')) {
        throw new KeelsonError('KEELSON_NOT_ACCEPTABLE', 'only application/json is served for /openapi/v2');
      }
      const documents = groups.flatMap((g) =>
        [...g.versions.entries()].map(([version, types]) =>
          openApiV3Document({ group: g.group, version }, types, builtinComponents, crdSchemas(types)),
        ),
      );
      return writeJson(res, 200, openApiV2Document(documents));
    }
    throw new NotFoundError('the server could not find the requested resource');
  }

  #openApiDocument(group: string, version: string, types: ServedType[]): object {
    return openApiV3Document({ group, version }, types, builtinComponents, crdSchemas(types));
  }

  #openApiHash(cluster: LogicalCluster, gv: string): string {
    const types = cluster.types
      .all()
      .filter((t) => (t.group === '' ? `api/${t.version}` : `apis/${t.group}/${t.version}`) === gv);
    const crdPart = types
      .filter((t) => t.crd)
      .map((t) => JSON.stringify([t.plural, t.crd?.openApiSchema ?? null, t.subresources]));
    return createHash('sha512')
      .update(gv)
      .update(crdPart.join('|'))
      .update(serverVersion.gitVersion)
      .digest('hex')
      .slice(0, 32)
      .toUpperCase();
  }

  // --- resources -------------------------------------------------------------------------------

  async #resource(
    req: IncomingMessage,
    res: ServerResponse,
    cluster: LogicalCluster,
    type: ServedType,
    info: RequestInfo,
    query: URLSearchParams,
    user: UserInfo,
  ): Promise<void> {
    const store = cluster.store;
    const ns = info.namespace;
    if (
      type.namespaced &&
      ns === '' &&
      !['list', 'watch'].includes(info.verb) &&
      !(type.kind === 'Namespace')
    ) {
      throw new NotFoundError('the server could not find the requested resource');
    }
    if (!type.namespaced && ns !== '' && type.kind !== 'Namespace')
      throw new NotFoundError('the server could not find the requested resource');
    const verb = info.verb;
    if (
      !type.verbs.includes(verb) &&
      !(info.subresource !== '' && ['get', 'update', 'patch', 'create'].includes(verb))
    ) {
      throw new KeelsonError(
        'KEELSON_METHOD_NOT_ALLOWED',
        `the server does not allow this method on the requested resource`,
      );
    }
    const ctx = this.#context(req, query, user);
    const subresource = this.#subresource(type, info);
    const accept = req.headers.accept ?? '';
    const asTable = tableAccept.test(accept) && !info.subresource;
    const encodeOne = (object: KubeObject) =>
      asTable
        ? toTable(type, [object], {
            now: new Date(),
            includeObject: includeObject(query),
            ...(type.crd && { printerColumns: type.crd.printerColumns }),
          })
        : object;

    if (type.virtual) {
      if (verb !== 'create')
        throw new KeelsonError(
          'KEELSON_METHOD_NOT_ALLOWED',
          'the server does not allow this method on the requested resource',
        );
      const body = await this.#body(req);
      return writeJson(res, 201, this.#review(cluster, type, ns, body, user));
    }

    switch (verb) {
      case 'get': {
        if (info.subresource === 'log') return this.#podLog(cluster, ns, info.name, query, res);
        if (subresource === 'scale') return writeJson(res, 200, store.getScale(type, ns, info.name));
        return writeJson(
          res,
          200,
          encodeOne(store.get(type, ns, info.name)),
          asTable ? tableContentType : 'application/json',
        );
      }
      case 'list': {
        const options = listOptions(query);
        const list = store.list(type, ns, options);
        if (asTable) {
          return writeJson(
            res,
            200,
            toTable(type, list.items, {
              now: new Date(),
              includeObject: includeObject(query),
              ...(type.crd && { printerColumns: type.crd.printerColumns }),
              ...(list.metadata.resourceVersion !== undefined && {
                resourceVersion: list.metadata.resourceVersion,
              }),
              ...(list.metadata.continue !== undefined && { continue: list.metadata.continue }),
            }),
            tableContentType,
          );
        }
        return writeJson(res, 200, list);
      }
      case 'watch': {
        const options = listOptions(query);
        let fieldSelector = options.fieldSelector ?? '';
        if (info.name !== '')
          fieldSelector = [fieldSelector, `metadata.name=${info.name}`].filter((s) => s !== '').join(',');
        const rv = query.get('resourceVersion') ?? undefined;
        if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv))
          throw new BadRequestError(`invalid resource version: ${rv}`);
        const timeout = Number(query.get('timeoutSeconds') ?? 1800);
        serveWatch(res, {
          store,
          type,
          namespace: ns,
          labels: parseLabelSelector(options.labelSelector ?? ''),
          fields: parseFieldSelector(fieldSelector),
          resourceVersion: rv,
          sendInitialEvents: query.get('sendInitialEvents') === 'true',
          allowBookmarks: query.get('allowWatchBookmarks') === 'true',
          timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 1800,
          bookmarkIntervalMs: this.#options.bookmarkIntervalMs ?? 60_000,
          contentType: asTable ? tableContentType : 'application/json',
          encode: encodeOne,
        });
        return;
      }
      case 'create': {
        if (info.subresource === 'binding' && type.subresources.binding) {
          const body = await this.#body(req);
          store.bind(ctx, type, ns, info.name, body);
          return writeJson(res, 201, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            code: 201,
          });
        }
        if (info.subresource === 'token' && type.subresources.token) {
          const body = await this.#body(req);
          return writeJson(res, 201, this.#tokenRequest(cluster, ns, info.name, body, ctx.now));
        }
        if (info.name !== '' && info.subresource === '')
          throw new KeelsonError(
            'KEELSON_METHOD_NOT_ALLOWED',
            'the server does not allow this method on the requested resource',
          );
        const body = await this.#body(req);
        const created = store.create(ctx, type, ns, body);
        return writeJson(res, 201, created, 'application/json', ctx.warnings);
      }
      case 'update': {
        const body = await this.#body(req);
        const result = store.update(ctx, type, ns, info.name, body, subresource);
        return writeJson(res, result.created ? 201 : 200, result.object, 'application/json', ctx.warnings);
      }
      case 'patch': {
        const contentType = req.headers['content-type'] ?? '';
        const patchType = patchTypeOfContentType(contentType);
        if (!patchType) {
          throw new KeelsonError(
            'KEELSON_UNSUPPORTED_MEDIA_TYPE',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${type.crd ? '' : ', application/strategic-merge-patch+json'}`,
          );
        }
        const raw = await readBody(req);
        const body = decodeBody(raw, patchType === 'apply' ? 'application/yaml' : 'application/json');
        const force = query.get('force') === 'true';
        if (force && patchType !== 'apply')
          throw new BadRequestError('force may not be specified for non-apply patch');
        const result = store.patch(ctx, type, ns, info.name, patchType, body, subresource, force);
        return writeJson(res, result.created ? 201 : 200, result.object, 'application/json', ctx.warnings);
      }
      case 'delete': {
        const options = await this.#deleteOptions(req, query);
        const result = store.delete(ctx, type, ns, info.name, options);
        if (result.deleted && !type.crd && type.kind !== 'Namespace') {
          return writeJson(res, 200, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: {
              name: info.name,
              group: type.group,
              kind: type.plural,
              uid: result.object.metadata.uid,
            },
          });
        }
        return writeJson(res, result.deleted ? 200 : 202, result.object);
      }
      case 'deletecollection': {
        const options = await this.#deleteOptions(req, query);
        return writeJson(res, 200, store.deleteCollection(ctx, type, ns, listOptions(query), options));
      }
      default:
        throw new KeelsonError(
          'KEELSON_METHOD_NOT_ALLOWED',
          'the server does not allow this method on the requested resource',
        );
    }
  }

  #subresource(type: ServedType, info: RequestInfo): Subresource {
    switch (info.subresource) {
      case '':
        return '';
      case 'status':
        if (type.subresources.status) return 'status';
        break;
      case 'scale':
        if (type.subresources.scale) return 'scale';
        break;
      case 'finalize':
        if (type.kind === 'Namespace' && !type.crd) return 'finalize';
        break;
      case 'log':
        if (type.subresources.log) return '';
        break;
      case 'token':
        if (type.subresources.token) return '';
        break;
      case 'binding':
        if (type.subresources.binding) return '';
        break;
    }
    throw new NotFoundError('the server could not find the requested resource');
  }

  #context(req: IncomingMessage, query: URLSearchParams, user: UserInfo): RequestContext {
    const dryRun = query.getAll('dryRun');
    for (const d of dryRun)
      if (d !== 'All') throw new BadRequestError(`Invalid dry run value: ${d}; supported values: All`);
    const validation = (query.get('fieldValidation') ?? 'Warn') as FieldValidation;
    if (!['Strict', 'Warn', 'Ignore'].includes(validation)) {
      throw new BadRequestError(
        `fieldValidation parameter unsupported: ${validation}; supported values: Ignore, Warn, Strict`,
      );
    }
    const manager = query.get('fieldManager') ?? managerFromUserAgent(req.headers['user-agent']);
    if (manager.length > 128) throw new BadRequestError('fieldManager must be at most 128 characters');
    return {
      user,
      dryRun: dryRun.length > 0,
      fieldManager: manager,
      fieldValidation: validation,
      warnings: [],
      now: new Date(),
    };
  }

  async #body(req: IncomingMessage): Promise<unknown> {
    const raw = await readBody(req);
    return decodeBody(raw, req.headers['content-type'] ?? 'application/json');
  }

  async #deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
    const raw = await readBody(req);
    const body = raw.length > 0 ? decodeBody(raw, req.headers['content-type'] ?? 'application/json') : {};
    const options: DeleteOptions = {};
    const o = isObject(body) ? body : {};
    const policy = query.get('propagationPolicy') ?? (o['propagationPolicy'] as string | undefined);
    if (policy !== undefined && policy !== null) {
      if (!['Background', 'Foreground', 'Orphan'].includes(policy)) {
        throw new BadRequestError(
          `propagationPolicy: Unsupported value: "${policy}": supported values: "Background", "Foreground", "Orphan"`,
        );
      }
      options.propagationPolicy = policy as DeleteOptions['propagationPolicy'] & string;
    } else if (o['orphanDependents'] === true || query.get('orphanDependents') === 'true') {
      options.propagationPolicy = 'Orphan';
    }
    const grace = query.get('gracePeriodSeconds') ?? o['gracePeriodSeconds'];
    if (grace !== undefined && grace !== null) options.gracePeriodSeconds = Number(grace);
    if (isObject(o['preconditions'])) {
      const p = o['preconditions'];
      options.preconditions = {
        ...(typeof p['uid'] === 'string' && { uid: p['uid'] }),
        ...(typeof p['resourceVersion'] === 'string' && { resourceVersion: p['resourceVersion'] }),
      };
    }
    return options;
  }

  #review(
    cluster: LogicalCluster,
    type: ServedType,
    namespace: string,
    body: unknown,
    user: UserInfo,
  ): object {
    if (!isObject(body)) throw new BadRequestError('the request body must be an object');
    const review = body as KubeObject;
    switch (type.kind) {
      case 'SelfSubjectAccessReview':
        return selfSubjectAccessReview(review, user, cluster.authorizer());
      case 'SubjectAccessReview':
        return subjectAccessReview(review, cluster.authorizer());
      case 'LocalSubjectAccessReview':
        return localSubjectAccessReview(review, namespace, cluster.authorizer());
      case 'SelfSubjectRulesReview':
        return selfSubjectRulesReview(review, user, cluster.authorizer());
      case 'SelfSubjectReview':
        return selfSubjectReview(user);
      case 'TokenReview': {
        const spec = (review['spec'] ?? {}) as { token?: string };
        const reviewed = spec.token
          ? this.#auth.authenticate(spec.token, new Date(), (namespace, name) => {
              const sa = cluster.store.storage.get(
                cluster.store.key(cluster.type('', 'v1', 'serviceaccounts'), namespace, name),
              );
              return sa && { uid: sa.value.metadata.uid ?? '' };
            })
          : undefined;
        return {
          ...review,
          status: reviewed
            ? {
                authenticated: true,
                user: {
                  username: reviewed.name,
                  ...(reviewed.uid !== undefined && { uid: reviewed.uid }),
                  groups: reviewed.groups,
                },
                audiences: [...this.#auth.apiAudiences],
              }
            : { authenticated: false, error: 'invalid bearer token' },
        };
      }
      default:
        throw new NotFoundError('the server could not find the requested resource');
    }
  }

  #tokenRequest(cluster: LogicalCluster, namespace: string, name: string, body: unknown, now: Date): object {
    const sa = cluster.store.get(cluster.type('', 'v1', 'serviceaccounts'), namespace, name);
    const request = (isObject(body) ? body : {}) as KubeObject;
    const spec = (request['spec'] ?? {}) as {
      audiences?: string[];
      expirationSeconds?: number;
      boundObjectRef?: { kind: 'Pod' | 'Secret' | 'Node'; name: string; uid?: string };
    };
    const issued = this.#auth.issue(
      {
        namespace,
        name,
        uid: sa.metadata.uid ?? '',
        ...(spec.audiences !== undefined && spec.audiences.length > 0 && { audiences: spec.audiences }),
        ...(spec.expirationSeconds !== undefined && { expirationSeconds: spec.expirationSeconds }),
        ...(spec.boundObjectRef !== undefined && {
          boundObjectRef: {
            kind: spec.boundObjectRef.kind,
            name: spec.boundObjectRef.name,
            uid: spec.boundObjectRef.uid ?? '',
          },
        }),
      },
      now,
    );
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: null },
      spec: {
        audiences: spec.audiences?.length ? spec.audiences : [...this.#auth.apiAudiences],
        expirationSeconds: spec.expirationSeconds ?? 3600,
        boundObjectRef: spec.boundObjectRef ?? null,
      },
      status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
    };
  }

  #podLog(
    cluster: LogicalCluster,
    namespace: string,
    name: string,
    query: URLSearchParams,
    res: ServerResponse,
  ): void {
    const pod = cluster.store.get(cluster.type('', 'v1', 'pods'), namespace, name);
    if (!this.#options.podLogs) {
      throw new BadRequestError(`pod ${name} does not have a host assigned`);
    }
    void pod;
    this.#options.podLogs(cluster.name, namespace, name, query, res);
  }

  // --- clusters --------------------------------------------------------------------------------

  #storedClusterNames(): string[] {
    return this.storage
      .list('/-/clusters/')
      .items.map((i) => i.value.metadata.name ?? '')
      .filter((n) => n !== '');
  }

  #openCluster(name: string): LogicalCluster {
    const cluster = new LogicalCluster(name, this.storage, {
      gracefulPods: this.#options.gracefulPods ?? false,
    });
    this.#clusters.set(name, cluster);
    cluster.loadCrds();
    return cluster;
  }

  #createCluster(name: string): LogicalCluster {
    const cluster = this.#openCluster(name);
    if (!this.storage.get(`/-/clusters/${name}`)) {
      this.storage.create(`/-/clusters/${name}`, {
        apiVersion: 'v1',
        kind: 'LogicalCluster',
        metadata: { name, creationTimestamp: timestamp(new Date()) },
      });
    }
    cluster.bootstrap(systemContext('kube-apiserver'));
    return cluster;
  }

  /** After a restart, namespaces and CRDs that were being deleted carry on. */
  #resumeTerminating(): void {
    for (const cluster of this.#clusters.values()) {
      for (const plural of ['namespaces', 'customresourcedefinitions']) {
        const type =
          plural === 'namespaces'
            ? cluster.type('', 'v1', plural)
            : cluster.type('apiextensions.k8s.io', 'v1', plural);
        for (const item of this.storage.list(`/${cluster.name}/${type.group || 'core'}/${plural}/`).items) {
          if (item.value.metadata.deletionTimestamp !== undefined)
            this.#reactor.push({
              type: 'MODIFIED',
              key: item.key,
              value: item.value,
              revision: item.modRevision,
            });
        }
      }
      // CRDs not yet established when the server stopped
      for (const item of this.storage.list(`/${cluster.name}/apiextensions.k8s.io/customresourcedefinitions/`)
        .items) {
        this.#reactor.push({
          type: 'MODIFIED',
          key: item.key,
          value: item.value,
          revision: item.modRevision,
        });
      }
    }
  }

  #log(message: string, fields: Record<string, unknown> = {}): void {
    this.#options.log?.(message, fields);
  }
}

const tableContentType = 'application/json;as=Table;v=v1;g=meta.k8s.io';

function includeObject(query: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function listOptions(query: URLSearchParams): ListOptions {
  const options: ListOptions = {};
  const label = query.get('labelSelector');
  if (label) options.labelSelector = label;
  const field = query.get('fieldSelector');
  if (field) options.fieldSelector = field;
  const limit = query.get('limit');
  if (limit) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 0) throw new BadRequestError(`invalid limit: ${limit}`);
    options.limit = n;
  }
  const cont = query.get('continue');
  if (cont) options.continue = cont;
  return options;
}

function crdSchemas(
  types: ServedType[],
): Map<string, NonNullable<NonNullable<ServedType['crd']>['openApiSchema']>> {
  const map = new Map<string, NonNullable<NonNullable<ServedType['crd']>['openApiSchema']>>();
  for (const t of types) if (t.crd?.openApiSchema) map.set(t.plural, t.crd.openApiSchema);
  return map;
}

export { apiVersionOf };
