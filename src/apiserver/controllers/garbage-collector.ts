/**
 * The garbage collector: ownerReferences across one logical cluster. Background: dependents whose
 * owners are all gone are deleted (a dangling reference is dropped while other owners remain).
 * Foreground: an owner with the foregroundDeletion finalizer waits until its blocking dependents are
 * gone. Orphan: an owner with the orphan finalizer strips itself from its dependents' references.
 */
import type { KubeObject, OwnerReference } from '../../api/meta.ts';
import { splitApiVersion } from '../../api/meta.ts';
import type { LogicalCluster } from '../cluster.ts';
import type { Storage, StorageEvent } from '../storage/storage.ts';
import type { ServedType } from '../registry/types.ts';
import { clusterOfKey, systemContext } from './system.ts';

const manager = 'kube-controller-manager';

export class GarbageCollector {
  /** owner uid → keys of dependents */
  #dependents = new Map<string, Set<string>>();
  /** dependent key → owner uids it is indexed under */
  #owners = new Map<string, string[]>();
  readonly #storage: Storage;
  readonly #clusterOf: (name: string) => LogicalCluster | undefined;

  constructor(storage: Storage, clusterOf: (name: string) => LogicalCluster | undefined) {
    this.#storage = storage;
    this.#clusterOf = clusterOf;
  }

  /** Indexes every stored object's owner references (at start). */
  index(): void {
    for (const item of this.#storage.list('/').items) this.#reindex(item.key, item.value, false);
  }

  handle = (event: StorageEvent): void => {
    const cluster = this.#clusterOf(clusterOfKey(event.key));
    if (!cluster) return;
    this.#reindex(event.key, event.value, event.type === 'DELETED');
    const object = event.value;
    const uid = object.metadata.uid ?? '';
    if (event.type === 'DELETED') {
      for (const key of [...(this.#dependents.get(uid) ?? [])]) this.#collect(cluster, key);
      this.#dependents.delete(uid);
      // a blocking dependent went away: its foreground owners may finish now
      for (const ref of object.metadata.ownerReferences ?? [])
        this.#finishForeground(cluster, ref, object.metadata.namespace ?? '');
      return;
    }
    if (object.metadata.deletionTimestamp === undefined) return;
    const finalizers = object.metadata.finalizers ?? [];
    if (finalizers.includes('orphan')) this.#orphan(cluster, event.key, object);
    else if (finalizers.includes('foregroundDeletion')) this.#foreground(cluster, event.key, object);
  };

  #reindex(key: string, object: KubeObject, deleted: boolean): void {
    for (const uid of this.#owners.get(key) ?? []) this.#dependents.get(uid)?.delete(key);
    this.#owners.delete(key);
    const refs = deleted ? [] : (object.metadata.ownerReferences ?? []);
    if (refs.length === 0) return;
    const uids = refs.map((r) => r.uid);
    this.#owners.set(key, uids);
    for (const uid of uids) {
      let set = this.#dependents.get(uid);
      if (!set) this.#dependents.set(uid, (set = new Set()));
      set.add(key);
    }
  }

  #ownerExists(cluster: LogicalCluster, ref: OwnerReference, namespace: string): boolean {
    const type = typeOf(cluster, ref);
    if (!type) return false;
    const owner = this.#storage.get(cluster.store.key(type, type.namespaced ? namespace : '', ref.name));
    return owner !== undefined && owner.value.metadata.uid === ref.uid;
  }

  /** A dependent whose owner went away: delete it, or drop the dangling reference. */
  #collect(cluster: LogicalCluster, key: string): void {
    const stored = this.#storage.get(key);
    if (!stored) return;
    const dependent = stored.value;
    const namespace = dependent.metadata.namespace ?? '';
    const refs = dependent.metadata.ownerReferences ?? [];
    const remaining = refs.filter(
      (r) => this.#ownerExists(cluster, r, namespace) || this.#ownerDeletingForeground(cluster, r, namespace),
    );
    const type = typeOf(cluster, dependent);
    if (!type) return;
    if (
      remaining.length > 0 &&
      remaining.some(
        (r) =>
          this.#ownerExists(cluster, r, namespace) && !this.#ownerDeletingForeground(cluster, r, namespace),
      )
    ) {
      if (remaining.length !== refs.length) {
        cluster.store.update(systemContext(manager), type, namespace, dependent.metadata.name ?? '', {
          ...dependent,
          metadata: { ...dependent.metadata, ownerReferences: remaining },
        });
      }
      return;
    }
    try {
      cluster.store.delete(systemContext(manager), type, namespace, dependent.metadata.name ?? '', {
        propagationPolicy: 'Background',
      });
    } catch (error) {
      if ((error as { code?: string }).code !== 'KEELSON_NOT_FOUND') throw error;
    }
  }

  #ownerDeletingForeground(cluster: LogicalCluster, ref: OwnerReference, namespace: string): boolean {
    const type = typeOf(cluster, ref);
    if (!type) return false;
    const owner = this.#storage.get(cluster.store.key(type, type.namespaced ? namespace : '', ref.name));
    return (
      owner !== undefined &&
      owner.value.metadata.uid === ref.uid &&
      (owner.value.metadata.finalizers ?? []).includes('foregroundDeletion')
    );
  }

  #orphan(cluster: LogicalCluster, key: string, owner: KubeObject): void {
    const uid = owner.metadata.uid ?? '';
    for (const depKey of [...(this.#dependents.get(uid) ?? [])]) {
      const stored = this.#storage.get(depKey);
      if (!stored) continue;
      const dep = stored.value;
      const type = typeOf(cluster, dep);
      if (!type) continue;
      const refs = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      const meta: KubeObject['metadata'] = { ...dep.metadata, ownerReferences: refs };
      if (refs.length === 0) delete meta.ownerReferences;
      cluster.store.update(
        systemContext(manager),
        type,
        dep.metadata.namespace ?? '',
        dep.metadata.name ?? '',
        { ...dep, metadata: meta },
      );
    }
    this.#removeFinalizer(cluster, key, 'orphan');
  }

  #foreground(cluster: LogicalCluster, key: string, owner: KubeObject): void {
    const uid = owner.metadata.uid ?? '';
    for (const depKey of [...(this.#dependents.get(uid) ?? [])]) {
      const dep = this.#storage.get(depKey)?.value;
      if (dep && dep.metadata.deletionTimestamp === undefined) this.#collect(cluster, depKey);
    }
    this.#finishForegroundKey(cluster, key);
  }

  #finishForeground(cluster: LogicalCluster, ref: OwnerReference, namespace: string): void {
    const type = typeOf(cluster, ref);
    if (!type) return;
    this.#finishForegroundKey(cluster, cluster.store.key(type, type.namespaced ? namespace : '', ref.name));
  }

  #finishForegroundKey(cluster: LogicalCluster, key: string): void {
    const owner = this.#storage.get(key)?.value;
    if (!owner || !(owner.metadata.finalizers ?? []).includes('foregroundDeletion')) return;
    const uid = owner.metadata.uid ?? '';
    const blocking = [...(this.#dependents.get(uid) ?? [])].some((depKey) => {
      const dep = this.#storage.get(depKey)?.value;
      return (
        dep?.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion === true) ?? false
      );
    });
    if (!blocking) this.#removeFinalizer(cluster, key, 'foregroundDeletion');
  }

  #removeFinalizer(cluster: LogicalCluster, key: string, finalizer: string): void {
    const stored = this.#storage.get(key);
    if (!stored) return;
    const obj = stored.value;
    const type = typeOf(cluster, obj);
    if (!type) return;
    const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    cluster.store.update(
      systemContext(manager),
      type,
      obj.metadata.namespace ?? '',
      obj.metadata.name ?? '',
      { ...obj, metadata: { ...obj.metadata, finalizers } },
    );
  }
}

/** The type of an object or of what an owner reference names; another version of it if need be. */
function typeOf(cluster: LogicalCluster, ref: { apiVersion: string; kind: string }): ServedType | undefined {
  const { group, version } = splitApiVersion(ref.apiVersion);
  return (
    cluster.types.lookupKind(group, version, ref.kind) ??
    cluster.types.all().find((t) => t.group === group && t.kind === ref.kind)
  );
}
