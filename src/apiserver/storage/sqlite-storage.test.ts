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
