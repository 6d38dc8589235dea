import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { compareNames } from './ignore-rules.ts';

/**
 * `sha256:<hex>` over the regular files under `root`: for each file in sorted path order,
 * `<path>\0<f|x>\0<size>\0<content>` (x when executable). It depends on nothing but the files, so
 * two materialisations of one revision always agree.
 */
export async function digestTree(root: string): Promise<string> {
  const files = await listFiles(root, '');
  files.sort(compareNames);
  const hash = createHash('sha256');
  for (const relative of files) {
    const full = path.join(root, relative);
    const info = await stat(full);
    const kind = (info.mode & 0o111) !== 0 ? 'x' : 'f';
    hash.update(`${relative}\0${kind}\0${info.size}\0`);
    await hashFile(hash, full);
  }
  return `sha256:${hash.digest('hex')}`;
}

async function listFiles(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
    const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, relative)));
    else if (entry.isFile()) out.push(relative);
  }
  return out;
}

async function hashFile(hash: Hash, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}
