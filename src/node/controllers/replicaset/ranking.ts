/**
 * Which pods a ReplicaSet deletes first when it scales down: kube's ActivePodsWithRanks with the
 * PodDeletionCost and LogarithmicScaleDown gates on (their defaults). Pods that matter least go
 * first: unscheduled, pending, not ready, cheaper to delete, doubled up on a node, ready for less
 * time, restarting more, created more recently. An absent time counts as 0 (Go's zero time).
 */
import { parseTime } from '../../../base/time.ts';
import { isPodActive, isPodReady, podReadyCondition, type Pod } from '../pods.ts';

export const podDeletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';

/** A pod and how many active related pods share its node (kube's rank). */
export interface RankedPod {
  pod: Pod;
  rank: number;
}

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * The `count` pods to delete: with more candidates than that, ranked so that pods on nodes
 * crowded with `related` pods (of ReplicaSets with the same owner) go first among equals.
 */
export function podsToDelete(
  pods: readonly Pod[],
  related: readonly Pod[],
  count: number,
  now: number,
): Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const pod of related) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  return pods
    .map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }))
    .sort((a, b) => compareForDeletion(a, b, now))
    .slice(0, count)
    .map((r) => r.pod);
}

/** A sort comparator: negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: RankedPod, b: RankedPod, now: number): number {
  if (deleteBefore(a, b, now)) return -1;
  if (deleteBefore(b, a, now)) return 1;
  return 0;
}

function deleteBefore(a: RankedPod, b: RankedPod, now: number): boolean {
  const pi = a.pod;
  const pj = b.pod;
  const nodeI = pi.spec?.nodeName ?? '';
  const nodeJ = pj.spec?.nodeName ?? '';
  if (nodeI !== nodeJ && (nodeI === '' || nodeJ === '')) return nodeI === '';
  const phaseI = phaseOrdinal[pi.status?.phase ?? ''] ?? 0;
  const phaseJ = phaseOrdinal[pj.status?.phase ?? ''] ?? 0;
  if (phaseI !== phaseJ) return phaseI < phaseJ;
  const readyI = isPodReady(pi);
  const readyJ = isPodReady(pj);
  if (readyI !== readyJ) return !readyI;
  const costI = deletionCost(pi);
  const costJ = deletionCost(pj);
  if (costI !== costJ) return costI < costJ;
  if (a.rank !== b.rank) return a.rank > b.rank;
  if (readyI && readyJ) {
    const timeI = parseTime(podReadyCondition(pi)?.lastTransitionTime) ?? 0;
    const timeJ = parseTime(podReadyCondition(pj)?.lastTransitionTime) ?? 0;
    if (timeI !== timeJ) return newerByLogRank(pi, pj, timeI, timeJ, now);
  }
  const [regularI, sidecarI] = maxRestarts(pi);
  const [regularJ, sidecarJ] = maxRestarts(pj);
  if (regularI !== regularJ) return regularI > regularJ;
  if (sidecarI !== sidecarJ) return sidecarI > sidecarJ;
  const createdI = parseTime(pi.metadata.creationTimestamp) ?? 0;
  const createdJ = parseTime(pj.metadata.creationTimestamp) ?? 0;
  if (createdI !== createdJ) return newerByLogRank(pi, pj, createdI, createdJ, now);
  return false;
}

/** Times bucketed by log2 of their age; equal buckets fall back to the uid (kube's LogarithmicScaleDown). */
function newerByLogRank(pi: Pod, pj: Pod, ti: number, tj: number, now: number): boolean {
  if (ti === 0 || tj === 0) return afterOrZero(ti, tj);
  const diff = logRank(now - ti) - logRank(now - tj);
  if (diff === 0) return (pi.metadata.uid ?? '') < (pj.metadata.uid ?? '');
  return diff < 0;
}

function logRank(ageMs: number): number {
  return ageMs > 0 ? Math.floor(Math.log2(ageMs * 1e6)) : -1;
}

function afterOrZero(ti: number, tj: number): boolean {
  if (ti === 0 || tj === 0) return ti === 0;
  return ti > tj;
}

/** controller.kubernetes.io/pod-deletion-cost; absent or malformed is 0. */
export function deletionCost(pod: Pod): number {
  const raw = pod.metadata.annotations?.[podDeletionCostAnnotation];
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return 0;
  const cost = Number(raw);
  return cost >= -(2 ** 31) && cost < 2 ** 31 ? cost : 0;
}

/** The highest restart count of regular containers and of restartable (sidecar) init containers. */
function maxRestarts(pod: Pod): [number, number] {
  const restarts = (statuses: unknown): { name: string; count: number }[] =>
    (Array.isArray(statuses) ? (statuses as Record<string, unknown>[]) : []).map((s) => ({
      name: typeof s['name'] === 'string' ? s['name'] : '',
      count: typeof s['restartCount'] === 'number' ? s['restartCount'] : 0,
    }));
  const regular = Math.max(0, ...restarts(pod.status?.containerStatuses).map((s) => s.count));
  const initContainers = Array.isArray(pod.spec?.['initContainers'])
    ? (pod.spec['initContainers'] as Record<string, unknown>[])
    : [];
  const sidecars = new Set(
    initContainers.filter((c) => c['restartPolicy'] === 'Always').map((c) => String(c['name'])),
  );
  const sidecar = Math.max(
    0,
    ...restarts(pod.status?.['initContainerStatuses'])
      .filter((s) => sidecars.has(s.name))
      .map((s) => s.count),
  );
  return [regular, sidecar];
}
