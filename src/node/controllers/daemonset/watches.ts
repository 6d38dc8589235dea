import type { KubeObject } from '../../../api/meta.ts';
import { Controller, controllerOf, requestOf } from '../../../runtime/controller.ts';
import { keyOf } from '../../../runtime/informer.ts';
import { reconcilerDeps, type NodeContext } from '../../context.ts';
import type { Node } from '../../scheduler/filters.ts';
import { Expectations } from '../expectations.ts';
import { byControllerUid, canonicalJson, type Pod } from '../pods.ts';
import type { ControllerRevision } from '../revisions.ts';
import { DaemonSetReconciler, type DaemonSet } from './reconciler.ts';

export interface DaemonSetControllerOptions {
  /** Backoff before deleting a failed daemon pod on the same node again (ms; kube: 1 s .. 15 min). */
  failedPodBackoff?: { base: number; max: number };
}

function ownerKey(object: KubeObject): string | undefined {
  const owner = controllerOf(object);
  if (owner?.kind !== 'DaemonSet') return undefined;
  return `${object.metadata.namespace ?? ''}/${owner.name}`;
}

/**
 * The DaemonSet controller: wakes on DaemonSets, on the pods and ControllerRevisions they control
 * (shared Pod and ControllerRevision informers, `controller-uid` index), and on every Node change.
 * Pod events also settle the controller's create/delete expectations.
 */
export function daemonSetController(ctx: NodeContext, options: DaemonSetControllerOptions = {}): Controller {
  const daemonSets = ctx.informers.for<DaemonSet>('apps/v1', 'DaemonSet');
  const nodes = ctx.informers.for<Node>('v1', 'Node');
  const pods = ctx.informers.for<Pod>('v1', 'Pod');
  pods.addIndex('controller-uid', byControllerUid);
  const revisions = ctx.informers.for<ControllerRevision>('apps/v1', 'ControllerRevision');
  revisions.addIndex('controller-uid', byControllerUid);
  const expectations = new Expectations({ now: () => ctx.clock.now() });
  pods.on({
    add: (pod) => {
      const key = ownerKey(pod);
      if (key) expectations.creationObserved(key);
    },
    update: (_old, pod) => {
      const key = ownerKey(pod);
      if (key && pod.metadata.deletionTimestamp !== undefined) expectations.deletionObserved(key, keyOf(pod));
    },
    delete: (pod) => {
      const key = ownerKey(pod);
      if (key) expectations.deletionObserved(key, keyOf(pod));
    },
  });
  const reconciler = new DaemonSetReconciler({
    ...reconcilerDeps(ctx, 'daemonset-controller'),
    daemonSets,
    nodes,
    pods,
    revisions,
    expectations,
    ...(options.failedPodBackoff && { failedPodBackoff: options.failedPodBackoff }),
  });
  const controller = new Controller({ name: 'daemonset', reconciler, log: ctx.log })
    .for(daemonSets)
    .owns(pods, 'DaemonSet')
    .owns(revisions, 'DaemonSet')
    .watches(nodes, () => []); // node changes are handled below
  const enqueueAll = (): void => {
    for (const ds of daemonSets.list()) controller.enqueue(requestOf(ds));
  };
  nodes.on({
    add: enqueueAll,
    // kube's shouldIgnoreNodeUpdate: heartbeats do not wake every DaemonSet
    update: (old, node) => {
      if (schedulingFacts(old) !== schedulingFacts(node)) enqueueAll();
    },
    delete: enqueueAll,
  });
  return controller;
}

/** What of a node decides where daemon pods run: labels, spec, and its conditions' statuses. */
function schedulingFacts(node: Node): string {
  const conditions = (node['status'] as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return canonicalJson({
    labels: node.metadata.labels ?? {},
    spec: node.spec ?? {},
    conditions: (conditions ?? []).map((c) => [c.type, c.status]),
  });
}
