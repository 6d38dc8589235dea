/**
 * What wakes the Deployment controller: its Deployments; ReplicaSets (a controlled one wakes its
 * Deployment, an orphan every Deployment of its namespace that selects it); and, for Recreate
 * Deployments only, their pods, since Recreate waits for old pods to be gone.
 */
import type { OwnerReference } from '../../../api/meta.ts';
import { selectorMatches } from '../../../api/validation/selectors.ts';
import { Controller, controllerOf, requestOf, type Request } from '../../../runtime/controller.ts';
import type { Informer } from '../../../runtime/informer.ts';
import type { NodeContext } from '../../context.ts';
import { byControllerUid, type Pod } from '../pods.ts';
import { controllerUidIndex, orphansByNamespace, orphansIndex } from '../replicaset/controller-ref.ts';
import { isEmptySelector, type ReplicaSet } from '../replicaset/replica-set.ts';
import type { Deployment } from './deployment.ts';
import { DeploymentReconciler } from './reconciler.ts';

export interface DeploymentControllerOptions {
  /** Deployments reconciled at once (kube's --concurrent-deployment-syncs: 5). */
  workers?: number;
}

/**
 * The Deployment controller over the shared informers of `ctx`: apps/v1 Deployments, apps/v1
 * ReplicaSets (indexed by `controller-uid` and `orphans-by-namespace`) and v1 Pods (indexed by
 * `controller-uid`).
 */
export function deploymentController(
  ctx: NodeContext,
  options: DeploymentControllerOptions = {},
): Controller {
  const deployments = ctx.informers.for<Deployment>('apps/v1', 'Deployment');
  const replicaSets = ctx.informers.for<ReplicaSet>('apps/v1', 'ReplicaSet');
  const pods = ctx.informers.for<Pod>('v1', 'Pod');
  replicaSets.addIndex(controllerUidIndex, byControllerUid);
  replicaSets.addIndex(orphansIndex, orphansByNamespace);
  pods.addIndex(controllerUidIndex, byControllerUid);

  const reconciler = new DeploymentReconciler({
    client: ctx.client,
    deployments,
    replicaSets,
    pods,
    clock: ctx.clock,
    log: ctx.log,
  });
  return new Controller({ name: 'deployment', reconciler, workers: options.workers ?? 5, log: ctx.log })
    .for(deployments)
    .watches(replicaSets, (rs) => deploymentsForReplicaSet(deployments, rs))
    .watches(pods, (pod) => recreateDeploymentOfPod(deployments, replicaSets, pod));
}

function resolve<T extends Deployment | ReplicaSet>(
  informer: Informer<T>,
  kind: string,
  namespace: string | undefined,
  ref: OwnerReference | undefined,
): T | undefined {
  if (ref?.kind !== kind || !ref.apiVersion.startsWith('apps/')) return undefined;
  const object = informer.get(`${namespace ?? ''}/${ref.name}`);
  return object?.metadata.uid === ref.uid ? object : undefined;
}

function deploymentsForReplicaSet(deployments: Informer<Deployment>, rs: ReplicaSet): Request[] {
  const ref = controllerOf(rs);
  if (ref) {
    const d = resolve(deployments, 'Deployment', rs.metadata.namespace, ref);
    return d ? [requestOf(d)] : [];
  }
  if (rs.metadata.deletionTimestamp !== undefined) return [];
  return deployments
    .list(rs.metadata.namespace)
    .filter((d) => {
      const selector = d.spec?.selector;
      return (
        selector !== undefined && !isEmptySelector(selector) && selectorMatches(selector, rs.metadata.labels)
      );
    })
    .map(requestOf);
}

function recreateDeploymentOfPod(
  deployments: Informer<Deployment>,
  replicaSets: Informer<ReplicaSet>,
  pod: Pod,
): Request[] {
  const rs = resolve(replicaSets, 'ReplicaSet', pod.metadata.namespace, controllerOf(pod));
  if (!rs) return [];
  const d = resolve(deployments, 'Deployment', rs.metadata.namespace, controllerOf(rs));
  return d?.spec?.strategy?.type === 'Recreate' ? [requestOf(d)] : [];
}
