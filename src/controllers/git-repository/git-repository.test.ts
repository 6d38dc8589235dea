/**
 * The GitRepository controller against a real `keelson apiserver` process, real git repositories
 * (served from disk, or over HTTP by the real `git http-backend`) and the real GitCli.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { eventually, startServer, type ServerProcess } from '../../../test/e2e/harness.ts';
import { keelsonCrds, type GitRepository } from '../../api/crds/index.ts';
import type { KubeObject } from '../../api/meta.ts';
import { systemClock } from '../../base/clock.ts';
import { GitCli } from '../../adapters/git/index.ts';
import {
  recordingGit,
  removeTempDirs,
  startGitHttpServer,
  tempDir,
  TestRepo,
  type GitHttpServer,
} from '../../adapters/git/test-fixtures.ts';
import { KubeClient } from '../../runtime/client.ts';
import { findCondition } from '../../runtime/conditions.ts';
import type { Controller } from '../../runtime/controller.ts';
import { Manager } from '../../runtime/controller.ts';
import { InformerFactory } from '../../runtime/informer.ts';
import { gitRepositoryApiVersion, gitRepositoryFinalizer, requestedAtAnnotation } from './reconciler.ts';
import { gitRepositoryController } from './watches.ts';
import { gitRepositoryPushReceiver } from './webhook.ts';

const namespace = 'default';
const webhookSecret = 'hook-secret';

let server: ServerProcess;
let client: KubeClient;
let manager: Manager;
let controller: Controller;
let informers: InformerFactory;
let gitLog: string;
let httpRoot: string;
let gitHttp: GitHttpServer;
let authedGitHttp: GitHttpServer;
let hooks: Server;
let hooksUrl: string;

before(async () => {
  server = await startServer({ args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
  for (const crd of keelsonCrds) await client.create(crd as KubeObject);
  await eventually('the CRDs Established', async () => {
    for (const crd of keelsonCrds) {
      const name = (crd as KubeObject).metadata.name ?? '';
      const got = await client.get<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name,
      });
      if (!got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return false;
    }
    return true;
  });

  const recording = recordingGit(tempDir('calls'));
  gitLog = recording.logFile;
  const git = new GitCli({
    cacheDir: tempDir('cache'),
    clock: systemClock,
    log: () => {},
    gitBinary: recording.binary,
    // artifacts are released at once, so a deletion's prune can be seen
    pruneGraceMs: 0,
  });
  informers = new InformerFactory(client);
  controller = gitRepositoryController({
    client,
    informers,
    git,
    clock: systemClock,
    log: () => {},
    // retries wait long, so what a test sees at once came from a watch, the interval or a webhook
    backoff: { base: 30_000 },
  });
  manager = new Manager().add(controller);
  await manager.start();

  httpRoot = tempDir('served');
  gitHttp = await startGitHttpServer({ projectRoot: httpRoot });
  authedGitHttp = await startGitHttpServer({
    projectRoot: httpRoot,
    basic: { username: 'robot', password: 's3cret' },
  });
  const receiver = gitRepositoryPushReceiver({ controller, informers, secret: webhookSecret, log: () => {} });
  hooks = createServer(receiver);
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  hooksUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks/git`;
});

after(async () => {
  await manager.stop();
  await new Promise<void>((resolve) => hooks.close(() => resolve()));
  await gitHttp.close();
  await authedGitHttp.close();
  client.close();
  await server.stop();
  removeTempDirs();
});

function ref(name: string): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: gitRepositoryApiVersion, kind: 'GitRepository', namespace, name };
}

async function createGitRepository(name: string, spec: GitRepository['spec']): Promise<void> {
  await client.create<GitRepository>({
    apiVersion: gitRepositoryApiVersion,
    kind: 'GitRepository',
    metadata: { name, namespace },
    spec,
  });
}

async function get(name: string): Promise<GitRepository> {
  return client.get<GitRepository>(ref(name));
}

/** Waits for Ready=True at `revision` (any, when absent); returns the object. */
async function ready(name: string, revision?: string): Promise<GitRepository> {
  return eventually(`${name} Ready at ${revision ?? 'a revision'}`, async () => {
    const object = await get(name);
    const condition = findCondition(object.status, 'Ready');
    if (condition?.status !== 'True') return undefined;
    if (revision !== undefined && object.status?.artifact?.revision !== revision) return undefined;
    return object;
  });
}

async function remove(name: string): Promise<void> {
  await client.deleteIfExists(ref(name));
  // a cleanup, not a check of speed: under load one finalizer pass may fail and wait out the test
  // controller's deliberately long 30 s retry backoff
  await eventually(`${name} gone`, async () => (await client.tryGet(ref(name))) === undefined, 45_000);
}

/** How many times git ran `operation` against `url` (from the recording git's log). */
function gitRuns(operation: 'ls-remote' | 'fetch', url: string): number {
  return readFileSync(gitLog, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('start ') && line.includes(` ${operation} `))
    .filter((line) => line.includes(` ${url} `) || line.endsWith(` ${url}`)).length;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('GitRepository controller', () => {
  test('becomes Ready with the artifact of the branch head', async () => {
    const repo = new TestRepo(tempDir('ready'));
    const sha = repo.commit({ 'app/deploy.yaml': 'kind: ConfigMap # ready\n' });
    await createGitRepository('ready', { url: repo.dir, interval: '1h', ref: { branch: 'main' } });
    try {
      const object = await ready('ready');
      const artifact = object.status!.artifact!;
      assert.equal(artifact.revision, `main@sha1:${sha}`);
      assert.match(artifact.digest, /^sha256:[0-9a-f]{64}$/);
      assert.ok(artifact.path !== undefined && existsSync(path.join(artifact.path, 'app', 'deploy.yaml')));
      const condition = findCondition(object.status, 'Ready')!;
      assert.equal(condition.reason, 'Succeeded');
      assert.equal(condition.message, `stored artifact for revision 'main@sha1:${sha}'`);
      assert.equal(object.status!.observedGeneration, object.metadata.generation);
      assert.equal(findCondition(object.status, 'Reconciling'), undefined);
      assert.ok(object.metadata.finalizers?.includes(gitRepositoryFinalizer));
      await eventually('a NewArtifact event', async () => {
        const events = await client.list<KubeObject & { reason?: string; message?: string }>('v1', 'Event', {
          namespace,
        });
        return events.items.some(
          (e) =>
            (e.involvedObject as { name?: string }).name === 'ready' &&
            e.reason === 'NewArtifact' &&
            e.message?.includes(sha) === true,
        );
      });
    } finally {
      await remove('ready');
    }
  });

  test('picks up a new commit on the next interval, and does not refetch an unchanged one', async () => {
    const repo = new TestRepo(tempDir('poll'));
    repo.commit({ 'a.yaml': 'a: poll-1\n' });
    await createGitRepository('poll', { url: repo.dir, interval: '1s' });
    try {
      const first = await ready('poll');
      const fetches = gitRuns('fetch', repo.dir);
      const listings = gitRuns('ls-remote', repo.dir);
      await eventually('two more polls', async () => gitRuns('ls-remote', repo.dir) >= listings + 2);
      assert.equal(gitRuns('fetch', repo.dir), fetches, 'an unchanged revision is not fetched again');
      assert.deepEqual((await get('poll')).status?.artifact, first.status?.artifact);

      const next = repo.commit({ 'a.yaml': 'a: poll-2\n' });
      const moved = await ready('poll', `main@sha1:${next}`);
      assert.notEqual(moved.status?.artifact?.path, first.status?.artifact?.path);
      assert.notEqual(moved.status?.artifact?.digest, first.status?.artifact?.digest);
    } finally {
      await remove('poll');
    }
  });

  test('a missing branch is Ready=False naming the ref and the url', async () => {
    const repo = new TestRepo(tempDir('missing'));
    repo.commit({ 'a.yaml': 'a: missing\n' });
    await createGitRepository('missing', { url: repo.dir, interval: '1h', ref: { branch: 'nope' } });
    try {
      const object = await eventually('Ready=False', async () => {
        const o = await get('missing');
        return findCondition(o.status, 'Ready')?.status === 'False' ? o : undefined;
      });
      const condition = findCondition(object.status, 'Ready')!;
      assert.equal(condition.reason, 'GitOperationFailed');
      assert.match(condition.message ?? '', /refs\/heads\/nope/);
      assert.ok(condition.message?.includes(repo.dir), condition.message);
      assert.equal(findCondition(object.status, 'Reconciling')?.reason, 'ProgressingWithRetry');
      assert.equal(findCondition(object.status, 'Stalled'), undefined, 'a missing branch may appear');
    } finally {
      await remove('missing');
    }
  });

  test('an invalid ref is Stalled', async () => {
    const repo = new TestRepo(tempDir('invalid'));
    repo.commit({ 'a.yaml': 'a: invalid\n' });
    await createGitRepository('invalid', { url: repo.dir, interval: '1h', ref: { branch: 'two..dots' } });
    try {
      const object = await eventually('Stalled', async () => {
        const o = await get('invalid');
        return findCondition(o.status, 'Stalled')?.status === 'True' ? o : undefined;
      });
      const condition = findCondition(object.status, 'Ready')!;
      assert.equal(condition.status, 'False');
      assert.equal(condition.reason, 'InvalidRef');
      assert.match(condition.message ?? '', /two\.\.dots/);
    } finally {
      await remove('invalid');
    }
  });

  test('suspend stops reconciling, and resuming catches up', async () => {
    const repo = new TestRepo(tempDir('suspend'));
    const sha = repo.commit({ 'a.yaml': 'a: suspend-1\n' });
    await createGitRepository('suspended', { url: repo.dir, interval: '500ms' });
    try {
      await ready('suspended', `main@sha1:${sha}`);
      await client.patch(ref('suspended'), { spec: { suspend: true } });
      await sleep(1_000); // a poll already scheduled may still run once
      const listings = gitRuns('ls-remote', repo.dir);
      repo.commit({ 'a.yaml': 'a: suspend-2\n' });
      await sleep(1_500);
      assert.equal(gitRuns('ls-remote', repo.dir), listings, 'no git runs while suspended');
      assert.equal((await get('suspended')).status?.artifact?.revision, `main@sha1:${sha}`);

      await client.patch(ref('suspended'), { spec: { suspend: false } });
      await ready('suspended', `main@sha1:${repo.head()}`);
    } finally {
      await remove('suspended');
    }
  });

  test('deleting releases the artifact and removes the finalizer', async () => {
    const repo = new TestRepo(tempDir('delete'));
    repo.commit({ 'a.yaml': 'a: delete\n' });
    await createGitRepository('deleted', { url: repo.dir, interval: '1h' });
    const object = await ready('deleted');
    assert.ok(object.metadata.finalizers?.includes(gitRepositoryFinalizer));
    const artifactPath = object.status!.artifact!.path!;
    assert.ok(existsSync(artifactPath));
    await client.delete(ref('deleted'));
    await eventually('the object gone', async () => (await client.tryGet(ref('deleted'))) === undefined);
    assert.equal(existsSync(artifactPath), false, 'the artifact nobody references is pruned');
  });

  test('the requestedAt annotation reconciles at once and is recorded', async () => {
    const repo = new TestRepo(tempDir('requested'));
    repo.commit({ 'a.yaml': 'a: requested-1\n' });
    await createGitRepository('requested', { url: repo.dir, interval: '1h' });
    try {
      await ready('requested');
      const next = repo.commit({ 'a.yaml': 'a: requested-2\n' });
      const at = new Date().toISOString();
      await client.patch(ref('requested'), { metadata: { annotations: { [requestedAtAnnotation]: at } } });
      const object = await ready('requested', `main@sha1:${next}`);
      await eventually('lastHandledReconcileAt', async () =>
        (await get('requested')).status?.lastHandledReconcileAt === at ? true : undefined,
      );
      assert.equal(object.metadata.annotations?.[requestedAtAnnotation], at);
    } finally {
      await remove('requested');
    }
  });

  test('credentials come from spec.secretRef, and a Secret change retries at once', async () => {
    const repo = new TestRepo(path.join(httpRoot, 'private'));
    const sha = repo.commit({ 'a.yaml': 'a: private\n' });
    const url = authedGitHttp.url('private');
    await createGitRepository('private', { url, interval: '1h', secretRef: { name: 'git-creds' } });
    const secretRef = { apiVersion: 'v1', kind: 'Secret', namespace, name: 'git-creds' };
    const notReady = (pattern: RegExp) =>
      eventually(`Ready=False matching ${pattern}`, async () => {
        const condition = findCondition((await get('private')).status, 'Ready');
        return condition?.status === 'False' && pattern.test(condition.message ?? '') ? condition : undefined;
      });
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    try {
      const missing = await notReady(/secret default\/git-creds/);
      assert.equal(missing.reason, 'AuthenticationFailed');
      assert.ok(missing.message?.includes(url), missing.message);

      await client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'git-creds', namespace },
        data: { username: b64('robot'), password: b64('wrong') },
      });
      const refused = await notReady(/authentication failed/);
      assert.equal(refused.reason, 'AuthenticationFailed');
      assert.ok(refused.message?.includes(url), refused.message);
      assert.ok(!refused.message?.includes('wrong'), 'no secret in the message');

      await client.patch(secretRef, { data: { password: b64('s3cret') } });
      await ready('private', `main@sha1:${sha}`);
    } finally {
      await remove('private');
      await client.deleteIfExists(secretRef);
    }
  });

  test('a signed push webhook reconciles at once; a bad or missing signature does nothing', async () => {
    const repo = new TestRepo(path.join(httpRoot, 'hooked'));
    const sha = repo.commit({ 'a.yaml': 'a: hooked-1\n' });
    const url = gitHttp.url('hooked');
    await createGitRepository('hooked', { url, interval: '1h', ref: { branch: 'main' } });
    try {
      await ready('hooked', `main@sha1:${sha}`);
      const next = repo.commit({ 'a.yaml': 'a: hooked-2\n' });
      const body = JSON.stringify({
        ref: 'refs/heads/main',
        after: next,
        repository: { clone_url: `${url}.git`, html_url: url, ssh_url: 'git@127.0.0.1:hooked.git' },
      });
      const post = (signature?: string): Promise<Response> =>
        fetch(hooksUrl, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-GitHub-Event': 'push',
            ...(signature !== undefined && { 'X-Hub-Signature-256': signature }),
          },
          body,
        });
      const listings = gitRuns('ls-remote', url);
      const forged = createHmac('sha256', 'not-the-secret').update(body).digest('hex');
      assert.equal((await post(`sha256=${forged}`)).status, 401);
      assert.equal((await post()).status, 401);
      await sleep(500);
      assert.equal(gitRuns('ls-remote', url), listings, 'nothing reconciled');
      assert.equal((await get('hooked')).status?.artifact?.revision, `main@sha1:${sha}`);

      const signed = createHmac('sha256', webhookSecret).update(body).digest('hex');
      const accepted = await post(`sha256=${signed}`);
      assert.equal(accepted.status, 200);
      assert.deepEqual(await accepted.json(), { triggered: ['default/hooked'] });
      await ready('hooked', `main@sha1:${next}`);
    } finally {
      await remove('hooked');
    }
  });
});
