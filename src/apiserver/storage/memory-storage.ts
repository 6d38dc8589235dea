import { AlreadyExistsError, GoneError } from '../../base/errors.ts';
import type { KubeObject } from '../../api/meta.ts';
import {
  checkCurrent,
  checkReadable,
  prefixEnd,
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

interface LogEntry {
  type: StorageEvent['type'];
  key: string;
  json: string;
  revision: number;
  /** The key's row before this write (undefined for ADDED): the state a read at an earlier revision sees. */
  prev: Row | undefined;
}

/**
 * Storage in memory, for tests and `apiserver` without --data. Objects are kept as JSON text, keys
 * also in a sorted array, so a list page costs a binary search plus the page, whatever the size of
 * the store; each log entry keeps the row it replaced, so lists can read past revisions.
 */
export class MemoryStorage implements Storage {
  #rows = new Map<string, Row>();
  /** Every key of #rows, sorted. */
  #keys: string[] = [];
  #log: LogEntry[] = [];
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
    const revision = options.revision ?? this.#revision;
    checkReadable(revision, this.#compacted, this.#revision);
    const end = prefixEnd(prefix);
    const after = options.startAfter !== undefined && options.startAfter >= prefix ? options.startAfter : '';
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    // the keys written since `revision`, with their state at `revision` (undefined: absent then)
    const changed = this.#changedSince(revision, prefix, end, after);
    const changedKeys = [...changed.keys()].sort();
    const items: StoredObject[] = [];
    let i = upperBound(this.#keys, after === '' ? prefix : after, after === '');
    let j = 0;
    let last: string | undefined;
    for (;;) {
      const current = this.#keys[i];
      const currentKey = current !== undefined && current < end ? current : undefined;
      const changedKey = changedKeys[j];
      if (currentKey === undefined && changedKey === undefined) break;
      let key: string;
      let row: Row | undefined;
      if (changedKey !== undefined && (currentKey === undefined || changedKey <= currentKey)) {
        if (changedKey === currentKey) i++;
        j++;
        key = changedKey;
        row = changed.get(key);
      } else {
        i++;
        key = currentKey!;
        row = this.#rows.get(key);
      }
      if (row === undefined) continue;
      if (items.length === limit) {
        return { items, revision, more: true, ...this.#remaining(options, last, end, changed) };
      }
      items.push(toStored(key, row));
      last = key;
    }
    return { items, revision, more: false, ...(options.countRemaining && { remaining: 0 }) };
  }

  count(prefix: string): number {
    return upperBound(this.#keys, prefixEnd(prefix), true) - upperBound(this.#keys, prefix, true);
  }

  create(key: string, value: KubeObject): StoredObject {
    if (this.#rows.has(key)) throw new AlreadyExistsError(`${key} already exists`);
    const revision = this.#revision + 1;
    const row = {
      json: JSON.stringify(withResourceVersion(value, revision)),
      createRevision: revision,
      modRevision: revision,
    };
    return this.#commit('ADDED', key, row, undefined);
  }

  update(key: string, value: KubeObject, expectedRevision?: number): StoredObject {
    const old = this.#current(key, expectedRevision);
    const revision = this.#revision + 1;
    const row = {
      json: JSON.stringify(withResourceVersion(value, revision)),
      createRevision: old.createRevision,
      modRevision: revision,
    };
    return this.#commit('MODIFIED', key, row, old);
  }

  delete(key: string, expectedRevision?: number): StoredObject {
    const old = this.#current(key, expectedRevision);
    const revision = this.#revision + 1;
    const last = withResourceVersion(JSON.parse(old.json) as KubeObject, revision);
    const row = { json: JSON.stringify(last), createRevision: old.createRevision, modRevision: revision };
    return this.#commit('DELETED', key, row, old);
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
    return checkCurrent(key, this.#rows.get(key), (r) => r.modRevision, expectedRevision);
  }

  /** The keys in (after, end) written after `revision`, each with its row as of `revision`. */
  #changedSince(revision: number, prefix: string, end: string, after: string): Map<string, Row | undefined> {
    const changed = new Map<string, Row | undefined>();
    for (let i = lowerBound(this.#log, revision + 1); i < this.#log.length; i++) {
      const e = this.#log[i]!;
      if (e.key > after && e.key >= prefix && e.key < end && !changed.has(e.key)) changed.set(e.key, e.prev);
    }
    return changed;
  }

  /** How many keys of the range follow `last`, as of the revision `changed` was taken at. */
  #remaining(
    options: ListOptions,
    last: string | undefined,
    end: string,
    changed: Map<string, Row | undefined>,
  ): { remaining?: number } {
    if (!options.countRemaining || last === undefined) return {};
    let remaining = upperBound(this.#keys, end, true) - upperBound(this.#keys, last, false);
    for (const [key, then] of changed) {
      if (key <= last) continue;
      if (this.#rows.has(key)) remaining--;
      if (then !== undefined) remaining++;
    }
    return { remaining };
  }

  #commit(type: StorageEvent['type'], key: string, row: Row, prev: Row | undefined): StoredObject {
    this.#revision = row.modRevision;
    if (type === 'DELETED') {
      this.#rows.delete(key);
      this.#keys.splice(upperBound(this.#keys, key, true), 1);
    } else {
      if (type === 'ADDED') this.#keys.splice(upperBound(this.#keys, key, true), 0, key);
      this.#rows.set(key, row);
    }
    this.#log.push({ type, key, json: row.json, revision: row.modRevision, prev });
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

/** The index of the first log entry at `revision` or later. */
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

/** The index of the first key greater than `key` (or equal to it too, when `inclusive`). */
function upperBound(keys: readonly string[], key: string, inclusive: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (k < key || (!inclusive && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
