/**
 * The Sync reconcile loop, Flux kustomize-controller's shape: get → finalizer → suspend →
 * Reconciling → dependsOn → source artifact → build → postBuild substitution → targetNamespace →
 * staged apply → prune → health → status patch in a `finally` → requeue after the jittered
 * interval. Level-based: every call rebuilds the whole desired state and applies only what differs.
 */

import type { DriftRecord, GitRepository, InventoryEntry, ObjectResult, Sync } from '../../api/crds/index.ts';
import { syncGroup } from '../../api/crds/sync.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { Clock } from '../../base/clock.ts';
import { buildManifests, isBuildError, substitute } from '../../adapters/manifests/index.ts';
import { isNotFound, refOf, type KubeClient, type ObjectRef } from '../../runtime/client.ts';
import {
  findCondition,
  isTrue,
  markNotReady,
  markReady,
  markReconciling,
  Ready,
} from '../../runtime/conditions.ts';
import {
  requestKey,
  type Logger,
  type Reconciler,
  type Request,
  type Result,
} from '../../runtime/controller.ts';
import type { EventSink } from '../../runtime/events.ts';
import { keyOf, sleep, type Informer } from '../../runtime/informer.ts';
import { applyStaged, type ApplyOutcome } from './apply.ts';
import { loadHealthyBuild, saveHealthyBuild, type HealthyBuild } from './healthy-build.ts';
import type { Target } from './targets.ts';
import type { DriftWatcher } from './drift.ts';
import { parseDuration } from '../../base/duration.ts';
import { healthOf } from './health.ts';
import {
  entryOf,
  isOwnedBy,
  MissingSubstitutionSourceError,
  objectId,
  prepareObjects,
  pruneAnnotation,
  refOfEntry,
  staleEntries,
  substitutionVariables,
} from '../../api/sync-objects.ts';
import {
  ArtifactFailed,
  BuildFailed,
  DependencyNotReady,
  HealthCheckFailed,
  HealthyBuildNotKept,
  InvalidSpec,
  Progressing,
  PruneFailed,
  ReconciliationFailed,
  ReconciliationSucceeded,
  RolledBack,
  SourceNotReady,
  SyncFailure,
  ValidationFailed,
} from './reasons.ts';
import { requestedAtAnnotation } from '../../api/crds/index.ts';
import { jittered, statusPatch } from '../../runtime/status.ts';

export const syncApiVersion = `${syncGroup}/v1`;
/** Held until the objects of a pruning Sync are deleted. */
export const syncFinalizer = 'sync.keelson.dev/finalizer';
export { requestedAtAnnotation };

const defaultRetryMs = 30_000;
const healthPollMs = 500;
/** How many drift records status keeps (newest last). */
const maxDriftRecords = 20;

type SyncStatus = NonNullable<Sync['status']>;

/**
 * What the controller remembers between reconciles, shared with the drift watcher: the objects
 * each Sync last applied (by Sync key, then object id), the last healthy build (by Sync uid; with
 * `spec.rollback` also kept in a Secret, healthy-build.ts, so a restart does not lose it), and
 * drift seen but not yet written to status.
 */
export class SyncMemory {
  readonly applied = new Map<string, Map<string, KubeObject>>();
  readonly healthy = new Map<string, HealthyBuild & { kept: boolean }>();
  readonly drift = new Map<string, DriftRecord[]>();

  forget(key: string, uid: string | undefined): void {
    this.applied.delete(key);
    this.drift.delete(key);
    if (uid !== undefined) this.healthy.delete(uid);
  }
}

export interface SyncReconcilerDeps {
  /** The management cluster: Syncs, sources and substitution ConfigMaps/Secrets live there. */
  client: KubeClient;
  syncs: Informer<Sync>;
  gitRepositories: Informer<GitRepository>;
  /** The clients for a Sync's target (targets.ts); failures are SyncFailures. */
  target: (sync: Sync, retryMs: number) => Promise<Target>;
  drift: DriftWatcher;
  memory: SyncMemory;
  clock: Pick<Clock, 'now'>;
  log: Logger;
  events?: EventSink | undefined;
  random?: (() => number) | undefined;
}

/** Reconciles one Sync; see the module doc. */
export class SyncReconciler implements Reconciler {
  readonly #deps: SyncReconcilerDeps;
  readonly #random: () => number;

  constructor(deps: SyncReconcilerDeps) {
    this.#deps = deps;
    this.#random = deps.random ?? Math.random;
  }

  async reconcile(request: Request, signal: AbortSignal): Promise<Result> {
    let sync = this.#deps.syncs.get(requestKey(request));
    if (sync === undefined) return {};
    if (sync.metadata.deletionTimestamp !== undefined) return this.#finalize(sync);
    if (!sync.metadata.finalizers?.includes(syncFinalizer)) sync = await this.#addFinalizer(sync);
    if (sync.spec.suspend === true) {
      this.#deps.log('sync suspended; not reconciling', { sync: keyOf(sync) });
      return {};
    }
    return this.#reconcileSync(sync, signal);
  }

  async #reconcileSync(sync: Sync, signal: AbortSignal): Promise<Result> {
    const before: SyncStatus = structuredClone(sync.status ?? {});
    const status: SyncStatus = structuredClone(before);
    const generation = sync.metadata.generation;
    const g = generation === undefined ? {} : { generation };
    const requestedAt = sync.metadata.annotations?.[requestedAtAnnotation];
    const key = keyOf(sync);
    let retryMs = defaultRetryMs;
    try {
      const intervalMs = duration(sync, 'interval');
      retryMs = sync.spec.retryInterval === undefined ? defaultRetryMs : duration(sync, 'retryInterval');
      const timeoutMs = sync.spec.timeout === undefined ? intervalMs : duration(sync, 'timeout');
      markReconciling(status, Progressing, 'reconciliation in progress', this.#now(), generation);

      this.#checkDependencies(sync, retryMs);
      const artifact = this.#artifact(sync, retryMs);
      const revision = artifact.revision;
      status.lastAttemptedRevision = revision;

      const { key: targetKey, client: target, watcher } = await this.#deps.target(sync, retryMs);
      if (rolledBackFrom(before, revision, generation, requestedAt)) {
        const held = await this.#holdRollback(
          sync,
          { key: targetKey, client: target },
          status,
          timeoutMs,
          signal,
        );
        if (held) {
          if (before.conditions !== undefined) status.conditions = before.conditions;
          return {};
        }
      }
      const built = await this.#build(sync, artifact.path, signal, retryMs);
      const objects = await prepareObjects(sync, built, (apiVersion, kind) =>
        target.resource(apiVersion, kind).then(
          (info) => info.namespaced,
          () => undefined,
        ),
      );

      // report-only drift stays unreverted until the revision or the spec moves
      const sameSpec = revision === before.lastAppliedRevision && generation === before.observedGeneration;
      status.drift = mergeDrift(sameSpec ? (status.drift ?? []) : [], this.#deps.memory.drift.get(key) ?? []);
      this.#deps.memory.drift.delete(key);
      const skip = new Set(
        sync.spec.driftPolicy === 'report'
          ? status.drift.filter((d) => d.action === 'reported').map((d) => d.id)
          : [],
      );
      if (status.drift.length === 0) delete status.drift;

      for (const object of objects)
        this.#deps.drift.watch(targetKey, watcher, object.apiVersion, object.kind);
      const outcome = await applyStaged(target, objects, {
        policy: sync.spec.applyPolicy ?? 'atomic',
        live: (object) => this.#deps.drift.live(targetKey, object),
        skip,
        timeoutMs,
        now: () => this.#deps.clock.now(),
        signal,
      });
      this.#remember(key, objects, outcome);
      const previous = before.inventory?.entries ?? [];
      status.inventory = { entries: inventoryAfter(objects, outcome, previous) };
      status.objects = outcome.results;

      const atomicFailure = outcome.failed.length > 0 && (sync.spec.applyPolicy ?? 'atomic') === 'atomic';
      if (sync.spec.prune && !atomicFailure) {
        const pruned = await this.#prune(sync, target, staleEntries(previous, status.inventory.entries));
        status.objects.push(...pruned);
        const failed = pruned.filter((p) => p.action === 'failed');
        if (failed.length > 0) {
          throw new SyncFailure(PruneFailed, `prune failed: ${describeResults(failed)}`, {
            retryAfter: retryMs,
          });
        }
      }
      this.#summarise(sync, status.objects);
      if (outcome.failed.length > 0) {
        const reason = atomicFailure ? ValidationFailed : ReconciliationFailed;
        const what = atomicFailure ? 'validation failed, nothing applied' : 'apply failed';
        throw new SyncFailure(reason, `${what}: ${describeResults(outcome.failed)}`, { retryAfter: retryMs });
      }
      status.lastAppliedRevision = revision;

      const unhealthy = await this.#waitHealthy(sync, target, objects, timeoutMs, signal);
      if (unhealthy !== undefined) {
        const message = `health check failed after ${sync.spec.timeout ?? sync.spec.interval}: ${unhealthy}`;
        const rolledBack = await this.#rollback(
          sync,
          { key: targetKey, client: target },
          status,
          revision,
          timeoutMs,
          signal,
        );
        if (rolledBack !== undefined) {
          throw new SyncFailure(HealthCheckFailed, `${message}; rolled back to revision ${rolledBack}`, {
            stalled: true,
          });
        }
        throw new SyncFailure(HealthCheckFailed, message, { retryAfter: retryMs });
      }
      status.lastHealthyRevision = revision;
      await this.#rememberHealthy(sync, revision, objects);
      markReady(status, ReconciliationSucceeded, `Applied revision: ${revision}`, this.#now(), generation);
      return { requeueAfter: this.#jitter(intervalMs) };
    } catch (error) {
      if (signal.aborted) throw error;
      const failure = failureOf(error, retryMs);
      const wasReady = findCondition(before, Ready);
      markNotReady(status, failure.reason, failure.message, this.#now(), { ...g, stalled: failure.stalled });
      if (!failure.stalled) markReconciling(status, Progressing, failure.message, this.#now(), generation);
      if (wasReady?.status !== 'False' || wasReady.message !== failure.message) {
        this.#deps.events?.event(sync, 'Warning', failure.reason, failure.message);
      }
      if (failure.stalled) return {};
      if (failure.retryAfter !== undefined) return { requeueAfter: failure.retryAfter };
      throw error;
    } finally {
      if (!signal.aborted) {
        if (requestedAt !== undefined) status.lastHandledReconcileAt = requestedAt;
        await this.#writeStatus(sync, before, status);
      }
    }
  }

  /** Every dependency must be Ready for its current generation; otherwise says which and why. */
  #checkDependencies(sync: Sync, retryMs: number): void {
    for (const dependency of sync.spec.dependsOn ?? []) {
      const key = `${dependency.namespace ?? sync.metadata.namespace ?? ''}/${dependency.name}`;
      const other = this.#deps.syncs.get(key);
      let why: string | undefined;
      if (other === undefined) why = 'not found';
      else {
        const ready = findCondition(other.status, Ready);
        if (ready?.status !== 'True') why = `not ready: ${ready?.message ?? 'no Ready condition yet'}`;
        else if (
          (ready.observedGeneration ?? other.status?.observedGeneration) !== other.metadata.generation
        ) {
          why = 'not ready: its latest generation is not reconciled yet';
        }
      }
      if (why !== undefined) {
        throw new SyncFailure(DependencyNotReady, `dependency '${key}' ${why}`, { retryAfter: retryMs });
      }
    }
  }

  /** The source's artifact, which must be Ready and on disk. */
  #artifact(sync: Sync, retryMs: number): { revision: string; path: string } {
    const ref = sync.spec.sourceRef;
    const key = `${ref.namespace ?? sync.metadata.namespace ?? ''}/${ref.name}`;
    const source = this.#deps.gitRepositories.get(key);
    if (source === undefined) {
      throw new SyncFailure(ArtifactFailed, `source GitRepository ${key} not found`, { retryAfter: retryMs });
    }
    if (!isTrue(source.status, Ready)) {
      const message = findCondition(source.status, Ready)?.message ?? 'no Ready condition yet';
      throw new SyncFailure(SourceNotReady, `source GitRepository ${key} is not ready: ${message}`, {
        retryAfter: retryMs,
      });
    }
    const artifact = source.status?.artifact;
    if (artifact?.path === undefined) {
      throw new SyncFailure(ArtifactFailed, `source GitRepository ${key} has no artifact`, {
        retryAfter: retryMs,
      });
    }
    return { revision: artifact.revision, path: artifact.path };
  }

  async #build(sync: Sync, dir: string, signal: AbortSignal, retryMs: number): Promise<KubeObject[]> {
    const { objects } = await buildManifests(dir, sync.spec.path ?? '.', { signal });
    let variables: Record<string, string> | undefined;
    try {
      variables = await substitutionVariables(sync, (kind, name) =>
        this.#deps.client.tryGet<KubeObject & { data?: Record<string, string> }>({
          apiVersion: 'v1',
          kind,
          namespace: sync.metadata.namespace,
          name,
        }),
      );
    } catch (error) {
      if (!(error instanceof MissingSubstitutionSourceError)) throw error;
      throw new SyncFailure(BuildFailed, error.message, { retryAfter: retryMs });
    }
    return (variables === undefined ? objects : substitute(objects, variables)).map((b) => b.object);
  }

  /** Remembers what was applied, for drift detection and rollback. */
  #remember(key: string, objects: KubeObject[], outcome: ApplyOutcome): void {
    const applied = new Map<string, KubeObject>();
    const failed = new Set(outcome.failed.map((f) => f.id));
    const previous = this.#deps.memory.applied.get(key);
    for (const object of objects) {
      const id = objectId(object);
      if (outcome.applied.has(id)) applied.set(id, object);
      else if (!failed.has(id) && previous?.has(id)) applied.set(id, previous.get(id)!);
    }
    this.#deps.memory.applied.set(key, applied);
  }

  /** Deletes stale objects that carry this Sync's ownership labels; never anything else. */
  async #prune(sync: Sync, target: KubeClient, stale: InventoryEntry[]): Promise<ObjectResult[]> {
    const results: ObjectResult[] = [];
    for (const entry of stale) {
      const ref = refOfEntry(entry);
      try {
        const live = await target.tryGet(ref);
        if (live === undefined || !isOwnedBy(live, sync)) continue;
        if (live.metadata.annotations?.[pruneAnnotation] === 'disabled') continue;
        if (await target.deleteIfExists(ref, { propagationPolicy: 'Background' })) {
          results.push({ id: entry.id, action: 'deleted' });
        }
      } catch (error) {
        if (isNotFound(error)) continue;
        results.push({ id: entry.id, action: 'failed', message: (error as Error).message });
      }
    }
    return results;
  }

  /** Polls the objects to check until all are healthy or the timeout; undefined when healthy. */
  async #waitHealthy(
    sync: Sync,
    target: KubeClient,
    objects: KubeObject[],
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const refs: ObjectRef[] = sync.spec.wait === true ? objects.map(refOf) : [];
    for (const check of sync.spec.healthChecks ?? []) {
      refs.push({ ...check, namespace: check.namespace ?? sync.metadata.namespace });
    }
    if (refs.length === 0) return undefined;
    const deadline = this.#deps.clock.now() + timeoutMs;
    for (;;) {
      const unhealthy: string[] = [];
      for (const ref of refs) {
        const live = await target.tryGet(ref);
        const name = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
        if (live === undefined) unhealthy.push(`${name}: not found`);
        else {
          const health = healthOf(live);
          if (!health.healthy) unhealthy.push(`${name}: ${health.message ?? 'not healthy'}`);
        }
      }
      if (unhealthy.length === 0) return undefined;
      if (this.#deps.clock.now() >= deadline || signal.aborted) return unhealthy.join('; ');
      await sleep(healthPollMs, signal);
    }
  }

  /**
   * Keeps a healthy build for rollback: in memory always, and with `spec.rollback` in its Secret
   * too, written once per revision.
   */
  async #rememberHealthy(sync: Sync, revision: string, objects: KubeObject[]): Promise<void> {
    const uid = sync.metadata.uid;
    if (uid === undefined) return;
    const known = this.#deps.memory.healthy.get(uid);
    let kept = known?.revision === revision && known.kept;
    if (sync.spec.rollback === true && !kept) {
      kept = await saveHealthyBuild(this.#deps.client, sync, { revision, objects });
      if (!kept) {
        this.#deps.events?.event(
          sync,
          'Warning',
          HealthyBuildNotKept,
          `the healthy build of revision ${revision} is too large to keep in a Secret; rollback to it works until the controller restarts`,
        );
      }
    }
    this.#deps.memory.healthy.set(uid, { revision, objects, kept });
  }

  /** Re-applies the last healthy build, when rollback is on and one is remembered; returns its revision. */
  async #rollback(
    sync: Sync,
    { key, client: target }: { key: string; client: KubeClient },
    status: SyncStatus,
    revision: string,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    if (sync.spec.rollback !== true) return undefined;
    const last = await this.#lastHealthy(sync);
    if (last === undefined || last.revision === revision) return undefined;
    if (status.lastHealthyRevision !== last.revision) return undefined;
    status.objects = await this.#applyHealthy(sync, { key, client: target }, last, timeoutMs, signal);
    status.lastAppliedRevision = last.revision;
    this.#deps.events?.event(sync, 'Warning', RolledBack, `rolled back to revision ${last.revision}`);
    return last.revision;
  }

  /**
   * After a rollback, the failed revision is not applied again (that would undo the rollback each
   * time anything wakes the Sync) until the source or the spec moves, or a reconcile is requested.
   * The last healthy build stays the desired state meanwhile, so drift of it is still corrected.
   * False when that build is no longer known.
   */
  async #holdRollback(
    sync: Sync,
    { key, client: target }: { key: string; client: KubeClient },
    status: SyncStatus,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    const last = await this.#lastHealthy(sync);
    if (last === undefined || last.revision !== status.lastAppliedRevision) return false;
    status.objects = await this.#applyHealthy(sync, { key, client: target }, last, timeoutMs, signal);
    this.#summarise(sync, status.objects);
    return true;
  }

  /** The last healthy build: remembered, or read back from its Secret after a restart. */
  async #lastHealthy(sync: Sync): Promise<HealthyBuild | undefined> {
    const uid = sync.metadata.uid;
    if (uid === undefined) return undefined;
    const remembered = this.#deps.memory.healthy.get(uid);
    if (remembered !== undefined) return remembered;
    const kept = await loadHealthyBuild(this.#deps.client, sync);
    if (kept !== undefined) this.#deps.memory.healthy.set(uid, { ...kept, kept: true });
    return kept;
  }

  /** Applies a healthy build (only what differs, partial) and remembers it as applied. */
  async #applyHealthy(
    sync: Sync,
    { key, client: target }: { key: string; client: KubeClient },
    build: HealthyBuild,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<ObjectResult[]> {
    const outcome = await applyStaged(target, build.objects, {
      policy: 'partial',
      live: (object) => this.#deps.drift.live(key, object),
      timeoutMs,
      now: () => this.#deps.clock.now(),
      signal,
    });
    this.#remember(keyOf(sync), build.objects, outcome);
    return outcome.results;
  }

  #summarise(sync: Sync, results: ObjectResult[]): void {
    const counts = new Map<string, number>();
    for (const r of results) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
    const changed = ['created', 'configured', 'deleted', 'failed'].some((a) => counts.has(a));
    if (!changed) return;
    const message = ['created', 'configured', 'deleted', 'failed', 'unchanged', 'skipped']
      .filter((action) => counts.has(action))
      .map((action) => `${action} ${counts.get(action)}`)
      .join(', ');
    this.#deps.events?.event(sync, counts.has('failed') ? 'Warning' : 'Normal', Progressing, message);
  }

  /** Deletes the inventory (when pruning, and not suspended), then lets the Sync go. */
  async #finalize(sync: Sync): Promise<Result> {
    const finalizers = sync.metadata.finalizers ?? [];
    if (!finalizers.includes(syncFinalizer)) return {};
    // forgotten first, so the deletions below are not taken for drift
    this.#deps.memory.forget(keyOf(sync), sync.metadata.uid);
    if (sync.spec.prune && sync.spec.suspend !== true) {
      let client: KubeClient;
      try {
        ({ client } = await this.#deps.target(sync, defaultRetryMs));
      } catch (error) {
        // the target is gone or unreachable by configuration: nothing can be deleted there
        if (!(error instanceof SyncFailure)) throw error;
        this.#deps.events?.event(sync, 'Warning', PruneFailed, `objects not deleted: ${error.message}`);
        return this.#releaseFinalizer(sync, finalizers);
      }
      const failed = (
        await this.#prune(sync, client, [...(sync.status?.inventory?.entries ?? [])].reverse())
      ).filter((r) => r.action === 'failed');
      if (failed.length > 0)
        throw new Error(`cannot delete objects of sync ${keyOf(sync)}: ${describeResults(failed)}`);
    }
    return this.#releaseFinalizer(sync, finalizers);
  }

  async #releaseFinalizer(sync: Sync, finalizers: string[]): Promise<Result> {
    try {
      await this.#deps.client.patch(refOf(sync), {
        metadata: {
          finalizers: finalizers.filter((f) => f !== syncFinalizer),
          resourceVersion: sync.metadata.resourceVersion,
        },
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return {};
  }

  async #addFinalizer(sync: Sync): Promise<Sync> {
    return this.#deps.client.patch<Sync>(refOf(sync), {
      metadata: {
        finalizers: [...(sync.metadata.finalizers ?? []), syncFinalizer],
        resourceVersion: sync.metadata.resourceVersion,
      },
    });
  }

  async #writeStatus(sync: Sync, before: SyncStatus, after: SyncStatus): Promise<void> {
    const patch = statusPatch(before, after);
    if (patch === undefined) return;
    try {
      await this.#deps.client.patchStatus(refOf(sync), patch);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  #now(): Date {
    return new Date(this.#deps.clock.now());
  }

  #jitter(ms: number): number {
    return jittered(ms, this.#random);
  }
}

function duration(sync: Sync, field: 'interval' | 'retryInterval' | 'timeout'): number {
  const text = sync.spec[field];
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new SyncFailure(
      InvalidSpec,
      `spec.${field} "${text ?? ''}" is not a positive duration such as 30s or 5m`,
      {
        stalled: true,
      },
    );
  }
  return ms;
}

/**
 * The new inventory, in apply order: every desired object that now exists, and the previous entries
 * of desired objects whose write failed (so they are not pruned).
 */
function inventoryAfter(
  objects: KubeObject[],
  outcome: ApplyOutcome,
  previous: InventoryEntry[],
): InventoryEntry[] {
  const had = new Set(previous.map((e) => e.id));
  return objects.filter((o) => outcome.applied.has(objectId(o)) || had.has(objectId(o))).map(entryOf);
}

/** Whether the last reconcile rolled back from this very revision and spec, with no new request since. */
function rolledBackFrom(
  before: SyncStatus,
  revision: string,
  generation: number | undefined,
  requestedAt: string | undefined,
): boolean {
  return (
    findCondition(before, Ready)?.reason === HealthCheckFailed &&
    findCondition(before, 'Stalled')?.status === 'True' &&
    before.lastAttemptedRevision === revision &&
    before.lastAppliedRevision !== revision &&
    before.observedGeneration === generation &&
    (requestedAt === undefined || requestedAt === before.lastHandledReconcileAt)
  );
}

function describeResults(results: ObjectResult[]): string {
  return results.map((r) => `${r.id}: ${r.message ?? r.action}`).join('; ');
}

/** `kept` plus the records of `seen` not already in it, newest last, at most `maxDriftRecords`. */
export function mergeDrift(kept: DriftRecord[], seen: DriftRecord[]): DriftRecord[] {
  const out = [...kept];
  for (const record of seen) {
    if (!out.some((r) => r.id === record.id && r.manager === record.manager && r.time === record.time))
      out.push(record);
  }
  return out.slice(-maxDriftRecords);
}

function failureOf(error: unknown, retryMs: number): SyncFailure {
  if (error instanceof SyncFailure) return error;
  if (isBuildError(error)) {
    const transient = error.buildCode === 'KUSTOMIZE_NOT_FOUND' || error.buildCode === 'KUSTOMIZE_TIMEOUT';
    return new SyncFailure(BuildFailed, error.message, {
      stalled: !transient,
      ...(transient && { retryAfter: retryMs }),
      cause: error,
    });
  }
  return new SyncFailure(ReconciliationFailed, (error as Error).message, { cause: error });
}
