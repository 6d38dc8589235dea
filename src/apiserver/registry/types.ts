/**
 * The resource types one logical cluster serves: the built-in kinds plus those its CRDs define.
 */
import type { KubeObject } from '../../api/meta.ts';
import { builtinResources, type ResourceType } from '../../api/resources.ts';
import type { Schema, SchemaCursor } from '../../api/schema.ts';
import { builtinSchemaCursor } from '../../api/builtin-schemas.ts';
import { coreEventToEvents, eventsEventToCore } from '../conversion.ts';
import type { PrinterColumn } from '../printing/table.ts';

export type { PrinterColumn };

/**
 * A type whose objects another group's resource of the same plural stores, in that resource's
 * version: events.k8s.io/v1 Events are core/v1 Events, as in kube-apiserver.
 */
export interface SharedStorage {
  /** The group of the resource that stores the objects. */
  group: string;
  toStorage(object: KubeObject): KubeObject;
  fromStorage(object: KubeObject): KubeObject;
}

export interface ServedType extends ResourceType {
  /** Schema used for validation, pruning, strategic merge and server-side apply. */
  schema: SchemaCursor | undefined;
  /** The version objects are stored in (CRDs with several versions share one storage version). */
  storageVersion: string;
  /** Set when another resource stores this type's objects. */
  sharedStorage?: SharedStorage;
  crd?: {
    name: string;
    openApiSchema: Schema | undefined;
    printerColumns: PrinterColumn[];
    preserveUnknownFields: boolean;
  };
}

/** Built-in types served from another resource's storage, by `group/kind`. */
const sharedStorage: Record<string, SharedStorage> = {
  'events.k8s.io/Event': { group: '', toStorage: eventsEventToCore, fromStorage: coreEventToEvents },
};

function builtinServed(type: ResourceType): ServedType {
  const shared = sharedStorage[`${type.group}/${type.kind}`];
  return {
    ...type,
    schema: type.schemaName === undefined ? undefined : builtinSchemaCursor(type.schemaName),
    storageVersion: type.version,
    ...(shared !== undefined && { sharedStorage: shared }),
  };
}

const builtins: readonly ServedType[] = builtinResources.map(builtinServed);

export class TypeRegistry {
  #byPath = new Map<string, ServedType>();
  #crdTypes = new Map<string, ServedType[]>();

  constructor() {
    for (const t of builtins) this.#byPath.set(pathOf(t.group, t.version, t.plural), t);
  }

  lookup(group: string, version: string, plural: string): ServedType | undefined {
    return this.#byPath.get(pathOf(group, version, plural));
  }

  /** The served type for a kind in a group-version, for objects that name apiVersion and kind. */
  lookupKind(group: string, version: string, kind: string): ServedType | undefined {
    for (const t of this.#byPath.values())
      if (t.group === group && t.version === version && t.kind === kind) return t;
    return undefined;
  }

  /** Every served type, built-ins first. */
  all(): ServedType[] {
    return [...this.#byPath.values()];
  }

  /** One type per stored resource (a CRD's versions share storage): what namespace deletion walks. */
  storedTypes(): ServedType[] {
    return this.all().filter((t) => t.version === t.storageVersion && !t.virtual && !t.sharedStorage);
  }

  setCrd(crdName: string, types: ServedType[]): void {
    this.removeCrd(crdName);
    this.#crdTypes.set(crdName, types);
    for (const t of types) this.#byPath.set(pathOf(t.group, t.version, t.plural), t);
  }

  removeCrd(crdName: string): void {
    for (const t of this.#crdTypes.get(crdName) ?? [])
      this.#byPath.delete(pathOf(t.group, t.version, t.plural));
    this.#crdTypes.delete(crdName);
  }

  crdTypes(crdName: string): ServedType[] {
    return this.#crdTypes.get(crdName) ?? [];
  }
}

function pathOf(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

/**
 * The storage key of an object: `/<cluster>/<group>/<plural>/<namespace>/<name>`, with the group of
 * the resource that stores it.
 */
export function objectKey(cluster: string, type: ServedType, namespace: string, name: string): string {
  return type.namespaced
    ? `${resourcePrefix(cluster, type)}${namespace}/${name}`
    : `${resourcePrefix(cluster, type)}${name}`;
}

/** The key prefix of a collection: all namespaces when namespace is empty. */
export function collectionPrefix(cluster: string, type: ServedType, namespace: string): string {
  const base = resourcePrefix(cluster, type);
  return type.namespaced && namespace !== '' ? `${base}${namespace}/` : base;
}

function resourcePrefix(cluster: string, type: ServedType): string {
  return `/${cluster}/${(type.sharedStorage?.group ?? type.group) || 'core'}/${type.plural}/`;
}
