/**
 * CI reading in-repo job config as a GitHub App: GitRepoReader fetches a private repository of the
 * built-in forge with the installation token GithubForge.gitToken hands out, asking for it again
 * before each fetch (installation tokens expire after an hour), and fails clearly without one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { GithubForge } from '../../src/adapters/forge/index.ts';
import { GitRepoReader } from '../../src/adapters/forge/repo-reader.ts';
import { keelsonCrds } from '../../src/api/crds/index.ts';
import { startForge, type RunningForge } from '../../src/forge/server.ts';
import { KubeClient } from '../../src/runtime/client.ts';
import { applyCrds } from '../../src/runtime/crds.ts';
import { startServer, tempDir, type ServerProcess } from './harness.ts';

const execGit = promisify(execFile);
const repo = { owner: 'acme', name: 'jobs' };

let server: ServerProcess;
let client: KubeClient;
let forge: RunningForge;
let app: { appId: number; privateKey: string; installationId: number };
let remote: string;
let first: string;
let second: string;

/** Runs git in `dir`; asynchronously, as the forge serves from this very process. */
async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await execGit('git', args, {
    cwd: dir,
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'a',
      GIT_AUTHOR_EMAIL: 'a@example.com',
      GIT_COMMITTER_NAME: 'a',
      GIT_COMMITTER_EMAIL: 'a@example.com',
    },
  });
  return stdout.trim();
}

before(async () => {
  server = await startServer({ args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
  await applyCrds(client, keelsonCrds, { fieldManager: 'keelson' });
  forge = await startForge({ client, dataDir: tempDir('keelson-forge-'), log: () => {} });
  const created = await forge.createApp('keelson-ci', { owner: 'acme' });
  app = {
    appId: created.appId,
    privateKey: created.privateKey,
    installationId: await forge.installApp('keelson-ci', 'acme'),
  };
  await forge.forgeFor(forge.adminToken).createRepository({ ...repo, private: true });
  remote = `${forge.url}/${repo.owner}/${repo.name}.git`;
  const work = tempDir('keelson-app-work-');
  await git(work, 'init', '-q', '-b', 'main', '.');
  writeFileSync(join(work, '.prow.yaml'), 'presubmits: []\n');
  writeFileSync(join(work, 'README.md'), 'jobs\n');
  await git(work, 'add', '.');
  await git(work, 'commit', '-q', '-m', 'first');
  first = await git(work, 'rev-parse', 'HEAD');
  writeFileSync(join(work, 'README.md'), 'jobs, changed\n');
  await git(work, 'commit', '-q', '-am', 'second');
  second = await git(work, 'rev-parse', 'HEAD');
  const basic = Buffer.from(`x-access-token:${forge.adminToken}`).toString('base64');
  await git(work, '-c', `http.extraHeader=Authorization: Basic ${basic}`, 'push', '-q', remote, 'main');
});

after(async () => {
  await forge?.stop();
  client?.close();
  await server?.stop();
});

test('reads a private repository with the installation token, asked for before each fetch', async () => {
  const asApp = new GithubForge({ app, baseUrl: forge.apiUrl });
  let asked = 0;
  const reader = new GitRepoReader({
    workDir: tempDir('keelson-app-reader-'),
    token: () => {
      asked += 1;
      return asApp.gitToken();
    },
  });
  assert.deepEqual(await reader.readFiles(remote, first, (path) => path === '.prow.yaml'), [
    { file: '.prow.yaml', text: 'presubmits: []\n' },
  ]);
  assert.equal(asked, 1);
  // `second` is not in the cache yet: a second fetch, with the token asked for again
  assert.deepEqual(await reader.changedFiles(remote, first, second), ['README.md']);
  assert.equal(asked, 2);
  // both commits cached: no fetch, no token
  assert.deepEqual(await reader.changedFiles(remote, first, second), ['README.md']);
  assert.equal(asked, 2);
});

test('fails naming the fetch without a token, or when no installation token can be had', async () => {
  const anonymous = new GitRepoReader({ workDir: tempDir('keelson-app-reader-') });
  await assert.rejects(
    anonymous.readFiles(remote, first, () => true),
    (error: Error) => {
      assert.equal((error as { code?: unknown }).code, 'KEELSON_UNAVAILABLE');
      assert.match(
        error.message,
        new RegExp(`^git fetch ${remote}: the forge asks for credentials and no token was given`),
      );
      return true;
    },
  );

  const notInstalled = new GithubForge({ app: { ...app, installationId: 424242 }, baseUrl: forge.apiUrl });
  const reader = new GitRepoReader({
    workDir: tempDir('keelson-app-reader-'),
    token: () => notInstalled.gitToken(),
  });
  await assert.rejects(
    reader.readFiles(remote, first, () => true),
    (error: Error) => {
      assert.equal((error as { code?: unknown }).code, 'KEELSON_UNAVAILABLE');
      assert.match(
        error.message,
        new RegExp(`^git fetch ${remote}: no token: get an installation token: 404`),
      );
      return true;
    },
  );
});

test('a token forge hands out its own token for git', async () => {
  assert.equal(
    await new GithubForge({ token: forge.adminToken, baseUrl: forge.apiUrl }).gitToken(),
    forge.adminToken,
  );
});
