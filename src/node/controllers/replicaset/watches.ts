/**
 * What wakes the ReplicaSet controller: its ReplicaSets, and pods — a controlled pod wakes its
 * ReplicaSet, an orphan wakes every ReplicaSet of its namespace that selects it (one may adopt it).
 * Pod events also settle the expectations the reconciler records.
 */
import type { OwnerReference } from '../../../api/meta.ts';
import { selectorMatches } from '../../../api/validation/selectors.ts';
import { Controller, controllerOf, requestOf, type Request } from '../../../runtime/controller.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { keyOf } from '../../../runtime/informer.ts';
import type { NodeContext } from '../../context.ts';
import { Expectations } from '../expectations.ts';
import { byControllerUid, type Pod } from '../pods.ts';
import { controllerUidIndex, orphansByNamespace, orphansIndex } from './controller-ref.ts';
import { ReplicaSetReconciler } from './reconciler.ts';
import { isEmptySelector, type ReplicaSet } from './replica-set.ts';

export interface ReplicaSetControllerOptions {
  /** ReplicaSets reconciled at once (kube's --concurrent-replicaset-syncs: 5). */
  workers?: number;
  /** Most pods created or deleted by one reconcile (kube: 500). */
  burstReplicas?: number;
}

/**
 * The ReplicaSet controller over the shared informers of `ctx`: apps/v1 ReplicaSets (indexed by
 * `controller-uid`) and v1 Pods (indexed by `controller-uid` and `orphans-by-namespace`).
 */
export function replicaSetController(
  ctx: NodeContext,
  options: ReplicaSetControllerOptions = {},
): Controller {
  const replicaSets = ctx.informers.for<ReplicaSet>('apps/v1', 'ReplicaSet');
  const pods = ctx.informers.for<Pod>('v1', 'Pod');
  replicaSets.addIndex(controllerUidIndex, byControllerUid);
  pods.addIndex(controllerUidIndex, byControllerUid);
  pods.addIndex(orphansIndex, orphansByNamespace);

  const expectations = new Expectations({ now: () => ctx.clock.now() });
  observePods(pods, replicaSets, expectations);

  const reconciler = new ReplicaSetReconciler({
    client: ctx.client,
    replicaSets,
    pods,
    expectations,
    clock: ctx.clock,
    log: ctx.log,
    ...(options.burstReplicas !== undefined && { burstReplicas: options.burstReplicas }),
  });
  return new Controller({ name: 'replicaset', reconciler, workers: options.workers ?? 5, log: ctx.log })
    .for(replicaSets)
    .watches(pods, (pod) => replicaSetsForPod(replicaSets, pod));
}

/** The ReplicaSet a controller reference points at, if it is cached with that uid. */
function resolve(
  replicaSets: Informer<ReplicaSet>,
  namespace: string | undefined,
  ref: OwnerReference | undefined,
): ReplicaSet | undefined {
  if (ref?.kind !== 'ReplicaSet' || !ref.apiVersion.startsWith('apps/')) return undefined;
  const rs = replicaSets.get(`${namespace ?? ''}/${ref.name}`);
  return rs?.metadata.uid === ref.uid ? rs : undefined;
}

function replicaSetsForPod(replicaSets: Informer<ReplicaSet>, pod: Pod): Request[] {
  const ref = controllerOf(pod);
  if (ref) {
    const rs = resolve(replicaSets, pod.metadata.namespace, ref);
    return rs ? [requestOf(rs)] : [];
  }
  if (pod.metadata.deletionTimestamp !== undefined) return [];
  return replicaSets
    .list(pod.metadata.namespace)
    .filter((rs) => {
      const selector = rs.spec?.selector;
      return (
        selector !== undefined && !isEmptySelector(selector) && selectorMatches(selector, pod.metadata.labels)
      );
    })
    .map(requestOf);
}

/**
 * Settles expectations from pod events, before the controller's own handler enqueues: a new pod is
 * an observed creation, a pod marked for deletion or gone an observed deletion.
 */
function observePods(
  pods: Informer<Pod>,
  replicaSets: Informer<ReplicaSet>,
  expectations: Expectations,
): void {
  const deletionObserved = (pod: Pod): void => {
    const rs = resolve(replicaSets, pod.metadata.namespace, controllerOf(pod));
    if (rs) expectations.deletionObserved(keyOf(rs), keyOf(pod));
  };
  pods.on({
    add(pod) {
      // A pod already being deleted (seen first after a restart) is no creation anyone waits for.
      if (pod.metadata.deletionTimestamp !== undefined) return deletionObserved(pod);
      const rs = resolve(replicaSets, pod.metadata.namespace, controllerOf(pod));
      if (rs) expectations.creationObserved(keyOf(rs));
    },
    update(old, pod) {
      if (pod.metadata.deletionTimestamp === undefined) return;
      deletionObserved(pod);
      if (controllerOf(old)?.uid !== controllerOf(pod)?.uid) deletionObserved(old);
    },
    delete: deletionObserved,
  });
}
