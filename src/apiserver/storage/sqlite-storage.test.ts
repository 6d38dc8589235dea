import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStorage } from './sqlite-storage.ts';
import { storageContract } from './storage.contract.ts';
import type { Storage } from './storage.ts';

const paths = new WeakMap<Storage, string>();

storageContract({
  name: 'sqlite',
  open(options) {
    const path = join(mkdtempSync(join(tmpdir(), 'keelson-sqlite-')), 'state.db');
    const storage = new SqliteStorage(path, options);
    paths.set(storage, path);
    return storage;
  },
  reopen(storage, options) {
    const path = paths.get(storage)!;
    storage.close();
    const reopened = new SqliteStorage(path, options);
    paths.set(reopened, path);
    return reopened;
  },
});

describe('SqliteStorage on a file written before log rows named their previous version', () => {
  it('adds the columns and reads past revisions only from then on', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'keelson-sqlite-')), 'state.db');
    const old = new Database(path);
    old.exec(`
      CREATE TABLE log (revision INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, value TEXT NOT NULL);
      CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    const value = (name: string, revision: number) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, resourceVersion: String(revision) },
      });
    for (const [revision, name] of [
      [1, 'a'],
      [2, 'b'],
    ] as const) {
      old
        .prepare('INSERT INTO kv VALUES (?, ?, ?, ?)')
        .run(`/c/core/configmaps/default/${name}`, value(name, revision), revision, revision);
      old
        .prepare('INSERT INTO log VALUES (?, ?, 0, ?)')
        .run(revision, `/c/core/configmaps/default/${name}`, value(name, revision));
    }
    old.close();

    const s = new SqliteStorage(path);
    assert.equal(s.revision, 2);
    assert.throws(() => s.list('/c/', { revision: 1 }), { code: 'KEELSON_EXPIRED' });
    const before = s.list('/c/');
    s.update('/c/core/configmaps/default/a', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a' },
      data: { v: '2' },
    });
    assert.deepEqual(
      s.list('/c/', { revision: before.revision }).items.map((i) => [i.value.metadata.name, i.value.data]),
      [
        ['a', undefined],
        ['b', undefined],
      ],
    );
    s.close();
    const reopened = new SqliteStorage(path);
    assert.throws(() => reopened.list('/c/', { revision: 1 }), { code: 'KEELSON_EXPIRED' });
    assert.equal(reopened.list('/c/', { revision: 2 }).items.length, 2);
    reopened.close();
  });
});

describe('SqliteStorage compaction', () => {
  it('drops the versions replaced before the window and keeps one per live key', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'keelson-sqlite-')), 'state.db');
    const s = new SqliteStorage(path, { window: 10 });
    const cm = (name: string, v: number) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: { v: String(v) },
    });
    for (const name of ['a', 'b', 'c']) s.create(`/c/core/configmaps/default/${name}`, cm(name, 0));
    for (let i = 1; i <= 200; i++) s.update('/c/core/configmaps/default/a', cm('a', i));
    s.delete('/c/core/configmaps/default/b');
    for (let i = 1; i <= 20; i++) s.update('/c/core/configmaps/default/a', cm('a', 200 + i));
    s.compact();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM log').get()?.n;
    db.close();
    // the window's 10 rows, the version of `a` the oldest of them replaced, and `c`, never written again
    assert.equal(rows, 12);
    assert.deepEqual(
      s.list('/c/').items.map((i) => [i.value.metadata.name, i.value.data]),
      [
        ['a', { v: '220' }],
        ['c', { v: '0' }],
      ],
    );
    s.close();
  });
});
