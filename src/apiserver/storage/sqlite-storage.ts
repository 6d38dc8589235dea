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

interface Row {
  key: string;
  value: string;
  create_revision: number;
  mod_revision: number;
}

/**
 * Storage in one SQLite file (WAL), a revision log in the manner of kine: `log` holds the versions
 * (revision = row id; each row names the revision of the version it replaced), `kv` each live key
 * with the revision of its current version, whose value the log holds. A write commits both in one
 * transaction before it returns, so a kill -9 at any moment loses nothing that was acknowledged
 * (synchronous=NORMAL in WAL mode is durable against process crashes; pass `durability: 'full'` to
 * survive power loss too).
 *
 * Compaction keeps the last `window` revisions of history: it drops a version once the write that
 * replaced it is older than the window. So every version live at a revision inside the window is
 * still there, and a list can read such a revision: the keys unchanged since, and for the keys
 * written since, the version their first write since replaced.
 */
export class SqliteStorage implements Storage {
  readonly #db: Database.Database;
  readonly #window: number;
  #listeners = new Set<StorageListener>();
  #revision: number;
  #compacted: number;
  /** No past revision before this can be read: history the file had before it kept every live version. */
  #pastReadsFrom: number;
  #writesSinceCompaction = 0;
  readonly #q;

  constructor(path: string, options: { window?: number; durability?: 'normal' | 'full' } = {}) {
    this.#window = options.window ?? 10_000;
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS log (revision INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, create_revision INTEGER NOT NULL, prev_revision INTEGER NOT NULL, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    const meta = (name: string): number =>
      this.#db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?').get(name)
        ?.value ?? 0;
    const setMeta = this.#db.prepare<[string, number]>(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
    );
    const maxRevision = (): number =>
      this.#db.prepare<[], { r: number | null }>('SELECT max(revision) AS r FROM log').get()?.r ?? 0;
    this.#compacted = meta('compacted');
    this.#revision = Math.max(maxRevision(), meta('revision'), this.#compacted);
    const kvColumns = this.#db.prepare<[], { name: string }>('PRAGMA table_info(kv)').all();
    if (kvColumns.some((c) => c.name === 'value')) {
      this.#db.transaction(() => {
        migrateFromValuesInKv(this.#db);
        setMeta.run('pastReadsFrom', this.#revision);
      })();
    }
    this.#pastReadsFrom = meta('pastReadsFrom');
    const current =
      'SELECT kv.key, log.value, kv.create_revision, kv.mod_revision FROM kv JOIN log ON log.revision = kv.mod_revision';
    this.#q = {
      get: this.#db.prepare<[string], Row>(`${current} WHERE kv.key = ?`),
      head: this.#db.prepare<[string], { create_revision: number; mod_revision: number }>(
        'SELECT create_revision, mod_revision FROM kv WHERE key = ?',
      ),
      list: this.#db.prepare<[string, string, number, number], Row>(
        `${current} WHERE kv.key > ? AND kv.key < ? AND kv.mod_revision <= ? ORDER BY kv.key LIMIT ?`,
      ),
      count: this.#db.prepare<[string, string], { n: number }>(
        'SELECT count(*) AS n FROM kv WHERE key >= ? AND key < ?',
      ),
      countAfter: this.#db.prepare<[string, string], { n: number }>(
        'SELECT count(*) AS n FROM kv WHERE key > ? AND key < ?',
      ),
      insertKv: this.#db.prepare<[string, number, number]>(
        'INSERT INTO kv (key, create_revision, mod_revision) VALUES (?, ?, ?)',
      ),
      updateKv: this.#db.prepare<[number, string]>('UPDATE kv SET mod_revision = ? WHERE key = ?'),
      deleteKv: this.#db.prepare<[string]>('DELETE FROM kv WHERE key = ?'),
      log: this.#db.prepare<[number, string, number, number, number, string]>(
        'INSERT INTO log (revision, key, type, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)',
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
      // the versions replaced by writes that leave the window, and the deletions that do
      compactReplaced: this.#db.prepare<[number, number]>(
        'DELETE FROM log WHERE revision IN (SELECT prev_revision FROM log WHERE revision > ? AND revision <= ? AND type != 0)',
      ),
      compactDeletions: this.#db.prepare<[number, number]>(
        'DELETE FROM log WHERE revision > ? AND revision <= ? AND type = 2',
      ),
      setMeta,
    };
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
      if (this.#q.head.get(key)) throw new AlreadyExistsError(`${key} already exists`);
      const revision = this.#revision + 1;
      const json = JSON.stringify(withResourceVersion(value, revision));
      this.#q.insertKv.run(key, revision, revision);
      this.#q.log.run(revision, key, 0, revision, 0, json);
      return { type: 'ADDED', row: { key, value: json, create_revision: revision, mod_revision: revision } };
    });
  }

  update(key: string, value: KubeObject, expectedRevision?: number): StoredObject {
    return this.#write(() => {
      const old = checkCurrent(key, this.#q.head.get(key), (r) => r.mod_revision, expectedRevision);
      const revision = this.#revision + 1;
      const json = JSON.stringify(withResourceVersion(value, revision));
      this.#q.updateKv.run(revision, key);
      this.#q.log.run(revision, key, 1, old.create_revision, old.mod_revision, json);
      return {
        type: 'MODIFIED',
        row: { key, value: json, create_revision: old.create_revision, mod_revision: revision },
      };
    });
  }

  delete(key: string, expectedRevision?: number): StoredObject {
    return this.#write(() => {
      const old = checkCurrent(key, this.#q.get.get(key), (r) => r.mod_revision, expectedRevision);
      const revision = this.#revision + 1;
      const json = JSON.stringify(withResourceVersion(JSON.parse(old.value) as KubeObject, revision));
      this.#q.deleteKv.run(key);
      this.#q.log.run(revision, key, 2, old.create_revision, old.mod_revision, json);
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
      this.#q.compactReplaced.run(this.#compacted, keepFrom);
      this.#q.compactDeletions.run(this.#compacted, keepFrom);
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
      const value = this.#q.logValue.get(first.prev_revision)?.value;
      if (value === undefined)
        throw new GoneError(`too old resource version: revision ${first.prev_revision} is not kept`);
      return toStored({
        key: first.key,
        value,
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

  #write(body: () => { type: StorageEvent['type']; row: Row }): StoredObject {
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

function toStored(row: Row): StoredObject {
  return {
    key: row.key,
    value: JSON.parse(row.value) as KubeObject,
    createRevision: row.create_revision,
    modRevision: row.mod_revision,
  };
}

/**
 * Rewrites a file whose `kv` held the values (and whose log held only the window) into this layout:
 * the live versions the log lost to compaction go back into it, each row gets the revision of the
 * version it replaced (where the log still has it), and `kv` keeps only revisions.
 */
function migrateFromValuesInKv(db: Database.Database): void {
  const logColumns = db.prepare<[], { name: string }>('PRAGMA table_info(log)').all();
  if (!logColumns.some((c) => c.name === 'prev_revision')) {
    db.exec(`
      ALTER TABLE log ADD COLUMN create_revision INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE log ADD COLUMN prev_revision INTEGER NOT NULL DEFAULT 0;
    `);
  }
  db.exec(`
    INSERT OR IGNORE INTO log (revision, key, type, create_revision, prev_revision, value)
      SELECT mod_revision, key, CASE WHEN mod_revision = create_revision THEN 0 ELSE 1 END, create_revision, 0, value FROM kv;
    CREATE INDEX migration_log_key ON log (key, revision);
    UPDATE log SET prev_revision = coalesce(
      (SELECT max(p.revision) FROM log p WHERE p.key = log.key AND p.revision < log.revision), 0)
      WHERE type != 0;
    DROP INDEX migration_log_key;
    CREATE TABLE kv_revisions (key TEXT PRIMARY KEY, create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO kv_revisions SELECT key, create_revision, mod_revision FROM kv;
    DROP TABLE kv;
    ALTER TABLE kv_revisions RENAME TO kv;
  `);
}
