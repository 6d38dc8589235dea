/**
 * The Sync controller against a real `keelson apiserver` process. Sources are GitRepository objects
 * whose status this test writes itself, pointing at temporary directories, so no git is involved.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { eventually, kubectl, startServer, type ServerProcess } from '../../../test/e2e/harness.ts';
import { keelsonCrds, watchLabel, type GitRepository, type Sync } from '../../api/crds/index.ts';
import type { KubeObject } from '../../api/meta.ts';
import { systemClock } from '../../base/clock.ts';
import { rfc3339 } from '../../base/time.ts';
import { KubeClient, type ObjectRef } from '../../runtime/client.ts';
import { findCondition } from '../../runtime/conditions.ts';
import { Manager } from '../../runtime/controller.ts';
import type { EventSink } from '../../runtime/events.ts';
import { InformerFactory } from '../../runtime/informer.ts';
import { nameLabel } from '../../api/sync-objects.ts';
import { requestedAtAnnotation, syncApiVersion } from './reconciler.ts';
import { logicalClusterClient } from '../../runtime/derived-clients.ts';
import { syncController } from './watches.ts';

const namespace = 'default';
const gitApiVersion = 'source.keelson.dev/v1';

let server: ServerProcess;
let client: KubeClient;
let manager: Manager;
/** The controller's client (management and default target): counts the requests a reconcile makes. */
let target: CountingClient;

class CountingClient extends KubeClient {
  requests: string[] = [];
  override async request<T = unknown>(
    method: string,
    path: string,
    options?: Parameters<KubeClient['request']>[2],
  ): Promise<T> {
    this.requests.push(`${method} ${path}`);
    return super.request<T>(method, path, options);
  }
}
const dirs: string[] = [];
const events: { name: string; type: string; reason: string; message: string }[] = [];
const recorder: EventSink = {
  event(object, type, reason, message) {
    events.push({ name: object.metadata.name ?? '', type, reason, message });
  },
};

before(async () => {
  server = await startServer({ tls: true, args: ['--no-node'] });
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
  target = new CountingClient(client.config);
  const informers = new InformerFactory(client);
  manager = new Manager().add(
    syncController({
      client: target,
      informers,
      clock: systemClock,
      log: () => {},
      events: recorder,
      backoff: { base: 500 },
    }),
  );
  await manager.start();
});

after(async () => {
  await manager.stop();
  target.close();
  client.close();
  await server.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function artifactDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'keelson-sync-'));
  dirs.push(dir);
  writeFiles(dir, files);
  return dir;
}

function writeFiles(dir: string, files: Record<string, string | null>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (text === null) rmSync(file, { force: true });
    else {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }
}

async function createNamespace(name: string): Promise<void> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

async function setArtifact(name: string, dir: string, revision: string): Promise<void> {
  await client.patchStatus(
    { apiVersion: gitApiVersion, kind: 'GitRepository', namespace, name },
    {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Succeeded',
          message: `stored artifact for revision '${revision}'`,
          lastTransitionTime: rfc3339(Date.now()),
        },
      ],
      artifact: { revision, digest: `sha256:${revision}`, lastUpdateTime: rfc3339(Date.now()), path: dir },
    },
  );
}

async function createSource(name: string, dir: string, revision: string): Promise<void> {
  await client.create<GitRepository>({
    apiVersion: gitApiVersion,
    kind: 'GitRepository',
    metadata: { name, namespace },
    spec: { url: `https://example.invalid/${name}.git`, interval: '1h' },
  });
  await setArtifact(name, dir, revision);
}

async function createSync(name: string, spec: Partial<Sync['spec']>): Promise<void> {
  await client.create<Sync>({
    apiVersion: syncApiVersion,
    kind: 'Sync',
    metadata: { name, namespace },
    spec: { sourceRef: { kind: 'GitRepository', name }, interval: '10m', prune: true, ...spec },
  });
}

function syncRef(name: string): ObjectRef {
  return { apiVersion: syncApiVersion, kind: 'Sync', namespace, name };
}

async function readyOf(
  name: string,
): Promise<{ sync: Sync; status?: string; reason?: string; message?: string }> {
  const sync = await client.get<Sync>(syncRef(name));
  const ready = findCondition(sync.status, 'Ready');
  return {
    sync,
    ...(ready?.status !== undefined && { status: ready.status }),
    ...(ready?.reason !== undefined && { reason: ready.reason }),
    ...(ready?.message !== undefined && { message: ready.message }),
  };
}

async function waitFor(
  name: string,
  what: string,
  check: (r: Awaited<ReturnType<typeof readyOf>>) => boolean,
  timeoutMs = 10_000,
): Promise<Sync> {
  return eventually(
    `sync ${name}: ${what}`,
    async () => {
      const r = await readyOf(name);
      return check(r) ? r.sync : undefined;
    },
    timeoutMs,
  );
}

const ref = (kind: string, ns: string, name: string, apiVersion = 'v1'): ObjectRef => ({
  apiVersion,
  kind,
  namespace: ns,
  name,
});

function configMap(name: string, data: Record<string, string>): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n')}\n`;
}

const deployment = (name: string, image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: app
          image: ${image}
`;

const service = (name: string): string => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector: { app: ${name} }
  ports:
    - port: 80
      targetPort: 8080
`;

describe('sync controller', () => {
  test('applies a directory, configures a changed file, prunes a removed one', async () => {
    await createNamespace('apps');
    const dir = artifactDir({
      'config.yaml': configMap('settings', { color: 'blue' }),
      'deployment.yaml': deployment('web', 'nginx:1.25'),
      'service.yaml': service('web'),
    });
    await createSource('apps', dir, 'main@sha1:1');
    await createSync('apps', { targetNamespace: 'apps' });
    const sync = await waitFor('apps', 'Ready', (r) => r.status === 'True');
    assert.equal(sync.status?.lastAppliedRevision, 'main@sha1:1');
    assert.equal(sync.status?.lastAttemptedRevision, 'main@sha1:1');
    assert.deepEqual(sync.status?.inventory?.entries.map((e) => e.id).sort(), [
      'apps_settings__ConfigMap',
      'apps_web__Service',
      'apps_web_apps_Deployment',
    ]);
    assert.ok(sync.status?.objects?.every((o) => o.action === 'created'));
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(
      ref('ConfigMap', 'apps', 'settings'),
    );
    assert.equal(cm.data?.color, 'blue');
    assert.equal(cm.metadata.labels?.[nameLabel], 'apps');
    await client.get(ref('Deployment', 'apps', 'web', 'apps/v1'));
    await client.get(ref('Service', 'apps', 'web'));
    assert.ok(events.some((e) => e.name === 'apps' && e.message.includes('created 3')));

    writeFiles(dir, { 'config.yaml': configMap('settings', { color: 'green' }) });
    await setArtifact('apps', dir, 'main@sha1:2');
    const configured = await waitFor(
      'apps',
      'revision 2 applied',
      (r) => r.sync.status?.lastAppliedRevision === 'main@sha1:2',
    );
    // status.objects holds the latest reconcile's results; the event of the one that wrote says what changed
    assert.ok(
      configured.status?.objects?.every((o) => o.action === 'configured' || o.action === 'unchanged'),
    );
    await eventually('a configured event', async () =>
      events.some((e) => e.name === 'apps' && e.message === 'configured 1, unchanged 2'),
    );
    const cm2 = await client.get<KubeObject & { data?: Record<string, string> }>(
      ref('ConfigMap', 'apps', 'settings'),
    );
    assert.equal(cm2.data?.color, 'green');

    writeFiles(dir, { 'service.yaml': null });
    await setArtifact('apps', dir, 'main@sha1:3');
    const pruned = await waitFor(
      'apps',
      'revision 3 applied',
      (r) => r.sync.status?.lastAppliedRevision === 'main@sha1:3',
    );
    assert.ok(pruned.status?.objects?.some((o) => o.id === 'apps_web__Service' && o.action === 'deleted'));
    assert.equal(await client.tryGet(ref('Service', 'apps', 'web')), undefined);
    assert.equal(pruned.status?.inventory?.entries.length, 2);
  });

  test('a resync of unchanged objects sends nothing to the target', async () => {
    await createNamespace('quiet');
    const dir = artifactDir({
      'config.yaml': configMap('settings', { color: 'blue' }),
      'deployment.yaml': deployment('web', 'nginx:1.25'),
      'service.yaml': service('web'),
    });
    await createSource('quiet', dir, 'main@sha1:1');
    await createSync('quiet', { targetNamespace: 'quiet' });
    await waitFor('quiet', 'Ready', (r) => r.status === 'True');
    await new Promise((r) => setTimeout(r, 300));
    target.requests = [];
    await client.patch(syncRef('quiet'), { metadata: { annotations: { [requestedAtAnnotation]: 'now' } } });
    const again = await waitFor('quiet', 'resynced', (r) => r.sync.status?.lastHandledReconcileAt === 'now');
    assert.ok(again.status?.objects?.every((o) => o.action === 'unchanged'));
    const mine = target.requests.filter((r) => r.includes('/namespaces/quiet/'));
    assert.deepEqual(mine, []);
    assert.ok(target.requests.some((r) => r.startsWith('PATCH') && r.includes('/syncs/quiet/status')));
  });

  test('postBuild substitutes variables from spec and ConfigMaps; an optional Secret may be missing', async () => {
    await createNamespace('vars');
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-vars', namespace },
      data: { REGION: 'eu-1', COLOR: 'from-configmap' },
    });
    const dir = artifactDir({
      'a.yaml': configMap('a', { region: '${REGION}', color: '${COLOR}', size: '${SIZE:=m}' }),
    });
    await createSource('vars', dir, 'main@sha1:1');
    await createSync('vars', {
      targetNamespace: 'vars',
      postBuild: {
        substitute: { COLOR: 'from-spec' },
        substituteFrom: [
          { kind: 'ConfigMap', name: 'cluster-vars' },
          { kind: 'Secret', name: 'absent', optional: true },
        ],
      },
    });
    await waitFor('vars', 'Ready', (r) => r.status === 'True');
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(
      ref('ConfigMap', 'vars', 'a'),
    );
    assert.deepEqual(cm.data, { region: 'eu-1', color: 'from-spec', size: 'm' });
  });

  test('applies a CRD before its custom resources, atomically', async () => {
    await createNamespace('crds');
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
    const widget = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n';
    const dir = artifactDir({ 'a-widget.yaml': widget, 'b-crd.yaml': crd });
    await createSource('crds', dir, 'main@sha1:1');
    await createSync('crds', { targetNamespace: 'crds' });
    const sync = await waitFor('crds', 'Ready', (r) => r.status === 'True', 20_000);
    assert.deepEqual(
      sync.status?.inventory?.entries.map((e) => e.id),
      ['crds_w_example.com_Widget', '_widgets.example.com_apiextensions.k8s.io_CustomResourceDefinition'],
    );
    assert.ok(await client.tryGet(ref('Widget', 'crds', 'w', 'example.com/v1')));
  });

  test('spec.target.cluster applies to that logical cluster', async () => {
    const dir = artifactDir({ 'a.yaml': configMap('remote', { x: '1' }) });
    await createSource('remote', dir, 'main@sha1:1');
    await createSync('remote', { target: { cluster: 'edge-1' } });
    await waitFor('remote', 'Ready', (r) => r.status === 'True');
    const edge = logicalClusterClient(client, 'edge-1');
    try {
      assert.ok(await edge.tryGet(ref('ConfigMap', 'default', 'remote')));
      assert.equal(await client.tryGet(ref('ConfigMap', 'default', 'remote')), undefined);
    } finally {
      edge.close();
    }
  });

  test('never prunes an object Keelson did not apply', async () => {
    await createNamespace('keep');
    const dir = artifactDir({ 'a.yaml': configMap('a', { x: '1' }), 'b.yaml': configMap('b', { x: '1' }) });
    await createSource('keep', dir, 'main@sha1:1');
    await createSync('keep', { targetNamespace: 'keep' });
    await waitFor('keep', 'Ready', (r) => r.status === 'True');
    // someone takes b over: the ownership labels go
    await client.patch(ref('ConfigMap', 'keep', 'b'), {
      metadata: { labels: { 'sync.keelson.dev/name': null, 'sync.keelson.dev/namespace': null } },
    });
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'mine', namespace: 'keep' },
    });
    writeFiles(dir, { 'b.yaml': null });
    await setArtifact('keep', dir, 'main@sha1:2');
    await waitFor('keep', 'revision 2 applied', (r) => r.sync.status?.lastAppliedRevision === 'main@sha1:2');
    assert.ok(await client.tryGet(ref('ConfigMap', 'keep', 'b')), 'b is no longer Keelson’s and stays');
    assert.ok(await client.tryGet(ref('ConfigMap', 'keep', 'mine')));
    assert.ok(await client.tryGet(ref('ConfigMap', 'keep', 'a')));
  });

  test('malformed YAML: BuildFailed naming the file, nothing applied, live untouched', async () => {
    await createNamespace('broken');
    const dir = artifactDir({ 'a.yaml': configMap('a', { x: '1' }) });
    await createSource('broken', dir, 'main@sha1:1');
    await createSync('broken', { targetNamespace: 'broken' });
    await waitFor('broken', 'Ready', (r) => r.status === 'True');
    writeFiles(dir, {
      'a.yaml': configMap('a', { x: '2' }),
      'bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n    oops: [\n',
    });
    await setArtifact('broken', dir, 'main@sha1:2');
    const failed = await waitFor('broken', 'BuildFailed', (r) => r.reason === 'BuildFailed');
    assert.match(findCondition(failed.status, 'Ready')?.message ?? '', /bad\.yaml:\d+/);
    assert.equal(findCondition(failed.status, 'Stalled')?.status, 'True');
    assert.equal(failed.status?.lastAppliedRevision, 'main@sha1:1');
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(
      ref('ConfigMap', 'broken', 'a'),
    );
    assert.equal(cm.data?.x, '1');
  });

  test('atomic applies nothing when one object is invalid; partial applies the rest', async () => {
    await createNamespace('policy');
    const files = {
      'good.yaml': configMap('good', { x: '1' }),
      'invalid.yaml': service('invalid').replace('port: 80', 'port: 99999'),
    };
    const dir = artifactDir(files);
    await createSource('atomic', dir, 'main@sha1:1');
    await createSync('atomic', { targetNamespace: 'policy' });
    const atomic = await waitFor('atomic', 'ValidationFailed', (r) => r.reason === 'ValidationFailed');
    assert.match(findCondition(atomic.status, 'Ready')?.message ?? '', /policy_invalid__Service/);
    assert.equal(await client.tryGet(ref('ConfigMap', 'policy', 'good')), undefined);

    await client.delete(syncRef('atomic'));
    await createSource('partial', dir, 'main@sha1:1');
    await createSync('partial', { targetNamespace: 'policy', applyPolicy: 'partial' });
    const partial = await waitFor(
      'partial',
      'ReconciliationFailed',
      (r) => r.reason === 'ReconciliationFailed',
    );
    assert.match(findCondition(partial.status, 'Ready')?.message ?? '', /policy_invalid__Service/);
    const actions = Object.fromEntries(partial.status?.objects?.map((o) => [o.id, o.action]) ?? []);
    assert.equal(actions['policy_good__ConfigMap'], 'created');
    assert.equal(actions['policy_invalid__Service'], 'failed');
    assert.ok(await client.tryGet(ref('ConfigMap', 'policy', 'good')));
  });

  test('dependsOn waits and says why', async () => {
    await createNamespace('deps');
    const dir = artifactDir({ 'a.yaml': configMap('after', { x: '1' }) });
    await createSource('after', dir, 'main@sha1:1');
    await createSync('after', { targetNamespace: 'deps', dependsOn: [{ name: 'before' }] });
    const waiting = await waitFor('after', 'DependencyNotReady', (r) => r.reason === 'DependencyNotReady');
    assert.match(findCondition(waiting.status, 'Ready')?.message ?? '', /default\/before.*not found/);

    const broken = artifactDir({ 'x.yaml': 'kind: [\n' });
    await createSource('before', broken, 'main@sha1:1');
    await createSync('before', { targetNamespace: 'deps' });
    const why = await waitFor('after', 'says why before is not ready', (r) =>
      /default\/before.*not ready/.test(r.message ?? ''),
    );
    assert.match(findCondition(why.status, 'Ready')?.message ?? '', /x\.yaml/);
    assert.equal(await client.tryGet(ref('ConfigMap', 'deps', 'after')), undefined);

    writeFiles(broken, { 'x.yaml': configMap('before', { x: '1' }) });
    await setArtifact('before', broken, 'main@sha1:2');
    await waitFor('after', 'Ready once before is', (r) => r.status === 'True', 40_000);
    assert.ok(await client.tryGet(ref('ConfigMap', 'deps', 'after')));
  });

  test('driftPolicy revert: a field changed by another manager is reverted and recorded', async () => {
    await createNamespace('revert');
    const dir = artifactDir({ 'a.yaml': configMap('a', { color: 'blue' }) });
    await createSource('revert', dir, 'main@sha1:1');
    await createSync('revert', { targetNamespace: 'revert' });
    await waitFor('revert', 'Ready', (r) => r.status === 'True');
    const patched = await kubectl(server.kubeconfig, [
      'patch',
      'configmap',
      'a',
      '-n',
      'revert',
      '--type=merge',
      '-p',
      '{"data":{"color":"red"}}',
    ]);
    assert.equal(patched.code, 0, patched.stderr);
    await eventually(
      'color reverted',
      async () => {
        const cm = await client.get<KubeObject & { data?: Record<string, string> }>(
          ref('ConfigMap', 'revert', 'a'),
        );
        return cm.data?.color === 'blue';
      },
      5_000,
    );
    const sync = await waitFor('revert', 'drift recorded', (r) => (r.sync.status?.drift?.length ?? 0) > 0);
    assert.equal(sync.status?.drift?.[0]?.action, 'reverted');
  });

  test('driftPolicy report: records manager and fields, leaves the object alone', async () => {
    await createNamespace('report');
    const dir = artifactDir({ 'a.yaml': configMap('a', { color: 'blue', size: 'l' }) });
    await createSource('report', dir, 'main@sha1:1');
    await createSync('report', { targetNamespace: 'report', driftPolicy: 'report' });
    await waitFor('report', 'Ready', (r) => r.status === 'True');
    const patched = await kubectl(server.kubeconfig, [
      'patch',
      'configmap',
      'a',
      '-n',
      'report',
      '--type=merge',
      '-p',
      '{"data":{"color":"red"}}',
    ]);
    assert.equal(patched.code, 0, patched.stderr);
    const sync = await waitFor('report', 'drift reported', (r) => (r.sync.status?.drift?.length ?? 0) > 0);
    const record = sync.status?.drift?.[0];
    assert.equal(record?.action, 'reported');
    assert.equal(record?.id, 'report_a__ConfigMap');
    assert.equal(record?.manager, 'kubectl-patch');
    assert.deepEqual(record?.fields, ['.data.color']);
    assert.ok(
      events.some((e) => e.name === 'report' && e.type === 'Warning' && e.reason === 'DriftDetected'),
    );
    await new Promise((r) => setTimeout(r, 500));
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(
      ref('ConfigMap', 'report', 'a'),
    );
    assert.equal(cm.data?.color, 'red');
  });

  test('a labelled ConfigMap named by substituteFrom wakes its Syncs when its data changes', async () => {
    await createNamespace('woken');
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'woken-vars', namespace, labels: { [watchLabel]: 'Enabled' } },
      data: { COLOR: 'blue' },
    });
    await createSource(
      'woken',
      artifactDir({ 'a.yaml': configMap('a', { color: '${COLOR}' }) }),
      'main@sha1:1',
    );
    await createSync('woken', {
      targetNamespace: 'woken',
      postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'woken-vars' }] },
    });
    await waitFor('woken', 'Ready', (r) => r.status === 'True');
    await client.patch(ref('ConfigMap', namespace, 'woken-vars'), { data: { COLOR: 'green' } });
    // the Sync's interval is 10m: only the watch can bring the new value this soon
    await eventually('the new value applied', async () => {
      const cm = await client.get<KubeObject & { data?: Record<string, string> }>(
        ref('ConfigMap', 'woken', 'a'),
      );
      return cm.data?.color === 'green';
    });
  });

  test('serviceAccountName: writes are made as that service account, within its RBAC', async () => {
    await createNamespace('tenant');
    await client.create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'deployer', namespace },
    });
    await createSource('tenant', artifactDir({ 'a.yaml': configMap('a', { x: '1' }) }), 'main@sha1:1');
    await createSync('tenant', {
      targetNamespace: 'tenant',
      serviceAccountName: 'deployer',
      retryInterval: '1s',
    });
    const refused = await waitFor(
      'tenant',
      'refused',
      (r) => r.status === 'False' && /forbidden/i.test(r.message ?? ''),
    );
    assert.match(
      findCondition(refused.status, 'Ready')?.message ?? '',
      /system:serviceaccount:default:deployer/,
    );
    assert.equal(await client.tryGet(ref('ConfigMap', 'tenant', 'a')), undefined);

    await client.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer-edit', namespace: 'tenant' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace }],
    });
    await waitFor('tenant', 'Ready once allowed', (r) => r.status === 'True', 20_000);
    const cm = await client.get(ref('ConfigMap', 'tenant', 'a'));
    assert.ok(cm.metadata.managedFields?.some((m) => m.manager === 'keelson' && m.operation === 'Apply'));
  });

  test('spec.target.kubeConfig: applies through the kubeconfig in a Secret; a missing Secret says so', async () => {
    await createSource('kc', artifactDir({ 'a.yaml': configMap('kc', { x: '1' }) }), 'main@sha1:1');
    await createSync('kc', {
      target: { kubeConfig: { secretRef: { name: 'edge-2-kubeconfig' } } },
      retryInterval: '1s',
    });
    await waitFor(
      'kc',
      'missing Secret reported',
      (r) =>
        r.reason === 'TargetFailed' && /Secret default\/edge-2-kubeconfig not found/.test(r.message ?? ''),
    );
    // a kubeconfig for the logical cluster edge-2 of the same server
    const kubeconfig = readFileSync(server.kubeconfig, 'utf8').replace(
      /server: (\S+)/,
      (_m, url: string) => `server: ${url.replace(/\/$/, '')}/clusters/edge-2`,
    );
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'edge-2-kubeconfig', namespace },
      data: { value: Buffer.from(kubeconfig).toString('base64') },
    });
    await waitFor('kc', 'Ready', (r) => r.status === 'True', 20_000);
    const edge = logicalClusterClient(client, 'edge-2');
    try {
      assert.ok(await edge.tryGet(ref('ConfigMap', 'default', 'kc')));
      assert.equal(await client.tryGet(ref('ConfigMap', 'default', 'kc')), undefined);
    } finally {
      edge.close();
    }
  });

  test('deleting a pruning Sync deletes its objects', async () => {
    await createNamespace('gone');
    const dir = artifactDir({ 'a.yaml': configMap('a', { x: '1' }), 'b.yaml': configMap('b', { x: '1' }) });
    await createSource('gone', dir, 'main@sha1:1');
    await createSync('gone', { targetNamespace: 'gone' });
    await waitFor('gone', 'Ready', (r) => r.status === 'True');
    await client.delete(syncRef('gone'));
    await eventually('the Sync gone', async () => (await client.tryGet(syncRef('gone'))) === undefined);
    assert.equal(await client.tryGet(ref('ConfigMap', 'gone', 'a')), undefined);
    assert.equal(await client.tryGet(ref('ConfigMap', 'gone', 'b')), undefined);
  });
});
