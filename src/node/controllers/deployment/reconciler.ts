/**
 * The Deployment reconciler, after kube-controller-manager's DeploymentController (sync.go,
 * rolling.go, recreate.go, progress.go): one ReplicaSet per pod template, named
 * `<deployment>-<pod-template-hash>`, scaled by the strategy, with revisions, history cleanup and
 * the Progressing/Available conditions kubectl reads.
 */
import { semanticEqual } from '../../../api/validation/access.ts';
import { selectorMatches } from '../../../api/validation/selectors.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import { isAlreadyExists, isNotFound } from '../../../runtime/client.ts';
import type { Logger, Reconciler, Request, Result } from '../../../runtime/controller.ts';
import { controllerOf, requestKey, TerminalError } from '../../../runtime/controller.ts';
import type { Informer } from '../../../runtime/informer.ts';
import type { NodeClock } from '../../context.ts';
import { computeHash, controllerRef, type Pod } from '../pods.ts';
import { claim, controllerUidIndex, orphansIndex } from '../replicaset/controller-ref.ts';
import {
  isEmptySelector,
  replicaFailure,
  type LabelSelector,
  type ReplicaSet,
} from '../replicaset/replica-set.ts';
import {
  byCreation,
  byRevision,
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  desiredOf,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  filterActive,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newCondition,
  newReplicaSetReplicas,
  podTemplateHashLabel,
  proportionalSizes,
  reasons,
  removeCondition,
  replicaFailures,
  replicasAnnotationsNeedUpdate,
  revisionAnnotation,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
  type Deployment,
  type DeploymentStatus,
} from './deployment.ts';

export interface DeploymentReconcilerDeps {
  client: KubeClient;
  deployments: Informer<Deployment>;
  /** Indexed by `controller-uid` and `orphans-by-namespace`. */
  replicaSets: Informer<ReplicaSet>;
  /** Indexed by `controller-uid`; read by Recreate, which waits for old pods to be gone. */
  pods: Informer<Pod>;
  clock: NodeClock;
  log: Logger;
}

/**
 * Level-based: each call claims the Deployment's ReplicaSets, then either only scales (paused, or
 * the replica count changed) or takes one step of the rollout, and writes status. Writes carry the
 * cached resourceVersion, so a decision taken on a stale cache fails with a conflict and is retried
 * rather than applied.
 */
export class DeploymentReconciler implements Reconciler {
  readonly #deps: DeploymentReconcilerDeps;

  constructor(deps: DeploymentReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(request: Request): Promise<Result> {
    const cached = this.#deps.deployments.get(requestKey(request));
    if (!cached) return {};
    return new DeploymentSync(this.#deps, structuredClone(cached)).run();
  }
}

/** One reconcile of one Deployment: the working copy, and its ReplicaSets as they are written. */
class DeploymentSync {
  readonly #deps: DeploymentReconcilerDeps;
  readonly #d: Deployment;
  readonly #now: number;
  #replicaSets: ReplicaSet[] = [];

  constructor(deps: DeploymentReconcilerDeps, d: Deployment) {
    this.#deps = deps;
    this.#d = d;
    d.status ??= {};
    this.#now = deps.clock.now();
  }

  get #name(): string {
    return `${this.#d.metadata.namespace}/${this.#d.metadata.name}`;
  }

  async run(): Promise<Result> {
    const d = this.#d;
    const selector = d.spec?.selector;
    if (!selector || isEmptySelector(selector)) {
      this.#deps.log('deployment selects every pod; a non-empty selector is required', {
        deployment: this.#name,
      });
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...d.status, observedGeneration: d.metadata.generation ?? 0 };
        await this.#updateStatus();
      }
      return {};
    }
    this.#replicaSets = await this.#claimReplicaSets(selector);
    if (d.metadata.deletionTimestamp !== undefined) {
      const { newRS, oldRSs } = await this.#newAndOld(false);
      await this.#syncStatus([...oldRSs, newRS], newRS);
      return {};
    }
    await this.#checkPausedConditions();
    if (d.spec?.paused || (await this.#isScalingEvent())) return this.#sync();
    const strategy = d.spec?.strategy?.type ?? 'RollingUpdate';
    if (strategy === 'Recreate') return this.#rolloutRecreate();
    if (strategy === 'RollingUpdate') return this.#rolloutRolling();
    throw new TerminalError(`deployment ${this.#name}: unexpected strategy type ${strategy}`);
  }

  // ---- reading and writing ----

  async #claimReplicaSets(selector: LabelSelector): Promise<ReplicaSet[]> {
    const { replicaSets, client } = this.#deps;
    const candidates = [
      ...replicaSets.byIndex(controllerUidIndex, this.#d.metadata.uid ?? ''),
      ...replicaSets.byIndex(orphansIndex, this.#d.metadata.namespace ?? ''),
    ];
    return claim({ client, owner: this.#d, selector, candidates });
  }

  /** The freshest copy this sync holds of a ReplicaSet. */
  #latest(rs: ReplicaSet): ReplicaSet;
  #latest(rs: ReplicaSet | undefined): ReplicaSet | undefined;
  #latest(rs: ReplicaSet | undefined): ReplicaSet | undefined {
    if (!rs) return undefined;
    return this.#replicaSets.find((r) => r.metadata.uid === rs.metadata.uid) ?? rs;
  }

  #remember(rs: ReplicaSet): ReplicaSet {
    const i = this.#replicaSets.findIndex((r) => r.metadata.uid === rs.metadata.uid);
    if (i >= 0) this.#replicaSets[i] = rs;
    else this.#replicaSets.push(rs);
    return rs;
  }

  async #updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    const updated = await this.#deps.client.update<ReplicaSet>(rs);
    updated.apiVersion ??= rs.apiVersion;
    updated.kind ??= rs.kind;
    return this.#remember(updated);
  }

  /**
   * Writes status (PUT, so a stale copy conflicts). kube-apiserver also keeps a Deployment's
   * annotations from a status write, which is how the revision annotation travels without bumping
   * the generation; a server that drops them gets the revision as a patch of the object.
   */
  async #updateStatus(): Promise<void> {
    const d = this.#d;
    const { client } = this.#deps;
    let written = await client.update<Deployment>(d, { subresource: 'status' });
    const revision = d.metadata.annotations?.[revisionAnnotation];
    if (revision !== undefined && written.metadata.annotations?.[revisionAnnotation] !== revision) {
      written = await client.patch<Deployment>(
        {
          apiVersion: d.apiVersion,
          kind: d.kind,
          namespace: d.metadata.namespace,
          name: d.metadata.name ?? '',
        },
        { metadata: { annotations: { [revisionAnnotation]: revision } } },
      );
    }
    if (written.metadata.resourceVersion !== undefined)
      d.metadata.resourceVersion = written.metadata.resourceVersion;
    if (written.metadata.generation !== undefined) d.metadata.generation = written.metadata.generation;
  }

  #setRevision(revision: string): boolean {
    const annotations = (this.#d.metadata.annotations ??= {});
    if (annotations[revisionAnnotation] === revision) return false;
    annotations[revisionAnnotation] = revision;
    return true;
  }

  // ---- the new ReplicaSet and the old ones ----

  /** kube's getAllReplicaSetsAndSyncRevision: every old ReplicaSet, and the new one (created if asked). */
  async #newAndOld(create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const oldRSs = findOldReplicaSets(this.#replicaSets, findNewReplicaSet(this.#d, this.#replicaSets));
    const newRS = await this.#newReplicaSet(oldRSs, create);
    return { newRS, oldRSs: oldRSs.map((rs) => this.#latest(rs)) };
  }

  async #newReplicaSet(oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const d = this.#d;
    const status = d.status!;
    const existing = findNewReplicaSet(d, this.#replicaSets);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      let rs = existing;
      const copy = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadySeconds = d.spec?.minReadySeconds ?? 0;
      if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== minReadySeconds) {
        copy.spec = { ...copy.spec, minReadySeconds };
        rs = await this.#updateReplicaSet(copy);
      }
      let needsUpdate = this.#setRevision(rs.metadata.annotations?.[revisionAnnotation] ?? '');
      if (!getCondition(status, 'Progressing')) {
        setCondition(
          status,
          newCondition(
            'Progressing',
            'True',
            reasons.foundNewReplicaSet,
            `Found new replica set "${rs.metadata.name}"`,
            this.#now,
          ),
        );
        needsUpdate = true;
      }
      if (needsUpdate) await this.#updateStatus();
      return rs;
    }
    if (!create) return undefined;

    const template = structuredClone(d.spec?.template ?? {});
    const hash = computeHash(d.spec?.template ?? {}, status.collisionCount);
    const labels = { ...template.metadata?.labels, [podTemplateHashLabel]: hash };
    template.metadata = { ...template.metadata, labels };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [podTemplateHashLabel]: hash };
    const fresh: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace ?? 'default',
        ownerReferences: [controllerRef(d)],
        labels: { ...labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    fresh.spec!.replicas = newReplicaSetReplicas(d, [...oldRSs, fresh], fresh);
    setNewReplicaSetAnnotations(d, fresh, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.#deps.client.create(fresh);
    } catch (error) {
      if (!isAlreadyExists(error)) {
        if (hasProgressDeadline(d)) {
          const message = `Failed to create new replica set "${fresh.metadata.name}": ${(error as Error).message}`;
          setCondition(
            status,
            newCondition('Progressing', 'False', reasons.replicaSetCreateError, message, this.#now),
          );
          await this.#updateStatus();
        }
        throw error;
      }
      const found = this.#deps.replicaSets.get(`${fresh.metadata.namespace}/${fresh.metadata.name}`);
      if (!found) throw error;
      if (
        controllerOf(found)?.uid === d.metadata.uid &&
        equalIgnoreHash(d.spec?.template, found.spec?.template)
      ) {
        created = found;
        alreadyExists = true;
      } else {
        // A different ReplicaSet holds the name: hash again with the next collision count.
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        await this.#updateStatus();
        this.#deps.log('pod-template-hash collision; hashing again', {
          deployment: this.#name,
          replicaSet: fresh.metadata.name,
          collisionCount: status.collisionCount,
        });
        throw error;
      }
    }
    created.apiVersion ??= 'apps/v1';
    created.kind ??= 'ReplicaSet';
    this.#remember(created);
    if (!alreadyExists && specReplicas(created) > 0)
      this.#event(
        'ScalingReplicaSet',
        `Scaled up replica set ${created.metadata.name} to ${specReplicas(created)}`,
      );
    let needsUpdate = this.#setRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(d)) {
      setCondition(
        status,
        newCondition(
          'Progressing',
          'True',
          reasons.newReplicaSetCreated,
          `Created new replica set "${created.metadata.name}"`,
          this.#now,
        ),
      );
      needsUpdate = true;
    }
    if (needsUpdate) await this.#updateStatus();
    return created;
  }

  // ---- scaling ----

  async #scaleIfNeeded(rs: ReplicaSet, replicas: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specReplicas(rs) === replicas) return { scaled: false, rs };
    return this.#scale(rs, replicas);
  }

  /** Sets a ReplicaSet's size and its desired-/max-replicas annotations. */
  async #scale(rs: ReplicaSet, replicas: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = this.#d;
    const desired = desiredOf(d);
    const max = desired + maxSurge(d);
    const resize = specReplicas(rs) !== replicas;
    if (!resize && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec, replicas };
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.#updateReplicaSet(copy);
    if (resize) {
      const direction = replicas > specReplicas(rs) ? 'up' : 'down';
      this.#event(
        'ScalingReplicaSet',
        `Scaled ${direction} replica set ${rs.metadata.name} to ${replicas} from ${specReplicas(rs)}`,
      );
    }
    return { scaled: resize, rs: updated };
  }

  /** The replica count changed since the active ReplicaSets were last sized (desired-replicas differs). */
  async #isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.#newAndOld(false);
    const desired = desiredOf(this.#d);
    return filterActive([...oldRSs, newRS]).some((rs) => {
      const raw = rs.metadata.annotations?.[desiredReplicasAnnotation];
      return raw !== undefined && /^\d+$/.test(raw) && Number(raw) !== desired;
    });
  }

  /** Scaling without rollout progress: paused Deployments and replica-count changes (kube's sync). */
  async #sync(): Promise<Result> {
    const { newRS, oldRSs } = await this.#newAndOld(false);
    await this.#scaleAll(newRS, oldRSs);
    const latestOld = oldRSs.map((rs) => this.#latest(rs));
    if (this.#d.spec?.paused) await this.#cleanup(latestOld);
    const latestNew = this.#latest(newRS);
    await this.#syncStatus([...latestOld, latestNew], latestNew);
    return {};
  }

  async #scaleAll(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.#d;
    const desired = desiredOf(d);
    const single = findActiveOrLatest(newRS, oldRSs);
    if (single) {
      if (specReplicas(single) !== desired) await this.#scaleIfNeeded(single, desired);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of filterActive(oldRSs)) await this.#scaleIfNeeded(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const active = filterActive([...oldRSs, newRS]);
    const byName = new Map(active.map((rs) => [rs.metadata.name ?? '', rs]));
    for (const [name, size] of proportionalSizes(d, active)) {
      const rs = byName.get(name);
      if (rs) await this.#scale(rs, size);
    }
  }

  // ---- RollingUpdate ----

  async #rolloutRolling(): Promise<Result> {
    const created = await this.#newAndOld(true);
    const newRS = created.newRS!;
    if (await this.#reconcileNewReplicaSet(newRS, created.oldRSs))
      return this.#syncRolloutStatus(this.#latest(newRS), created.oldRSs);
    if (await this.#reconcileOldReplicaSets(this.#latest(newRS), created.oldRSs))
      return this.#syncRolloutStatus(this.#latest(newRS), created.oldRSs);
    if (deploymentComplete(this.#d, this.#d.status!)) await this.#cleanup(created.oldRSs);
    return this.#syncRolloutStatus(this.#latest(newRS), created.oldRSs);
  }

  async #reconcileNewReplicaSet(newRS: ReplicaSet, oldRSs: ReplicaSet[]): Promise<boolean> {
    const desired = desiredOf(this.#d);
    if (specReplicas(newRS) === desired) return false;
    if (specReplicas(newRS) > desired) return (await this.#scaleIfNeeded(newRS, desired)).scaled;
    const replicas = newReplicaSetReplicas(this.#d, [...oldRSs, newRS], newRS);
    return (await this.#scaleIfNeeded(newRS, replicas)).scaled;
  }

  /**
   * Scales old ReplicaSets down as far as maxUnavailable allows: first their unavailable replicas,
   * then available ones. A ReplicaSet's available count is capped at its spec.replicas, so pods it
   * is already removing never count as available for a further scale-down (kube reads
   * status.availableReplicas alone, which lags a scale-down).
   */
  async #reconcileOldReplicaSets(newRS: ReplicaSet, oldRSs: ReplicaSet[]): Promise<boolean> {
    const d = this.#d;
    let activeOld = filterActive(oldRSs.map((rs) => this.#latest(rs)));
    if (sumOf(activeOld, specReplicas) === 0) return false;
    const allPods = sumOf([...activeOld, newRS], specReplicas);
    const minAvailable = desiredOf(d) - maxUnavailable(d);
    const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;

    let cleaned = 0;
    activeOld = [...activeOld].sort(byCreation);
    for (let i = 0; i < activeOld.length && cleaned < maxScaledDown; i++) {
      const rs = activeOld[i]!;
      const unhealthy = specReplicas(rs) - countedAvailable(rs);
      if (specReplicas(rs) === 0 || unhealthy === 0) continue;
      const count = Math.min(maxScaledDown - cleaned, unhealthy);
      activeOld[i] = (await this.#scaleIfNeeded(rs, specReplicas(rs) - count)).rs;
      cleaned += count;
    }

    let scaledDown = 0;
    const available = sumOf([...activeOld, newRS], countedAvailable);
    if (available > minAvailable) {
      const toScaleDown = available - minAvailable;
      for (const rs of activeOld) {
        if (scaledDown >= toScaleDown) break;
        if (specReplicas(rs) === 0) continue;
        const count = Math.min(specReplicas(rs), toScaleDown - scaledDown);
        await this.#scaleIfNeeded(rs, specReplicas(rs) - count);
        scaledDown += count;
      }
    }
    return cleaned + scaledDown > 0;
  }

  // ---- Recreate ----

  async #rolloutRecreate(): Promise<Result> {
    let { newRS, oldRSs } = await this.#newAndOld(false);
    let scaledDown = false;
    for (const rs of filterActive(oldRSs)) if ((await this.#scaleIfNeeded(rs, 0)).scaled) scaledDown = true;
    if (scaledDown) return this.#syncRolloutStatus(this.#latest(newRS), oldRSs);
    if (this.#oldPodsRunning(newRS, oldRSs)) return this.#syncRolloutStatus(this.#latest(newRS), oldRSs);
    if (!newRS) ({ newRS, oldRSs } = await this.#newAndOld(true));
    await this.#scaleIfNeeded(this.#latest(newRS)!, desiredOf(this.#d));
    if (deploymentComplete(this.#d, this.#d.status!)) await this.#cleanup(oldRSs);
    return this.#syncRolloutStatus(this.#latest(newRS), oldRSs);
  }

  /** Any old ReplicaSet still reports pods, or a pod it controls has not terminated. */
  #oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (sumOf(oldRSs, (rs) => rs.status?.replicas ?? 0) > 0) return true;
    const selector = this.#d.spec?.selector ?? {};
    return this.#replicaSets.some((rs) => {
      if (newRS && rs.metadata.uid === newRS.metadata.uid) return false;
      return this.#deps.pods
        .byIndex(controllerUidIndex, rs.metadata.uid ?? '')
        .some(
          (pod) =>
            selectorMatches(selector, pod.metadata.labels) &&
            pod.status?.phase !== 'Succeeded' &&
            pod.status?.phase !== 'Failed',
        );
    });
  }

  // ---- history ----

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  async #cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.#d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs
      .map((rs) => this.#latest(rs))
      .filter((rs) => rs.metadata.deletionTimestamp === undefined);
    const excess = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
    if (excess <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, excess)) {
      if (
        (rs.status?.replicas ?? 0) !== 0 ||
        specReplicas(rs) !== 0 ||
        (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)
      )
        continue;
      try {
        await this.#deps.client.delete(
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            namespace: rs.metadata.namespace,
            name: rs.metadata.name ?? '',
          },
          { preconditions: { uid: rs.metadata.uid ?? '' } },
        );
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }

  // ---- status ----

  async #checkPausedConditions(): Promise<void> {
    const d = this.#d;
    if (!hasProgressDeadline(d)) return;
    const current = getCondition(d.status, 'Progressing');
    if (current?.reason === reasons.progressDeadlineExceeded) return;
    const pausedNoted = current?.reason === reasons.paused;
    if (d.spec?.paused && !pausedNoted)
      setCondition(
        d.status!,
        newCondition('Progressing', 'Unknown', reasons.paused, 'Deployment is paused', this.#now),
      );
    else if (!d.spec?.paused && pausedNoted)
      setCondition(
        d.status!,
        newCondition('Progressing', 'Unknown', reasons.resumed, 'Deployment is resumed', this.#now),
      );
    else return;
    await this.#updateStatus();
  }

  async #syncStatus(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(present(all), newRS, this.#d, this.#now);
    if (statusEqual(this.#d.status, status)) return;
    this.#d.status = status;
    await this.#updateStatus();
  }

  /** Status with the Progressing condition judged (kube's syncRolloutStatus); requeues to notice a deadline. */
  async #syncRolloutStatus(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<Result> {
    const d = this.#d;
    const all = present([...oldRSs.map((rs) => this.#latest(rs)), newRS]);
    const status = calculateStatus(all, newRS, d, this.#now);
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const complete =
      status.replicas === status.updatedReplicas && current?.reason === reasons.newReplicaSetAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
      if (deploymentComplete(d, status)) {
        setCondition(
          status,
          newCondition(
            'Progressing',
            'True',
            reasons.newReplicaSetAvailable,
            `${subject} has successfully progressed.`,
            this.#now,
          ),
        );
      } else if (deploymentProgressing(d, status)) {
        const condition = newCondition(
          'Progressing',
          'True',
          reasons.replicaSetUpdated,
          `${subject} is progressing.`,
          this.#now,
        );
        if (current) {
          if (current.status === 'True' && current.lastTransitionTime !== undefined)
            condition.lastTransitionTime = current.lastTransitionTime;
          removeCondition(status, 'Progressing');
        }
        setCondition(status, condition);
      } else if (deploymentTimedOut(d, status, this.#now)) {
        setCondition(
          status,
          newCondition(
            'Progressing',
            'False',
            reasons.progressDeadlineExceeded,
            `${subject} has timed out progressing.`,
            this.#now,
          ),
        );
      }
    }
    const failure = replicaFailures(all, newRS)[0];
    if (failure) setCondition(status, failure);
    else removeCondition(status, replicaFailure);

    if (!statusEqual(d.status, status)) {
      d.status = status;
      await this.#updateStatus();
      return {};
    }
    return this.#requeueStuck(status);
  }

  /** When to look again for a rollout that has neither completed nor timed out. */
  #requeueStuck(status: DeploymentStatus): Result {
    const d = this.#d;
    const current = getCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !current) return {};
    if (deploymentComplete(d, status) || current.reason === reasons.progressDeadlineExceeded) return {};
    const deadline = Date.parse(current.lastUpdateTime ?? '') + (d.spec?.progressDeadlineSeconds ?? 0) * 1000;
    if (Number.isNaN(deadline)) return {};
    return { requeueAfter: Math.max(deadline - this.#now, 0) + 250 };
  }

  #event(reason: string, message: string): void {
    this.#deps.log(message, { deployment: this.#name, reason });
  }
}

/** A ReplicaSet's available replicas, never more than it is asked to keep. */
function countedAvailable(rs: ReplicaSet): number {
  return Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs));
}

function present(list: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return list.filter((rs): rs is ReplicaSet => rs !== undefined);
}

function sumOf(list: readonly ReplicaSet[], count: (rs: ReplicaSet) => number): number {
  return list.reduce((total, rs) => total + count(rs), 0);
}

/** Equal as the API would serialise them: absent counts are 0, absent conditions empty. */
function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const normal = (s: DeploymentStatus | undefined): DeploymentStatus => ({
    observedGeneration: s?.observedGeneration ?? 0,
    replicas: s?.replicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    unavailableReplicas: s?.unavailableReplicas ?? 0,
    ...(s?.collisionCount !== undefined && { collisionCount: s.collisionCount }),
    conditions: s?.conditions ?? [],
  });
  return semanticEqual(normal(a), normal(b));
}
