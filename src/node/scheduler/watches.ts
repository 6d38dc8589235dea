/**
 * What wakes the scheduler: unbound pods (each is a key), and changes that could make an
 * unschedulable pod fit (a node added, removed or changed in what scheduling reads; a pod leaving
 * a node), which requeue every unschedulable pod, as kube's scheduling queue moves them back to
 * the active queue on cluster events.
 */
import { Controller } from '../../runtime/controller.ts';
import { keyOf, splitKey } from '../../runtime/informer.ts';
import { EventRecorder } from '../../runtime/events.ts';
import type { NodeContext } from '../context.ts';
import { SchedulerCache, occupiesNode } from './cache.ts';
import type { Node, SchedulingPod } from './filters.ts';
import { builtinRuntimeClasses } from './filters.ts';
import type { SchedulerOptions } from './reconciler.ts';
import { SchedulerReconciler, defaultSchedulerName, needsScheduling } from './reconciler.ts';

/** The parts of a node the filters read; other changes (heartbeats) do not requeue anything. */
function schedulingView(node: Node): string {
  return JSON.stringify([
    node.metadata.labels,
    node.spec?.unschedulable,
    node.spec?.taints,
    node.status?.allocatable,
    node.status?.conditions?.find((c) => c.type === 'Ready')?.status,
  ]);
}

/**
 * The scheduler as a controller: binds pending pods without `spec.nodeName` to a node through the
 * `pods/binding` subresource. `workers` bindings run at once (default 32).
 */
export function schedulerController(
  ctx: NodeContext,
  options: SchedulerOptions & { workers?: number } = {},
): Controller {
  const pods = ctx.informers.for<SchedulingPod>('v1', 'Pod');
  const nodes = ctx.informers.for<Node>('v1', 'Node');
  const cache = new SchedulerCache({ now: () => ctx.clock.now() });
  const events = new EventRecorder(ctx, { component: defaultSchedulerName });
  const reconciler = new SchedulerReconciler(
    { client: ctx.client, clock: ctx.clock, log: ctx.log, pods, cache, events },
    {
      schedulerName: options.schedulerName ?? defaultSchedulerName,
      runtimeClasses: options.runtimeClasses ?? builtinRuntimeClasses,
      unschedulableRetryMs: options.unschedulableRetryMs ?? 5 * 60_000,
    },
  );
  const controller = new Controller({
    name: 'scheduler',
    reconciler,
    workers: options.workers ?? 32,
    log: ctx.log,
  });
  const requeueUnschedulable = (): void => {
    for (const key of reconciler.clusterChanged()) controller.enqueue(splitKey(key));
  };

  nodes.on({
    add: (node) => {
      cache.setNode(node);
      requeueUnschedulable();
    },
    update: (old, node) => {
      cache.setNode(node);
      if (schedulingView(old) !== schedulingView(node)) requeueUnschedulable();
    },
    delete: (node) => {
      cache.removeNode(node);
      requeueUnschedulable();
    },
  });
  pods.on({
    add: (pod) => cache.observePod(keyOf(pod), pod),
    update: (old, pod) => {
      cache.observePod(keyOf(pod), pod);
      if (occupiesNode(old) && !occupiesNode(pod)) requeueUnschedulable();
    },
    delete: (pod) => {
      cache.observePod(keyOf(pod), undefined);
      reconciler.forgetPod(keyOf(pod));
      if (occupiesNode(pod)) requeueUnschedulable();
    },
  });
  controller.watches(pods, (pod) =>
    needsScheduling(pod, reconciler.schedulerName) ? [splitKey(keyOf(pod))] : [],
  );
  controller.watches(nodes, () => []);
  return controller;
}
