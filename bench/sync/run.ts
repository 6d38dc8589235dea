/**
 * Sync benchmarks (figures, not tests), all in one run on one embedded server
 * (`bin/keelson apiserver --no-node --tls`):
 *
 * 1. initial sync of N ConfigMaps (1,000 and 10,000) by Keelson's Sync controller, against
 *    `kubectl apply --server-side -f DIR` and `kubectl apply -f DIR` of the same files;
 * 2. a no-op resync of the N unchanged objects, with the API requests the controllers made;
 * 3. push to applied for a one-file change through a real git repository, the push webhook and the
 *    real GitRepository and Sync controllers (`startControllers`);
 * 4. drift revert: another field manager changes a field Keelson owns;
 * 5. RSS of the controllers in a process of their own (controllers-process.ts: `startControllers`
 *    as `bin/keelson controllers` runs it, less leader election) managing the largest N objects.
 *
 * `npm run bench:sync [-- --skip-large | --objects 1000,10000 | --pushes 20 --edits 20 | --skip-kubectl]`
 */
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import type { GitRepository, Sync } from '../../src/api/crds/index.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { startGitHttpServer } from '../../src/adapters/git/test-fixtures.ts';
import { startControllers } from '../../src/cmd/controllers.ts';
import { KubeClient, type ObjectRef } from '../../src/runtime/client.ts';
import { repoRoot, startServer, tempDir } from '../../test/e2e/harness.ts';
import {
  CountingClient,
  git,
  initRepository,
  memoryOf,
  millis,
  percentile,
  progress,
  requestSummary,
  seconds,
  table,
  timedKubectl,
  waitUntil,
  writeManifests,
  type KubectlRun,
} from './support.ts';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '1000,10000' },
    'skip-large': { type: 'boolean', default: false },
    'skip-kubectl': { type: 'boolean', default: false },
    pushes: { type: 'string', default: '20' },
    edits: { type: 'string', default: '20' },
    'kubectl-limit': { type: 'string', default: '3600' },
    'rss-cli': { type: 'boolean', default: false },
  },
});
let sizes = values.objects
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
if (values['skip-large']) sizes = sizes.filter((n) => n <= 1000);
if (sizes.length === 0) sizes = [1000];
const large = Math.max(...sizes);
const pushes = Number(values.pushes);
const edits = Number(values.edits);
const pushFiles = 100;
const keelson = join(repoRoot, 'bin', 'keelson');

const summary: string[][] = [['figure', 'keelson', 'compared with (same machine)', 'ratio']];
const kubectlRuns = new Map<string, KubectlRun>();
const keelsonSeconds = new Map<number, number>();
const logs: string[] = [];
const log = (message: string, fields?: Record<string, unknown>) => {
  logs.push(`${message} ${JSON.stringify(fields ?? {})}`);
  if (logs.length > 200) logs.shift();
};
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const syncRef = (name: string, namespace = 'keelson'): ObjectRef => ({
  apiVersion: 'sync.keelson.dev/v1',
  kind: 'Sync',
  namespace,
  name,
});
const configMap = (namespace: string, name: string): ObjectRef => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace,
  name,
});
const ready = (object: { status?: { conditions?: { type: string; status: string }[] } } | undefined) =>
  object?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function liveData(ref: ObjectRef): Promise<Record<string, string> | undefined> {
  return (await client.get<KubeObject & { data?: Record<string, string> }>(ref)).data;
}

/**
 * The kubeconfig of logical cluster `cluster` (`<server>/clusters/NAME`, same credentials).
 * `keelson apiserver kubeconfig --data D --cluster NAME` would print it, but the parent command's
 * own `--data` option swallows the flag there.
 */
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

/** Other work on the machine skews every figure; say how busy it is. */
function machineLoad(): string {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  return `machine: ${availableParallelism()} cores, load average ${one} / ${five} / ${fifteen} (1 / 5 / 15 min)`;
}

async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

async function countConfigMaps(client: KubeClient, namespace: string): Promise<number> {
  const list = await client.list('v1', 'ConfigMap', { namespace });
  return list.items.filter((item) => item.metadata.name?.startsWith('cm-')).length;
}

function syncObject(name: string, source: string, path: string, namespace = 'keelson'): KubeObject {
  return {
    apiVersion: 'sync.keelson.dev/v1',
    kind: 'Sync',
    metadata: { name, namespace },
    spec: { sourceRef: { kind: 'GitRepository', name: source }, path, interval: '1h', prune: true },
  };
}

const server = await startServer({ tls: true, args: ['--no-node'] });
const client = KubeClient.fromFile(server.kubeconfig);
const counting = new CountingClient(client.config);
const work = tempDir('keelson-bench-sync-');
const gitRoot = join(work, 'git');
mkdirSync(gitRoot);
const gitHttp = await startGitHttpServer({ projectRoot: gitRoot });
let controllers: Awaited<ReturnType<typeof startControllers>> | undefined;
let child: ReturnType<typeof spawn> | undefined;
try {
  console.log(
    `bench/sync: ${sizes.map((n) => n.toLocaleString('en')).join(' and ')} ConfigMaps, ${pushes} pushes, ${edits} drift edits (node ${process.version}, data ${work})`,
  );
  console.log(machineLoad());
  controllers = await startControllers({ client: counting, dataDir: join(work, 'controllers'), log });
  await createNamespace(client, 'keelson');

  // 1. initial sync (and 2. no-op resync) for each size
  for (const n of sizes) {
    console.log(`\n## ${n.toLocaleString('en')} ConfigMaps`);
    if (!values['skip-kubectl'])
      for (const [label, args, prefix] of [
        ['kubectl apply --server-side', ['apply', '--server-side'], 'peer-ssa'],
        ['kubectl apply', ['apply'], 'peer-csa'],
      ] as const) {
        const namespace = `${prefix}-${n}`;
        await createNamespace(client, namespace);
        const dir = writeManifests(join(work, namespace), namespace, n);
        progress(`${label} -f DIR: ${n} objects into ${namespace}`);
        const took = await timedKubectl(
          server.kubeconfig,
          server.dataDir,
          [...args, '-f', join(dir, 'app')],
          `${label} (${n})`,
          n,
          Number(values['kubectl-limit']),
        );
        kubectlRuns.set(`${label}|${n}`, took);
        console.log(
          took.finished
            ? `${label} -f DIR: ${seconds(took.seconds)}`
            : `${label} -f DIR: stopped after ${seconds(took.seconds)} with ${took.applied} of ${n} objects applied`,
        );
      }

    const namespace = `target-${n}`;
    await createNamespace(client, namespace);
    const dir = writeManifests(join(work, namespace), namespace, n);
    const source = `dir-${n}`;
    await client.create({
      apiVersion: 'source.keelson.dev/v1',
      kind: 'GitRepository',
      metadata: { name: source, namespace: 'keelson' },
      spec: { url: 'https://example.com/bench.git', interval: '1h', suspend: true },
    });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.patchStatus(
      { apiVersion: 'source.keelson.dev/v1', kind: 'GitRepository', namespace: 'keelson', name: source },
      {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'bench', lastTransitionTime: now },
        ],
        artifact: {
          revision: `main@sha1:${String(n).padStart(40, '0')}`,
          digest: 'sha256:00',
          lastUpdateTime: now,
          path: dir,
        },
      },
    );
    const ref = syncRef(`sync-${n}`);
    progress(`keelson Sync: ${n} objects into ${namespace}`);
    const before = counting.requests.length;
    const started = performance.now();
    await client.create(syncObject(ref.name, source, './app'));
    await waitUntil(async () => ready(await client.get<Sync>(ref)), {
      label: `keelson Sync (${n})`,
      detail: () => `${counting.requests.length - before} requests so far`,
    });
    const initial = (performance.now() - started) / 1000;
    const initialRequests = counting.requests.length - before;
    keelsonSeconds.set(n, initial);
    const live = await countConfigMaps(client, namespace);
    if (live !== n) throw new Error(`Sync ${ref.name} is Ready with ${live} of ${n} ConfigMaps live`);
    console.log(
      `keelson Sync initial: ${seconds(initial)}, ${initialRequests} API requests by the controllers`,
    );
    summary.push([`initial sync, ${n.toLocaleString('en')} objects`, seconds(initial), '', '']);
    for (const label of ['kubectl apply --server-side', 'kubectl apply']) {
      const peer = kubectlRuns.get(`${label}|${n}`);
      if (peer === undefined) continue;
      const more = peer.finished ? '' : '> ';
      const what = peer.finished
        ? seconds(peer.seconds)
        : `${more}${seconds(peer.seconds)} (stopped, ${peer.applied} applied)`;
      const ratio = `${more}${(peer.seconds / initial).toFixed(2)}x`;
      console.log(`  = ${ratio} the speed of ${label} (${what})`);
      summary.push(['', '', `${label}: ${what}`, `${ratio} faster`]);
    }
    summary.push([`  API requests, initial sync`, String(initialRequests), '', '']);
    for (const line of requestSummary(counting.requests.slice(before))) console.log(line);

    await delay(1000);
    const requestedAt = String(Date.now());
    const resyncBefore = counting.requests.length;
    const resync = performance.now();
    await client.patch(ref, {
      metadata: { annotations: { 'reconcile.keelson.dev/requestedAt': requestedAt } },
    });
    await waitUntil(
      async () => (await client.get<Sync>(ref)).status?.lastHandledReconcileAt === requestedAt,
      {
        everyMs: 10,
      },
    );
    const resyncSeconds = (performance.now() - resync) / 1000;
    await delay(1000); // let anything the reconcile left (events) be sent and counted
    const resyncRequests = counting.requests.slice(resyncBefore);
    console.log(
      `keelson Sync no-op resync of ${n} unchanged objects: ${seconds(resyncSeconds)}, ${resyncRequests.length} API requests by the controllers (counted client side, every request of their KubeClient, watches included, until 1 s after):`,
    );
    for (const line of requestSummary(resyncRequests)) console.log(line);
    summary.push([`no-op resync, ${n.toLocaleString('en')} objects`, seconds(resyncSeconds), '', '']);
    summary.push([`  API requests, no-op resync`, String(resyncRequests.length), '', '']);
  }

  // 3. push to applied
  {
    console.log(`\n## push to applied: one file of ${pushFiles} changed, git push + signed push webhook`);
    const repo = join(work, 'push-work');
    mkdirSync(join(repo, 'push'), { recursive: true });
    const file = (i: number, value: string) =>
      writeFileSync(
        join(repo, 'push', `cm-${i}.yaml`),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: push-target\ndata:\n  value: "${value}"\n`,
      );
    for (let i = 0; i < pushFiles; i++) file(i, 'v0');
    await initRepository(repo, join(gitRoot, 'push.git'));
    const url = gitHttp.url('push.git');
    await createNamespace(client, 'push-target');
    await client.create({
      apiVersion: 'source.keelson.dev/v1',
      kind: 'GitRepository',
      metadata: { name: 'push', namespace: 'keelson' },
      spec: { url, ref: { branch: 'main' }, interval: '1h' },
    });
    const ref = syncRef('push');
    await client.create(syncObject('push', 'push', './push'));
    await waitUntil(async () => ready(await client.get<Sync>(ref)), { label: 'Sync push' });
    const secret = readFileSync(controllers.webhookSecretPath, 'utf8').trim();
    const target = configMap('push-target', 'cm-0');
    const fromPush: number[] = [];
    const fromHook: number[] = [];
    const pushOnly: number[] = [];
    for (let i = 1; i <= pushes + 1; i++) {
      const value = `v${i}`;
      file(0, value);
      await git(repo, 'commit', '-q', '-am', `cm-0: ${value}`);
      const sha = await git(repo, 'rev-parse', 'HEAD');
      const started = performance.now();
      await git(repo, 'push', '-q', 'origin', 'main');
      const pushed = performance.now();
      const body = JSON.stringify({
        ref: 'refs/heads/main',
        after: sha,
        repository: { full_name: 'bench/push', clone_url: url, html_url: url },
      });
      const response = await fetch(`${controllers.url}/hooks/git`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-GitHub-Event': 'push',
          'X-GitHub-Delivery': randomUUID(),
          'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        },
        body,
      });
      const answer = (await response.json()) as { triggered?: string[] };
      if (response.status !== 200 || answer.triggered?.length !== 1)
        throw new Error(`push webhook answered ${response.status} ${JSON.stringify(answer)}`);
      await waitUntil(async () => (await liveData(target))?.['value'] === value, {
        everyMs: 10,
        timeoutMs: 120_000,
        label: `push ${i}`,
      });
      const live = performance.now();
      if (i > 1) {
        fromPush.push(live - started);
        fromHook.push(live - pushed);
        pushOnly.push(pushed - started);
      }
      console.log(
        `  push ${i}${i === 1 ? ' (warm-up, not counted)' : ''}: live ${millis(live - started)} after git push, ${millis(live - pushed)} after the webhook (git push took ${millis(pushed - started)})`,
      );
      // before the next push: the reconcile that applied it has finished
      await waitUntil(async () => {
        const sync = await client.get<Sync>(ref);
        return ready(sync) && sync.status?.lastAppliedRevision?.endsWith(sha) === true;
      });
      await delay(200);
    }
    const stats = (values: number[]) =>
      `p50 ${millis(percentile(values, 50))}, p95 ${millis(percentile(values, 95))}, max ${millis(Math.max(...values))}`;
    console.log(`push → live: ${stats(fromPush)}`);
    console.log(`webhook → live: ${stats(fromHook)}`);
    console.log(`git push alone: ${stats(pushOnly)}`);
    summary.push([
      `push → live p50 / p95 (${pushes} pushes)`,
      `${millis(percentile(fromPush, 50))} / ${millis(percentile(fromPush, 95))}`,
      `git push alone: ${millis(percentile(pushOnly, 50))} / ${millis(percentile(pushOnly, 95))}`,
      '',
    ]);
    summary.push([
      `webhook → live p50 / p95`,
      `${millis(percentile(fromHook, 50))} / ${millis(percentile(fromHook, 95))}`,
      '',
      '',
    ]);
  }
  // 4. drift revert, on the largest Sync
  {
    const namespace = `target-${large}`;
    console.log(
      `\n## drift revert: one ConfigMap of Sync sync-${large} (${large} objects) edited by bench-editor`,
    );
    const samples: number[] = [];
    for (let j = 0; j <= edits; j++) {
      const ref = configMap(namespace, `cm-${j}`);
      const started = performance.now();
      await client.patch(ref, { data: { index: `drifted-${j}` } }, 'merge', { fieldManager: 'bench-editor' });
      await waitUntil(async () => (await liveData(ref))?.['index'] === String(j), {
        everyMs: 10,
        timeoutMs: 120_000,
        label: `drift revert ${j}`,
      });
      const ms = performance.now() - started;
      if (j > 0) samples.push(ms);
      console.log(`  edit ${j}${j === 0 ? ' (warm-up, not counted)' : ''}: reverted after ${millis(ms)}`);
      await delay(1000);
    }
    const p50 = percentile(samples, 50);
    const p95 = percentile(samples, 95);
    console.log(`drift revert: p50 ${millis(p50)}, p95 ${millis(p95)}, max ${millis(Math.max(...samples))}`);
    summary.push([`drift revert p50 / p95 (${edits} edits)`, `${millis(p50)} / ${millis(p95)}`, '', '']);
  }

  await controllers.stop();
  controllers = undefined;

  // 5. RSS of the controllers in their own process, on logical cluster `rss` of the same server
  {
    const what = values['rss-cli']
      ? '`bin/keelson controllers`'
      : 'bench/sync/controllers-process.ts (startControllers, no leader election)';
    console.log(`\n## RSS of the controllers in their own process, ${what}, with ${large} managed objects`);
    const kubeconfig = join(work, 'kubeconfig-rss');
    writeFileSync(kubeconfig, logicalClusterKubeconfig(server.kubeconfig, 'rss'), { mode: 0o600 });
    const rss = KubeClient.fromFile(kubeconfig);
    try {
      for (const name of ['keelson-system', 'keelson', 'target']) await createNamespace(rss, name);
      const repo = join(work, 'large-work');
      writeManifests(repo, 'target', large);
      await initRepository(repo, join(gitRoot, 'large.git'));
      const flags = ['--kubeconfig', kubeconfig, '--data', join(work, 'controllers-rss')];
      const [command, args] = values['rss-cli']
        ? [keelson, ['controllers', ...flags, '--port', '0']]
        : [
            process.execPath,
            ['--import', 'tsx', join(repoRoot, 'bench', 'sync', 'controllers-process.ts'), ...flags],
          ];
      const process_ = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot });
      child = process_;
      let stderr = '';
      process_.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
      await new Promise<void>((resolve, reject) => {
        let out = '';
        process_.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('keelson controllers: serving')) resolve();
        });
        process_.once('exit', (code) =>
          reject(new Error(`keelson controllers exited with ${code}: ${stderr}`)),
        );
      });
      const pid = process_.pid!;
      let exited: string | undefined;
      process_.once('exit', (code, signal) => {
        exited = `keelson controllers (pid ${pid}) exited with ${code ?? signal}; its last stderr lines:\n${stderr.split('\n').slice(-30).join('\n')}`;
      });
      const memory = () => {
        if (exited !== undefined) throw new Error(exited);
        return memoryOf(pid);
      };
      await delay(2000);
      const idle = memory();
      console.log(`idle (CRDs installed, nothing to do): VmRSS ${idle.rss.toFixed(0)} MiB`);
      const repoRef = {
        apiVersion: 'source.keelson.dev/v1',
        kind: 'GitRepository',
        namespace: 'keelson',
        name: 'large',
      };
      await rss.create({
        apiVersion: 'source.keelson.dev/v1',
        kind: 'GitRepository',
        metadata: { name: 'large', namespace: 'keelson' },
        spec: { url: gitHttp.url('large.git'), ref: { branch: 'main' }, interval: '1h' },
      });
      await waitUntil(async () => ready(await rss.get<GitRepository>(repoRef)), {
        label: 'GitRepository large',
      });
      const fetched = memory();
      console.log(`GitRepository fetched: VmRSS ${fetched.rss.toFixed(0)} MiB`);
      const ref = syncRef('large');
      const started = performance.now();
      await rss.create(syncObject('large', 'large', './app'));
      await waitUntil(async () => ready(await rss.get<Sync>(ref)), {
        label: `keelson controllers process, Sync of ${large}`,
        detail: () => `VmRSS ${memory().rss.toFixed(0)} MiB`,
      });
      const initial = (performance.now() - started) / 1000;
      const atReady = memory();
      const live = await countConfigMaps(rss, 'target');
      if (live !== large) throw new Error(`Sync large is Ready with ${live} of ${large} ConfigMaps live`);
      await delay(10_000);
      const settled = memory();
      console.log(
        `Sync of ${large} Ready after ${seconds(initial)}: VmRSS ${atReady.rss.toFixed(0)} MiB; 10 s later ${settled.rss.toFixed(0)} MiB; VmHWM ${settled.hwm.toFixed(0)} MiB`,
      );
      summary.push([
        `controllers RSS, ${large.toLocaleString('en')} managed objects`,
        `${settled.rss.toFixed(0)} MiB`,
        `idle ${idle.rss.toFixed(0)} MiB; peak (VmHWM) ${settled.hwm.toFixed(0)} MiB`,
        '',
      ]);
      summary.push([
        `  initial sync in that process`,
        seconds(initial),
        `in-process run above: ${seconds(keelsonSeconds.get(large)!)}`,
        '',
      ]);
      process_.kill('SIGTERM');
      await new Promise((resolve) =>
        process_.exitCode !== null ? resolve(null) : process_.once('exit', resolve),
      );
      child = undefined;
    } finally {
      rss.close();
    }
  }

  console.log('\n## summary\n');
  console.log(table(summary));
  console.log(`\n${machineLoad()}`);
  const flux = keelsonSeconds.get(1000);
  console.log(`
Context (published figures from other machines and setups, not measured here):
- Flux's benchmark (fluxcd/flux-benchmark RESULTS.md, v2.6.0, 16-core runner, kind): a Kustomization
  of 1,000 objects took 4m16s, kustomize-controller at 175Mi.${flux === undefined ? '' : ` Keelson here: ${seconds(flux)} for 1,000 ConfigMaps.`}
- Argo CD polls git every 3 minutes by default (120 s + up to 60 s jitter) when no webhook is set up.
- Flux corrects drift only on its interval (recommended Kustomization interval: 60m); it does not
  watch the objects it applied.`);
} catch (error) {
  console.error(`bench/sync failed: ${(error as Error).stack ?? String(error)}`);
  console.error(`last controller log lines:\n${logs.slice(-40).join('\n')}`);
  process.exitCode = 1;
} finally {
  child?.kill('SIGKILL');
  await controllers?.stop();
  counting.close();
  client.close();
  await gitHttp.close();
  await server.stop();
}
