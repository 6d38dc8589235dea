/**
 * The CronJob controller against a real `keelson apiserver` process, with an injected clock: the
 * test moves time to a scheduled minute and wakes the controller, and plays the Job controller by
 * writing Job conditions itself.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, startServer, type ServerProcess } from '../../../../test/e2e/harness.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { rfc3339 } from '../../../base/time.ts';
import { KubeClient } from '../../../runtime/client.ts';
import { Manager, type Controller } from '../../../runtime/controller.ts';
import { InformerFactory } from '../../../runtime/informer.ts';
import type { NodeContext } from '../../context.ts';
import type { Job } from '../job/reconciler.ts';
import { jobFromTemplate, type CronJob } from './reconciler.ts';
import { cronJobController } from './watches.ts';

let server: ServerProcess;
let client: KubeClient;
let manager: Manager;
let controller: Controller;
const ns = 'default';
let now = Date.now();
const minute = 60_000;

before(async () => {
  server = await startServer({ args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
  const factory = new InformerFactory(client);
  const ctx: NodeContext = { client, informers: factory, clock: { now: () => now }, log: () => {} };
  controller = cronJobController(ctx);
  manager = new Manager().add(controller);
  await manager.start();
});

after(async () => {
  await manager.stop();
  client.close();
  await server.stop();
});

function cronJob(name: string, spec: Partial<CronJob['spec']> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: ns },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: {
        metadata: { labels: { team: 'a' } },
        spec: {
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
        },
      },
      ...spec,
    },
  };
}

const cronRef = (name: string) => ({ apiVersion: 'batch/v1', kind: 'CronJob', namespace: ns, name });
const jobRef = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name });

/** Creates the CronJob and returns the first scheduled minute after its creation. */
async function create(cj: CronJob): Promise<number> {
  now = Date.now(); // an earlier test may have left the clock in the future
  const created = await client.create(cj);
  return Math.floor(Date.parse(created.metadata.creationTimestamp ?? '') / minute) * minute + minute;
}

/** Moves the clock and wakes the controller for `name`. */
function tick(name: string, at: number): void {
  now = at;
  controller.enqueue({ namespace: ns, name });
}

async function jobsOf(name: string): Promise<Job[]> {
  const cj = await client.get<CronJob>(cronRef(name));
  const list = await client.list<Job>('batch/v1', 'Job', { namespace: ns });
  return list.items
    .filter((j) => j.metadata.ownerReferences?.some((o) => o.uid === cj.metadata.uid))
    .filter((j) => !j.metadata.deletionTimestamp)
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

const jobName = (cj: string, at: number) => `${cj}-${Math.floor(at / minute)}`;

/** The Job controller's part: the Job finished. */
async function finishJob(name: string, type: 'Complete' | 'Failed', startTime: number): Promise<void> {
  const at = rfc3339(startTime + 5000);
  const condition = (t: string, reason: string) => ({
    type: t,
    status: 'True',
    reason,
    message: '',
    lastProbeTime: at,
    lastTransitionTime: at,
  });
  await client.patchStatus(
    jobRef(name),
    type === 'Complete'
      ? {
          startTime: rfc3339(startTime),
          completionTime: at,
          succeeded: 1,
          conditions: [
            condition('SuccessCriteriaMet', 'CompletionsReached'),
            condition('Complete', 'CompletionsReached'),
          ],
        }
      : {
          startTime: rfc3339(startTime),
          failed: 1,
          conditions: [
            condition('FailureTarget', 'BackoffLimitExceeded'),
            condition('Failed', 'BackoffLimitExceeded'),
          ],
        },
  );
}

async function statusOf(name: string): Promise<NonNullable<CronJob['status']>> {
  return (await client.get<CronJob>(cronRef(name))).status ?? {};
}

async function eventReasons(name: string): Promise<string[]> {
  const list = await client.list<KubeObject & { reason?: string; involvedObject?: { name?: string } }>(
    'v1',
    'Event',
    { namespace: ns },
  );
  return list.items.filter((e) => e.involvedObject?.name === name).map((e) => e.reason ?? '');
}

/** What kubectl's `create job --from=cronjob/<name>` posts (kubectl/pkg/cmd/create/create_job.go). */
async function manualJob(cronJobName: string, name: string): Promise<Job> {
  const cj = await client.get<CronJob>(cronRef(cronJobName));
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: ns,
      labels: { ...cj.spec.jobTemplate.metadata?.labels },
      annotations: {
        ...cj.spec.jobTemplate.metadata?.annotations,
        'cronjob.kubernetes.io/instantiate': 'manual',
      },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: cronJobName,
          uid: cj.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: cj.spec.jobTemplate.spec,
  };
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

test('fires on schedule: a Job named for the scheduled minute, with its timestamp annotation', async () => {
  const first = await create(cronJob('every'));
  tick('every', first - 5000);
  await sleep(200);
  assert.equal((await jobsOf('every')).length, 0, 'nothing before the scheduled time');

  tick('every', first + 1000);
  const job = await eventually('the job', () => client.tryGet<Job>(jobRef(jobName('every', first))));
  assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], rfc3339(first));
  assert.equal(job.metadata.labels?.team, 'a');
  const owner = job.metadata.ownerReferences?.[0];
  assert.equal(owner?.kind, 'CronJob');
  assert.equal(owner?.controller, true);
  const status = await eventually('status', async () => {
    const s = await statusOf('every');
    return s.active?.length === 1 && s;
  });
  assert.equal(status.active?.[0]?.name, job.metadata.name);
  assert.equal(status.lastScheduleTime, rfc3339(first));

  tick('every', first + 2000);
  await sleep(200);
  assert.equal((await jobsOf('every')).length, 1, 'a scheduled time runs once');
  tick('every', first + minute + 1000);
  await eventually('the next minute', () => client.tryGet<Job>(jobRef(jobName('every', first + minute))));

  // `kubectl create job --from=cronjob/every` makes this Job client-side; the controller leaves it
  // out of .status.active, as kube's does
  await client.create(await manualJob('every', 'by-hand'));
  await eventually('UnexpectedJob', async () => (await eventReasons('every')).includes('UnexpectedJob'));
  assert.equal((await statusOf('every')).active?.length, 2, 'a manual Job is not added to active');
});

test('concurrencyPolicy Forbid skips a run while one is active, and runs it late when that one ends', async () => {
  const first = await create(cronJob('forbid', { concurrencyPolicy: 'Forbid' }));
  tick('forbid', first + 1000);
  await eventually('the first job', () => client.tryGet<Job>(jobRef(jobName('forbid', first))));
  tick('forbid', first + minute + 1000);
  await eventually('JobAlreadyActive', async () =>
    (await eventReasons('forbid')).includes('JobAlreadyActive'),
  );
  assert.equal((await jobsOf('forbid')).length, 1);

  await finishJob(jobName('forbid', first), 'Complete', first);
  await eventually('the skipped run', () => client.tryGet<Job>(jobRef(jobName('forbid', first + minute))));
  const status = await eventually('status', async () => {
    const s = await statusOf('forbid');
    return s.lastSuccessfulTime !== undefined && s.active?.length === 1 && s;
  });
  assert.equal(status.active?.[0]?.name, jobName('forbid', first + minute));
  assert.equal(status.lastSuccessfulTime, rfc3339(first + 5000));
});

test('concurrencyPolicy Replace deletes the running Job and starts the new one', async () => {
  const first = await create(cronJob('replace', { concurrencyPolicy: 'Replace' }));
  tick('replace', first + 1000);
  await eventually('the first job', () => client.tryGet<Job>(jobRef(jobName('replace', first))));
  tick('replace', first + minute + 1000);
  await eventually('replaced', async () => {
    const names = (await jobsOf('replace')).map((j) => j.metadata.name);
    return names.length === 1 && names[0] === jobName('replace', first + minute);
  });
  const status = await eventually('status', async () => {
    const s = await statusOf('replace');
    return s.active?.[0]?.name === jobName('replace', first + minute) && s;
  });
  assert.equal(status.active?.length, 1);
});

test('history limits keep the newest successful and failed Jobs', async () => {
  const first = await create(cronJob('hist', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
  const outcomes = ['Complete', 'Complete', 'Failed', 'Failed'] as const;
  for (const [i, outcome] of outcomes.entries()) {
    const at = first + i * minute;
    tick('hist', at + 1000);
    await eventually(`job ${i}`, () => client.tryGet<Job>(jobRef(jobName('hist', at))));
    await finishJob(jobName('hist', at), outcome, at);
  }
  await eventually('pruned', async () => {
    const names = (await jobsOf('hist')).map((j) => j.metadata.name).join();
    return names === [jobName('hist', first + minute), jobName('hist', first + 3 * minute)].sort().join();
  });
  await eventually('nothing active', async () => ((await statusOf('hist')).active ?? []).length === 0);
});

test('suspend holds runs; a missed run starts on resume unless past startingDeadlineSeconds', async () => {
  const first = await create(cronJob('paused', { suspend: true }));
  tick('paused', first + 1000);
  await sleep(300);
  assert.equal((await jobsOf('paused')).length, 0, 'no runs while suspended');
  await client.patch(cronRef('paused'), { spec: { suspend: false } });
  await eventually('the missed run', () => client.tryGet<Job>(jobRef(jobName('paused', first))));

  // kube looks no further back than startingDeadlineSeconds: a run missed by more is skipped
  const late = await create(cronJob('late', { startingDeadlineSeconds: 10 }));
  tick('late', late + 30_000);
  await sleep(300);
  assert.equal((await jobsOf('late')).length, 0);
  tick('late', late + minute + 2000);
  await eventually('the next run in time', () => client.tryGet<Job>(jobRef(jobName('late', late + minute))));
});

test('more than 100 missed times: a warning, and only the most recent runs', async () => {
  const first = await create(cronJob('skew'));
  const at = first + 200 * minute;
  tick('skew', at + 1000);
  await eventually('the latest run', () => client.tryGet<Job>(jobRef(jobName('skew', at))));
  await eventually('TooManyMissedTimes', async () =>
    (await eventReasons('skew')).includes('TooManyMissedTimes'),
  );
  assert.equal((await jobsOf('skew')).length, 1);
});

test('the scheduled-timestamp annotation is written in spec.timeZone', () => {
  const cj = cronJob('tz', { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' });
  cj.metadata.uid = 'u';
  const job = jobFromTemplate(cj, Date.parse('2024-01-01T00:00:00Z'));
  assert.equal(job.metadata.name, `tz-${Date.parse('2024-01-01T00:00:00Z') / minute}`);
  assert.equal(
    job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'],
    '2024-01-01T09:00:00+09:00',
  );
});
