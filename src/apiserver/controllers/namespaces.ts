/**
 * Namespace lifecycle: a deleted namespace is Terminating until everything in it is gone, then its
 * `kubernetes` finalizer is removed and it disappears. New namespaces get a `default` ServiceAccount.
 */
import type { LogicalCluster } from '../cluster.ts';
import type { StorageEvent } from '../storage/storage.ts';
import { clusterOfKey, systemContext } from './system.ts';

const manager = 'kube-controller-manager';

export class NamespaceController {
  readonly #clusterOf: (name: string) => LogicalCluster | undefined;
  /** cluster/namespace pairs being emptied */
  #terminating = new Map<string, { cluster: LogicalCluster; name: string }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(clusterOf: (name: string) => LogicalCluster | undefined) {
    this.#clusterOf = clusterOf;
  }

  handle = (event: StorageEvent): void => {
    const cluster = this.#clusterOf(clusterOfKey(event.key));
    if (!cluster) return;
    const object = event.value;
    if (object.kind === 'Namespace' && object.apiVersion === 'v1') {
      const name = object.metadata.name ?? '';
      if (event.type === 'DELETED') {
        this.#terminating.delete(`${cluster.name}/${name}`);
        return;
      }
      if (object.metadata.deletionTimestamp !== undefined) {
        this.#terminating.set(`${cluster.name}/${name}`, { cluster, name });
        this.#drain(cluster, name);
      } else if (event.type === 'ADDED') {
        this.#ensureDefaultServiceAccount(cluster, name);
      }
      return;
    }
    const ns = object.metadata.namespace;
    if (event.type === 'DELETED' && ns && this.#terminating.has(`${cluster.name}/${ns}`))
      this.#drain(cluster, ns);
  };

  /** Retries namespaces still waiting on finalizers. */
  start(intervalMs = 1000): void {
    this.#timer = setInterval(() => {
      for (const { cluster, name } of this.#terminating.values()) this.#drain(cluster, name);
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #drain(cluster: LogicalCluster, name: string): void {
    const ctx = systemContext(manager);
    let remaining = 0;
    for (const type of cluster.types.storedTypes()) {
      if (!type.namespaced) continue;
      const items = cluster.store.storage.list(
        `/${cluster.name}/${type.group || 'core'}/${type.plural}/${name}/`,
      ).items;
      for (const item of items) {
        remaining++;
        if (item.value.metadata.deletionTimestamp !== undefined) continue;
        try {
          cluster.store.delete(ctx, type, name, item.value.metadata.name ?? '', {
            propagationPolicy: 'Background',
            gracePeriodSeconds: 0,
          });
        } catch (error) {
          if ((error as { code?: string }).code !== 'KEELSON_NOT_FOUND') throw error;
        }
      }
    }
    if (remaining > 0) {
      const left = cluster.types
        .storedTypes()
        .some(
          (t) =>
            t.namespaced &&
            cluster.store.storage.count(`/${cluster.name}/${t.group || 'core'}/${t.plural}/${name}/`) > 0,
        );
      if (left) return;
    }
    const nsType = cluster.type('', 'v1', 'namespaces');
    const stored = cluster.store.storage.get(cluster.store.key(nsType, '', name));
    if (!stored) return;
    const ns = stored.value;
    const spec = (ns['spec'] ?? {}) as { finalizers?: string[] };
    if ((spec.finalizers ?? []).includes('kubernetes')) {
      cluster.store.update(
        ctx,
        nsType,
        '',
        name,
        { ...ns, spec: { ...spec, finalizers: spec.finalizers?.filter((f) => f !== 'kubernetes') } },
        'finalize',
      );
    }
  }

  #ensureDefaultServiceAccount(cluster: LogicalCluster, namespace: string): void {
    const type = cluster.type('', 'v1', 'serviceaccounts');
    if (cluster.store.storage.get(cluster.store.key(type, namespace, 'default'))) return;
    try {
      cluster.store.create(systemContext(manager), type, namespace, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default' },
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'KEELSON_ALREADY_EXISTS' && code !== 'KEELSON_FORBIDDEN' && code !== 'KEELSON_NOT_FOUND')
        throw error;
    }
  }
}
