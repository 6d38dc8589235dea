/**
 * Establishes CustomResourceDefinitions: registers their types at once, then reports NamesAccepted
 * and Established; on deletion removes every object of the CRD, then its finalizer.
 */
import type { Condition, KubeObject } from '../../api/meta.ts';
import type { LogicalCluster } from '../cluster.ts';
import { typesOfCrd } from '../custom-resources.ts';
import { crdCleanupFinalizer } from '../registry/hooks.ts';
import { timestamp } from '../registry/context.ts';
import type { StorageEvent } from '../storage/storage.ts';
import { clusterOfKey, systemContext } from './system.ts';

const manager = 'kube-apiserver';

export function crdController(clusterOf: (name: string) => LogicalCluster | undefined) {
  return (event: StorageEvent): void => {
    if (
      event.value.kind !== 'CustomResourceDefinition' ||
      event.value.apiVersion !== 'apiextensions.k8s.io/v1'
    )
      return;
    const cluster = clusterOf(clusterOfKey(event.key));
    if (!cluster) return;
    const name = event.value.metadata.name ?? '';
    if (event.type === 'DELETED') {
      cluster.types.removeCrd(name);
      return;
    }
    const type = cluster.type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    const current = cluster.store.storage.get(cluster.store.key(type, '', name));
    if (!current || String(current.modRevision) !== event.value.metadata.resourceVersion) return; // a newer event follows
    const crd = current.value;
    if (crd.metadata.deletionTimestamp !== undefined) {
      cleanUp(cluster, crd);
      return;
    }
    const conflict = namesConflict(cluster, crd);
    if (!conflict) cluster.types.setCrd(name, typesOfCrd(crd));
    const status = establishedStatus(crd, conflict);
    if (JSON.stringify(status) !== JSON.stringify(crd['status'])) {
      cluster.store.update(systemContext(manager), type, '', name, { ...crd, status }, 'status');
    }
  };
}

function namesConflict(cluster: LogicalCluster, crd: KubeObject): string | undefined {
  const spec = crd['spec'] as { group?: string; names?: { plural?: string; kind?: string } } | undefined;
  for (const t of cluster.types.all()) {
    if (t.group !== spec?.group || t.crd?.name === crd.metadata.name) continue;
    if (t.plural === spec.names?.plural) return `"${t.plural}" is already in use`;
    if (t.kind === spec.names?.kind) return `"${t.kind}" is already in use`;
  }
  return undefined;
}

function establishedStatus(crd: KubeObject, conflict: string | undefined): Record<string, unknown> {
  const spec = (crd['spec'] ?? {}) as Record<string, unknown>;
  const names = (spec['names'] ?? {}) as Record<string, unknown>;
  const old = (crd['status'] ?? {}) as Record<string, unknown>;
  const oldConditions = (old['conditions'] ?? []) as Condition[];
  const now = timestamp(new Date());
  const condition = (
    type: string,
    status: Condition['status'],
    reason: string,
    message: string,
  ): Condition => {
    const previous = oldConditions.find((c) => c.type === type);
    return {
      type,
      status,
      lastTransitionTime: previous?.status === status ? (previous.lastTransitionTime ?? now) : now,
      reason,
      message,
    };
  };
  const kind = String(names['kind'] ?? '');
  const versions = (spec['versions'] ?? []) as Array<{ name: string; storage?: boolean }>;
  const storage = versions.find((v) => v.storage)?.name;
  const stored = new Set([
    ...((old['storedVersions'] as string[] | undefined) ?? []),
    ...(storage ? [storage] : []),
  ]);
  return {
    conditions: conflict
      ? [
          condition('NamesAccepted', 'False', 'MultipleNamesConflict', conflict),
          condition('Established', 'False', 'NotAccepted', 'not all names are accepted'),
        ]
      : [
          condition('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'),
          condition('Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'),
        ],
    acceptedNames: conflict
      ? (old['acceptedNames'] ?? { plural: '', kind: '' })
      : {
          plural: names['plural'],
          singular: names['singular'] ?? kind.toLowerCase(),
          ...(names['shortNames'] !== undefined && { shortNames: names['shortNames'] }),
          kind,
          listKind: names['listKind'] ?? `${kind}List`,
          ...(names['categories'] !== undefined && { categories: names['categories'] }),
        },
    storedVersions: [...stored],
  };
}

function cleanUp(cluster: LogicalCluster, crd: KubeObject): void {
  const name = crd.metadata.name ?? '';
  const types = cluster.types.crdTypes(name);
  const storageType = types.find((t) => t.version === t.storageVersion) ?? types[0];
  if (storageType) {
    const prefix = `/${cluster.name}/${storageType.group}/${storageType.plural}/`;
    for (const item of cluster.store.storage.list(prefix).items) cluster.store.storage.delete(item.key);
  }
  cluster.types.removeCrd(name);
  const type = cluster.type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  const finalizers = (crd.metadata.finalizers ?? []).filter((f) => f !== crdCleanupFinalizer);
  if (finalizers.length !== (crd.metadata.finalizers ?? []).length) {
    cluster.store.update(systemContext(manager), type, '', name, {
      ...crd,
      metadata: { ...crd.metadata, finalizers },
    });
  }
}
