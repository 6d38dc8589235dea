import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../../test/e2e/harness.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { Node } from '../scheduler/filters.ts';
import { processNodeConfig, simulatedNodeConfig } from './node-config.ts';
import { startNodeAgent } from './node-agent.ts';
import { startNodeTestEnv, type NodeTestEnv } from './testing.ts';

interface Lease extends KubeObject {
  spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
}

describe('node agent', () => {
  let env: NodeTestEnv;
  before(async () => {
    env = await startNodeTestEnv();
  });
  after(async () => {
    await env.stop();
  });

  it('registers a Ready node that presents itself as a kubelet does', async () => {
    const agent = await startNodeAgent(env.ctx, simulatedNodeConfig(), { renewIntervalMs: 200 });
    env.onStop(() => agent.stop());
    const node = await env.client.get<Node>({ apiVersion: 'v1', kind: 'Node', name: 'keelson-sim-0' });
    const labels = node.metadata.labels ?? {};
    assert.equal(labels['kubernetes.io/hostname'], 'keelson-sim-0');
    assert.equal(labels['kubernetes.io/os'], 'linux');
    assert.equal(labels['type'], 'keelson-sim');
    assert.ok(labels['kubernetes.io/arch']);
    const status = node.status as Record<string, any>;
    assert.equal(status['capacity'].pods, '10000');
    assert.deepEqual(status['allocatable'], status['capacity']);
    const conditions = Object.fromEntries(
      (status['conditions'] as { type: string; status: string; reason: string }[]).map((c) => [c.type, c]),
    );
    assert.equal(conditions['Ready']?.status, 'True');
    assert.equal(conditions['Ready']?.reason, 'KubeletReady');
    for (const pressure of ['MemoryPressure', 'DiskPressure', 'PIDPressure'])
      assert.equal(conditions[pressure]?.status, 'False', pressure);
    assert.deepEqual(status['addresses'], [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: 'keelson-sim-0' },
    ]);
    const version = await env.client.request<{ gitVersion: string }>('GET', '/version');
    assert.equal(status['nodeInfo'].kubeletVersion, version.gitVersion);
    assert.match(status['nodeInfo'].containerRuntimeVersion, /^keelson-sim:\/\//);
    assert.equal(status['nodeInfo'].operatingSystem, 'linux');
    assert.equal(status['daemonEndpoints'].kubeletEndpoint.Port, 10250);
    assert.equal(node.spec?.podCIDR, '10.244.0.0/17');
  });

  it('holds a lease in kube-node-lease and renews it', async () => {
    const leaseRef = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: 'kube-node-lease',
      name: 'keelson-sim-0',
    };
    const first = await env.client.get<Lease>(leaseRef);
    assert.equal(first.spec.holderIdentity, 'keelson-sim-0');
    assert.equal(first.spec.leaseDurationSeconds, 40);
    const node = await env.client.get<Node>({ apiVersion: 'v1', kind: 'Node', name: 'keelson-sim-0' });
    assert.deepEqual(first.metadata.ownerReferences, [
      { apiVersion: 'v1', kind: 'Node', name: 'keelson-sim-0', uid: node.metadata.uid },
    ]);
    await eventually('the lease to be renewed', async () => {
      const lease = await env.client.get<Lease>(leaseRef);
      return Date.parse(lease.spec.renewTime) > Date.parse(first.spec.renewTime);
    });
  });

  it('refreshes the Ready heartbeat and keeps the transition time', async () => {
    const agent = await startNodeAgent(env.ctx, processNodeConfig(), { statusReportIntervalMs: 1100 });
    env.onStop(() => agent.stop());
    const ready = async () => {
      const node = await env.client.get<Node>({ apiVersion: 'v1', kind: 'Node', name: 'keelson-process-0' });
      return (node.status?.conditions ?? []).find((c) => c.type === 'Ready') as Record<string, string>;
    };
    const before = await ready();
    const later = await eventually('a newer heartbeat', async () => {
      const c = await ready();
      return c['lastHeartbeatTime'] !== before['lastHeartbeatTime'] ? c : undefined;
    });
    assert.equal(later['lastTransitionTime'], before['lastTransitionTime']);
    const node = await env.client.get<Node>({ apiVersion: 'v1', kind: 'Node', name: 'keelson-process-0' });
    assert.deepEqual(node.spec?.taints, [
      { key: 'keelson.dev/runtime', value: 'process', effect: 'NoSchedule' },
    ]);
    assert.equal(node.metadata.labels?.['type'], 'keelson-process');
  });

  it('re-registers an existing node without losing its podCIDR', async () => {
    const agent = await startNodeAgent(env.ctx, simulatedNodeConfig({ podCIDR: '10.250.0.0/16' }));
    env.onStop(() => agent.stop());
    const node = await env.client.get<Node>({ apiVersion: 'v1', kind: 'Node', name: 'keelson-sim-0' });
    assert.equal(node.spec?.podCIDR, '10.244.0.0/17');
    assert.equal(agent.podCIDR, '10.244.0.0/17');
  });
});
