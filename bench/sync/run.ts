/**
 * Sync benchmarks (figures, not tests), on one embedded server (`bin/keelson apiserver --no-node`):
 * initial sync of N ConfigMaps by Keelson's Sync controller against `kubectl apply --server-side`
 * and `kubectl apply` of the same directory, and a no-op resync of the N unchanged objects.
 *
 * `npm run bench:sync [-- --objects 1000]`
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { installCrds } from '../../src/cmd/controllers.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import type { Sync } from '../../src/api/crds/index.ts';
import { systemClock } from '../../src/base/clock.ts';
import { syncController } from '../../src/controllers/sync/watches.ts';
import { KubeClient } from '../../src/runtime/client.ts';
import { Manager } from '../../src/runtime/controller.ts';
import { InformerFactory } from '../../src/runtime/informer.ts';
import { startServer, tempDir } from '../../test/e2e/harness.ts';

const { values } = parseArgs({ options: { objects: { type: 'string', default: '1000' } } });
const n = Number(values.objects);

function manifests(namespace: string): string {
  const dir = tempDir('keelson-bench-sync-');
  mkdirSync(join(dir, 'app'));
  const docs: string[] = [];
  for (let i = 0; i < n; i++)
    docs.push(
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: ${namespace}\ndata:\n  index: "${i}"\n  payload: "${'x'.repeat(200)}"\n`,
    );
  writeFileSync(join(dir, 'app', 'objects.yaml'), docs.join('---\n'));
  return dir;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const server = await startServer({ tls: true, args: ['--no-node'] });
const client = KubeClient.fromFile(server.kubeconfig);
const kubectl = (...args: string[]) =>
  execFileSync('kubectl', ['--kubeconfig', server.kubeconfig, ...args], {
    env: { ...process.env, HOME: server.dataDir },
    maxBuffer: 1 << 28,
  });
try {
  console.log(`bench/sync: ${n} ConfigMaps (node ${process.version})`);
  const timings: Record<string, number> = {};
  for (const [label, args] of [
    ['kubectl apply --server-side', ['apply', '--server-side']],
    ['kubectl apply', ['apply']],
  ] as const) {
    const namespace = label.includes('server') ? 'peer-ssa' : 'peer-csa';
    kubectl('create', 'namespace', namespace);
    const dir = manifests(namespace);
    const started = performance.now();
    kubectl(...args, '-f', join(dir, 'app'));
    timings[label] = (performance.now() - started) / 1000;
    console.log(`${label}: ${timings[label].toFixed(2)} s`);
  }

  await installCrds(client);
  kubectl('create', 'namespace', 'keelson');
  kubectl('create', 'namespace', 'target');
  const dir = manifests('target');
  const repo: KubeObject = {
    apiVersion: 'source.keelson.dev/v1',
    kind: 'GitRepository',
    metadata: { name: 'bench', namespace: 'keelson' },
    spec: { url: 'https://example.com/bench.git', interval: '1h', suspend: true },
  };
  await client.create(repo);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await client.patchStatus(
    { apiVersion: 'source.keelson.dev/v1', kind: 'GitRepository', namespace: 'keelson', name: 'bench' },
    {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'bench', lastTransitionTime: now },
      ],
      artifact: {
        revision: 'main@sha1:0000000000000000000000000000000000000001',
        digest: 'sha256:00',
        lastUpdateTime: now,
        path: dir,
      },
    },
  );
  const informers = new InformerFactory(client);
  const manager = new Manager().add(syncController({ client, informers, clock: systemClock, log: () => {} }));
  await manager.start();
  const syncRef = { apiVersion: 'sync.keelson.dev/v1', kind: 'Sync', namespace: 'keelson', name: 'bench' };
  const started = performance.now();
  await client.create({
    apiVersion: 'sync.keelson.dev/v1',
    kind: 'Sync',
    metadata: { name: 'bench', namespace: 'keelson' },
    spec: { sourceRef: { kind: 'GitRepository', name: 'bench' }, path: './app', interval: '1h', prune: true },
  });
  const ready = async () =>
    (await client.get<Sync>(syncRef)).status?.conditions?.some(
      (c) => c.type === 'Ready' && c.status === 'True',
    ) ?? false;
  await waitUntil(ready);
  const initial = (performance.now() - started) / 1000;
  console.log(
    `keelson Sync initial: ${initial.toFixed(2)} s = ${(timings['kubectl apply --server-side']! / initial).toFixed(2)}x kubectl apply --server-side's speed, ${(timings['kubectl apply']! / initial).toFixed(2)}x kubectl apply's`,
  );
  const requestedAt = String(Date.now());
  const resync = performance.now();
  await client.patch(syncRef, {
    metadata: { annotations: { 'reconcile.keelson.dev/requestedAt': requestedAt } },
  });
  await waitUntil(
    async () => (await client.get<Sync>(syncRef)).status?.lastHandledReconcileAt === requestedAt,
  );
  console.log(
    `keelson Sync no-op resync of ${n} unchanged objects: ${((performance.now() - resync) / 1000).toFixed(2)} s`,
  );
  await manager.stop();
  await informers.stopAll();
} finally {
  client.close();
  await server.stop();
}
