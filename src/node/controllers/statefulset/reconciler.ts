/**
 * The StatefulSet controller, after kube-controller-manager's stateful_set_control.go: pods with
 * stable names `<set>-<ordinal>` and stable claims `<template>-<set>-<ordinal>`, created in order
 * and removed in reverse (OrderedReady) or all at once (Parallel), ControllerRevisions holding the
 * pod template of each revision, and RollingUpdate (highest ordinal first, one at a time, above the
 * partition) or OnDelete updates. Level-based: every reconcile reads the set, its pods and its
 * revisions from the shared caches and takes the next step.
 */
import type { KubeObject } from '../../../api/meta.ts';
import { selectorMatches } from '../../../api/validation/selectors.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import { isAlreadyExists, isConflict, isNotFound, refOf, type ObjectRef } from '../../../runtime/client.ts';
import type { Logger, Reconciler, Request, Result } from '../../../runtime/controller.ts';
import { controllerOf, requestKey } from '../../../runtime/controller.ts';
import type { Informer } from '../../../runtime/informer.ts';
import type { EventSink } from '../../../runtime/events.ts';
import type { NodeClock, ReconcilerDeps } from '../../context.ts';
import {
  canonicalJson,
  controllerRef,
  isPodAvailable,
  isPodReady,
  podFromTemplate,
  podRef,
  type Pod,
  type PodTemplate,
} from '../pods.ts';
import {
  byRevision,
  createRevision,
  hashRevision,
  newRevision,
  nextRevisionNumber,
  revisionName,
  revisionsOf,
  templateOfRevision,
  templatePatch,
  type ControllerRevision,
} from '../revisions.ts';

export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
export const podIndexLabel = 'apps.kubernetes.io/pod-index';
/** On pods: the name of the ControllerRevision the pod was made from. */
export const revisionLabel = 'controller-revision-hash';
/** On ControllerRevisions: the hash in their name. */
export const revisionHashLabel = 'controller.kubernetes.io/hash';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface ClaimTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown> & {
    accessModes?: string[];
    resources?: { requests?: Record<string, string> };
  };
}

export interface StatefulSet extends KubeObject {
  spec: {
    replicas?: number;
    selector: LabelSelector;
    serviceName?: string;
    template: PodTemplate;
    volumeClaimTemplates?: ClaimTemplate[];
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    updateStrategy?: {
      type?: 'RollingUpdate' | 'OnDelete';
      rollingUpdate?: { partition?: number };
    };
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
    ordinals?: { start?: number };
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  };
  status?: StatefulSetStatus;
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
}

/** A pod's claim is being deleted: the pod waits until it is gone and made anew. */
export class ClaimTerminatingError extends Error {
  readonly code = 'KEELSON_CLAIM_TERMINATING';
  constructor(namespace: string, name: string) {
    super(`persistentvolumeclaim ${namespace}/${name} is being deleted; cannot create pod`);
    this.name = 'ClaimTerminatingError';
  }
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: ClaimTemplate['spec'];
  status?: { phase?: string };
}

/** The set's name and the ordinal of a pod named `<set>-<ordinal>`, or ordinal -1. */
export function parentAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const match = /^(.*)-([0-9]+)$/.exec(pod.metadata.name ?? '');
  if (!match) return { parent: '', ordinal: -1 };
  const ordinal = Number(match[2]);
  return Number.isSafeInteger(ordinal) ? { parent: match[1]!, ordinal } : { parent: '', ordinal: -1 };
}

export function ordinalOf(pod: Pod): number {
  return parentAndOrdinal(pod).ordinal;
}

export function claimName(template: ClaimTemplate, set: StatefulSet, ordinal: number): string {
  return `${template.metadata?.name ?? ''}-${set.metadata.name ?? ''}-${ordinal}`;
}

function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentAndOrdinal(pod).parent === set.metadata.name;
}

function isCreated(pod: Pod): boolean {
  return pod.metadata.uid !== undefined;
}

function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}

function podRevision(pod: Pod): string {
  return pod.metadata.labels?.[revisionLabel] ?? '';
}

function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[podNameLabel] === pod.metadata.name &&
    pod.metadata.labels?.[podIndexLabel] === String(ordinal)
  );
}

/** A pod of `set` at `ordinal` (kube's newStatefulSetPod): identity, hostname and claim volumes. */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplate, ordinal: number): Pod {
  const name = `${set.metadata.name ?? ''}-${ordinal}`;
  const pod = podFromTemplate(template, set, {
    name,
    labels: { [podNameLabel]: name, [podIndexLabel]: String(ordinal) },
  });
  const spec = (pod.spec ??= {});
  spec['hostname'] = name;
  if (set.spec.serviceName) spec['subdomain'] = set.spec.serviceName;
  const claims = set.spec.volumeClaimTemplates ?? [];
  if (claims.length > 0) {
    const names = new Set(claims.map((c) => c.metadata?.name ?? ''));
    const current = (spec['volumes'] as { name: string }[] | undefined) ?? [];
    spec['volumes'] = [
      ...claims.map((c) => ({
        name: c.metadata?.name ?? '',
        persistentVolumeClaim: { claimName: claimName(c, set, ordinal) },
      })),
      ...current.filter((v) => !names.has(v.name)),
    ];
  }
  return pod;
}

export interface StatefulSetReconcilerDeps extends ReconcilerDeps {
  sets: Informer<StatefulSet>;
  pods: Informer<Pod>;
  revisions: Informer<ControllerRevision>;
  claims: Informer<PersistentVolumeClaim>;
  /**
   * Mark the claims it creates Bound (phase, capacity, access modes): the embedded node has no
   * storage provisioner, and workloads wait for bound claims. Default true.
   */
  markClaimsBound?: boolean;
}

interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

export class StatefulSetReconciler implements Reconciler {
  readonly #client: KubeClient;
  readonly #clock: NodeClock;
  readonly #log: Logger;
  readonly #events: EventSink;
  readonly #sets: Informer<StatefulSet>;
  readonly #pods: Informer<Pod>;
  readonly #revisions: Informer<ControllerRevision>;
  readonly #claims: Informer<PersistentVolumeClaim>;
  readonly #markClaimsBound: boolean;

  constructor(deps: StatefulSetReconcilerDeps) {
    this.#client = deps.client;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#events = deps.events;
    this.#sets = deps.sets;
    this.#pods = deps.pods;
    this.#revisions = deps.revisions;
    this.#claims = deps.claims;
    this.#markClaimsBound = deps.markClaimsBound ?? true;
  }

  async reconcile(request: Request): Promise<Result> {
    const set = this.#sets.get(requestKey(request));
    if (!set) return {};
    const uid = set.metadata.uid ?? '';
    const pods = this.#pods
      .byIndex('controller-uid', uid)
      .filter((p) => p.metadata.namespace === set.metadata.namespace && isMemberOf(set, p));
    const revisions = revisionsOf(this.#revisions, set).sort(byRevision);
    const revs = await this.#syncRevisions(set, revisions);
    let failure: unknown;
    try {
      await this.#update(set, revs, pods);
    } catch (error) {
      failure = error;
    }
    const status = this.#status(set, revs, pods);
    await this.#writeStatus(set, status);
    await this.#truncateHistory(set, pods, revisions, revs);
    if (failure !== undefined) throw failure;
    const minReady = set.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas)
      return { requeueAfter: minReady * 1000 };
    return {};
  }

  /** kube's getStatefulSetRevisions: finds or creates the update revision and finds the current one. */
  async #syncRevisions(set: StatefulSet, revisions: ControllerRevision[]): Promise<Revisions> {
    let collisionCount = set.status?.collisionCount ?? 0;
    const data = templatePatch(set.spec.template);
    const wanted = canonicalJson(data);
    const next = nextRevisionNumber(revisions);
    const equal = revisions.filter((r) => canonicalJson(r.data) === wanted);
    const latest = revisions.at(-1);
    const lastEqual = equal.at(-1);
    let update: ControllerRevision;
    if (lastEqual && lastEqual === latest) {
      update = lastEqual;
    } else if (lastEqual) {
      // a rollback: the equal revision becomes the newest again
      update = await this.#client.patch<ControllerRevision>(refOf(lastEqual), { revision: next });
    } else {
      for (;;) {
        const hash = hashRevision(data, collisionCount);
        const name = revisionName(set.metadata.name ?? '', hash);
        const revision = newRevision(set, { name, hashLabel: revisionHashLabel, hash, data, revision: next });
        const created = await createRevision(this.#client, set, revision);
        if (created) {
          update = created;
          break;
        }
        collisionCount++;
      }
    }
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  /** kube's updateStatefulSet: one step of scaling and updating. */
  async #update(set: StatefulSet, revs: Revisions, pods: Pod[]): Promise<void> {
    const start = set.spec.ordinals?.start ?? 0;
    const count = set.spec.replicas ?? 1;
    const slots: (Pod | undefined)[] = new Array<Pod | undefined>(count).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ordinal = ordinalOf(pod);
      if (ordinal >= start && ordinal < start + count) slots[ordinal - start] = pod;
      else if (ordinal >= 0) condemned.push(pod);
    }
    const currentTemplate = templateOfRevision(revs.current) ?? set.spec.template;
    const updateTemplate = templateOfRevision(revs.update) ?? set.spec.template;
    const strategy = set.spec.updateStrategy;
    const replicas = slots.map((pod, i) => {
      if (pod) return pod;
      const ordinal = start + i;
      // newVersionedStatefulSetPod: below the partition, pods are made at the current revision
      const atCurrent =
        strategy?.type !== 'OnDelete' &&
        (strategy?.rollingUpdate === undefined
          ? ordinal < start + (set.status?.currentReplicas ?? 0)
          : ordinal < start + (strategy.rollingUpdate.partition ?? 0));
      const fresh = newStatefulSetPod(set, atCurrent ? currentTemplate : updateTemplate, ordinal);
      fresh.metadata.labels = {
        ...fresh.metadata.labels,
        [revisionLabel]: (atCurrent ? revs.current : revs.update).metadata.name ?? '',
      };
      return fresh;
    });
    condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
    const firstUnhealthy =
      replicas.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));

    if (set.metadata.deletionTimestamp !== undefined) return;
    const monotonic = set.spec.podManagementPolicy !== 'Parallel';
    const minReady = set.spec.minReadySeconds ?? 0;
    const now = this.#clock.now();
    const errors: unknown[] = [];

    for (const pod of replicas) {
      let exit: boolean;
      try {
        exit = await this.#processReplica(set, pod, monotonic, minReady, now);
      } catch (error) {
        if (monotonic) throw error;
        errors.push(error);
        continue;
      }
      if (exit && monotonic) return;
    }
    if (errors.length > 0) throw errors[0];

    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && pod !== firstUnhealthy) {
        if (!isRunningAndReady(pod) || !isPodAvailable(pod, minReady, now)) return;
      }
      await this.#deletePod(set, pod, 'scale down');
      await this.#deleteClaimsOnScaleDown(set, pod);
      if (monotonic) return;
    }

    if (strategy?.type === 'OnDelete') return;
    const partition = strategy?.rollingUpdate?.partition ?? 0;
    for (let target = replicas.length - 1; target >= partition && target >= 0; target--) {
      const pod = replicas[target]!;
      if (podRevision(pod) !== revs.update.metadata.name && !isTerminating(pod)) {
        await this.#deletePod(set, pod, 'update');
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }

  /** kube's processReplica: true when a monotonic set must stop here for now. */
  async #processReplica(
    set: StatefulSet,
    pod: Pod,
    monotonic: boolean,
    minReady: number,
    now: number,
  ): Promise<boolean> {
    const phase = pod.status?.phase;
    if (isCreated(pod) && (phase === 'Failed' || phase === 'Succeeded')) {
      // pods that finished are deleted and made again on a later pass
      if (!isTerminating(pod)) await this.#deletePod(set, pod, 'recreate');
      return true;
    }
    if (!isCreated(pod)) {
      await this.#createPod(set, pod);
      return true;
    }
    if (phase === 'Pending') await this.#ensureClaims(set, pod);
    if (isTerminating(pod) && monotonic) return true;
    if (monotonic && !isRunningAndReady(pod)) return true;
    if (monotonic && !isPodAvailable(pod, minReady, now)) return true;
    if (!identityMatches(set, pod)) {
      const ordinal = ordinalOf(pod);
      await this.#client.patch(podRef(pod), {
        metadata: { labels: { [podNameLabel]: pod.metadata.name, [podIndexLabel]: String(ordinal) } },
      });
    }
    await this.#ensureClaims(set, pod);
    return false;
  }

  async #createPod(set: StatefulSet, pod: Pod): Promise<void> {
    await this.#ensureClaims(set, pod);
    const name = pod.metadata.name ?? '';
    try {
      await this.#client.create(pod);
      this.#events.event(
        set,
        'Normal',
        'SuccessfulCreate',
        `create Pod ${name} in StatefulSet ${set.metadata.name} successful`,
      );
    } catch (error) {
      if (isAlreadyExists(error)) {
        await this.#adopt(set, pod);
        return;
      }
      this.#events.event(
        set,
        'Warning',
        'FailedCreate',
        `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`,
      );
      throw error;
    }
  }

  /** A pod of this name exists without our ownership (an orphan left by `--cascade=orphan`): adopt it. */
  async #adopt(set: StatefulSet, pod: Pod): Promise<void> {
    const live = await this.#client.tryGet<Pod>(podRef(pod));
    if (!live || controllerOf(live) || live.metadata.deletionTimestamp !== undefined) return;
    if (!selectorMatches(set.spec.selector, live.metadata.labels)) return;
    await this.#client.patch(
      podRef(live),
      [
        { op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion },
        {
          op: 'add',
          path: '/metadata/ownerReferences',
          value: [...(live.metadata.ownerReferences ?? []), controllerRef(set)],
        },
      ],
      'json',
    );
  }

  async #deletePod(set: StatefulSet, pod: Pod, why: string): Promise<void> {
    const name = pod.metadata.name ?? '';
    try {
      await this.#client.delete(podRef(pod), { preconditions: { uid: pod.metadata.uid ?? '' } });
      this.#events.event(
        set,
        'Normal',
        'SuccessfulDelete',
        `delete Pod ${name} in StatefulSet ${set.metadata.name} successful`,
      );
      this.#log('statefulset pod deleted', { statefulset: set.metadata.name, pod: name, reason: why });
    } catch (error) {
      // gone already, or replaced by a pod of the same name: the cache was behind
      if (isNotFound(error) || isConflict(error)) return;
      this.#events.event(
        set,
        'Warning',
        'FailedDelete',
        `delete Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`,
      );
      throw error;
    }
  }

  /** Creates the pod's missing claims (before the pod, as kube does) and marks them Bound. */
  async #ensureClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const ordinal = ordinalOf(pod);
    const namespace = set.metadata.namespace ?? 'default';
    const deleteWithSet = set.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
    for (const template of set.spec.volumeClaimTemplates ?? []) {
      const name = claimName(template, set, ordinal);
      let claim = this.#claims.get(`${namespace}/${name}`);
      if (!claim) {
        const fresh: PersistentVolumeClaim = {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name,
            namespace,
            labels: { ...template.metadata?.labels, ...set.spec.selector.matchLabels },
            ...(template.metadata?.annotations && { annotations: { ...template.metadata.annotations } }),
            ...(deleteWithSet && { ownerReferences: [{ ...controllerRef(set), controller: false }] }),
          },
          spec: structuredClone(template.spec ?? {}),
        };
        try {
          claim = await this.#client.create(fresh);
          this.#events.event(
            set,
            'Normal',
            'SuccessfulCreate',
            `create Claim ${name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`,
          );
        } catch (error) {
          if (!isAlreadyExists(error)) {
            this.#events.event(
              set,
              'Warning',
              'FailedCreate',
              `create Claim ${name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`,
            );
            throw error;
          }
          claim = await this.#client.get<PersistentVolumeClaim>(claimRef(namespace, name));
        }
      }
      if (claim.metadata.deletionTimestamp !== undefined) throw new ClaimTerminatingError(namespace, name);
      if (this.#markClaimsBound && claim.status?.phase !== 'Bound') {
        await this.#client.patchStatus(claimRef(namespace, name), {
          phase: 'Bound',
          accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
          capacity: { storage: claim.spec?.resources?.requests?.['storage'] ?? '1Gi' },
        });
      }
    }
  }

  /** persistentVolumeClaimRetentionPolicy.whenScaled: Delete removes a condemned pod's claims. */
  async #deleteClaimsOnScaleDown(set: StatefulSet, pod: Pod): Promise<void> {
    if (set.spec.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    const namespace = set.metadata.namespace ?? 'default';
    for (const template of set.spec.volumeClaimTemplates ?? [])
      await this.#client.deleteIfExists(claimRef(namespace, claimName(template, set, ordinalOf(pod))));
  }

  /** kube's updateStatus + completeRollingUpdate, from the pods the cache holds. */
  #status(set: StatefulSet, revs: Revisions, pods: Pod[]): Required<StatefulSetStatus> {
    const minReady = set.spec.minReadySeconds ?? 0;
    const now = this.#clock.now();
    const status: Required<StatefulSetStatus> = {
      observedGeneration: set.metadata.generation ?? 0,
      replicas: 0,
      readyReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      availableReplicas: 0,
      currentRevision: revs.current.metadata.name ?? '',
      updateRevision: revs.update.metadata.name ?? '',
      collisionCount: revs.collisionCount,
    };
    for (const pod of pods) {
      status.replicas++;
      if (isRunningAndReady(pod)) {
        status.readyReplicas++;
        if (isPodAvailable(pod, minReady, now)) status.availableReplicas++;
      }
      if (!isTerminating(pod)) {
        if (podRevision(pod) === status.currentRevision) status.currentReplicas++;
        if (podRevision(pod) === status.updateRevision) status.updatedReplicas++;
      }
    }
    if (
      set.spec.updateStrategy?.type !== 'OnDelete' &&
      status.updatedReplicas === status.replicas &&
      status.readyReplicas === status.replicas
    ) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    return status;
  }

  async #writeStatus(set: StatefulSet, status: Required<StatefulSetStatus>): Promise<void> {
    const old = set.status ?? {};
    const changed = (Object.keys(status) as (keyof StatefulSetStatus)[]).some(
      (k) => (old[k] ?? (typeof status[k] === 'number' ? 0 : '')) !== status[k],
    );
    if (!changed) return;
    try {
      await this.#client.patchStatus(refOf(set), status);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** kube's truncateHistory: keeps revisions in use and the newest revisionHistoryLimit others. */
  async #truncateHistory(
    set: StatefulSet,
    pods: Pod[],
    revisions: ControllerRevision[],
    revs: Revisions,
  ): Promise<void> {
    const live = new Set([revs.current.metadata.name, revs.update.metadata.name, ...pods.map(podRevision)]);
    const history = revisions.filter((r) => !live.has(r.metadata.name));
    const limit = set.spec.revisionHistoryLimit ?? 10;
    for (const revision of history.slice(0, Math.max(0, history.length - limit)))
      await this.#client.deleteIfExists(refOf(revision));
  }
}

function claimRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name };
}
