/**
 * Object ids (Flux's `<namespace>_<name>_<group>_<kind>`), the ownership labels Keelson puts on
 * everything a Sync applies, and the inventory in status. No I/O.
 */
import type { InventoryEntry, Sync } from '../../api/crds/index.ts';
import { apiVersionOf, splitApiVersion, type KubeObject } from '../../api/meta.ts';
import type { ObjectRef } from '../../runtime/client.ts';

/** The field manager of every write a Sync makes. */
export const fieldManager = 'keelson';
export const nameLabel = 'sync.keelson.dev/name';
export const namespaceLabel = 'sync.keelson.dev/namespace';
/** Flux's opt-out from garbage collection, honoured as is. */
export const pruneAnnotation = 'kustomize.toolkit.fluxcd.io/prune';

export function objectId(object: KubeObject): string {
  const { group } = splitApiVersion(object.apiVersion);
  return `${object.metadata.namespace ?? ''}_${object.metadata.name ?? ''}_${group}_${object.kind}`;
}

export function entryOf(object: KubeObject): InventoryEntry {
  return { id: objectId(object), v: splitApiVersion(object.apiVersion).version };
}

/** The reference an inventory entry names (Kubernetes names hold no `_`, so the split is exact). */
export function refOfEntry(entry: InventoryEntry): ObjectRef {
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
