import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { GitCli } from './git-cli.ts';
import { gitSourceContract, rejectsWith } from './git-source.contract.ts';
import {
  fakeClock,
  recordingGit,
  recordingLog,
  removeTempDirs,
  startGitHttpServer,
  tempDir,
  TestRepo,
} from './test-fixtures.ts';

gitSourceContract({ name: 'GitCli', make: (deps) => new GitCli(deps) });

describe('GitCli', () => {
  after(removeTempDirs);

  it('keeps one shallow bare cache per url and reuses it', async () => {
    const repo = new TestRepo(tempDir('cache-reuse'));
    repo.commit({ 'a.yaml': 'a: 1\n' });
    const cacheDir = tempDir('cache');
    const git = new GitCli({ cacheDir, clock: fakeClock(), log: recordingLog() });
    await git.fetch(repo.dir, {});
    const next = repo.commit({ 'a.yaml': 'a: 2\n' });
    const artifact = await git.fetch(repo.dir, {});
    assert.equal(artifact.commit, next);
    const repos = readdirSync(path.join(cacheDir, 'repos'));
    assert.equal(repos.length, 1);
    assert.ok(existsSync(path.join(cacheDir, 'repos', repos[0]!, 'shallow')), 'the cache is shallow');
  });

  it('never runs git twice at once in one cache, and shares the artifact', async () => {
    const repo = new TestRepo(tempDir('concurrent'));
    repo.commit({ 'a.yaml': 'a: 1\n' });
    repo.git('branch', 'other');
    repo.commit({ 'a.yaml': 'a: 2\n' });
    const calls = recordingGit(tempDir('recording'));
    const git = new GitCli({
      cacheDir: tempDir('cache'),
      clock: fakeClock(),
      log: recordingLog(),
      gitBinary: calls.binary,
    });
    const results = await Promise.all([
      git.fetch(repo.dir, { branch: 'main' }),
      git.fetch(repo.dir, { branch: 'main' }),
      git.fetch(repo.dir, { branch: 'other' }),
      git.fetch(repo.dir, { tag: 'nope' }).catch((error: unknown) => error),
    ]);
    assert.equal(results[0].dir, (results[1] as { dir: string }).dir);
    assert.equal((results[3] as { code: string }).code, 'KEELSON_NOT_FOUND');

    const open = new Map<string, string>();
    let inCache = 0;
    for (const line of readFileSync(calls.logFile, 'utf8').trim().split('\n')) {
      const [event, pid, ...argv] = line.split(' ');
      if (event === 'start') {
        const gitDir = argv.find((arg) => arg.startsWith('--git-dir='));
        if (gitDir === undefined) continue;
        inCache++;
        assert.ok(![...open.values()].includes(gitDir), `two git runs at once in ${gitDir}`);
        open.set(pid!, gitDir);
      } else {
        open.delete(pid!);
      }
    }
    assert.ok(inCache > 0);
  });

  it('keeps credentials off the command line and out of the log', async () => {
    const root = tempDir('secret-remotes');
    const repo = new TestRepo(path.join(root, 'app'));
    repo.commit({ 'a.yaml': 'a: 1\n' });
    const auth = { username: 'bot', password: 'Sup3r-Secret-pw' };
    const server = await startGitHttpServer({ projectRoot: root, basic: auth });
    try {
      const calls = recordingGit(tempDir('recording'));
      const log = recordingLog();
      const git = new GitCli({
        cacheDir: tempDir('cache'),
        clock: fakeClock(),
        log,
        gitBinary: calls.binary,
      });
      await git.fetch(server.url('app'), {}, auth);
      await git.fetch(server.url('app'), { branch: 'gone' }, auth).catch(() => undefined);
      const argv = readFileSync(calls.logFile, 'utf8');
      assert.match(argv, /ls-remote/);
      const encoded = Buffer.from('bot:Sup3r-Secret-pw').toString('base64');
      for (const text of [argv, log.lines.join('\n')]) {
        assert.equal(text.includes('Sup3r-Secret-pw'), false);
        assert.equal(text.includes(encoded), false);
      }
    } finally {
      await server.close();
    }
  });

  it('deepens the history when the server refuses a commit no ref advertises', async () => {
    const root = tempDir('v0-remotes');
    const repo = new TestRepo(path.join(root, 'app'));
    const old = repo.commit({ 'a.yaml': 'a: 1\n' });
    repo.commit({ 'a.yaml': 'a: 2\n' });
    const server = await startGitHttpServer({ projectRoot: root, protocolV0: true });
    try {
      const calls = recordingGit(tempDir('recording'));
      const git = new GitCli({
        cacheDir: tempDir('cache'),
        clock: fakeClock(),
        log: recordingLog(),
        gitBinary: calls.binary,
      });
      const artifact = await git.fetch(server.url('app'), { commit: old });
      assert.equal(readFileSync(path.join(artifact.dir, 'a.yaml'), 'utf8'), 'a: 1\n');
      assert.match(readFileSync(calls.logFile, 'utf8'), /fetch -q --no-tags -- \S+ \+refs\/heads\/\*/);
      await rejectsWith(
        git.fetch(server.url('app'), { commit: 'e'.repeat(40) }),
        'KEELSON_NOT_FOUND',
        /not found/,
      );
    } finally {
      await server.close();
    }
  });

  it('follows a redirect without credentials, never with them', async () => {
    const root = tempDir('redirect-remotes');
    const repo = new TestRepo(path.join(root, 'app'));
    const sha = repo.commit({ 'a.yaml': 'a: 1\n' });
    const target = await startGitHttpServer({ projectRoot: root });
    const redirector = await startGitHttpServer({
      projectRoot: root,
      redirectTo: target.url('').replace(/\/$/, ''),
    });
    try {
      const git = new GitCli({ cacheDir: tempDir('cache'), clock: fakeClock(), log: recordingLog() });
      assert.equal((await git.resolve(redirector.url('app'), {})).commit, sha);
      await rejectsWith(
        git.resolve(redirector.url('app'), {}, { bearerToken: 'tok-never-leaves' }),
        'KEELSON_UNAVAILABLE',
        `git ls-remote ${redirector.url('app')}: the remote redirects elsewhere, and credentials are never sent to a redirect: use the final url`,
      );
      assert.ok(target.requests.length > 0);
      assert.equal(
        target.requests.some((r) => r.authorization !== undefined),
        false,
      );
    } finally {
      await redirector.close();
      await target.close();
    }
  });

  it('times out a remote that never answers, naming the url', async () => {
    const server = await startGitHttpServer({ projectRoot: tempDir('hang'), hang: true });
    try {
      const git = new GitCli({
        cacheDir: tempDir('cache'),
        clock: fakeClock(),
        log: recordingLog(),
        timeoutMs: 500,
      });
      const url = server.url('app');
      await rejectsWith(
        git.resolve(url, {}),
        'KEELSON_TIMEOUT',
        `git ls-remote ${url}: timed out after 500ms`,
      );
    } finally {
      await server.close();
    }
  });

  it('stops when the signal aborts', async () => {
    const server = await startGitHttpServer({ projectRoot: tempDir('hang'), hang: true });
    try {
      const git = new GitCli({ cacheDir: tempDir('cache'), clock: fakeClock(), log: recordingLog() });
      const controller = new AbortController();
      const fetching = git.fetch(server.url('app'), {}, undefined, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(fetching, { name: 'AbortError' });
    } finally {
      await server.close();
    }
  });

  it('says when the git binary is missing', async () => {
    const git = new GitCli({
      cacheDir: tempDir('cache'),
      clock: fakeClock(),
      log: recordingLog(),
      gitBinary: '/nonexistent/git',
    });
    await rejectsWith(git.resolve('/tmp', {}), 'KEELSON_INTERNAL', 'git binary "/nonexistent/git" not found');
  });

  it('rebuilds an artifact whose directory was removed behind its back', async () => {
    const repo = new TestRepo(tempDir('rebuild'));
    repo.commit({ 'a.yaml': 'a: 1\n' });
    const git = new GitCli({ cacheDir: tempDir('cache'), clock: fakeClock(), log: recordingLog() });
    const first = await git.fetch(repo.dir, {});
    rmSync(first.dir, { recursive: true });
    const second = await git.fetch(repo.dir, {});
    assert.equal(second.reused, false);
    assert.equal(second.digest, first.digest);
    assert.equal(readFileSync(path.join(second.dir, 'a.yaml'), 'utf8'), 'a: 1\n');
  });
});
