import Database from 'better-sqlite3';
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

const eventTypes = ['ADDED', 'MODIFIED', 'DELETED'] as const;

interface KvRow {
  key: string;
  value: string;
  create_revision: number;
  mod_revision: number;
}

/**
 * Storage in one SQLite file (WAL): `log` is the revision log (revision = row id), `kv` the current
 * state. A write commits both in one transaction before it returns, so a kill -9 at any moment loses
 * nothing that was acknowledged (synchronous=NORMAL in WAL mode is durable against process crashes;
 * pass `durability: 'full'` to survive power loss too). Compaction keeps the last `window` revisions.
 *
 * Each log row names the revision of the version it replaced (`prev_revision`), so a list can read
 * the state as of a past revision: the rows of `kv` unchanged since, and for the keys written since,
 * the version before their first write. Compaction keeps those earlier versions while a row of the
 * window points at them, and an update of a key whose current version was compacted away writes that
 * version back into the log first.
 */
export class SqliteStorage implements Storage {
  readonly #db: Database.Database;
  readonly #window: number;
  #listeners = new Set<StorageListener>();
  #revision: number;
  #compacted: number;
  /** Past revisions older than this cannot be read (a log written before rows named their previous version). */
  #pastReadsFrom: number;
  #writesSinceCompaction = 0;
  readonly #q;

  constructor(path: string, options: { window?: number; durability?: 'normal' | 'full' } = {}) {
    this.#window = options.window ?? 10_000;
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS log (revision INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS kv_key ON kv (key);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    const logColumns = this.#db.prepare<[], { name: string }>('PRAGMA table_info(log)').all();
    const migrating = !logColumns.some((c) => c.name === 'prev_revision');
    if (migrating) {
      this.#db.exec(`
        ALTER TABLE log ADD COLUMN create_revision INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE log ADD COLUMN prev_revision INTEGER NOT NULL DEFAULT 0;
      `);
    }
    this.#q = {
      get: this.#db.prepare<[string], KvRow>(
        'SELECT key, value, create_revision, mod_revision FROM kv WHERE key = ?',
      ),
      list: this.#db.prepare<[string, string, number, number], KvRow>(
        'SELECT key, value, create_revision, mod_revision FROM kv WHERE key > ? AND key < ? AND mod_revision <= ? ORDER BY key LIMIT ?',
      ),
      // answered from the kv_key index, much smaller than the table with its values
      count: this.#db.prepare<[string, string], { n: number }>(
        'SELECT count(*) AS n FROM kv WHERE key >= ? AND key < ?',
      ),
      countAfter: this.#db.prepare<[string, string], { n: number }>(
        'SELECT count(*) AS n FROM kv WHERE key > ? AND key < ?',
      ),
      insertKv: this.#db.prepare(
        'INSERT INTO kv (key, value, create_revision, mod_revision) VALUES (?, ?, ?, ?)',
      ),
      updateKv: this.#db.prepare('UPDATE kv SET value = ?, mod_revision = ? WHERE key = ?'),
      deleteKv: this.#db.prepare('DELETE FROM kv WHERE key = ?'),
      log: this.#db.prepare<[number, string, number, string, number, number]>(
        'INSERT INTO log (revision, key, type, value, create_revision, prev_revision) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      restore: this.#db.prepare<[number, string, number, string, number]>(
        'INSERT OR IGNORE INTO log (revision, key, type, value, create_revision, prev_revision) VALUES (?, ?, ?, ?, ?, 0)',
      ),
      logValue: this.#db.prepare<[number], { value: string }>('SELECT value FROM log WHERE revision = ?'),
      since: this.#db.prepare<
        [number, string, string],
        { revision: number; key: string; type: number; value: string }
      >(
        'SELECT revision, key, type, value FROM log WHERE revision > ? AND key >= ? AND key < ? ORDER BY revision',
      ),
      changes: this.#db.prepare<[number, string, string], ChangeRow>(
        'SELECT revision, key, type, create_revision, prev_revision FROM log WHERE revision > ? AND key > ? AND key < ? ORDER BY revision',
      ),
      // keeps the versions that rows of the window replaced: reads of past revisions need them
      compact: this.#db.prepare<[number, number]>(
        'DELETE FROM log WHERE revision <= ? AND revision NOT IN (SELECT prev_revision FROM log WHERE revision > ? AND type = 1)',
      ),
      setMeta: this.#db.prepare(
        'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
      ),
    };
    const max =
      this.#db.prepare<[], { r: number | null }>('SELECT max(revision) AS r FROM log').get()?.r ?? 0;
    const meta = (name: string): number =>
      this.#db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?').get(name)
        ?.value ?? 0;
    this.#compacted = meta('compacted');
    this.#revision = Math.max(max, meta('revision'), this.#compacted);
    if (migrating) this.#q.setMeta.run('pastReadsFrom', this.#revision);
    this.#pastReadsFrom = migrating ? this.#revision : meta('pastReadsFrom');
  }

  get revision(): number {
    return this.#revision;
  }

  get compactedRevision(): number {
    return this.#compacted;
  }

  get(key: string): StoredObject | undefined {
    const row = this.#q.get.get(key);
    return row && toStored(row);
  }

  list(prefix: string, options: ListOptions = {}): ListResult {
    const revision = options.revision ?? this.#revision;
    checkReadable(revision, Math.max(this.#compacted, this.#pastReadsFrom), this.#revision);
    const after =
      options.startAfter !== undefined && options.startAfter >= prefix ? options.startAfter : prefix;
    const end = prefixEnd(prefix);
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const changed = this.#changedSince(revision, after, end);
    // the rows unchanged since `revision`, merged with the state then of the keys written since
    const rows = this.#q.list.all(after, end, revision, limit === Infinity ? -1 : limit + 1);
    const changedKeys = [...changed.keys()].sort();
    const items: StoredObject[] = [];
    let i = 0;
    let j = 0;
    let last: string | undefined;
    for (;;) {
      const row = rows[i];
      const changedKey = changedKeys[j];
      if (row === undefined && changedKey === undefined) break;
      let item: (() => StoredObject) | undefined;
      let key: string;
      if (changedKey !== undefined && (row === undefined || changedKey <= row.key)) {
        j++;
        key = changedKey;
        item = this.#versionBefore(changed.get(key)!);
      } else {
        i++;
        key = row!.key;
        item = () => toStored(row!);
      }
      if (item === undefined) continue;
      if (items.length === limit)
        return { items, revision, more: true, ...this.#remaining(options, last, end, changed) };
      items.push(item());
      last = key;
    }
    return { items, revision, more: false, ...(options.countRemaining && { remaining: 0 }) };
  }

  count(prefix: string): number {
    return this.#q.count.get(prefix, prefixEnd(prefix))?.n ?? 0;
  }

  create(key: string, value: KubeObject): StoredObject {
    return this.#write(() => {
      if (this.#q.get.get(key)) throw new AlreadyExistsError(`${key} already exists`);
      const revision = this.#revision + 1;
      const json = JSON.stringify(withResourceVersion(value, revision));
      this.#q.insertKv.run(key, json, revision, revision);
      this.#q.log.run(revision, key, 0, json, revision, 0);
      return { type: 'ADDED', row: { key, value: json, create_revision: revision, mod_revision: revision } };
    });
  }

  update(key: string, value: KubeObject, expectedRevision?: number): StoredObject {
    return this.#write(() => {
      const old = this.#current(key, expectedRevision);
      const revision = this.#revision + 1;
      const json = JSON.stringify(withResourceVersion(value, revision));
      if (old.mod_revision <= this.#compacted) {
        const type = old.mod_revision === old.create_revision ? 0 : 1;
        this.#q.restore.run(old.mod_revision, key, type, old.value, old.create_revision);
      }
      this.#q.updateKv.run(json, revision, key);
      this.#q.log.run(revision, key, 1, json, old.create_revision, old.mod_revision);
      return {
        type: 'MODIFIED',
        row: { key, value: json, create_revision: old.create_revision, mod_revision: revision },
      };
    });
  }

  delete(key: string, expectedRevision?: number): StoredObject {
    return this.#write(() => {
      const old = this.#current(key, expectedRevision);
      const revision = this.#revision + 1;
      const json = JSON.stringify(withResourceVersion(JSON.parse(old.value) as KubeObject, revision));
      this.#q.deleteKv.run(key);
      this.#q.log.run(revision, key, 2, json, old.create_revision, old.mod_revision);
      return {
        type: 'DELETED',
        row: { key, value: json, create_revision: old.create_revision, mod_revision: revision },
      };
    });
  }

  eventsSince(prefix: string, revision: number): StorageEvent[] {
    if (revision < this.#compacted)
      throw new GoneError(`too old resource version: ${revision} (${this.#compacted})`);
    return this.#q.since.all(revision, prefix, prefixEnd(prefix)).map((r) => ({
      type: eventTypes[r.type] ?? 'MODIFIED',
      key: r.key,
      value: JSON.parse(r.value) as KubeObject,
      revision: r.revision,
    }));
  }

  subscribe(listener: StorageListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  compact(): void {
    const keepFrom = this.#revision - this.#window;
    if (keepFrom <= this.#compacted) return;
    this.#db.transaction(() => {
      this.#q.compact.run(keepFrom, keepFrom);
      // the revision counter must survive even when every log row is compacted away
      this.#q.setMeta.run('revision', this.#revision);
      this.#q.setMeta.run('compacted', keepFrom);
    })();
    this.#compacted = keepFrom;
  }

  close(): void {
    this.#listeners.clear();
    this.#db.close();
  }

  #current(key: string, expectedRevision: number | undefined): KvRow {
    return checkCurrent(key, this.#q.get.get(key), (r) => r.mod_revision, expectedRevision);
  }

  /** The first write to each key in (after, end) since `revision`, and whether the key exists now. */
  #changedSince(revision: number, after: string, end: string): Map<string, Change> {
    const changed = new Map<string, Change>();
    if (revision === this.#revision) return changed;
    for (const row of this.#q.changes.all(revision, after, end)) {
      const first = changed.get(row.key);
      if (first === undefined) changed.set(row.key, { first: row, existsNow: row.type !== 2 });
      else first.existsNow = row.type !== 2;
    }
    return changed;
  }

  /** The version a key had before its first write since the revision read; undefined if it had none. */
  #versionBefore({ first }: Change): (() => StoredObject) | undefined {
    if (first.type === 0) return undefined;
    return () => {
      // a DELETED row holds the last version; a MODIFIED row points at the row of the one before
      const source = first.type === 2 ? first.revision : first.prev_revision;
      const value = this.#q.logValue.get(source)?.value;
      if (value === undefined)
        throw new GoneError(`too old resource version: revision ${first.prev_revision} is not kept`);
      return toStored({
        key: first.key,
        value:
          first.type === 2
            ? JSON.stringify(withResourceVersion(JSON.parse(value) as KubeObject, first.prev_revision))
            : value,
        create_revision: first.create_revision,
        mod_revision: first.prev_revision,
      });
    };
  }

  /** How many keys of the range follow `last`, as of the revision `changed` was taken at. */
  #remaining(
    options: ListOptions,
    last: string | undefined,
    end: string,
    changed: Map<string, Change>,
  ): { remaining?: number } {
    if (!options.countRemaining || last === undefined) return {};
    let remaining = this.#q.countAfter.get(last, end)?.n ?? 0;
    for (const [key, change] of changed) {
      if (key <= last) continue;
      if (change.existsNow) remaining--;
      if (change.first.type !== 0) remaining++;
    }
    return { remaining };
  }

  #write(body: () => { type: StorageEvent['type']; row: KvRow }): StoredObject {
    const { type, row } = this.#db.transaction(body)();
    this.#revision = row.mod_revision;
    if (++this.#writesSinceCompaction >= Math.max(100, this.#window / 10)) {
      this.#writesSinceCompaction = 0;
      this.compact();
    }
    const stored = toStored(row);
    const event: StorageEvent = { type, key: row.key, value: stored.value, revision: row.mod_revision };
    for (const listener of this.#listeners) listener(event);
    return stored;
  }
}

interface ChangeRow {
  revision: number;
  key: string;
  type: number;
  create_revision: number;
  prev_revision: number;
}

interface Change {
  first: ChangeRow;
  existsNow: boolean;
}

function toStored(row: KvRow): StoredObject {
  return {
    key: row.key,
    value: JSON.parse(row.value) as KubeObject,
    createRevision: row.create_revision,
    modRevision: row.mod_revision,
  };
}
