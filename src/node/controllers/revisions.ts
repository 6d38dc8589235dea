/**
 * ControllerRevisions as the StatefulSet and DaemonSet controllers keep them (kube's
 * pkg/controller/history): each records a pod template as a strategic-merge patch, is named
 * `<parent>-<hash>`, is controlled by its parent, and carries a revision number that only grows.
 * Imported by the statefulset and daemonset folders.
 */
import type { KubeObject } from '../../api/meta.ts';
import { isAlreadyExists, refOf, type KubeClient } from '../../runtime/client.ts';
import type { Informer } from '../../runtime/informer.ts';
import {
  canonicalJson,
  controllerRef,
  fnv32a,
  isControlledBy,
  safeEncode,
  type PodTemplate,
} from './pods.ts';

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}

/** kube's getPatch: the pod template as a strategic-merge patch that replaces it whole. */
export function templatePatch(template: PodTemplate): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(template), $patch: 'replace' } } };
}

/** The pod template a revision records (kube's ApplyRevision, for the template it replaces). */
export function templateOfRevision(revision: ControllerRevision): PodTemplate | undefined {
  const template = (revision.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec
    ?.template;
  if (!template) return undefined;
  const { $patch: _patch, ...rest } = template;
  return structuredClone(rest);
}

/** kube's HashControllerRevision: fnv of the data and the collision count, safe-encoded. */
export function hashRevision(data: unknown, collisionCount?: number): string {
  let text = canonicalJson(data);
  if (collisionCount !== undefined) text += String(collisionCount);
  return safeEncode(String(fnv32a(text)));
}

/** kube's ControllerRevisionName: the parent's name (cut to 223 characters) and the hash. */
export function revisionName(parent: string, hash: string): string {
  return `${parent.length > 223 ? parent.slice(0, 223) : parent}-${hash}`;
}

/** Oldest first: by revision number, then by name. */
export function byRevision(a: ControllerRevision, b: ControllerRevision): number {
  return a.revision - b.revision || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** The revisions `parent` controls, from an informer with the `controller-uid` index. */
export function revisionsOf(
  revisions: Informer<ControllerRevision>,
  parent: KubeObject,
): ControllerRevision[] {
  return revisions
    .byIndex('controller-uid', parent.metadata.uid ?? '')
    .filter((r) => r.metadata.namespace === parent.metadata.namespace);
}

/** The number the next revision gets: one above the highest of `revisions`. */
export function nextRevisionNumber(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision), 0) + 1;
}

/**
 * kube's NewControllerRevision: revision number `revision` of `parent`, recording `data`, named
 * `name` (`<parent>-<hash>`), labelled with the template's labels and `hashLabel: hash`.
 */
export function newRevision(
  parent: KubeObject & { spec: { template: PodTemplate } },
  options: {
    name: string;
    hashLabel: string;
    hash: string;
    data: unknown;
    revision: number;
    annotations?: Record<string, string> | undefined;
  },
): ControllerRevision {
  const { name, hashLabel, hash, data, revision, annotations } = options;
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: parent.metadata.namespace ?? 'default',
      labels: { ...parent.spec.template.metadata?.labels, [hashLabel]: hash },
      ...(annotations && { annotations: { ...annotations } }),
      ownerReferences: [controllerRef(parent)],
    },
    data,
    revision,
  };
}

/**
 * Creates `revision`; when its name is taken, returns the revision already there if it records
 * the same data for the same parent. Undefined means a hash collision: another template has the
 * name, and the caller retries with a higher collisionCount.
 */
export async function createRevision(
  client: KubeClient,
  parent: KubeObject,
  revision: ControllerRevision,
): Promise<ControllerRevision | undefined> {
  try {
    return await client.create(revision);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const existing = await client.get<ControllerRevision>(refOf(revision));
    if (canonicalJson(existing.data) === canonicalJson(revision.data) && isControlledBy(existing, parent))
      return existing;
    return undefined;
  }
}
