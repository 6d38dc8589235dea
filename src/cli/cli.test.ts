/**
 * The client verbs end to end: the real `bin/keelson` against a real API server, with a loop in
 * the test playing the controllers that answer reconcile requests.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { keelsonCrds, type GitRepository, type Sync } from '../api/crds/index.ts';
import type { KubeObject } from '../api/meta.ts';
import { isAlreadyExists, KubeClient } from '../runtime/client.ts';
import { eventually, repoRoot, startServer, type ServerProcess } from '../../test/e2e/harness.ts';

const namespace = 'keelson-system';
const requestedAt = 'reconcile.keelson.dev/requestedAt';
const sha = 'main@sha1:0123456789abcdef0123456789abcdef01234567';

let server: ServerProcess;
let client: KubeClient;
let stopController: () => Promise<void> = async () => {};

function startController(): void {
  const stop = new AbortController();
  const done = playController(stop.signal);
  stopController = async () => {
    stop.abort();
    await done;
  };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function keelson(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(repoRoot, 'bin', 'keelson'),
      args,
      { env: { ...process.env, KUBECONFIG: server.kubeconfig, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
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

/**
 * Plays the controllers: every requestedAt it has not handled yet is copied to
 * status.lastHandledReconcileAt with a Ready condition (False for objects named `broken`).
 */
async function playController(signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    for (const [apiVersion, kind] of [
      ['source.keelson.dev/v1', 'GitRepository'],
      ['sync.keelson.dev/v1', 'Sync'],
    ] as const) {
      const list = await client.list(apiVersion, kind, { namespace });
      for (const object of list.items) {
        const asked = object.metadata.annotations?.[requestedAt];
        const status = object.status as { lastHandledReconcileAt?: string } | undefined;
        if (asked === undefined || status?.lastHandledReconcileAt === asked) continue;
        const broken = object.metadata.name === 'broken';
        await client.patchStatus(
          { apiVersion, kind, namespace, name: object.metadata.name ?? '' },
          {
            lastHandledReconcileAt: asked,
            conditions: [
              broken
                ? ready('False', 'kustomize build failed: no kustomization.yaml')
                : ready('True', `applied revision ${sha}`),
            ],
            ...(kind === 'Sync'
              ? { lastAppliedRevision: sha }
              : {
                  artifact: {
                    revision: sha,
                    digest: 'sha256:00',
                    lastUpdateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
                  },
                }),
          },
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

before(async () => {
  server = await startServer({ tls: true, args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
  for (const crd of keelsonCrds) await client.create(crd as KubeObject);
  await eventually('the CRDs served', async () => {
    await client.list('source.keelson.dev/v1', 'GitRepository', { namespace });
    await client.list('sync.keelson.dev/v1', 'Sync', { namespace });
    return true;
  });
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const repo: GitRepository = {
    apiVersion: 'source.keelson.dev/v1',
    kind: 'GitRepository',
    metadata: { name: 'fleet', namespace },
    spec: { url: 'https://example.com/fleet.git', interval: '1m' },
  };
  await client.create(repo);
  await client.patchStatus(
    { apiVersion: repo.apiVersion, kind: repo.kind, namespace, name: 'fleet' },
    {
      conditions: [ready('True', `stored artifact for revision '${sha}'`)],
      artifact: {
        revision: sha,
        digest: 'sha256:00',
        lastUpdateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    },
  );
  for (const name of ['apps', 'broken', 'paused']) {
    const sync: Sync = {
      apiVersion: 'sync.keelson.dev/v1',
      kind: 'Sync',
      metadata: { name, namespace },
      spec: {
        sourceRef: { kind: 'GitRepository', name: 'fleet' },
        path: './apps',
        interval: '5m',
        prune: true,
        ...(name === 'paused' && { suspend: true }),
      },
    };
    await client.create(sync);
  }
  await client.patchStatus(
    { apiVersion: 'sync.keelson.dev/v1', kind: 'Sync', namespace, name: 'apps' },
    { conditions: [ready('True', `applied revision ${sha}`)], lastAppliedRevision: sha },
  );
  startController();
});

after(async () => {
  await stopController().catch(() => {});
  client.close();
  await server.stop();
});

describe('keelson get', () => {
  test('sources print as a table with readiness, revision and age', async () => {
    const run = await keelson(['get', 'sources']);
    assert.equal(run.code, 0, run.stderr);
    const [header, row, ...rest] = run.stdout.trimEnd().split('\n');
    assert.match(header ?? '', /^NAME\s+READY\s+STATUS\s+REVISION\s+AGE$/);
    assert.match(
      row ?? '',
      new RegExp(`^fleet\\s+True\\s+stored artifact for revision '${sha}'\\s+${sha}\\s+\\d+s$`),
    );
    assert.deepEqual(rest, []);
  });

  test('syncs print one row each, sorted by name; Unknown before a controller reports', async () => {
    const run = await keelson(['get', 'syncs', '--kubeconfig', server.kubeconfig, '-n', namespace], {
      KUBECONFIG: '/nonexistent',
    });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[1] ?? '', new RegExp(`^apps\\s+True\\s+applied revision ${sha}\\s+${sha}\\s+\\d+s$`));
    assert.match(lines[3] ?? '', /^paused\s+Unknown\s+\d+s$/);
  });

  test('-o yaml prints one object; -o json prints a List', async () => {
    const yaml = await keelson(['get', 'syncs', 'apps', '-o', 'yaml']);
    assert.equal(yaml.code, 0, yaml.stderr);
    const object = parse(yaml.stdout) as Sync;
    assert.equal(object.kind, 'Sync');
    assert.equal(object.metadata.name, 'apps');
    assert.equal(object.status?.lastAppliedRevision, sha);
    assert.equal(object.metadata.managedFields, undefined);

    const json = await keelson(['get', 'sources', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const list = JSON.parse(json.stdout) as { kind: string; items: GitRepository[] };
    assert.equal(list.kind, 'List');
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      ['fleet'],
    );
  });

  test('an empty namespace, a missing object and an unknown kind', async () => {
    const empty = await keelson(['get', 'syncs', '-n', 'default']);
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, '');
    assert.match(empty.stderr, /No resources found in default namespace/);

    const missing = await keelson(['get', 'syncs', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);

    const unknown = await keelson(['get', 'pods']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /must be one of: sources, syncs/);
  });
});

describe('keelson reconcile', () => {
  test('a source reconciles and reports the fetched revision', async () => {
    const run = await keelson(['reconcile', 'source', 'fleet']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `✔ fetched revision ${sha}\n`);
    assert.match(run.stderr, /► annotating GitRepository keelson-system\/fleet/);
    assert.match(run.stderr, /◎ waiting for GitRepository reconciliation/);
    const object = await client.get<GitRepository>({
      apiVersion: 'source.keelson.dev/v1',
      kind: 'GitRepository',
      namespace,
      name: 'fleet',
    });
    assert.equal(object.status?.lastHandledReconcileAt, object.metadata.annotations?.[requestedAt]);
  });

  test('a sync reconciles and reports the applied revision', async () => {
    const run = await keelson(['reconcile', 'sync', 'apps']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `✔ applied revision ${sha}\n`);
  });

  test('a sync that ends up not Ready prints its message and exits 1', async () => {
    const run = await keelson(['reconcile', 'sync', 'broken']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /✗ Sync keelson-system\/broken is not ready: kustomize build failed/);
  });

  test('a suspended sync is refused', async () => {
    const run = await keelson(['reconcile', 'sync', 'paused']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Sync keelson-system\/paused is suspended; run 'keelson resume sync paused'/);
  });

  test('a reconcile nobody answers times out', async () => {
    await stopController();
    try {
      const run = await keelson(['reconcile', 'sync', 'apps', '--timeout', '1s']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /timed out after 1s waiting for Sync keelson-system\/apps/);
    } finally {
      startController();
    }
  });
});

describe('keelson suspend and resume', () => {
  const ref = { apiVersion: 'sync.keelson.dev/v1', kind: 'Sync', namespace, name: 'apps' };

  test('suspend sets spec.suspend; resume clears it and waits for a reconcile', async () => {
    const suspended = await keelson(['suspend', 'sync', 'apps']);
    assert.equal(suspended.code, 0, suspended.stderr);
    assert.equal(suspended.stdout, '✔ Sync apps suspended\n');
    assert.equal((await client.get<Sync>(ref)).spec.suspend, true);

    const refused = await keelson(['reconcile', 'sync', 'apps']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is suspended/);

    const resumed = await keelson(['resume', 'sync', 'apps']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.stdout, `✔ applied revision ${sha}\n`);
    assert.match(resumed.stderr, /✔ Sync apps resumed/);
    const object = await client.get<Sync>(ref);
    assert.equal(object.spec.suspend, false);
    assert.equal(object.status?.lastHandledReconcileAt, object.metadata.annotations?.[requestedAt]);
  });
});

describe('keelson events', () => {
  function event(
    name: string,
    kind: string,
    object: string,
    reason: string,
    lastTimestamp: string,
    type = 'Normal',
  ) {
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { apiVersion: 'sync.keelson.dev/v1', kind, name: object, namespace },
      reason,
      message: `${reason} happened`,
      type,
      source: { component: 'test' },
      count: 1,
      firstTimestamp: lastTimestamp,
      lastTimestamp,
    };
  }

  before(async () => {
    const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await client.create(event('e-new', 'Sync', 'apps', 'ReconciliationSucceeded', ago(5)));
    await client.create(event('e-old', 'Sync', 'broken', 'BuildFailed', ago(190), 'Warning'));
    await client.create(event('e-mid', 'GitRepository', 'fleet', 'NewArtifact', ago(60)));
  });

  test('lists the namespace events oldest first', async () => {
    const run = await keelson(['events']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    assert.match(lines[1] ?? '', /^3m1\ds\s+Warning\s+BuildFailed\s+sync\/broken\s+BuildFailed happened$/);
    assert.match(
      lines[2] ?? '',
      /^6\ds\s+Normal\s+NewArtifact\s+gitrepository\/fleet\s+NewArtifact happened$/,
    );
    assert.match(lines[3] ?? '', /^\d+s\s+Normal\s+ReconciliationSucceeded\s+sync\/apps\s+/);
  });

  test('--for keeps the events of one object', async () => {
    const run = await keelson(['events', '--for', 'source/fleet']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[1] ?? '', /NewArtifact/);

    const none = await keelson(['events', '--for', 'sync/nothing']);
    assert.equal(none.code, 0);
    assert.match(none.stderr, /No events found in keelson-system namespace/);

    const bad = await keelson(['events', '--for', 'apps']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /must be KIND\/NAME/);
  });
});
