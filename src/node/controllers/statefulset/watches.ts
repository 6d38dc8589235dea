import { Controller } from '../../../runtime/controller.ts';
import { reconcilerDeps, type NodeContext } from '../../context.ts';
import { byControllerUid, type Pod } from '../pods.ts';
import type { ControllerRevision } from '../revisions.ts';
import { StatefulSetReconciler, type PersistentVolumeClaim, type StatefulSet } from './reconciler.ts';

export interface StatefulSetControllerOptions {
  /** See StatefulSetReconcilerDeps.markClaimsBound (default true). */
  markClaimsBound?: boolean;
}

/**
 * The StatefulSet controller: wakes on StatefulSets and on the pods and ControllerRevisions they
 * control. Uses the shared Pod and ControllerRevision informers with the `controller-uid` index,
 * and the shared PersistentVolumeClaim informer.
 */
export function statefulSetController(
  ctx: NodeContext,
  options: StatefulSetControllerOptions = {},
): Controller {
  const sets = ctx.informers.for<StatefulSet>('apps/v1', 'StatefulSet');
  const pods = ctx.informers.for<Pod>('v1', 'Pod');
  pods.addIndex('controller-uid', byControllerUid);
  const revisions = ctx.informers.for<ControllerRevision>('apps/v1', 'ControllerRevision');
  revisions.addIndex('controller-uid', byControllerUid);
  const claims = ctx.informers.for<PersistentVolumeClaim>('v1', 'PersistentVolumeClaim');
  const reconciler = new StatefulSetReconciler({
    ...reconcilerDeps(ctx, 'statefulset-controller'),
    sets,
    pods,
    revisions,
    claims,
    ...(options.markClaimsBound !== undefined && { markClaimsBound: options.markClaimsBound }),
  });
  return new Controller({ name: 'statefulset', reconciler, log: ctx.log })
    .for(sets)
    .owns(pods, 'StatefulSet')
    .owns(revisions, 'StatefulSet')
    .watches(claims, () => []); // for its cache only: claims are looked up by name
}
