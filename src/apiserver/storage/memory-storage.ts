import { AlreadyExistsError, ConflictError, GoneError, NotFoundError } from '../../base/errors.ts';
import type { KubeObject } from '../../api/meta.ts';
import {
  withResourceVersion,
  type ListOptions,
  type ListResult,
  type Storage,
  type StorageEvent,
  type StorageListener,
  type StoredObject,
} from './storage.ts';

interface Row {
  json: string;
  createRevision: number;
  modRevision: number;
}

/** Storage in memory, for tests and `apiserver` without --data. Objects are kept as JSON text. */
export class MemoryStorage implements Storage {
  #rows = new Map<string, Row>();
  #log: Array<{ type: StorageEvent['type']; key: string; json: string; revision: number }> = [];
  #listeners = new Set<StorageListener>();
  #revision = 0;
  #compacted = 0;
  readonly #window: number;

  constructor(options: { window?: number } = {}) {
    this.#window = options.window ?? 10_000;
  }

  get revision(): number {
    return this.#revision;
  }

  get compactedRevision(): number {
    return this.#compacted;
  }

  get(key: string): StoredObject | undefined {
    const row = this.#rows.get(key);
    return row && toStored(key, row);
  }

  list(prefix: string, options: ListOptions = {}): ListResult {
    const keys = [...this.#rows.keys()]
      .filter((k) => k.startsWith(prefix) && (options.startAfter === undefined || k > options.startAfter))
      .sort();
    const limit = options.limit && options.limit > 0 ? options.limit : keys.length;
    const page = keys.slice(0, limit);
    return {
      items: page.map((k) => toStored(k, this.#rows.get(k) as Row)),
      revision: this.#revision,
      more: keys.length > page.length,
      remaining: keys.length - page.length,
    };
  }

  count(prefix: string): number {
    let n = 0;
    for (const k of this.#rows.keys()) if (k.startsWith(prefix)) n++;
    return n;
  }

  create(key: string, value: KubeObject): StoredObject {
    if (this.#rows.has(key)) throw new AlreadyExistsError(`${key} already exists`);
    const revision = this.#revision + 1;
    const row = {
      json: JSON.stringify(withResourceVersion(value, revision)),
      createRevision: revision,
      modRevision: revision,
    };
    return this.#commit('ADDED', key, row);
  }

  update(key: string, value: KubeObject, expectedRevision?: number): StoredObject {
    const old = this.#current(key, expectedRevision);
    const revision = this.#revision + 1;
    const row = {
      json: JSON.stringify(withResourceVersion(value, revision)),
      createRevision: old.createRevision,
      modRevision: revision,
    };
    return this.#commit('MODIFIED', key, row);
  }

  delete(key: string, expectedRevision?: number): StoredObject {
    const old = this.#current(key, expectedRevision);
    const revision = this.#revision + 1;
    const last = withResourceVersion(JSON.parse(old.json) as KubeObject, revision);
    return this.#commit('DELETED', key, {
      json: JSON.stringify(last),
      createRevision: old.createRevision,
      modRevision: revision,
    });
  }

  eventsSince(prefix: string, revision: number): StorageEvent[] {
    if (revision < this.#compacted)
      throw new GoneError(`too old resource version: ${revision} (${this.#compacted})`);
    const start = lowerBound(this.#log, revision + 1);
    const events: StorageEvent[] = [];
    for (let i = start; i < this.#log.length; i++) {
      const e = this.#log[i]!;
      if (e.key.startsWith(prefix))
        events.push({
          type: e.type,
          key: e.key,
          value: JSON.parse(e.json) as KubeObject,
          revision: e.revision,
        });
    }
    return events;
  }

  subscribe(listener: StorageListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  compact(): void {
    const keepFrom = this.#revision - this.#window;
    if (keepFrom <= this.#compacted) return;
    const cut = lowerBound(this.#log, keepFrom + 1);
    this.#log.splice(0, cut);
    this.#compacted = keepFrom;
  }

  close(): void {
    this.#listeners.clear();
  }

  #current(key: string, expectedRevision: number | undefined): Row {
    const row = this.#rows.get(key);
    if (!row) throw new NotFoundError(`${key} not found`);
    if (expectedRevision !== undefined && row.modRevision !== expectedRevision) {
      throw new ConflictError(
        `${key} has been modified: revision ${row.modRevision}, expected ${expectedRevision}`,
      );
    }
    return row;
  }

  #commit(type: StorageEvent['type'], key: string, row: Row): StoredObject {
    this.#revision = row.modRevision;
    if (type === 'DELETED') this.#rows.delete(key);
    else this.#rows.set(key, row);
    this.#log.push({ type, key, json: row.json, revision: row.modRevision });
    if (this.#log.length > this.#window * 1.2) this.compact();
    const stored = toStored(key, row);
    const event: StorageEvent = { type, key, value: stored.value, revision: row.modRevision };
    for (const listener of this.#listeners) listener(event);
    return stored;
  }
}

function toStored(key: string, row: Row): StoredObject {
  return {
    key,
    value: JSON.parse(row.json) as KubeObject,
    createRevision: row.createRevision,
    modRevision: row.modRevision,
  };
}

function lowerBound(log: ReadonlyArray<{ revision: number }>, revision: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid]!.revision < revision) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
