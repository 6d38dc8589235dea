/**
 * What wakes the Sync controller: a Sync created, deleted, or changed in a way that asks for work;
 * a change of the GitRepository it reads or of a Sync it depends on; and drift of an object it
 * applied (drift.ts), which reconciles at once under driftPolicy `revert`.
 */
import { isDeepStrictEqual } from 'node:util';

import { KubeConfig } from '@kubernetes/client-node';

import type { DriftRecord, GitRepository, Sync } from '../../api/crds/index.ts';
import { sourceGroup } from '../../api/crds/git-repository.ts';
import type { Clock } from '../../base/clock.ts';
import { KubeClient } from '../../runtime/client.ts';
import { Controller, requestOf, type Logger } from '../../runtime/controller.ts';
import { EventRecorder, type EventSink } from '../../runtime/events.ts';
import { keyOf, type InformerFactory } from '../../runtime/informer.ts';
import type { BackoffOptions } from '../../runtime/queue.ts';
import { DriftWatcher, type DriftEvent } from './drift.ts';
import { DriftDetected } from './reasons.ts';
import {
  requestedAtAnnotation,
  SyncMemory,
  SyncReconciler,
  syncApiVersion,
  syncFinalizer,
} from './reconciler.ts';

export interface SyncControllerDeps {
  /** The management cluster. */
  client: KubeClient;
  informers: InformerFactory;
  clock: Clock;
  log: Logger;
  events?: EventSink | undefined;
  /**
   * The client for a Sync's target. Default: the management client, or for `spec.target.cluster`
   * NAME the logical cluster at `<server>/clusters/NAME` with the management credentials.
   */
  clientFor?: ((sync: Sync) => KubeClient) | undefined;
  random?: (() => number) | undefined;
  workers?: number | undefined;
  backoff?: BackoffOptions | undefined;
}

export const sourceRefIndex = 'spec.sourceRef';
export const dependsOnIndex = 'spec.dependsOn';

/**
 * The Sync controller (sync.keelson.dev/v1). Add it to a Manager, which starts the Sync and
 * GitRepository informers; drift informers over managed objects are started as Syncs apply kinds
 * and stopped with the controller.
 */
export function syncController(deps: SyncControllerDeps): Controller {
  const syncs = deps.informers.for<Sync>(syncApiVersion, 'Sync');
  const gitRepositories = deps.informers.for<GitRepository>(`${sourceGroup}/v1`, 'GitRepository');
  syncs.addIndex(sourceRefIndex, sourceRefKeys);
  syncs.addIndex(dependsOnIndex, dependsOnKeys);
  const events =
    deps.events ??
    new EventRecorder(
      { client: deps.client, clock: deps.clock, log: deps.log },
      { component: 'sync-controller' },
    );
  const memory = new SyncMemory();
  const clients = new Map<string, KubeClient>();
  const target = (sync: Sync): { key: string; client: KubeClient } => {
    const cluster = sync.spec.target?.cluster;
    if (deps.clientFor !== undefined) return { key: cluster ?? '', client: deps.clientFor(sync) };
    if (cluster === undefined) return { key: '', client: deps.client };
    let client = clients.get(cluster);
    if (client === undefined) clients.set(cluster, (client = logicalClusterClient(deps.client, cluster)));
    return { key: cluster, client };
  };

  const reported = new Set<string>();
  const onDrift = ({ sync: key, drift }: DriftEvent): void => {
    const sync = syncs.get(key);
    if (sync === undefined || sync.metadata.deletionTimestamp !== undefined) return;
    const report = sync.spec.driftPolicy === 'report';
    const { deleted, ...rest } = drift;
    const record: DriftRecord = { ...rest, action: report ? 'reported' : deleted ? 'recreated' : 'reverted' };
    const seen = `${key}|${record.id}|${record.manager}|${record.time}`;
    if (reported.has(seen)) return;
    if (reported.size >= 10_000) reported.clear();
    reported.add(seen);
    const list = memory.drift.get(key) ?? [];
    list.push(record);
    memory.drift.set(key, list);
    const what = deleted ? 'deleted' : `${record.fields.join(', ')} changed by ${record.manager}`;
    events.event(sync, 'Warning', DriftDetected, `drift in ${record.id}: ${what}; ${record.action}`);
    controller.enqueue(requestOf(sync));
  };
  const drift = new DriftWatcher({
    applied: (key, id) => memory.applied.get(key)?.get(id),
    onDrift,
    log: deps.log,
    now: () => deps.clock.now(),
  });

  const reconciler = new SyncReconciler({
    client: deps.client,
    syncs,
    gitRepositories,
    target,
    drift,
    memory,
    clock: deps.clock,
    log: deps.log,
    events,
    random: deps.random,
  });
  // onDrift above runs only once informers deliver events, after this line
  const controller = new SyncControllerWithDrift(
    {
      name: 'sync',
      reconciler,
      workers: deps.workers ?? 4,
      backoff: deps.backoff ?? { base: 750, max: 15 * 60_000 },
      clock: deps.clock,
      log: deps.log,
    },
    drift,
  );
  controller.watches(syncs, () => []);
  syncs.on({
    add: (object) => controller.enqueue(requestOf(object)),
    update: (old, object) => {
      if (asksForWork(old, object)) controller.enqueue(requestOf(object));
      if (!sameReadiness(old, object))
        for (const d of syncs.byIndex(dependsOnIndex, keyOf(object))) controller.enqueue(requestOf(d));
    },
    delete: (object) => {
      controller.enqueue(requestOf(object));
      for (const d of syncs.byIndex(dependsOnIndex, keyOf(object))) controller.enqueue(requestOf(d));
    },
  });
  // one enqueue per change (the runtime's watches() enqueues old and new, which can run a key twice)
  controller.watches(gitRepositories, () => []);
  const readers = (source: GitRepository): void => {
    for (const sync of syncs.byIndex(sourceRefIndex, keyOf(source))) controller.enqueue(requestOf(sync));
  };
  gitRepositories.on({
    add: readers,
    update: (old, source) => {
      if (!isDeepStrictEqual(old.status, source.status)) readers(source);
    },
    delete: readers,
  });
  return controller;
}

/** A Controller that also stops the drift informers it started. */
class SyncControllerWithDrift extends Controller {
  readonly #drift: DriftWatcher;
  constructor(options: ConstructorParameters<typeof Controller>[0], drift: DriftWatcher) {
    super(options);
    this.#drift = drift;
  }
  override async stop(): Promise<void> {
    await super.stop();
    await this.#drift.stop();
  }
}

/** A client for the logical cluster NAME: the management kubeconfig with `/clusters/NAME` after each server URL. */
export function logicalClusterClient(management: KubeClient, cluster: string): KubeClient {
  const source = management.config;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: source.clusters.map((c) => ({
      ...c,
      server: `${c.server.replace(/\/$/, '')}/clusters/${encodeURIComponent(cluster)}`,
    })),
    users: source.users,
    contexts: source.contexts,
    currentContext: source.currentContext,
  });
  return new KubeClient(config);
}

export function sourceRefKeys(sync: Sync): string[] {
  const ref = sync.spec.sourceRef;
  return [`${ref.namespace ?? sync.metadata.namespace ?? ''}/${ref.name}`];
}

export function dependsOnKeys(sync: Sync): string[] {
  return (sync.spec.dependsOn ?? []).map((d) => `${d.namespace ?? sync.metadata.namespace ?? ''}/${d.name}`);
}

/** A new generation, a new requestedAt, deletion starting, or our finalizer taken away. */
export function asksForWork(old: Sync, object: Sync): boolean {
  const hasFinalizer = (o: Sync): boolean => o.metadata.finalizers?.includes(syncFinalizer) === true;
  return (
    old.metadata.generation !== object.metadata.generation ||
    old.metadata.annotations?.[requestedAtAnnotation] !==
      object.metadata.annotations?.[requestedAtAnnotation] ||
    old.metadata.deletionTimestamp !== object.metadata.deletionTimestamp ||
    (hasFinalizer(old) && !hasFinalizer(object))
  );
}

function sameReadiness(old: Sync, object: Sync): boolean {
  const ready = (o: Sync): string =>
    JSON.stringify(o.status?.conditions?.find((c) => c.type === 'Ready') ?? null) +
    String(o.status?.observedGeneration) +
    String(o.metadata.generation);
  return ready(old) === ready(object);
}
