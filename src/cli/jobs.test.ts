/**
 * `keelson jobs` and `keelson logs` with the real `bin/keelson` against a real API server whose node
 * runs process pods: JobRuns are written by the test (playing the runner), the pod really runs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { eventually, repoRoot, startServer, type ServerProcess } from '../../test/e2e/harness.ts';
import { keelsonCrds, type JobRun } from '../api/crds/index.ts';
import type { KubeObject } from '../api/meta.ts';
import { KubeClient } from '../runtime/client.ts';
import { applyCrds } from '../runtime/crds.ts';

const namespace = 'keelson-ci';
let server: ServerProcess;
let client: KubeClient;

function keelson(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(repoRoot, 'bin', 'keelson'),
      args,
      { env: { ...process.env, KUBECONFIG: server.kubeconfig } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

async function run(name: string, job: string, state: JobRun['status'], pulls: number[] = []): Promise<void> {
  await client.create<JobRun>({
    apiVersion: 'ci.keelson.dev/v1',
    kind: 'JobRun',
    metadata: { name, namespace },
    spec: {
      type: pulls.length > 0 ? 'presubmit' : 'postsubmit',
      job,
      refs: {
        org: 'acme',
        repo: 'app',
        base_ref: 'main',
        base_sha: 'a'.repeat(40),
        pulls: pulls.map((number) => ({ number, author: 'dev', sha: 'b'.repeat(40) })),
      },
    },
  });
  if (state !== undefined)
    await client.patchStatus({ apiVersion: 'ci.keelson.dev/v1', kind: 'JobRun', namespace, name }, state);
}

before(async () => {
  server = await startServer({ tls: true, args: ['--process-pods'] });
  client = KubeClient.fromFile(server.kubeconfig);
  await applyCrds(client, keelsonCrds, { fieldManager: 'keelson' });
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'unit-1-pod', namespace },
    spec: {
      runtimeClassName: 'process',
      restartPolicy: 'Never',
      containers: [
        { name: 'test', image: 'local', command: ['sh', '-c', 'echo running unit; sleep 1; echo unit done'] },
      ],
    },
  });
  const hour = (h: number) => new Date(Date.UTC(2026, 10, 22, h)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await run(
    'unit-1',
    'unit',
    { state: 'failure', startTime: hour(1), completionTime: hour(2), pod_name: 'unit-1-pod' },
    [7],
  );
  await run('unit-2', 'unit', { state: 'success', startTime: hour(3), completionTime: hour(4) }, [7]);
  await run('deploy-1', 'deploy', { state: 'pending', startTime: hour(2) });
  await run('lint-1', 'lint', undefined, [8]);
});

after(async () => {
  client.close();
  await server.stop();
});

test('keelson jobs lists runs newest first, and filters by job, state and repo', async () => {
  const all = await keelson(['jobs']);
  assert.equal(all.code, 0, all.stderr);
  const names = all.stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/\s+/)[0]);
  // lint-1 has no start time yet: it sorts by creation, which is now
  assert.deepEqual(names, ['lint-1', 'unit-2', 'deploy-1', 'unit-1']);
  assert.match(all.stdout, /^NAME\s+JOB\s+TYPE\s+REPO\s+PULL\s+STATE\s+STARTED\s+DURATION$/m);
  assert.match(all.stdout, /^unit-1\s+unit\s+presubmit\s+acme\/app\s+#7\s+failure\s+\S+\s+60m$/m);
  assert.match(all.stdout, /^lint-1\s+lint\s+presubmit\s+acme\/app\s+#8\s+triggered\s/m);

  const failed = await keelson(['jobs', '--job', 'unit', '--state', 'failure']);
  assert.deepEqual(
    failed.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0]),
    ['unit-1'],
  );
  const other = await keelson(['jobs', '--repo', 'acme/other']);
  assert.equal(other.stdout, '');
  assert.match(other.stderr, /No job runs found in keelson-ci namespace/);
});

test('keelson logs prints the run’s pod log, -f until it ends; a run without a pod says so', async () => {
  const followed = await keelson(['logs', '-f', 'unit-1']);
  assert.equal(followed.code, 0, followed.stderr);
  assert.equal(followed.stdout, 'running unit\nunit done\n');
  await eventually('the pod finished', async () => {
    const pod = await client.get<KubeObject & { status?: { phase?: string } }>({
      apiVersion: 'v1',
      kind: 'Pod',
      namespace,
      name: 'unit-1-pod',
    });
    return pod.status?.phase === 'Succeeded';
  });
  const again = await keelson(['logs', 'unit-1']);
  assert.equal(again.stdout, 'running unit\nunit done\n');

  const none = await keelson(['logs', 'lint-1']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /JobRun keelson-ci\/lint-1 has no pod yet \(state triggered\)/);
});
