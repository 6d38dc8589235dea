/**
 * Dropping fields a schema does not know, as kube-apiserver does when it decodes a built-in kind into
 * its Go struct or prunes a custom resource. The dropped paths feed field validation
 * (Strict → error, Warn → warning, Ignore → silent).
 */
import {
  fieldSchema,
  itemSchema,
  preservesUnknownFields,
  resolve,
  type SchemaCursor,
} from '../api/schema.ts';
import { isObject } from '../base/json.ts';

const rootFields = new Set(['apiVersion', 'kind', 'metadata']);

/** Removes unknown fields from `value` in place and returns their paths (`spec.foo`, `spec.items[0].bar`). */
export function pruneUnknownFields(value: unknown, schema: SchemaCursor | undefined, root = true): string[] {
  const unknown: string[] = [];
  if (schema !== undefined) walk(value, schema, '', root, unknown);
  return unknown;
}

function walk(value: unknown, cursor: SchemaCursor, path: string, root: boolean, unknown: string[]): void {
  const schema = resolve(cursor).schema;
  if (Array.isArray(value)) {
    const items = itemSchema(cursor);
    if (items) value.forEach((item, i) => walk(item, items, `${path}[${i}]`, false, unknown));
    return;
  }
  if (!isObject(value)) return;
  if (preservesUnknownFields(cursor) && schema.properties === undefined) return;
  const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(value)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    // apiVersion, kind and metadata of an object are ObjectMeta's, whatever a CRD's schema says of
    // them (`metadata: {type: object}` is what generators write)
    if (embedded && rootFields.has(key)) continue;
    const child = fieldSchema(cursor, key);
    if (child === undefined) {
      if (schema.additionalProperties === true || preservesUnknownFields(cursor)) continue;
      if (
        schema.properties === undefined &&
        schema.additionalProperties === undefined &&
        schema.type !== 'object'
      )
        continue;
      unknown.push(childPath);
      delete value[key];
      continue;
    }
    walk(value[key], child, childPath, false, unknown);
  }
}
