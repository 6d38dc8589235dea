/**
 * CI triggers and reporting end to end: a real API server, the real built-in forge (git pushes
 * over smart HTTP, GitHub-format signed webhooks to the trigger) and GithubForge as the bot's
 * client. The test plays the job runner by setting JobRun states itself.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { GithubForge, signWebhook } from '../../src/adapters/forge/index.ts';
import { GitRepoReader } from '../../src/adapters/forge/repo-reader.ts';
import { jobRunLabels, type JobState } from '../../src/api/ci/index.ts';
import type { JobRun } from '../../src/api/crds/ci.ts';
import { keelsonCrds } from '../../src/api/crds/index.ts';
import { systemClock } from '../../src/base/clock.ts';
import { ciReportController } from '../../src/controllers/ci-report/index.ts';
import {
  ciWebhookHandler,
  inRepoConfigContext,
  JobSource,
  needsOkToTestLabel,
  PeriodicScheduler,
  overriddenByAnnotation,
  Trigger,
} from '../../src/controllers/ci-trigger/index.ts';
import { startForge, type RunningForge } from '../../src/forge/server.ts';
import { KubeClient } from '../../src/runtime/client.ts';
import type { Controller } from '../../src/runtime/controller.ts';
import { applyCrds } from '../../src/runtime/crds.ts';
import { InformerFactory } from '../../src/runtime/informer.ts';
import { eventually, startServer, tempDir, type ServerProcess } from './harness.ts';

const run = promisify(execFile);
const secret = 'ci-hook-secret';
const namespace = 'default';
const log = (message: string, fields?: Record<string, unknown>): void => {
  if (process.env['CI_TEST_LOG']) console.error(message, JSON.stringify(fields ?? {}));
};
const jobRunRef = { apiVersion: 'ci.keelson.dev/v1', kind: 'JobRun' };

const spec = `spec:
      containers:
        - image: alpine
          command: [sh, -c, "true"]`;
const prowYaml = `presubmits:
  - name: unit
    always_run: true
    ${spec}
  - name: lint
    always_run: true
    optional: true
    ${spec}
  - name: docs
    run_if_changed: '^docs/'
    ${spec}
postsubmits:
  - name: deploy
    branches: ['^main$']
    ${spec}
`;

let apiServer: ServerProcess;
let client: KubeClient;
let forge: RunningForge;
let bot: GithubForge;
let alice: GithubForge;
let mallory: GithubForge;
let root: GithubForge;
let aliceToken: string;
let trigger: Trigger;
let jobs: JobSource;
let informers: InformerFactory;
let reporter: Controller;
let work: string;
const servers: Server[] = [];
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
let hookUrl: string;
const slackMessages: { channel?: string; text: string }[] = [];
const repo = { owner: 'acme', name: 'app' };

async function listen(fn: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(fn);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=Alice', '-c', 'user.email=alice@example.com', ...args],
    {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
    },
  );
  return stdout.trim();
}

/** Commits `files` on `branch` (created from `from`) and pushes it; resolves with the commit sha. */
async function commitAndPush(branch: string, files: Record<string, string>, from?: string): Promise<string> {
  if (from !== undefined) await git(work, 'checkout', '-q', '-B', branch, from);
  else await git(work, 'checkout', '-q', '-B', branch);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  await git(work, 'add', '-A');
  await git(work, 'commit', '-q', '-m', `change ${branch}`);
  await git(work, 'push', '-q', 'origin', `${branch}:refs/heads/${branch}`);
  await forge.webhooksIdle();
  return git(work, 'rev-parse', 'HEAD');
}

async function runsOf(selector: Record<string, string>): Promise<JobRun[]> {
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = await client.list<JobRun>(jobRunRef.apiVersion, 'JobRun', { namespace, labelSelector });
  return list.items.sort((a, b) =>
    (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
  );
}

function pullRuns(number: number): Promise<JobRun[]> {
  return runsOf({ [jobRunLabels.pull]: String(number), [jobRunLabels.repo]: 'app' });
}

async function setState(run: JobRun, state: JobState): Promise<void> {
  await client.patchStatus(
    { ...jobRunRef, namespace, name: run.metadata.name ?? '' },
    {
      state,
      ...(state === 'success' || state === 'failure'
        ? { completionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }
        : {}),
    },
  );
}

function jobNames(runs: JobRun[]): string[] {
  return runs.map((r) => r.spec.job).sort();
}

before(async () => {
  apiServer = await startServer({ args: ['--no-node'] });
  client = KubeClient.fromFile(apiServer.kubeconfig);
  await applyCrds(client, keelsonCrds, { fieldManager: 'keelson' });
  hookUrl = await listen((req, res) => handler(req, res));
  const slackUrl = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      slackMessages.push(
        JSON.parse(Buffer.concat(chunks).toString('utf8')) as { channel?: string; text: string },
      );
      res.writeHead(200).end('ok');
    });
  });
  forge = await startForge({
    client,
    dataDir: tempDir('keelson-ci-forge-'),
    log,
    globalHook: { url: `${hookUrl}/hooks/ci`, secret },
  });
  bot = new GithubForge({ token: forge.adminToken, baseUrl: forge.apiUrl });
  aliceToken = await forge.createUser('alice', { orgs: ['acme'] });
  alice = new GithubForge({ token: aliceToken, baseUrl: forge.apiUrl });
  mallory = new GithubForge({ token: await forge.createUser('mallory'), baseUrl: forge.apiUrl });
  root = new GithubForge({
    token: await forge.createUser('root', { siteAdmin: true }),
    baseUrl: forge.apiUrl,
  });

  jobs = new JobSource({
    client,
    log,
    repoReader: new GitRepoReader({ workDir: tempDir('keelson-ci-git-'), token: forge.adminToken }),
  });
  trigger = new Trigger({ client, forge: bot, jobs, clock: systemClock, log, namespace });
  handler = ciWebhookHandler({ trigger, secret, log });
  informers = new InformerFactory(client);
  reporter = ciReportController({
    client,
    informers,
    forge: bot,
    log,
    jobUrlPrefix: 'http://keelson.test/jobs/',
    slack: { url: slackUrl, channel: '#ci', jobStatesToReport: ['failure'] },
  });
  informers.startAll();
  await informers.waitForSync();
  reporter.start();

  await alice.createRepository({ name: 'app', owner: 'acme' });
  work = tempDir('keelson-ci-work-');
  const url = new URL(`${forge.url}/acme/app.git`);
  url.username = 'alice';
  url.password = aliceToken;
  await git(work, 'init', '-q', '-b', 'main');
  await git(work, 'remote', 'add', 'origin', url.toString());
  await commitAndPush('main', { '.prow.yaml': prowYaml, 'README.md': 'app\n' });
});

after(async () => {
  await reporter?.stop();
  await informers?.stopAll();
  await forge?.stop();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((done) => s.close(() => done()));
  }
  client?.close();
  await apiServer?.stop();
});

describe('ci trigger', () => {
  test('a webhook with a bad or missing signature is refused and triggers nothing', async () => {
    const body = JSON.stringify({ action: 'opened', number: 99, pull_request: {}, repository: {} });
    const wrong = await signWebhook('not-the-secret', body);
    for (const headers of [{ 'X-Hub-Signature-256': wrong }, {}]) {
      const res = await fetch(`${hookUrl}/hooks/ci`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'pull_request', ...headers },
        body,
      });
      assert.equal(res.status, 401);
    }
    assert.deepEqual(await pullRuns(99), []);
  });

  test('a push to main starts the matching postsubmits', async () => {
    const sha = await commitAndPush('main', { 'src/main.txt': 'one\n' }, 'main');
    const runs = (await runsOf({ [jobRunLabels.type]: 'postsubmit' })).filter(
      (r) => r.spec.refs?.base_sha === sha,
    );
    assert.deepEqual(jobNames(runs), ['deploy']);
    assert.equal(runs[0]?.spec.refs?.base_ref, 'main');
    assert.equal(runs[0]?.status?.state, 'triggered');
  });

  test('a PR by an org member starts the matching presubmits; run_if_changed is respected', async () => {
    const head = await commitAndPush('feature', { 'src/feature.txt': 'feature\n' }, 'main');
    const pr = await alice.createPullRequest(repo, { title: 'Feature', head: 'feature', base: 'main' });
    await forge.webhooksIdle();
    const runs = await pullRuns(pr.number);
    assert.deepEqual(jobNames(runs), ['lint', 'unit']);
    for (const r of runs) {
      assert.equal(r.spec.type, 'presubmit');
      assert.equal(r.spec.refs?.base_sha, pr.base.sha);
      assert.deepEqual(
        {
          number: r.spec.refs?.pulls?.[0]?.number,
          author: r.spec.refs?.pulls?.[0]?.author,
          sha: r.spec.refs?.pulls?.[0]?.sha,
        },
        { number: pr.number, author: 'alice', sha: head },
      );
      assert.equal(r.status?.state, 'triggered');
    }
    const docs = await commitAndPush('feature', { 'docs/guide.md': 'guide\n' }, 'feature');
    const withDocs = (await pullRuns(pr.number)).filter((r) => r.spec.refs?.pulls?.[0]?.sha === docs);
    assert.deepEqual(jobNames(withDocs), ['docs', 'lint', 'unit']);
    const older = (await pullRuns(pr.number)).filter((r) => r.spec.refs?.pulls?.[0]?.sha === head);
    assert.deepEqual(
      older.map((r) => r.status?.state),
      ['aborted', 'aborted'],
      'a new commit aborts the runs of the old one',
    );
  });

  test('reporting: statuses per context, one summary comment, slack only for the states asked', async () => {
    const pr = (await alice.listPullRequests(repo)).find((p) => p.head.ref === 'feature')!;
    const current = (await pullRuns(pr.number)).filter((r) => r.spec.refs?.pulls?.[0]?.sha === pr.head.sha);
    const byJob = new Map(current.map((r) => [r.spec.job, r]));
    await setState(byJob.get('unit')!, 'pending');
    await setState(byJob.get('lint')!, 'success');
    await setState(byJob.get('docs')!, 'success');
    await eventually('unit pending', async () => {
      const combined = await bot.getCombinedStatus(repo, pr.head.sha);
      return combined.statuses.find((s) => s.context === 'unit' && s.state === 'pending');
    });
    await setState(byJob.get('unit')!, 'failure');
    const statuses = await eventually('statuses reported', async () => {
      const combined = await bot.getCombinedStatus(repo, pr.head.sha);
      const states = Object.fromEntries(combined.statuses.map((s) => [s.context, s.state]));
      return (
        states['unit'] === 'failure' &&
        states['lint'] === 'success' &&
        states['docs'] === 'success' &&
        combined
      );
    });
    const unit = statuses.statuses.find((s) => s.context === 'unit')!;
    assert.equal(unit.targetUrl, `http://keelson.test/jobs/${namespace}/${byJob.get('unit')!.metadata.name}`);
    assert.equal(unit.description, 'Job failed.');
    assert.equal(statuses.statuses.find((s) => s.context === inRepoConfigContext)?.state, 'success');

    const comment = await eventually('summary comment', async () =>
      (await bot.listComments(repo, pr.number)).find((c) => c.body.includes('**failed**')),
    );
    assert.match(
      comment.body,
      /^unit \| [0-9a-f]{7} \| \[link\]\(http:\/\/keelson\.test\/jobs\/.*\) \| true \| `\/test unit`$/m,
    );
    assert.doesNotMatch(comment.body, /^lint \|/m);

    const reported = await eventually('reports recorded', async () => {
      const runs = await pullRuns(pr.number);
      const u = runs.find((r) => r.metadata.name === byJob.get('unit')!.metadata.name);
      return u?.status?.prev_report_states?.['slack'] === 'failure' && u;
    });
    assert.equal(reported.status?.prev_report_states?.['github'], 'failure');
    assert.deepEqual(slackMessages, [
      {
        channel: '#ci',
        text: `Job unit of type presubmit ended with state failure. <http://keelson.test/jobs/${namespace}/${byJob.get('unit')!.metadata.name}|View logs>`,
      },
    ]);

    // /retest: only the failed job runs again
    await alice.createComment(repo, pr.number, '/retest');
    await forge.webhooksIdle();
    const afterRetest = (await pullRuns(pr.number)).filter(
      (r) => r.spec.refs?.pulls?.[0]?.sha === pr.head.sha,
    );
    assert.deepEqual(jobNames(afterRetest), ['docs', 'lint', 'unit', 'unit']);
    const rerun = afterRetest.find(
      (r) => r.spec.job === 'unit' && r.metadata.name !== byJob.get('unit')!.metadata.name,
    )!;
    assert.equal(rerun.status?.state, 'triggered');

    // the rerun passes: nothing fails any more, so the comment goes (as Prow's crier deletes it)
    await setState(rerun, 'success');
    await eventually(
      'summary comment deleted',
      async () => {
        const comments = await bot.listComments(repo, pr.number);
        return !comments.some((c) => c.id === comment.id || c.body.includes('keelson ci report'));
      },
      30_000,
    );
    await eventually('unit success status', async () =>
      (await bot.getCombinedStatus(repo, pr.head.sha)).state === 'success' ? true : undefined,
    );
    assert.equal(slackMessages.length, 1, 'success and pending are not sent to slack');

    // /test NAME runs that job, file filters or not
    await alice.createComment(repo, pr.number, '/test lint');
    await forge.webhooksIdle();
    const lints = (await pullRuns(pr.number)).filter(
      (r) => r.spec.refs?.pulls?.[0]?.sha === pr.head.sha && r.spec.job === 'lint',
    );
    assert.equal(lints.length, 2);
  });

  test('/skip turns the failed statuses of jobs that are not required green, and no others', async () => {
    const head = await commitAndPush('skipping', { 'src/skipping.txt': 'skip\n' }, 'main');
    const pr = await alice.createPullRequest(repo, { title: 'Skipping', head: 'skipping', base: 'main' });
    await forge.webhooksIdle();
    const runs = await pullRuns(pr.number);
    assert.deepEqual(jobNames(runs), ['lint', 'unit']);
    for (const r of runs) await setState(r, 'failure');
    const statesOf = async (): Promise<Record<string, [string, string | null]>> =>
      Object.fromEntries(
        (await bot.getCombinedStatus(repo, head)).statuses.map((s) => [s.context, [s.state, s.description]]),
      );
    await eventually('failures reported', async () => {
      const states = await statesOf();
      return states['unit']?.[0] === 'failure' && states['lint']?.[0] === 'failure';
    });

    await mallory.createComment(repo, pr.number, '/skip');
    await forge.webhooksIdle();
    assert.equal((await statesOf())['lint']?.[0], 'failure', 'an untrusted commenter skips nothing');

    await alice.createComment(repo, pr.number, '/skip');
    await forge.webhooksIdle();
    const states = await statesOf();
    assert.deepEqual(states['lint'], ['success', 'Skipped'], 'optional: skipped');
    assert.deepEqual(states['unit'], ['failure', 'Job failed.'], 'required: left alone');
    assert.deepEqual(
      states['docs'],
      ['success', 'Skipped.'],
      'not triggered: the trigger skipped it already',
    );
    assert.deepEqual(jobNames(await pullRuns(pr.number)), ['lint', 'unit'], '/skip starts nothing');
  });

  test('/override: admins only, known contexts only; a running job is aborted and cannot report over it', async () => {
    const head = await commitAndPush('overriding', { 'src/overriding.txt': 'override\n' }, 'main');
    const pr = await alice.createPullRequest(repo, { title: 'Overriding', head: 'overriding', base: 'main' });
    await forge.webhooksIdle();
    const runs = await pullRuns(pr.number);
    const unit = runs.find((r) => r.spec.job === 'unit')!;
    await setState(unit, 'pending');
    await setState(
      runs.find((r) => r.spec.job === 'lint')!,
      'success',
    );
    const statusOf = async (context: string): Promise<[string, string | null] | undefined> => {
      const status = (await bot.getCombinedStatus(repo, head)).statuses.find((s) => s.context === context);
      return status && [status.state, status.description];
    };
    await eventually('unit pending, lint green', async () =>
      (await statusOf('unit'))?.[0] === 'pending' && (await statusOf('lint'))?.[0] === 'success'
        ? true
        : undefined,
    );
    const replies = async (): Promise<string[]> =>
      (await bot.listComments(repo, pr.number)).filter((c) => c.author === 'admin').map((c) => c.body);

    await alice.createComment(repo, pr.number, '/override unit');
    await forge.webhooksIdle();
    assert.ok(
      (await replies()).some((b) =>
        b.startsWith('@alice: alice unauthorized: /override is restricted to Repo administrators.'),
      ),
      'a writer who is not an admin is told who may override',
    );
    assert.equal((await statusOf('unit'))?.[0], 'pending');

    await root.createComment(repo, pr.number, '/override nope');
    await forge.webhooksIdle();
    const unknown = (await replies()).find((b) => b.includes('unknown contexts were given'));
    assert.ok(unknown, 'an unknown context is answered with the contexts that exist');
    assert.match(unknown, /^@root: /);
    assert.match(
      unknown,
      /given:\n - `nope`\n\nOnly the following failed contexts were expected:\n - `unit`\n\n/,
    );
    assert.equal((await statusOf('unit'))?.[0], 'pending');

    await root.createComment(repo, pr.number, '/override unit');
    await forge.webhooksIdle();
    assert.deepEqual(await statusOf('unit'), ['success', 'Overridden by root']);
    assert.ok(
      (await replies()).some((b) => b.startsWith('@root: Overrode contexts on behalf of root: unit')),
    );
    const after = await pullRuns(pr.number);
    const aborted = after.find((r) => r.metadata.name === unit.metadata.name)!;
    assert.equal(aborted.status?.state, 'aborted', 'the running job is aborted');
    assert.equal(aborted.status?.prev_report_states?.['github'], 'aborted', 'and its abort is not reported');
    const record = after.find((r) => r.metadata.annotations?.[overriddenByAnnotation] === 'root');
    assert.ok(record, 'a JobRun records the override');
    assert.equal(record.spec.job, 'unit');
    assert.equal(record.spec.pod_spec, undefined, 'it never runs');
    assert.equal(record.status?.state, 'success');
    assert.equal(record.status?.description, 'Overridden by root');

    // the runner's late word on the old run is not reported over the override
    await setState(aborted, 'failure');
    await eventually('the late failure seen by the reporter', async () => {
      const found = (await pullRuns(pr.number)).find((r) => r.metadata.name === unit.metadata.name);
      return found?.status?.prev_report_states?.['github'] === 'failure' ? true : undefined;
    });
    assert.deepEqual(await statusOf('unit'), ['success', 'Overridden by root']);
    assert.ok(
      !(await bot.listComments(repo, pr.number)).some((c) => c.body.includes('**failed**')),
      'the overridden job is not listed as failed',
    );
  });

  test('an untrusted author gets needs-ok-to-test and no runs until a member says /ok-to-test', async () => {
    await commitAndPush('outside', { 'src/outside.txt': 'outside\n' }, 'main');
    const pr = await mallory.createPullRequest(repo, { title: 'Outside', head: 'outside', base: 'main' });
    await forge.webhooksIdle();
    assert.deepEqual(await pullRuns(pr.number), []);
    assert.ok((await bot.getPullRequest(repo, pr.number)).labels.includes(needsOkToTestLabel));

    await mallory.createComment(repo, pr.number, '/test all');
    await forge.webhooksIdle();
    assert.deepEqual(await pullRuns(pr.number), [], 'an untrusted commenter starts nothing');

    await alice.createComment(repo, pr.number, '/ok-to-test');
    await forge.webhooksIdle();
    assert.deepEqual(jobNames(await pullRuns(pr.number)), ['lint', 'unit']);
    assert.ok(!(await bot.getPullRequest(repo, pr.number)).labels.includes(needsOkToTestLabel));
  });

  test('an invalid .prow.yaml fails a status naming the error and comments the whole error', async () => {
    const bad = `presubmits:\n  - name: broken\n    always_run: true\n    run_if_changed: '^src/'\n    ${spec}\n`;
    const head = await commitAndPush('broken', { '.prow.yaml': bad }, 'main');
    const pr = await alice.createPullRequest(repo, { title: 'Broken', head: 'broken', base: 'main' });
    await forge.webhooksIdle();
    assert.deepEqual(await pullRuns(pr.number), []);
    const status = (await bot.getCombinedStatus(repo, head)).statuses.find(
      (s) => s.context === inRepoConfigContext,
    );
    assert.equal(status?.state, 'failure');
    assert.match(status?.description ?? '', /\.prow\.yaml:\d+:\d+: .*broken/);
    const comment = (await bot.listComments(repo, pr.number)).find((c) => c.body.includes('is invalid'));
    assert.ok(comment, 'a comment explains the error');
    assert.match(comment.body, /\.prow\.yaml:\d+:\d+: job broken: /);
  });

  test('central JobConfig presubmits join the in-repo ones; skip_report runs set no status', async () => {
    const podSpec = { containers: [{ image: 'alpine', command: ['sh', '-c', 'true'] }] };
    await client.create({
      apiVersion: 'ci.keelson.dev/v1',
      kind: 'JobConfig',
      metadata: { name: 'central', namespace },
      spec: {
        presubmits: {
          'acme/app': [
            {
              name: 'central-quiet',
              always_run: true,
              skip_report: true,
              reporter_config: { slack: { job_states_to_report: ['failure'] } },
              spec: podSpec,
            },
          ],
        },
      },
    });
    const head = await commitAndPush('central', { 'src/central.txt': 'central\n' }, 'main');
    const pr = await alice.createPullRequest(repo, { title: 'Central', head: 'central', base: 'main' });
    await forge.webhooksIdle();
    const runs = await pullRuns(pr.number);
    assert.deepEqual(jobNames(runs), ['central-quiet', 'lint', 'unit']);
    const quiet = runs.find((r) => r.spec.job === 'central-quiet')!;
    assert.equal(quiet.spec.report, false);
    await setState(quiet, 'failure');
    const reported = await eventually('slack report of the quiet job', async () => {
      const found = (await pullRuns(pr.number)).find((r) => r.metadata.name === quiet.metadata.name);
      return found?.status?.prev_report_states?.['slack'] === 'failure' && found;
    });
    assert.equal(reported.status?.prev_report_states?.['github'], undefined);
    const contexts = (await bot.getCombinedStatus(repo, head)).statuses.map((s) => s.context);
    assert.ok(!contexts.includes('central-quiet'), `no status for a skip_report job: ${contexts.join(', ')}`);
    assert.ok(
      slackMessages.some((m) =>
        m.text.startsWith('Job central-quiet of type presubmit ended with state failure'),
      ),
    );
    await client.delete({ apiVersion: 'ci.keelson.dev/v1', kind: 'JobConfig', namespace, name: 'central' });
  });

  test('periodics start when due, and not again while the previous run is going', async () => {
    await client.create({
      apiVersion: 'ci.keelson.dev/v1',
      kind: 'JobConfig',
      metadata: { name: 'periodics', namespace },
      spec: {
        periodics: [
          {
            name: 'nightly',
            interval: '1h',
            spec: { containers: [{ image: 'alpine', command: ['sh', '-c', 'true'] }] },
          },
        ],
      },
    });
    const scheduler = new PeriodicScheduler({ client, jobs, trigger, clock: systemClock, log, namespace });
    const first = await scheduler.tick();
    assert.equal(first.triggered.length, 1);
    assert.ok(
      first.next !== undefined && first.next.getTime() > Date.now() + 59 * 60_000,
      'the next run is due an interval after this one',
    );
    const [nightly] = await runsOf({ [jobRunLabels.job]: 'nightly' });
    assert.equal(nightly?.spec.type, 'periodic');
    assert.equal((await scheduler.tick()).triggered.length, 0, 'the previous run is still going');
    await setState(nightly, 'success');
    const next = await scheduler.tick();
    assert.equal(next.triggered.length, 0, 'an hour has not passed');
    assert.ok(next.next !== undefined);
  });
});
