import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../../test/e2e/harness.ts';
import type { KubeObject } from '../../api/meta.ts';
import { processNodeConfig, simulatedNodeConfig } from '../kubelet/node-config.ts';
import { startNodeAgent } from '../kubelet/node-agent.ts';
import { startNodeTestEnv, testPod, type NodeTestEnv } from '../kubelet/testing.ts';
import type { SchedulingPod } from './filters.ts';
import { schedulerController } from './watches.ts';

const podRef = (name: string, namespace = 'default') => ({ apiVersion: 'v1', kind: 'Pod', namespace, name });

async function nodeOf(env: NodeTestEnv, name: string, namespace = 'default'): Promise<string | undefined> {
  const pod = await env.client.get<SchedulingPod>(podRef(name, namespace));
  return pod.spec?.nodeName || undefined;
}

async function events(env: NodeTestEnv, pod: string, reason: string): Promise<KubeObject[]> {
  const list = await env.client.list('v1', 'Event', {
    namespace: 'default',
    fieldSelector: `involvedObject.name=${pod},reason=${reason}`,
  });
  return list.items;
}

describe('scheduler', () => {
  let env: NodeTestEnv;
  let bindingServed = false;

  before(async () => {
    env = await startNodeTestEnv();
    for (const config of [simulatedNodeConfig(), processNodeConfig()]) {
      const agent = await startNodeAgent(env.ctx, config);
      env.onStop(() => agent.stop());
    }
    env.manager.add(schedulerController(env.ctx, { workers: 32 }));
    await env.manager.start();
    const core = await env.client.request<{ resources: { name: string }[] }>('GET', '/api/v1');
    bindingServed = core.resources.some((r) => r.name === 'pods/binding');
  });
  after(async () => {
    await env.stop();
  });

  /** Binding needs the server's pods/binding subresource; without it the scheduler cannot place pods. */
  function requireBinding(): void {
    assert.ok(
      bindingServed,
      'the API server does not serve pods/binding (POST …/pods/NAME/binding): pods cannot be bound',
    );
  }

  it('marks a pod no node fits Unschedulable with kube’s message and a FailedScheduling event', async () => {
    await env.client.create(testPod('picky', { nodeSelector: { zone: 'nowhere' } }));
    const expected =
      "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {keelson.dev/runtime: process}.";
    const condition = await eventually('PodScheduled=False', async () => {
      const pod = await env.client.get<SchedulingPod>(podRef('picky'));
      return pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    assert.equal(condition.reason, 'Unschedulable');
    assert.equal(condition.message, expected);
    const [event] = await eventually('a FailedScheduling event', async () => {
      const found = await events(env, 'picky', 'FailedScheduling');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(event!['type'], 'Warning');
    assert.equal(event!['message'], expected);
    assert.deepEqual(event!['source'], { component: 'default-scheduler' });
  });

  it('leaves a pod with scheduling gates alone, marked SchedulingGated', async () => {
    await env.client.create(testPod('gated', { schedulingGates: [{ name: 'example.com/wait' }] }));
    const condition = await eventually('PodScheduled=False', async () => {
      const pod = await env.client.get<SchedulingPod>(podRef('gated'));
      return pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    assert.equal(condition.reason, 'SchedulingGated');
    assert.equal(condition.message, 'Scheduling is blocked due to non-empty scheduling gates');
    assert.equal(await nodeOf(env, 'gated'), undefined);
  });

  it('places the unschedulable pod once a node changes to fit it', async () => {
    requireBinding();
    await env.client.patch(
      { apiVersion: 'v1', kind: 'Node', name: 'keelson-sim-0' },
      { metadata: { labels: { zone: 'nowhere' } } },
    );
    assert.equal(await eventually('picky to be bound', () => nodeOf(env, 'picky')), 'keelson-sim-0');
    const [event] = await eventually('a Scheduled event', async () => {
      const found = await events(env, 'picky', 'Scheduled');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(event!['message'], 'Successfully assigned default/picky to keelson-sim-0');
  });

  it('sends runtimeClass process pods to the process node and other pods to the simulated node', async () => {
    requireBinding();
    await env.client.create(testPod('job-step', { runtimeClassName: 'process', restartPolicy: 'Never' }));
    await env.client.create(testPod('web'));
    await env.client.create(
      testPod('affine', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['keelson-process-0'] }] },
              ],
            },
          },
        },
        tolerations: [{ key: 'keelson.dev/runtime', operator: 'Exists', effect: 'NoSchedule' }],
      }),
    );
    assert.equal(await eventually('job-step bound', () => nodeOf(env, 'job-step')), 'keelson-process-0');
    assert.equal(await eventually('web bound', () => nodeOf(env, 'web')), 'keelson-sim-0');
    assert.equal(await eventually('affine bound', () => nodeOf(env, 'affine')), 'keelson-process-0');
  });

  it('binds a burst of 1,000 pods', async () => {
    requireBinding();
    await env.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'burst' } });
    const names = Array.from({ length: 1000 }, (_, i) => `burst-${i}`);
    for (let i = 0; i < names.length; i += 50)
      await Promise.all(
        names
          .slice(i, i + 50)
          .map((name) => env.client.create({ ...testPod(name), metadata: { name, namespace: 'burst' } })),
      );
    await eventually(
      'every burst pod to be bound',
      async () => {
        const list = await env.client.list<SchedulingPod>('v1', 'Pod', {
          namespace: 'burst',
          fieldSelector: 'spec.nodeName=keelson-sim-0',
        });
        return list.items.length === names.length;
      },
      60_000,
    );
  });
});
