/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`) as kube-apiserver applies it through
 * evanphx/json-patch: null deletes a key, objects merge recursively, anything else replaces. Values
 * the patch brings in have their null object fields dropped (also inside lists), as that library does.
 */
import { BadRequestError } from '../../base/errors.ts';
import { isObject, type JsonObject } from '../../base/json.ts';

/**
 * Merges `patch` into a copy of `original`; neither argument is mutated. The patch must be an
 * object: kube-apiserver answers 400 to a null patch, and the objects it patches are always maps.
 */
export function applyMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) {
    throw new BadRequestError(`merge patch must be a JSON object, got ${describe(patch)}`);
  }
  if (!isObject(original)) return withoutNulls(patch);
  return mergeObjects(structuredClone(original), patch);
}

function mergeObjects(target: JsonObject, patch: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
    } else if (!Object.hasOwn(target, key) || target[key] === null) {
      setKey(target, key, withoutNulls(value));
    } else {
      setKey(target, key, mergeValues(target[key], value));
    }
  }
  return target;
}

function mergeValues(current: unknown, patch: unknown): unknown {
  if (!isObject(current)) return withoutNulls(patch);
  // evanphx/json-patch hands back a non-object patch value untouched when the target is an object
  if (!isObject(patch)) return structuredClone(patch);
  return mergeObjects(current, patch);
}

/** A copy of a patch value with null object fields removed at every depth (list items stay). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== null) setKey(result, key, withoutNulls(item));
  }
  return result;
}

/** Sets an own property, so a `__proto__` key from parsed JSON stays data. */
export function setKey(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
