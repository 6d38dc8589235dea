/**
 * CI on the embedded default, through `keelson up` (issue 5's acceptance): a repository created with
 * `keelson repo create` in the built-in forge, a `.prow.yaml` pushed with git, pull requests opened,
 * commented on and merged with `keelson pr`; presubmits, postsubmits and a periodic run as process
 * pods on the management cluster's embedded node and report back to the forge.
 *
 * Jobs that must stay running until the test says otherwise wait for a file in a gate directory:
 * process pods run on this machine, so the test releases a run by creating that file.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { GithubForge, signWebhook } from '../../src/adapters/forge/index.ts';
import { jobRunLabels } from '../../src/api/ci/index.ts';
import type { JobRun } from '../../src/api/crds/ci.ts';
import { KubeClient } from '../../src/runtime/client.ts';
import { eventually, kubectl, repoRoot, tempDir } from './harness.ts';

const run = promisify(execFile);
const keelson = join(repoRoot, 'bin', 'keelson');
const repo = { owner: 'admin', name: 'demo' };
const ciNamespace = 'keelson-ci';
/** How long a scenario may wait for runs to start, clone and finish on this machine. */
const patience = 60_000;

let home: string;
let data: string;
let gate: string;
let work: string;
let up: ChildProcess;
let upExited: Promise<void>;
let upOutput = '';
let client: KubeClient;
let admin: GithubForge;
let hooksUrl: string;
let remote: string;

function prowYaml(): string {
  const job = (name: string, when: string, script: string) => `  - name: ${name}
    ${when}
    decorate: true
    spec:
      containers:
        - image: alpine
          command: [sh, -c, ${JSON.stringify(script)}]
`;
  const wait = (file: string) => `while [ ! -e ${gate}/${file} ]; do sleep 0.1; done`;
  return [
    'presubmits:',
    job(
      'readme',
      'always_run: true',
      'test -f README.md && echo ok && echo covered > "$ARTIFACTS/report.txt"',
    ),
    job('docs', "run_if_changed: '^docs/'", 'ls docs'),
    job('flaky', 'always_run: true', 'test -f fixed.txt'),
    job('slow', "run_if_changed: '^slow/'", `test -f slow/done || { ${wait('never')}; }`),
    'postsubmits:',
    `  - name: deploy
    branches: ['^main$']
    max_concurrency: 1
    decorate: true
    spec:
      containers:
        - image: alpine
          command: [sh, -c, ${JSON.stringify(`${wait('deploy-$PULL_BASE_SHA')}; echo deployed`)}]
`,
  ].join('\n');
}

async function git(...args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=Admin', '-c', 'user.email=admin@example.com', '-c', 'credential.helper=', ...args],
    {
      cwd: work,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: work,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_TERMINAL_PROMPT: '0',
      },
    },
  );
  return stdout.trim();
}

/** Commits `files` on `branch` (from `from` when given) and pushes it; resolves with the sha. */
async function push(branch: string, files: Record<string, string>, from?: string): Promise<string> {
  await git('checkout', '-q', '-B', branch, ...(from === undefined ? [] : [from]));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  await git('add', '-A');
  await git('commit', '-q', '-m', `change ${branch}`);
  await git('push', '-q', remote, `${branch}:refs/heads/${branch}`);
  return git('rev-parse', 'HEAD');
}

/** Runs `keelson ARGS` in the directory holding `.keelson`, as a person would. */
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(keelson, args, {
    cwd: home,
    env: { ...process.env, KEELSON_FORGE_URL: '', KEELSON_FORGE_TOKEN: '' },
  });
  return stdout;
}

async function runs(selector: Record<string, string> = {}): Promise<JobRun[]> {
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = await client.list<JobRun>('ci.keelson.dev/v1', 'JobRun', {
    namespace: ciNamespace,
    ...(labelSelector === '' ? {} : { labelSelector }),
  });
  return list.items.sort(
    (a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

async function pullRuns(number: number, sha?: string): Promise<JobRun[]> {
  return (await runs({ [jobRunLabels.pull]: String(number) })).filter(
    (r) => sha === undefined || r.spec.refs?.pulls?.[0]?.sha === sha,
  );
}

const finished = (r: JobRun) => ['success', 'failure', 'aborted', 'error'].includes(r.status?.state ?? '');
const states = (list: JobRun[]) => Object.fromEntries(list.map((r) => [r.spec.job, r.status?.state]));

async function contexts(sha: string): Promise<Record<string, string>> {
  const combined = await admin.getCombinedStatus(repo, sha);
  return Object.fromEntries(combined.statuses.map((s) => [s.context, s.state]));
}

async function openPull(branch: string, title: string): Promise<number> {
  const out = await cli(
    'pr',
    'create',
    '--repo',
    'admin/demo',
    '--head',
    branch,
    '--base',
    'main',
    '--title',
    title,
  );
  const m = /created pull request admin\/demo#(\d+)/.exec(out);
  assert.ok(m, out);
  return Number(m[1]);
}

before(async () => {
  home = tempDir('keelson-ci-up-');
  data = join(home, '.keelson');
  gate = join(home, 'gate');
  work = join(home, 'work');
  mkdirSync(gate);
  mkdirSync(work);
  up = spawn(keelson, ['up', '--data', data, '--forge-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  up.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-5000)));
  upExited = new Promise<void>((resolve) => up.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    up.stdout?.on('data', (d: Buffer) => {
      upOutput += d.toString();
      if (upOutput.includes('fleet Ready')) resolve();
    });
    void upExited.then(() => reject(new Error(`keelson up exited:\n${upOutput}\n${err}`)));
  });
  const hooks = /webhooks: \S+ \(git push\), (http:\/\/127\.0\.0\.1:\d+\/hooks\/ci) \(CI/.exec(upOutput);
  assert.ok(hooks, upOutput);
  hooksUrl = hooks[1]!;
  const forgeUrl = readFileSync(join(data, 'forge', 'url'), 'utf8').trim();
  const token = readFileSync(join(data, 'forge', 'admin-token'), 'utf8').trim();
  admin = new GithubForge({ token, baseUrl: `${forgeUrl}/api/v3` });
  client = KubeClient.fromFile(join(data, 'kubeconfig'));
  const url = new URL(`${forgeUrl}/admin/demo.git`);
  url.username = 'admin';
  url.password = token;
  remote = url.toString();

  // the periodic is central config (Prow reads periodics only from there), applied as a person would
  const applied = await kubectl(
    join(data, 'kubeconfig'),
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'ci.keelson.dev/v1',
      kind: 'JobConfig',
      metadata: { name: 'periodics', namespace: ciNamespace },
      spec: {
        periodics: [
          {
            name: 'tick',
            interval: '10s',
            spec: { containers: [{ image: 'alpine', command: ['sh', '-c', 'echo tick'] }] },
          },
        ],
      },
    }),
  );
  assert.equal(applied.code, 0, applied.stderr);

  assert.match(await cli('repo', 'create', 'admin/demo'), /created repository admin\/demo/);
  await git('init', '-q', '-b', 'main');
  const initial = await push('main', { '.prow.yaml': prowYaml(), 'README.md': 'demo\n' });
  // the first push to main runs the postsubmit too: let it finish
  writeFileSync(join(gate, `deploy-${initial}`), '');
});

after(async () => {
  client?.close();
  if (up !== undefined && up.exitCode === null) {
    up.kill('SIGINT');
    await upExited;
  }
});

let pull: number;
let head: string;

test('a PR by the admin runs the presubmits as process pods and reports statuses and a summary', async () => {
  head = await push('feature', { 'src/app.txt': 'app\n' }, 'main');
  pull = await openPull('feature', 'Feature');

  const done = await eventually(
    'presubmits of the head finished',
    async () => {
      const list = await pullRuns(pull, head);
      return list.length >= 2 && list.every(finished) && list;
    },
    patience,
  );
  assert.deepEqual(states(done), { readme: 'success', flaky: 'failure' }, 'docs and slow did not run');

  const readme = done.find((r) => r.spec.job === 'readme')!;
  const podName = readme.status?.pod_name ?? '';
  const podNamespace = readme.spec.namespace ?? ciNamespace;
  const pod = JSON.parse(
    (await kubectl(join(data, 'kubeconfig'), ['-n', podNamespace, 'get', 'pod', podName, '-o', 'json']))
      .stdout,
  );
  assert.equal(pod.spec.runtimeClassName, 'process');
  assert.equal(pod.spec.nodeName, 'keelson-process-0');
  const logs = await kubectl(join(data, 'kubeconfig'), ['-n', podNamespace, 'logs', podName, '-c', 'test']);
  assert.equal(logs.stdout.trim(), 'ok', 'the job ran in a clone of the PR');

  const reported = await eventually(
    'statuses on the head',
    async () => {
      const c = await contexts(head);
      return c['readme'] === 'success' && c['flaky'] === 'failure' && c;
    },
    patience,
  );
  assert.equal(reported['keelson/in-repo-config'], 'success');
  const docs = (await admin.getCombinedStatus(repo, head)).statuses.find((st) => st.context === 'docs');
  assert.deepEqual(
    { state: docs?.state, description: docs?.description },
    { state: 'success', description: 'Skipped.' },
    'a required job whose paths did not change is reported skipped, as Prow does',
  );

  const summary = await eventually('summary comment', async () =>
    (await admin.listComments(repo, pull)).find((c) => c.body.includes('**failed**')),
  );
  assert.match(summary.body, /^flaky \| [0-9a-f]{7} \| .* \| `\/test flaky`$/m);
  assert.doesNotMatch(summary.body, /^readme \|/m);
  assert.match(await cli('pr', 'view', '--repo', 'admin/demo', String(pull)), /flaky/);
});

test("a finished run's log and artifacts are kept in the store: its page, `keelson artifacts`, and `keelson logs` once the pod is gone", async () => {
  const runsOfHead = await pullRuns(pull, head);
  const readme = runsOfHead.find((r) => r.spec.job === 'readme' && finished(r))!;
  const flaky = runsOfHead.find((r) => r.spec.job === 'flaky' && finished(r))!;
  const name = readme.metadata.name ?? '';
  const url = readme.status?.url ?? '';
  assert.match(
    url,
    new RegExp(
      `^http://127\\.0\\.0\\.1:\\d+/artifacts/pr-logs/pull/admin_demo/${pull}/readme/${readme.status?.build_id}/$`,
    ),
  );

  const listing = await cli('artifacts', name);
  for (const file of [
    'artifacts/report.txt',
    'build-log.txt',
    'finished.json',
    'marker-file.txt',
    'started.json',
  ])
    assert.match(listing, new RegExp(`^${file.replace('.', '\\.')}\\s+\\d+$`, 'm'), listing);
  const out = join(home, 'artifacts-of-readme');
  assert.match(await cli('artifacts', name, '--out', out), /5 files/);
  assert.equal(readFileSync(join(out, 'artifacts', 'report.txt'), 'utf8'), 'covered\n');
  assert.equal(readFileSync(join(out, 'build-log.txt'), 'utf8'), 'ok\n');
  assert.equal(JSON.parse(readFileSync(join(out, 'finished.json'), 'utf8')).result, 'SUCCESS');
  const failed = (await (await fetch(`${flaky.status?.url ?? ''}finished.json`)).json()) as {
    passed: boolean;
    result: string;
  };
  assert.deepEqual({ passed: failed.passed, result: failed.result }, { passed: false, result: 'FAILURE' });

  const page = await (await fetch(url)).text();
  assert.match(page, /SUCCESS/);
  assert.match(page, /report\.txt/);
  const statuses = (await admin.getCombinedStatus(repo, head)).statuses;
  assert.equal(
    statuses.find((st) => st.context === 'readme')?.targetUrl,
    url,
    "the commit status links to the run's page",
  );

  // the pod goes (as sinker would delete it); the log is read from the store
  const podNamespace = readme.spec.namespace ?? ciNamespace;
  await kubectl(join(data, 'kubeconfig'), [
    '-n',
    podNamespace,
    'delete',
    'pod',
    readme.status?.pod_name ?? '',
    '--wait=true',
  ]);
  assert.equal(await cli('logs', name), 'ok\n');
});

test('/retest reruns the failed job only', async () => {
  const before = await pullRuns(pull, head);
  await cli('pr', 'comment', '--repo', 'admin/demo', String(pull), '--body', '/retest');
  const rerun = await eventually('a new flaky run', async () => {
    const list = await pullRuns(pull, head);
    return (
      list.length > before.length &&
      list.filter((r) => !before.some((b) => b.metadata.name === r.metadata.name))
    );
  });
  assert.deepEqual(
    rerun.map((r) => r.spec.job),
    ['flaky'],
  );
});

test('a new push aborts the running presubmit and starts another', async () => {
  const slowHead = await push('feature', { 'slow/start.txt': 'go\n' }, 'feature');
  const slow = await eventually(
    'slow running, its status pending',
    async () => {
      const found = (await pullRuns(pull, slowHead)).find((r) => r.spec.job === 'slow');
      return found?.status?.state === 'pending' && (await contexts(slowHead))['slow'] === 'pending' && found;
    },
    patience,
  );

  const next = await push('feature', { 'slow/done': 'done\n', 'fixed.txt': 'fixed\n' }, 'feature');
  const aborted = await eventually('the old run aborted', async () => {
    const found = (await pullRuns(pull, slowHead)).find((r) => r.metadata.name === slow.metadata.name);
    return found?.status?.state === 'aborted' && found;
  });
  assert.ok(aborted.status?.completionTime);
  const podNamespace = slow.spec.namespace ?? ciNamespace;
  await eventually(
    'the aborted run’s pod is gone',
    async () =>
      (
        await kubectl(join(data, 'kubeconfig'), [
          '-n',
          podNamespace,
          'get',
          'pod',
          slow.status?.pod_name ?? '',
        ])
      ).code !== 0,
    patience,
  );

  const done = await eventually(
    'the new commit’s presubmits finished',
    async () => {
      const list = await pullRuns(pull, next);
      return list.length >= 3 && list.every(finished) && list;
    },
    patience,
  );
  assert.deepEqual(states(done), { readme: 'success', flaky: 'success', slow: 'success' });
  await eventually(
    'the head is green',
    async () => ((await admin.getCombinedStatus(repo, next)).state === 'success' ? true : undefined),
    patience,
  );
  head = next;
});

test('merge runs the postsubmit; with max_concurrency 1 a second push waits for the first run', async () => {
  const out = await cli('pr', 'merge', '--repo', 'admin/demo', String(pull));
  const merged = /into main as ([0-9a-f]{40})/.exec(out)?.[1];
  assert.ok(merged, out);
  const first = await eventually(
    'the first deploy running',
    async () => {
      const found = (await runs({ [jobRunLabels.job]: 'deploy' })).find(
        (r) => r.spec.refs?.base_sha === merged,
      );
      return found?.status?.state === 'pending' && found;
    },
    patience,
  );

  await git('fetch', '-q', remote, 'main');
  const second = await push('main', { 'src/more.txt': 'more\n' }, 'FETCH_HEAD');
  const waiting = await eventually(
    'the second deploy waiting',
    async () => {
      const found = (await runs({ [jobRunLabels.job]: 'deploy' })).find(
        (r) => r.spec.refs?.base_sha === second,
      );
      return found?.status?.conditions?.some((c) => c.reason === 'MaxConcurrencyReached') === true && found;
    },
    patience,
  );
  assert.equal(waiting.status?.state, 'triggered');
  assert.match(waiting.status?.description ?? '', /max_concurrency 1/);
  const current = (await runs({ [jobRunLabels.job]: 'deploy' })).find(
    (r) => r.metadata.name === first.metadata.name,
  );
  assert.equal(current?.status?.state, 'pending', 'the first run is still going');

  writeFileSync(join(gate, `deploy-${merged}`), '');
  const started = await eventually(
    'the second deploy started after the first ended',
    async () => {
      const list = await runs({ [jobRunLabels.job]: 'deploy' });
      const a = list.find((r) => r.metadata.name === first.metadata.name);
      const b = list.find((r) => r.metadata.name === waiting.metadata.name);
      return a?.status?.state === 'success' && b?.status?.state === 'pending' && { a, b };
    },
    patience,
  );
  assert.ok(
    (started.b.status?.pendingTime ?? '') >= (started.a.status?.completionTime ?? '~'),
    'the second run became pending only once the first had completed',
  );
  writeFileSync(join(gate, `deploy-${second}`), '');
  await eventually(
    'the second deploy succeeded',
    async () =>
      (await runs({ [jobRunLabels.job]: 'deploy' })).find((r) => r.metadata.name === waiting.metadata.name)
        ?.status?.state === 'success',
    patience,
  );
  const postsubmits = await runs({ [jobRunLabels.type]: 'postsubmit' });
  assert.deepEqual(
    postsubmits.map((r) => r.spec.refs?.base_sha).filter((sha) => sha === merged || sha === second).length,
    2,
  );
});

test('an invalid .prow.yaml fails a status and a comment names the error; nothing runs', async () => {
  const bad = `presubmits:\n  - name: broken\n    always_run: true\n    run_if_changed: '^src/'\n    spec:\n      containers:\n        - image: alpine\n          command: [sh, -c, "true"]\n`;
  await git('fetch', '-q', remote, 'main');
  const sha = await push('broken', { '.prow.yaml': bad }, 'FETCH_HEAD');
  const number = await openPull('broken', 'Broken');
  const status = await eventually(
    'the in-repo config status',
    async () =>
      (await admin.getCombinedStatus(repo, sha)).statuses.find((s) => s.context === 'keelson/in-repo-config'),
    patience,
  );
  assert.equal(status.state, 'failure');
  assert.match(status.description ?? '', /\.prow\.yaml:\d+:\d+: .*broken/);
  const comment = await eventually('a comment with the error', async () =>
    (await admin.listComments(repo, number)).find((c) => c.body.includes('is invalid')),
  );
  assert.match(comment.body, /\.prow\.yaml:\d+:\d+: job broken: /);
  assert.deepEqual(await pullRuns(number), []);
});

test('a webhook with a bad signature to /hooks/ci is refused and starts nothing', async () => {
  const triggeredByEvents = async () => (await runs()).filter((r) => r.spec.type !== 'periodic').length;
  const count = await triggeredByEvents();
  const body = JSON.stringify({
    action: 'opened',
    number: 99,
    pull_request: { number: 99, state: 'open', user: { login: 'admin' } },
    repository: { name: 'demo', owner: { login: 'admin' } },
  });
  for (const headers of [{ 'X-Hub-Signature-256': await signWebhook('not-the-secret', body) }, {}]) {
    const res = await fetch(hooksUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'pull_request', ...headers },
      body,
    });
    assert.equal(res.status, 401);
  }
  assert.deepEqual(await pullRuns(99), []);
  assert.equal(await triggeredByEvents(), count);
});

test('the periodic fires on its interval', async () => {
  const ticks = await eventually(
    'two runs of the periodic',
    async () => {
      const list = (await runs({ [jobRunLabels.job]: 'tick' })).filter(
        (r) => r.status?.startTime !== undefined,
      );
      return list.length >= 2 && list.slice(0, 2).every((r) => r.status?.state === 'success') && list;
    },
    150_000,
  );
  assert.equal(ticks[0]?.spec.type, 'periodic');
  const [a, b] = ticks.map((r) => Date.parse(r.status?.startTime ?? ''));
  assert.ok(b! - a! >= 10_000, 'the second run started an interval after the first');
});
