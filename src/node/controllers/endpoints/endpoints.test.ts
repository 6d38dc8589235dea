import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../../../test/e2e/harness.ts';
import { startNodeTestEnv, testPod, type NodeTestEnv } from '../../kubelet/testing.ts';
import type { Endpoints } from './reconciler.ts';
import { endpointsController } from './watches.ts';

/** A pod on a node, given an IP and readiness through the status subresource as a kubelet would. */
async function runningPod(
  env: NodeTestEnv,
  name: string,
  ip: string,
  ready: boolean,
  labels: Record<string, string>,
  ports: unknown[],
) {
  await env.client.create(
    testPod(
      name,
      { nodeName: 'keelson-sim-0', containers: [{ name: 'app', image: 'registry.example/app:1', ports }] },
      { labels },
    ),
  );
  await setReady(env, name, ip, ready);
}

async function setReady(env: NodeTestEnv, name: string, ip: string, ready: boolean) {
  const status = ready ? 'True' : 'False';
  await env.client.patchStatus(
    { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name },
    {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [
        { type: 'Ready', status },
        { type: 'ContainersReady', status },
      ],
    },
  );
}

const endpointsRef = (name: string) => ({ apiVersion: 'v1', kind: 'Endpoints', namespace: 'default', name });

describe('endpoints controller', () => {
  let env: NodeTestEnv;
  before(async () => {
    env = await startNodeTestEnv();
    env.manager.add(endpointsController(env.ctx));
    await env.manager.start();
  });
  after(async () => {
    await env.stop();
  });

  it('lists ready and not-ready pods with ports resolved by name and number', async () => {
    const httpPorts = [
      { name: 'http', containerPort: 8080 },
      { name: 'metrics', containerPort: 9090 },
    ];
    await runningPod(env, 'web-a', '10.244.0.5', true, { app: 'web' }, httpPorts);
    await runningPod(env, 'web-b', '10.244.0.4', false, { app: 'web' }, httpPorts);
    await runningPod(env, 'web-c', '10.244.0.6', true, { app: 'web' }, [
      { name: 'http', containerPort: 8081 },
    ]);
    await runningPod(env, 'other', '10.244.0.7', true, { app: 'other' }, httpPorts);
    await env.client.create(testPod('no-ip', {}, { labels: { app: 'web' } }));
    await env.client.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } },
      spec: {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'admin', port: 81, targetPort: 9000 },
        ],
      },
    });
    const endpoints = await eventually('endpoints for web', async () => {
      const e = await env.client.tryGet<Endpoints>(endpointsRef('web'));
      return e?.subsets?.length === 2 ? e : undefined;
    });
    assert.equal(endpoints.metadata.labels?.['tier'], 'front');
    const bySet = new Map(
      endpoints.subsets!.map((s) => [JSON.stringify(s.ports?.map((p) => [p.name, p.port])), s]),
    );
    const on8080 = bySet.get(
      JSON.stringify([
        ['admin', 9000],
        ['http', 8080],
      ]),
    );
    const on8081 = bySet.get(
      JSON.stringify([
        ['admin', 9000],
        ['http', 8081],
      ]),
    );
    assert.ok(on8080 && on8081, JSON.stringify(endpoints.subsets));
    assert.deepEqual(on8080.addresses, [
      {
        ip: '10.244.0.5',
        nodeName: 'keelson-sim-0',
        targetRef: {
          kind: 'Pod',
          namespace: 'default',
          name: 'web-a',
          uid: on8080.addresses![0]!.targetRef.uid,
        },
      },
    ]);
    assert.deepEqual(
      on8080.notReadyAddresses?.map((a) => [a.ip, a.targetRef.name]),
      [['10.244.0.4', 'web-b']],
    );
    assert.deepEqual(
      on8081.addresses?.map((a) => a.targetRef.name),
      ['web-c'],
    );
    assert.equal(on8080.ports?.[0]?.protocol, 'TCP');
  });

  it('moves a pod between addresses and notReadyAddresses as its readiness changes', async () => {
    await setReady(env, 'web-b', '10.244.0.4', true);
    await eventually('web-b ready in endpoints', async () => {
      const e = await env.client.get<Endpoints>(endpointsRef('web'));
      const subset = e.subsets?.find((s) => s.ports?.some((p) => p.port === 8080));
      return (
        subset?.addresses?.map((a) => a.targetRef.name).join(',') === 'web-b,web-a' &&
        subset.notReadyAddresses === undefined
      );
    });
    await setReady(env, 'web-a', '10.244.0.5', false);
    await eventually('web-a not ready in endpoints', async () => {
      const e = await env.client.get<Endpoints>(endpointsRef('web'));
      const subset = e.subsets?.find((s) => s.ports?.some((p) => p.port === 8080));
      return subset?.notReadyAddresses?.map((a) => a.targetRef.name).join(',') === 'web-a';
    });
  });

  it('drops deleted pods and removes the endpoints with the service', async () => {
    await env.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-c' });
    await eventually('web-c gone from endpoints', async () => {
      const e = await env.client.get<Endpoints>(endpointsRef('web'));
      return e.subsets?.length === 1;
    });
    await env.client.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'web' });
    await eventually(
      'endpoints deleted',
      async () => (await env.client.tryGet(endpointsRef('web'))) === undefined,
    );
  });

  it('leaves the endpoints of a service without selector to their owner', async () => {
    await env.client.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'external', namespace: 'default' },
      spec: { ports: [{ port: 5432 }] },
    });
    await env.client.create({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'external', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }],
    });
    await new Promise((r) => setTimeout(r, 300));
    const e = await env.client.get<Endpoints>(endpointsRef('external'));
    assert.equal(e.subsets?.[0]?.addresses?.[0]?.ip, '192.0.2.10');
  });
});
