import type { KubeObject } from '../../../api/meta.ts';
import { Controller } from '../../../runtime/controller.ts';
import type { NodeContext } from '../../context.ts';
import { HpaReconciler, type HorizontalPodAutoscaler } from './reconciler.ts';

/** The HPA controller: wakes on HPA changes and on changes of the workloads they target. */
export function hpaController(ctx: NodeContext): Controller {
  const hpas = ctx.informers.for<HorizontalPodAutoscaler>('autoscaling/v2', 'HorizontalPodAutoscaler');
  hpas.addIndex('scale-target', (h) => [`${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`]);
  const controller = new Controller({
    name: 'horizontalpodautoscaler',
    reconciler: new HpaReconciler(ctx),
    log: ctx.log,
  }).for(hpas);
  const byTarget = (kind: string) => (object: KubeObject) =>
    hpas
      .byIndex('scale-target', `${kind}/${object.metadata.name ?? ''}`)
      .filter((h) => h.metadata.namespace === object.metadata.namespace)
      .map((h) => ({ namespace: h.metadata.namespace ?? 'default', name: h.metadata.name ?? '' }));
  controller.watches(ctx.informers.for('apps/v1', 'Deployment'), byTarget('Deployment'));
  controller.watches(ctx.informers.for('apps/v1', 'StatefulSet'), byTarget('StatefulSet'));
  controller.watches(ctx.informers.for('apps/v1', 'ReplicaSet'), byTarget('ReplicaSet'));
  return controller;
}
