import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1PodStatus } from '@kubernetes/client-node';
import { PodIpAllocator } from './pod-ips.ts';
import { apiPodStatus, type ApiPod } from './pod-status.ts';

const at = Date.parse('2030-01-01T00:00:10Z');

function runtimeStatus(ready: boolean): V1PodStatus {
  const status = ready ? 'True' : 'False';
  return {
    phase: 'Running',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: new Date(at - 5000) },
      { type: 'Initialized', status: 'True', lastTransitionTime: new Date(at - 5000) },
      { type: 'Ready', status, lastTransitionTime: new Date(at) },
      { type: 'ContainersReady', status, lastTransitionTime: new Date(at) },
    ],
    podIP: '10.244.0.9',
    startTime: new Date(at - 5000),
  };
}

function pod(status: ApiPod['status'] = {}, spec: ApiPod['spec'] = {}): ApiPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec,
    status,
  };
}

describe('the status the kubelet writes', () => {
  it('adds hostIP and PodScheduled, writes times as metav1.Time and clears reason and message', () => {
    const body = apiPodStatus(pod(), runtimeStatus(true), { now: at, hostIP: '127.0.0.1' });
    assert.equal(body['hostIP'], '127.0.0.1');
    assert.deepEqual(body['hostIPs'], [{ ip: '127.0.0.1' }]);
    assert.equal(body['startTime'], '2030-01-01T00:00:05Z');
    assert.equal(body['reason'], null);
    assert.equal(body['message'], null);
    const conditions = body['conditions'] as { type: string; status: string; lastTransitionTime: string }[];
    assert.deepEqual(
      conditions.map((c) => c.type),
      ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'],
    );
    assert.equal(conditions.find((c) => c.type === 'PodScheduled')?.status, 'True');
  });

  it('keeps a condition’s lastTransitionTime while its status stays, and other writers’ conditions', () => {
    const existing = pod({
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: '2029-12-31T23:00:00Z' },
        { type: 'example.com/gate', status: 'True', lastTransitionTime: '2029-12-31T22:00:00Z' },
      ],
    });
    const body = apiPodStatus(existing, runtimeStatus(true), { now: at, hostIP: '127.0.0.1' });
    const conditions = body['conditions'] as { type: string; lastTransitionTime: string }[];
    assert.equal(conditions.find((c) => c.type === 'Ready')?.lastTransitionTime, '2029-12-31T23:00:00Z');
    assert.equal(
      conditions.find((c) => c.type === 'ContainersReady')?.lastTransitionTime,
      '2030-01-01T00:00:10Z',
    );
    assert.ok(conditions.some((c) => c.type === 'example.com/gate'));
  });

  it('holds Ready at False until every readiness gate is True', () => {
    const gated = pod({ conditions: [] }, { readinessGates: [{ conditionType: 'example.com/gate' }] });
    const body = apiPodStatus(gated, runtimeStatus(true), { now: at, hostIP: '127.0.0.1' });
    const ready = (
      body['conditions'] as { type: string; status: string; reason?: string; message?: string }[]
    ).find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'ReadinessGatesNotReady');
    assert.equal(
      ready?.message,
      'corresponding condition of pod readiness gate "example.com/gate" does not exist.',
    );
  });
});

describe('pod IP allocation', () => {
  it('hands out distinct addresses, skips network and gateway, and does not reuse a released one at once', () => {
    const ips = new PodIpAllocator('10.244.0.0/30');
    assert.equal(ips.allocate('a'), '10.244.0.2');
    assert.throws(() => ips.allocate('b'), /no free pod IP left in 10.244.0.0\/30/);
    ips.release('a');
    assert.equal(ips.allocate('b'), '10.244.0.2');
    const wide = new PodIpAllocator('10.244.0.0/24');
    const first = wide.allocate('x');
    assert.equal(wide.allocate('x'), first);
    wide.release('x');
    assert.notEqual(wide.allocate('y'), first);
    wide.reserve('z', '10.244.0.7');
    assert.equal(wide.held('z'), '10.244.0.7');
  });
});
