/**
 * Structural schemas: the OpenAPI v3 subset Kubernetes uses for built-in kinds and CRDs, with the
 * `x-kubernetes-*` markers that strategic merge patch, server-side apply, pruning and defaulting read.
 * Built-in schemas reference each other by `$ref: '#/components/schemas/NAME'`; a SchemaCursor carries
 * the components so navigation can follow them. CRD schemas have no refs.
 */

export interface Schema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  multipleOf?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
  [extension: `x-${string}`]: unknown;
}

export type SchemaComponents = Record<string, Schema>;

/** A schema with the components its refs resolve against. */
export interface SchemaCursor {
  schema: Schema;
  components: SchemaComponents;
}

const refPrefix = '#/components/schemas/';

/** Follows `$ref` (and a lone `allOf: [{$ref}]`, as the v3 spec writes refs with siblings). */
export function resolve(cursor: SchemaCursor): SchemaCursor {
  let schema = cursor.schema;
  for (let depth = 0; depth < 32; depth++) {
    const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0]?.$ref : undefined);
    if (ref === undefined) break;
    const target = cursor.components[ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : ref];
    if (target === undefined) throw new Error(`schema reference ${ref} does not resolve`);
    // markers on the referring schema win over the target's, as in the OpenAPI v3 spec
    const { $ref: _ref, allOf: _allOf, ...siblings } = schema;
    schema = { ...target, ...siblings };
  }
  return { schema, components: cursor.components };
}

/** The schema of a field of an object, or undefined when the schema says nothing about it. */
export function fieldSchema(cursor: SchemaCursor, field: string): SchemaCursor | undefined {
  const resolved = resolve(cursor);
  const property = resolved.schema.properties?.[field];
  if (property !== undefined) return { schema: property, components: cursor.components };
  const extra = resolved.schema.additionalProperties;
  if (typeof extra === 'object') return { schema: extra, components: cursor.components };
  return undefined;
}

/** The schema of the items of a list. */
export function itemSchema(cursor: SchemaCursor): SchemaCursor | undefined {
  const items = resolve(cursor).schema.items;
  return items === undefined ? undefined : { schema: items, components: cursor.components };
}

export interface ListStrategy {
  /** How server-side apply treats the list. */
  listType: 'atomic' | 'set' | 'map';
  mapKeys: string[];
  /** How strategic merge patch treats the list. */
  patchStrategy: 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys' | undefined;
  patchMergeKey: string | undefined;
}

/** Reads the list markers of a list field; absent markers mean atomic, as in Kubernetes. */
export function listStrategy(cursor: SchemaCursor | undefined): ListStrategy {
  const schema = cursor === undefined ? {} : resolve(cursor).schema;
  const patchStrategy = schema['x-kubernetes-patch-strategy'] as ListStrategy['patchStrategy'];
  const patchMergeKey = schema['x-kubernetes-patch-merge-key'];
  let listType = schema['x-kubernetes-list-type'];
  let mapKeys = schema['x-kubernetes-list-map-keys'] ?? [];
  if (listType === undefined && patchStrategy?.includes('merge')) {
    listType = patchMergeKey === undefined ? 'set' : 'map';
    if (patchMergeKey !== undefined) mapKeys = [patchMergeKey];
  }
  return { listType: listType ?? 'atomic', mapKeys, patchStrategy, patchMergeKey };
}

/** True when the map is atomic (`x-kubernetes-map-type: atomic`) rather than granular. */
export function isAtomicMap(cursor: SchemaCursor | undefined): boolean {
  return cursor !== undefined && resolve(cursor).schema['x-kubernetes-map-type'] === 'atomic';
}

export function preservesUnknownFields(cursor: SchemaCursor | undefined): boolean {
  return cursor !== undefined && resolve(cursor).schema['x-kubernetes-preserve-unknown-fields'] === true;
}
