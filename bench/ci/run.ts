/**
 * CI benchmarks (figures, not tests), all in one run on one embedded server with the process node
 * (`bin/keelson apiserver --process-pods --tls`), the built-in forge and `startControllers({ ci })`
 * wired as `keelson up` wires them:
 *
 * 1. webhook → JobRun → pod running: a PR on the forge, `--pushes` real `git push`es to its head
 *    branch; the forge's signed `pull_request` webhooks go through a relay in this process that
 *    stamps their arrival and forwards them to `/hooks/ci`; p50/p95 until the JobRun is created
 *    (the hook's answer, and the JobRun seen by a watch) and until its Pod is Running;
 * 2. `--jobs` queued trivial JobRuns (`sh -c 'exit 0'`, undecorated) created directly in state
 *    triggered, timed until all are `success`, against `seq N | xargs -P P -n1 sh -c 'exit 0'`;
 * 3. `--decorated` trivial JobRuns decorated (the entrypoint keeps build-log.txt, the sidecar uploads
 *    /logs to the artifact store) against the same number undecorated: the cost of keeping logs;
 * 4. VmRSS of the controllers in a process of their own (controllers-process.ts) idle, and with
 *    `--finished` finished JobRuns kept.
 *
 * `npm run bench:ci [-- --pushes 20 --jobs 1000 --decorated 100 --finished 10000]`
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { GithubForge } from '../../src/adapters/forge/index.ts';
import { labelsForJobRun } from '../../src/api/ci/index.ts';
import { ciApiVersion, type JobRun, type JobRunSpec } from '../../src/api/crds/ci.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { installCrds, startControllers } from '../../src/cmd/controllers.ts';
import { ciWebhookPath } from '../../src/controllers/ci-trigger/index.ts';
import { startForge } from '../../src/forge/server.ts';
import { isAlreadyExists, KubeClient } from '../../src/runtime/client.ts';
import { repoRoot, startServer, tempDir } from '../../test/e2e/harness.ts';
import { memoryOf, millis, percentile, progress, seconds, table, waitUntil } from '../sync/support.ts';

const { values } = parseArgs({
  options: {
    pushes: { type: 'string', default: '20' },
    jobs: { type: 'string', default: '1000' },
    finished: { type: 'string', default: '10000' },
    /** Trivial jobs run decorated (entrypoint, sidecar upload) and undecorated, to compare. */
    decorated: { type: 'string', default: '100' },
    /** xargs -P for the peer; default: the process node's kubelet workers (32). */
    parallel: { type: 'string', default: '32' },
  },
});
const pushes = Number(values.pushes);
const jobs = Number(values.jobs);
const finished = Number(values.finished);
const decoratedJobs = Number(values.decorated);
const parallel = Number(values.parallel);
const cores = availableParallelism();

const jobRunApi = ciApiVersion;
const ciNamespace = 'keelson-ci';
const queueNamespace = 'bench-queue';
const runLabel = 'ci.keelson.dev/job-run';
const trivial = { containers: [{ name: 'test', image: 'alpine', command: ['sh', '-c', 'exit 0'] }] };

const summary: string[][] = [['figure', 'keelson', 'compared with (same machine)', 'ratio']];
const logs: string[] = [];
const log = (message: string, fields?: Record<string, unknown>) => {
  logs.push(`${message} ${JSON.stringify(fields ?? {})}`);
  if (logs.length > 200) logs.shift();
};
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const stats = (samples: readonly number[]) =>
  `p50 ${millis(percentile(samples, 50))}, p95 ${millis(percentile(samples, 95))}, max ${millis(Math.max(...samples))}`;

function machineLoad(): string {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  return `machine: ${cores} cores, load average ${one} / ${five} / ${fifteen} (1 / 5 / 15 min)`;
}

/** `git` with a fixed identity and no user config; credentials come in the remote's URL. */
async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('git', args, {
    cwd,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'alice',
      GIT_AUTHOR_EMAIL: 'alice@example.com',
      GIT_COMMITTER_NAME: 'alice',
      GIT_COMMITTER_EMAIL: 'alice@example.com',
    },
  });
  return stdout.trim();
}

/**
 * Calls `onObject` with every object of a collection now and on every change, from a list and
 * then a watch resumed at the last resourceVersion (relisting after a 410), until `signal` aborts.
 */
async function follow<T extends KubeObject>(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  options: { namespace?: string; labelSelector?: string },
  onObject: (type: string, object: T) => void,
  signal: AbortSignal,
): Promise<void> {
  let resourceVersion: string | undefined;
  while (!signal.aborted) {
    try {
      if (resourceVersion === undefined) {
        const list = await client.list<T>(apiVersion, kind, options);
        for (const item of list.items) onObject('ADDED', item);
        resourceVersion = list.metadata?.resourceVersion;
      }
      await client.watch<T>(
        apiVersion,
        kind,
        { ...options, resourceVersion, allowWatchBookmarks: true },
        (event) => {
          resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
          if (event.type !== 'BOOKMARK') onObject(event.type, event.object);
        },
        signal,
      );
    } catch (error) {
      if (signal.aborted) return;
      if ((error as { status?: number }).status === 410) resourceVersion = undefined;
      else {
        progress(
          `watch of ${kind} in ${options.namespace ?? 'all namespaces'}: ${(error as Error).message}; again in 1 s`,
        );
        await delay(1000);
      }
    }
  }
}

/** The same credentials on logical cluster `cluster` (`<server>/clusters/NAME`). */
function logicalClusterKubeconfig(path: string, cluster: string): string {
  const source = new KubeConfig();
  source.loadFromFile(path);
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: source.clusters.map((c) => ({
      ...c,
      server: `${c.server.replace(/\/$/, '')}/clusters/${cluster}`,
    })),
    users: source.users,
    contexts: source.contexts,
    currentContext: source.currentContext,
  });
  return config.exportConfig();
}

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** A webhook the forge delivered to the relay: when it arrived and when `/hooks/ci` answered. */
interface Delivery {
  event: string;
  action?: string;
  sha?: string;
  arrived: number;
  answered?: number;
  status?: number;
  triggered?: string[];
}

/** Sums `controller_runtime_reconcile_total` and `workqueue_depth` per controller from /metrics. */
async function reconcileCounts(
  url: string,
): Promise<{ reconciles: Map<string, number>; errors: Map<string, number>; depth: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const reconciles = new Map<string, number>();
  const errors = new Map<string, number>();
  let depth = 0;
  for (const line of text.split('\n')) {
    const total = /^controller_runtime_reconcile_total\{[^}]*controller="([^"]+)"[^}]*\} (\S+)/.exec(line);
    if (total) reconciles.set(total[1]!, (reconciles.get(total[1]!) ?? 0) + Number(total[2]));
    const failed = /^controller_runtime_reconcile_errors_total\{[^}]*controller="([^"]+)"[^}]*\} (\S+)/.exec(
      line,
    );
    if (failed) errors.set(failed[1]!, (errors.get(failed[1]!) ?? 0) + Number(failed[2]));
    const queue = /^workqueue_depth\{[^}]*\} (\S+)/.exec(line);
    if (queue) depth += Number(queue[1]);
  }
  return { reconciles, errors, depth };
}

/** User + system CPU time of a process so far, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

const server = await startServer({ tls: true, args: ['--process-pods'] });
const client = KubeClient.fromFile(server.kubeconfig);
const work = tempDir('keelson-bench-ci-');
const watching = new AbortController();
const relay = createServer();
let controllers: Awaited<ReturnType<typeof startControllers>> | undefined;
let forge: Awaited<ReturnType<typeof startForge>> | undefined;
let child: ReturnType<typeof spawn> | undefined;
try {
  console.log(
    `bench/ci: ${pushes} PR pushes, ${jobs.toLocaleString('en')} queued jobs, ${finished.toLocaleString('en')} finished JobRuns kept (node ${process.version}, data ${work})`,
  );
  console.log(machineLoad());
  await installCrds(client); // the forge's kinds must be served before it starts
  forge = await startForge({ client, dataDir: join(work, 'forge'), log });
  controllers = await startControllers({
    client,
    dataDir: join(work, 'controllers'),
    log,
    ci: {
      forge: new GithubForge({ token: forge.adminToken, baseUrl: forge.apiUrl }),
      token: forge.adminToken,
      cloneBase: `${forge.url}/`,
    },
  });
  const hook = `${controllers.url}${ciWebhookPath}`;
  const secret = readFileSync(controllers.webhookSecretPath, 'utf8').trim();

  // the relay: stamps each delivery's arrival and passes it on to /hooks/ci unchanged
  const deliveries: Delivery[] = [];
  relay.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const event = String(request.headers['x-github-event'] ?? '');
      const payload = JSON.parse(body.toString('utf8')) as {
        action?: string;
        pull_request?: { head?: { sha?: string } };
      };
      const delivery: Delivery = { event, arrived };
      if (payload.action !== undefined) delivery.action = payload.action;
      const sha = payload.pull_request?.head?.sha;
      if (sha !== undefined) delivery.sha = sha;
      deliveries.push(delivery);
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'x-github-event', 'x-github-delivery', 'x-hub-signature-256']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      void fetch(hook, { method: 'POST', headers, body })
        .then(async (answer) => {
          const text = await answer.text();
          delivery.answered = performance.now();
          delivery.status = answer.status;
          delivery.triggered = (JSON.parse(text) as { triggered?: string[] }).triggered ?? [];
          response.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(text);
        })
        .catch((error: unknown) => {
          delivery.status = 0;
          response.writeHead(502).end(String(error));
        });
    });
  });
  await new Promise<void>((done) => relay.listen(0, '127.0.0.1', done));
  forge.addGlobalHook({ url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}/hooks/ci`, secret });

  // 1. webhook → JobRun → pod running
  {
    console.log(`\n## webhook → JobRun created → pod running: ${pushes} pushes to a PR's head branch`);
    const seen = new Map<string, number>(); // JobRun name → first seen by the watch
    const runOf = new Map<string, string>(); // pull sha → JobRun name
    const running = new Map<string, number>(); // Pod name (= JobRun name) → first seen Running
    void follow<JobRun>(
      client,
      jobRunApi,
      'JobRun',
      { namespace: ciNamespace },
      (_type, run) => {
        const name = run.metadata.name ?? '';
        if (!seen.has(name)) seen.set(name, performance.now());
        const sha = run.spec.refs?.pulls?.[0]?.sha;
        if (sha !== undefined) runOf.set(sha, name);
      },
      watching.signal,
    );
    void follow<KubeObject & { status?: { phase?: string } }>(
      client,
      'v1',
      'Pod',
      { labelSelector: runLabel }, // in the job's namespace: Prow's pod_namespace, `default`
      (_type, pod) => {
        const phase = pod.status?.phase;
        const name = pod.metadata.name ?? '';
        if ((phase === 'Running' || phase === 'Succeeded') && !running.has(name))
          running.set(name, performance.now());
      },
      watching.signal,
    );

    const aliceToken = await forge.createUser('alice', { orgs: ['acme'] });
    const alice = new GithubForge({ token: aliceToken, baseUrl: forge.apiUrl });
    const repo = { owner: 'acme', name: 'app' };
    await alice.createRepository({ owner: 'acme', name: 'app' });
    const checkout = join(work, 'app');
    mkdirSync(checkout);
    const remote = new URL(`${forge.url}/acme/app.git`);
    remote.username = 'alice';
    remote.password = aliceToken;
    await git(checkout, 'init', '-q', '-b', 'main');
    await git(checkout, 'remote', 'add', 'origin', remote.toString());
    writeFileSync(
      join(checkout, '.prow.yaml'),
      `presubmits:\n  - name: unit\n    always_run: true\n    spec:\n      containers:\n        - image: alpine\n          command: [sh, -c, "sleep 1"]\n`,
    );
    writeFileSync(join(checkout, 'counter.txt'), '0\n');
    await git(checkout, 'add', '-A');
    await git(checkout, 'commit', '-q', '-m', 'initial');
    await git(checkout, 'push', '-q', 'origin', 'main');
    await git(checkout, 'checkout', '-q', '-b', 'feature');

    const hookToCreated: number[] = [];
    const hookToSeen: number[] = [];
    const hookToRunning: number[] = [];
    for (let i = 0; i <= pushes; i++) {
      writeFileSync(join(checkout, 'counter.txt'), `${i + 1}\n`);
      await git(checkout, 'commit', '-q', '-am', `change ${i + 1}`);
      const sha = await git(checkout, 'rev-parse', 'HEAD');
      const pushStarted = performance.now();
      await git(checkout, 'push', '-q', 'origin', 'feature');
      const pushed = performance.now();
      if (i === 0) await alice.createPullRequest(repo, { title: 'Feature', head: 'feature', base: 'main' });
      const action = i === 0 ? 'opened' : 'synchronize';
      let delivery: Delivery | undefined;
      await waitUntil(
        async () => {
          delivery = deliveries.find(
            (d) => d.event === 'pull_request' && d.sha === sha && d.action === action,
          );
          return delivery?.answered !== undefined;
        },
        { everyMs: 5, timeoutMs: 60_000, label: `pull_request ${action} of push ${i}` },
      );
      const d = delivery!;
      if (d.status !== 200 || d.triggered?.length !== 1)
        throw new Error(`/hooks/ci answered ${d.status} with ${JSON.stringify(d.triggered)}`);
      const name = d.triggered[0]!;
      await waitUntil(async () => running.has(name) && seen.has(name), {
        everyMs: 5,
        timeoutMs: 60_000,
        label: `pod of JobRun ${name} running`,
      });
      const created = d.answered! - d.arrived;
      const seenAfter = seen.get(name)! - d.arrived;
      const runningAfter = running.get(name)! - d.arrived;
      if (i > 0) {
        hookToCreated.push(created);
        hookToSeen.push(seenAfter);
        hookToRunning.push(runningAfter);
      }
      console.log(
        `  push ${i}${i === 0 ? ' (PR opened; warm-up, not counted)' : ''}: webhook ${millis(d.arrived - pushed)} after git push returned (push took ${millis(pushed - pushStarted)}); JobRun created ${millis(created)} after the webhook (answer), seen ${millis(seenAfter)}; pod running ${millis(runningAfter)}`,
      );
      await delay(200);
    }
    if (runOf.size === 0) throw new Error('no JobRun seen by the watch');
    console.log(`webhook → JobRun created (the hook's answer): ${stats(hookToCreated)}`);
    console.log(`webhook → JobRun seen by a watch:           ${stats(hookToSeen)}`);
    console.log(`webhook → pod Running:                      ${stats(hookToRunning)}`);
    const pair = (samples: number[]) =>
      `${millis(percentile(samples, 50))} / ${millis(percentile(samples, 95))}`;
    summary.push([`webhook → JobRun created p50 / p95 (${pushes} pushes)`, pair(hookToCreated), '', '']);
    summary.push([`webhook → pod Running p50 / p95`, pair(hookToRunning), '', '']);
  }

  // 2. queued trivial jobs through the process runtime, against xargs -P
  {
    console.log(
      `\n## ${jobs.toLocaleString('en')} queued trivial JobRuns (sh -c 'exit 0', undecorated) through the process node`,
    );
    await ensureNamespace(client, queueNamespace);
    const states = new Map<string, string>();
    void follow<JobRun>(
      client,
      jobRunApi,
      'JobRun',
      { namespace: queueNamespace },
      (type, run) => {
        if (type !== 'DELETED') states.set(run.metadata.name ?? '', run.status?.state ?? '');
      },
      watching.signal,
    );
    const succeeded = new Set<string>(); // Pods seen Succeeded
    let podsDone = 0;
    void follow<KubeObject & { status?: { phase?: string } }>(
      client,
      'v1',
      'Pod',
      { namespace: queueNamespace, labelSelector: runLabel },
      (_type, pod) => {
        if (pod.status?.phase !== 'Succeeded') return;
        succeeded.add(pod.metadata.name ?? '');
        if (succeeded.size === jobs && podsDone === 0) podsDone = performance.now();
      },
      watching.signal,
    );
    const count = (state: string) => [...states.values()].filter((s) => s === state).length;
    const names = Array.from({ length: jobs }, (_, i) => `trivial-${i}`);
    const started = performance.now();
    let createdAt = 0;
    const serverCpu = cpuSeconds(server.child.pid!);
    const benchCpu = process.cpuUsage();
    const before = await reconcileCounts(controllers.url);
    const creating = pool(names, 16, async (name) => {
      const spec: JobRunSpec = {
        type: 'periodic',
        job: `trivial-${Number(name.slice(8)) % 20}`,
        pod_spec: trivial,
      };
      await client.create<JobRun>({
        apiVersion: jobRunApi,
        kind: 'JobRun',
        metadata: { name, namespace: queueNamespace, labels: labelsForJobRun(spec) },
        spec,
      });
      // as the trigger does: create, then the state
      await client.patchStatus(
        { apiVersion: jobRunApi, kind: 'JobRun', namespace: queueNamespace, name },
        { state: 'triggered', startTime: rfc3339(Date.now()) },
      );
    }).then(() => (createdAt = performance.now()));
    await waitUntil(
      async () => {
        const failed = [...states].find(([, s]) => s === 'failure' || s === 'error' || s === 'aborted');
        if (failed) throw new Error(`JobRun ${failed[0]} ended in ${failed[1]}`);
        return count('success') === jobs;
      },
      {
        everyMs: 20,
        timeoutMs: 1_200_000,
        label: `${jobs} queued JobRuns`,
        detail: () =>
          `${states.size} created, ${count('triggered')} triggered, ${count('pending')} pending, ${count('success')} success; ${succeeded.size} pods Succeeded`,
      },
    );
    await creating;
    const keelson = (performance.now() - started) / 1000;
    const serverUsed = cpuSeconds(server.child.pid!) - serverCpu;
    const { user, system } = process.cpuUsage(benchCpu);
    const after = await reconcileCounts(controllers.url);
    const delta = (counts: Map<string, number>, was: Map<string, number>) =>
      (counts.get('jobrun') ?? 0) - (was.get('jobrun') ?? 0);
    console.log(
      `  CPU meanwhile: API server with the process node ${serverUsed.toFixed(1)} s, this process (controllers, forge, bench client) ${((user + system) / 1e6).toFixed(1)} s, of ${(keelson * cores).toFixed(0)} core-seconds; jobrun reconciles ${delta(after.reconciles, before.reconciles)}, of them errors (retried with backoff) ${delta(after.errors, before.errors)}`,
    );
    await waitUntil(async () => podsDone > 0, { timeoutMs: 60_000, label: 'every pod seen Succeeded' });
    console.log(
      `  every pod Succeeded (seen by a watch) ${seconds((podsDone - started) / 1000)} after the first create`,
    );
    console.log(
      `keelson: ${jobs} JobRuns success in ${seconds(keelson)} (${(jobs / keelson).toFixed(1)} jobs/s; all created after ${seconds((createdAt - started) / 1000)})`,
    );
    summary.push([`${jobs.toLocaleString('en')} queued trivial jobs, all success`, seconds(keelson), '', '']);
    for (const p of [...new Set([parallel, cores])]) {
      const xargsStarted = performance.now();
      await promisify(execFile)('sh', ['-c', `seq ${jobs} | xargs -P ${p} -n1 sh -c 'exit 0'`]);
      const peer = (performance.now() - xargsStarted) / 1000;
      const why = p === cores ? 'the core count' : "the process node's kubelet workers";
      console.log(
        `xargs -P ${p} (${why}): ${seconds(peer)} (${(jobs / peer).toFixed(0)} jobs/s); keelson takes ${(keelson / peer).toFixed(0)}x as long`,
      );
      summary.push([
        '',
        '',
        `seq ${jobs} | xargs -P ${p} -n1 sh -c 'exit 0': ${seconds(peer)}`,
        `keelson takes ${(keelson / peer).toFixed(0)}x as long`,
      ]);
    }
  }

  // 3. the cost of keeping logs and artifacts: decorated against undecorated trivial jobs
  if (decoratedJobs > 0) {
    console.log(
      `\n## ${decoratedJobs} trivial JobRuns decorated (entrypoint + sidecar upload to the artifact store), against ${decoratedJobs} undecorated`,
    );
    const took: Record<string, number> = {};
    for (const decorated of [false, true]) {
      const namespace = decorated ? 'bench-decorated' : 'bench-plain';
      await ensureNamespace(client, namespace);
      const started = performance.now();
      await pool(
        Array.from({ length: decoratedJobs }, (_, i) => `${namespace}-${i}`),
        16,
        async (name) => {
          const spec: JobRunSpec = {
            type: 'periodic',
            job: `${namespace}-${Number(name.split('-').at(-1)) % 10}`,
            pod_spec: trivial,
            ...(decorated && { decoration_config: {} }),
          };
          await client.create<JobRun>({
            apiVersion: jobRunApi,
            kind: 'JobRun',
            metadata: { name, namespace, labels: labelsForJobRun(spec) },
            spec,
          });
        },
      );
      await waitUntil(
        async () => {
          const runs = (await client.list<JobRun>(jobRunApi, 'JobRun', { namespace })).items;
          const bad = runs.find((r) => ['failure', 'error', 'aborted'].includes(r.status?.state ?? ''));
          if (bad)
            throw new Error(
              `JobRun ${bad.metadata.name} ended in ${bad.status?.state}: ${bad.status?.description}`,
            );
          return runs.filter((r) => r.status?.state === 'success').length === decoratedJobs;
        },
        { everyMs: 250, timeoutMs: 600_000, label: `${decoratedJobs} ${namespace} JobRuns` },
      );
      took[namespace] = (performance.now() - started) / 1000;
      console.log(
        `  ${decorated ? 'decorated' : 'undecorated'}: ${seconds(took[namespace])} (${(decoratedJobs / took[namespace]).toFixed(1)} jobs/s)`,
      );
    }
    const stored = readdirSync(join(controllers.artifactsDir ?? '', 'logs'), { recursive: true }).filter(
      (path) => String(path).startsWith('bench-decorated-') && String(path).endsWith('build-log.txt'),
    ).length;
    if (stored !== decoratedJobs)
      throw new Error(`${stored} build logs stored for ${decoratedJobs} decorated runs`);
    const ratio = took['bench-decorated']! / took['bench-plain']!;
    console.log(`  ${stored} build logs stored; decorated runs take ${ratio.toFixed(1)}x as long`);
    summary.push([
      `${decoratedJobs} trivial jobs decorated (log kept, /logs uploaded)`,
      seconds(took['bench-decorated']!),
      `the same undecorated: ${seconds(took['bench-plain']!)}`,
      `${ratio.toFixed(1)}x as long`,
    ]);
  }

  watching.abort();
  await controllers.stop();
  controllers = undefined;

  // 4. RSS of the controllers in their own process, idle and with N finished JobRuns kept
  {
    console.log(
      `\n## RSS of the controllers with CI in their own process (bench/ci/controllers-process.ts), idle and with ${finished.toLocaleString('en')} finished JobRuns kept`,
    );
    const kubeconfig = join(work, 'kubeconfig-rss');
    writeFileSync(kubeconfig, logicalClusterKubeconfig(server.kubeconfig, 'rss'), { mode: 0o600 });
    const rss = KubeClient.fromFile(kubeconfig);
    try {
      const flags = [
        '--kubeconfig',
        kubeconfig,
        '--data',
        join(work, 'controllers-rss'),
        '--forge-api',
        forge.apiUrl,
        '--forge-token-file',
        forge.adminTokenPath,
      ];
      const launch = async () => {
        const started = performance.now();
        const process_ = spawn(
          process.execPath,
          ['--import', 'tsx', join(repoRoot, 'bench', 'ci', 'controllers-process.ts'), ...flags],
          { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot },
        );
        child = process_;
        let stderr = '';
        process_.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
        const url = await new Promise<string>((resolve, reject) => {
          let out = '';
          process_.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const match = /serving (\S+)\/hooks\/ci/.exec(out);
            if (match) resolve(match[1]!);
          });
          process_.once('exit', (code) =>
            reject(new Error(`controllers process exited with ${code}: ${stderr}`)),
          );
        });
        const pid = process_.pid!;
        const stop = async () => {
          process_.kill('SIGTERM');
          await new Promise((resolve) =>
            process_.exitCode !== null ? resolve(null) : process_.once('exit', resolve),
          );
          child = undefined;
        };
        return { url, pid, started, stop };
      };

      const idleProcess = await launch();
      await delay(10_000);
      const idle = memoryOf(idleProcess.pid);
      console.log(
        `idle (CRDs installed, no JobRuns), 10 s after start: VmRSS ${idle.rss.toFixed(0)} MiB, VmHWM ${idle.hwm.toFixed(0)} MiB`,
      );
      await idleProcess.stop();

      // written while no controller runs, so none of them is started on the way
      await ensureNamespace(rss, ciNamespace);
      const writeStarted = performance.now();
      const sha = (n: number) => n.toString(16).padStart(40, '0');
      const now = Date.now();
      let written = 0;
      const reporter = setInterval(
        () => progress(`finished JobRuns written: ${written}/${finished}`),
        10_000,
      );
      try {
        await pool(
          Array.from({ length: finished }, (_, i) => i),
          32,
          async (i) => {
            const job = `unit-${i % 20}`;
            const name = `done-${i}`;
            const spec: JobRunSpec = {
              type: 'presubmit',
              job,
              report: true,
              context: job,
              rerun_command: `/test ${job}`,
              refs: {
                org: 'acme',
                repo: 'app',
                base_ref: 'main',
                base_sha: sha(i + 1),
                pulls: [{ number: 1 + (i % 500), author: 'alice', sha: sha(i + 1_000_000) }],
              },
              pod_spec: trivial,
            };
            await rss.create<JobRun>({
              apiVersion: jobRunApi,
              kind: 'JobRun',
              metadata: { name, namespace: ciNamespace, labels: labelsForJobRun(spec) },
              spec,
            });
            const at = rfc3339(now - (finished - i) * 1000);
            await rss.patchStatus(
              { apiVersion: jobRunApi, kind: 'JobRun', namespace: ciNamespace, name },
              {
                state: 'success',
                startTime: at,
                pendingTime: at,
                completionTime: at,
                description: 'Job succeeded.',
                pod_name: name,
                build_id: String(1_000_000 + i),
                url: `kubectl logs -n ${ciNamespace} ${name} -c test`,
                prev_report_states: { github: 'success' },
                conditions: [
                  {
                    type: 'Ready',
                    status: 'True',
                    reason: 'Succeeded',
                    message: 'Job succeeded.',
                    lastTransitionTime: at,
                  },
                ],
              },
            );
            written++;
          },
        );
      } finally {
        clearInterval(reporter);
      }
      console.log(
        `${finished} finished JobRuns written in ${seconds((performance.now() - writeStarted) / 1000)} (presubmits with refs, already reported)`,
      );

      const loaded = await launch();
      let counts = await reconcileCounts(loaded.url);
      await waitUntil(
        async () => {
          counts = await reconcileCounts(loaded.url);
          return (
            (counts.reconciles.get('jobrun') ?? 0) >= finished &&
            (counts.reconciles.get('ci-report') ?? 0) >= finished &&
            counts.depth === 0
          );
        },
        {
          everyMs: 200,
          timeoutMs: 600_000,
          label: `controllers process catching up on ${finished} JobRuns`,
          detail: () =>
            `reconciles ${JSON.stringify(Object.fromEntries(counts.reconciles))}, queued ${counts.depth}, VmRSS ${memoryOf(loaded.pid).rss.toFixed(0)} MiB`,
        },
      );
      const caughtUp = (performance.now() - loaded.started) / 1000;
      const atCaughtUp = memoryOf(loaded.pid);
      await delay(10_000);
      const settled = memoryOf(loaded.pid);
      const jobRuns = (await rss.list(jobRunApi, 'JobRun', { namespace: ciNamespace })).items.length;
      if (jobRuns !== finished)
        throw new Error(`${jobRuns} of ${finished} JobRuns are left: some were collected`);
      console.log(
        `started on ${finished} finished JobRuns: every one reconciled by jobrun and ci-report ${seconds(caughtUp)} after spawn, VmRSS ${atCaughtUp.rss.toFixed(0)} MiB; 10 s later ${settled.rss.toFixed(0)} MiB; VmHWM ${settled.hwm.toFixed(0)} MiB; all ${jobRuns} kept`,
      );
      console.log(`reconciles: ${JSON.stringify(Object.fromEntries(counts.reconciles))}`);
      await loaded.stop();
      summary.push([`controllers RSS, idle`, `${idle.rss.toFixed(0)} MiB`, '', '']);
      summary.push([
        `controllers RSS, ${finished.toLocaleString('en')} finished JobRuns kept`,
        `${settled.rss.toFixed(0)} MiB`,
        `idle ${idle.rss.toFixed(0)} MiB; peak (VmHWM) ${settled.hwm.toFixed(0)} MiB`,
        `${(settled.rss / idle.rss).toFixed(2)}x idle, +${(((settled.rss - idle.rss) * 1024) / finished).toFixed(1)} KiB per run`,
      ]);
    } finally {
      rss.close();
    }
  }

  console.log('\n## summary\n');
  console.log(table(summary));
  console.log(`\n${machineLoad()}`);
} catch (error) {
  console.error(`bench/ci failed: ${(error as Error).stack ?? String(error)}`);
  console.error(`last controller log lines:\n${logs.slice(-40).join('\n')}`);
  process.exitCode = 1;
} finally {
  watching.abort();
  child?.kill('SIGKILL');
  await controllers?.stop();
  await forge?.stop();
  relay.closeAllConnections();
  await new Promise<void>((done) => relay.close(() => done()));
  client.close();
  await server.stop();
}
