/**
 * The scheduler's filter and score plugins as pure functions over a pod and a node, with
 * kube-scheduler's plugin order and failure reasons: NodeUnschedulable, TaintToleration,
 * NodeAffinity (nodeSelector and required node affinity), NodeResourcesFit (pods, cpu, memory).
 * A node that is not Ready carries the taint the node lifecycle controller would add
 * (`node.kubernetes.io/not-ready` or `…/unreachable`, NoSchedule), so tolerating it works as in kube.
 * The taint, toleration and node-affinity matching (kube's component-helpers) is also what the
 * DaemonSet controller decides placement with.
 */
import type { KubeObject } from '../../api/meta.ts';
import { parseQuantity } from '../../api/validation/quantity.ts';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Toleration {
  key?: string;
  /** Empty means Equal. */
  operator?: '' | 'Exists' | 'Equal';
  value?: string;
  effect?: '' | 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[]; podCIDR?: string; podCIDRs?: string[] };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    [key: string]: unknown;
  };
}

export interface ContainerResources {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
}

export interface SchedulingPodSpec {
  nodeName?: string;
  schedulerName?: string;
  schedulingGates?: { name: string }[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  runtimeClassName?: string;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
    };
  };
  containers?: { resources?: ContainerResources }[];
  initContainers?: { resources?: ContainerResources; restartPolicy?: string }[];
  overhead?: Record<string, string | number>;
}

export interface SchedulingPod extends KubeObject {
  spec?: SchedulingPodSpec;
  status?: { phase?: string; conditions?: PodCondition[]; [key: string]: unknown };
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

/** What a RuntimeClass adds to the pods that name it (node.k8s.io/v1 RuntimeClass.scheduling). */
export interface RuntimeClassScheduling {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
}

/** The taint that keeps ordinary pods off the process node. */
export const processRuntimeTaint: Taint = {
  key: 'keelson.dev/runtime',
  value: 'process',
  effect: 'NoSchedule',
};

/**
 * The runtime classes the embedded node offers. `process` pods go only to nodes labelled
 * `type=keelson-process` and tolerate that node's taint; no other pod tolerates it.
 */
export const builtinRuntimeClasses: Readonly<Record<string, RuntimeClassScheduling>> = {
  process: {
    nodeSelector: { type: 'keelson-process' },
    tolerations: [
      { key: processRuntimeTaint.key, operator: 'Equal', value: 'process', effect: 'NoSchedule' },
    ],
  },
};

/** Requests the scheduler counts: pods always 1, cpu in cores, memory in bytes. */
export interface PodRequests {
  cpu: number;
  memory: number;
}

/** A node as the scheduler sees it: the object and what is already placed on it. */
export interface NodeInfo {
  node: Node;
  pods: number;
  requested: PodRequests;
}

/** kube-scheduler's failure reasons (their text is what users read in events and conditions). */
export const reasons = {
  unschedulable: 'node(s) were unschedulable',
  affinity: "node(s) didn't match Pod's node affinity/selector",
  tooManyPods: 'Too many pods',
  insufficient: (resource: string) => `Insufficient ${resource}`,
  untoleratedTaint: (taint: Taint) => `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`,
} as const;

/** The pod's scheduling constraints with its RuntimeClass's merged in, as the RuntimeClass admission plugin does. */
export function effectiveSpec(
  spec: SchedulingPodSpec,
  runtimeClasses: Readonly<Record<string, RuntimeClassScheduling>>,
): SchedulingPodSpec {
  const runtimeClass = spec.runtimeClassName ? runtimeClasses[spec.runtimeClassName] : undefined;
  if (!runtimeClass) return spec;
  return {
    ...spec,
    nodeSelector: { ...spec.nodeSelector, ...runtimeClass.nodeSelector },
    tolerations: [...(spec.tolerations ?? []), ...(runtimeClass.tolerations ?? [])],
  };
}

/** The taints a node effectively carries: its own plus the lifecycle taints of its Ready condition. */
export function effectiveTaints(node: Node): Taint[] {
  const taints = [...(node.spec?.taints ?? [])];
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const lifecycle =
    ready?.status === 'True'
      ? undefined
      : ready?.status === 'False'
        ? 'node.kubernetes.io/not-ready'
        : 'node.kubernetes.io/unreachable';
  if (lifecycle && !taints.some((t) => t.key === lifecycle && t.effect === 'NoSchedule'))
    taints.push({ key: lifecycle, effect: 'NoSchedule' });
  return taints;
}

/** v1.Toleration.ToleratesTaint. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

function isNoScheduleOrNoExecute(taint: Taint): boolean {
  return taint.effect === 'NoSchedule' || taint.effect === 'NoExecute';
}

/** The first taint with an effect `filter` accepts (default NoSchedule and NoExecute) that no toleration covers. */
export function untoleratedTaint(
  taints: Taint[],
  tolerations: Toleration[],
  filter: (taint: Taint) => boolean = isNoScheduleOrNoExecute,
): Taint | undefined {
  return taints.find((taint) => filter(taint) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/** An integer label value as Go's strconv.ParseInt reads it; undefined when it is not one. */
function parseInteger(text: string | undefined): number | undefined {
  return text !== undefined && /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

function matchesRequirement(value: string | undefined, requirement: NodeSelectorRequirement): boolean {
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const have = parseInteger(value);
      const want = values.length === 1 ? parseInteger(values[0]) : undefined;
      if (have === undefined || want === undefined) return false;
      return requirement.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** A node selector term: all expressions and fields match; an empty term matches nothing. */
export function matchesTerm(node: Node, term: NodeSelectorTerm): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const e of expressions) {
    if (!matchesRequirement(Object.hasOwn(labels, e.key) ? labels[e.key] : undefined, e)) return false;
  }
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    if (!matchesRequirement(node.metadata.name, f)) return false;
  }
  return true;
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution (terms are ORed). */
export function matchesNodeAffinity(node: Node, spec: SchedulingPodSpec): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) if (labels[key] !== value) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required?.nodeSelectorTerms === undefined) return true;
  return required.nodeSelectorTerms.some((term) => matchesTerm(node, term));
}

function resourceValue(resources: Record<string, string | number> | undefined, name: string): number {
  return parseQuantity(resources?.[name]) ?? 0;
}

/**
 * The pod's effective requests (resourcehelper.PodRequests): the larger of the sum over containers
 * (plus sidecar init containers) and the largest ordinary init container, plus overhead.
 */
export function podRequests(spec: SchedulingPodSpec | undefined): PodRequests {
  const sum = (name: string): number => {
    let containers = 0;
    for (const c of spec?.containers ?? []) containers += resourceValue(c.resources?.requests, name);
    let sidecars = 0;
    let initMax = 0;
    for (const c of spec?.initContainers ?? []) {
      const value = resourceValue(c.resources?.requests, name);
      if (c.restartPolicy === 'Always') sidecars += value;
      else initMax = Math.max(initMax, sidecars + value);
    }
    return Math.max(containers + sidecars, initMax) + resourceValue(spec?.overhead, name);
  };
  return { cpu: sum('cpu'), memory: sum('memory') };
}

/** Why the pod cannot go to the node (the first failing filter, in kube's order), or undefined if it fits. */
export function filterNode(
  spec: SchedulingPodSpec,
  requests: PodRequests,
  info: NodeInfo,
): string | undefined {
  const node = info.node;
  const tolerations = spec.tolerations ?? [];
  if (
    node.spec?.unschedulable === true &&
    !tolerations.some((t) =>
      toleratesTaint(t, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }),
    )
  )
    return reasons.unschedulable;
  const taint = untoleratedTaint(effectiveTaints(node), tolerations);
  if (taint) return reasons.untoleratedTaint(taint);
  if (!matchesNodeAffinity(node, spec)) return reasons.affinity;
  const allocatable = node.status?.allocatable ?? {};
  const maxPods = parseQuantity(allocatable['pods']) ?? 0;
  if (info.pods + 1 > maxPods) return reasons.tooManyPods;
  for (const resource of ['cpu', 'memory'] as const) {
    const want = requests[resource];
    if (want === 0) continue;
    const have = parseQuantity(allocatable[resource]) ?? 0;
    if (info.requested[resource] + want > have) return reasons.insufficient(resource);
  }
  return undefined;
}

/** LeastAllocated on pod count: 0 (full) … 100 (empty). */
export function scoreNode(info: NodeInfo): number {
  const maxPods = parseQuantity(info.node.status?.allocatable?.['pods']) ?? 0;
  if (maxPods <= 0) return 0;
  return ((maxPods - info.pods) * 100) / maxPods;
}

/**
 * kube-scheduler's FitError message: `0/2 nodes are available: 1 Too many pods, 1 node(s) had
 * untolerated taint {k: v}.` Reasons are counted and sorted as kube sorts them. kube's preemption
 * suffix is left out: this scheduler does not preempt.
 */
export function fitErrorMessage(totalNodes: number, failures: Iterable<string>): string {
  if (totalNodes === 0) return 'no nodes available to schedule pods';
  const counts = new Map<string, number>();
  for (const reason of failures) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const parts = [...counts].map(([reason, count]) => `${count} ${reason}`).sort();
  return parts.length === 0
    ? `0/${totalNodes} nodes are available.`
    : `0/${totalNodes} nodes are available: ${parts.join(', ')}.`;
}
