import Database from 'better-sqlite3';
import { AlreadyExistsError, ConflictError, GoneError, NotFoundError } from '../../base/errors.ts';
import type { KubeObject } from '../../api/meta.ts';
import {
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
 */
export class SqliteStorage implements Storage {
  readonly #db: Database.Database;
  readonly #window: number;
  #listeners = new Set<StorageListener>();
  #revision: number;
  #compacted: number;
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
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    this.#q = {
      get: this.#db.prepare<[string], KvRow>(
        'SELECT key, value, create_revision, mod_revision FROM kv WHERE key = ?',
      ),
      list: this.#db.prepare<[string, string, number], KvRow>(
        'SELECT key, value, create_revision, mod_revision FROM kv WHERE key > ? AND key < ? ORDER BY key LIMIT ?',
      ),
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
      log: this.#db.prepare('INSERT INTO log (revision, key, type, value) VALUES (?, ?, ?, ?)'),
      since: this.#db.prepare<
        [number, string, string],
        { revision: number; key: string; type: number; value: string }
      >(
        'SELECT revision, key, type, value FROM log WHERE revision > ? AND key >= ? AND key < ? ORDER BY revision',
      ),
      compact: this.#db.prepare('DELETE FROM log WHERE revision <= ?'),
      setMeta: this.#db.prepare(
        'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
      ),
    };
    const max =
      this.#db.prepare<[], { r: number | null }>('SELECT max(revision) AS r FROM log').get()?.r ?? 0;
    const meta =
      this.#db.prepare<[], { value: number }>("SELECT value FROM meta WHERE name = 'revision'").get()
        ?.value ?? 0;
    this.#compacted =
      this.#db.prepare<[], { value: number }>("SELECT value FROM meta WHERE name = 'compacted'").get()
        ?.value ?? 0;
    this.#revision = Math.max(max, meta, this.#compacted);
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
    const after =
      options.startAfter !== undefined && options.startAfter >= prefix ? options.startAfter : prefix;
    const end = prefixEnd(prefix);
    const limit = options.limit && options.limit > 0 ? options.limit : -1;
    const revision = this.#revision;
    const rows = this.#q.list.all(after, end, limit === -1 ? -1 : limit + 1);
    const more = limit !== -1 && rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const remaining = more ? (this.#q.countAfter.get(page[page.length - 1]!.key, end)?.n ?? 0) : 0;
    return { items: page.map(toStored), revision, more, remaining };
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
      this.#q.log.run(revision, key, 0, json);
      return { type: 'ADDED', row: { key, value: json, create_revision: revision, mod_revision: revision } };
    });
  }

  update(key: string, value: KubeObject, expectedRevision?: number): StoredObject {
    return this.#write(() => {
      const old = this.#current(key, expectedRevision);
      const revision = this.#revision + 1;
      const json = JSON.stringify(withResourceVersion(value, revision));
      this.#q.updateKv.run(json, revision, key);
      this.#q.log.run(revision, key, 1, json);
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
      this.#q.log.run(revision, key, 2, json);
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
      this.#q.compact.run(keepFrom);
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
    const row = this.#q.get.get(key);
    if (!row) throw new NotFoundError(`${key} not found`);
    if (expectedRevision !== undefined && row.mod_revision !== expectedRevision) {
      throw new ConflictError(
        `${key} has been modified: revision ${row.mod_revision}, expected ${expectedRevision}`,
      );
    }
    return row;
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

function toStored(row: KvRow): StoredObject {
  return {
    key: row.key,
    value: JSON.parse(row.value) as KubeObject,
    createRevision: row.create_revision,
    modRevision: row.mod_revision,
  };
}
