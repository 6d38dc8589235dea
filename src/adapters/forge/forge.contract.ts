/**
 * The contract every `Forge` passes, with real git pushes over smart HTTP and a real webhook
 * receiver checking signatures with `verifyWebhook`. An implementation's test calls
 * `forgeContract` with a fixture that gives a forge acting as a site admin and makes users.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Forge, RepoRef } from './forge.ts';
import { verifyWebhook, type ForgeWebhook } from './webhooks.ts';

export interface ForgeFixture {
  /** A forge acting as a site admin. */
  admin: Forge;
  adminLogin: string;
  adminToken: string;
  /** Creates a user (member of `orgs`) and resolves with a forge acting as it, and its token. */
  user(login: string, orgs: string[]): Promise<{ forge: Forge; token: string }>;
  /** Resolves when the forge has attempted every webhook so far (deliveries are asynchronous). */
  settled(): Promise<void>;
}

export interface ForgeFactory {
  name: string;
  start(): Promise<ForgeFixture & { stop(): Promise<void> }>;
}

/** A local working copy pushing to the forge with a token as the HTTP password. */
// asynchronous on purpose: a forge may serve from this very process
const execGit = promisify(execFile);

class Clone {
  readonly dir: string;
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'keelson-forge-contract-'));
  }
  static async of(url: string, token: string): Promise<Clone> {
    const clone = new Clone();
    const auth = Buffer.from(`x-access-token:${token}`).toString('base64');
    await clone.git('init', '-q', '-b', 'main', '.');
    await clone.git('remote', 'add', 'origin', url);
    await clone.git('config', 'http.extraHeader', `Authorization: Basic ${auth}`);
    await clone.git('config', 'user.name', 'Contract');
    await clone.git('config', 'user.email', 'contract@example.com');
    return clone;
  }
  async git(...args: string[]): Promise<string> {
    const { stdout } = await execGit('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
      },
    });
    return stdout.trim();
  }
  async commit(files: Record<string, string>, message: string): Promise<string> {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(this.dir, name), content);
    await this.git('add', '-A');
    await this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }
}

interface Received {
  hooks: ForgeWebhook[];
  rejected: number;
}

async function startReceiver(secret: string): Promise<{ url: string; received: Received; server: Server }> {
  const received: Received = { hooks: [], rejected: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      verifyWebhook(secret, req.headers, Buffer.concat(chunks).toString('utf8')).then(
        (hook) => {
          received.hooks.push(hook);
          res.writeHead(204).end();
        },
        () => {
          received.rejected++;
          res.writeHead(401).end();
        },
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

async function rejects(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error & { code?: string }) => {
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

export function forgeContract(factory: ForgeFactory): void {
  describe(`${factory.name}: Forge contract`, () => {
    let fx: ForgeFixture & { stop(): Promise<void> };
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    const dirs: string[] = [];
    const secret = 'contract-secret';

    before(async () => {
      fx = await factory.start();
      receiver = await startReceiver(secret);
    });
    after(async () => {
      await fx.stop();
      receiver.server.closeAllConnections();
      await new Promise<void>((done) => receiver.server.close(() => done()));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    async function repoWithBranch(
      name: string,
    ): Promise<{ repo: RepoRef; clone: Clone; main: string; head: string }> {
      const created = await fx.admin.createRepository({ owner: 'acme', name, description: 'contract' });
      const repo = { owner: 'acme', name };
      await fx.admin.createWebhook(repo, { url: receiver.url, secret, events: ['*'] });
      const clone = await Clone.of(created.cloneUrl, fx.adminToken);
      dirs.push(clone.dir);
      const main = await clone.commit({ 'README.md': 'hello\n', 'app.yaml': 'replicas: 1\n' }, 'initial');
      await clone.git('push', '-q', 'origin', 'main');
      await clone.git('checkout', '-q', '-b', 'feature');
      const head = await clone.commit({ 'app.yaml': 'replicas: 2\n', 'new.txt': 'new\n' }, 'scale up');
      await clone.git('push', '-q', 'origin', 'feature');
      return { repo, clone, main, head };
    }

    function hooksFor(name: string): ForgeWebhook[] {
      return receiver.received.hooks.filter(
        (h) => (h.payload as { repository?: { name?: string } }).repository?.name === name,
      );
    }

    it('creates, gets and lists repositories; a missing one is KEELSON_NOT_FOUND', async () => {
      const me = await fx.admin.currentUser();
      assert.equal(me.login, fx.adminLogin);
      const created = await fx.admin.createRepository({ owner: 'acme', name: 'listed', description: 'd' });
      assert.equal(created.fullName, 'acme/listed');
      assert.equal(created.defaultBranch, 'main');
      assert.match(created.cloneUrl, /\/acme\/listed\.git$/);
      assert.deepEqual((await fx.admin.getRepository({ owner: 'acme', name: 'listed' })).id, created.id);
      assert.ok((await fx.admin.listRepositories()).some((r) => r.fullName === 'acme/listed'));
      await rejects(
        fx.admin.getRepository({ owner: 'acme', name: 'absent' }),
        'KEELSON_NOT_FOUND',
        /acme\/absent/,
      );
      await rejects(
        fx.admin.createRepository({ owner: 'acme', name: 'listed' }),
        'KEELSON_INVALID',
        /already exists/,
      );
    });

    it('opens a pull request with head and base shas, changed files and a mergeable state', async () => {
      const { repo, main, head } = await repoWithBranch('opened');
      const pr = await fx.admin.createPullRequest(repo, {
        title: 'Scale up',
        head: 'feature',
        base: 'main',
        body: 'why',
      });
      assert.equal(pr.number, 1);
      assert.equal(pr.state, 'open');
      assert.deepEqual(pr.head, { ref: 'feature', sha: head });
      assert.deepEqual(pr.base, { ref: 'main', sha: main });
      const got = await fx.admin.getPullRequest(repo, 1);
      assert.equal(got.mergeable, true);
      assert.equal(got.mergeableState, 'clean');
      const files = await fx.admin.listChangedFiles(repo, 1);
      assert.deepEqual(
        files.map((f) => [f.filename, f.status, f.additions, f.deletions]),
        [
          ['app.yaml', 'modified', 1, 1],
          ['new.txt', 'added', 1, 0],
        ],
      );
      assert.deepEqual(
        (await fx.admin.listPullRequests(repo)).map((p) => p.number),
        [1],
      );
      await rejects(
        fx.admin.createPullRequest(repo, { title: 'x', head: 'nope', base: 'main' }),
        'KEELSON_INVALID',
        /head/,
      );
      await rejects(fx.admin.getPullRequest(repo, 99), 'KEELSON_NOT_FOUND', /#99/);
    });

    it('a push to the head branch moves the pull request and sends synchronize', async () => {
      const { repo, clone } = await repoWithBranch('synced');
      await fx.admin.createPullRequest(repo, { title: 'Sync', head: 'feature', base: 'main' });
      const next = await clone.commit({ 'more.txt': 'more\n' }, 'more');
      await clone.git('push', '-q', 'origin', 'feature');
      assert.equal((await fx.admin.getPullRequest(repo, 1)).head.sha, next);
      await fx.settled();
      const hooks = hooksFor('synced');
      const sync = hooks.find((h) => h.name === 'pull_request' && h.payload.action === 'synchronize');
      assert.ok(sync && sync.name === 'pull_request', 'a synchronize webhook');
      assert.equal(sync.payload.pull_request.head.sha, next);
      const pushes = hooks.filter((h) => h.name === 'push');
      assert.deepEqual(
        pushes.map((h) => (h.name === 'push' ? h.payload.ref : '')),
        ['refs/heads/main', 'refs/heads/feature', 'refs/heads/feature'],
      );
      const opened = hooks.find((h) => h.name === 'pull_request' && h.payload.action === 'opened');
      assert.ok(opened, 'an opened webhook');
      assert.equal(receiver.received.rejected, 0, 'every delivery carries a valid signature');
    });

    it('keeps comments, labels, statuses and reviews, and sends their webhooks', async () => {
      const { repo, head } = await repoWithBranch('reviewed');
      await fx.admin.createPullRequest(repo, { title: 'Review me', head: 'feature', base: 'main' });
      const comment = await fx.admin.createComment(repo, 1, '/test all');
      assert.equal(comment.author, fx.adminLogin);
      const edited = await fx.admin.updateComment(repo, comment.id, '/retest');
      assert.equal(edited.body, '/retest');
      assert.deepEqual(
        (await fx.admin.listComments(repo, 1)).map((c) => c.body),
        ['/retest'],
      );
      await rejects(fx.admin.updateComment(repo, 424242, 'x'), 'KEELSON_NOT_FOUND', /424242/);
      const doomed = await fx.admin.createComment(repo, 1, 'short-lived');
      await fx.admin.deleteComment(repo, doomed.id);
      assert.deepEqual(
        (await fx.admin.listComments(repo, 1)).map((c) => c.body),
        ['/retest'],
      );
      await rejects(
        fx.admin.deleteComment(repo, doomed.id),
        'KEELSON_NOT_FOUND',
        new RegExp(String(doomed.id)),
      );

      assert.deepEqual(await fx.admin.addLabels(repo, 1, ['lgtm', 'approved']), ['lgtm', 'approved']);
      assert.deepEqual(await fx.admin.removeLabel(repo, 1, 'lgtm'), ['approved']);
      assert.deepEqual(await fx.admin.removeLabel(repo, 1, 'absent'), ['approved']);
      assert.deepEqual((await fx.admin.getPullRequest(repo, 1)).labels, ['approved']);

      assert.equal((await fx.admin.getCombinedStatus(repo, head)).state, 'pending');
      await fx.admin.createStatus(repo, head, { state: 'pending', context: 'unit', description: 'running' });
      await fx.admin.createStatus(repo, head, {
        state: 'success',
        context: 'unit',
        targetUrl: 'http://ci/1',
      });
      await fx.admin.createStatus(repo, head, { state: 'failure', context: 'lint' });
      const combined = await fx.admin.getCombinedStatus(repo, 'feature');
      assert.equal(combined.sha, head);
      assert.equal(combined.state, 'failure');
      assert.deepEqual(combined.statuses.map((s) => [s.context, s.state]).sort(), [
        ['lint', 'failure'],
        ['unit', 'success'],
      ]);

      const reviewer = await fx.user('reviewer', ['acme']);
      const review = await reviewer.forge.createReview(repo, 1, { event: 'APPROVE' });
      assert.equal(review.state, 'APPROVED');
      assert.equal(review.commitId, head);
      assert.deepEqual(
        (await fx.admin.listReviews(repo, 1)).map((r) => [r.author, r.state]),
        [['reviewer', 'APPROVED']],
      );

      await fx.settled();
      const names = hooksFor('reviewed').map((h) => (h.name === 'other' ? h.event : h.name));
      for (const name of ['issue_comment', 'status', 'pull_request_review'])
        assert.ok(names.includes(name), `a ${name} webhook (got ${names.join(', ')})`);
      const created = hooksFor('reviewed').find(
        (h) => h.name === 'issue_comment' && h.payload.action === 'created',
      );
      assert.ok(created && created.name === 'issue_comment');
      assert.equal(created.payload.comment.body, '/test all');
      assert.equal(created.payload.issue.number, 1);
      assert.ok(created.payload.issue.pull_request, 'the issue is a pull request');
    });

    it('answers membership and collaborator checks', async () => {
      await fx.admin.createRepository({ owner: 'acme', name: 'trust' });
      await fx.user('member', ['acme']);
      const stranger = await fx.user('stranger', []);
      assert.equal(await fx.admin.isOrgMember('acme', 'member'), true);
      assert.equal(await fx.admin.isOrgMember('acme', 'stranger'), false);
      assert.equal(await fx.admin.isOrgMember('acme', 'nobody-at-all'), false);
      assert.equal(await fx.admin.isCollaborator({ owner: 'acme', name: 'trust' }, 'member'), true);
      assert.equal(await fx.admin.isCollaborator({ owner: 'acme', name: 'trust' }, 'stranger'), false);
      const trust = { owner: 'acme', name: 'trust' };
      await stranger.forge.createRepository({ name: 'own' });
      assert.equal(await fx.admin.permission({ owner: 'stranger', name: 'own' }, 'stranger'), 'admin');
      assert.equal(await fx.admin.permission(trust, 'member'), 'write');
      assert.equal(await fx.admin.permission(trust, 'stranger'), 'read');
      assert.equal(await fx.admin.permission(trust, 'nobody-at-all'), 'none');
    });

    for (const method of ['merge', 'squash', 'rebase'] as const) {
      it(`merges by ${method}: the base moves, the pull request is merged and closed`, async () => {
        const { repo, clone, main, head } = await repoWithBranch(`merged-${method}`);
        // the base moves on, so every method has real work to do
        await clone.git('checkout', '-q', 'main');
        const moved = await clone.commit({ 'other.txt': 'other\n' }, 'other work');
        await clone.git('push', '-q', 'origin', 'main');
        await fx.admin.createPullRequest(repo, { title: `By ${method}`, head: 'feature', base: 'main' });
        await rejects(
          fx.admin.mergePullRequest(repo, 1, { method, sha: main }),
          'KEELSON_CONFLICT',
          /modified|head/i,
        );
        const result = await fx.admin.mergePullRequest(repo, 1, { method, sha: head });
        assert.equal(result.merged, true);
        const pr = await fx.admin.getPullRequest(repo, 1);
        assert.equal(pr.state, 'closed');
        assert.equal(pr.merged, true);
        assert.equal(pr.mergeCommitSha, result.sha);
        await clone.git('fetch', '-q', 'origin');
        assert.equal(await clone.git('rev-parse', 'origin/main'), result.sha);
        const parents = (await clone.git('log', '-1', '--format=%P', result.sha)).split(' ');
        const tree = (await clone.git('ls-tree', '--name-only', result.sha)).split('\n').sort();
        assert.deepEqual(tree, ['README.md', 'app.yaml', 'new.txt', 'other.txt']);
        if (method === 'merge') assert.deepEqual(parents, [moved, head]);
        else assert.equal(parents.length, 1);
        if (method === 'rebase')
          assert.equal(await clone.git('log', '-1', '--format=%s', result.sha), 'scale up');
        await fx.settled();
        const closed = hooksFor(`merged-${method}`).find(
          (h) => h.name === 'pull_request' && h.payload.action === 'closed',
        );
        assert.ok(
          closed && closed.name === 'pull_request' && closed.payload.pull_request.merged,
          'closed, merged',
        );
        await rejects(fx.admin.mergePullRequest(repo, 1, { method }), 'KEELSON_CONFLICT', /not mergeable/);
      });
    }

    it('refuses to merge a conflicting pull request and reports it not mergeable', async () => {
      const { repo, clone } = await repoWithBranch('conflict');
      await clone.git('checkout', '-q', 'main');
      await clone.commit({ 'app.yaml': 'replicas: 3\n' }, 'conflicting');
      await clone.git('push', '-q', 'origin', 'main');
      await fx.admin.createPullRequest(repo, { title: 'Conflict', head: 'feature', base: 'main' });
      const pr = await fx.admin.getPullRequest(repo, 1);
      assert.equal(pr.mergeable, false);
      assert.equal(pr.mergeableState, 'dirty');
      await rejects(
        fx.admin.mergePullRequest(repo, 1, { method: 'merge' }),
        'KEELSON_CONFLICT',
        /not mergeable/,
      );
      assert.equal((await fx.admin.closePullRequest(repo, 1)).state, 'closed');
      assert.deepEqual(await fx.admin.listPullRequests(repo, { state: 'open' }), []);
      assert.equal((await fx.admin.listPullRequests(repo, { state: 'closed' })).length, 1);
    });

    it('refuses writes from users without access', async () => {
      const { repo, head } = await repoWithBranch('guarded');
      await fx.admin.createPullRequest(repo, { title: 'Guarded', head: 'feature', base: 'main' });
      const stranger = await fx.user('outsider', []);
      await rejects(stranger.forge.addLabels(repo, 1, ['lgtm']), 'KEELSON_FORBIDDEN', /outsider/);
      await rejects(
        stranger.forge.createStatus(repo, head, { state: 'success', context: 'x' }),
        'KEELSON_FORBIDDEN',
        /outsider/,
      );
      await rejects(
        stranger.forge.mergePullRequest(repo, 1, { method: 'merge' }),
        'KEELSON_FORBIDDEN',
        /outsider/,
      );
      // anyone who can see the pull request may comment, as on GitHub
      assert.equal((await stranger.forge.createComment(repo, 1, '/ok-to-test')).author, 'outsider');
    });
  });
}
