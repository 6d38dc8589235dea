import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { systemClock } from '../../base/clock.ts';
import {
  containerOf,
  contractPod,
  podRuntimeContract,
  readLogs,
  waitForStatus,
  type PodBehaviour,
} from './pod-runtime.contract.ts';
import type { CrashLoopBackoff, PodInputs } from './pod-runtime.ts';
import { isProcessAlive } from './process-groups.ts';
import { ProcessRuntime } from './process-runtime.ts';

const quiet = (): void => {};
const roots: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The contract's behaviours as shell scripts; a container that runs until stopped exits 0 on SIGTERM. */
function processPod(behaviour: PodBehaviour): V1Pod {
  const pod = contractPod(behaviour, (c, base) => {
    const lines = (c.output ?? []).map((line) => `echo ${quote(line)}`);
    // the trap comes first, so once the output shows, SIGTERM ends the container with 0
    const script =
      c.exitAfterMs === undefined
        ? ['trap "exit 0" TERM', ...lines, 'while :; do sleep 1 & wait $!; done']
        : [...lines, `sleep ${c.exitAfterMs / 1000}`, `exit ${c.exitCode ?? 0}`];
    return { ...base, command: ['sh', '-c', script.join('\n')] };
  });
  return { ...pod, spec: { ...pod.spec!, runtimeClassName: 'process' } };
}

function newRuntime(root = tempDir('keelson-process-'), backoff?: CrashLoopBackoff): ProcessRuntime {
  return new ProcessRuntime({
    clock: systemClock,
    log: quiet,
    root,
    ...(backoff !== undefined && { backoff }),
  });
}

podRuntimeContract({
  name: 'process',
  create: ({ backoff }) => {
    const runtime = newRuntime(undefined, backoff);
    return { runtime, pod: processPod, close: () => runtime.close(1) };
  },
});

let counter = 0;

function pod(
  spec: Partial<V1Pod['spec']> & { containers: V1Container[] },
  meta: Partial<V1Pod['metadata']> = {},
): V1Pod {
  counter++;
  return {
    metadata: {
      name: `proc-${counter}`,
      namespace: 'ci',
      uid: `proc-uid-${counter}-${process.pid}`,
      ...meta,
    },
    spec: { runtimeClassName: 'process', restartPolicy: 'Never', ...spec },
  };
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

const inputs: PodInputs = {
  configMaps: { settings: { metadata: { name: 'settings' }, data: { mode: 'fast', level: '3' } } },
  secrets: { creds: { metadata: { name: 'creds' }, data: { password: b64('s3cret'), user: b64('admin') } } },
  environment: { KUBERNETES_SERVICE_HOST: '127.0.0.1', GREETING: 'from-the-kubelet' },
};

async function finish(runtime: ProcessRuntime, p: V1Pod): Promise<string> {
  const uid = p.metadata!.uid!;
  const status = await waitForStatus(runtime, uid, (s) => s.phase === 'Succeeded' || s.phase === 'Failed');
  const name = p.spec!.containers[0]!.name;
  assert.equal(status.phase, 'Succeeded', `${name}: ${JSON.stringify(containerOf(status, name).state)}`);
  return readLogs(runtime, uid, name);
}

describe('process runtime', () => {
  it('builds the environment as kubelet does: env, envFrom, $(VAR), fieldRef, resourceFieldRef', async () => {
    const runtime = newRuntime();
    const p = pod(
      {
        nodeName: 'keelson-process-0',
        containers: [
          {
            name: 'env',
            image: 'busybox',
            command: ['env'],
            resources: { limits: { cpu: '1500m', memory: '64Mi' } },
            envFrom: [
              { configMapRef: { name: 'settings' }, prefix: 'CFG_' },
              { secretRef: { name: 'creds' } },
              { configMapRef: { name: 'absent', optional: true } },
            ],
            env: [
              { name: 'GREETING', value: 'hello' },
              { name: 'MESSAGE', value: '$(GREETING) world $$(GREETING) $(MISSING) $(CFG_mode)' },
              { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
              { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
              {
                name: 'OPTIONAL',
                valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } },
              },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
              { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
              { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
              { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
              {
                name: 'MEMORY_MI',
                valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } },
              },
            ],
          },
        ],
      },
      { labels: { app: 'api' }, annotations: { note: 'hi there' } },
    );
    runtime.start(p, inputs);
    const output = await finish(runtime, p);
    const env = Object.fromEntries(
      output
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const root = env['KEELSON_ROOT'];
    assert.ok(root?.endsWith(join('containers', 'env', 'root')));
    assert.deepEqual(env, {
      PATH: process.env['PATH'],
      HOME: root,
      HOSTNAME: p.metadata!.name,
      KEELSON_ROOT: root,
      KEELSON_CONTAINER_ID: containerOf(runtime.status(p.metadata!.uid!)!, 'env').containerID,
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      GREETING: 'hello',
      MESSAGE: 'hello world $(GREETING) $(MISSING) fast',
      CFG_mode: 'fast',
      CFG_level: '3',
      password: 's3cret',
      user: 'admin',
      FROM_CM: 'fast',
      FROM_SECRET: 's3cret',
      POD_NAME: p.metadata!.name,
      POD_NAMESPACE: 'ci',
      POD_UID: p.metadata!.uid,
      APP: 'api',
      NOTE: 'hi there',
      NODE: 'keelson-process-0',
      SA: 'default',
      POD_IP: '127.0.0.1',
      CPU: '2',
      MEMORY_MI: '64',
    });
    assert.equal(runtime.status(p.metadata!.uid!)!.podIP, '127.0.0.1');
    await runtime.close();
  });

  it('runs command + args with $(VAR) expanded, args alone as the command; neither is a CreateContainerConfigError', async () => {
    const runtime = newRuntime();
    const p = pod({
      containers: [
        {
          name: 'echo',
          command: ['sh', '-c', 'echo "$1|$2|$3"', '--'],
          args: ['$(GREETING)', '$$(GREETING)', '$(NOPE)'],
          env: [{ name: 'GREETING', value: 'hi' }],
        },
      ],
    });
    runtime.start(p, {});
    assert.equal(await finish(runtime, p), 'hi|$(GREETING)|$(NOPE)\n');

    const argsOnly = pod({
      containers: [{ name: 'busybox', image: 'busybox', args: ['sh', '-c', 'echo args are the command'] }],
    });
    runtime.start(argsOnly, {});
    assert.equal(await finish(runtime, argsOnly), 'args are the command\n');

    const imageOnly = pod({ containers: [{ name: 'nginx', image: 'nginx:1.27' }] });
    runtime.start(imageOnly, {});
    const waiting = containerOf(runtime.status(imageOnly.metadata!.uid!)!, 'nginx').state?.waiting;
    assert.equal(waiting?.reason, 'CreateContainerConfigError');
    assert.match(waiting?.message ?? '', /has no command or args/);
    await runtime.close();
  });

  it('fails a container whose executable does not exist with StartError (128), as runc does', async () => {
    const runtime = newRuntime();
    const p = pod({ containers: [{ name: 'missing', command: ['no-such-binary-anywhere'] }] });
    runtime.start(p, {});
    const failed = await waitForStatus(runtime, p.metadata!.uid!, (s) => s.phase === 'Failed');
    assert.deepEqual(
      (({ exitCode, reason, message }) => ({ exitCode, reason, message }))(
        containerOf(failed, 'missing').state!.terminated!,
      ),
      {
        exitCode: 128,
        reason: 'StartError',
        message: 'exec: "no-such-binary-anywhere": executable file not found in $PATH',
      },
    );
    await runtime.close();
  });

  it('materialises configMap, secret, downwardAPI and emptyDir volumes and maps mountPaths into the root', async () => {
    const root = tempDir('keelson-volumes-');
    const runtime = newRuntime(root);
    const p = pod(
      {
        volumes: [
          {
            name: 'config',
            configMap: {
              name: 'settings',
              items: [{ key: 'mode', path: 'conf/mode.txt' }],
              defaultMode: 0o640,
            },
          },
          { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
          { name: 'maybe', configMap: { name: 'absent', optional: true } },
          { name: 'scratch', emptyDir: {} },
          {
            name: 'info',
            downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
          },
        ],
        containers: [
          {
            name: 'app',
            workingDir: '/work',
            command: [
              'sh',
              '-c',
              [
                'cat creds/password; echo',
                'cat "$KEELSON_ROOT/etc/app/conf/mode.txt"; echo',
                'cat "$KEELSON_VOLUME_CONFIG/conf/mode.txt"; echo',
                'cat mode.txt; echo',
                'stat -L -c %a creds/password "$KEELSON_ROOT/etc/app/conf/mode.txt"',
                'cat "$KEELSON_ROOT/etc/podinfo/labels"; echo',
                'ls "$KEELSON_VOLUME_MAYBE" | wc -l',
                'echo done > scratch/out',
                'pwd',
              ].join('\n'),
            ],
            volumeMounts: [
              { name: 'config', mountPath: '/etc/app' },
              { name: 'creds', mountPath: '/work/creds', readOnly: true },
              { name: 'scratch', mountPath: '/work/scratch' },
              { name: 'info', mountPath: '/etc/podinfo' },
              { name: 'maybe', mountPath: '/maybe' },
              { name: 'config', mountPath: '/work/mode.txt', subPath: 'conf/mode.txt' },
            ],
          },
        ],
      },
      { labels: { app: 'api', tier: 'back end' } },
    );
    const uid = p.metadata!.uid!;
    runtime.start(p, inputs);
    const output = await finish(runtime, p);
    const podDir = join(root, 'pods', uid);
    assert.deepEqual(output.split('\n'), [
      's3cret',
      'fast',
      'fast',
      'fast',
      '400',
      '640',
      'app="api"',
      'tier="back end"',
      '0',
      join(podDir, 'containers', 'app', 'root', 'work'),
      '',
    ]);
    assert.equal(readFileSync(join(podDir, 'volumes', 'scratch', 'out'), 'utf8'), 'done\n');

    // new inputs rewrite the volume atomically (AtomicWriter's ..data switch)
    runtime.start(p, {
      ...inputs,
      configMaps: { settings: { metadata: { name: 'settings' }, data: { mode: 'slow' } } },
    });
    assert.equal(
      readFileSync(join(podDir, 'volumes', 'config', 'conf', 'mode.txt'), 'utf8'),
      'fast',
      'a finished pod keeps its files',
    );
    await runtime.remove(uid);
    assert.equal(existsSync(podDir), false);
    await runtime.close();
  });

  it('updates configMap volumes of a running pod when the kubelet passes new inputs', async () => {
    const root = tempDir('keelson-refresh-');
    const runtime = newRuntime(root);
    const p = pod({
      restartPolicy: 'Always',
      volumes: [{ name: 'config', configMap: { name: 'settings' } }],
      containers: [
        { name: 'app', command: ['sleep', '30'], volumeMounts: [{ name: 'config', mountPath: '/config' }] },
      ],
    });
    const uid = p.metadata!.uid!;
    runtime.start(p, inputs);
    await waitForStatus(runtime, uid, (s) => s.phase === 'Running');
    const file = join(root, 'pods', uid, 'containers', 'app', 'root', 'config', 'mode');
    assert.equal(readFileSync(file, 'utf8'), 'fast');
    runtime.start(p, {
      configMaps: { settings: { metadata: { name: 'settings' }, data: { mode: 'slow' } } },
    });
    assert.equal(readFileSync(file, 'utf8'), 'slow');
    assert.equal(existsSync(join(root, 'pods', uid, 'volumes', 'config', 'level')), false);
    await runtime.close(0);
  });

  it('runs init containers in order, sharing an emptyDir with the app container', async () => {
    const runtime = newRuntime();
    const mount = [{ name: 'shared', mountPath: '/shared' }];
    const p = pod({
      volumes: [{ name: 'shared', emptyDir: {} }],
      initContainers: [
        {
          name: 'first',
          command: ['sh', '-c', 'sleep 0.1; echo first >> shared/order'],
          volumeMounts: mount,
        },
        { name: 'second', command: ['sh', '-c', 'echo second >> shared/order'], volumeMounts: mount },
      ],
      containers: [{ name: 'app', command: ['sh', '-c', 'cat shared/order'], volumeMounts: mount }],
    });
    runtime.start(p, {});
    assert.equal(await finish(runtime, p), 'first\nsecond\n');
    await runtime.close();
  });

  it('stop sends SIGTERM to the process group, then SIGKILL once the grace period is over', async () => {
    const runtime = newRuntime();
    const p = pod({
      containers: [
        {
          name: 'stubborn',
          command: ['sh', '-c', 'trap "echo got TERM" TERM; echo ready; while :; do sleep 0.1; done'],
        },
      ],
    });
    const uid = p.metadata!.uid!;
    runtime.start(p, {});
    await waitForStatus(runtime, uid, (s) => s.phase === 'Running');
    const deadline = Date.now() + 10_000;
    while ((await readLogs(runtime, uid, 'stubborn')) !== 'ready\n' && Date.now() < deadline) await sleep(20);
    await runtime.stop(uid, 1);
    const status = runtime.status(uid)!;
    assert.equal(containerOf(status, 'stubborn').state?.terminated?.exitCode, 137);
    assert.equal(status.phase, 'Failed');
    assert.match(await readLogs(runtime, uid, 'stubborn'), /^ready\n(.*\n)*got TERM\n/);
    await runtime.close();
  });

  it('kills what else ran in the container’s process group when its first process exits', async () => {
    const runtime = newRuntime();
    const p = pod({ containers: [{ name: 'app', command: ['sh', '-c', 'sleep 300 & echo $!'] }] });
    runtime.start(p, {});
    const pid = Number(await finish(runtime, p));
    assert.ok(pid > 0);
    await eventually(() => !isProcessAlive(pid), `the background sleep ${pid} is gone`);
    await runtime.close();
  });

  it('fails at construction without setpriv', () => {
    assert.throws(
      () =>
        new ProcessRuntime({
          clock: systemClock,
          log: quiet,
          root: tempDir('keelson-nosetpriv-'),
          setpriv: '/nonexistent/setpriv',
        }),
      { code: 'KEELSON_UNAVAILABLE', message: /needs setpriv \(util-linux\)/ },
    );
  });

  it('after the server is killed: pdeathsig kills the container, the next runtime kills the rest and never reruns the pod', async (t) => {
    const root = tempDir('keelson-restart-');
    const pids = tempDir('keelson-pids-');
    const p = pod({
      restartPolicy: 'Always',
      containers: [
        {
          name: 'app',
          image: 'worker:1',
          // `$$$$` is the shell's `$$` once kubelet's expansion has turned `$$` into `$`
          command: [
            'sh',
            '-c',
            `echo started; sleep 300 & echo $! > ${pids}/child; echo $$$$ > ${pids}/main; wait`,
          ],
        },
      ],
    });
    const uid = p.metadata!.uid!;
    const repo = fileURLToPath(new URL('../../../', import.meta.url));
    const fixture = fileURLToPath(new URL('./testdata/process-runtime-child.ts', import.meta.url));
    const server = spawn(process.execPath, ['--import', 'tsx', fixture, root, JSON.stringify(p)], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    });
    let stdout = '';
    server.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise((resolve) => server.once('exit', resolve));
    await eventually(
      () => stdout.includes('running') && existsSync(join(pids, 'main')) && existsSync(join(pids, 'child')),
      'the pod runs in the child server',
      30_000,
    );
    await sleep(50);
    const main = Number(readFileSync(join(pids, 'main'), 'utf8'));
    const child = Number(readFileSync(join(pids, 'child'), 'utf8'));
    assert.ok(isProcessAlive(main), `main ${main} runs`);
    assert.ok(isProcessAlive(child), `child ${child} runs`);

    server.kill('SIGKILL');
    await exited;
    await eventually(
      () => !isProcessAlive(main),
      `the container's process ${main} died with the server (pdeathsig)`,
    );
    assert.ok(isProcessAlive(child), 'a grandchild outlives the server until the next runtime starts');

    rmSync(join(pids, 'main'));
    const runtime = newRuntime(root);
    await eventually(() => !isProcessAlive(child), `the leftover ${child} is killed by the next runtime`);
    const status = runtime.status(uid)!;
    assert.equal(status.phase, 'Failed');
    assert.equal(status.reason, 'NodeRestart');
    const app = containerOf(status, 'app');
    assert.equal(app.state?.terminated?.exitCode, 137);
    assert.equal(app.state?.terminated?.reason, 'NodeRestart');
    assert.equal(app.restartCount, 0);
    assert.equal(await readLogs(runtime, uid, 'app'), 'started\n');
    assert.deepEqual(runtime.uids(), [uid]);

    runtime.start(p, {});
    await sleep(500);
    assert.equal(existsSync(join(pids, 'main')), false, 'the pod did not run again');
    assert.deepEqual(runtime.status(uid), status);
    await runtime.close();

    const again = newRuntime(root);
    assert.equal(again.status(uid)?.reason, 'NodeRestart', 'the failure survives further restarts');
    await again.remove(uid);
    assert.deepEqual(again.uids(), []);
    await again.close();
  });
});
