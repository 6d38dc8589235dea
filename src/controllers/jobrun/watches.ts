/**
 * What wakes the JobRun controller: a JobRun created or changed; a change of a Pod it created
 * (Pods are watched by the `ci.keelson.dev/job-run` label only, so the controller never caches
 * other pods); a run of the same job leaving `pending` or going away (a run waiting on
 * max_concurrency may start); a newer presubmit of the same job and PR (older ones are aborted); a
 * periodic run finishing (the previous latest one may now be collected).
 */
import type { JobRun } from '../../api/crds/ci.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { Clock } from '../../base/clock.ts';
import type { KubeClient } from '../../runtime/client.ts';
import { Controller, requestOf, type Logger } from '../../runtime/controller.ts';
import { EventRecorder, type EventSink } from '../../runtime/events.ts';
import { splitKey, type InformerFactory } from '../../runtime/informer.ts';
import type { BackoffOptions } from '../../runtime/queue.ts';
import { runLabel } from './pod.ts';
import {
  isFinished,
  jobIndex,
  JobRunReconciler,
  podRunIndex,
  pullIndex,
  pullKeys,
  runKeysOfPod,
  stateOf,
  type JobRunReconcilerDeps,
} from './reconciler.ts';
import { ciApiVersion } from '../../api/crds/ci.ts';

export interface JobRunControllerDeps {
  /** The cluster JobRuns and their Pods live in (the management cluster, the default build cluster). */
  client: KubeClient;
  informers: InformerFactory;
  clock: Clock;
  log: Logger;
  events?: EventSink | undefined;
  workers?: number | undefined;
  backoff?: BackoffOptions | undefined;
  /** RuntimeClass for pods whose spec names none; default `process` (the embedded node). `null`: none. */
  runtimeClassName?: string | null | undefined;
  /** Base URL of clone URLs for refs without clone_uri, e.g. the built-in forge's `http://127.0.0.1:PORT/`. */
  cloneBase?: string | undefined;
  /** A Secret (keys `username`, `password`) in each pod namespace, for HTTP clone auth. */
  cloneSecret?: string | undefined;
  /** Finished runs are deleted this long after completion (default 168h, Prow's sinker). */
  maxAgeMs?: number | undefined;
  url?: JobRunReconcilerDeps['url'];
  /** Where decorated runs upload their logs and artifacts (their `status.url` is then its page). */
  artifacts?: JobRunReconcilerDeps['artifacts'];
}

/**
 * The JobRun controller (ci.keelson.dev/v1, Prow's plank and sinker). Add it to a Manager, which
 * starts the JobRun and Pod informers.
 */
export function jobRunController(deps: JobRunControllerDeps): Controller {
  const runs = deps.informers.for<JobRun>(ciApiVersion, 'JobRun');
  runs.addIndex(jobIndex, (run) => [run.spec.job]);
  runs.addIndex(pullIndex, pullKeys);
  const pods = deps.informers.for<KubeObject>('v1', 'Pod', { labelSelector: runLabel });
  pods.addIndex(podRunIndex, runKeysOfPod);
  const events =
    deps.events ??
    new EventRecorder(
      { client: deps.client, clock: deps.clock, log: deps.log },
      { component: 'jobrun-controller' },
    );
  const reconciler = new JobRunReconciler({
    client: deps.client,
    runs,
    pods,
    clock: deps.clock,
    log: deps.log,
    events,
    runtimeClassName: deps.runtimeClassName === null ? undefined : (deps.runtimeClassName ?? 'process'),
    cloneBase: deps.cloneBase,
    cloneSecret: deps.cloneSecret,
    maxAgeMs: deps.maxAgeMs,
    url: deps.url,
    artifacts: deps.artifacts,
  });
  const controller = new Controller({
    name: 'jobrun',
    reconciler,
    // reconciles wait on the API, not the CPU: a wide pool keeps 1,000 queued runs moving
    workers: deps.workers ?? 16,
    backoff: deps.backoff ?? { base: 500, max: 5 * 60_000 },
    clock: deps.clock,
    log: deps.log,
  });
  const siblings = (run: JobRun, pick: (other: JobRun) => boolean): void => {
    for (const other of runs.byIndex(jobIndex, run.spec.job))
      if (pick(other)) controller.enqueue(requestOf(other));
  };
  const waiting = (other: JobRun): boolean => stateOf(other) === 'triggered';
  controller.watches(runs, () => []);
  runs.on({
    add: (run) => {
      reconciler.arrived(run);
      controller.enqueue(requestOf(run));
      for (const key of pullKeys(run))
        for (const older of runs.byIndex(pullIndex, key))
          if (!isFinished(older)) controller.enqueue(requestOf(older));
    },
    update: (old, run) => {
      controller.enqueue(requestOf(run));
      if (stateOf(old) === 'pending' && stateOf(run) !== 'pending') siblings(run, waiting);
      if (run.spec.type === 'periodic' && !isFinished(old) && isFinished(run)) siblings(run, isFinished);
    },
    delete: (run) => {
      reconciler.departed(run);
      controller.enqueue(requestOf(run));
      siblings(run, waiting);
    },
  });
  controller.watches(pods, (pod) => runKeysOfPod(pod).map(splitKey));
  return controller;
}
