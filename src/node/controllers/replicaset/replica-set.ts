/**
 * The ReplicaSet as the workload controllers read it, and its status conditions (kube's
 * pkg/controller/replicaset/replica_set_utils.go).
 */
import type { KubeObject } from '../../../api/meta.ts';
import type { PodTemplate } from '../pods.ts';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface ReplicaSetCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ReplicaSetStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

export interface ReplicaSet extends KubeObject {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
  };
  status?: ReplicaSetStatus;
}

/** The condition a ReplicaSet carries while it cannot create or delete pods. */
export const replicaFailure = 'ReplicaFailure';

/** spec.replicas; the API server defaults it to 1. */
export function desiredReplicas(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

/** True for a selector that selects everything (no requirements), which a controller refuses. */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return (
    Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0
  );
}
