/**
 * Shared informers: one list+watch per kind (and namespace/selector), a cache keyed by
 * `namespace/name`, named indexes, and handlers. Like client-go's SharedIndexInformer: a 410 Gone
 * relists and replays the difference as events; a dropped connection resumes from the last seen
 * resourceVersion (bookmarks keep it fresh).
 */
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient, WatchEvent } from './client.ts';
import { isGone } from './client.ts';

export interface InformerHandlers<T extends KubeObject> {
  add?(object: T): void;
  update?(old: T, object: T): void;
  delete?(object: T): void;
}

export type IndexFunction<T extends KubeObject> = (object: T) => string[];

/** `namespace/name`, or `name` for cluster-scoped objects: the cache key and work-queue key. */
export function keyOf(object: { metadata: { namespace?: string; name?: string } }): string {
  const { namespace, name = '' } = object.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export interface InformerOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Pause before reconnecting after an error (ms). */
  retryDelay?: number;
  log?: ((message: string, fields?: Record<string, unknown>) => void) | undefined;
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly #client: KubeClient;
  readonly #options: InformerOptions;
  readonly #items = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunction<T>>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  readonly #handlers: InformerHandlers<T>[] = [];
  #resourceVersion = '';
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #abort: AbortController | undefined;
  #running: Promise<void> | undefined;

  constructor(client: KubeClient, apiVersion: string, kind: string, options: InformerOptions = {}) {
    this.#client = client;
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.#options = options;
  }

  /** Adds a named index; objects already cached are indexed at once. */
  addIndex(name: string, indexer: IndexFunction<T>): void {
    if (this.#indexers.has(name)) return;
    this.#indexers.set(name, indexer);
    const index = new Map<string, Set<string>>();
    this.#indexes.set(name, index);
    for (const [key, object] of this.#items) for (const value of indexer(object)) addTo(index, value, key);
  }

  /** Registers handlers; objects already cached are replayed as adds. */
  on(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
    if (handlers.add) for (const object of this.#items.values()) handlers.add(object);
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  list(namespace?: string): T[] {
    const all = [...this.#items.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  byIndex(name: string, value: string): T[] {
    const index = this.#indexes.get(name);
    if (!index) throw new Error(`informer ${this.kind}: no index named ${name}`);
    return [...(index.get(value) ?? [])].map((key) => this.#items.get(key)).filter((o) => o !== undefined);
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Resolves once the first list has filled the cache. */
  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  start(): void {
    if (this.#running) return;
    this.#abort = new AbortController();
    this.#running = this.#run(this.#abort.signal);
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#running;
    this.#running = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    const { namespace, labelSelector, fieldSelector } = this.#options;
    while (!signal.aborted) {
      try {
        if (!this.#resourceVersion) await this.#relist();
        await this.#client.watch<T>(
          this.apiVersion,
          this.kind,
          {
            namespace,
            labelSelector,
            fieldSelector,
            resourceVersion: this.#resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: 300 + Math.floor(Math.random() * 300),
          },
          (event) => this.#apply(event),
          signal,
        );
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error)) {
          this.#resourceVersion = '';
          continue;
        }
        this.#options.log?.('informer watch failed; retrying', {
          kind: this.kind,
          error: (error as Error).message,
        });
        await sleep(this.#options.retryDelay ?? 1000, signal);
      }
    }
  }

  async #relist(): Promise<void> {
    const { namespace, labelSelector, fieldSelector } = this.#options;
    const fresh = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion: string;
    do {
      const page = await this.#client.list<T>(this.apiVersion, this.kind, {
        namespace,
        labelSelector,
        fieldSelector,
        limit: 500,
        continue: continueToken,
      });
      for (const item of page.items) fresh.set(keyOf(item), item);
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion ?? '';
    } while (continueToken);
    for (const [key, old] of [...this.#items]) if (!fresh.has(key)) this.#remove(key, old);
    for (const item of fresh.values()) this.#upsert(item);
    this.#resourceVersion = resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#syncWaiters.splice(0)) resolve();
    }
  }

  #apply(event: WatchEvent<T>): void {
    const rv = event.object.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    if (event.type === 'DELETED') {
      const key = keyOf(event.object);
      const old = this.#items.get(key);
      this.#remove(key, old ?? event.object, event.object);
    } else {
      this.#upsert(event.object);
    }
  }

  #upsert(object: T): void {
    const key = keyOf(object);
    const old = this.#items.get(key);
    if (old && old.metadata.resourceVersion === object.metadata.resourceVersion) return;
    if (old) this.#unindex(key, old);
    this.#items.set(key, object);
    this.#index(key, object);
    for (const h of this.#handlers) {
      try {
        if (old) h.update?.(old, object);
        else h.add?.(object);
      } catch (error) {
        this.#options.log?.('informer handler failed', { kind: this.kind, error: (error as Error).message });
      }
    }
  }

  #remove(key: string, old: T, final: T = old): void {
    if (!this.#items.has(key)) return;
    this.#unindex(key, old);
    this.#items.delete(key);
    for (const h of this.#handlers) {
      try {
        h.delete?.(final);
      } catch (error) {
        this.#options.log?.('informer handler failed', { kind: this.kind, error: (error as Error).message });
      }
    }
  }

  #index(key: string, object: T): void {
    for (const [name, indexer] of this.#indexers) {
      const index = this.#indexes.get(name)!;
      for (const value of indexer(object)) addTo(index, value, key);
    }
  }

  #unindex(key: string, object: T): void {
    for (const [name, indexer] of this.#indexers) {
      const index = this.#indexes.get(name)!;
      for (const value of indexer(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * One informer per (apiVersion, kind, namespace, selectors), shared by every controller of a
 * manager.
 */
export class InformerFactory {
  readonly #client: KubeClient;
  readonly #informers = new Map<string, Informer<KubeObject>>();
  readonly #log: InformerOptions['log'];

  constructor(client: KubeClient, log?: InformerOptions['log']) {
    this.#client = client;
    this.#log = log;
  }

  for<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    options: Omit<InformerOptions, 'log'> = {},
  ): Informer<T> {
    const key = [
      apiVersion,
      kind,
      options.namespace ?? '',
      options.labelSelector ?? '',
      options.fieldSelector ?? '',
    ].join('|');
    let informer = this.#informers.get(key);
    if (!informer) {
      informer = new Informer(this.#client, apiVersion, kind, { ...options, log: this.#log });
      this.#informers.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }

  startAll(): void {
    for (const informer of this.#informers.values()) informer.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.waitForSync()));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
  }
}
