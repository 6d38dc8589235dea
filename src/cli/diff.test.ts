/**
 * `keelson diff sync` end to end: the real `bin/keelson` against a real API server, a real git
 * repository as the source, and live objects the test writes as Keelson's field manager.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { keelsonCrds, type GitRepository, type Sync } from '../api/crds/index.ts';
import type { KubeObject } from '../api/meta.ts';
import { KubeClient } from '../runtime/client.ts';
import { applyCrds } from '../runtime/crds.ts';
import { repoRoot, startServer, type ServerProcess } from '../../test/e2e/harness.ts';

const namespace = 'keelson-system';
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

function ready(status: 'True' | 'False', message: string) {
  return {
    type: 'Ready',
    status,
    reason: status === 'True' ? 'Succeeded' : 'Failed',
    message,
    lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

before(async () => {
  server = await startServer({ tls: true, args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
  await applyCrds(client, keelsonCrds, { fieldManager: 'keelson' });
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
});

after(async () => {
  client.close();
  await server.stop();
});

describe('keelson diff', () => {
  const diffNamespace = 'diffns';
  let repoDir: string;

  function git(args: string[], cwd: string): string {
    return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd,
      encoding: 'utf8',
    }).trim();
  }

  const configMap = (name: string, value: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  x: "${value}"\n`;
  const labels = (sync: string) => ({
    'sync.keelson.dev/name': sync,
    'sync.keelson.dev/namespace': namespace,
  });

  before(async () => {
    repoDir = mkdtempSync(join(tmpdir(), 'keelson-diff-repo-'));
    git(['init', '-q', '-b', 'main'], repoDir);
    mkdirSync(join(repoDir, 'apps'));
    writeFileSync(join(repoDir, 'apps', 'a.yaml'), configMap('a', '1'));
    writeFileSync(join(repoDir, 'apps', 'b.yaml'), configMap('b', '1'));
    writeFileSync(
      join(repoDir, 'apps', 'secret.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2-new\n',
    );
    git(['add', '.'], repoDir);
    git(['commit', '-q', '-m', 'apps'], repoDir);
    const commit = git(['rev-parse', 'HEAD'], repoDir);

    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: diffNamespace } });
    await client.create<GitRepository>({
      apiVersion: 'source.keelson.dev/v1',
      kind: 'GitRepository',
      metadata: { name: 'diffsrc', namespace },
      spec: { url: repoDir, ref: { branch: 'main' }, interval: '1h' },
    });
    await client.patchStatus(
      { apiVersion: 'source.keelson.dev/v1', kind: 'GitRepository', namespace, name: 'diffsrc' },
      {
        conditions: [ready('True', 'stored')],
        artifact: {
          revision: `main@sha1:${commit}`,
          digest: 'sha256:00',
          lastUpdateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      },
    );
    await client.create<Sync>({
      apiVersion: 'sync.keelson.dev/v1',
      kind: 'Sync',
      metadata: { name: 'diffed', namespace },
      spec: {
        sourceRef: { kind: 'GitRepository', name: 'diffsrc' },
        path: './apps',
        interval: '1h',
        prune: true,
        targetNamespace: diffNamespace,
      },
    });
    await client.patchStatus(
      { apiVersion: 'sync.keelson.dev/v1', kind: 'Sync', namespace, name: 'diffed' },
      {
        inventory: {
          entries: [
            { id: `${diffNamespace}_a__ConfigMap`, v: 'v1' },
            { id: `${diffNamespace}_old__ConfigMap`, v: 'v1' },
            { id: `${diffNamespace}_s__Secret`, v: 'v1' },
          ],
        },
      },
    );
    // live: `a` with an older value, `old` that git no longer has, the Secret with an older value
    for (const [name, value] of [
      ['a', '0'],
      ['old', '1'],
    ] as const) {
      await client.apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace: diffNamespace, labels: labels('diffed') },
          data: { x: value },
        },
        { fieldManager: 'keelson', force: true },
      );
    }
    await client.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: diffNamespace, labels: labels('diffed') },
        stringData: { password: 'hunter2-old' },
      },
      { fieldManager: 'keelson', force: true },
    );
  });

  after(() => rmSync(repoDir, { recursive: true, force: true }));

  test('prints what would be created, drifted and deleted, masks Secret values, writes nothing', async () => {
    const run = await keelson(['diff', 'sync', 'diffed']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^► ConfigMap\/diffns\/a drifted$/m);
    assert.match(run.stdout, /^-\s+x: "0"$/m);
    assert.match(run.stdout, /^\+\s+x: "1"$/m);
    assert.match(run.stdout, /^► ConfigMap\/diffns\/b created$/m);
    assert.match(run.stdout, /^► ConfigMap\/diffns\/old deleted$/m);
    assert.match(run.stdout, /^► Secret\/diffns\/s drifted$/m);
    assert.match(run.stdout, /\*\*\* \(before\)/);
    assert.doesNotMatch(run.stdout + run.stderr, /hunter2|aHVudGVy/);
    assert.match(run.stderr, /4 changes/);

    const a = await client.get<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: diffNamespace,
      name: 'a',
    });
    assert.equal(a.data?.['x'], '0');
    assert.equal(
      await client.tryGet({ apiVersion: 'v1', kind: 'ConfigMap', namespace: diffNamespace, name: 'b' }),
      undefined,
    );
    assert.ok(
      await client.tryGet({ apiVersion: 'v1', kind: 'ConfigMap', namespace: diffNamespace, name: 'old' }),
    );
  });

  test('--path diffs a local directory; no changes exits 0', async () => {
    const local = mkdtempSync(join(tmpdir(), 'keelson-diff-local-'));
    try {
      // exactly what is live: `a` at 0, `old`, and the Secret as it is
      writeFileSync(join(local, 'a.yaml'), configMap('a', '0'));
      writeFileSync(join(local, 'old.yaml'), configMap('old', '1'));
      writeFileSync(
        join(local, 's.yaml'),
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2-old\n',
      );
      const run = await keelson(['diff', 'sync', 'diffed', '--path', local]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /no changes: 3 objects/);
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });

  test('an unknown sync is an error, exit 2', async () => {
    const run = await keelson(['diff', 'sync', 'nope']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /nope/);
    assert.match(run.stderr, /not found/);
  });
});
