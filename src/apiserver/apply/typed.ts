/**
 * Schema-aware walks over JSON values, after structured-merge-diff's `typed` package: the fields a
 * value sets, the difference between two values, the merge of an applied configuration into a live
 * value, and the removal of a set of fields from a value.
 *
 * The schema decides three things: which maps are structs (their properties are "named fields"),
 * which maps and lists are atomic, and how list items are identified (`k:` by map keys, `v:` for sets,
 * `i:` for positions). Where the schema says nothing the value is deduced, as structured-merge-diff
 * does: maps are granular, lists atomic.
 */
import {
  fieldSchema,
  isAtomicMap,
  itemSchema,
  listStrategy,
  resolve,
  type Schema,
  type SchemaCursor,
} from '../../api/schema.ts';
import { deepEqual, isObject, type JsonObject } from '../../base/json.ts';
import {
  FieldSet,
  fieldElement,
  formatFieldPath,
  formatPathElement,
  indexElement,
  keyElement,
  serializePathElement,
  valueElement,
  type FieldSetBuilder,
  type PathElement,
} from './field-set.ts';

type Cursor = SchemaCursor | undefined;
type Shape = 'map' | 'list' | 'scalar';

/** A value that does not fit its schema: list items without keys, duplicate keys, maps in sets. */
export class TypedValueError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    // the wording of structured-merge-diff's ValidationErrors
    super(
      problems.length === 1 ? (problems[0] ?? '') : ['errors:', ...problems.map((p) => `  ${p}`)].join('\n'),
    );
    this.name = 'TypedValueError';
    this.problems = problems;
  }
}

export interface WalkOptions {
  /** Skip list items that cannot be keyed or repeat a key instead of failing, as for stored objects. */
  lenient?: boolean;
}

/**
 * The fields a value sets: every scalar, every atomic map or list as one field, list-map and set items
 * as `k:`/`v:` elements that are themselves members, and map keys that are not named struct fields.
 * Throws TypedValueError for list items that cannot be keyed, unless lenient.
 */
export function fieldsOf(
  value: unknown,
  schema: SchemaCursor | undefined,
  options: WalkOptions = {},
): FieldSet {
  const set = FieldSet.builder();
  const problems: string[] = [];
  collectFields(value, schema, [], set, problems, options.lenient ?? false);
  if (problems.length > 0) throw new TypedValueError(problems);
  return set.build();
}

function collectFields(
  value: unknown,
  cursor: Cursor,
  path: PathElement[],
  set: FieldSetBuilder,
  problems: string[],
  lenient: boolean,
): void {
  switch (shapeOf(value, cursor)) {
    case 'scalar':
      set.add(path);
      return;
    case 'map':
      if (isAtomicMap(cursor)) {
        set.add(path);
        return;
      }
      for (const [name, child] of entriesOf(value)) {
        path.push(fieldElement(name));
        collectFields(child, childSchema(cursor, name), path, set, problems, lenient);
        if (!isNamedField(cursor, name)) set.add(path);
        path.pop();
      }
      return;
    case 'list': {
      const list = listTypeOf(cursor);
      if (list.kind === 'atomic') {
        set.add(path);
        return;
      }
      const items = keyItems(value, list, cursor, path, lenient ? undefined : problems);
      for (const { element, item } of items.values()) {
        path.push(element);
        collectFields(item, itemSchemaOf(cursor), path, set, problems, lenient);
        set.add(path);
        path.pop();
      }
      return;
    }
  }
}

export interface FieldChanges {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * How `rhs` differs from `lhs`, field by field (structured-merge-diff's `Compare`). A map or list that
 * appears or disappears is itself added or removed, besides the fields below it.
 */
export function diffFields(lhs: unknown, rhs: unknown, schema: SchemaCursor | undefined): FieldChanges {
  const changes: ChangeBuilders = {
    added: FieldSet.builder(),
    modified: FieldSet.builder(),
    removed: FieldSet.builder(),
  };
  diffAt(lhs, rhs, schema, [], changes);
  return {
    added: changes.added.build(),
    modified: changes.modified.build(),
    removed: changes.removed.build(),
  };
}

type ChangeBuilders = { [K in keyof FieldChanges]: FieldSetBuilder };

function diffAt(
  lhs: unknown,
  rhs: unknown,
  cursor: Cursor,
  path: PathElement[],
  changes: ChangeBuilders,
): void {
  const leaf = (): void => {
    if (lhs === undefined) changes.added.add(path);
    else if (rhs === undefined) changes.removed.add(path);
    else if (!deepEqual(lhs, rhs)) changes.modified.add(path);
  };
  const left = lhs === undefined ? undefined : shapeOf(lhs, cursor);
  const right = rhs === undefined ? undefined : shapeOf(rhs, cursor);
  const shape = right ?? left;
  if (shape === undefined) return;
  if (left !== undefined && right !== undefined && left !== right) return leaf();
  if (shape === 'scalar') return leaf();
  const bothEmpty = isEmptyContainer(lhs) && isEmptyContainer(rhs);
  if (shape === 'map') {
    if (isAtomicMap(cursor) || bothEmpty) return leaf();
    for (const name of unionKeys(lhs, rhs)) {
      path.push(fieldElement(name));
      diffAt(fieldOf(lhs, name), fieldOf(rhs, name), childSchema(cursor, name), path, changes);
      path.pop();
    }
  } else {
    const list = listTypeOf(cursor);
    if (list.kind === 'atomic' || bothEmpty) return leaf();
    const before = keyItems(lhs, list, cursor, path);
    const after = keyItems(rhs, list, cursor, path);
    for (const [key, { element, item }] of after) {
      path.push(element);
      diffAt(before.get(key)?.item, item, itemSchemaOf(cursor), path, changes);
      path.pop();
    }
    for (const [key, { element, item }] of before) {
      if (after.has(key)) continue;
      path.push(element);
      diffAt(item, undefined, itemSchemaOf(cursor), path, changes);
      path.pop();
    }
  }
  if (lhs === undefined) changes.added.add(path);
  else if (rhs === undefined) changes.removed.add(path);
}

/**
 * Merges an applied configuration into a live value (structured-merge-diff's `Merge`): the
 * configuration wins on scalars and atomics, maps merge by key, list-maps by item key and sets by
 * value. Items keep the live order, with new items placed after the configured items before them.
 */
export function mergeValues(live: unknown, config: unknown, schema: SchemaCursor | undefined): unknown {
  return mergeAt(live, config, schema);
}

function mergeAt(lhs: unknown, rhs: unknown, cursor: Cursor): unknown {
  if (rhs === undefined) return structuredClone(lhs);
  if (lhs === undefined) return structuredClone(rhs);
  const shape = shapeOf(rhs, cursor);
  if (shape !== shapeOf(lhs, cursor) || shape === 'scalar') return structuredClone(rhs);
  const bothEmpty = isEmptyContainer(lhs) && isEmptyContainer(rhs);
  if (shape === 'map') {
    if (isAtomicMap(cursor) || bothEmpty) return structuredClone(rhs);
    const out: JsonObject = {};
    for (const name of unionKeys(lhs, rhs)) {
      out[name] = mergeAt(fieldOf(lhs, name), fieldOf(rhs, name), childSchema(cursor, name));
    }
    return out;
  }
  const list = listTypeOf(cursor);
  if (list.kind === 'atomic' || bothEmpty) return structuredClone(rhs);
  return mergeItems(lhs, rhs, list, cursor);
}

/** structured-merge-diff's item order: live order, each shared item pulling the applied items before it. */
function mergeItems(lhs: unknown, rhs: unknown, list: ListType, cursor: Cursor): unknown[] {
  const itemCursor = itemSchemaOf(cursor);
  const left = keyItems(lhs, list, cursor, [], undefined, true);
  const right = keyItems(rhs, list, cursor, []);
  const leftOrder = [...left.keys()];
  const rightOrder = [...right.keys()];
  const shared = rightOrder.filter((key) => left.has(key));
  let nextShared = shared.shift();
  const out: unknown[] = [];
  const merge = (key: string): void => {
    out.push(mergeAt(left.get(key)?.item, right.get(key)?.item, itemCursor));
  };
  let l = 0;
  let r = 0;
  while (l < leftOrder.length || r < rightOrder.length) {
    const leftKey = leftOrder[l];
    const rightKey = rightOrder[r];
    if (leftKey !== undefined && rightKey !== undefined) {
      if (leftKey === rightKey) {
        merge(leftKey);
        l++;
        r++;
        nextShared = shared.shift();
        continue;
      }
      if (right.has(leftKey) && nextShared !== undefined && nextShared !== leftKey) {
        // a shared item, but not the one due now: it is written when the applied order reaches it
        l++;
        continue;
      }
    }
    if (leftKey !== undefined && !right.has(leftKey)) {
      merge(leftKey);
      l++;
      continue;
    }
    if (rightKey === undefined) {
      // only shared items are left on the live side, and they were all written already
      l++;
      continue;
    }
    merge(rightKey);
    r++;
    if (nextShared === rightKey) nextShared = shared.shift();
  }
  return out;
}

/**
 * Removes the fields of `set` from a value (structured-merge-diff's `RemoveItems`). A granular map or
 * list that loses all its entries is removed too; the root stays, possibly empty.
 */
export function removeFields(value: unknown, set: FieldSet, schema: SchemaCursor | undefined): unknown {
  if (set.isEmpty()) return value;
  return removeAt(value, set, schema) ?? {};
}

function removeAt(value: unknown, set: FieldSet, cursor: Cursor): unknown {
  const shape = shapeOf(value, cursor);
  if (shape === 'scalar' || isEmptyContainer(value)) return value;
  if (shape === 'map') {
    if (isAtomicMap(cursor)) return value;
    const out: JsonObject = {};
    for (const [name, child] of entriesOf(value)) {
      const element = fieldElement(name);
      if (set.hasMember(element)) continue;
      const below = set.withPrefix(element);
      const kept = below.isEmpty() ? child : removeAt(child, below, childSchema(cursor, name));
      if (kept !== undefined) out[name] = kept;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  const list = listTypeOf(cursor);
  if (list.kind === 'atomic') return value;
  const itemCursor = itemSchemaOf(cursor);
  const out: unknown[] = [];
  (value as unknown[]).forEach((item, index) => {
    let element: PathElement;
    try {
      element = elementOf(list, item, index, itemCursor);
    } catch {
      out.push(item);
      return;
    }
    if (set.hasMember(element)) return;
    const below = set.withPrefix(element);
    const kept = below.isEmpty() ? item : removeAt(item, below, itemCursor);
    if (kept !== undefined) out.push(kept);
  });
  return out.length === 0 ? undefined : out;
}

/**
 * Adds as members the named struct fields that a set only reaches through their children, so that
 * pruning removes a struct a manager no longer sets anything in (`EnsureNamedFieldsAreMembers`).
 */
export function withNamedFieldsAsMembers(set: FieldSet, schema: SchemaCursor | undefined): FieldSet {
  const members = set.members();
  const children: Array<[PathElement, FieldSet]> = [];
  for (const [element, below] of set.children()) {
    if (element.kind === 'field' && isNamedField(schema, element.name)) members.push(element);
    const inner = element.kind === 'field' ? childSchema(schema, element.name) : itemSchemaOf(schema);
    children.push([element, withNamedFieldsAsMembers(below, inner)]);
  }
  return FieldSet.node(members, children);
}

const objectMetaSchema: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    selfLink: { type: 'string' },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer' },
    creationTimestamp: { type: 'string' },
    deletionTimestamp: { type: 'string' },
    deletionGracePeriodSeconds: { type: 'integer' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    ownerReferences: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          uid: { type: 'string' },
          controller: { type: 'boolean' },
          blockOwnerDeletion: { type: 'boolean' },
        },
      },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
    },
    finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
    managedFields: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'atomic' },
  },
};

/**
 * The schema of a whole object, with `apiVersion`, `kind` and a typed `metadata` (ObjectMeta: labels
 * and annotations granular, finalizers a set, ownerReferences a list-map on uid) whenever the given
 * schema leaves them out, as kube-apiserver's type converter adds ObjectMeta to CRD schemas.
 */
export function objectSchema(schema: SchemaCursor | undefined): SchemaCursor {
  const components = schema?.components ?? {};
  const root: Schema =
    schema === undefined
      ? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
      : resolve(schema).schema;
  const properties = root.properties ?? {};
  const metadata = properties['metadata'];
  const metadataDescribed = metadata !== undefined && describesFields({ schema: metadata, components });
  if (metadataDescribed && properties['apiVersion'] !== undefined && properties['kind'] !== undefined) {
    return { schema: root, components };
  }
  return {
    schema: {
      ...root,
      type: 'object',
      properties: {
        ...properties,
        apiVersion: properties['apiVersion'] ?? { type: 'string' },
        kind: properties['kind'] ?? { type: 'string' },
        metadata: metadataDescribed && metadata !== undefined ? metadata : objectMetaSchema,
      },
    },
    components,
  };
}

function describesFields(cursor: SchemaCursor): boolean {
  try {
    return Object.keys(resolve(cursor).schema.properties ?? {}).length > 0;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Shapes and list items

function declaredShape(cursor: Cursor): Shape | undefined {
  if (cursor === undefined) return undefined;
  const schema = resolve(cursor).schema;
  if (
    schema.type === 'object' ||
    schema.properties !== undefined ||
    schema.additionalProperties !== undefined
  )
    return 'map';
  if (schema.type === 'array' || schema.items !== undefined) return 'list';
  if (schema.type !== undefined || schema['x-kubernetes-int-or-string'] === true) return 'scalar';
  return undefined;
}

/** The value's shape; null takes the shape its schema declares (an empty map when it declares none). */
function shapeOf(value: unknown, cursor: Cursor): Shape {
  if (Array.isArray(value)) return 'list';
  if (isObject(value)) return 'map';
  if (value === null) {
    const declared = declaredShape(cursor);
    return declared === 'scalar' || declared === 'list' ? declared : 'map';
  }
  return 'scalar';
}

function isEmptyContainer(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && entriesOf(value).length === 0;
}

function entriesOf(value: unknown): Array<[string, unknown]> {
  return isObject(value) ? Object.entries(value).filter(([, child]) => child !== undefined) : [];
}

function fieldOf(value: unknown, name: string): unknown {
  return isObject(value) && Object.hasOwn(value, name) ? value[name] : undefined;
}

function unionKeys(lhs: unknown, rhs: unknown): string[] {
  const keys = entriesOf(lhs).map(([name]) => name);
  const seen = new Set(keys);
  for (const [name] of entriesOf(rhs)) if (!seen.has(name)) keys.push(name);
  return keys;
}

function childSchema(cursor: Cursor, name: string): Cursor {
  return cursor === undefined ? undefined : fieldSchema(cursor, name);
}

function itemSchemaOf(cursor: Cursor): Cursor {
  return cursor === undefined ? undefined : itemSchema(cursor);
}

function isNamedField(cursor: Cursor, name: string): boolean {
  return cursor !== undefined && resolve(cursor).schema.properties?.[name] !== undefined;
}

interface ListType {
  kind: 'atomic' | 'set' | 'map';
  keys: readonly string[];
}

function listTypeOf(cursor: Cursor): ListType {
  const strategy = listStrategy(cursor);
  // a list-map without keys is treated as a set, as structured-merge-diff does
  if (strategy.listType === 'map' && strategy.mapKeys.length === 0) return { kind: 'set', keys: [] };
  return { kind: strategy.listType, keys: strategy.mapKeys };
}

class ItemError extends Error {}

/** The path element of a list item (`listItemToPathElement`). */
function elementOf(list: ListType, item: unknown, index: number, itemCursor: Cursor): PathElement {
  if (list.kind === 'map') {
    if (item === null) throw new ItemError('associative list with keys may not have a null element');
    if (!isObject(item)) throw new ItemError('associative list with keys may not have non-map elements');
    const fields: Record<string, unknown> = {};
    for (const key of list.keys) {
      const value = item[key] !== undefined ? item[key] : defaultOf(itemCursor, key);
      if (value === undefined) {
        throw new ItemError(
          `associative list with keys has an element that omits key field ${JSON.stringify(key)} (and doesn't have default value)`,
        );
      }
      fields[key] = value;
    }
    return keyElement(fields);
  }
  if (list.kind === 'set') {
    if (isObject(item)) throw new ItemError("associative list without keys has an element that's a map type");
    if (Array.isArray(item)) throw new ItemError('not supported: associative list with lists as elements');
    if (item === null || item === undefined)
      throw new ItemError("associative list without keys has an element that's an explicit null");
    return valueElement(item);
  }
  return indexElement(index);
}

function defaultOf(itemCursor: Cursor, key: string): unknown {
  const field = childSchema(itemCursor, key);
  const declared = field === undefined ? undefined : resolve(field).schema.default;
  return declared !== undefined ? declared : knownKeyDefaults[key];
}

/**
 * Defaults of list-map keys that kube-apiserver's OpenAPI declares (`+default="TCP"` on container and
 * service ports) and schemas generated from client libraries leave out.
 */
const knownKeyDefaults: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

interface KeyedItem {
  element: PathElement;
  item: unknown;
}

/**
 * The items of a list by serialized path element, first occurrence winning. Problems are reported
 * when a list is given; otherwise bad items are skipped, or kept under a private key when `keepBad`.
 */
function keyItems(
  value: unknown,
  list: ListType,
  cursor: Cursor,
  path: readonly PathElement[],
  problems?: string[],
  keepBad = false,
): Map<string, KeyedItem> {
  const items = new Map<string, KeyedItem>();
  if (!Array.isArray(value)) return items;
  const itemCursor = itemSchemaOf(cursor);
  const at = path.length === 0 ? '' : `${formatFieldPath(path)}: `;
  value.forEach((item: unknown, index) => {
    let element: PathElement;
    try {
      element = elementOf(list, item, index, itemCursor);
    } catch (error) {
      if (!(error instanceof ItemError)) throw error;
      problems?.push(`${at}element ${index}: ${error.message}`);
      if (keepBad) items.set(`#${index}`, { element: indexElement(index), item });
      return;
    }
    const key = serializePathElement(element);
    if (items.has(key)) {
      problems?.push(`${at}duplicate entries for key ${formatPathElement(element)}`);
      if (keepBad) items.set(`#${index}`, { element: indexElement(index), item });
      return;
    }
    items.set(key, { element, item });
  });
  return items;
}
