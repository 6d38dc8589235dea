/**
 * The Deployment as its controller reads it, and the pure half of kube's
 * pkg/controller/deployment/util: revisions and their annotations, maxSurge/maxUnavailable, which
 * ReplicaSet is new, proportional scaling, status and the Progressing/Available conditions.
 * Nothing here does I/O; `now` is passed in.
 */
import type { KubeObject } from '../../../api/meta.ts';
import { semanticEqual } from '../../../api/validation/access.ts';
import { KeelsonError } from '../../../base/errors.ts';
import { parseTime, rfc3339 } from '../../../base/time.ts';
import type { PodTemplate } from '../pods.ts';
import {
  replicaFailure,
  type LabelSelector,
  type ReplicaSet,
  type ReplicaSetCondition,
} from '../replicaset/replica-set.ts';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
export const podTemplateHashLabel = 'pod-template-hash';

/** Longest revision-history annotation kept (kube's maxRevHistoryLengthInChars). */
export const maxRevisionHistoryChars = 2000;

/** Deployment annotations never copied onto its ReplicaSets (and kept by `kubectl rollout undo`). */
const annotationsNotCopied = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  'deprecated.deployment.rollback.to',
]);

/** Condition reasons, as kube-controller-manager spells them (kubectl matches on some). */
export const reasons = {
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  replicaSetCreateError: 'ReplicaSetCreateError',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** progressDeadlineSeconds and revisionHistoryLimit at this value mean "none" (math.MaxInt32). */
const maxInt32 = 2147483647;

export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

export interface Deployment extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
    strategy?: {
      type?: string;
      rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
    };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: DeploymentStatus;
}

export function desiredOf(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function specReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

export function hasProgressDeadline(d: Deployment): boolean {
  const seconds = d.spec?.progressDeadlineSeconds;
  return seconds !== undefined && seconds !== maxInt32;
}

export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const limit = d.spec?.revisionHistoryLimit;
  return limit !== undefined && limit !== maxInt32;
}

// ---- maxSurge and maxUnavailable ----

/** An int, or a percentage of `total` rounded up or down (intstr.GetScaledValueFromIntOrPercent). */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const match = /^(-?\d+)%$/.exec(value);
  if (!match)
    throw new KeelsonError('KEELSON_INVALID', `invalid value for IntOrString: invalid value "${value}"`);
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * maxSurge rounds up, maxUnavailable down; both 0 would block a rollout, so unavailable becomes 1
 * (kube's ResolveFenceposts; the API rejects both 0 as given values).
 */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  const unavailable = scaledValue(maxUnavailable, desired, false);
  return surge === 0 && unavailable === 0 ? { surge, unavailable: 1 } : { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const rolling = d.spec?.strategy?.rollingUpdate;
  try {
    return resolveFenceposts(rolling?.maxSurge, rolling?.maxUnavailable, desiredOf(d)).surge;
  } catch {
    return 0;
  }
}

export function maxUnavailable(d: Deployment): number {
  const desired = desiredOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  const rolling = d.spec?.strategy?.rollingUpdate;
  try {
    return Math.min(
      resolveFenceposts(rolling?.maxSurge, rolling?.maxUnavailable, desired).unavailable,
      desired,
    );
  } catch {
    return 0;
  }
}

// ---- revisions and which ReplicaSet is new ----

/** The revision annotation as a number; absent is 0, malformed is undefined. */
export function revisionOf(object: KubeObject): number | undefined {
  const raw = object.metadata.annotations?.[revisionAnnotation];
  if (raw === undefined) return 0;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

export function maxRevision(replicaSets: readonly ReplicaSet[]): number {
  return Math.max(0, ...replicaSets.map((rs) => revisionOf(rs) ?? 0));
}

/** Pod templates equal once the pod-template-hash label is ignored. */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  const strip = (t: PodTemplate | undefined): PodTemplate => {
    const copy = structuredClone(t ?? {});
    if (copy.metadata?.labels) delete copy.metadata.labels[podTemplateHashLabel];
    return copy;
  };
  return semanticEqual(strip(a), strip(b));
}

/** Oldest first; equal times by name (kube's ReplicaSetsByCreationTimestamp). */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = parseTime(a.metadata.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Lowest revision first, then oldest. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a) ?? 0;
  const rb = revisionOf(b) ?? 0;
  return ra !== rb ? ra - rb : byCreation(a, b);
}

/** The oldest ReplicaSet whose template is the Deployment's (a rollback finds an old one). */
export function findNewReplicaSet(d: Deployment, replicaSets: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...replicaSets].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one. */
export function findOldReplicaSets(
  replicaSets: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
): ReplicaSet[] {
  return replicaSets.filter((rs) => !newRS || rs.metadata.uid !== newRS.metadata.uid);
}

export function filterActive(replicaSets: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return replicaSets.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

// ---- annotations ----

function annotationsOf(object: KubeObject): Record<string, string> {
  return (object.metadata.annotations ??= {});
}

/** Copies the Deployment's own annotations onto a ReplicaSet; true if any changed. */
function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  const target = annotationsOf(rs);
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (annotationsNotCopied.has(k) || target[k] === v) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

/** The annotations `kubectl rollout undo` copies from a ReplicaSet back to its Deployment. */
export function rollbackAnnotations(d: Deployment, rs: ReplicaSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {}))
    if (annotationsNotCopied.has(k)) out[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {}))
    if (!annotationsNotCopied.has(k)) out[k] = v;
  return out;
}

/** Sets desired-replicas and max-replicas; true if either changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = annotationsOf(rs);
  let changed = false;
  if (annotations[desiredReplicasAnnotation] !== String(desired)) {
    annotations[desiredReplicasAnnotation] = String(desired);
    changed = true;
  }
  if (annotations[maxReplicasAnnotation] !== String(max)) {
    annotations[maxReplicasAnnotation] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = rs.metadata.annotations ?? {};
  return (
    annotations[desiredReplicasAnnotation] !== String(desired) ||
    annotations[maxReplicasAnnotation] !== String(max)
  );
}

/**
 * Brings the new ReplicaSet's annotations up to date (kube's SetNewReplicaSetAnnotations): the
 * Deployment's annotations, the revision moved forward to `newRevision` (a rollback to an old
 * ReplicaSet keeps its earlier revisions in revision-history) and, for a ReplicaSet about to be
 * created, desired- and max-replicas. True if anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const annotations = annotationsOf(rs);
  const oldRevision = annotations[revisionAnnotation];
  const oldNumber =
    oldRevision === undefined ? 0 : /^\d+$/.test(oldRevision) ? Number(oldRevision) : undefined;
  if (oldNumber === undefined) return false;
  if (oldNumber < newRevision) {
    annotations[revisionAnnotation] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined) {
      const history = annotations[revisionHistoryAnnotation] ?? '';
      if (history === '') {
        annotations[revisionHistoryAnnotation] = oldRevision;
      } else {
        const kept = history.split(',');
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > maxRevisionHistoryChars && start < kept.length) {
          total -= kept[start]!.length + 1;
          start++;
        }
        if (total <= maxRevisionHistoryChars)
          annotations[revisionHistoryAnnotation] = [...kept.slice(start), oldRevision].join(',');
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, desiredOf(d), desiredOf(d) + maxSurge(d))) changed = true;
  return changed;
}

// ---- scaling ----

/** How far the new ReplicaSet may grow now (kube's NewRSNewReplicas). */
export function newReplicaSetReplicas(d: Deployment, all: readonly ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return desiredOf(d);
  const desired = desiredOf(d);
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge, desired, true);
  const current = sum(all.map(specReplicas));
  const maxTotal = desired + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, desired - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}

/** The new ReplicaSet has every replica the Deployment wants, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = Number(rs.metadata.annotations?.[desiredReplicasAnnotation] ?? 'NaN');
  return (
    specReplicas(rs) === desiredOf(d) &&
    desired === desiredOf(d) &&
    (rs.status?.availableReplicas ?? 0) === desiredOf(d)
  );
}

/**
 * The single ReplicaSet that should take all replicas: the only active one, or the newest when
 * none is active; undefined with several active (kube's FindActiveOrLatest).
 */
export function findActiveOrLatest(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/**
 * The new size of each active ReplicaSet when a Deployment is resized mid-rollout: the change is
 * shared in proportion to each one's size (by its max-replicas annotation), largest first, with the
 * leftover on the first (kube's scale for RollingUpdate). Keyed by name.
 */
export function proportionalSizes(d: Deployment, active: readonly ReplicaSet[]): Map<string, number> {
  const total = sum(active.map(specReplicas));
  const desired = desiredOf(d);
  const allowed = desired > 0 ? desired + maxSurge(d) : 0;
  const toAdd = allowed - total;
  const sorted = [...active];
  if (toAdd > 0) sorted.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(b, a));
  else if (toAdd < 0) sorted.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(a, b));
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of sorted) {
    if (toAdd === 0) {
      sizes.set(rs.metadata.name ?? '', specReplicas(rs));
      continue;
    }
    const proportion = getProportion(rs, d, toAdd, added);
    sizes.set(rs.metadata.name ?? '', specReplicas(rs) + proportion);
    added += proportion;
  }
  const first = sorted[0];
  if (first && toAdd !== 0) {
    const name = first.metadata.name ?? '';
    sizes.set(name, Math.max(0, (sizes.get(name) ?? 0) + toAdd - added));
  }
  return new Map(sorted.map((rs) => [rs.metadata.name ?? '', sizes.get(rs.metadata.name ?? '') ?? 0]));
}

function getProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (desiredOf(d) === 0) return -specReplicas(rs);
  const deploymentReplicas = desiredOf(d) + maxSurge(d);
  const raw = rs.metadata.annotations?.[maxReplicasAnnotation];
  const annotated = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : (d.status?.replicas ?? 0);
  if (annotated === 0) return 0;
  return roundHalfAwayFromZero((specReplicas(rs) * deploymentReplicas) / annotated) - specReplicas(rs);
}

function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

// ---- conditions and status ----

export function getCondition(
  status: DeploymentStatus | undefined,
  type: string,
): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(
  type: string,
  status: DeploymentCondition['status'],
  reason: string,
  message: string,
  now: number,
): DeploymentCondition {
  const time = rfc3339(now);
  return { type, status, lastUpdateTime: time, lastTransitionTime: time, reason, message };
}

/**
 * Sets a condition unless one with the same status and reason is there; a status that does not
 * change keeps its lastTransitionTime.
 */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status && current.lastTransitionTime !== undefined)
    next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

/** A ReplicaSet's ReplicaFailure as a Deployment condition. */
function fromReplicaSetCondition(c: ReplicaSetCondition): DeploymentCondition {
  return {
    type: c.type,
    status: c.status,
    ...(c.lastTransitionTime !== undefined && {
      lastUpdateTime: c.lastTransitionTime,
      lastTransitionTime: c.lastTransitionTime,
    }),
    ...(c.reason !== undefined && { reason: c.reason }),
    ...(c.message !== undefined && { message: c.message }),
  };
}

/** ReplicaFailure conditions of the new ReplicaSet, else of any. */
export function replicaFailures(
  all: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
): DeploymentCondition[] {
  const failures = (rs: ReplicaSet): DeploymentCondition[] =>
    (rs.status?.conditions ?? []).filter((c) => c.type === replicaFailure).map(fromReplicaSetCondition);
  const own = newRS ? failures(newRS) : [];
  return own.length > 0 ? own : all.flatMap(failures);
}

/** Counts from the ReplicaSets' status, and the Available condition (kube's calculateStatus). */
export function calculateStatus(
  all: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  now: number,
): DeploymentStatus {
  const available = sum(all.map((rs) => rs.status?.availableReplicas ?? 0));
  const total = sum(all.map(specReplicas));
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sum(all.map((rs) => rs.status?.replicas ?? 0)),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(all.map((rs) => rs.status?.readyReplicas ?? 0)),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    ...(d.status?.collisionCount !== undefined && { collisionCount: d.status.collisionCount }),
    conditions: (d.status?.conditions ?? []).map((c) => ({ ...c })),
  };
  if (available >= desiredOf(d) - maxUnavailable(d))
    setCondition(
      status,
      newCondition(
        'Available',
        'True',
        reasons.minimumReplicasAvailable,
        'Deployment has minimum availability.',
        now,
      ),
    );
  else
    setCondition(
      status,
      newCondition(
        'Available',
        'False',
        reasons.minimumReplicasUnavailable,
        'Deployment does not have minimum availability.',
        now,
      ),
    );
  return status;
}

/** Every replica updated and available, and the latest spec observed. */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const desired = desiredOf(d);
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** More updated, ready or available replicas than last time, or fewer old ones. */
export function deploymentProgressing(d: Deployment, status: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** No progress reported within progressDeadlineSeconds of the Progressing condition's last update. */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const condition = getCondition(status, 'Progressing');
  if (!condition) return false;
  if (condition.reason === reasons.newReplicaSetAvailable) return false;
  if (condition.reason === reasons.progressDeadlineExceeded) return true;
  return (parseTime(condition.lastUpdateTime) ?? 0) + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now;
}
