/**
 * @kubernetes/client-node against the embedded API server: typed lists, server-side apply patches,
 * and an informer that survives a kill -9 of the server and relists after 410 Gone.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  makeInformer,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { SqliteStorage } from '../../src/apiserver/storage/sqlite-storage.ts';
import { eventually, freePort, repoRoot, startServer, type ServerProcess } from './harness.ts';

let server: ServerProcess | undefined;
after(async () => server?.stop());

function clients(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), objects: KubernetesObjectApi.makeApiClient(kc) };
}

it('lists, creates and applies with the typed client', async () => {
  server = await startServer({ tls: true });
  const { core, objects } = clients(server.kubeconfig);
  const namespaces = await core.listNamespace();
  assert.deepEqual(namespaces.items.map((n) => n.metadata?.name).sort(), [
    'default',
    'kube-node-lease',
    'kube-public',
    'kube-system',
  ]);
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'typed' }, data: { a: '1' } },
  });
  const read = await core.readNamespacedConfigMap({ name: 'typed', namespace: 'default' });
  assert.equal(read.data?.['a'], '1');

  const config = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'applied', namespace: 'default' },
    data: { owner: 'first' },
  };
  const applied: KubernetesObject = await objects.patch(
    config,
    undefined,
    undefined,
    'first',
    false,
    PatchStrategy.ServerSideApply,
  );
  assert.equal((applied as V1ConfigMap).data?.['owner'], 'first');
  assert.equal(applied.metadata?.managedFields?.[0]?.manager, 'first');
  assert.equal(applied.metadata?.managedFields?.[0]?.operation, 'Apply');
  await assert.rejects(
    objects.patch(
      { ...config, data: { owner: 'second' } },
      undefined,
      undefined,
      'second',
      false,
      PatchStrategy.ServerSideApply,
    ),
    (error: { code?: number; body?: string }) =>
      error.code === 409 && /Apply failed with 1 conflict/.test(String(error.body)),
  );
  const forced: KubernetesObject = await objects.patch(
    { ...config, data: { owner: 'second' } },
    undefined,
    undefined,
    'second',
    true,
    PatchStrategy.ServerSideApply,
  );
  assert.equal((forced as V1ConfigMap).data?.['owner'], 'second');
  assert.deepEqual(
    forced.metadata?.managedFields?.map((m) => m.manager),
    ['second'],
  );
});

it('`keelson apiserver kubeconfig --data D --cluster N` gives a working kubeconfig for that logical cluster', async () => {
  assert.ok(server);
  const written = execFileSync(
    join(repoRoot, 'bin', 'keelson'),
    ['apiserver', 'kubeconfig', '--data', server.dataDir, '--cluster', 'staging'],
    { encoding: 'utf8' },
  );
  const file = join(server.dataDir, 'kubeconfig-staging-test');
  writeFileSync(file, written);
  const { kc, core } = clients(file);
  assert.match(kc.getCurrentCluster()?.server ?? '', /\/clusters\/staging$/);
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'only-in-staging' } },
  });
  const management = clients(server.kubeconfig).core;
  const names = (await management.listNamespacedConfigMap({ namespace: 'default' })).items.map(
    (c) => c.metadata?.name,
  );
  assert.ok(
    !names.includes('only-in-staging'),
    'the object went to the staging cluster, not the management one',
  );
});

it('keeps an informer in sync through kill -9 and a 410 relist', async () => {
  const port = await freePort();
  server = await startServer({ port, history: 50, tls: true });
  const { kc, core } = clients(server.kubeconfig);
  const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () =>
    core.listNamespacedConfigMap({ namespace: 'default' }),
  );
  informer.on('error', () => setTimeout(() => void informer.start().catch(() => {}), 300));
  await informer.start();
  for (let i = 0; i < 5; i++)
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: `before-${i}` } },
    });
  await eventually('informer sees the first objects', async () => informer.list('default').length === 5);

  await server.kill();
  // while the server is down, write far more than the retained history straight into its storage
  const storage = new SqliteStorage(join(server.dataDir, 'state.db'), { window: 50 });
  const deleted = storage.get('/default/core/configmaps/default/before-0');
  assert.ok(deleted);
  storage.delete(deleted.key);
  for (let i = 0; i < 200; i++) {
    storage.create(`/default/core/configmaps/default/offline-${i}`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `offline-${i}`,
        namespace: 'default',
        uid: `uid-${i}`,
        creationTimestamp: new Date().toISOString(),
      },
    });
  }
  storage.compact();
  storage.close();

  server = await startServer({ dataDir: server.dataDir, port, history: 50, tls: true });
  await eventually('informer relists after 410', async () => informer.list('default').length === 204, 20_000);
  assert.equal(informer.get('before-0', 'default'), undefined);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after' } } });
  await eventually('informer watches again', async () => informer.get('after', 'default') !== undefined);
  await informer.stop();
});
