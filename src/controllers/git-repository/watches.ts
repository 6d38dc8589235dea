/**
 * What wakes the GitRepository controller: a GitRepository created, deleted, or changed in a way
 * that asks for work (its generation, the requestedAt annotation, deletion); a Secret that one
 * names in spec.secretRef; and, through `enqueue`, a push webhook (webhook.ts). Its own status
 * writes do not wake it, as Flux's GenerationChangedPredicate keeps them from waking
 * source-controller.
 */
import type { GitRepository } from '../../api/crds/index.ts';
import type { Clock } from '../../base/clock.ts';
import type { GitSource } from '../../adapters/git/index.ts';
import type { KubeClient } from '../../runtime/client.ts';
import { Controller, requestOf, type Logger } from '../../runtime/controller.ts';
import { EventRecorder, type EventSink } from '../../runtime/events.ts';
import { keyOf, type InformerFactory } from '../../runtime/informer.ts';
import type { BackoffOptions } from '../../runtime/queue.ts';
import type { Secret } from '../../adapters/git/credentials.ts';
import {
  gitRepositoryApiVersion,
  gitRepositoryFinalizer,
  GitRepositoryReconciler,
  requestedAtAnnotation,
} from './reconciler.ts';

export interface GitRepositoryControllerDeps {
  client: KubeClient;
  informers: InformerFactory;
  git: GitSource;
  clock: Clock;
  log: Logger;
  /** Where events go; an EventRecorder reporting as `gitrepository-controller` when absent. */
  events?: EventSink | undefined;
  /** In [0, 1); jitters requeues. Math.random when absent. */
  random?: (() => number) | undefined;
  /** GitRepositories reconciled at once (Flux's source-controller: 2). */
  workers?: number | undefined;
  /** Retry backoff of failed reconciles; Flux's 750 ms doubling to 15 min when absent. */
  backoff?: BackoffOptions | undefined;
}

/** The index of GitRepositories by the `namespace/name` of the Secret their spec.secretRef names. */
export const secretRefIndex = 'spec.secretRef';

/**
 * The GitRepository controller (source.keelson.dev/v1). Add it to a Manager, which starts the
 * GitRepository and Secret informers it uses; `controller.enqueue` reconciles one at once (the
 * push webhook uses it).
 */
export function gitRepositoryController(deps: GitRepositoryControllerDeps): Controller {
  const gitRepositories = deps.informers.for<GitRepository>(gitRepositoryApiVersion, 'GitRepository');
  const secrets = deps.informers.for<Secret>('v1', 'Secret');
  gitRepositories.addIndex(secretRefIndex, secretRefKeys);
  const reconciler = new GitRepositoryReconciler({
    client: deps.client,
    gitRepositories,
    secrets,
    git: deps.git,
    clock: deps.clock,
    log: deps.log,
    events:
      deps.events ??
      new EventRecorder(
        { client: deps.client, clock: deps.clock, log: deps.log },
        { component: 'gitrepository-controller' },
      ),
    random: deps.random,
  });
  const controller = new Controller({
    name: 'gitrepository',
    reconciler,
    workers: deps.workers ?? 2,
    backoff: deps.backoff ?? { base: 750, max: 15 * 60_000 },
    clock: deps.clock,
    log: deps.log,
  });
  // registers the informer with the controller (so a Manager starts it); the handler below decides
  controller.watches(gitRepositories, () => []);
  gitRepositories.on({
    add: (object) => controller.enqueue(requestOf(object)),
    update: (old, object) => {
      if (asksForWork(old, object)) controller.enqueue(requestOf(object));
    },
    delete: (object) => controller.enqueue(requestOf(object)),
  });
  controller.watches(secrets, (secret) =>
    gitRepositories.byIndex(secretRefIndex, keyOf(secret)).map(requestOf),
  );
  return controller;
}

/** The key of the Secret a GitRepository's spec.secretRef names, for the index. */
export function secretRefKeys(object: GitRepository): string[] {
  const name = object.spec.secretRef?.name;
  return name === undefined ? [] : [`${object.metadata.namespace ?? ''}/${name}`];
}

/**
 * Whether an update needs a reconcile: a new generation (the spec changed), a new requestedAt,
 * deletion starting, or our finalizer taken away. Status and other metadata changes do not.
 */
export function asksForWork(old: GitRepository, object: GitRepository): boolean {
  const hasFinalizer = (o: GitRepository): boolean =>
    o.metadata.finalizers?.includes(gitRepositoryFinalizer) === true;
  return (
    old.metadata.generation !== object.metadata.generation ||
    old.metadata.annotations?.[requestedAtAnnotation] !==
      object.metadata.annotations?.[requestedAtAnnotation] ||
    old.metadata.deletionTimestamp !== object.metadata.deletionTimestamp ||
    (hasFinalizer(old) && !hasFinalizer(object))
  );
}
