/**
 * kstatus conditions (sigs.k8s.io/cli-utils kstatus, fluxcd/pkg/runtime/conditions): `Ready`,
 * `Reconciling` and `Stalled`, each with a reason and message, lastTransitionTime moving only when
 * the status changes, and observedGeneration. Pure functions over a status object.
 */
import type { Condition } from '../api/meta.ts';
import { rfc3339 } from '../base/time.ts';

export const Ready = 'Ready';
export const Reconciling = 'Reconciling';
export const Stalled = 'Stalled';

export interface HasConditions {
  conditions?: Condition[];
  observedGeneration?: number;
}

export function findCondition(status: HasConditions | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function isTrue(status: HasConditions | undefined, type: string): boolean {
  return findCondition(status, type)?.status === 'True';
}

/**
 * Sets a condition, keeping lastTransitionTime when its status does not change; returns whether
 * anything changed.
 */
export function setCondition(
  status: HasConditions,
  condition: {
    type: string;
    status: Condition['status'];
    reason: string;
    message: string;
    observedGeneration?: number;
  },
  now: Date,
): boolean {
  const conditions = (status.conditions ??= []);
  const at = conditions.findIndex((c) => c.type === condition.type);
  const old = conditions[at];
  const next: Condition = {
    type: condition.type,
    status: condition.status,
    reason: condition.reason,
    message: condition.message,
    ...(condition.observedGeneration !== undefined && { observedGeneration: condition.observedGeneration }),
    lastTransitionTime:
      old && old.status === condition.status && old.lastTransitionTime
        ? old.lastTransitionTime
        : rfc3339(now.getTime()),
  };
  if (!old) {
    conditions.push(next);
    return true;
  }
  const changed =
    old.status !== next.status ||
    old.reason !== next.reason ||
    old.message !== next.message ||
    old.observedGeneration !== next.observedGeneration;
  conditions[at] = next;
  return changed;
}

export function removeCondition(status: HasConditions, type: string): boolean {
  const before = status.conditions?.length ?? 0;
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
  return status.conditions.length !== before;
}

/** Reconciling=True with the reason, Ready=Unknown: work in progress (Flux's MarkReconciling). */
export function markReconciling(
  status: HasConditions,
  reason: string,
  message: string,
  now: Date,
  generation?: number,
): void {
  const g = generation === undefined ? {} : { observedGeneration: generation };
  setCondition(status, { type: Reconciling, status: 'True', reason, message, ...g }, now);
  if (!findCondition(status, Ready))
    setCondition(status, { type: Ready, status: 'Unknown', reason, message, ...g }, now);
}

/** Ready=True: done; Reconciling and Stalled go. */
export function markReady(
  status: HasConditions,
  reason: string,
  message: string,
  now: Date,
  generation?: number,
): void {
  const g = generation === undefined ? {} : { observedGeneration: generation };
  setCondition(status, { type: Ready, status: 'True', reason, message, ...g }, now);
  removeCondition(status, Reconciling);
  removeCondition(status, Stalled);
  if (generation !== undefined) status.observedGeneration = generation;
}

/**
 * Ready=False. `stalled` means retrying cannot help until the object changes (kstatus Stalled);
 * otherwise the controller retries and Reconciling stays.
 */
export function markNotReady(
  status: HasConditions,
  reason: string,
  message: string,
  now: Date,
  options: { generation?: number; stalled?: boolean } = {},
): void {
  const g = options.generation === undefined ? {} : { observedGeneration: options.generation };
  setCondition(status, { type: Ready, status: 'False', reason, message, ...g }, now);
  if (options.stalled) {
    setCondition(status, { type: Stalled, status: 'True', reason, message, ...g }, now);
    removeCondition(status, Reconciling);
    if (options.generation !== undefined) status.observedGeneration = options.generation;
  } else {
    removeCondition(status, Stalled);
  }
}
