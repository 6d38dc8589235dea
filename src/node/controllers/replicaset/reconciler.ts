/**
 * The ReplicaSet reconciler, after kube-controller-manager's ReplicaSetController: keep
 * spec.replicas active pods, claimed through ownerReferences, and report what they are doing.
 */
import { KeelsonError } from '../../../base/errors.ts';
import { deepEqual } from '../../../base/json.ts';
import { parseTime, rfc3339 } from '../../../base/time.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import { isNotFound } from '../../../runtime/client.ts';
import type { Logger, Reconciler, Request, Result } from '../../../runtime/controller.ts';
import { controllerOf, requestKey, TerminalError } from '../../../runtime/controller.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { keyOf } from '../../../runtime/informer.ts';
import type { NodeClock } from '../../context.ts';
import type { Expectations } from '../expectations.ts';
import {
  isPodActive,
  isPodAvailable,
  isPodReady,
  podFromTemplate,
  podReadyCondition,
  type Pod,
} from '../pods.ts';
import { claim, controllerUidIndex, orphansIndex } from './controller-ref.ts';
import { podsToDelete } from './ranking.ts';
import {
  desiredReplicas,
  isEmptySelector,
  replicaFailure,
  type ReplicaSet,
  type ReplicaSetStatus,
} from './replica-set.ts';
import { slowStartBatch } from './slow-start.ts';

export interface ReplicaSetReconcilerDeps {
  client: KubeClient;
  replicaSets: Informer<ReplicaSet>;
  /** Indexed by `controller-uid` and `orphans-by-namespace`. */
  pods: Informer<Pod>;
  /** Shared with the pod event handlers that observe what this reconciler issued. */
  expectations: Expectations;
  clock: NodeClock;
  log: Logger;
  /** Most pods created or deleted by one reconcile (kube's burstReplicas: 500). */
  burstReplicas?: number;
}

/**
 * Level-based: every call counts the active pods the ReplicaSet controls (adopting and releasing
 * first) and creates or deletes the difference, unless pods it created or deleted earlier have not
 * reached the cache yet (expectations), then writes status. Creation and deletion errors are
 * retried with backoff and reported as the ReplicaFailure condition.
 */
export class ReplicaSetReconciler implements Reconciler {
  readonly #deps: ReplicaSetReconcilerDeps;
  readonly #burst: number;

  constructor(deps: ReplicaSetReconcilerDeps) {
    this.#deps = deps;
    this.#burst = deps.burstReplicas ?? 500;
  }

  async reconcile(request: Request): Promise<Result> {
    const { replicaSets, pods, expectations, clock } = this.#deps;
    const key = requestKey(request);
    const rs = replicaSets.get(key);
    if (!rs) {
      expectations.forget(key);
      return {};
    }
    const selector = rs.spec?.selector;
    if (!selector || isEmptySelector(selector))
      throw new TerminalError(`replicaset ${key} has an empty selector; it would select every pod`);
    const needsSync = expectations.satisfied(key);
    const candidates = [
      ...pods.byIndex(controllerUidIndex, rs.metadata.uid ?? ''),
      ...pods.byIndex(orphansIndex, rs.metadata.namespace ?? ''),
    ].filter(isPodActive);
    const owned = await claim({ client: this.#deps.client, owner: rs, selector, candidates });

    let manageError: unknown;
    if (needsSync && rs.metadata.deletionTimestamp === undefined) {
      try {
        await this.#manageReplicas(key, rs, owned);
      } catch (error) {
        manageError = error;
      }
    }
    const now = clock.now();
    await this.#writeStatus(rs, calculateStatus(rs, owned, manageError, now));
    if (manageError !== undefined) throw manageError;
    const wait = nextAvailableIn(rs, owned, now);
    return wait === undefined ? {} : { requeueAfter: wait };
  }

  async #manageReplicas(key: string, rs: ReplicaSet, owned: Pod[]): Promise<void> {
    const { client, expectations } = this.#deps;
    const diff = owned.length - desiredReplicas(rs);
    if (diff < 0) {
      const count = Math.min(-diff, this.#burst);
      expectations.expectCreations(key, count);
      const { successes, error } = await slowStartBatch(count, 1, () => this.#createPod(rs));
      // The informer will never see the pods that failed or were never attempted.
      for (let i = successes; i < count; i++) expectations.creationObserved(key);
      if (error !== undefined) throw error;
    } else if (diff > 0) {
      const count = Math.min(diff, this.#burst);
      const victims = podsToDelete(owned, this.#relatedPods(rs), count, this.#deps.clock.now());
      expectations.expectDeletions(key, victims.map(keyOf));
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            await client.delete(
              {
                apiVersion: 'v1',
                kind: 'Pod',
                namespace: pod.metadata.namespace,
                name: pod.metadata.name ?? '',
              },
              { preconditions: { uid: pod.metadata.uid ?? '' } },
            );
          } catch (error) {
            expectations.deletionObserved(key, keyOf(pod));
            if (!isNotFound(error)) throw error;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  async #createPod(rs: ReplicaSet): Promise<void> {
    const pod = podFromTemplate(rs.spec?.template ?? {}, rs, { generateName: `${rs.metadata.name}-` });
    if (Object.keys(pod.metadata.labels ?? {}).length === 0)
      throw new KeelsonError(
        'KEELSON_INVALID',
        `unable to create pods for replicaset ${keyOf(rs)}: the template has no labels`,
      );
    try {
      await this.#deps.client.create(pod);
    } catch (error) {
      // The namespace is going away, and the ReplicaSet with it.
      if (isNamespaceTerminating(error)) return;
      throw error;
    }
  }

  /** Active pods of every ReplicaSet with the same controller (a Deployment's other revisions). */
  #relatedPods(rs: ReplicaSet): Pod[] {
    const owner = controllerOf(rs);
    if (!owner) return [];
    const { replicaSets, pods } = this.#deps;
    const seen = new Set<string>();
    const related: Pod[] = [];
    for (const sibling of replicaSets.byIndex(controllerUidIndex, owner.uid)) {
      for (const pod of pods.byIndex(controllerUidIndex, sibling.metadata.uid ?? '')) {
        const uid = pod.metadata.uid ?? '';
        if (seen.has(uid)) continue;
        seen.add(uid);
        related.push(pod);
      }
    }
    return related;
  }

  async #writeStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<void> {
    const current = rs.status ?? {};
    const generation = rs.metadata.generation ?? 0;
    const unchanged =
      (current.replicas ?? 0) === status.replicas &&
      (current.fullyLabeledReplicas ?? 0) === status.fullyLabeledReplicas &&
      (current.readyReplicas ?? 0) === status.readyReplicas &&
      (current.availableReplicas ?? 0) === status.availableReplicas &&
      current.observedGeneration === generation &&
      deepEqual(current.conditions ?? [], status.conditions ?? []);
    if (unchanged) return;
    try {
      await this.#deps.client.patchStatus(
        {
          apiVersion: rs.apiVersion,
          kind: rs.kind,
          namespace: rs.metadata.namespace,
          name: rs.metadata.name ?? '',
        },
        {
          replicas: status.replicas,
          fullyLabeledReplicas: status.fullyLabeledReplicas,
          readyReplicas: status.readyReplicas,
          availableReplicas: status.availableReplicas,
          observedGeneration: generation,
          conditions: status.conditions?.length ? status.conditions : null,
        },
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

function isNamespaceTerminating(error: unknown): boolean {
  const causes = (error as { details?: { causes?: { reason?: string }[] } }).details?.causes;
  return causes?.some((c) => c.reason === 'NamespaceTerminating') ?? false;
}

/**
 * The status the pods give (kube's calculateStatus): counts, and the ReplicaFailure condition set
 * while creating or deleting fails and cleared once a sync succeeds.
 */
export function calculateStatus(
  rs: ReplicaSet,
  pods: readonly Pod[],
  manageError: unknown,
  now: number,
): Required<
  Pick<ReplicaSetStatus, 'replicas' | 'fullyLabeledReplicas' | 'readyReplicas' | 'availableReplicas'>
> &
  ReplicaSetStatus {
  const templateLabels = Object.entries(rs.spec?.template?.metadata?.labels ?? {});
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.every(([k, v]) => pod.metadata.labels?.[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }
  let conditions = (rs.status?.conditions ?? []).map((c) => ({ ...c }));
  const failure = conditions.find((c) => c.type === replicaFailure);
  if (manageError !== undefined && !failure) {
    const diff = pods.length - desiredReplicas(rs);
    conditions.push({
      type: replicaFailure,
      status: 'True',
      reason: diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '',
      message: manageError instanceof Error ? manageError.message : String(manageError),
      lastTransitionTime: rfc3339(now),
    });
  } else if (manageError === undefined && failure) {
    conditions = conditions.filter((c) => c.type !== replicaFailure);
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    ...(conditions.length > 0 && { conditions }),
  };
}

/** Milliseconds until the first ready-but-not-yet-available pod becomes available, if any. */
export function nextAvailableIn(rs: ReplicaSet, pods: readonly Pod[], now: number): number | undefined {
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  if (minReadySeconds <= 0) return undefined;
  let soonest: number | undefined;
  for (const pod of pods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReadySeconds, now)) continue;
    const at = (parseTime(podReadyCondition(pod)?.lastTransitionTime) ?? 0) + minReadySeconds * 1000;
    soonest = Math.min(soonest ?? Infinity, Math.max(at - now, 1));
  }
  return soonest;
}
