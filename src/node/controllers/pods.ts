/**
 * Pod helpers the workload controllers share, with kube-controller-manager's definitions of
 * ready, available and active, and its pod-template-hash.
 */
import { createHash } from 'node:crypto';
import type { KubeObject, OwnerReference } from '../../api/meta.ts';
import type { ObjectRef } from '../../runtime/client.ts';

/** A Pod as the controllers read it; fields beyond these stay untyped. */
export interface Pod extends KubeObject {
  spec?: Record<string, unknown> & { nodeName?: string; restartPolicy?: string };
  status?: {
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
    conditions?: { type: string; status: string; lastTransitionTime?: string; reason?: string }[];
    containerStatuses?: Record<string, unknown>[];
    podIP?: string;
    reason?: string;
    message?: string;
    [key: string]: unknown;
  };
}

export interface PodTemplate {
  metadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
}

/** The reference the client takes for a pod. */
export function podRef(pod: Pod): ObjectRef {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name ?? '',
  };
}

/** The ownerReference a controller puts on what it creates. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** True when `object` is controlled by `owner` (same uid). */
export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  return (
    object.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === owner.metadata.uid) ??
    false
  );
}

/** A pod not yet terminated and not being deleted counts towards replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined;
}

export function podReadyCondition(pod: Pod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds (kube's podutil.IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = podReadyCondition(pod);
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
  return since + minReadySeconds * 1000 <= now;
}

/** Builds a pod from a template, as kube's controller.GetPodFromTemplate does. */
export function podFromTemplate(
  template: PodTemplate,
  owner: KubeObject,
  options: { name?: string; generateName?: string; labels?: Record<string, string> } = {},
): Pod {
  const labels = { ...template.metadata?.labels, ...options.labels };
  const metadata: Pod['metadata'] = {
    namespace: owner.metadata.namespace ?? 'default',
    labels,
    ownerReferences: [controllerRef(owner)],
  };
  if (template.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations };
  if (options.name !== undefined) metadata.name = options.name;
  else metadata.generateName = options.generateName ?? `${owner.metadata.name ?? ''}-`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: structuredClone(template.spec ?? {}),
  };
}

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** kube's rand.SafeEncodeString: maps each byte onto an alphabet without vowels or look-alikes. */
export function safeEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += safeAlphabet[text.charCodeAt(i) % safeAlphabet.length];
  return out;
}

/** fnv-1a, 32 bits. */
export function fnv32a(data: string): number {
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(data, 'utf8');
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Canonical JSON: object keys sorted, so equal templates hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The pod-template-hash of a template (kube's controller.ComputeHash: fnv32a of the template and
 * the collision count, safe-encoded). Values differ from kube's (which hashes Go's printing of the
 * struct) but are stable, short and label-safe in the same way.
 */
export function computeHash(template: PodTemplate, collisionCount?: number): string {
  let data = canonicalJson(template);
  if (collisionCount !== undefined) data += `#${collisionCount}`;
  return safeEncode(String(fnv32a(data)));
}

/** A short stable digest, for ControllerRevision names and the like. */
export function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 10);
}

/** The label selector of a workload as the `labelSelector` query string. */
export function selectorString(selector: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** Index function: the uid of the controlling owner. Register as `controller-uid`. */
export function byControllerUid(object: KubeObject): string[] {
  const ref = object.metadata.ownerReferences?.find((r) => r.controller === true);
  return ref ? [ref.uid] : [];
}
