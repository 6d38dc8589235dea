/**
 * What a Sync does to the objects it applies, shared by the Sync controller and `keelson diff`:
 * Flux's object ids (`<namespace>_<name>_<group>_<kind>`), the ownership labels on everything a Sync
 * applies, the inventory in its status, namespaces, and postBuild variables. No I/O: readers are
 * handed in.
 */
import type { InventoryEntry, Sync } from './crds/sync.ts';
import { apiVersionOf, splitApiVersion, type KubeObject } from './meta.ts';

/** The field manager of every write a Sync makes. */
export const fieldManager = 'keelson';
export const nameLabel = 'sync.keelson.dev/name';
export const namespaceLabel = 'sync.keelson.dev/namespace';
/** Flux's opt-out from garbage collection, honoured as is. */
export const pruneAnnotation = 'kustomize.toolkit.fluxcd.io/prune';
/** Keys a `spec.target.kubeConfig` Secret is read from when no key is given, in order (Flux's). */
export const kubeConfigSecretKeys: readonly string[] = ['value', 'value.yaml'];

export function objectId(object: KubeObject): string {
  const { group } = splitApiVersion(object.apiVersion);
  return `${object.metadata.namespace ?? ''}_${object.metadata.name ?? ''}_${group}_${object.kind}`;
}

export function entryOf(object: KubeObject): InventoryEntry {
  return { id: objectId(object), v: splitApiVersion(object.apiVersion).version };
}

/** The object an inventory entry names (Kubernetes names hold no `_`, so the split is exact). */
export function refOfEntry(entry: InventoryEntry): {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
} {
  const [namespace = '', name = '', group = '', kind = ''] = entry.id.split('_');
  return {
    apiVersion: apiVersionOf(group, entry.v),
    kind,
    name,
    ...(namespace !== '' && { namespace }),
  };
}

/** Whether `object` carries the ownership labels of `sync`. */
export function isOwnedBy(object: KubeObject, sync: Sync): boolean {
  const labels = object.metadata.labels ?? {};
  return labels[nameLabel] === sync.metadata.name && labels[namespaceLabel] === sync.metadata.namespace;
}

/** The Sync key (`namespace/name`) an object's ownership labels name, if any. */
export function ownerKeyOf(object: KubeObject): string | undefined {
  const labels = object.metadata.labels ?? {};
  const name = labels[nameLabel];
  const namespace = labels[namespaceLabel];
  return name === undefined || namespace === undefined ? undefined : `${namespace}/${name}`;
}

/** Inventory entries of `previous` not in `next`, in reverse apply order (dependents first). */
export function staleEntries(previous: InventoryEntry[], next: InventoryEntry[]): InventoryEntry[] {
  const keep = new Set(next.map((e) => e.id));
  return previous.filter((e) => !keep.has(e.id)).reverse();
}

/**
 * The objects as they are applied: ownership labels added, and the namespace set the way Flux does
 * (targetNamespace on every namespaced object, `default` when none is given, none on cluster-scoped
 * kinds). `namespaced` says whether a kind is namespaced on the target; undefined (a CRD of this
 * very build, not served yet) keeps what the object was given.
 */
export async function prepareObjects(
  sync: Sync,
  built: KubeObject[],
  namespaced: (apiVersion: string, kind: string) => Promise<boolean | undefined>,
): Promise<KubeObject[]> {
  return Promise.all(
    built.map(async (original) => {
      const object = structuredClone(original);
      object.metadata.labels = {
        ...object.metadata.labels,
        [nameLabel]: sync.metadata.name ?? '',
        [namespaceLabel]: sync.metadata.namespace ?? '',
      };
      const scoped = await namespaced(object.apiVersion, object.kind);
      if (scoped === false) delete object.metadata.namespace;
      else if (sync.spec.targetNamespace !== undefined) object.metadata.namespace = sync.spec.targetNamespace;
      else if (scoped === true) object.metadata.namespace ??= 'default';
      return object;
    }),
  );
}

/** A `postBuild.substituteFrom` entry that must exist and does not. */
export class MissingSubstitutionSourceError extends Error {
  readonly code = 'KEELSON_NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'MissingSubstitutionSourceError';
  }
}

/**
 * The postBuild variables of `sync`, Flux's order: each `substituteFrom` in turn (Secret values
 * decoded), then `substitute` over them. `read` fetches a ConfigMap or Secret of the Sync's
 * namespace (undefined when absent). Undefined when the Sync has no postBuild.
 */
export async function substitutionVariables(
  sync: Sync,
  read: (
    kind: 'ConfigMap' | 'Secret',
    name: string,
  ) => Promise<{ data?: Record<string, string> } | undefined>,
): Promise<Record<string, string> | undefined> {
  const postBuild = sync.spec.postBuild;
  if (postBuild === undefined) return undefined;
  const variables: Record<string, string> = {};
  for (const from of postBuild.substituteFrom ?? []) {
    const found = await read(from.kind, from.name);
    if (found === undefined) {
      if (from.optional === true) continue;
      throw new MissingSubstitutionSourceError(
        `postBuild.substituteFrom: ${from.kind} ${sync.metadata.namespace ?? ''}/${from.name} not found`,
      );
    }
    for (const [name, value] of Object.entries(found.data ?? {})) {
      variables[name] = from.kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value;
    }
  }
  Object.assign(variables, postBuild.substitute ?? {});
  return variables;
}
