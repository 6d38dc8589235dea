/**
 * The contract every GitSource passes, against real repositories made with the git CLI and a real
 * `git http-backend`. Each implementation's test file calls `gitSourceContract` with a factory.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { isGitError } from './git-error.ts';
import type { GitClock, GitLog, GitSource } from './source.ts';
import {
  fakeClock,
  recordingLog,
  removeTempDirs,
  startGitHttpServer,
  tempDir,
  TestRepo,
  type GitHttpServer,
} from './test-fixtures.ts';

export interface GitSourceFactory {
  name: string;
  make(deps: { cacheDir: string; clock: GitClock; log: GitLog }): GitSource;
}

/** Every file under `dir`, relative, sorted. */
export function listTree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listTree(dir, relative));
    else out.push(relative);
  }
  return out.sort();
}

/** Asserts that `promise` rejects with a GitError of `code` whose message matches `message`. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
  message: RegExp | string,
): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Error, 'expected a rejection');
  assert.equal((caught as { code?: string }).code, code, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  return caught;
}

export function gitSourceContract(factory: GitSourceFactory): void {
  describe(`${factory.name}: GitSource contract`, () => {
    let root: string;
    let app: TestRepo;
    const commits = { c1: '', c2: '', c3: '', c4: '' };
    const source = (clock: GitClock = fakeClock()): GitSource =>
      factory.make({ cacheDir: tempDir('cache'), clock, log: recordingLog() });

    before(() => {
      root = tempDir('remotes');
      app = new TestRepo(path.join(root, 'app'));
      commits.c1 = app.commit({ 'deploy/app.yaml': 'replicas: 1\n', 'README.md': '# app\n' }, 'one');
      app.tag('v1.0.0');
      commits.c2 = app.commit({ 'deploy/app.yaml': 'replicas: 2\n' }, 'two');
      app.tag('v1.1.0');
      app.git('branch', 'feature');
      commits.c3 = app.commit({ 'deploy/app.yaml': 'replicas: 3\n' }, 'three');
      app.tag('v2.0.0-rc.1');
      app.git('checkout', '-q', 'feature');
      commits.c4 = app.commit({ 'deploy/feature.yaml': 'feature: true\n' }, 'four');
      app.git('checkout', '-q', 'main');
      app.git('update-ref', 'refs/pull/1/head', commits.c4);
    });
    after(removeTempDirs);

    describe('resolve', () => {
      it('follows the remote HEAD when no ref is given', async () => {
        const resolved = await source().resolve(app.dir, {});
        assert.deepEqual(resolved, {
          url: app.dir,
          revision: `main@sha1:${commits.c3}`,
          commit: commits.c3,
          refName: 'refs/heads/main',
        });
        const trunk = new TestRepo(path.join(root, 'trunk'), 'trunk');
        const sha = trunk.commit({ 'a.yaml': 'a: 1\n' });
        assert.equal((await source().resolve(trunk.dir, {})).revision, `trunk@sha1:${sha}`);
      });

      it('resolves each ref kind to Flux revision strings', async () => {
        const s = source();
        assert.equal(
          (await s.resolve(app.dir, { branch: 'feature' })).revision,
          `feature@sha1:${commits.c4}`,
        );
        // annotated tags peel to their commit
        assert.equal((await s.resolve(app.dir, { tag: 'v1.0.0' })).revision, `v1.0.0@sha1:${commits.c1}`);
        assert.equal(
          (await s.resolve(app.dir, { name: 'refs/pull/1/head' })).revision,
          `refs/pull/1/head@sha1:${commits.c4}`,
        );
        assert.equal((await s.resolve(app.dir, { commit: commits.c2 })).revision, `sha1:${commits.c2}`);
        assert.equal(
          (await s.resolve(app.dir, { commit: commits.c2, branch: 'main' })).revision,
          `main@sha1:${commits.c2}`,
        );
      });

      it('applies Flux precedence: commit > name > semver > tag > branch', async () => {
        const s = source();
        const all = {
          branch: 'feature',
          tag: 'v1.0.0',
          semver: '>=1.0.0',
          name: 'refs/pull/1/head',
          commit: commits.c1,
        };
        assert.equal((await s.resolve(app.dir, all)).revision, `feature@sha1:${commits.c1}`);
        const { commit: _commit, ...noCommit } = all;
        assert.equal((await s.resolve(app.dir, noCommit)).revision, `refs/pull/1/head@sha1:${commits.c4}`);
        const { name: _name, ...noName } = noCommit;
        assert.equal((await s.resolve(app.dir, noName)).revision, `v1.1.0@sha1:${commits.c2}`);
        const { semver: _semver, ...noSemver } = noName;
        assert.equal((await s.resolve(app.dir, noSemver)).revision, `v1.0.0@sha1:${commits.c1}`);
      });

      it('picks the highest tag in a semver range, prereleases only when asked', async () => {
        const s = source();
        const tagOf = async (semver: string) => (await s.resolve(app.dir, { semver })).revision.split('@')[0];
        assert.equal(await tagOf('>=1.0.0'), 'v1.1.0');
        assert.equal(await tagOf('~1.0'), 'v1.0.0');
        assert.equal(await tagOf('>=1.0.0, <1.1.0'), 'v1.0.0');
        assert.equal(await tagOf('>=2.0.0-0'), 'v2.0.0-rc.1');
        await rejectsWith(
          s.resolve(app.dir, { semver: '>=3.0.0' }),
          'KEELSON_NOT_FOUND',
          `no tag in ${app.dir} matches semver range ">=3.0.0"`,
        );
      });

      it('names a missing ref and the remote', async () => {
        const s = source();
        await rejectsWith(
          s.resolve(app.dir, { branch: 'nope' }),
          'KEELSON_NOT_FOUND',
          `ref "refs/heads/nope" not found in ${app.dir}`,
        );
        await rejectsWith(
          s.resolve(app.dir, { tag: 'v9.9.9' }),
          'KEELSON_NOT_FOUND',
          `ref "refs/tags/v9.9.9" not found in ${app.dir}`,
        );
        await rejectsWith(
          s.resolve(app.dir, { commit: commits.c1, branch: 'gone' }),
          'KEELSON_NOT_FOUND',
          `ref "refs/heads/gone" not found in ${app.dir}`,
        );
        await rejectsWith(
          s.resolve(path.join(root, 'missing'), {}),
          'KEELSON_NOT_FOUND',
          `git ls-remote ${path.join(root, 'missing')}: repository not found`,
        );
      });

      it('refuses refs and urls that can never work', async () => {
        const s = source();
        await rejectsWith(s.resolve(app.dir, { semver: 'not a range' }), 'KEELSON_INVALID', /semver range/);
        await rejectsWith(s.resolve(app.dir, { commit: 'abc123' }), 'KEELSON_INVALID', /40-hex/);
        await rejectsWith(
          s.resolve(app.dir, { branch: '--upload-pack=touch' }),
          'KEELSON_INVALID',
          /not a valid/,
        );
        await rejectsWith(s.resolve(app.dir, { name: 'pull/1/head' }), 'KEELSON_INVALID', /refs\//);
        await rejectsWith(
          s.resolve('git@example.com:org/repo.git', {}),
          'KEELSON_INVALID',
          /unsupported git url/,
        );
        await rejectsWith(s.resolve('relative/path', {}), 'KEELSON_INVALID', /unsupported git url/);
        const error = await rejectsWith(
          s.resolve('https://user:hunter22@example.com/repo.git', {}),
          'KEELSON_INVALID',
          /carries credentials/,
        );
        assert.doesNotMatch(error.message, /hunter22/);
      });
    });

    describe('fetch', () => {
      it('materialises the tree of the revision without .git', async () => {
        const artifact = await source().fetch(app.dir, {});
        assert.equal(artifact.revision, `main@sha1:${commits.c3}`);
        assert.equal(artifact.commit, commits.c3);
        assert.match(artifact.digest, /^sha256:[0-9a-f]{64}$/);
        assert.equal(artifact.fetchedAt, '2026-01-01T00:00:00.000Z');
        assert.equal(artifact.reused, false);
        assert.deepEqual(listTree(artifact.dir), ['README.md', 'deploy/app.yaml']);
        assert.equal(readFileSync(path.join(artifact.dir, 'deploy/app.yaml'), 'utf8'), 'replicas: 3\n');
      });

      it('fetches every ref kind, and commits that are not at a tip', async () => {
        const s = source();
        const content = async (ref: Parameters<GitSource['fetch']>[1], file = 'deploy/app.yaml') =>
          readFileSync(path.join((await s.fetch(app.dir, ref)).dir, file), 'utf8');
        assert.equal(await content({ branch: 'feature' }, 'deploy/feature.yaml'), 'feature: true\n');
        assert.equal(await content({ tag: 'v1.0.0' }), 'replicas: 1\n');
        assert.equal(await content({ semver: '^1.0.0' }), 'replicas: 2\n');
        assert.equal(await content({ name: 'refs/pull/1/head' }, 'deploy/feature.yaml'), 'feature: true\n');
        // c1 is nobody's tip
        assert.equal(await content({ commit: commits.c1 }), 'replicas: 1\n');
        const onBranch = await s.fetch(app.dir, { commit: commits.c1, branch: 'main' });
        assert.equal(onBranch.revision, `main@sha1:${commits.c1}`);
        assert.equal(readFileSync(path.join(onBranch.dir, 'deploy/app.yaml'), 'utf8'), 'replicas: 1\n');
      });

      it('fetches a file:// url like the path', async () => {
        const s = source();
        const byPath = await s.fetch(app.dir, { tag: 'v1.1.0' });
        const byUrl = await s.fetch(`file://${app.dir}`, { tag: 'v1.1.0' });
        assert.equal(byUrl.url, `file://${app.dir}`);
        assert.equal(byUrl.commit, byPath.commit);
        assert.equal(byUrl.digest, byPath.digest);
      });

      it('rejects a commit that is missing, or not on the given branch', async () => {
        const s = source();
        const absent = 'f'.repeat(40);
        await rejectsWith(
          s.fetch(app.dir, { commit: absent }),
          'KEELSON_NOT_FOUND',
          new RegExp(`${absent}.*not found`),
        );
        await rejectsWith(
          s.fetch(app.dir, { commit: commits.c3, branch: 'feature' }),
          'KEELSON_NOT_FOUND',
          `commit "${commits.c3}" not found on branch "feature" in ${app.dir}`,
        );
        await rejectsWith(
          s.fetch(app.dir, { branch: 'nope' }),
          'KEELSON_NOT_FOUND',
          `ref "refs/heads/nope" not found in ${app.dir}`,
        );
      });

      it('skips the work when the head has not moved', async () => {
        const s = source();
        const first = await s.fetch(app.dir, { branch: 'main' });
        assert.equal((await s.resolve(app.dir, { branch: 'main' })).commit, first.commit);
        const second = await s.fetch(app.dir, { branch: 'main' });
        assert.equal(second.reused, true);
        assert.equal(second.dir, first.dir);
        assert.equal(second.digest, first.digest);
        // another ref to the same commit shares the artifact too
        const byTag = await s.fetch(app.dir, { tag: 'v2.0.0-rc.1' });
        assert.equal(byTag.reused, true);
        assert.equal(byTag.dir, first.dir);
        assert.equal(byTag.revision, `v2.0.0-rc.1@sha1:${commits.c3}`);
      });

      it('keeps the digest stable across caches and changes it with the content', async () => {
        const a = await source().fetch(app.dir, { tag: 'v1.0.0' });
        const b = await source().fetch(app.dir, { commit: commits.c1 });
        assert.equal(a.digest, b.digest);
        assert.notEqual(a.dir, b.dir);
        const c = await source().fetch(app.dir, { tag: 'v1.1.0' });
        assert.notEqual(c.digest, a.digest);
      });

      it('follows a force-pushed branch', async () => {
        const repo = new TestRepo(tempDir('force'));
        repo.commit({ 'app.yaml': 'v: 1\n' });
        const old = repo.commit({ 'app.yaml': 'v: 2\n' });
        const s = source();
        const before = await s.fetch(repo.dir, { branch: 'main' });
        assert.equal(before.commit, old);
        repo.git('reset', '-q', '--hard', 'HEAD~1');
        const rewritten = repo.commit({ 'app.yaml': 'v: rewritten\n' });
        assert.equal((await s.resolve(repo.dir, { branch: 'main' })).commit, rewritten);
        const after = await s.fetch(repo.dir, { branch: 'main' });
        assert.equal(after.commit, rewritten);
        assert.equal(after.reused, false);
        assert.equal(readFileSync(path.join(after.dir, 'app.yaml'), 'utf8'), 'v: rewritten\n');
        assert.notEqual(after.digest, before.digest);
      });

      it('excludes VCS files and the default list when the repository and spec give no rules', async () => {
        const repo = new TestRepo(tempDir('ignore-default'));
        repo.commit({
          '.gitignore': 'tmp/\n',
          '.gitattributes': '*.bin binary\n',
          '.github/workflows/ci.yml': 'on: push\n',
          'docs/logo.png': 'png',
          'deploy/app.yaml': 'a: 1\n',
          'deploy/.sops.yaml': 'creation_rules: []\n',
          'README.md': '# r\n',
        });
        const artifact = await source().fetch(repo.dir, {});
        assert.deepEqual(listTree(artifact.dir), ['README.md', 'deploy/app.yaml']);
      });

      it('lets spec.ignore replace the defaults and re-include paths', async () => {
        const repo = new TestRepo(tempDir('ignore-spec'));
        repo.commit({
          '.gitignore': 'tmp/\n',
          'deploy/app.yaml': 'a: 1\n',
          'deploy/icon.png': 'png',
          'deploy/notes.md': 'n\n',
          'src/main.go': 'package main\n',
          'README.md': '# r\n',
        });
        const s = source();
        const ignore = '# only the deploy folder\n/*\n!/deploy\n/deploy/**/*.md\n';
        const artifact = await s.fetch(repo.dir, {}, undefined, { ignore });
        assert.deepEqual(listTree(artifact.dir), ['deploy/app.yaml', 'deploy/icon.png']);
        // other rules, other artifact; the same rules again, the same artifact
        const plain = await s.fetch(repo.dir, {});
        assert.notEqual(plain.digest, artifact.digest);
        assert.deepEqual(listTree(plain.dir), [
          'README.md',
          'deploy/app.yaml',
          'deploy/notes.md',
          'src/main.go',
        ]);
        const again = await s.fetch(repo.dir, {}, undefined, { ignore });
        assert.equal(again.reused, true);
        assert.equal(again.dir, artifact.dir);
      });

      it('reads .sourceignore files, scoped to their directory', async () => {
        const repo = new TestRepo(tempDir('sourceignore'));
        repo.commit({
          '.sourceignore': '/scratch/\n',
          'deploy/.sourceignore': '*.md\n!keep.md\n',
          'deploy/app.yaml': 'a: 1\n',
          'deploy/notes.md': 'n\n',
          'deploy/keep.md': 'k\n',
          'deploy/sub/more.md': 'm\n',
          'scratch/x.yaml': 'x: 1\n',
          'logo.png': 'png',
          'README.md': '# r\n',
        });
        const artifact = await source().fetch(repo.dir, {});
        // a .sourceignore replaces the default list, so logo.png stays
        assert.deepEqual(listTree(artifact.dir), [
          '.sourceignore',
          'README.md',
          'deploy/.sourceignore',
          'deploy/app.yaml',
          'deploy/keep.md',
          'logo.png',
        ]);
        // spec.ignore comes last and wins
        const spec = await source().fetch(repo.dir, {}, undefined, { ignore: '!/deploy/notes.md\n' });
        assert.ok(listTree(spec.dir).includes('deploy/notes.md'));
      });

      it('keeps regular files only, with their executable bit in the digest', async () => {
        const repo = new TestRepo(tempDir('modes'));
        repo.commit({ 'run.sh': { content: 'echo hi\n', executable: false }, 'app.yaml': 'a: 1\n' });
        // a link out of the tree must not reach consumers of the artifact
        symlinkSync('/etc/hostname', path.join(repo.dir, 'link'));
        repo.commit({}, 'symlink');
        const s = source();
        const plain = await s.fetch(repo.dir, {});
        assert.deepEqual(listTree(plain.dir), ['app.yaml', 'run.sh']);
        repo.commit({ 'run.sh': { content: 'echo hi\n', executable: true } });
        const executable = await s.fetch(repo.dir, {});
        assert.notEqual(executable.digest, plain.digest);
      });

      it('garbage-collects artifacts nobody keeps, once their grace has passed', async () => {
        const clock = fakeClock();
        const s = source(clock);
        const old = await s.fetch(app.dir, { tag: 'v1.0.0' });
        const current = await s.fetch(app.dir, { tag: 'v1.1.0' });
        // just handed out: spared even though not kept
        assert.deepEqual((await s.prune([current.digest])).removed, []);
        clock.advance(24 * 60 * 60 * 1000);
        assert.deepEqual((await s.prune([current.digest])).removed, [old.digest]);
        assert.equal(existsSync(old.dir), false);
        assert.equal(existsSync(current.dir), true);
        const refetched = await s.fetch(app.dir, { tag: 'v1.0.0' });
        assert.equal(refetched.reused, false);
        assert.equal(refetched.digest, old.digest);
        assert.equal(existsSync(refetched.dir), true);
      });
    });

    describe('over http', () => {
      let server: GitHttpServer;
      let bearer: GitHttpServer;
      const basic = { username: 'deploy-bot', password: 'pw-9f8e7d6c5b' };
      const token = 'tok-0a1b2c3d4e5f';

      before(async () => {
        server = await startGitHttpServer({ projectRoot: root, basic });
        bearer = await startGitHttpServer({ projectRoot: root, bearerToken: token });
      });
      after(async () => {
        await server.close();
        await bearer.close();
      });

      it('resolves and fetches with basic auth', async () => {
        const s = source();
        const url = server.url('app');
        assert.equal((await s.resolve(url, {}, basic)).revision, `main@sha1:${commits.c3}`);
        const artifact = await s.fetch(url, { semver: '~1.0' }, basic);
        assert.equal(artifact.url, url);
        assert.equal(artifact.revision, `v1.0.0@sha1:${commits.c1}`);
        assert.equal(readFileSync(path.join(artifact.dir, 'deploy/app.yaml'), 'utf8'), 'replicas: 1\n');
        const older = await s.fetch(url, { commit: commits.c2 }, basic);
        assert.equal(readFileSync(path.join(older.dir, 'deploy/app.yaml'), 'utf8'), 'replicas: 2\n');
        assert.ok(server.requests.some((r) => r.status === 200 && r.path === '/app/git-upload-pack'));
      });

      it('fails clearly without credentials or with a wrong password, and never shows them', async () => {
        const s = source();
        const url = server.url('app');
        await rejectsWith(
          s.resolve(url, {}),
          'KEELSON_UNAUTHORIZED',
          `git ls-remote ${url}: authentication failed`,
        );
        const wrong = { username: basic.username, password: 'wrong-Secret-42' };
        const error = await rejectsWith(
          s.fetch(url, {}, wrong),
          'KEELSON_UNAUTHORIZED',
          `git ls-remote ${url}: authentication failed`,
        );
        assert.ok(isGitError(error));
        assert.equal(error.url, url);
        const everything = JSON.stringify({
          message: error.message,
          stderr: error.stderr,
          details: error.details,
        });
        for (const secret of [
          'wrong-Secret-42',
          Buffer.from(`${basic.username}:wrong-Secret-42`).toString('base64'),
        ]) {
          assert.equal(everything.includes(secret), false, `secret in ${everything}`);
        }
        assert.ok(server.requests.some((r) => r.status === 401));
      });

      it('sends a bearer token', async () => {
        const s = source();
        const url = bearer.url('app');
        const artifact = await s.fetch(url, { branch: 'feature' }, { bearerToken: token });
        assert.equal(artifact.revision, `feature@sha1:${commits.c4}`);
        await rejectsWith(
          s.resolve(url, {}, { bearerToken: 'not-the-token' }),
          'KEELSON_UNAUTHORIZED',
          `git ls-remote ${url}: authentication failed`,
        );
        await rejectsWith(s.resolve(url, {}, basic), 'KEELSON_UNAUTHORIZED', /authentication failed/);
      });

      it('says when the repository does not exist', async () => {
        const url = server.url('nothing-here');
        await rejectsWith(
          source().resolve(url, {}, basic),
          'KEELSON_NOT_FOUND',
          `git ls-remote ${url}: repository not found`,
        );
      });
    });
  });
}
