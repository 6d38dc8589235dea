/**
 * Health checks and rollback against a real `keelson apiserver` with its simulated node, where a
 * pod becomes Ready after a second unless its template says `sim.keelson.dev/never-ready`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { eventually, startServer, type ServerProcess } from '../../../test/e2e/harness.ts';
import { keelsonCrds, type GitRepository, type Sync } from '../../api/crds/index.ts';
import type { KubeObject } from '../../api/meta.ts';
import { systemClock } from '../../base/clock.ts';
import { rfc3339 } from '../../base/time.ts';
import { KubeClient } from '../../runtime/client.ts';
import { findCondition } from '../../runtime/conditions.ts';
import { Manager } from '../../runtime/controller.ts';
import { InformerFactory } from '../../runtime/informer.ts';
import { syncApiVersion } from './reconciler.ts';
import { syncController } from './watches.ts';

const namespace = 'default';
let server: ServerProcess;
let client: KubeClient;
let manager: Manager;
let dir: string;

before(async () => {
  server = await startServer({ tls: true });
  client = KubeClient.fromFile(server.kubeconfig);
  for (const crd of keelsonCrds) await client.create(crd as KubeObject);
  await eventually('the CRDs served', async () => {
    await client.list(syncApiVersion, 'Sync');
    await client.list('source.keelson.dev/v1', 'GitRepository');
    return true;
  });
  manager = await startManager();
  dir = mkdtempSync(path.join(tmpdir(), 'keelson-sync-health-'));
});

after(async () => {
  await manager.stop();
  client.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh controller: nothing remembered from a previous one. */
async function startManager(): Promise<Manager> {
  const started = new Manager().add(
    syncController({
      client,
      informers: new InformerFactory(client),
      clock: systemClock,
      log: () => {},
      events: { event() {} },
    }),
  );
  await started.start();
  return started;
}

function deployment(annotations: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
      annotations: {${annotations}}
    spec:
      containers:
        - name: app
          image: nginx:1.25
`;
}

/** Writes the revision's files into a directory of its own, as artifacts are, and points the source at it. */
async function setArtifact(revision: string, deploymentYaml: string): Promise<void> {
  const at = path.join(dir, revision.replace(/\W/g, '-'));
  mkdirSync(at);
  writeFileSync(path.join(at, 'deployment.yaml'), deploymentYaml);
  await client.patchStatus(
    { apiVersion: 'source.keelson.dev/v1', kind: 'GitRepository', namespace, name: 'web' },
    {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Succeeded',
          message: 'ok',
          lastTransitionTime: rfc3339(Date.now()),
        },
      ],
      artifact: { revision, digest: `sha256:${revision}`, lastUpdateTime: rfc3339(Date.now()), path: at },
    },
  );
}

async function sync(): Promise<Sync> {
  return client.get<Sync>({ apiVersion: syncApiVersion, kind: 'Sync', namespace, name: 'web' });
}

test('waits for a Deployment to become available; rolls back an unhealthy revision, also after a controller restart', async () => {
  await client.create<GitRepository>({
    apiVersion: 'source.keelson.dev/v1',
    kind: 'GitRepository',
    metadata: { name: 'web', namespace },
    spec: { url: 'https://example.invalid/web.git', interval: '1h' },
  });
  await setArtifact('main@sha1:1', deployment(''));
  await client.create<Sync>({
    apiVersion: syncApiVersion,
    kind: 'Sync',
    metadata: { name: 'web', namespace },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'web' },
      interval: '10m',
      timeout: '4s',
      prune: true,
      wait: true,
      rollback: true,
    },
  });
  const healthy = await eventually(
    'Ready',
    async () => {
      const s = await sync();
      return findCondition(s.status, 'Ready')?.status === 'True' ? s : undefined;
    },
    20_000,
  );
  assert.equal(healthy.status?.lastHealthyRevision, 'main@sha1:1');
  const kept = await client.get<KubeObject & { type?: string; data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace,
    name: 'keelson.sync.web.healthy',
  });
  assert.equal(kept.type, 'sync.keelson.dev/healthy-build');
  assert.equal(Buffer.from(kept.data?.['revision'] ?? '', 'base64').toString(), 'main@sha1:1');
  assert.equal(kept.metadata.ownerReferences?.[0]?.uid, healthy.metadata.uid);

  // the build to roll back to must survive a restart of the controller: the new one first sees
  // the unhealthy revision, so only the kept Secret can tell it what to roll back to
  await manager.stop();
  await setArtifact('main@sha1:2', deployment('sim.keelson.dev/never-ready: "true"'));
  manager = await startManager();
  const failed = await eventually(
    'HealthCheckFailed',
    async () => {
      const s = await sync();
      return findCondition(s.status, 'Ready')?.reason === 'HealthCheckFailed' ? s : undefined;
    },
    30_000,
  );
  const message = findCondition(failed.status, 'Ready')?.message ?? '';
  assert.match(message, /Deployment default\/web/);
  assert.match(message, /rolled back to revision main@sha1:1/);
  assert.equal(failed.status?.lastAppliedRevision, 'main@sha1:1');
  assert.equal(failed.status?.lastHealthyRevision, 'main@sha1:1');
  const live = await client.get<
    KubeObject & { spec: { template: { metadata: { annotations?: Record<string, string> } } } }
  >({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'web' });
  assert.equal(live.spec.template.metadata.annotations?.['sim.keelson.dev/never-ready'], undefined);

  // anything that wakes the Sync now (here: drift) must not apply the failed revision again; the
  // rolled-back build is what drift is corrected to
  await client.patch(
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'web' },
    { spec: { replicas: 3 } },
    'merge',
    { fieldManager: 'someone-else' },
  );
  const corrected = await eventually(
    'replicas corrected to the rolled-back build',
    async () => {
      const d = await client.get<
        KubeObject & {
          spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> } } };
        }
      >({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'web' });
      return d.spec.replicas === 1 ? d : undefined;
    },
    20_000,
  );
  assert.equal(corrected.spec.template.metadata.annotations?.['sim.keelson.dev/never-ready'], undefined);
  const after = await sync();
  assert.equal(after.status?.lastAppliedRevision, 'main@sha1:1');
  assert.match(findCondition(after.status, 'Ready')?.message ?? '', /rolled back to revision main@sha1:1/);
});
