/** Keelson's CRDs against a real `keelson apiserver`: accepted, established, validating. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, kubectl, startServer, type ServerProcess } from '../../../test/e2e/harness.ts';
import { keelsonCrds } from './index.ts';

let server: ServerProcess;
before(async () => {
  server = await startServer({ tls: true, args: ['--no-node'] });
});
after(async () => {
  await server.stop();
});

test('the CRDs are established and validate their objects', async () => {
  const out = await kubectl(
    server.kubeconfig,
    ['apply', '-f', '-'],
    keelsonCrds.map((c) => JSON.stringify(c)).join('\n'),
  );
  assert.equal(out.code, 0, out.stderr);
  await eventually('every CRD Established', async () => {
    const got = await kubectl(server.kubeconfig, ['get', 'crd', '-o', 'json']);
    const items = JSON.parse(got.stdout).items as {
      status?: { conditions?: { type: string; status: string }[] };
    }[];
    return (
      items.length === keelsonCrds.length &&
      items.every((crd) =>
        crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
      )
    );
  });
  const good = `
apiVersion: source.keelson.dev/v1
kind: GitRepository
metadata: {name: fleet, namespace: default}
spec: {url: https://example.com/fleet.git, interval: 1m, ref: {branch: main}}
---
apiVersion: sync.keelson.dev/v1
kind: Sync
metadata: {name: staging, namespace: default}
spec:
  sourceRef: {kind: GitRepository, name: fleet}
  path: ./staging
  interval: 5m
  prune: true
  target: {cluster: staging}
`;
  const applied = await kubectl(server.kubeconfig, ['apply', '-f', '-'], good);
  assert.equal(applied.code, 0, applied.stderr);
  const sync = JSON.parse(
    (await kubectl(server.kubeconfig, ['get', 'sync', 'staging', '-o', 'json'])).stdout,
  );
  assert.equal(sync.spec.driftPolicy, 'revert', 'defaulted');
  assert.equal(sync.spec.applyPolicy, 'atomic', 'defaulted');
  const bad = `
apiVersion: sync.keelson.dev/v1
kind: Sync
metadata: {name: broken, namespace: default}
spec: {sourceRef: {kind: GitRepository, name: fleet}, interval: soon, prune: true, driftPolicy: ignore}
`;
  const refused = await kubectl(server.kubeconfig, ['apply', '-f', '-'], bad);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /spec\.interval/);
  assert.match(refused.stderr, /spec\.driftPolicy/);
  const table = await kubectl(server.kubeconfig, ['get', 'gitrepositories']);
  assert.match(table.stdout, /^NAME\s+URL\s+READY\s+STATUS\s+AGE/m);
});
