/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), the server half of
 * k8s.io/apimachinery/pkg/util/strategicpatch, driven by the `x-kubernetes-patch-strategy` and
 * `x-kubernetes-patch-merge-key` markers of the kind's schema.
 *
 * Maps merge and null deletes a key. A list whose strategy includes `merge` merges item by item on its
 * merge key (a list of scalars becomes a union); any other list, or one the schema says nothing about,
 * is replaced, so a subtree without schema gets JSON merge patch semantics. Directives:
 * `$patch: replace | delete | merge` on a map or a list item, `$retainKeys`,
 * `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`. Items follow Kubernetes' order:
 * `$setElementOrder` first, then the patch's order, then the live object's — so an item the patch adds
 * without `$setElementOrder` lands before the live items (as `kubectl patch` shows).
 *
 * Where kube-apiserver answers a malformed directive with a 500 (unknown `$patch`, missing merge key,
 * order mismatch) this answers 400 BadRequest; lists of lists are 422 as in kube. Unlike kube, directive
 * keys never survive into the result, also in values the live object did not have, and `$patch: merge`
 * is accepted as the explicit default instead of rejected.
 */
import { fieldSchema, itemSchema, listStrategy, type SchemaCursor } from '../../api/schema.ts';
import { BadRequestError, InvalidError, KeelsonError } from '../../base/errors.ts';
import { deepEqual, isObject, type JsonObject } from '../../base/json.ts';
import { setKey } from './merge-patch.ts';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const setElementOrderPrefix = '$setElementOrder';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';

type Directive = 'replace' | 'delete' | 'merge';

/**
 * Applies `patch` to a copy of `original` (neither is mutated). `schema` is the kind's root schema, or
 * undefined when the kind has none. Throws BadRequestError for malformed directives and InvalidError
 * for lists of lists.
 */
export function applyStrategicMergePatch(
  original: unknown,
  patch: unknown,
  schema: SchemaCursor | undefined,
): unknown {
  if (!isObject(patch)) {
    throw new BadRequestError(`strategic merge patch must be a JSON object, got ${describe(patch)}`);
  }
  return mergeMap(isObject(original) ? structuredClone(original) : {}, patch, schema, '');
}

/** Merges `patch` into `original`, which it owns and mutates; `patch` is only read. */
function mergeMap(
  original: JsonObject,
  patch: JsonObject,
  schema: SchemaCursor | undefined,
  path: string,
): JsonObject {
  const directive = readDirective(patch, path);
  if (directive === 'delete') return {};
  const body = directive === undefined ? patch : without(patch, directiveMarker);
  if (directive === 'replace') return mergeMap({}, body, schema, path);

  applyRetainKeys(original, body, path);
  const ordered = applySetElementOrders(original, body, schema, path);
  for (const [key, value] of Object.entries(body)) {
    if (key === retainKeysDirective || key.startsWith(setElementOrderPrefix) || ordered.has(key)) continue;
    if (key.startsWith(deleteFromPrimitiveListPrefix)) {
      deleteFromPrimitiveList(original, key, value, path);
      continue;
    }
    mergeField(original, key, value, schema, path);
  }
  return original;
}

function mergeField(
  original: JsonObject,
  key: string,
  value: unknown,
  schema: SchemaCursor | undefined,
  path: string,
): void {
  if (value === null) {
    delete original[key];
    return;
  }
  const fieldPath = join(path, key);
  const cursor = schema === undefined ? undefined : fieldSchema(schema, key);
  const current = Object.hasOwn(original, key) ? original[key] : undefined;
  let merged: unknown;
  if (isObject(current) && isObject(value)) {
    merged = strategiesOf(cursor).has('replace')
      ? mergeMap({}, value, cursor, fieldPath)
      : mergeMap(current, value, cursor, fieldPath);
  } else if (Array.isArray(current) && Array.isArray(value)) {
    const { merge, mergeKey } = listPatchMeta(cursor);
    merged = merge
      ? mergeList(current, value, cursor, mergeKey, fieldPath)
      : newList(value, cursor, fieldPath);
  } else {
    merged = newValue(value, cursor, fieldPath);
  }
  if (merged === undefined) delete original[key];
  else setKey(original, key, merged);
}

/**
 * The value a patch brings where the live object has nothing to merge with: directives applied
 * against an empty value, nulls dropped. Undefined for a map that says `$patch: delete`.
 */
function newValue(value: unknown, cursor: SchemaCursor | undefined, path: string): unknown {
  if (isObject(value)) {
    if (readDirective(value, path) === 'delete') return undefined;
    return mergeMap({}, value, cursor, path);
  }
  if (Array.isArray(value)) {
    const { merge, mergeKey } = listPatchMeta(cursor);
    return merge ? mergeList([], value, cursor, mergeKey, path) : newList(value, cursor, path);
  }
  return value;
}

function newList(items: readonly unknown[], cursor: SchemaCursor | undefined, path: string): unknown[] {
  const itemCursor = cursor === undefined ? undefined : itemSchema(cursor);
  const result: unknown[] = [];
  items.forEach((item, i) => {
    const value = newValue(item, itemCursor, `${path}[${i}]`);
    if (value !== undefined) result.push(value);
  });
  return result;
}

/** Merges a list whose strategy is `merge`; `original` is owned, `patch` only read. */
function mergeList(
  original: unknown[],
  patch: readonly unknown[],
  cursor: SchemaCursor | undefined,
  mergeKey: string | undefined,
  path: string,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  if (elementKind(path, original, patch) === 'scalar') {
    const merged = unique([...original, ...patch]);
    return orderByPatch(merged, patch, original, (item) => item);
  }
  if (mergeKey === undefined) {
    throw new KeelsonError('KEELSON_INTERNAL', `cannot merge lists without merge key for ${path}`);
  }
  const identify = mergeKeyOf(mergeKey);
  const itemCursor = cursor === undefined ? undefined : itemSchema(cursor);

  let live = original;
  const items: Array<{ item: JsonObject; path: string }> = [];
  let replace = false;
  patch.forEach((entry, i) => {
    const item = entry as JsonObject;
    const itemPath = `${path}[${i}]`;
    const directive = readDirective(item, itemPath);
    if (directive === 'delete') {
      const key = requireMergeKey(item, mergeKey, itemPath);
      live = live.filter((candidate) => !sameKey(identify(candidate), key));
    } else if (directive === 'replace') {
      replace = true;
    } else {
      items.push({ item: directive === 'merge' ? without(item, directiveMarker) : item, path: itemPath });
    }
  });
  if (replace)
    return newList(
      items.map(({ item }) => item),
      cursor,
      path,
    );

  const merged = [...live];
  for (const { item, path: itemPath } of items) {
    const key = requireMergeKey(item, mergeKey, itemPath);
    const at = merged.findIndex((candidate) => sameKey(identify(candidate), key));
    const target = at < 0 ? undefined : merged[at];
    if (isObject(target)) {
      merged[at] = mergeMap(target, item, itemCursor, itemPath);
    } else {
      const value = newValue(item, itemCursor, itemPath);
      if (value !== undefined) merged.push(value);
    }
  }
  return orderByPatch(
    merged,
    items.map(({ item }) => item),
    live,
    identify,
  );
}

/** `$retainKeys`: live fields not in the list are cleared; every field the patch sets must be in it. */
function applyRetainKeys(original: JsonObject, patch: JsonObject, path: string): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const keys = patch[retainKeysDirective];
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) {
    throw new BadRequestError(
      `invalid patch format of retainKeys: $retainKeys at ${where(path)} must be a list of field names`,
    );
  }
  const retained = new Set<unknown>(keys);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key === retainKeysDirective || isListDirective(key)) continue;
    if (!retained.has(key)) {
      throw new BadRequestError(
        `invalid patch format of retainKeys: field "${key}" is set at ${where(path)} but missing from $retainKeys`,
      );
    }
  }
  for (const key of Object.keys(original)) {
    if (!retained.has(key)) delete original[key];
  }
}

/**
 * `$setElementOrder/<field>`: merges the field's patch list (if any) and orders the result — items in
 * the order list first by that order, interleaved with live-only items kept in their live order.
 * Returns the fields whose patch lists it consumed.
 */
function applySetElementOrders(
  original: JsonObject,
  patch: JsonObject,
  schema: SchemaCursor | undefined,
  path: string,
): Set<string> {
  const consumed = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const what = 'setElementOrder list';
    const field = directiveField(key, setElementOrderPrefix, what, path);
    if (!Array.isArray(order))
      throw new BadRequestError(`invalid patch format of ${what}: ${key} at ${where(path)} must be a list`);
    const fieldPath = join(path, field);
    const cursor = schema === undefined ? undefined : fieldSchema(schema, field);
    const { merge, mergeKey } = listPatchMeta(cursor);
    const identify = mergeKey === undefined ? (item: unknown) => item : mergeKeyOf(mergeKey);
    if (mergeKey !== undefined) {
      order.forEach((item: unknown, i) => {
        if (!isObject(item) || !Object.hasOwn(item, mergeKey)) {
          throw new BadRequestError(
            `invalid patch format of ${what}: item ${i} of ${key} at ${where(path)} must be an object with the merge key "${mergeKey}"`,
          );
        }
      });
    }

    const current = Object.hasOwn(original, field) ? original[field] : undefined;
    const live = Array.isArray(current) ? current : undefined;
    const patchValue = Object.hasOwn(patch, field) ? patch[field] : undefined;
    if (patchValue === null) continue;
    if (patchValue !== undefined && !Array.isArray(patchValue)) {
      throw new BadRequestError(
        `invalid patch format of ${what}: ${fieldPath} must be a list when ${key} is set`,
      );
    }
    const patchList: readonly unknown[] | undefined = patchValue;
    if (patchList !== undefined) checkOrder(patchList, order, mergeKey, identify, fieldPath, key);

    let merged: unknown[];
    if (patchList === undefined) {
      if (live === undefined) continue;
      merged = live;
    } else if (live === undefined) {
      merged = newValue(patchList, cursor, fieldPath) as unknown[];
    } else {
      merged = merge
        ? mergeList(live, patchList, cursor, mergeKey, fieldPath)
        : newList(patchList, cursor, fieldPath);
    }
    if (patchList !== undefined) consumed.add(field);
    setKey(original, field, orderByPatch(merged, order, live ?? [], identify));
  }
  return consumed;
}

/** The patch list's items (deletions and directive items aside) must appear in the order list, in its order. */
function checkOrder(
  patchList: readonly unknown[],
  order: readonly unknown[],
  mergeKey: string | undefined,
  identify: (item: unknown) => unknown,
  fieldPath: string,
  key: string,
): void {
  const items = patchList.filter((item) => !(isObject(item) && Object.hasOwn(item, directiveMarker)));
  items.forEach((item, i) => {
    if (mergeKey !== undefined) requireMergeKey(item, mergeKey, `${fieldPath}[${i}]`);
  });
  let next = 0;
  for (const entry of order) {
    if (next < items.length && sameKey(identify(items[next]), identify(entry))) next++;
  }
  if (next < items.length) {
    throw new BadRequestError(
      `invalid patch format of setElementOrder list: the order of the items in ${fieldPath} does not match ${key}`,
    );
  }
}

/** `$deleteFromPrimitiveList/<field>`: removes the listed scalars from the live list. */
function deleteFromPrimitiveList(original: JsonObject, key: string, value: unknown, path: string): void {
  const what = 'primitive list';
  const field = directiveField(key, deleteFromPrimitiveListPrefix, what, path);
  if (!Array.isArray(value))
    throw new BadRequestError(`invalid patch format of ${what}: ${key} at ${where(path)} must be a list`);
  const current = Object.hasOwn(original, field) ? original[field] : undefined;
  if (!Array.isArray(current)) return;
  if ([...current, ...value].some((item) => typeof item === 'object' && item !== null)) {
    throw new BadRequestError(
      `invalid patch format of ${what}: ${key} at ${where(path)} only applies to lists of scalars; delete map items with "$patch": "delete"`,
    );
  }
  const doomed = new Set<unknown>(value);
  setKey(
    original,
    field,
    current.filter((item) => !doomed.has(item)),
  );
}

/**
 * Kubernetes' `normalizeElementOrder`: items of `merged` present in `patchOrder` sorted by it, the
 * rest sorted by `liveOrder`, then merged so that the live order wins where both are known and a
 * patch item goes first otherwise.
 */
function orderByPatch(
  merged: readonly unknown[],
  patchOrder: readonly unknown[],
  liveOrder: readonly unknown[],
  identify: (item: unknown) => unknown,
): unknown[] {
  const indexIn = (list: readonly unknown[], item: unknown): number => {
    const key = identify(item);
    return list.findIndex((candidate) => sameKey(identify(candidate), key));
  };
  const sortBy = (items: unknown[], order: readonly unknown[]): unknown[] => {
    const rank = (item: unknown): number => {
      const at = indexIn(order, item);
      return at < 0 ? Number.POSITIVE_INFINITY : at;
    };
    return items
      .map((item, i) => ({ item, i, rank: rank(item) }))
      .sort((a, b) => a.rank - b.rank || a.i - b.i)
      .map(({ item }) => item);
  };
  const fromPatch = sortBy(
    merged.filter((item) => indexIn(patchOrder, item) >= 0),
    patchOrder,
  );
  const liveOnly = sortBy(
    merged.filter((item) => indexIn(patchOrder, item) < 0),
    liveOrder,
  );

  const result: unknown[] = [];
  let left = 0;
  let right = 0;
  while (left < liveOnly.length || right < fromPatch.length) {
    if (right >= fromPatch.length) {
      result.push(liveOnly[left++]);
    } else if (left >= liveOnly.length) {
      result.push(fromPatch[right++]);
    } else {
      const liveAt = indexIn(liveOrder, liveOnly[left]);
      const patchAt = indexIn(liveOrder, fromPatch[right]);
      if (liveAt >= 0 && patchAt >= 0 && liveAt < patchAt) result.push(liveOnly[left++]);
      else result.push(fromPatch[right++]);
    }
  }
  return result;
}

function readDirective(map: JsonObject, path: string): Directive | undefined {
  if (!Object.hasOwn(map, directiveMarker)) return undefined;
  const value = map[directiveMarker];
  if (value === 'replace' || value === 'delete' || value === 'merge') return value;
  throw new BadRequestError(
    `unknown patch type ${JSON.stringify(value)} in $patch at ${where(path)}, want "replace", "delete" or "merge"`,
  );
}

/** The field a `$prefix/<field>` directive names. */
function directiveField(key: string, prefix: string, what: string, path: string): string {
  const slash = key.indexOf('/');
  const field = slash < 0 ? '' : key.slice(slash + 1);
  if (slash < 0 || key.slice(0, slash) !== prefix || field === '') {
    throw new BadRequestError(
      `invalid patch format of ${what}: "${key}" at ${where(path)} must be ${prefix}/<field>`,
    );
  }
  return field;
}

function isListDirective(key: string): boolean {
  return key.startsWith(setElementOrderPrefix) || key.startsWith(deleteFromPrimitiveListPrefix);
}

function listPatchMeta(cursor: SchemaCursor | undefined): { merge: boolean; mergeKey: string | undefined } {
  return { merge: strategiesOf(cursor).has('merge'), mergeKey: listStrategy(cursor).patchMergeKey };
}

function strategiesOf(cursor: SchemaCursor | undefined): Set<string> {
  const strategy = listStrategy(cursor).patchStrategy;
  return new Set(strategy === undefined ? [] : strategy.split(','));
}

function elementKind(path: string, ...lists: ReadonlyArray<readonly unknown[]>): 'map' | 'scalar' {
  let kind: 'map' | 'scalar' | undefined;
  for (const item of lists.flat()) {
    if (Array.isArray(item)) throw new InvalidError(`lists of lists are not supported: ${path}`);
    const itemKind = isObject(item) ? 'map' : 'scalar';
    if (kind !== undefined && kind !== itemKind) {
      throw new BadRequestError(
        `list element types are not identical in ${path}: maps and scalars are mixed`,
      );
    }
    kind = itemKind;
  }
  return kind ?? 'scalar';
}

function mergeKeyOf(mergeKey: string): (item: unknown) => unknown {
  return (item) => (isObject(item) && Object.hasOwn(item, mergeKey) ? item[mergeKey] : undefined);
}

function requireMergeKey(item: unknown, mergeKey: string, path: string): unknown {
  if (!isObject(item) || !Object.hasOwn(item, mergeKey)) {
    throw new BadRequestError(`${path} does not contain the declared merge key "${mergeKey}"`);
  }
  return item[mergeKey];
}

/** Merge keys are scalars in practice; anything undefined (no key) matches nothing. */
function sameKey(a: unknown, b: unknown): boolean {
  return a !== undefined && b !== undefined && (a === b || deepEqual(a, b));
}

function unique(items: readonly unknown[]): unknown[] {
  const result: unknown[] = [];
  for (const item of items) {
    if (!result.some((seen) => sameKey(seen, item))) result.push(item);
  }
  return result;
}

function without(map: JsonObject, key: string): JsonObject {
  const copy: JsonObject = {};
  for (const [k, v] of Object.entries(map)) if (k !== key) setKey(copy, k, v);
  return copy;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function where(path: string): string {
  return path === '' ? 'the top level' : path;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
