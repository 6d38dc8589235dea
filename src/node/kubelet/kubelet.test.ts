import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../../test/e2e/harness.ts';
import { systemClock } from '../../base/clock.ts';
import { Manager } from '../../runtime/controller.ts';
import { InformerFactory } from '../../runtime/informer.ts';
import type { NodeContext } from '../context.ts';
import { ProcessRuntime } from '../runtime/process-runtime.ts';
import { SimulatedRuntime } from '../runtime/simulated-runtime.ts';
import { Kubelet, podLogsHandler } from './kubelet.ts';
import { processNodeConfig, simulatedNodeConfig } from './node-config.ts';
import type { ApiPod } from './pod-status.ts';
import { startNodeTestEnv, testPod, type NodeTestEnv } from './testing.ts';

const podRef = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name });

function condition(pod: ApiPod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}

async function podWhen(
  env: NodeTestEnv,
  name: string,
  what: string,
  test: (pod: ApiPod) => boolean,
  timeoutMs = 10_000,
) {
  return eventually(
    `pod ${name}: ${what}`,
    async () => {
      const pod = await env.client.tryGet<ApiPod>(podRef(name));
      return pod && test(pod) ? pod : undefined;
    },
    timeoutMs,
  );
}

/** An HTTP server that answers every request with `handler(namespace, name, query, res)` from /NS/NAME?query. */
async function logServer(
  handler: ReturnType<typeof podLogsHandler>,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, namespace = '', name = ''] = url.pathname.split('/');
    handler('default', namespace, name, url.searchParams, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

describe('kubelet', () => {
  let env: NodeTestEnv;
  let simulated: SimulatedRuntime;
  let processes: ProcessRuntime;
  let root: string;
  let logs: { url: string; server: Server };
  let kubelets: Kubelet[];
  /** The process node runs under its own manager and caches, so the restart test can stop it alone. */
  let processLife: Manager;

  function processContext(): NodeContext {
    return { ...env.ctx, informers: new InformerFactory(env.client, env.ctx.log) };
  }

  before(async () => {
    env = await startNodeTestEnv();
    simulated = new SimulatedRuntime({ clock: systemClock, log: env.ctx.log, readyAfterMs: 300 });
    root = mkdtempSync(join(tmpdir(), 'keelson-kubelet-'));
    processes = new ProcessRuntime({ clock: systemClock, log: env.ctx.log, root });
    processLife = new Manager();
    kubelets = [
      new Kubelet(env.ctx, { node: simulatedNodeConfig(), runtime: simulated }).addTo(env.manager),
      new Kubelet(processContext(), { node: processNodeConfig(), runtime: processes }).addTo(processLife),
    ];
    await env.manager.start();
    await processLife.start();
    logs = await logServer(podLogsHandler(kubelets));
    env.onStop(async () => {
      await new Promise((resolve) => logs.server.close(resolve));
      await processLife.stop();
      await simulated.close(0);
      await processes.close(0);
    });
  });
  after(async () => {
    await env.stop();
  });

  it('makes a simulated pod Running, then Ready, with a pod IP from the node range', async () => {
    await env.client.create(testPod('web', { nodeName: 'keelson-sim-0' }));
    const running = await podWhen(env, 'web', 'Running', (p) => p.status?.phase === 'Running');
    assert.match(String(running.status?.['podIP']), /^10\.244\.\d+\.\d+$/);
    assert.equal(running.status?.['hostIP'], '127.0.0.1');
    const ready = await podWhen(env, 'web', 'Ready', (p) => condition(p, 'Ready') === 'True');
    assert.equal(condition(ready, 'ContainersReady'), 'True');
    assert.equal(condition(ready, 'Initialized'), 'True');
    assert.equal(condition(ready, 'PodScheduled'), 'True');
    assert.equal(ready.status?.['podIP'], running.status?.['podIP']);
    const statuses = ready.status?.containerStatuses as {
      name: string;
      ready: boolean;
      state: Record<string, unknown>;
    }[];
    assert.equal(statuses[0]?.name, 'app');
    assert.equal(statuses[0]?.ready, true);
    assert.ok(statuses[0]?.state['running']);
    const scheduled = ready.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const again = await env.client.get<ApiPod>(podRef('web'));
    assert.equal(
      again.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime,
      scheduled?.lastTransitionTime,
    );
  });

  it('gives every pod its own IP', async () => {
    for (const name of ['ip-a', 'ip-b', 'ip-c'])
      await env.client.create(testPod(name, { nodeName: 'keelson-sim-0' }));
    const ips = await Promise.all(
      ['web', 'ip-a', 'ip-b', 'ip-c'].map(
        async (name) =>
          (await podWhen(env, name, 'has an IP', (p) => p.status?.podIP !== undefined)).status?.podIP,
      ),
    );
    assert.equal(new Set(ips).size, 4, JSON.stringify(ips));
  });

  it('stops a pod being deleted and writes its final status before it goes', async () => {
    // `--no-node` serves without graceful pod deletion, so a finalizer holds the pod where the server
    // would otherwise remove it at once; with graceful deletion the kubelet's own delete removes it
    await env.client.create(
      testPod('leaving', { nodeName: 'keelson-sim-0' }, { finalizers: ['keelson.dev/test-hold'] }),
    );
    const ready = await podWhen(env, 'leaving', 'Ready', (p) => condition(p, 'Ready') === 'True');
    const uid = ready.metadata.uid ?? '';
    await env.client.delete(podRef('leaving'), { gracePeriodSeconds: 5 });
    // the finalizer keeps the object after the kubelet's own delete, so the stopped status can be seen
    const stopped = await podWhen(env, 'leaving', 'containers terminated', (p) =>
      ((p.status?.containerStatuses ?? []) as { state?: Record<string, unknown> }[]).every(
        (c) => c.state?.['terminated'] !== undefined,
      ),
    );
    assert.notEqual(condition(stopped, 'Ready'), 'True');
    const killing = await eventually('a Killing event', async () => {
      const list = await env.client.list('v1', 'Event', {
        namespace: 'default',
        fieldSelector: 'involvedObject.name=leaving,reason=Killing',
      });
      return list.items[0];
    });
    assert.equal(killing['message'], 'Stopping container app');
    await env.client.patch(podRef('leaving'), { metadata: { finalizers: null } });
    await eventually(
      'the pod to be gone',
      async () => (await env.client.tryGet(podRef('leaving'))) === undefined,
    );
    await eventually('the runtime to forget the pod', async () => !simulated.uids().includes(uid));
  });

  it('stops and forgets a pod deleted at once', async () => {
    await env.client.create(testPod('brief', { nodeName: 'keelson-sim-0' }));
    const running = await podWhen(env, 'brief', 'Running', (p) => p.status?.phase === 'Running');
    await env.client.delete(podRef('brief'));
    await eventually(
      'the runtime to forget the pod',
      async () => !simulated.uids().includes(running.metadata.uid ?? ''),
    );
  });

  it('keeps a pod missing its ConfigMap waiting with CreateContainerConfigError and starts it once the ConfigMap exists', async () => {
    await env.client.create(
      testPod('configured', {
        nodeName: 'keelson-sim-0',
        containers: [
          { name: 'app', image: 'registry.example/app:1', envFrom: [{ configMapRef: { name: 'settings' } }] },
        ],
      }),
    );
    const waiting = await podWhen(env, 'configured', 'waiting', (p) =>
      ((p.status?.containerStatuses ?? []) as { state?: { waiting?: { reason?: string } } }[]).some(
        (c) => c.state?.waiting?.reason === 'CreateContainerConfigError',
      ),
    );
    assert.equal(waiting.status?.phase, 'Pending');
    const message = (
      (waiting.status?.containerStatuses ?? []) as { state?: { waiting?: { message?: string } } }[]
    )[0]?.state?.waiting?.message;
    assert.match(String(message), /configmap "settings" not found/);
    await env.client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
      data: { MODE: 'on' },
    });
    await podWhen(env, 'configured', 'Ready', (p) => condition(p, 'Ready') === 'True');
  });

  it('never runs a pod whose RuntimeClass the node has no runtime for', async () => {
    await env.client.create(
      testPod('misplaced', {
        nodeName: 'keelson-sim-0',
        runtimeClassName: 'process',
        containers: [{ name: 'step', image: 'busybox', command: ['true'] }],
      }),
    );
    const pending = await podWhen(env, 'misplaced', 'ContainerCreating', (p) =>
      ((p.status?.containerStatuses ?? []) as { state?: { waiting?: { reason?: string } } }[]).some(
        (c) => c.state?.waiting?.reason === 'ContainerCreating',
      ),
    );
    assert.equal(pending.status?.phase, 'Pending');
    const event = await eventually('a FailedCreatePodSandBox event', async () => {
      const list = await env.client.list('v1', 'Event', {
        namespace: 'default',
        fieldSelector: 'involvedObject.name=misplaced,reason=FailedCreatePodSandBox',
      });
      return list.items[0];
    });
    assert.match(String(event['message']), /no runtime for "process"/);
    assert.equal(simulated.uids().includes(pending.metadata.uid ?? ''), false);
  });

  it('runs a process pod to Succeeded and serves its logs', async () => {
    await env.client.create(
      testPod('build', {
        nodeName: 'keelson-process-0',
        runtimeClassName: 'process',
        restartPolicy: 'Never',
        containers: [
          {
            name: 'step',
            image: 'busybox',
            command: ['sh', '-c', 'echo hello; echo from $POD_NAME'],
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          },
        ],
      }),
    );
    const done = await podWhen(env, 'build', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 20_000);
    const state = (
      (done.status?.containerStatuses ?? []) as { state?: { terminated?: { exitCode?: number } } }[]
    )[0]?.state;
    assert.equal(state?.terminated?.exitCode, 0);
    const res = await fetch(`${logs.url}/default/build`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello\nfrom build\n');
    const tail = await fetch(`${logs.url}/default/build?tailLines=1`);
    assert.equal(await tail.text(), 'from build\n');
  });

  it('follows the log of a running process until it exits', async () => {
    await env.client.create(
      testPod('ticker', {
        nodeName: 'keelson-process-0',
        runtimeClassName: 'process',
        restartPolicy: 'Never',
        containers: [
          { name: 'tick', image: 'busybox', command: ['sh', '-c', 'echo one; sleep 1; echo two'] },
        ],
      }),
    );
    await podWhen(env, 'ticker', 'Running', (p) => p.status?.phase === 'Running', 20_000);
    const res = await fetch(`${logs.url}/default/ticker?follow=true&timestamps=true`);
    assert.equal(res.status, 200);
    const lines = (await res.text()).trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => l.replace(/^\S+ /, '')),
      ['one', 'two'],
    );
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z one$/);
  });

  it('answers log requests kube’s way when the container is ambiguous, unknown or waiting', async () => {
    await env.client.create(
      testPod('pair', {
        nodeName: 'keelson-sim-0',
        containers: [
          { name: 'a', image: 'registry.example/a:1' },
          { name: 'b', image: 'registry.example/b:1', envFrom: [{ secretRef: { name: 'absent' } }] },
        ],
      }),
    );
    await podWhen(env, 'pair', 'b waiting', (p) =>
      ((p.status?.containerStatuses ?? []) as { name: string; state?: { waiting?: unknown } }[]).some(
        (c) => c.name === 'b' && c.state?.waiting,
      ),
    );
    const ambiguous = await fetch(`${logs.url}/default/pair`);
    assert.equal(ambiguous.status, 400);
    assert.equal(
      ((await ambiguous.json()) as { message: string }).message,
      'a container name must be specified for pod pair, choose one of: [a b]',
    );
    const unknown = await fetch(`${logs.url}/default/pair?container=c`);
    assert.equal(unknown.status, 400);
    assert.equal(
      ((await unknown.json()) as { message: string }).message,
      'container c is not valid for pod pair',
    );
    const waiting = await fetch(`${logs.url}/default/pair?container=b`);
    assert.equal(waiting.status, 400);
    assert.equal(
      ((await waiting.json()) as { message: string }).message,
      'container "b" in pod "pair" is waiting to start: CreateContainerConfigError',
    );
    const elsewhere = await fetch(`${logs.url}/default/nowhere`);
    assert.equal(elsewhere.status, 400);
  });

  it('writes Failed for process pods lost to a restart of the node and never runs them again', async () => {
    await env.client.create(
      testPod('long', {
        nodeName: 'keelson-process-0',
        runtimeClassName: 'process',
        restartPolicy: 'Never',
        containers: [{ name: 'sleeper', image: 'busybox', command: ['sleep', '300'] }],
      }),
    );
    await podWhen(env, 'long', 'Running', (p) => p.status?.phase === 'Running', 20_000);
    // the node "restarts": its kubelet stops, its processes die with it; a new runtime on the same
    // root and a new kubelet with fresh caches take over
    await processLife.stop();
    processes.closeNow();
    const reborn = new ProcessRuntime({ clock: systemClock, log: env.ctx.log, root });
    processLife = new Manager();
    new Kubelet(processContext(), { node: processNodeConfig(), runtime: reborn }).addTo(processLife);
    await processLife.start();
    processes = reborn;
    try {
      const failed = await podWhen(env, 'long', 'Failed', (p) => p.status?.phase === 'Failed', 20_000);
      assert.equal(failed.status?.['reason'], 'NodeRestart');
      await new Promise((r) => setTimeout(r, 500));
      const still = await env.client.get<ApiPod>(podRef('long'));
      assert.equal(still.status?.phase, 'Failed');
      const sleeper = (
        (still.status?.containerStatuses ?? []) as {
          restartCount?: number;
          state?: Record<string, unknown>;
        }[]
      )[0];
      assert.equal(sleeper?.state?.['running'], undefined);
    } finally {
      await processLife.stop();
      await reborn.close(0);
    }
  });
});
