/**
 * Custom resources: the served types a CRD defines, and validation and defaulting against its
 * openAPIV3Schema with ajv, with errors worded as kube-apiserver words them.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { allVerbs } from '../api/resources.ts';
import type { Schema } from '../api/schema.ts';
import { isObject } from '../base/json.ts';
import type { FieldError } from '../base/errors.ts';
import type { KubeObject } from '../api/meta.ts';
import type { PrinterColumn, ServedType } from './registry/types.ts';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: {
    status?: object;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  };
  additionalPrinterColumns?: PrinterColumn[];
}

/** The types a CRD serves, one per served version. */
export function typesOfCrd(crd: KubeObject): ServedType[] {
  const spec = (crd['spec'] ?? {}) as Record<string, unknown>;
  const names = (spec['names'] ?? {}) as Record<string, unknown>;
  const versions = (Array.isArray(spec['versions']) ? spec['versions'] : []) as CrdVersion[];
  const storage = versions.find((v) => v.storage)?.name ?? versions[0]?.name ?? 'v1';
  const kind = String(names['kind'] ?? '');
  return versions
    .filter((v) => v.served !== false)
    .map((v): ServedType => {
      const openApiSchema = v.schema?.openAPIV3Schema;
      const subresources: ServedType['subresources'] = {};
      if (v.subresources?.status) subresources.status = true;
      if (v.subresources?.scale) subresources.scale = v.subresources.scale;
      return {
        group: String(spec['group'] ?? ''),
        version: v.name,
        kind,
        listKind: String(names['listKind'] ?? `${kind}List`),
        plural: String(names['plural'] ?? ''),
        singular: String(names['singular'] ?? kind.toLowerCase()),
        namespaced: spec['scope'] !== 'Cluster',
        shortNames: (names['shortNames'] as string[] | undefined) ?? [],
        categories: (names['categories'] as string[] | undefined) ?? [],
        verbs: allVerbs,
        subresources,
        schema: openApiSchema ? { schema: openApiSchema, components: {} } : undefined,
        storageVersion: storage,
        crd: {
          name: crd.metadata.name ?? '',
          openApiSchema,
          printerColumns: v.additionalPrinterColumns ?? [],
          preserveUnknownFields: openApiSchema?.['x-kubernetes-preserve-unknown-fields'] === true,
        },
      };
    });
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new WeakMap<Schema, ValidateFunction>();

/** Turns the Kubernetes dialect of OpenAPI v3 into JSON Schema ajv understands. */
function toJsonSchema(schema: Schema, root = true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (
      k.startsWith('x-') ||
      k === 'description' ||
      k === 'default' ||
      k === 'example' ||
      k === 'externalDocs'
    )
      continue;
    if (k === 'properties' && isObject(v)) {
      out[k] = Object.fromEntries(
        Object.entries(v).map(([name, s]) => [name, toJsonSchema(s as Schema, false)]),
      );
    } else if ((k === 'items' || k === 'not') && isObject(v)) {
      out[k] = toJsonSchema(v, false);
    } else if (k === 'additionalProperties' && isObject(v)) {
      out[k] = toJsonSchema(v, false);
    } else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) {
      out[k] = v.map((s) => toJsonSchema(s as Schema, false));
    } else {
      out[k] = v;
    }
  }
  if (schema['x-kubernetes-int-or-string']) {
    delete out['type'];
    out['anyOf'] = [...((out['anyOf'] as unknown[]) ?? []), { type: 'integer' }, { type: 'string' }];
  }
  if (schema.nullable) {
    delete out['nullable'];
    if (typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  }
  if (root) {
    // metadata is validated as ObjectMeta, never by the CRD's schema
    const props = out['properties'] as Record<string, unknown> | undefined;
    if (props) delete props['metadata'];
  }
  return out;
}

export function validateCustomResource(type: ServedType, object: KubeObject): FieldError[] {
  const schema = type.crd?.openApiSchema;
  if (!schema) return [];
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(toJsonSchema(schema));
    compiled.set(schema, validate);
  }
  if (validate(object)) return [];
  return (validate.errors ?? [])
    .filter(
      (e) =>
        e.keyword !== 'anyOf' ||
        !(validate.errors ?? []).some((o) => o !== e && o.instancePath === e.instancePath),
    )
    .map((e) => toFieldError(e, object));
}

function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

function valueAt(object: unknown, instancePath: string): unknown {
  let current = object;
  for (const p of instancePath.split('/').slice(1)) {
    if (Array.isArray(current)) current = current[Number(p)];
    else if (isObject(current)) current = current[p.replace(/~1/g, '/').replace(/~0/g, '~')];
    else return undefined;
  }
  return current;
}

function toFieldError(error: ErrorObject, object: unknown): FieldError {
  const field = fieldPath(error.instancePath);
  const value = valueAt(object, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params['missingProperty']);
      return {
        field: field === '' ? missing : `${field}.${missing}`,
        type: 'FieldValueRequired',
        message: '',
      };
    }
    case 'type':
      return {
        field,
        type: 'FieldValueTypeInvalid',
        value: typeName(value),
        message: `${field} in body must be of type ${String(params['type'])}: ${JSON.stringify(typeName(value))}`,
      };
    case 'enum':
      return {
        field,
        type: 'FieldValueNotSupported',
        value,
        message: `supported values: ${((params['allowedValues'] as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const words = {
        minimum: 'greater than or equal to',
        maximum: 'less than or equal to',
        exclusiveMinimum: 'greater than',
        exclusiveMaximum: 'less than',
      }[error.keyword];
      return {
        field,
        type: 'FieldValueInvalid',
        value,
        message: `${field} in body should be ${words} ${String(params['limit'])}`,
      };
    }
    case 'pattern':
      return {
        field,
        type: 'FieldValueInvalid',
        value,
        message: `${field} in body should match '${String(params['pattern'])}'`,
      };
    case 'maxLength':
    case 'minLength':
      return {
        field,
        type: error.keyword === 'maxLength' ? 'FieldValueTooLong' : 'FieldValueInvalid',
        value,
        message: `${field} in body should be at ${error.keyword === 'maxLength' ? 'most' : 'least'} ${String(params['limit'])} chars long`,
      };
    case 'maxItems':
    case 'minItems':
      return {
        field,
        type: 'FieldValueInvalid',
        value,
        message: `${field} in body should have at ${error.keyword === 'maxItems' ? 'most' : 'least'} ${String(params['limit'])} items`,
      };
    default:
      return {
        field,
        type: 'FieldValueInvalid',
        value,
        message: `${field} in body ${error.message ?? 'is invalid'}`,
      };
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Applies `default` values from a structural schema where fields are missing, as the API server does on write. */
export function applySchemaDefaults(value: unknown, schema: Schema | undefined): void {
  if (!schema || !isObject(value)) {
    if (schema?.items && Array.isArray(value))
      for (const item of value) applySchemaDefaults(item, schema.items);
    return;
  }
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (value[name] === undefined && prop.default !== undefined) value[name] = structuredClone(prop.default);
    if (value[name] !== undefined) applySchemaDefaults(value[name], prop);
  }
  if (isObject(schema.additionalProperties)) {
    for (const key of Object.keys(value))
      if (!(key in (schema.properties ?? {}))) applySchemaDefaults(value[key], schema.additionalProperties);
  }
}
