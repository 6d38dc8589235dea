/**
 * The Job controller against a real `keelson apiserver` process. There is no kubelet: the test
 * plays it, moving pods to Running, Succeeded or Failed with container exit codes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, startServer, type ServerProcess } from '../../../../test/e2e/harness.ts';
import { KubeClient } from '../../../runtime/client.ts';
import { Manager } from '../../../runtime/controller.ts';
import { InformerFactory } from '../../../runtime/informer.ts';
import type { NodeContext } from '../../context.ts';
import type { Pod } from '../pods.ts';
import type { Job, JobCondition } from './reconciler.ts';
import { jobController } from './watches.ts';

let server: ServerProcess;
let client: KubeClient;
let factory: InformerFactory;
let manager: Manager;
const ns = 'default';
const created: string[] = [];

before(async () => {
  server = await startServer({ args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
  factory = new InformerFactory(client);
  const ctx: NodeContext = { client, informers: factory, clock: { now: () => Date.now() }, log: () => {} };
  manager = new Manager().add(jobController(ctx, { backoffBase: 50 }));
  factory.for<Pod>('v1', 'Pod').on({ add: (p) => created.push(p.metadata.name ?? '') });
  await manager.start();
});

after(async () => {
  await manager.stop();
  client.close();
  await server.stop();
});

function job(name: string, spec: Partial<Job['spec']> = {}, podSpec: Record<string, unknown> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns },
    spec: {
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }], ...podSpec },
      },
      ...spec,
    },
  };
}

const jobRef = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name });
const podRef = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: ns, name });

async function getJob(name: string): Promise<Job> {
  return client.get<Job>(jobRef(name));
}

async function podsOf(name: string, includeTerminating = false): Promise<Pod[]> {
  const list = await client.list<Pod>('v1', 'Pod', {
    namespace: ns,
    labelSelector: `batch.kubernetes.io/job-name=${name}`,
  });
  return list.items.filter((p) => includeTerminating || !p.metadata.deletionTimestamp);
}

/** Pods of the job that the kubelet has not finished yet. */
async function runningPods(name: string): Promise<Pod[]> {
  return (await podsOf(name)).filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

function condition(j: Job, type: string): JobCondition | undefined {
  return j.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** The kubelet's part: the container ran and exited with `exitCode`. */
async function finish(pod: Pod, exitCode: number): Promise<void> {
  const now = new Date().toISOString();
  await client.patchStatus(podRef(pod.metadata.name ?? ''), {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }],
    containerStatuses: [
      {
        name: 'main',
        ready: false,
        restartCount: 0,
        image: 'busybox',
        imageID: '',
        state: {
          terminated: {
            exitCode,
            reason: exitCode === 0 ? 'Completed' : 'Error',
            startedAt: now,
            finishedAt: now,
          },
        },
      },
    ],
  });
}

async function run(pod: Pod, restartCount = 0): Promise<void> {
  const now = new Date().toISOString();
  await client.patchStatus(podRef(pod.metadata.name ?? ''), {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
    containerStatuses: [
      {
        name: 'main',
        ready: true,
        restartCount,
        image: 'busybox',
        imageID: '',
        state: { running: { startedAt: now } },
      },
    ],
  });
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

test('completions and parallelism: at most `parallelism` pods run; Complete after `completions` successes', async () => {
  await client.create(job('work', { completions: 3, parallelism: 2 }));
  const first = await eventually('two pods', async () => {
    const pods = await runningPods('work');
    return pods.length === 2 && pods;
  });
  await sleep(200);
  assert.equal((await runningPods('work')).length, 2, 'no more than parallelism');
  const pod = first[0]!;
  assert.equal(pod.metadata.labels?.['batch.kubernetes.io/job-name'], 'work');
  const uid = (await getJob('work')).metadata.uid;
  assert.equal(pod.metadata.labels?.['batch.kubernetes.io/controller-uid'], uid);
  assert.deepEqual(pod.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
  assert.equal(pod.metadata.ownerReferences?.[0]?.kind, 'Job');

  for (const p of first) await finish(p, 0);
  const third = await eventually('the third pod', async () => {
    const pods = await runningPods('work');
    return pods.length === 1 && pods[0];
  });
  await eventually('active 1, succeeded 2', async () => {
    const s = (await getJob('work')).status;
    return s?.active === 1 && s.succeeded === 2;
  });
  await finish(third, 0);

  const done = await eventually('Complete', async () => {
    const j = await getJob('work');
    return condition(j, 'Complete') && j;
  });
  assert.equal(done.status?.succeeded, 3);
  assert.equal(done.status?.failed ?? 0, 0);
  assert.equal(done.status?.active ?? 0, 0);
  assert.ok(condition(done, 'SuccessCriteriaMet'));
  assert.equal(condition(done, 'Complete')?.reason, 'CompletionsReached');
  assert.ok(done.status?.startTime);
  assert.ok(done.status?.completionTime);
  assert.deepEqual(done.status?.uncountedTerminatedPods?.succeeded ?? [], []);
  for (const p of await podsOf('work'))
    assert.deepEqual(p.metadata.finalizers ?? [], [], 'finalizers released');
});

test('a failing Job is retried backoffLimit times, then Failed with BackoffLimitExceeded', async () => {
  await client.create(job('fails', { backoffLimit: 2 }));
  for (let attempt = 1; attempt <= 3; attempt++) {
    const pod = await eventually(`attempt ${attempt}`, async () => (await runningPods('fails'))[0]);
    await finish(pod, 1);
  }
  const failed = await eventually('Failed', async () => {
    const j = await getJob('fails');
    return condition(j, 'Failed') && j;
  });
  assert.equal(condition(failed, 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal(condition(failed, 'Failed')?.message, 'Job has reached the specified backoff limit');
  assert.equal(condition(failed, 'FailureTarget')?.reason, 'BackoffLimitExceeded');
  assert.equal(failed.status?.failed, 3);
  assert.equal(failed.status?.completionTime, undefined);
  await sleep(200);
  assert.equal((await podsOf('fails')).length, 3, 'backoffLimit + 1 pods in all');
});

test('Indexed: one pod per index with its annotation, hostname and env; completedIndexes', async () => {
  await client.create(job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
  const pods = await eventually('three indexed pods', async () => {
    const p = await runningPods('idx');
    return p.length === 3 && p;
  });
  const byIndex = new Map(
    pods.map((p) => [p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], p]),
  );
  assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
  const one = byIndex.get('1')!;
  assert.equal(one.spec?.['hostname'], 'idx-1');
  assert.match(one.metadata.name ?? '', /^idx-1-/);
  assert.equal(one.metadata.labels?.['batch.kubernetes.io/job-completion-index'], '1');
  const env = (one.spec?.['containers'] as { env?: { name: string; valueFrom?: unknown }[] }[])[0]?.env;
  assert.deepEqual(env?.find((e) => e.name === 'JOB_COMPLETION_INDEX')?.valueFrom, {
    fieldRef: {
      apiVersion: 'v1',
      fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']",
    },
  });

  await finish(one, 0);
  await eventually('index 1 completed', async () => (await getJob('idx')).status?.completedIndexes === '1');
  await finish(byIndex.get('0')!, 1);
  const replacement = await eventually('a new pod for index 0', async () =>
    (await runningPods('idx')).find(
      (p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === '0',
    ),
  );
  await finish(replacement, 0);
  await finish(byIndex.get('2')!, 0);
  const done = await eventually('Complete', async () => {
    const j = await getJob('idx');
    return condition(j, 'Complete') && j;
  });
  assert.equal(done.status?.completedIndexes, '0-2');
  assert.equal(done.status?.succeeded, 3);
  assert.equal(done.status?.failed, 1);
});

test('activeDeadlineSeconds: the Job fails with DeadlineExceeded and its running pods are deleted', async () => {
  await client.create(job('slow', { activeDeadlineSeconds: 2, parallelism: 2, completions: 2 }));
  const pods = await eventually('pods', async () => {
    const p = await podsOf('slow', true);
    return p.length === 2 && p;
  });
  // the kubelet starts them (unless the deadline has passed already and they are being deleted)
  for (const p of pods) await run(p).catch(() => {});
  const failed = await eventually(
    'Failed',
    async () => {
      const j = await getJob('slow');
      return condition(j, 'Failed') && j;
    },
    5000,
  );
  assert.equal(condition(failed, 'Failed')?.reason, 'DeadlineExceeded');
  assert.equal(condition(failed, 'Failed')?.message, 'Job was active longer than specified deadline');
  assert.equal(failed.status?.active ?? 0, 0);
  assert.equal(failed.status?.failed, 2, 'the deleted pods count as failed');
  await eventually('pods gone', async () => (await podsOf('slow', true)).length === 0);
});

test('ttlSecondsAfterFinished deletes the finished Job', async () => {
  await client.create(job('short', { ttlSecondsAfterFinished: 1 }));
  const pod = await eventually('pod', async () => (await runningPods('short'))[0]);
  await finish(pod, 0);
  await eventually('Complete', async () => condition(await getJob('short'), 'Complete'));
  await eventually('deleted', async () => (await client.tryGet(jobRef('short'))) === undefined, 5000);
});

test('a pod deleted before it was counted is counted as failed (the tracking finalizer)', async () => {
  await client.create(job('lost'));
  const pod = await eventually('pod', async () => (await runningPods('lost'))[0]);
  await run(pod);
  await client.delete(podRef(pod.metadata.name ?? ''));
  const replacement = await eventually('a replacement', async () =>
    (await runningPods('lost')).find((p) => p.metadata.name !== pod.metadata.name),
  );
  await eventually('counted', async () => (await getJob('lost')).status?.failed === 1);
  await eventually(
    'the deleted pod is gone',
    async () => (await client.tryGet(podRef(pod.metadata.name ?? ''))) === undefined,
  );
  await finish(replacement, 0);
  const done = await eventually('Complete', async () => {
    const j = await getJob('lost');
    return condition(j, 'Complete') && j;
  });
  assert.equal(done.status?.failed, 1);
  assert.equal(done.status?.succeeded, 1);
});

test('suspend: no pods while suspended; resuming starts them', async () => {
  await client.create(job('later', { suspend: true }));
  const suspended = await eventually('Suspended', async () => {
    const j = await getJob('later');
    return condition(j, 'Suspended') && j;
  });
  assert.equal(condition(suspended, 'Suspended')?.reason, 'JobSuspended');
  assert.equal(suspended.status?.startTime, undefined);
  assert.equal((await podsOf('later')).length, 0);
  await client.patch(jobRef('later'), { spec: { suspend: false } });
  const pod = await eventually('pod', async () => (await runningPods('later'))[0]);
  const resumed = await getJob('later');
  const cond = resumed.status?.conditions?.find((c) => c.type === 'Suspended');
  assert.equal(cond?.status, 'False');
  assert.equal(cond?.reason, 'JobResumed');
  assert.ok(resumed.status?.startTime);
  await finish(pod, 0);
  await eventually('Complete', async () => condition(await getJob('later'), 'Complete'));
});

test('restartPolicy OnFailure: container restarts count towards backoffLimit', async () => {
  await client.create(job('flaky', { backoffLimit: 2 }, { restartPolicy: 'OnFailure' }));
  const pod = await eventually('pod', async () => (await runningPods('flaky'))[0]);
  await run(pod, 1);
  await sleep(200);
  assert.equal(condition(await getJob('flaky'), 'Failed'), undefined);
  await run(pod, 2);
  const failed = await eventually('Failed', async () => {
    const j = await getJob('flaky');
    return condition(j, 'Failed') && j;
  });
  assert.equal(condition(failed, 'Failed')?.reason, 'BackoffLimitExceeded');
});

test('podFailurePolicy: FailJob on an exit code fails the Job at once', async () => {
  await client.create(
    job('policy', {
      backoffLimit: 6,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
    }),
  );
  const pod = await eventually('pod', async () => (await runningPods('policy'))[0]);
  await finish(pod, 42);
  const failed = await eventually('Failed', async () => {
    const j = await getJob('policy');
    return condition(j, 'Failed') && j;
  });
  assert.equal(condition(failed, 'Failed')?.reason, 'PodFailurePolicy');
  assert.equal(
    condition(failed, 'Failed')?.message,
    `Container main for pod default/${pod.metadata.name} failed with exit code 42 matching FailJob rule at index 0`,
  );
  assert.equal(failed.status?.failed, 1);
});
