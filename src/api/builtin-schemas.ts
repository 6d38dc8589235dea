/**
 * The schemas of the built-in kinds, named as kube-apiserver names them
 * (`io.k8s.api.apps.v1.Deployment`, `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`), with the
 * list and map markers strategic merge patch and server-side apply read.
 *
 * The data is generated from @kubernetes/client-node by scripts/generate-builtin-schemas.ts into
 * generated/builtin-schemas.json; edit the script's tables, never the JSON.
 */
import { readFileSync } from 'node:fs';
import type { SchemaComponents, SchemaCursor } from './schema.ts';

/** Every built-in component schema, keyed by its Kubernetes OpenAPI name; deeply frozen, as it is shared. */
export const builtinComponents: SchemaComponents = deepFreeze(
  JSON.parse(
    readFileSync(new URL('./generated/builtin-schemas.json', import.meta.url), 'utf8'),
  ) as SchemaComponents,
);

/** A cursor at a built-in schema (a ResourceType's `schemaName`), or undefined when there is none. */
export function builtinSchemaCursor(schemaName: string): SchemaCursor | undefined {
  const schema = builtinComponents[schemaName];
  return schema === undefined ? undefined : { schema, components: builtinComponents };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
