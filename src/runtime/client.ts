/**
 * A typed client for any conformant Kubernetes API server: plain JSON over node:http(s) with
 * keep-alive, authenticated from a kubeconfig by @kubernetes/client-node's KubeConfig (tokens,
 * client certificates, exec plugins). Resource paths come from discovery, so CRDs work the same
 * as built-in kinds. Nothing here knows about the embedded server.
 */
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { KeelsonError, statusOfCode, type ErrorCode, type ErrorDetails } from '../base/errors.ts';
import type { KubeList, KubeObject } from '../api/meta.ts';
import { splitApiVersion } from '../api/meta.ts';

/** Where a kind is served: its plural and whether it lives in namespaces. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

/** The reference the client's verbs take for `object`. */
export function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name ?? '',
  };
}

export interface ListOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  limit?: number | undefined;
  continue?: string | undefined;
  resourceVersion?: string | undefined;
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'merge' | 'json' | 'strategic';

const patchContentType: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** A watch event as the API sends it. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

const codeOfReason = new Map<string, ErrorCode>(
  Object.entries(statusOfCode).map(([code, { reason }]) => [reason, code as ErrorCode]),
);

/** An error the API server answered with, carrying its Status reason and HTTP code. */
export class ApiError extends KeelsonError {
  readonly status: number;
  constructor(status: number, reason: string | undefined, message: string, details: ErrorDetails = {}) {
    const code =
      (reason !== undefined ? codeOfReason.get(reason) : undefined) ??
      (status === 404 ? 'KEELSON_NOT_FOUND' : status === 409 ? 'KEELSON_CONFLICT' : 'KEELSON_INTERNAL');
    super(code, message, details);
    this.name = 'ApiError';
    this.status = status;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KeelsonError && error.code === 'KEELSON_NOT_FOUND';
}

export function isConflict(error: unknown): boolean {
  return error instanceof KeelsonError && error.code === 'KEELSON_CONFLICT';
}

export function isAlreadyExists(error: unknown): boolean {
  return error instanceof KeelsonError && error.code === 'KEELSON_ALREADY_EXISTS';
}

export function isGone(error: unknown): boolean {
  return error instanceof KeelsonError && (error.code === 'KEELSON_EXPIRED' || error.code === 'KEELSON_GONE');
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined> | undefined;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal | undefined;
}

/** Builds `/api/v1/namespaces/ns/pods/name` style paths. */
export function resourcePath(
  info: ResourceInfo,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const root = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail =
    name === undefined ? '' : `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
  return `${root}${ns}/${info.plural}${tail}`;
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * The Kubernetes client every controller uses. Construct it from a KubeConfig; `forConfig` reads
 * one from a file.
 */
export class KubeClient {
  readonly #config: KubeConfig;
  readonly #base: URL;
  readonly #maxSockets: number;
  readonly #authConfig: KubeConfig;
  #agent: http.Agent | undefined;
  #auth: { agent: http.Agent; headers: http.OutgoingHttpHeaders; until: number } | undefined;
  readonly #resources = new Map<string, Promise<ResourceInfo>>();
  #groupVersions = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(config: KubeConfig, options: { maxSockets?: number } = {}) {
    this.#config = config;
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new KeelsonError('KEELSON_BAD_REQUEST', 'kubeconfig has no current cluster');
    this.#base = new URL(cluster.server);
    this.#maxSockets = options.maxSockets ?? 32;
    // KubeConfig refuses plain http when building its own agent; only its headers are used then
    this.#authConfig = config;
    if (this.#base.protocol === 'http:') {
      this.#authConfig = new KubeConfig();
      this.#authConfig.loadFromOptions({
        clusters: config.clusters.map((c) => ({ ...c, skipTLSVerify: true })),
        users: config.users,
        contexts: config.contexts,
        currentContext: config.currentContext,
      });
    }
  }

  /**
   * Authentication headers and TLS material from the kubeconfig. Headers are cached briefly
   * (exec plugins cache their tokens themselves); the agent is built once and kept alive.
   */
  async #prepare(): Promise<{ agent: http.Agent; headers: http.OutgoingHttpHeaders }> {
    const now = Date.now();
    if (this.#auth && this.#auth.until > now) return this.#auth;
    const scratch: https.RequestOptions = {};
    await this.#authConfig.applyToHTTPSOptions(scratch);
    (scratch.agent as http.Agent | undefined)?.destroy();
    if (!this.#agent) {
      const keepAlive = { keepAlive: true, maxSockets: this.#maxSockets };
      this.#agent =
        this.#base.protocol === 'https:'
          ? new https.Agent({
              ...keepAlive,
              ...(scratch.ca !== undefined && { ca: scratch.ca }),
              ...(scratch.cert !== undefined && { cert: scratch.cert }),
              ...(scratch.key !== undefined && { key: scratch.key }),
              ...(scratch.servername !== undefined && { servername: scratch.servername }),
              ...(scratch.rejectUnauthorized !== undefined && {
                rejectUnauthorized: scratch.rejectUnauthorized,
              }),
            })
          : new http.Agent(keepAlive);
    }
    const headers = { ...(scratch.headers as http.OutgoingHttpHeaders | undefined) };
    if (scratch.auth) headers.Authorization = `Basic ${Buffer.from(scratch.auth).toString('base64')}`;
    this.#auth = { agent: this.#agent, headers, until: now + 10_000 };
    return this.#auth;
  }

  static fromFile(path: string): KubeClient {
    const config = new KubeConfig();
    config.loadFromFile(path);
    return new KubeClient(config);
  }

  /** The KubeConfig this client authenticates with. */
  get config(): KubeConfig {
    return this.#config;
  }

  close(): void {
    this.#agent?.destroy();
  }

  /** Opens a raw request; the caller reads the response stream (watches, logs). */
  async open(method: string, path: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
    const url = new URL(
      this.#base.pathname.replace(/\/$/, '') + path + queryString(options.query),
      this.#base,
    );
    const { agent, headers } = await this.#prepare();
    const requestOptions: https.RequestOptions = {
      method,
      agent,
      headers: { Accept: 'application/json', ...headers },
    };
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) {
      requestOptions.headers = {
        ...requestOptions.headers,
        'Content-Type': options.contentType ?? 'application/json',
        'Content-Length': Buffer.byteLength(body),
      };
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { ...requestOptions, signal: options.signal }, resolve);
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sends a request and decodes the JSON answer; a non-2xx answer throws an ApiError. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFromResponse(status, text, method, path);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Resolves apiVersion + kind to its resource through discovery (cached; refreshed on a miss). */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const key = `${apiVersion}/${kind}`;
    let found = this.#resources.get(key);
    if (!found) {
      found = this.#discover(apiVersion, kind);
      this.#resources.set(key, found);
      found.catch(() => this.#resources.delete(key));
    }
    return found;
  }

  async #discover(apiVersion: string, kind: string): Promise<ResourceInfo> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let kinds = this.#groupVersions.get(apiVersion);
      if (!kinds || attempt > 0) {
        kinds = this.#loadGroupVersion(apiVersion);
        this.#groupVersions.set(apiVersion, kinds);
        kinds.catch(() => this.#groupVersions.delete(apiVersion));
      }
      const info = (await kinds).get(kind);
      if (info) return info;
    }
    throw new KeelsonError(
      'KEELSON_NOT_FOUND',
      `no kind "${kind}" is registered for version "${apiVersion}"`,
    );
  }

  async #loadGroupVersion(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const { group, version } = splitApiVersion(apiVersion);
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const list = await this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(
      'GET',
      path,
    ).catch((error: unknown) => {
      if (isNotFound(error)) return { resources: [] };
      throw error;
    });
    const kinds = new Map<string, ResourceInfo>();
    for (const r of list.resources) {
      if (r.name.includes('/')) continue;
      kinds.set(r.kind, { group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced });
    }
    return kinds;
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T> {
    const info = await this.resource(ref.apiVersion, ref.kind);
    return this.request<T>('GET', resourcePath(info, ref.namespace, ref.name));
  }

  /** get, but NotFound is `undefined`. */
  async tryGet<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    options: ListOptions = {},
  ): Promise<KubeList<T>> {
    const info = await this.resource(apiVersion, kind);
    const { namespace, ...query } = options;
    const list = await this.request<KubeList<T>>('GET', resourcePath(info, namespace), { query });
    for (const item of list.items) {
      item.apiVersion ??= apiVersion;
      item.kind ??= kind;
    }
    return list;
  }

  async create<T extends KubeObject>(object: T, options: WriteOptions = {}): Promise<T> {
    const info = await this.resource(object.apiVersion, object.kind);
    return this.request<T>('POST', resourcePath(info, object.metadata.namespace), {
      body: object,
      query: writeQuery(options),
    });
  }

  async update<T extends KubeObject>(
    object: T,
    options: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    const info = await this.resource(object.apiVersion, object.kind);
    const path = resourcePath(
      info,
      object.metadata.namespace,
      object.metadata.name ?? '',
      options.subresource,
    );
    return this.request<T>('PUT', path, { body: object, query: writeQuery(options) });
  }

  async patch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    type: PatchType = 'merge',
    options: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    const info = await this.resource(ref.apiVersion, ref.kind);
    return this.request<T>('PATCH', resourcePath(info, ref.namespace, ref.name, options.subresource), {
      body: patch,
      contentType: patchContentType[type],
      query: writeQuery(options),
    });
  }

  /** Merge-patches the status subresource. */
  async patchStatus<T extends KubeObject = KubeObject>(ref: ObjectRef, status: unknown): Promise<T> {
    return this.patch<T>(ref, { status }, 'merge', { subresource: 'status' });
  }

  /** Server-side apply. */
  async apply<T extends KubeObject>(
    object: KubeObject,
    options: { fieldManager: string; force?: boolean; dryRun?: boolean; subresource?: string },
  ): Promise<T> {
    const info = await this.resource(object.apiVersion, object.kind);
    const path = resourcePath(
      info,
      object.metadata.namespace,
      object.metadata.name ?? '',
      options.subresource,
    );
    return this.request<T>('PATCH', path, {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { ...writeQuery(options), force: options.force ? true : undefined },
    });
  }

  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<void> {
    const info = await this.resource(ref.apiVersion, ref.kind);
    await this.request('DELETE', resourcePath(info, ref.namespace, ref.name), {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', ...options },
    });
  }

  /** delete, but NotFound is not an error; returns whether the object was there. */
  async deleteIfExists(ref: ObjectRef, options: DeleteOptions = {}): Promise<boolean> {
    try {
      await this.delete(ref, options);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Watches a collection from `resourceVersion`, calling `onEvent` for each event until the server
   * ends the stream or `signal` aborts. Resolves when the stream ends; an ERROR event with a Status
   * of 410 is thrown as an ApiError so the caller can relist.
   */
  async watch<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    options: ListOptions & { allowWatchBookmarks?: boolean; timeoutSeconds?: number },
    onEvent: (event: WatchEvent<T>) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const info = await this.resource(apiVersion, kind);
    const { namespace, ...rest } = options;
    const res = await this.open('GET', resourcePath(info, namespace), {
      query: { ...rest, watch: true },
      signal,
    });
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      throw errorFromResponse(
        status,
        Buffer.concat(chunks).toString('utf8'),
        'GET',
        resourcePath(info, namespace),
      );
    }
    let buffered = '';
    try {
      for await (const chunk of res) {
        buffered += (chunk as Buffer).toString('utf8');
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          const event = JSON.parse(line) as WatchEvent<T>;
          if (event.type === 'ERROR') {
            const s = event.object as unknown as { code?: number; reason?: string; message?: string };
            throw new ApiError(s.code ?? 500, s.reason, s.message ?? 'watch error');
          }
          if (event.type !== 'BOOKMARK') {
            event.object.apiVersion ??= apiVersion;
            event.object.kind ??= kind;
          }
          onEvent(event);
        }
      }
    } catch (error) {
      if (signal?.aborted) return;
      if ((error as NodeJS.ErrnoException).code === 'ECONNRESET') return;
      throw error;
    }
  }
}

function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return { fieldManager: options.fieldManager, dryRun: options.dryRun ? 'All' : undefined };
}

function errorFromResponse(status: number, text: string, method: string, path: string): ApiError {
  try {
    const body = JSON.parse(text) as {
      kind?: string;
      reason?: string;
      message?: string;
      details?: ErrorDetails;
    };
    if (body.kind === 'Status')
      return new ApiError(status, body.reason, body.message ?? '', body.details ?? {});
  } catch {
    // not a Status: fall through
  }
  return new ApiError(status, undefined, `${method} ${path}: HTTP ${status}: ${text.slice(0, 200)}`);
}
