/**
 * Logs and artifacts of CI runs, end to end below `keelson up`: a real `keelson apiserver
 * --process-pods`, the JobRun controller, and the artifact store served over HTTP. Job pods really
 * run their entrypoint and sidecar as processes, and the sidecar uploads with tar and curl.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import type { PodSpec } from '../../src/api/ci/types.ts';
import { keelsonCrds, type JobRun, type JobRunSpec } from '../../src/api/crds/index.ts';
import { systemClock } from '../../src/base/clock.ts';
import { applyCrds } from '../../src/runtime/crds.ts';
import { KubeClient } from '../../src/runtime/client.ts';
import { Manager } from '../../src/runtime/controller.ts';
import { InformerFactory } from '../../src/runtime/informer.ts';
import { ArtifactStore } from '../../src/controllers/ci-artifacts/store.ts';
import { artifactsHandler } from '../../src/controllers/ci-artifacts/http.ts';
import { jobRunController } from '../../src/controllers/jobrun/watches.ts';
import { eventually, startServer, tempDir, type ServerProcess } from './harness.ts';
import { ciApiVersion } from '../../src/api/crds/ci.ts';

let server: ServerProcess;
let client: KubeClient;
let manager: Manager;
let store: ArtifactStore;
let http: Server;
let storeUrl: string;
/** Where pods upload: the store, or for one namespace a port nothing listens on. */
let refusedPort: number;

before(async () => {
  store = new ArtifactStore({ dir: tempDir('artifacts-') });
  http = createServer(artifactsHandler({ store, log: () => {} }));
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  storeUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
  refusedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((done) => closed.close(() => done()));

  server = await startServer({ args: ['--process-pods'] });
  client = KubeClient.fromFile(server.kubeconfig);
  await applyCrds(client, keelsonCrds, { fieldManager: 'keelson' });
  manager = new Manager().add(
    jobRunController({
      client,
      informers: new InformerFactory(client),
      clock: systemClock,
      log: () => {},
      artifacts: (run) =>
        store.forRun(
          run,
          run.metadata.namespace === 'no-store' ? `http://127.0.0.1:${refusedPort}` : storeUrl,
        ),
    }),
  );
  await manager.start();
});

after(async () => {
  await manager?.stop();
  client?.close();
  await server?.stop();
  await new Promise<void>((done) => http?.close(() => done()));
});

async function run(namespace: string, name: string, spec: Partial<JobRunSpec>): Promise<JobRun> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }).catch(() => {});
  await client.create<JobRun>({
    apiVersion: ciApiVersion,
    kind: 'JobRun',
    metadata: { name, namespace },
    spec: { type: 'periodic', job: name, decoration_config: { timeout: '5m', grace_period: '3s' }, ...spec },
  });
  return eventually(
    `jobrun ${name} finished`,
    async () => {
      const got = await client.get<JobRun>({ apiVersion: ciApiVersion, kind: 'JobRun', namespace, name });
      return got.status?.completionTime !== undefined && got;
    },
    60_000,
  );
}

function shell(script: string): PodSpec {
  return { containers: [{ image: 'alpine', command: ['/bin/sh', '-c', script] }] };
}

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  return response.text();
}

describe('CI logs and artifacts', { concurrency: true }, () => {
  test('a run uploads its build log, artifacts, started and finished; status.url is its page', async () => {
    const done = await run('store', 'build', {
      pod_spec: shell(
        'echo building; echo oops >&2; mkdir -p "$ARTIFACTS/junit"; echo "<ok/>" > "$ARTIFACTS/junit/r.xml"',
      ),
    });
    assert.equal(done.status?.state, 'success', done.status?.description);
    const url = done.status?.url ?? '';
    assert.equal(url, `${storeUrl}/artifacts/logs/build/${done.status?.build_id}/`);
    assert.equal(await text(`${url}build-log.txt`), 'building\noops\n');
    assert.equal(await text(`${url}artifacts/junit/r.xml`), '<ok/>\n');
    const finished = JSON.parse(await text(`${url}finished.json`)) as {
      passed: boolean;
      result: string;
      timestamp: number;
    };
    const started = JSON.parse(await text(`${url}started.json`)) as { timestamp: number };
    assert.deepEqual(
      { passed: finished.passed, result: finished.result },
      { passed: true, result: 'SUCCESS' },
    );
    assert.ok(finished.timestamp >= started.timestamp && started.timestamp > 1_600_000_000);
    const listing = (await (await fetch(`${url}?format=json`)).json()) as { files: { path: string }[] };
    assert.deepEqual(
      listing.files.map((f) => f.path),
      ['artifacts/junit/r.xml', 'build-log.txt', 'finished.json', 'marker-file.txt', 'started.json'],
    );
    assert.match(await text(url), /SUCCESS/);
  });

  test('a failing run uploads too, with result FAILURE', async () => {
    const done = await run('store', 'broken', { pod_spec: shell('echo "test failed: 1 != 2"; exit 3') });
    assert.equal(done.status?.state, 'failure');
    const url = done.status?.url ?? '';
    assert.equal(await text(`${url}build-log.txt`), 'test failed: 1 != 2\n');
    assert.equal(JSON.parse(await text(`${url}finished.json`)).result, 'FAILURE');
    assert.equal((await text(`${url}marker-file.txt`)).trim(), '3');
  });

  test('a run past its timeout still uploads what it logged, as ABORTED', async () => {
    const done = await run('store', 'hangs', {
      decoration_config: { timeout: '2s', grace_period: '5s' },
      pod_spec: shell('echo started; echo partial > "$ARTIFACTS/partial.txt"; sleep 60; echo never'),
    });
    assert.equal(done.status?.state, 'failure');
    assert.match(done.status?.description ?? '', /timed out after 2s/);
    const url = done.status?.url ?? '';
    const stored = await eventually('the upload after the timeout', async () => {
      const response = await fetch(`${url}finished.json`);
      return response.status === 200 && ((await response.json()) as { result: string });
    });
    assert.equal(stored.result, 'ABORTED');
    assert.equal(await text(`${url}build-log.txt`), 'started\n');
    assert.equal(await text(`${url}artifacts/partial.txt`), 'partial\n');
  });

  test('a job that passed but could not upload ends in error, saying so', async () => {
    const done = await run('no-store', 'orphan', { pod_spec: shell('echo fine') });
    assert.equal(done.status?.state, 'error');
    assert.match(
      done.status?.description ?? '',
      /succeeded but its logs and artifacts were not uploaded \(sidecar exited with 7\)/,
    );
  });
});
