/**
 * The contract every PodRuntime passes. Each runtime's test file calls `podRuntimeContract` with a
 * harness that turns an abstract pod (containers that print lines, run for a while and exit with a
 * code) into a pod its runtime runs that way: a shell command for the process runtime, annotations
 * for the simulated one. The suite runs on real time, with a short CrashLoopBackOff.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import type { V1Container, V1ContainerStatus, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import type { CrashLoopBackoff, LogOptions, PodInputs, PodRuntime } from './pod-runtime.ts';

export interface ContainerBehaviour {
  name: string;
  /** Lines the container prints to stdout when it starts. */
  output?: string[];
  /** Exit this long after starting; undefined runs until stopped (and then exits 0). */
  exitAfterMs?: number;
  exitCode?: number;
  /** Reads `env` variable VALUE from ConfigMap `config`, key `key` (CreateContainerConfigError without it). */
  configMapEnv?: boolean;
}

export interface PodBehaviour {
  name?: string;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  initContainers?: ContainerBehaviour[];
  containers: ContainerBehaviour[];
  activeDeadlineSeconds?: number;
  terminationGracePeriodSeconds?: number;
  /** Mounts ConfigMap `files` as a volume (ContainerCreating without it). */
  configMapVolume?: boolean;
}

export interface RuntimeHarness {
  runtime: PodRuntime;
  /** A pod this runtime runs as `behaviour` says. */
  pod(behaviour: PodBehaviour): V1Pod;
  close(): Promise<void>;
}

export interface ContractFactory {
  name: string;
  create(options: { backoff: CrashLoopBackoff }): RuntimeHarness;
}

let podCounter = 0;

/** The metadata every contract pod gets; harnesses add their own spec and annotations. */
export function contractPodMeta(behaviour: PodBehaviour): { name: string; namespace: string; uid: string } {
  podCounter++;
  return {
    name: behaviour.name ?? `pod-${podCounter}`,
    namespace: 'contract',
    uid: `00000000-0000-4000-8000-${String(podCounter).padStart(12, '0')}-${process.pid}`,
  };
}

/**
 * The pod a harness builds for `behaviour`: its metadata, and a spec with the behaviour's restart
 * policy, deadline, grace period and ConfigMap volume. `container` makes each container behave as
 * told (a script, annotations), starting from `base`: its name, image, ConfigMap env and mount.
 */
export function contractPod(
  behaviour: PodBehaviour,
  container: (c: ContainerBehaviour, base: V1Container) => V1Container,
): V1Pod {
  const build = (c: ContainerBehaviour): V1Container =>
    container(c, {
      name: c.name,
      image: `registry.example/${c.name}:1.0`,
      ...(c.configMapEnv === true && {
        env: [{ name: 'VALUE', valueFrom: { configMapKeyRef: { name: 'config', key: 'key' } } }],
      }),
      ...(behaviour.configMapVolume === true && { volumeMounts: [{ name: 'files', mountPath: '/files' }] }),
    });
  return {
    metadata: contractPodMeta(behaviour),
    spec: {
      restartPolicy: behaviour.restartPolicy ?? 'Always',
      containers: behaviour.containers.map(build),
      ...(behaviour.initContainers !== undefined && { initContainers: behaviour.initContainers.map(build) }),
      ...(behaviour.activeDeadlineSeconds !== undefined && {
        activeDeadlineSeconds: behaviour.activeDeadlineSeconds,
      }),
      ...(behaviour.terminationGracePeriodSeconds !== undefined && {
        terminationGracePeriodSeconds: behaviour.terminationGracePeriodSeconds,
      }),
      ...(behaviour.configMapVolume === true && {
        volumes: [{ name: 'files', configMap: { name: 'files' } }],
      }),
    },
  };
}

/** Resolves with the status once `predicate` holds, checking at every change; fails after `timeoutMs`. */
export async function waitForStatus(
  runtime: PodRuntime,
  uid: string,
  predicate: (status: V1PodStatus) => boolean,
  timeoutMs = 15_000,
): Promise<V1PodStatus> {
  const current = runtime.status(uid);
  if (current !== undefined && predicate(current)) return current;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new Error(`timed out waiting for pod ${uid}; last status ${JSON.stringify(runtime.status(uid))}`),
      );
    }, timeoutMs);
    const unsubscribe = runtime.onChange((changed) => {
      if (changed !== uid) return;
      const status = runtime.status(uid);
      if (status !== undefined && predicate(status)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(status);
      }
    });
  });
}

/** Every status a pod reports, in order, from now on. */
export function recordStatuses(runtime: PodRuntime, uid: string): V1PodStatus[] {
  const seen: V1PodStatus[] = [];
  const first = runtime.status(uid);
  if (first !== undefined) seen.push(first);
  runtime.onChange((changed) => {
    const status = runtime.status(uid);
    if (changed === uid && status !== undefined) seen.push(status);
  });
  return seen;
}

export async function readLogs(
  runtime: PodRuntime,
  uid: string,
  container: string,
  options: LogOptions = {},
  signal = new AbortController().signal,
): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await runtime.logs(uid, container, options, out, signal);
  return Buffer.concat(chunks).toString('utf8');
}

/** Resolves once the container's log reads `text` (a process prints a moment after it starts). */
export async function waitForLog(
  runtime: PodRuntime,
  uid: string,
  container: string,
  text: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await readLogs(runtime, uid, container);
    if (log === text) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${JSON.stringify(text)}; log is ${JSON.stringify(log)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function containerOf(status: V1PodStatus, name: string): V1ContainerStatus {
  const found = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])].find(
    (c) => c.name === name,
  );
  assert.ok(found, `no status for container ${name}`);
  return found;
}

function condition(status: V1PodStatus, type: string): string | undefined {
  return status.conditions?.find((c) => c.type === type)?.status;
}

const configMaps = {
  config: { metadata: { name: 'config' }, data: { key: 'from-config' } },
  files: { metadata: { name: 'files' }, data: { 'a.txt': 'A' } },
};

export function podRuntimeContract(factory: ContractFactory): void {
  describe(`${factory.name} pod runtime contract`, () => {
    const backoff = { initialMs: 200, maxMs: 400 };
    const withHarness = (test: (h: RuntimeHarness) => Promise<void>) => async () => {
      const harness = factory.create({ backoff });
      try {
        await test(harness);
      } finally {
        await harness.close();
      }
    };

    it(
      'runs a pod: Running, its container running, started and ready, conditions True',
      withHarness(async ({ runtime, pod }) => {
        const p = pod({ containers: [{ name: 'app', output: ['hello'] }] });
        const uid = p.metadata!.uid!;
        runtime.start(p, {});
        const status = await waitForStatus(runtime, uid, (s) => condition(s, 'Ready') === 'True');
        assert.equal(status.phase, 'Running');
        assert.ok(status.startTime instanceof Date);
        assert.deepEqual(
          status.conditions?.map((c) => [c.type, c.status]),
          [
            ['PodReadyToStartContainers', 'True'],
            ['Initialized', 'True'],
            ['Ready', 'True'],
            ['ContainersReady', 'True'],
          ],
        );
        const app = containerOf(status, 'app');
        assert.ok(app.state?.running?.startedAt instanceof Date);
        assert.equal(app.ready, true);
        assert.equal(app.started, true);
        assert.equal(app.restartCount, 0);
        assert.equal(app.image, p.spec!.containers[0]!.image);
        assert.match(app.imageID, /@sha256:[0-9a-f]{64}$/);
        assert.match(app.containerID ?? '', /^keelson-[a-z]+:\/\/[0-9a-f]{64}$/);
        assert.deepEqual(app.lastState, {});
        assert.equal(status.initContainerStatuses, undefined);
        assert.deepEqual(runtime.uids(), [uid]);
      }),
    );

    it(
      'is idempotent by uid: a second start neither restarts nor duplicates the pod',
      withHarness(async ({ runtime, pod }) => {
        const p = pod({ containers: [{ name: 'app' }] });
        const uid = p.metadata!.uid!;
        runtime.start(p, {});
        const first = await waitForStatus(runtime, uid, (s) => s.phase === 'Running');
        runtime.start(p, {});
        const second = runtime.status(uid)!;
        assert.equal(containerOf(second, 'app').containerID, containerOf(first, 'app').containerID);
        assert.equal(containerOf(second, 'app').restartCount, 0);
        assert.deepEqual(runtime.uids(), [uid]);
      }),
    );

    it(
      'restartPolicy Never: exit 0 → Succeeded (Completed), exit 3 → Failed (Error)',
      withHarness(async ({ runtime, pod }) => {
        const ok = pod({
          restartPolicy: 'Never',
          containers: [{ name: 'job', exitAfterMs: 50, exitCode: 0 }],
        });
        const bad = pod({
          restartPolicy: 'Never',
          containers: [{ name: 'job', exitAfterMs: 50, exitCode: 3 }],
        });
        runtime.start(ok, {});
        runtime.start(bad, {});
        const succeeded = await waitForStatus(runtime, ok.metadata!.uid!, (s) => s.phase === 'Succeeded');
        const failed = await waitForStatus(runtime, bad.metadata!.uid!, (s) => s.phase === 'Failed');
        const done = containerOf(succeeded, 'job').state?.terminated;
        assert.equal(done?.exitCode, 0);
        assert.equal(done?.reason, 'Completed');
        assert.ok(done?.startedAt instanceof Date && done.finishedAt instanceof Date);
        assert.equal(done.containerID, containerOf(succeeded, 'job').containerID);
        assert.equal(containerOf(failed, 'job').state?.terminated?.exitCode, 3);
        assert.equal(containerOf(failed, 'job').state?.terminated?.reason, 'Error');
        assert.equal(containerOf(failed, 'job').restartCount, 0);
        for (const status of [succeeded, failed]) {
          assert.equal(condition(status, 'Ready'), 'False');
          assert.equal(condition(status, 'PodReadyToStartContainers'), 'False');
        }
        assert.equal(succeeded.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
        assert.equal(failed.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodFailed');
        assert.equal(succeeded.conditions?.find((c) => c.type === 'Initialized')?.reason, 'PodCompleted');
      }),
    );

    it(
      'restartPolicy OnFailure: a failing container restarts with CrashLoopBackOff; a succeeding one completes',
      withHarness(async ({ runtime, pod }) => {
        const crashing = pod({
          restartPolicy: 'OnFailure',
          containers: [{ name: 'app', exitAfterMs: 30, exitCode: 2 }],
        });
        const uid = crashing.metadata!.uid!;
        const seen = recordStatuses(runtime, uid);
        runtime.start(crashing, {});
        const status = await waitForStatus(runtime, uid, (s) => containerOf(s, 'app').restartCount >= 3);
        assert.equal(status.phase, 'Running');
        const last = containerOf(status, 'app').lastState?.terminated;
        assert.equal(last?.exitCode, 2);
        assert.equal(last?.reason, 'Error');
        const backingOff = seen
          .map((s) => containerOf(s, 'app').state?.waiting)
          .find((w) => w?.reason === 'CrashLoopBackOff');
        assert.ok(backingOff, 'a CrashLoopBackOff waiting state between restarts');
        assert.match(backingOff.message ?? '', /^back-off \d+ms restarting failed container=app pod=/);

        const ok = pod({
          restartPolicy: 'OnFailure',
          containers: [{ name: 'app', exitAfterMs: 30, exitCode: 0 }],
        });
        runtime.start(ok, {});
        const done = await waitForStatus(runtime, ok.metadata!.uid!, (s) => s.phase === 'Succeeded');
        assert.equal(containerOf(done, 'app').restartCount, 0);
      }),
    );

    it(
      'restartPolicy Always: even exit 0 restarts, and the pod stays Running',
      withHarness(async ({ runtime, pod }) => {
        const p = pod({ containers: [{ name: 'app', exitAfterMs: 30, exitCode: 0 }] });
        runtime.start(p, {});
        const status = await waitForStatus(
          runtime,
          p.metadata!.uid!,
          (s) => containerOf(s, 'app').restartCount >= 2,
        );
        assert.equal(status.phase, 'Running');
        assert.equal(containerOf(status, 'app').lastState?.terminated?.reason, 'Completed');
      }),
    );

    it(
      'runs init containers one after another, each to exit 0, before the app containers',
      withHarness(async ({ runtime, pod }) => {
        const p = pod({
          initContainers: [
            { name: 'first', exitAfterMs: 50, exitCode: 0 },
            { name: 'second', exitAfterMs: 50, exitCode: 0 },
          ],
          containers: [{ name: 'app' }],
        });
        const uid = p.metadata!.uid!;
        const seen = recordStatuses(runtime, uid);
        runtime.start(p, {});
        const status = await waitForStatus(runtime, uid, (s) => condition(s, 'Ready') === 'True');
        const started = (s: V1PodStatus, name: string): boolean => {
          const c = containerOf(s, name);
          return c.state?.running !== undefined || c.state?.terminated !== undefined;
        };
        const completed = (s: V1PodStatus, name: string): boolean =>
          containerOf(s, name).state?.terminated?.exitCode === 0;
        for (const s of seen) {
          if (started(s, 'second')) assert.ok(completed(s, 'first'), 'second started before first completed');
          if (started(s, 'app')) assert.ok(completed(s, 'second'), 'app started before second completed');
          if (!completed(s, 'second')) {
            assert.equal(s.phase, 'Pending');
            assert.equal(condition(s, 'Initialized'), 'False');
          }
        }
        assert.ok(seen.some((s) => containerOf(s, 'app').state?.waiting?.reason === 'PodInitializing'));
        for (const name of ['first', 'second']) {
          const init = containerOf(status, name);
          assert.equal(init.state?.terminated?.reason, 'Completed');
          assert.equal(init.ready, true);
          assert.equal(init.started, false);
        }
        assert.equal(condition(status, 'Initialized'), 'True');
      }),
    );

    it(
      'a failing init container fails a Never pod, and is retried with backoff otherwise',
      withHarness(async ({ runtime, pod }) => {
        const never = pod({
          restartPolicy: 'Never',
          initContainers: [{ name: 'init', exitAfterMs: 30, exitCode: 1 }],
          containers: [{ name: 'app' }],
        });
        runtime.start(never, {});
        const failed = await waitForStatus(runtime, never.metadata!.uid!, (s) => s.phase === 'Failed');
        assert.equal(containerOf(failed, 'init').state?.terminated?.exitCode, 1);
        assert.equal(containerOf(failed, 'app').state?.waiting?.reason, 'PodInitializing');
        assert.equal(condition(failed, 'Initialized'), 'False');

        const retried = pod({
          restartPolicy: 'Always',
          initContainers: [{ name: 'init', exitAfterMs: 30, exitCode: 1 }],
          containers: [{ name: 'app' }],
        });
        const uid = retried.metadata!.uid!;
        const seen = recordStatuses(runtime, uid);
        runtime.start(retried, {});
        const status = await waitForStatus(runtime, uid, (s) => containerOf(s, 'init').restartCount >= 2);
        assert.equal(status.phase, 'Pending');
        assert.ok(seen.some((s) => containerOf(s, 'init').state?.waiting?.reason === 'CrashLoopBackOff'));
        assert.equal(containerOf(status, 'app').state?.waiting?.reason, 'PodInitializing');
      }),
    );

    it(
      'stop ends every container and nothing restarts; the pod never runs again',
      withHarness(async ({ runtime, pod }) => {
        const p = pod({
          containers: [
            { name: 'app', output: ['up'] },
            { name: 'sidecar', output: ['up'] },
          ],
        });
        const uid = p.metadata!.uid!;
        runtime.start(p, {});
        const running = await waitForStatus(runtime, uid, (s) => condition(s, 'Ready') === 'True');
        await waitForLog(runtime, uid, 'app', 'up\n');
        await waitForLog(runtime, uid, 'sidecar', 'up\n');
        await runtime.stop(uid, 5);
        const stopped = runtime.status(uid)!;
        for (const name of ['app', 'sidecar']) {
          assert.equal(containerOf(stopped, name).state?.terminated?.exitCode, 0);
          assert.equal(containerOf(stopped, name).restartCount, 0);
        }
        assert.equal(stopped.phase, 'Succeeded');
        assert.equal(condition(stopped, 'PodReadyToStartContainers'), 'False');
        runtime.start(p, {});
        await new Promise((resolve) => setTimeout(resolve, 300));
        const after = runtime.status(uid)!;
        assert.equal(containerOf(after, 'app').state?.terminated?.exitCode, 0);
        assert.equal(containerOf(after, 'app').containerID, containerOf(running, 'app').containerID);
        await runtime.stop(uid);
        await runtime.stop('no-such-uid');
      }),
    );

    it(
      'activeDeadlineSeconds fails the pod with DeadlineExceeded',
      withHarness(async ({ runtime, pod }) => {
        const p = pod({ restartPolicy: 'Never', activeDeadlineSeconds: 1, containers: [{ name: 'app' }] });
        const uid = p.metadata!.uid!;
        runtime.start(p, {});
        const failed = await waitForStatus(runtime, uid, (s) => s.phase === 'Failed');
        assert.equal(failed.reason, 'DeadlineExceeded');
        assert.equal(failed.message, 'Pod was active on the node longer than the specified deadline');
        const done = await waitForStatus(
          runtime,
          uid,
          (s) => containerOf(s, 'app').state?.terminated !== undefined,
        );
        assert.equal(done.phase, 'Failed');
      }),
    );

    it(
      'serves logs: the instance, the previous instance, tail, since, timestamps, limitBytes',
      withHarness(async ({ runtime, pod }) => {
        const p = pod({
          restartPolicy: 'Never',
          containers: [{ name: 'app', output: ['one', 'two', 'three'], exitAfterMs: 50, exitCode: 0 }],
        });
        const uid = p.metadata!.uid!;
        runtime.start(p, {});
        await waitForStatus(runtime, uid, (s) => s.phase === 'Succeeded');
        assert.equal(await readLogs(runtime, uid, 'app'), 'one\ntwo\nthree\n');
        assert.equal(await readLogs(runtime, uid, 'app', { tailLines: 1 }), 'three\n');
        assert.equal(await readLogs(runtime, uid, 'app', { tailLines: 0 }), '');
        assert.equal(await readLogs(runtime, uid, 'app', { limitBytes: 5 }), 'one\nt');
        assert.equal(await readLogs(runtime, uid, 'app', { sinceSeconds: 3600 }), 'one\ntwo\nthree\n');
        assert.equal(await readLogs(runtime, uid, 'app', { sinceTime: new Date(Date.now() + 60_000) }), '');
        const stamped = (await readLogs(runtime, uid, 'app', { timestamps: true })).split('\n');
        assert.match(stamped[0] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z one$/);
        assert.equal(stamped.length, 4);

        const crashing = pod({
          restartPolicy: 'OnFailure',
          containers: [{ name: 'app', output: ['run'], exitAfterMs: 50, exitCode: 1 }],
        });
        runtime.start(crashing, {});
        await waitForStatus(runtime, crashing.metadata!.uid!, (s) => containerOf(s, 'app').restartCount >= 1);
        assert.equal(await readLogs(runtime, crashing.metadata!.uid!, 'app', { previous: true }), 'run\n');
      }),
    );

    it(
      'refuses logs it does not have: unknown pod (NotFound), unknown container, no previous instance',
      withHarness(async ({ runtime, pod }) => {
        const p = pod({ containers: [{ name: 'app' }] });
        const uid = p.metadata!.uid!;
        runtime.start(p, {});
        await waitForStatus(runtime, uid, (s) => s.phase === 'Running');
        await assert.rejects(readLogs(runtime, 'nope', 'app'), { code: 'KEELSON_NOT_FOUND' });
        await assert.rejects(readLogs(runtime, uid, 'nope'), {
          code: 'KEELSON_BAD_REQUEST',
          message: `container "nope" in pod "${p.metadata!.name}" is not available`,
        });
        await assert.rejects(readLogs(runtime, uid, 'app', { previous: true }), {
          code: 'KEELSON_BAD_REQUEST',
          message: `previous terminated container "app" in pod "${p.metadata!.name}" not found`,
        });
      }),
    );

    it(
      'follows a log until the instance exits, or until the reader aborts',
      withHarness(async ({ runtime, pod }) => {
        const p = pod({
          restartPolicy: 'Never',
          containers: [{ name: 'app', output: ['a', 'b'], exitAfterMs: 400 }],
        });
        const uid = p.metadata!.uid!;
        runtime.start(p, {});
        await waitForStatus(runtime, uid, (s) => s.phase === 'Running');
        const followed = await readLogs(runtime, uid, 'app', { follow: true });
        assert.equal(followed, 'a\nb\n');
        assert.equal(runtime.status(uid)?.phase, 'Succeeded');

        const forever = pod({ containers: [{ name: 'app', output: ['x'] }] });
        runtime.start(forever, {});
        await waitForLog(runtime, forever.metadata!.uid!, 'app', 'x\n');
        const abort = new AbortController();
        const reading = readLogs(runtime, forever.metadata!.uid!, 'app', { follow: true }, abort.signal);
        setTimeout(() => abort.abort(), 200);
        assert.equal(await reading, 'x\n');
      }),
    );

    it(
      'waits for missing ConfigMaps (CreateContainerConfigError, ContainerCreating) and starts once they come',
      withHarness(async ({ runtime, pod }) => {
        const envPod = pod({ containers: [{ name: 'app', configMapEnv: true }] });
        const envUid = envPod.metadata!.uid!;
        runtime.start(envPod, {});
        const blocked = await waitForStatus(
          runtime,
          envUid,
          (s) => containerOf(s, 'app').state?.waiting?.reason === 'CreateContainerConfigError',
        );
        assert.equal(containerOf(blocked, 'app').state?.waiting?.message, 'configmap "config" not found');
        assert.equal(blocked.phase, 'Pending');
        runtime.start(envPod, { configMaps: { config: configMaps.config } });
        await waitForStatus(runtime, envUid, (s) => s.phase === 'Running');

        const volumePod = pod({ configMapVolume: true, containers: [{ name: 'app' }] });
        const volumeUid = volumePod.metadata!.uid!;
        runtime.start(volumePod, {});
        const mounting = runtime.status(volumeUid)!;
        assert.equal(containerOf(mounting, 'app').state?.waiting?.reason, 'ContainerCreating');
        assert.match(
          containerOf(mounting, 'app').state?.waiting?.message ?? '',
          /configmap "files" not found/,
        );
        assert.equal(
          mounting.conditions?.find((c) => c.type === 'PodReadyToStartContainers')?.status,
          'False',
        );
        const inputs: PodInputs = { configMaps: { files: configMaps.files } };
        runtime.start(volumePod, inputs);
        await waitForStatus(runtime, volumeUid, (s) => s.phase === 'Running');
      }),
    );

    it(
      'notifies changes, forgets removed pods, and close stops everything',
      withHarness(async ({ runtime, pod }) => {
        const a = pod({ containers: [{ name: 'app' }] });
        const b = pod({ containers: [{ name: 'app' }] });
        const changed: string[] = [];
        const unsubscribe = runtime.onChange((uid) => changed.push(uid));
        runtime.start(a, {});
        runtime.start(b, {});
        await waitForStatus(runtime, a.metadata!.uid!, (s) => s.phase === 'Running');
        await waitForStatus(runtime, b.metadata!.uid!, (s) => s.phase === 'Running');
        assert.ok(changed.includes(a.metadata!.uid!) && changed.includes(b.metadata!.uid!));
        unsubscribe();

        await runtime.remove(a.metadata!.uid!);
        assert.equal(runtime.status(a.metadata!.uid!), undefined);
        assert.deepEqual(runtime.uids(), [b.metadata!.uid!]);
        await assert.rejects(readLogs(runtime, a.metadata!.uid!, 'app'), { code: 'KEELSON_NOT_FOUND' });

        await runtime.close(5);
        assert.ok(containerOf(runtime.status(b.metadata!.uid!)!, 'app').state?.terminated);
        assert.throws(() => runtime.start(pod({ containers: [{ name: 'app' }] }), {}), /closed/);
      }),
    );
  });
}
