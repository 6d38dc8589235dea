/**
 * What wakes the Sync controller: a Sync created, deleted, or changed in a way that asks for work;
 * a change of the GitRepository it reads or of a Sync it depends on; a change of a ConfigMap or
 * Secret its `postBuild.substituteFrom` names, when labelled `reconcile.keelson.dev/watch: Enabled`
 * (Flux's `reconcile.fluxcd.io/watch` rule: unlabelled ones are read on the next interval, so the
 * controller never watches every ConfigMap of the cluster); and drift of an object it applied
 * (drift.ts), which reconciles at once under driftPolicy `revert`.
 */
import { isDeepStrictEqual } from 'node:util';

import { watchLabel, type DriftRecord, type GitRepository, type Sync } from '../../api/crds/index.ts';
import type { KubeObject } from '../../api/meta.ts';
import { sourceGroup } from '../../api/crds/git-repository.ts';
import type { Clock } from '../../base/clock.ts';
import { isNotFound, refOf, type KubeClient } from '../../runtime/client.ts';
import { fieldManager } from '../../api/sync-objects.ts';
import { Controller, requestOf, type Logger } from '../../runtime/controller.ts';
import { EventRecorder, type EventSink } from '../../runtime/events.ts';
import { keyOf, type InformerFactory } from '../../runtime/informer.ts';
import type { BackoffOptions } from '../../runtime/queue.ts';
import { DriftWatcher, type DriftEvent } from './drift.ts';
import { DriftDetected } from './reasons.ts';
import {
  mergeDrift,
  requestedAtAnnotation,
  SyncMemory,
  SyncReconciler,
  syncApiVersion,
  syncFinalizer,
} from './reconciler.ts';
import { TargetClients } from './targets.ts';

export interface SyncControllerDeps {
  /** The management cluster. */
  client: KubeClient;
  informers: InformerFactory;
  clock: Clock;
  log: Logger;
  events?: EventSink | undefined;
  random?: (() => number) | undefined;
  workers?: number | undefined;
  backoff?: BackoffOptions | undefined;
}

export const sourceRefIndex = 'spec.sourceRef';
export const dependsOnIndex = 'spec.dependsOn';
export const substituteFromIndex = 'spec.postBuild.substituteFrom';
/** How long drift records gather before one status patch writes them. */
const driftStatusDelayMs = 200;

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
  syncs.addIndex(substituteFromIndex, substituteFromKeys);
  const watched = { labelSelector: `${watchLabel}=Enabled` };
  const configMaps = deps.informers.for<Data>('v1', 'ConfigMap', watched);
  const secrets = deps.informers.for<Data>('v1', 'Secret', watched);
  const events =
    deps.events ??
    new EventRecorder(
      { client: deps.client, clock: deps.clock, log: deps.log },
      { component: 'sync-controller' },
    );
  const memory = new SyncMemory();
  const targets = new TargetClients({
    management: deps.client,
    onReplaced: (key) => void drift.stopTarget(key),
  });

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
    if (!report) void revert(sync, record.id);
    scheduleDriftStatus(key);
  };

  /**
   * Reverts one drifted object by applying again what the Sync last applied for it: one request,
   * however large the Sync, instead of a whole reconcile. A full reconcile is the fallback.
   */
  const revert = async (sync: Sync, id: string): Promise<void> => {
    const desired = memory.applied.get(keyOf(sync))?.get(id);
    try {
      if (desired === undefined || sync.spec.suspend === true) throw new Error('nothing to revert to');
      const { client } = await targets.resolve(sync, 30_000);
      await client.apply(desired, { fieldManager, force: true });
    } catch (error) {
      deps.log('targeted drift revert failed; reconciling the whole sync', {
        sync: keyOf(sync),
        id,
        error: (error as Error).message,
      });
      controller.enqueue(requestOf(sync));
    }
  };

  /** Drift records reach status in one patch per burst, without a reconcile. */
  const statusDue = new Map<string, ReturnType<typeof setTimeout>>();
  const scheduleDriftStatus = (key: string): void => {
    if (statusDue.has(key)) return;
    statusDue.set(
      key,
      setTimeout(() => {
        statusDue.delete(key);
        void writeDriftStatus(key);
      }, driftStatusDelayMs),
    );
  };
  const writeDriftStatus = async (key: string): Promise<void> => {
    const sync = syncs.get(key);
    const seen = memory.drift.get(key);
    if (sync === undefined || seen === undefined || seen.length === 0) return;
    memory.drift.delete(key);
    try {
      await deps.client.patchStatus(refOf(sync), { drift: mergeDrift(sync.status?.drift ?? [], seen) });
    } catch (error) {
      if (isNotFound(error)) return;
      // the next reconcile writes what is left in memory
      memory.drift.set(key, [...seen, ...(memory.drift.get(key) ?? [])]);
      controller.enqueue(requestOf(sync));
    }
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
    target: (sync, retryMs) => targets.resolve(sync, retryMs),
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
    targets,
    statusDue,
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
  for (const informer of [configMaps, secrets]) {
    controller.watches(informer, () => []);
    const substituting = (object: Data): void => {
      const key = `${object.kind}/${keyOf(object)}`;
      for (const sync of syncs.byIndex(substituteFromIndex, key)) controller.enqueue(requestOf(sync));
    };
    informer.on({
      add: substituting,
      update: (old, object) => {
        if (
          !isDeepStrictEqual(old.data, object.data) ||
          !isDeepStrictEqual(old.binaryData, object.binaryData)
        )
          substituting(object);
      },
      delete: substituting,
    });
  }
  return controller;
}

/** ConfigMaps and Secrets as substitution reads them. */
interface Data extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export function substituteFromKeys(sync: Sync): string[] {
  return (sync.spec.postBuild?.substituteFrom ?? []).map(
    (from) => `${from.kind}/${sync.metadata.namespace ?? ''}/${from.name}`,
  );
}

/** A Controller that also stops the drift informers it started and closes its target clients. */
class SyncControllerWithDrift extends Controller {
  readonly #drift: DriftWatcher;
  readonly #targets: TargetClients;
  readonly #timers: Map<string, ReturnType<typeof setTimeout>>;
  constructor(
    options: ConstructorParameters<typeof Controller>[0],
    drift: DriftWatcher,
    targets: TargetClients,
    timers: Map<string, ReturnType<typeof setTimeout>>,
  ) {
    super(options);
    this.#timers = timers;
    this.#drift = drift;
    this.#targets = targets;
  }
  override async stop(): Promise<void> {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await super.stop();
    await this.#drift.stop();
    this.#targets.close();
  }
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
