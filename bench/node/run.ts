/**
 * Embedded node benchmarks (figures, not tests):
 *  1. Pods brought to Ready per second by the simulated node, as a 1,000-replica Deployment
 *     becomes Available, against the API floor: the same API writes a node needs per pod (create,
 *     bind, two status patches) sent straight from this process at 32 in flight.
 *  2. Process pods started and completed per second, against the same command launched by
 *     `xargs -P` on this machine (the ceiling).
 *
 * `npm run bench:node [-- --replicas N --process-pods N]`
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  keepAliveAgent,
  procMemory,
  repoRoot,
  send,
  spawnServer,
  type ServerProc,
} from '../apiserver/lib.ts';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '1000' },
    'process-pods': { type: 'string', default: '200' },
    parallel: { type: 'string', default: '16' },
  },
});
const replicas = Number(values.replicas);
const processPods = Number(values['process-pods']);
const parallel = Number(values.parallel);

function keelson(label: string, args: string[]): Promise<ServerProc> {
  const data = mkdtempSync(join(tmpdir(), 'keelson-bench-node-'));
  return spawnServer({
    label,
    command: join(repoRoot, 'bin', 'keelson'),
    args: ['apiserver', '--port', '0', '--data', data, ...args],
    alsoWaitFor: /kubeconfig: \S+/,
    token: () => readFileSync(join(data, 'admin-token'), 'utf8').trim(),
  });
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function json(server: ServerProc, method: string, path: string, body?: unknown): Promise<any> {
  const agent = keepAliveAgent(1);
  try {
    const r = await send(
      agent,
      server.url,
      server.token,
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
    );
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
    return JSON.parse(r.body.toString());
  } finally {
    agent.destroy();
  }
}

async function poll<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 600_000,
  everyMs = 50,
): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (performance.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function pod(name: string, extra: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { bench: 'floor' } },
    spec: { containers: [{ name: 'c', image: 'example.com/bench:1' }], ...extra },
  };
}

async function apiFloor(): Promise<number> {
  const server = await keelson('apiserver --no-node', ['--no-node']);
  try {
    await json(server, 'POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'floor' },
    });
    const agent = keepAliveAgent(32);
    const names = Array.from({ length: replicas }, (_, i) => `floor-${i}`);
    const started = performance.now();
    await pool(names, 32, async (name) => {
      const base = `/api/v1/namespaces/default/pods`;
      const write = async (method: string, path: string, body: unknown, type = 'application/json') => {
        const r = await send(agent, server.url, server.token, method, path, JSON.stringify(body));
        if (r.status >= 300)
          throw new Error(`${method} ${path}: ${r.status} ${r.body.toString().slice(0, 200)} (${type})`);
      };
      await write('POST', base, pod(name));
      await write('POST', `${base}/${name}/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name },
        target: { apiVersion: 'v1', kind: 'Node', name: 'floor' },
      });
      const now = new Date().toISOString();
      await statusPatch(agent, server, `${base}/${name}/status`, { phase: 'Running', podIP: '10.0.0.1' });
      await statusPatch(agent, server, `${base}/${name}/status`, {
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
      });
    });
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    return replicas / seconds;
  } finally {
    await server.stop();
  }
}

async function statusPatch(
  agent: ReturnType<typeof keepAliveAgent>,
  server: ServerProc,
  path: string,
  status: unknown,
) {
  const body = JSON.stringify({ status });
  const r = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      {
        host: server.url.hostname,
        port: server.url.port,
        path,
        method: 'PATCH',
        agent,
        headers: {
          Authorization: `Bearer ${server.token}`,
          'Content-Type': 'application/merge-patch+json',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  if (r.status >= 300) throw new Error(`PATCH ${path}: ${r.status} ${r.text.slice(0, 200)}`);
}

async function deploymentRollout(): Promise<{
  seconds: number;
  firstReadyPerSecond: number;
  rssMiB: number;
}> {
  const server = await keelson('apiserver with node', ['--sim-ready-delay', '0s']);
  try {
    await poll('the simulated node', async () => {
      const nodes = await json(server, 'GET', '/api/v1/nodes');
      return nodes.items.length > 0 ? true : undefined;
    });
    const started = performance.now();
    await json(server, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bench', namespace: 'default' },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'bench' } },
        template: {
          metadata: { labels: { app: 'bench' } },
          spec: { containers: [{ name: 'c', image: 'example.com/bench:1' }] },
        },
      },
    });
    let lastPrint = 0;
    await poll(
      'Deployment Available',
      async () => {
        const d = await json(server, 'GET', '/apis/apps/v1/namespaces/default/deployments/bench');
        const available = d.status?.availableReplicas ?? 0;
        if (performance.now() - lastPrint > 1000) {
          lastPrint = performance.now();
          process.stderr.write(`\r  available ${available}/${replicas}   `);
        }
        return available === replicas ? d : undefined;
      },
      600_000,
      100,
    );
    process.stderr.write('\n');
    const seconds = (performance.now() - started) / 1000;
    return {
      seconds,
      firstReadyPerSecond: replicas / seconds,
      rssMiB: procMemory(server.pid)?.rss ?? NaN,
    };
  } finally {
    await server.stop();
  }
}

async function processPodsRun(): Promise<number> {
  const server = await keelson('apiserver with process node', ['--process-pods']);
  try {
    await poll('the process node', async () => {
      const nodes = await json(server, 'GET', '/api/v1/nodes');
      return nodes.items.some((n: any) => n.metadata.labels?.type === 'keelson-process') ? true : undefined;
    });
    const started = performance.now();
    const agent = keepAliveAgent(16);
    await pool(
      Array.from({ length: processPods }, (_, i) => `proc-${i}`),
      16,
      async (name) => {
        const body = JSON.stringify(
          pod(name, {
            runtimeClassName: 'process',
            restartPolicy: 'Never',
            containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 0'] }],
          }),
        );
        const r = await send(
          agent,
          server.url,
          server.token,
          'POST',
          '/api/v1/namespaces/default/pods',
          body,
        );
        if (r.status >= 300)
          throw new Error(`create ${name}: ${r.status} ${r.body.toString().slice(0, 200)}`);
      },
    );
    agent.destroy();
    const createdAt = performance.now();
    process.stderr.write(
      `  created ${processPods} process pods in ${((createdAt - started) / 1000).toFixed(2)} s\n`,
    );
    await poll(
      'all process pods Succeeded',
      async () => {
        const pods = await json(server, 'GET', '/api/v1/namespaces/default/pods');
        const done = pods.items.filter((p: any) => p.status?.phase === 'Succeeded').length;
        const failed = pods.items.filter((p: any) => p.status?.phase === 'Failed');
        if (failed.length)
          throw new Error(`process pod failed: ${JSON.stringify(failed[0].status).slice(0, 400)}`);
        return done === processPods ? true : undefined;
      },
      600_000,
      100,
    );
    return processPods / ((performance.now() - started) / 1000);
  } finally {
    await server.stop();
  }
}

function xargsCeiling(): number {
  const started = performance.now();
  execFileSync('sh', ['-c', `seq ${processPods} | xargs -P ${parallel} -n1 sh -c 'exit 0'`]);
  return processPods / ((performance.now() - started) / 1000);
}

console.log(`bench/node: ${replicas} replicas, ${processPods} process pods (node ${process.version})`);
const floor = await apiFloor();
console.log(`API floor (create + bind + 2 status patches per pod, 32 in flight): ${floor.toFixed(0)} pods/s`);
const rollout = await deploymentRollout();
console.log(
  `simulated node: ${replicas}-replica Deployment Available in ${rollout.seconds.toFixed(2)} s = ${rollout.firstReadyPerSecond.toFixed(0)} pods/s to Ready` +
    ` (${(rollout.firstReadyPerSecond / floor).toFixed(2)}x the API floor; ${(rollout.firstReadyPerSecond / 20).toFixed(1)}x KWOK's published 20 pods/s); server RSS ${rollout.rssMiB.toFixed(0)} MiB`,
);
const processRate = await processPodsRun();
const ceiling = xargsCeiling();
console.log(
  `process node: ${processRate.toFixed(1)} pods/s started and completed; xargs -P ${parallel}: ${ceiling.toFixed(1)}/s; ratio ${(processRate / ceiling).toFixed(3)}`,
);
