import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
