/**
 * Who may use git on the built-in forge, as on GitHub: anyone may clone a public repository;
 * pushing, and cloning a private one, take a token.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startServer, tempDir, type ServerProcess } from '../../test/e2e/harness.ts';
import { GithubForge } from '../adapters/forge/index.ts';
import { keelsonCrds } from '../api/crds/index.ts';
import { KubeClient } from '../runtime/client.ts';
import { applyCrds } from '../runtime/crds.ts';
import { startForge, type RunningForge } from './server.ts';

const run = promisify(execFile);
let apiServer: ServerProcess;
let client: KubeClient;
let forge: RunningForge;
let work: string;

async function git(cwd: string, ...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'credential.helper=', ...args], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stderr: e.stderr ?? '' };
  }
}

function remote(repo: string, token?: string): string {
  const url = new URL(`${forge.url}/${repo}.git`);
  if (token !== undefined) {
    url.username = 'admin';
    url.password = token;
  }
  return url.toString();
}

before(async () => {
  apiServer = await startServer({ args: ['--no-node'] });
  client = KubeClient.fromFile(apiServer.kubeconfig);
  await applyCrds(client, keelsonCrds, { fieldManager: 'keelson' });
  forge = await startForge({ client, dataDir: tempDir('keelson-forge-access-'), log: () => {} });
  const admin = new GithubForge({ token: forge.adminToken, baseUrl: forge.apiUrl });
  await admin.createRepository({ owner: 'admin', name: 'open' });
  await admin.createRepository({ owner: 'admin', name: 'closed', private: true });
  work = tempDir('keelson-forge-access-work-');
  const local = join(work, 'local');
  mkdirSync(local);
  writeFileSync(join(local, 'README.md'), 'hello\n');
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '.'],
    ['commit', '-qm', 'first'],
  ])
    assert.equal((await git(local, ...args)).code, 0);
  for (const repo of ['admin/open', 'admin/closed'])
    assert.equal((await git(local, 'push', '-q', remote(repo, forge.adminToken), 'main')).code, 0);
});

after(async () => {
  await forge?.stop();
  client?.close();
  await apiServer?.stop();
});

test('a public repository clones without a token', async () => {
  assert.deepEqual(await git(work, 'clone', '-q', remote('admin/open'), 'open'), { code: 0, stderr: '' });
  assert.equal(readFileSync(join(work, 'open', 'README.md'), 'utf8'), 'hello\n');
});

test('pushing without a token is refused, even to a public repository', async () => {
  const clone = join(work, 'open');
  writeFileSync(join(clone, 'more.txt'), 'more\n');
  await git(clone, 'add', '.');
  await git(clone, 'commit', '-qm', 'more');
  const pushed = await git(clone, 'push', '-q', remote('admin/open'), 'HEAD:main');
  assert.notEqual(pushed.code, 0);
  assert.match(pushed.stderr, /could not read Username|Authentication failed|401/);
});

test('a private repository, or one that does not exist, asks for a token', async () => {
  for (const repo of ['admin/closed', 'admin/missing']) {
    const cloned = await git(work, 'clone', '-q', remote(repo), repo.replace('/', '-'));
    assert.notEqual(cloned.code, 0, repo);
    assert.match(cloned.stderr, /could not read Username|Authentication failed|401/, repo);
  }
  assert.equal((await git(work, 'clone', '-q', remote('admin/closed', forge.adminToken), 'closed')).code, 0);
});
