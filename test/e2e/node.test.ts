/**
 * The embedded node end to end: `keelson apiserver` with its node, driven by the real kubectl.
 * Rollouts, progress deadlines, Jobs and CronJobs, process pods with logs, a server killed during
 * a Job, and the podinfo production overlay applied with `kubectl apply -k`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, repoRoot, startServer, tempDir, type ServerProcess } from './harness.ts';

const podinfo = join(
  repoRoot,
  '..',
  'shared',
  'fixtures',
  'gitops',
  'podinfo',
  'deploy',
  'overlays',
  'production',
);

let server: ServerProcess;
const k = (...args: string[]) => kubectl(server.kubeconfig, args);
async function ok(...args: string[]): Promise<string> {
  const out = await k(...args);
  assert.equal(out.code, 0, `kubectl ${args.join(' ')}: ${out.stderr}${out.stdout}`);
  return out.stdout;
}
async function apply(yaml: string): Promise<void> {
  const out = await kubectl(server.kubeconfig, ['apply', '-f', '-'], yaml);
  assert.equal(out.code, 0, out.stderr);
}
async function json(...args: string[]): Promise<any> {
  return JSON.parse(await ok(...args, '-o', 'json'));
}

before(async () => {
  server = await startServer({ tls: true, args: ['--process-pods', '--sim-ready-delay', '300ms'] });
});
after(async () => {
  await server.stop();
});

describe('embedded node', { concurrency: true }, () => {
  test('a rolling update with maxSurge 1, maxUnavailable 0 never drops below the desired ready pods', async () => {
    await ok('create', 'namespace', 'roll');
    const deployment = (image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: roll}
spec:
  replicas: 4
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: ${image}}]}
`;
    await apply(deployment('example.com/web:1'));
    await ok('-n', 'roll', 'rollout', 'status', 'deploy/web', '--timeout=60s');
    const readyCounts: number[] = [];
    let watching = true;
    const sampler = (async () => {
      while (watching) {
        const pods = await json('-n', 'roll', 'get', 'pods', '-l', 'app=web');
        const ready = pods.items.filter(
          (p: any) =>
            !p.metadata.deletionTimestamp &&
            p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
        ).length;
        readyCounts.push(ready);
      }
    })();
    await apply(deployment('example.com/web:2'));
    await ok('-n', 'roll', 'rollout', 'status', 'deploy/web', '--timeout=90s');
    watching = false;
    await sampler;
    assert.ok(readyCounts.length > 3, 'sampled during the rollout');
    assert.ok(Math.min(...readyCounts) >= 4, `ready pods dipped below 4: ${readyCounts.join(',')}`);
    const d = await json('-n', 'roll', 'get', 'deploy', 'web');
    assert.equal(d.status.updatedReplicas, 4);
    assert.equal(d.status.availableReplicas, 4);
    const history = await ok('-n', 'roll', 'rollout', 'history', 'deploy/web');
    assert.match(history, /^1\s/m);
    assert.match(history, /^2\s/m);
  });

  test('a template that never becomes ready makes the rollout exceed its progress deadline', async () => {
    await ok('create', 'namespace', 'stuck');
    await apply(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck, namespace: stuck}
spec:
  replicas: 1
  progressDeadlineSeconds: 3
  selector: {matchLabels: {app: stuck}}
  template:
    metadata:
      labels: {app: stuck}
      annotations: {sim.keelson.dev/never-ready: "true"}
    spec: {containers: [{name: c, image: example.com/stuck:1}]}
`);
    const out = await k('-n', 'stuck', 'rollout', 'status', 'deploy/stuck', '--timeout=60s');
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /exceeded its progress deadline/);
    const d = await json('-n', 'stuck', 'get', 'deploy', 'stuck');
    const progressing = d.status.conditions.find((c: any) => c.type === 'Progressing');
    assert.equal(progressing.status, 'False');
    assert.equal(progressing.reason, 'ProgressDeadlineExceeded');
  });

  test('a Job whose process fails is retried backoffLimit times, then Failed', async () => {
    await ok('create', 'namespace', 'jobs');
    await apply(`
apiVersion: batch/v1
kind: Job
metadata: {name: fails, namespace: jobs}
spec:
  backoffLimit: 2
  template:
    spec:
      runtimeClassName: process
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "echo trying; exit 3"]}]
`);
    const job = await eventually(
      'the Job to fail',
      async () => {
        const j = await json('-n', 'jobs', 'get', 'job', 'fails');
        return j.status?.conditions?.some((c: any) => c.type === 'Failed' && c.status === 'True')
          ? j
          : undefined;
      },
      120_000,
    );
    assert.equal(job.status.failed, 3, 'backoffLimit 2 means 3 pods');
    assert.equal(job.status.conditions.find((c: any) => c.type === 'Failed').reason, 'BackoffLimitExceeded');
    const pods = await json('-n', 'jobs', 'get', 'pods', '-l', 'job-name=fails');
    assert.equal(pods.items.length, 3);
    for (const pod of pods.items) {
      assert.equal(pod.status.phase, 'Failed');
      assert.equal(pod.status.containerStatuses[0].state.terminated.exitCode, 3);
    }
  });

  test('a CronJob fires on schedule', async () => {
    await ok('create', 'namespace', 'cron');
    await apply(`
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick, namespace: cron}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: example.com/tick:1}]
`);
    const jobs = await eventually(
      'a Job from the CronJob',
      async () => {
        const list = await json('-n', 'cron', 'get', 'jobs');
        return list.items.length > 0 ? list.items : undefined;
      },
      75_000,
    );
    const scheduled = jobs[0].metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'];
    assert.ok(scheduled, 'the Job carries its scheduled time');
    assert.equal(new Date(scheduled).getUTCSeconds(), 0, 'scheduled on a minute boundary');
    assert.match(jobs[0].metadata.name, /^tick-\d+$/);
    const cron = await json('-n', 'cron', 'get', 'cronjob', 'tick');
    assert.ok(cron.status.lastScheduleTime);
  });

  test('kubectl logs -f follows a process pod until it exits', async () => {
    await ok('create', 'namespace', 'logs');
    await apply(`
apiVersion: v1
kind: Pod
metadata: {name: counter, namespace: logs}
spec:
  runtimeClassName: process
  restartPolicy: Never
  containers: [{name: c, image: busybox, command: [sh, -c, "for i in 1 2 3 4 5; do echo line $i; sleep 0.3; done"]}]
`);
    await eventually('the pod to start', async () => {
      const pod = await json('-n', 'logs', 'get', 'pod', 'counter');
      return pod.status?.phase === 'Running' || pod.status?.phase === 'Succeeded';
    });
    const follow = await k('-n', 'logs', 'logs', '-f', 'counter');
    assert.equal(follow.code, 0, follow.stderr);
    assert.equal(follow.stdout, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
    await eventually(
      'Succeeded',
      async () => (await json('-n', 'logs', 'get', 'pod', 'counter')).status.phase === 'Succeeded',
    );
  });

  test('kubectl apply -k of the podinfo production overlay rolls out completely', async () => {
    const out = await k('apply', '-k', podinfo);
    assert.equal(out.code, 0, out.stderr);
    for (const d of ['backend', 'frontend', 'cache', 'database-replica'])
      await ok('-n', 'production', 'rollout', 'status', `deploy/${d}`, '--timeout=90s');
    await ok('-n', 'production', 'rollout', 'status', 'statefulset/database-primary', '--timeout=90s');
    const pvc = await json('-n', 'production', 'get', 'pvc', 'database-primary');
    assert.equal(pvc.status.phase, 'Bound');
    const hpas = await json('-n', 'production', 'get', 'hpa');
    assert.equal(hpas.items.length, 3);
    await eventually('HPAs observed', async () => {
      const list = await json('-n', 'production', 'get', 'hpa');
      return list.items.every((h: any) => h.status?.conditions?.length > 0);
    });
    const cronjobs = await json('-n', 'production', 'get', 'cronjobs');
    assert.equal(cronjobs.items.length, 4);
    const endpoints = await json('-n', 'production', 'get', 'endpoints', 'backend');
    assert.ok(endpoints.subsets?.[0]?.addresses?.length >= 1, 'the backend Service has ready endpoints');
  });
});

test('killing the server during a Job does not run its pod twice', async () => {
  const dir = tempDir('keelson-node-restart-');
  const marker = join(dir, 'runs');
  const data = tempDir('keelson-node-data-');
  let s = await startServer({ dataDir: data, tls: true, args: ['--process-pods'] });
  const yaml = `
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: default}
spec:
  backoffLimit: 0
  template:
    spec:
      runtimeClassName: process
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "echo started >> ${marker}; sleep 30"]}]
`;
  try {
    assert.equal((await kubectl(s.kubeconfig, ['apply', '-f', '-'], yaml)).code, 0);
    await eventually('the pod process to start', async () => existsSync(marker), 30_000);
  } finally {
    await s.kill();
  }
  s = await startServer({ dataDir: data, tls: true, args: ['--process-pods'] });
  try {
    const pod = await eventually(
      'the orphaned pod to be marked Failed',
      async () => {
        const out = await kubectl(s.kubeconfig, ['get', 'pods', '-l', 'job-name=once', '-o', 'json']);
        const items = JSON.parse(out.stdout).items;
        return items.length === 1 && items[0].status?.phase === 'Failed' ? items[0] : undefined;
      },
      30_000,
    );
    assert.ok(pod.status.containerStatuses[0].state.terminated, 'the container is reported terminated');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(readFileSync(marker, 'utf8'), 'started\n', 'the command ran exactly once');
  } finally {
    await s.stop();
  }
});
