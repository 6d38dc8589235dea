/**
 * Reading and writing untyped JSON objects. Validators see objects before any Go-like typing, so every read
 * tolerates a wrong type (the schema check reports those) and every write creates what is missing.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

/** The array, or an empty one for anything else. */
export function arrayAt(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The string, or '' for anything else (Go's zero value). */
export function stringAt(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function numberAt(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** The string entries of a map[string]string, or undefined when it is absent. */
export function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Follows keys through nested objects; undefined as soon as one is missing. */
export function dig(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const k of keys) {
    if (!isObject(current)) return undefined;
    current = current[k];
  }
  return current;
}

/** The object under `key`, created when absent or not an object. */
export function ensureObject(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

/** Sets `key` when it is absent (undefined or null), as SetDefaults_* do for nil pointers and empty strings. */
export function setDefault(target: JsonObject, key: string, value: unknown): void {
  const current = target[key];
  if (current === undefined || current === null || current === '') target[key] = value;
}

/** What Go cannot tell from an absent field: null, '', an empty list or map. */
function isEmptyCollection(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

/**
 * apiequality.Semantic.DeepEqual over JSON: nil and empty lists and maps are equal, as are absent fields and
 * fields holding them or an empty string.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmptyCollection(a) && isEmptyCollection(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => semanticEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}

/** A deep copy of a JSON value. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}
