/**
 * The pod status the kubelet writes: the runtime's status (phase, container statuses, the
 * conditions the runtime generates) plus what the kubelet itself owns (kubelet's
 * generateAPIPodStatus and the status manager's merge): hostIP, PodScheduled, readiness gates
 * folded into Ready, conditions of other writers kept, and lastTransitionTime moving only when a
 * condition's status changes.
 */
import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/meta.ts';
import { rfc3339 } from '../../base/time.ts';

export interface ApiPodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

/** A pod as the kubelet reads it from the API (timestamps are strings there). */
export interface ApiPod extends KubeObject {
  spec?: {
    nodeName?: string;
    runtimeClassName?: string;
    hostNetwork?: boolean;
    readinessGates?: { conditionType: string }[];
    terminationGracePeriodSeconds?: number;
    serviceAccountName?: string;
    enableServiceLinks?: boolean;
    containers?: { name: string; image?: string }[];
    initContainers?: { name: string; image?: string }[];
    [key: string]: unknown;
  };
  status?: {
    phase?: string;
    conditions?: ApiPodCondition[];
    podIP?: string;
    containerStatuses?: Record<string, unknown>[];
    [key: string]: unknown;
  };
}

/**
 * The API's JSON of a pod as client-node's V1Pod. The JSON has strings where V1Pod declares Dates
 * (timestamps); the runtimes and helpers given it read spec and metadata names only.
 */
export function asV1Pod(pod: ApiPod): V1Pod {
  return pod as unknown as V1Pod;
}

/** Conditions whose value the kubelet decides; any other condition belongs to someone else. */
export const kubeletConditions: ReadonlySet<string> = new Set([
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
]);

/** Turns the Dates of a client-node object into metav1.Time strings (RFC 3339, seconds). */
export function toApiJson(value: unknown): unknown {
  if (value instanceof Date) return rfc3339(value.getTime());
  if (Array.isArray(value)) return value.map(toApiJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toApiJson(v);
    return out;
  }
  return value;
}

/** status.Generate's readiness gate rule: Ready only if every gate's condition is True. */
function readinessGateProblems(pod: ApiPod): string[] {
  const problems: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const condition = pod.status?.conditions?.find((c) => c.type === gate.conditionType);
    if (!condition)
      problems.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (condition.status !== 'True')
      problems.push(
        `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${condition.status}`,
      );
  }
  return problems;
}

export interface StatusContext {
  now: number;
  hostIP: string;
  /** The IP the kubelet allocated, used when the runtime reports none. */
  podIP?: string | undefined;
}

/**
 * The status body to write for `pod` given what the runtime reports. Absent pod-level `reason` and
 * `message` are written as null so a merge patch clears them.
 */
export function apiPodStatus(
  pod: ApiPod,
  runtime: V1PodStatus,
  context: StatusContext,
): Record<string, unknown> {
  const status = toApiJson(runtime) as Record<string, unknown> & { conditions?: ApiPodCondition[] };
  const current = pod.status?.conditions ?? [];
  const stamp = rfc3339(context.now);
  const keepTime = (c: ApiPodCondition): ApiPodCondition => {
    const old = current.find((o) => o.type === c.type);
    const lastTransitionTime =
      old?.status === c.status && old.lastTransitionTime
        ? old.lastTransitionTime
        : (c.lastTransitionTime ?? stamp);
    return { ...c, lastProbeTime: null, lastTransitionTime };
  };
  const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  const problems = readinessGateProblems(pod);
  if (problems.length > 0) {
    const ready = conditions.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') {
      ready.status = 'False';
      ready.reason = 'ReadinessGatesNotReady';
      ready.message = problems.join(', ');
    }
  }
  conditions.push({ type: 'PodScheduled', status: 'True' });
  const others = current.filter((c) => !kubeletConditions.has(c.type));
  const body: Record<string, unknown> = {
    ...status,
    conditions: [...conditions.map(keepTime), ...others],
    hostIP: context.hostIP,
    hostIPs: [{ ip: context.hostIP }],
    reason: status['reason'] ?? null,
    message: status['message'] ?? null,
  };
  const sandboxReady =
    status['phase'] !== 'Pending' ||
    conditions.some((c) => c.type === 'PodReadyToStartContainers' && c.status === 'True');
  const podIP =
    (status['podIP'] as string | undefined) ??
    (pod.spec?.hostNetwork ? context.hostIP : sandboxReady ? context.podIP : undefined) ??
    pod.status?.podIP;
  if (podIP !== undefined) {
    body['podIP'] = podIP;
    body['podIPs'] = [{ ip: podIP }];
  }
  if (body['initContainerStatuses'] === undefined) body['initContainerStatuses'] = null;
  return body;
}
