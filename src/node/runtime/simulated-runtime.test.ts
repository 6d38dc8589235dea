import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { systemClock } from '../../base/clock.ts';
import { ManualClock } from './manual-clock.ts';
import {
  containerOf,
  contractPod,
  podRuntimeContract,
  readLogs,
  type PodBehaviour,
} from './pod-runtime.contract.ts';
import { SimulatedMetricsServer } from './simulated-metrics.ts';
import { SimulatedRuntime } from './simulated-runtime.ts';

const quiet = (): void => {};

/** The contract's behaviours as `sim.keelson.dev/` annotations. */
function simulatedPod(behaviour: PodBehaviour): V1Pod {
  const annotations: Record<string, string> = {};
  const pod = contractPod(behaviour, (c, base) => {
    if (c.output !== undefined) annotations[`sim.keelson.dev/log.${c.name}`] = c.output.join('\n');
    if (c.exitAfterMs !== undefined) {
      annotations[`sim.keelson.dev/exit-after.${c.name}`] = `${c.exitAfterMs}ms`;
      annotations[`sim.keelson.dev/exit-code.${c.name}`] = String(c.exitCode ?? 0);
    }
    return base;
  });
  return { ...pod, metadata: { ...pod.metadata, annotations } };
}

podRuntimeContract({
  name: 'simulated',
  create: ({ backoff }) => ({
    runtime: new SimulatedRuntime({ clock: systemClock, log: quiet, backoff, readyAfterMs: 0 }),
    pod: simulatedPod,
    close: async () => {},
  }),
});

let counter = 0;

function pod(annotations: Record<string, string>, spec: Partial<V1Pod['spec']> = {}): V1Pod {
  counter++;
  return {
    metadata: { name: `web-${counter}`, namespace: 'default', uid: `uid-${counter}`, annotations },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], ...spec },
  };
}

function setup(options: { readyAfterMs?: number; metrics?: SimulatedMetricsServer } = {}) {
  const clock = new ManualClock();
  const runtime = new SimulatedRuntime({ clock, log: quiet, ...options });
  return { clock, runtime };
}

describe('simulated runtime', () => {
  it('runs a container at once and makes it ready after the runtime delay, or ready-after', async () => {
    const { clock, runtime } = setup({ readyAfterMs: 1000 });
    const plain = pod({});
    const slow = pod({ 'sim.keelson.dev/ready-after': '5s' });
    runtime.start(plain, {});
    runtime.start(slow, {});
    const before = runtime.status(plain.metadata!.uid!)!;
    assert.equal(before.phase, 'Running');
    assert.equal(containerOf(before, 'web').ready, false);
    assert.equal(containerOf(before, 'web').started, true);
    await clock.advance(999);
    assert.equal(containerOf(runtime.status(plain.metadata!.uid!)!, 'web').ready, false);
    await clock.advance(1);
    assert.equal(containerOf(runtime.status(plain.metadata!.uid!)!, 'web').ready, true);
    assert.equal(containerOf(runtime.status(slow.metadata!.uid!)!, 'web').ready, false);
    await clock.advance(4000);
    const ready = runtime.status(slow.metadata!.uid!)!;
    assert.equal(ready.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(
      ready.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime?.getTime(),
      clock.now(),
      'lastTransitionTime is when Ready turned True',
    );
  });

  it('never-ready keeps the container unready: ContainersReady False with kubelet’s message', async () => {
    const { clock, runtime } = setup();
    const p = pod({ 'sim.keelson.dev/never-ready': 'true' });
    runtime.start(p, {});
    await clock.advance(60_000);
    const status = runtime.status(p.metadata!.uid!)!;
    assert.equal(status.phase, 'Running');
    const ready = status.conditions?.find((c) => c.type === 'ContainersReady');
    assert.deepEqual(
      [ready?.status, ready?.reason, ready?.message],
      ['False', 'ContainersNotReady', 'containers with unready status: [web]'],
    );
  });

  it('fail-start keeps the container waiting with the given reason and message', async () => {
    const { clock, runtime } = setup();
    const p = pod({
      'sim.keelson.dev/fail-start': 'ErrImagePull',
      'sim.keelson.dev/fail-start-message': 'rpc error: manifest unknown',
    });
    runtime.start(p, {});
    await clock.advance(60_000);
    const status = runtime.status(p.metadata!.uid!)!;
    assert.equal(status.phase, 'Pending');
    assert.deepEqual(containerOf(status, 'web').state?.waiting, {
      reason: 'ErrImagePull',
      message: 'rpc error: manifest unknown',
    });
    assert.equal(containerOf(status, 'web').imageID, '');
    await assert.rejects(readLogs(runtime, p.metadata!.uid!, 'web'), {
      code: 'KEELSON_BAD_REQUEST',
      message: `container "web" in pod "${p.metadata!.name}" is waiting to start: ErrImagePull`,
    });
  });

  it('crash-after crash-loops with kubelet’s backoff: immediate, then 10s, 20s … (restartCount, lastState)', async () => {
    const { clock, runtime } = setup();
    const p = pod({ 'sim.keelson.dev/crash-after': '2s', 'sim.keelson.dev/exit-code': '3' });
    const uid = p.metadata!.uid!;
    runtime.start(p, {});
    await clock.advance(2000);
    let web = containerOf(runtime.status(uid)!, 'web');
    assert.equal(web.restartCount, 1, 'the first restart is immediate');
    assert.ok(web.state?.running);
    assert.equal(web.lastState?.terminated?.exitCode, 3);
    assert.equal(web.lastState?.terminated?.reason, 'Error');
    await clock.advance(2000);
    web = containerOf(runtime.status(uid)!, 'web');
    assert.equal(web.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(
      web.state?.waiting?.message,
      `back-off 10s restarting failed container=web pod=${p.metadata!.name}_default(${uid})`,
    );
    assert.equal(runtime.status(uid)!.phase, 'Running');
    await clock.advance(9999);
    assert.equal(containerOf(runtime.status(uid)!, 'web').restartCount, 1);
    await clock.advance(1);
    assert.equal(containerOf(runtime.status(uid)!, 'web').restartCount, 2);
    await clock.advance(2000);
    assert.match(containerOf(runtime.status(uid)!, 'web').state?.waiting?.message ?? '', /^back-off 20s /);
    await clock.advance(20_000 + 2000 + 40_000 + 2000 + 80_000 + 2000 + 160_000 + 2000);
    assert.match(containerOf(runtime.status(uid)!, 'web').state?.waiting?.message ?? '', /^back-off 5m0s /);
    assert.equal(containerOf(runtime.status(uid)!, 'web').restartCount, 6);
  });

  it('exit-after and exit-code let Job pods succeed or fail', async () => {
    const { clock, runtime } = setup();
    const ok = pod({ 'sim.keelson.dev/exit-after': '3s' }, { restartPolicy: 'Never' });
    const bad = pod(
      { 'sim.keelson.dev/exit-after': '3s', 'sim.keelson.dev/exit-code': '2' },
      { restartPolicy: 'Never' },
    );
    runtime.start(ok, {});
    runtime.start(bad, {});
    await clock.advance(2999);
    assert.equal(runtime.status(ok.metadata!.uid!)!.phase, 'Running');
    await clock.advance(1);
    assert.equal(runtime.status(ok.metadata!.uid!)!.phase, 'Succeeded');
    const failed = runtime.status(bad.metadata!.uid!)!;
    assert.equal(failed.phase, 'Failed');
    assert.equal(containerOf(failed, 'web').state?.terminated?.exitCode, 2);
    const terminated = containerOf(failed, 'web').state?.terminated;
    assert.equal(terminated!.finishedAt!.getTime() - terminated!.startedAt!.getTime(), 3000);
  });

  it('stop-after: a clean exit within the grace period, SIGKILL (137) past it', async () => {
    const { clock, runtime } = setup();
    const quick = pod({ 'sim.keelson.dev/stop-after': '1s' });
    const slow = pod({ 'sim.keelson.dev/stop-after': '10s' });
    runtime.start(quick, {});
    runtime.start(slow, {});
    let stopped = 0;
    void runtime.stop(quick.metadata!.uid!, 30).then(() => stopped++);
    void runtime.stop(slow.metadata!.uid!, 3).then(() => stopped++);
    await clock.advance(999);
    assert.equal(stopped, 0);
    await clock.advance(1);
    assert.equal(stopped, 1);
    assert.equal(containerOf(runtime.status(quick.metadata!.uid!)!, 'web').state?.terminated?.exitCode, 0);
    assert.equal(runtime.status(quick.metadata!.uid!)!.phase, 'Succeeded');
    await clock.advance(2000);
    assert.equal(stopped, 2);
    assert.equal(containerOf(runtime.status(slow.metadata!.uid!)!, 'web').state?.terminated?.exitCode, 137);
    assert.equal(runtime.status(slow.metadata!.uid!)!.phase, 'Failed');
  });

  it('scopes annotations to a container with .<name>; init containers complete at once by default', async () => {
    const { clock, runtime } = setup({ readyAfterMs: 0 });
    const p = pod(
      {
        'sim.keelson.dev/crash-after': '1s',
        'sim.keelson.dev/crash-after.sidecar': '1h',
        'sim.keelson.dev/exit-after.migrate': '5s',
        'sim.keelson.dev/log.migrate': 'migrating',
      },
      {
        initContainers: [
          { name: 'setup', image: 'busybox' },
          { name: 'migrate', image: 'migrator:2' },
        ],
        containers: [
          { name: 'web', image: 'nginx:1.27' },
          { name: 'sidecar', image: 'envoy:1' },
        ],
      },
    );
    const uid = p.metadata!.uid!;
    runtime.start(p, {});
    await clock.advance(0);
    let status = runtime.status(uid)!;
    assert.equal(containerOf(status, 'setup').state?.terminated?.reason, 'Completed');
    assert.ok(containerOf(status, 'migrate').state?.running);
    assert.equal(await readLogs(runtime, uid, 'migrate'), 'migrating\n');
    await clock.advance(5000);
    status = runtime.status(uid)!;
    assert.equal(status.phase, 'Running');
    await clock.advance(1000);
    status = runtime.status(uid)!;
    assert.equal(containerOf(status, 'web').restartCount, 1, 'the pod-wide crash-after applies to web');
    assert.equal(containerOf(status, 'sidecar').restartCount, 0, 'the scoped one wins for sidecar');
  });

  it('reports an annotation it cannot read as CreateContainerConfigError', async () => {
    const { runtime } = setup();
    const p = pod({ 'sim.keelson.dev/crash-after': 'soon' });
    runtime.start(p, {});
    const waiting = containerOf(runtime.status(p.metadata!.uid!)!, 'web').state?.waiting;
    assert.equal(waiting?.reason, 'CreateContainerConfigError');
    assert.match(waiting?.message ?? '', /sim\.keelson\.dev\/crash-after: "soon"/);
    const metrics = pod({ 'sim.keelson.dev/metrics': '{"requestRate": 5, "errorRate": 1}' });
    runtime.start(metrics, {});
    assert.match(
      containerOf(runtime.status(metrics.metadata!.uid!)!, 'web').state?.waiting?.message ?? '',
      /unknown field errorRate/,
    );
  });

  it('serves the metrics annotation through the metrics server while the first container runs', async () => {
    const clock = new ManualClock();
    const server = new SimulatedMetricsServer({ clock, log: quiet });
    await server.listen();
    try {
      const runtime = new SimulatedRuntime({ clock, log: quiet, metrics: server });
      const p = pod({
        'sim.keelson.dev/metrics': '{"requestRate": 50, "errorRatio": 0.02, "latencyP99Ms": 120}',
      });
      const uid = p.metadata!.uid!;
      runtime.start(p, {});
      const url = runtime.metricsUrl(uid);
      assert.equal(url, `${server.baseUrl}/pods/default/${p.metadata!.name}/metrics`);
      await clock.advance(10_000);
      const text = await (await fetch(url)).text();
      const sample = (code: string): number =>
        Number(new RegExp(`^http_requests_total\\{code="${code}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
      assert.ok(Math.abs(sample('200') - 490) < 1e-9);
      assert.ok(Math.abs(sample('500') - 10) < 1e-9);
      await runtime.stop(uid, 0);
      assert.equal((await fetch(url)).status, 404);
      assert.equal(runtime.metricsUrl(pod({}).metadata!.uid!), undefined);
    } finally {
      await server.close();
    }
  });
});
