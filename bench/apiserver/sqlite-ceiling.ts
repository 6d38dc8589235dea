/**
 * The SQLite ceiling for bench/apiserver/run.ts: raw better-sqlite3 insert rates with the settings
 * SqliteStorage uses (WAL, synchronous=NORMAL), one row per transaction like our writes, the two-row
 * transaction our writes actually commit (kv + revision log), batched for reference, and
 * SqliteStorage.create itself (no HTTP).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../../src/api/meta.ts';

export interface SqliteCeiling {
  rows: number;
  valueBytes: number;
  /** rows/s, one INSERT per transaction */
  single: number;
  /** transactions/s, each: SELECT (exists?) + INSERT kv (revisions) + INSERT log (value), as SqliteStorage.create */
  kvLog: number;
  /** rows/s, `batch` INSERTs per transaction */
  batched: number;
  batch: number;
  /** creates/s through SqliteStorage.create (JSON encode + the transaction above + compaction) */
  storageCreate: number | undefined;
  storageError: string | undefined;
}

function openDb(dir: string, file: string): Database.Database {
  const db = new Database(join(dir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

export async function measureSqlite(
  rows: number,
  value: (i: number) => string,
  batch = 1000,
): Promise<SqliteCeiling> {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-bench-sqlite-'));
  const values = Array.from({ length: rows }, (_, i) => value(i));
  const keys = values.map((_, i) => `/default/core/configmaps/default/raw-${String(i).padStart(7, '0')}`);
  try {
    // one row per transaction
    let db = openDb(dir, 'single.db');
    db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
    let insert = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
    const one = db.transaction((k: string, v: string) => insert.run(k, v));
    let t0 = performance.now();
    for (let i = 0; i < rows; i++) one(keys[i]!, values[i]!);
    const single = rows / ((performance.now() - t0) / 1000);
    db.close();

    // the shape of SqliteStorage's write: exists? + kv row (revisions only) + log row (the value)
    db = openDb(dir, 'kvlog.db');
    db.exec(`
      CREATE TABLE log (revision INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, create_revision INTEGER NOT NULL, prev_revision INTEGER NOT NULL, value TEXT NOT NULL);
      CREATE TABLE kv (key TEXT PRIMARY KEY, create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL) WITHOUT ROWID;
    `);
    const get = db.prepare('SELECT key FROM kv WHERE key = ?');
    const insKv = db.prepare('INSERT INTO kv (key, create_revision, mod_revision) VALUES (?, ?, ?)');
    const insLog = db.prepare(
      'INSERT INTO log (revision, key, type, create_revision, prev_revision, value) VALUES (?, ?, 0, ?, 0, ?)',
    );
    const write = db.transaction((k: string, v: string, rev: number) => {
      if (get.get(k)) throw new Error('exists');
      insKv.run(k, rev, rev);
      insLog.run(rev, k, rev, v);
    });
    t0 = performance.now();
    for (let i = 0; i < rows; i++) write(keys[i]!, values[i]!, i + 1);
    const kvLog = rows / ((performance.now() - t0) / 1000);
    db.close();

    // batched
    db = openDb(dir, 'batched.db');
    db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
    insert = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
    const many = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(keys[i]!, values[i]!);
    });
    t0 = performance.now();
    for (let i = 0; i < rows; i += batch) many(i, Math.min(rows, i + batch));
    const batched = rows / ((performance.now() - t0) / 1000);
    db.close();

    // SqliteStorage itself
    let storageCreate: number | undefined;
    let storageError: string | undefined;
    try {
      const { SqliteStorage } = await import('../../src/apiserver/storage/sqlite-storage.ts');
      const storage = new SqliteStorage(join(dir, 'storage.db'));
      const objects = values.map((v) => JSON.parse(v) as KubeObject);
      t0 = performance.now();
      for (let i = 0; i < rows; i++) storage.create(keys[i]!, objects[i]!);
      storageCreate = rows / ((performance.now() - t0) / 1000);
      storage.close();
    } catch (error) {
      storageError = String((error as Error).message ?? error).split('\n')[0];
    }
    return {
      rows,
      valueBytes: values[0]!.length,
      single,
      kvLog,
      batched,
      batch,
      storageCreate,
      storageError,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
