/**
 * The JobRun controller against a real `keelson apiserver --process-pods`: pods really run as local
 * processes, and decorated jobs clone a real git repository on disk (refs.clone_uri) with the git CLI.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { eventually, kubectl, startServer, type ServerProcess } from '../../../test/e2e/harness.ts';
import { keelsonCrds, type JobRun, type JobRunSpec } from '../../api/crds/index.ts';
import type { PodSpec } from '../../api/ci/types.ts';
import type { KubeObject } from '../../api/meta.ts';
import { systemClock } from '../../base/clock.ts';
import {
  removeTempDirs,
  startGitHttpServer,
  tempDir,
  TestRepo,
  type GitHttpServer,
} from '../../adapters/git/test-fixtures.ts';
import { KubeClient } from '../../runtime/client.ts';
import { findCondition } from '../../runtime/conditions.ts';
import { Manager } from '../../runtime/controller.ts';
import type { EventSink } from '../../runtime/events.ts';
import { InformerFactory } from '../../runtime/informer.ts';
import { jobRunController } from './watches.ts';
import { ciApiVersion } from '../../api/crds/ci.ts';

let server: ServerProcess;
let client: KubeClient;
let manager: Manager;
let repo: TestRepo;
let baseSha: string;
let prSha: string;
let laterBaseSha: string;
/** The repository again, served over smart HTTP with basic auth at `<base>acme/app.git`. */
let forge: GitHttpServer;
const events: { name: string; reason: string; message: string }[] = [];
const recorder: EventSink = {
  event(object, _type, reason, message) {
    events.push({ name: object.metadata.name ?? '', reason, message });
  },
};

before(async () => {
  repo = new TestRepo(path.join(tempDir('jobrun'), 'repo'));
  baseSha = repo.commit({ 'hello.txt': 'hello\n' }, 'base');
  repo.git('checkout', '-q', '-b', 'pr-1');
  prSha = repo.commit({ 'pr.txt': 'from the pull request\n' }, 'the change');
  repo.git('checkout', '-q', 'main');
  laterBaseSha = repo.commit({ 'later.txt': 'merged meanwhile\n' }, 'later base');

  const projectRoot = tempDir('forge');
  execFileSync('git', ['clone', '-q', '--bare', repo.dir, path.join(projectRoot, 'acme', 'app.git')]);
  forge = await startGitHttpServer({ projectRoot, basic: { username: 'ci', password: 's3cret' } });

  server = await startServer({ tls: true, args: ['--process-pods'] });
  client = KubeClient.fromFile(server.kubeconfig);
  for (const crd of keelsonCrds) await client.create(crd as KubeObject);
  await eventually('the CRDs Established', async () => {
    for (const crd of keelsonCrds) {
      const got = await client.get<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name: (crd as KubeObject).metadata.name ?? '',
      });
      if (!got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return false;
    }
    return true;
  });
  const informers = new InformerFactory(client);
  manager = new Manager().add(
    jobRunController({
      client,
      informers,
      clock: systemClock,
      log: () => {},
      events: recorder,
      cloneBase: forge.url(''),
      cloneSecret: 'git-auth',
    }),
  );
  await manager.start();
});

after(async () => {
  await manager?.stop();
  client?.close();
  await server?.stop();
  await forge?.close();
  removeTempDirs();
});

async function namespace(name: string): Promise<string> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

async function createRun(ns: string, name: string, spec: JobRunSpec): Promise<JobRun> {
  return client.create<JobRun>({
    apiVersion: ciApiVersion,
    kind: 'JobRun',
    metadata: { name, namespace: ns },
    spec,
  });
}

async function getRun(ns: string, name: string): Promise<JobRun | undefined> {
  return client.tryGet<JobRun>({ apiVersion: ciApiVersion, kind: 'JobRun', namespace: ns, name });
}

async function until(ns: string, name: string, what: string, ok: (run: JobRun) => boolean): Promise<JobRun> {
  return eventually(
    `jobrun ${ns}/${name} ${what}`,
    async () => {
      const run = await getRun(ns, name);
      return run !== undefined && ok(run) ? run : undefined;
    },
    60_000,
  );
}

const finished = (run: JobRun): boolean => run.status?.completionTime !== undefined;

function shell(script: string): PodSpec {
  return { containers: [{ image: 'busybox', command: ['/bin/sh', '-c', script] }] };
}

async function pod(
  ns: string,
  name: string,
): Promise<(KubeObject & { status?: { phase?: string } }) | undefined> {
  return client.tryGet({ apiVersion: 'v1', kind: 'Pod', namespace: ns, name });
}

describe('jobrun controller', { concurrency: true }, () => {
  test('a presubmit clones the base merged with the pull, runs with Prow env and succeeds', async () => {
    const ns = await namespace('presubmit');
    await createRun(ns, 'unit-1', {
      type: 'presubmit',
      job: 'unit',
      refs: {
        org: 'acme',
        repo: 'app',
        base_ref: 'main',
        base_sha: laterBaseSha,
        clone_uri: repo.dir,
        pulls: [{ number: 1, author: 'alice', sha: prSha, ref: 'refs/heads/pr-1' }],
      },
      decoration_config: { timeout: '5m', grace_period: '5s' },
      pod_spec: shell(
        [
          'set -eux',
          'grep -q hello hello.txt',
          'grep -q "from the pull request" pr.txt',
          'grep -q meanwhile later.txt',
          'test "$JOB_NAME" = unit',
          'test "$JOB_TYPE" = presubmit',
          'test "$PULL_NUMBER" = 1',
          `test "$PULL_PULL_SHA" = ${prSha}`,
          'test "$REPO_OWNER/$REPO_NAME" = acme/app',
          'test "$CI" = true',
          'test "$PROW_JOB_ID" = unit-1',
          'test -n "$BUILD_ID"',
          'echo "$JOB_SPEC" | grep -q \'"job":"unit"\'',
          'git rev-parse HEAD^2 > "$ARTIFACTS/merged-pull"',
          'pwd | grep -q src/github.com/acme/app',
          'echo all checks passed',
        ].join('\n'),
      ),
    });
    const run = await until(ns, 'unit-1', 'finished', finished);
    assert.equal(run.status?.state, 'success', run.status?.description);
    assert.equal(run.status?.pod_name, 'unit-1');
    assert.match(run.status?.build_id ?? '', /^\d+$/);
    assert.ok(run.status?.startTime && run.status.pendingTime && run.status.completionTime);
    assert.equal(findCondition(run.status, 'Ready')?.status, 'True');
    assert.match(run.status?.url ?? '', /logs -n presubmit unit-1/);
    const log = await kubectl(server.kubeconfig, ['logs', '-n', ns, 'unit-1', '-c', 'test']);
    assert.match(log.stdout, /all checks passed/, log.stderr);
    const clone = await kubectl(server.kubeconfig, ['logs', '-n', ns, 'unit-1', '-c', 'clonerefs']);
    assert.match(clone.stdout, new RegExp(`merging #1 at ${prSha}`));
    // the base is checked out at base_sha, the pull merged with --no-ff
    assert.notEqual(baseSha, laterBaseSha);
  });

  test('refs without clone_uri are cloned from the clone base with the clone Secret', async () => {
    const ns = await namespace('forge');
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'git-auth', namespace: ns },
      stringData: { username: 'ci', password: 's3cret' },
    });
    await createRun(ns, 'build-1', {
      type: 'postsubmit',
      job: 'build',
      refs: { org: 'acme', repo: 'app', base_ref: 'main', base_sha: laterBaseSha },
      decoration_config: {},
      pod_spec: shell('grep -q meanwhile later.txt && test ! -e pr.txt'),
    });
    const run = await until(ns, 'build-1', 'finished', finished);
    assert.equal(run.status?.state, 'success', run.status?.description);
    assert.ok(forge.requests.some((r) => r.path.startsWith('/acme/app.git/') && r.status === 200));
  });

  test('a failing command ends in failure', async () => {
    const ns = await namespace('failing');
    await createRun(ns, 'lint-1', {
      type: 'periodic',
      job: 'lint',
      decoration_config: {},
      pod_spec: shell('echo broken; exit 3'),
    });
    const run = await until(ns, 'lint-1', 'finished', finished);
    assert.equal(run.status?.state, 'failure');
    assert.match(run.status?.description ?? '', /exit code 3/);
    assert.equal(findCondition(run.status, 'Ready')?.status, 'False');
    assert.ok(events.some((e) => e.name === 'lint-1' && e.reason === 'Failed'));
  });

  test('a job past its timeout is stopped after the grace period and fails', async () => {
    const ns = await namespace('timeout');
    await createRun(ns, 'slow-1', {
      type: 'periodic',
      job: 'slow',
      decoration_config: { timeout: '2s', grace_period: '1s' },
      pod_spec: shell('trap "echo got SIGTERM; exit 1" TERM; while true; do sleep 0.2; done'),
    });
    const run = await until(ns, 'slow-1', 'finished', finished);
    assert.equal(run.status?.state, 'failure');
    assert.equal(findCondition(run.status, 'Ready')?.reason, 'TimedOut');
    assert.match(run.status?.description ?? '', /timed out after 2s/);
  });

  test("a pod running past pod_running_timeout is deleted and the run aborted (Prow's plank)", async () => {
    const ns = await namespace('running-timeout');
    await createRun(ns, 'stuck-1', {
      type: 'periodic',
      job: 'stuck',
      decoration_config: { timeout: '10m', pod_running_timeout: '2s' },
      pod_spec: shell('sleep 60'),
    });
    const run = await until(ns, 'stuck-1', 'finished', finished);
    assert.equal(run.status?.state, 'aborted');
    assert.equal(run.status?.description, 'Pod running timeout.');
    await eventually('the pod deleted', async () => (await pod(ns, 'stuck-1')) === undefined);
  });

  test('a pod no node takes past pod_unscheduled_timeout ends in error', async () => {
    const ns = await namespace('unscheduled');
    await createRun(ns, 'nowhere-1', {
      type: 'periodic',
      job: 'nowhere',
      decoration_config: { pod_unscheduled_timeout: '2s' },
      pod_spec: { ...shell('true'), nodeSelector: { 'keelson.dev/no-such-node': 'true' } },
    });
    const run = await until(ns, 'nowhere-1', 'finished', finished);
    assert.equal(run.status?.state, 'error');
    assert.equal(run.status?.description, 'Pod scheduling timeout.');
  });

  test('a pod spec that cannot run ends in error', async () => {
    const ns = await namespace('broken');
    await createRun(ns, 'empty-1', { type: 'periodic', job: 'empty', pod_spec: { containers: [] } });
    const run = await until(ns, 'empty-1', 'finished', finished);
    assert.equal(run.status?.state, 'error');
    assert.match(run.status?.description ?? '', /no containers/);
  });

  test('a command that cannot start ends in error', async () => {
    const ns = await namespace('nostart');
    await createRun(ns, 'missing-1', {
      type: 'periodic',
      job: 'missing',
      pod_spec: { containers: [{ image: 'busybox', command: ['keelson-no-such-command'] }] },
    });
    const run = await until(ns, 'missing-1', 'finished', finished);
    assert.equal(run.status?.state, 'error');
    assert.match(run.status?.description ?? '', /could not start.*keelson-no-such-command/);
  });

  test('an aborted run has its pod deleted and a completion time', async () => {
    const ns = await namespace('abort');
    await createRun(ns, 'long-1', { type: 'postsubmit', job: 'long', pod_spec: shell('sleep 600') });
    await eventually(
      'the pod running',
      async () => (await pod(ns, 'long-1'))?.status?.phase === 'Running',
      60_000,
    );
    await client.patchStatus(
      { apiVersion: ciApiVersion, kind: 'JobRun', namespace: ns, name: 'long-1' },
      {
        state: 'aborted',
      },
    );
    const run = await until(ns, 'long-1', 'finished', finished);
    assert.equal(run.status?.state, 'aborted');
    assert.equal(run.status?.description, 'Job was aborted.');
    await eventually('the pod deleted', async () => (await pod(ns, 'long-1')) === undefined, 60_000);
  });

  test('a newer presubmit of the same job and pull aborts the older one', async () => {
    const ns = await namespace('supersede');
    const spec = (script: string): JobRunSpec => ({
      type: 'presubmit',
      job: 'e2e',
      refs: { org: 'acme', repo: 'app', base_ref: 'main', pulls: [{ number: 7, author: 'bob', sha: prSha }] },
      pod_spec: shell(script),
    });
    await createRun(ns, 'e2e-old', spec('sleep 600'));
    await until(ns, 'e2e-old', 'pending', (r) => r.status?.state === 'pending');
    await createRun(ns, 'e2e-new', spec('true'));
    const old = await until(ns, 'e2e-old', 'finished', finished);
    assert.equal(old.status?.state, 'aborted');
    assert.match(old.status?.description ?? '', /superseded by e2e-new/);
    const fresh = await until(ns, 'e2e-new', 'finished', finished);
    assert.equal(fresh.status?.state, 'success');
    await eventually('the old pod deleted', async () => (await pod(ns, 'e2e-old')) === undefined, 60_000);
  });

  test('max_concurrency 1 keeps the second run triggered until the first ends', async () => {
    const ns = await namespace('concurrency');
    const gate = path.join(tempDir('gate'), 'open');
    const spec: JobRunSpec = {
      type: 'postsubmit',
      job: 'deploy',
      max_concurrency: 1,
      pod_spec: shell(`while [ ! -f ${gate} ]; do sleep 0.1; done`),
    };
    await createRun(ns, 'deploy-a', spec);
    await until(ns, 'deploy-a', 'pending', (r) => r.status?.state === 'pending');
    await createRun(ns, 'deploy-b', spec);
    const waiting = await until(ns, 'deploy-b', 'waiting', (r) =>
      /max_concurrency 1/.test(r.status?.description ?? ''),
    );
    assert.equal(waiting.status?.state, 'triggered');
    assert.equal(await pod(ns, 'deploy-b'), undefined);
    assert.equal((await getRun(ns, 'deploy-a'))?.status?.state, 'pending');
    writeFileSync(gate, '');
    const a = await until(ns, 'deploy-a', 'finished', finished);
    assert.equal(a.status?.state, 'success');
    const b = await until(ns, 'deploy-b', 'finished', finished);
    assert.equal(b.status?.state, 'success');
    assert.ok(Date.parse(b.status?.pendingTime ?? '') >= Date.parse(a.status?.completionTime ?? ''));
    assert.ok(existsSync(gate));
  });

  test('finished runs past their age are collected, except the latest of each periodic', async () => {
    const ns = await namespace('gc');
    for (const [name, type, job] of [
      ['nightly-1', 'periodic', 'nightly'],
      ['nightly-2', 'periodic', 'nightly'],
      ['post-1', 'postsubmit', 'build'],
    ] as const) {
      await createRun(ns, name, { type, job, pod_spec: shell('true') });
      await until(ns, name, 'finished', finished);
    }
    const age = (name: string, day: number) =>
      client.patchStatus(
        { apiVersion: ciApiVersion, kind: 'JobRun', namespace: ns, name },
        {
          startTime: `2020-01-0${day}T00:00:00Z`,
          completionTime: `2020-01-0${day}T00:01:00Z`,
        },
      );
    await age('nightly-1', 1);
    await age('nightly-2', 2);
    await age('post-1', 1);
    await eventually(
      'nightly-1 collected',
      async () => (await getRun(ns, 'nightly-1')) === undefined,
      60_000,
    );
    await eventually('post-1 collected', async () => (await getRun(ns, 'post-1')) === undefined, 60_000);
    assert.equal((await getRun(ns, 'nightly-2'))?.status?.state, 'success');
    await eventually(
      "the collected run's pod gone",
      async () => (await pod(ns, 'nightly-1')) === undefined,
      60_000,
    );
  });
});
