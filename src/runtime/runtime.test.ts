/**
 * The runtime against a real `keelson apiserver` process: the client's verbs, an informer's cache
 * and indexes through changes, and a controller's guarantees.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { eventually, startServer, type ServerProcess } from '../../test/e2e/harness.ts';
import { isNotFound, KubeClient } from './client.ts';
import { Controller, Manager, TerminalError, type Request } from './controller.ts';
import { InformerFactory } from './informer.ts';

let server: ServerProcess;
let client: KubeClient;

before(async () => {
  server = await startServer({ tls: true, args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
});
after(async () => {
  client.close();
  await server.stop();
});

function configMap(
  name: string,
  data: Record<string, string> = {},
  labels: Record<string, string> = {},
): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels }, data };
}

test('client: create, get, patch, apply, delete and typed errors', async () => {
  const created = await client.create(configMap('c1', { a: '1' }));
  assert.ok(created.metadata.uid);
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c1' };
  const patched = await client.patch(ref, { data: { b: '2' } });
  assert.deepEqual(patched.data, { a: '1', b: '2' });
  const applied = await client.apply(configMap('c1', { c: '3' }), { fieldManager: 'test' });
  assert.equal((applied.data as Record<string, string>).c, '3');
  await assert.rejects(
    client.create(configMap('c1')),
    (e: Error & { reason?: string }) => e.reason === 'AlreadyExists',
  );
  const stale = { ...created, data: { x: 'y' } };
  await assert.rejects(client.update(stale), (e: Error & { reason?: string }) => e.reason === 'Conflict');
  await client.delete(ref);
  await assert.rejects(client.get(ref), isNotFound);
  assert.equal(await client.deleteIfExists(ref), false);
  const deployments = await client.resource('apps/v1', 'Deployment');
  assert.deepEqual(deployments, {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
  });
});

test('informer: fills its cache, follows changes, keeps indexes', async () => {
  const factory = new InformerFactory(client);
  const informer = factory.for('v1', 'ConfigMap', { namespace: 'default' });
  informer.addIndex('team', (o) => (o.metadata.labels?.team ? [o.metadata.labels.team] : []));
  await client.create(configMap('i1', {}, { team: 'red' }));
  const events: string[] = [];
  informer.on({
    add: (o) => events.push(`add ${o.metadata.name}`),
    update: (_old, o) => events.push(`update ${o.metadata.name}`),
    delete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  factory.startAll();
  await factory.waitForSync();
  assert.equal(informer.get('default/i1')?.metadata.labels?.team, 'red');
  await client.create(configMap('i2', {}, { team: 'blue' }));
  await client.patch(
    { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'i1' },
    { metadata: { labels: { team: 'blue' } } },
  );
  await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'i2' });
  await eventually('the delete event', async () => events.includes('delete i2'));
  assert.deepEqual(events, ['add i1', 'add i2', 'update i1', 'delete i2']);
  assert.deepEqual(
    informer.byIndex('team', 'blue').map((o) => o.metadata.name),
    ['i1'],
  );
  assert.deepEqual(informer.byIndex('team', 'red'), []);
  await factory.stopAll();
});

test('controller: reconciles each change, never one key concurrently, retries with backoff', async () => {
  const factory = new InformerFactory(client);
  const informer = factory.for('v1', 'ConfigMap', { namespace: 'default', labelSelector: 'ctl=yes' });
  const running = new Set<string>();
  let overlapped = false;
  const attempts = new Map<string, number>();
  const controller = new Controller({
    name: 'test',
    workers: 4,
    backoff: { base: 10 },
    reconciler: {
      async reconcile(request: Request) {
        if (running.has(request.name)) overlapped = true;
        running.add(request.name);
        await new Promise((r) => setTimeout(r, 20));
        running.delete(request.name);
        const n = (attempts.get(request.name) ?? 0) + 1;
        attempts.set(request.name, n);
        if (request.name === 'flaky' && n < 3) throw new Error('not yet');
        if (request.name === 'broken') throw new TerminalError('cannot fix');
        const live = informer.get(`default/${request.name}`);
        if (live && !live.metadata.annotations?.seen) {
          await client.patch(
            { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: request.name },
            { metadata: { annotations: { seen: 'yes' } } },
          );
        }
        return {};
      },
    },
  }).for(informer);
  const manager = new Manager().add(controller);
  await manager.start();
  await client.create(configMap('flaky', {}, { ctl: 'yes' }));
  await client.create(configMap('broken', {}, { ctl: 'yes' }));
  for (let i = 0; i < 5; i++)
    await client
      .patch(
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'broken' },
        { data: { i: String(i) } },
      )
      .catch(() => {});
  await eventually('flaky reconciled', async () => {
    const flaky = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'flaky',
    });
    return flaky.metadata.annotations?.seen === 'yes';
  });
  assert.ok((attempts.get('flaky') ?? 0) >= 3, 'failed reconciles were retried');
  assert.equal(overlapped, false, 'one key is never reconciled by two workers at once');
  assert.ok(
    (attempts.get('broken') ?? 0) <= 6,
    'a terminal error is not retried (only reconciled again on change)',
  );
  await manager.stop();
  await factory.stopAll();
});
