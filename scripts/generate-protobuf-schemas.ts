/**
 * Generates src/apiserver/http/generated/protobuf-schemas.json, the table that drives
 * src/apiserver/http/protobuf.ts: for every kind the API server takes as
 * `application/vnd.kubernetes.protobuf`, the layout of each message the kind reaches, by field
 * number: the field's JSON name, its type, whether it is repeated, a map or inlined, and whether its
 * zero value is kept.
 *
 *   node --import tsx scripts/generate-protobuf-schemas.ts BINARY...           # rewrite the JSON
 *   node --import tsx scripts/generate-protobuf-schemas.ts --check BINARY...   # exit 1 when stale
 *
 * The JSON in the repository was made from, in this order,
 *   /usr/lib/google-cloud-sdk/bin/kubectl.1.33   (kubectl v1.33.1: k8s.io/api and apimachinery)
 *   /usr/lib/google-cloud-sdk/bin/anthoscli      (k8s.io/apiextensions-apiserver v0.24.0)
 * kubectl 1.33's descriptors hold every field of kubectl 1.32's with the same number, name, type and
 * pointer-ness (checked outside resource.k8s.io, which is not served), and the fields 1.33 added.
 *
 * Source: every Go program that links k8s.io/api carries the FileDescriptorProto of each
 * generated.proto, gzipped, for proto.RegisterFile; this script reads them out of the binaries it
 * is given, each .proto file from the first binary that carries it. They say more than the .proto
 * text, where every field is `optional`: they keep go-to-protobuf's gogoproto options, and
 * `(gogoproto.nullable) = false` marks a field Go holds by value. A scalar without it is a Go
 * pointer, whose presence is its value (`replicas: 0`, `suspend: false`); a scalar held by value is
 * always on the wire, and its zero value is what JSON's `omitempty` leaves out.
 *
 * The JSON names, the fields Go embeds inline (Probe's ProbeHandler, Volume's VolumeSource, the
 * LocalObjectReference of the key selectors) and which fields are required (no `omitempty`: their
 * zero values are kept) come from the OpenAPI schemas in src/api/generated/builtin-schemas.json,
 * matched field by field; a proto field that matches no property, or whose type disagrees, stops
 * the script. Properties no descriptor has (fields newer than the binaries) are listed in the
 * JSON's `missing`; messages with no OpenAPI schema to check against, in `unchecked`.
 *
 * No binary at hand carries an apiextensions-apiserver newer than v0.24, so the fields
 * apiextensions.k8s.io/v1 gained since are supplied by `supplement` below.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { constants, inflateRawSync } from 'node:zlib';
import { format, resolveConfig } from 'prettier';
import { builtinResources } from '../src/api/resources.ts';
import { writeGenerated } from './generated-file.ts';

const outputPath = fileURLToPath(
  new URL('../src/apiserver/http/generated/protobuf-schemas.json', import.meta.url),
);
const openapiPath = fileURLToPath(new URL('../src/api/generated/builtin-schemas.json', import.meta.url));

const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const apiextensions = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

/** How a message with its own JSON form becomes JSON; protobuf.ts implements each. */
type Special =
  | 'time'
  | 'microTime'
  | 'quantity'
  | 'intOrString'
  | 'json'
  | 'items'
  | 'schemaOrArray'
  | 'schemaOrBool'
  | 'schemaOrStringArray';

/** Scalars that JSON writes as a string or number, so zero-dropping applies to them as to scalars. */
const scalarSpecials = new Set<Special>(['quantity', 'intOrString']);

/**
 * The messages whose Go types marshal JSON by hand, and the wire layout protobuf.ts reads for each
 * (checked here against the descriptors: `number: name type`).
 */
const specials: Record<string, { special: Special; layout: string[] }> = {
  [`${meta}.Time`]: { special: 'time', layout: ['1: seconds int64', '2: nanos int32'] },
  [`${meta}.MicroTime`]: { special: 'microTime', layout: ['1: seconds int64', '2: nanos int32'] },
  [`${meta}.FieldsV1`]: { special: 'json', layout: ['1: Raw bytes'] },
  'k8s.io.apimachinery.pkg.api.resource.Quantity': { special: 'quantity', layout: ['1: string string'] },
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': {
    special: 'intOrString',
    layout: ['1: type int64', '2: intVal int32', '3: strVal string'],
  },
  'k8s.io.apimachinery.pkg.runtime.RawExtension': { special: 'json', layout: ['1: raw bytes'] },
  [`${apiextensions}.JSON`]: { special: 'json', layout: ['1: raw bytes'] },
  [`${apiextensions}.JSONSchemaPropsOrArray`]: {
    special: 'schemaOrArray',
    layout: [
      `1: schema ${apiextensions}.JSONSchemaProps`,
      `2: jSONSchemas repeated ${apiextensions}.JSONSchemaProps`,
    ],
  },
  [`${apiextensions}.JSONSchemaPropsOrBool`]: {
    special: 'schemaOrBool',
    layout: ['1: allows bool', `2: schema ${apiextensions}.JSONSchemaProps`],
  },
  [`${apiextensions}.JSONSchemaPropsOrStringArray`]: {
    special: 'schemaOrStringArray',
    layout: [`1: schema ${apiextensions}.JSONSchemaProps`, '2: property repeated string'],
  },
};

/**
 * Fields of apiextensions.k8s.io/v1 newer than the v0.24 descriptor (CEL messageExpression, reason,
 * fieldPath and optionalOldSelf; selectableFields): numbers and types as upstream's
 * generated.proto has them since 1.30, pointer-ness as its types.go declares them
 * (`Reason *FieldValueErrorReason`, `OptionalOldSelf *bool`). A binary that has them wins.
 */
const supplement: Array<{ message: string; field: DescriptorField }> = [
  { message: `${apiextensions}.ValidationRule`, field: scalar(3, 'messageExpression', 'string', false) },
  { message: `${apiextensions}.ValidationRule`, field: scalar(4, 'reason', 'string', true) },
  { message: `${apiextensions}.ValidationRule`, field: scalar(5, 'fieldPath', 'string', false) },
  { message: `${apiextensions}.ValidationRule`, field: scalar(6, 'optionalOldSelf', 'bool', true) },
  { message: `${apiextensions}.SelectableField`, field: scalar(1, 'jsonPath', 'string', false) },
  {
    message: `${apiextensions}.CustomResourceDefinitionVersion`,
    field: {
      number: 9,
      name: 'selectableFields',
      label: 'repeated',
      type: `${apiextensions}.SelectableField`,
      nullable: false,
    },
  },
];

function scalar(number: number, name: string, type: string, nullable: boolean): DescriptorField {
  return { number, name, label: 'optional', type, nullable };
}

// ---------------------------------------------------------------------------------------------
// Reading descriptors out of binaries.
// ---------------------------------------------------------------------------------------------

interface DescriptorField {
  number: number;
  name: string;
  label: 'optional' | 'required' | 'repeated';
  /** A scalar type name (`int32`, `string`, ...) or a message's full name without the leading dot. */
  type: string;
  /** False where gogoproto says `nullable = false`: Go holds the field by value. */
  nullable: boolean;
}

interface DescriptorMessage {
  /** The .proto file that declares it. */
  file: string;
  fields: DescriptorField[];
  mapEntry: boolean;
  /** gogoproto `goproto_stringer = false`: the Go type has its own String(), as named slices do. */
  customStringer: boolean;
}

interface Source {
  binary: string;
  sha256: string;
  version: string;
  files: string[];
}

const scalarTypes: Record<number, string> = {
  1: 'double',
  2: 'float',
  3: 'int64',
  4: 'uint64',
  5: 'int32',
  8: 'bool',
  9: 'string',
  12: 'bytes',
  13: 'uint32',
};
const messageType = 11;
const labels = { 1: 'optional', 2: 'required', 3: 'repeated' } as const;
const gogoNullable = 65001;
const gogoStringer = 64003;

type WireValue = bigint | Uint8Array;

/** The fields of one protobuf message, in order, undecoded. */
function wireFields(bytes: Uint8Array): Array<[number, WireValue]> {
  const out: Array<[number, WireValue]> = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = bytes[at++];
      if (byte === undefined || shift > 63n) throw new Error('malformed descriptor: bad varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const wireType = key & 7;
    if (wireType === 0) out.push([key >> 3, varint()]);
    else if (wireType === 2) {
      const length = Number(varint());
      if (at + length > bytes.length) throw new Error('malformed descriptor: truncated');
      out.push([key >> 3, bytes.subarray(at, at + length)]);
      at += length;
    } else if (wireType === 1 || wireType === 5) at += wireType === 1 ? 8 : 4;
    else throw new Error(`malformed descriptor: wire type ${wireType}`);
  }
  return out;
}

function text(value: WireValue | undefined): string {
  return value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : '';
}

function bytesOf(value: WireValue): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Error('malformed descriptor: expected bytes');
  return value;
}

function first(fields: Array<[number, WireValue]>, number: number): WireValue | undefined {
  return fields.find(([n]) => n === number)?.[1];
}

/** Every `k8s.io/...generated.proto` FileDescriptorProto gzipped into a Go binary. */
function* embeddedDescriptors(binary: Buffer): Generator<Uint8Array> {
  // Go's gzip writer: magic, deflate, no flags, no mtime; the header is 10 bytes.
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]);
  for (let at = binary.indexOf(header); at >= 0; at = binary.indexOf(header, at + 1)) {
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(binary.subarray(at + 10, at + 10 + (1 << 20)), {
        finishFlush: constants.Z_SYNC_FLUSH,
      });
    } catch {
      continue;
    }
    try {
      if (
        /^(k8s\.io\/kubernetes\/vendor\/)?k8s\.io\/.*generated\.proto$/.test(
          text(first(wireFields(inflated), 1)),
        )
      )
        yield inflated;
    } catch {
      // not a descriptor
    }
  }
}

function readMessages(
  file: string,
  prefix: string,
  descriptors: WireValue[],
  into: Map<string, DescriptorMessage>,
): void {
  for (const raw of descriptors) {
    const message = wireFields(bytesOf(raw));
    const name = `${prefix}.${text(first(message, 1))}`;
    const options = wireFields(bytesOf(first(message, 7) ?? new Uint8Array()));
    const fields = message
      .filter(([n]) => n === 2)
      .map(([, value]): DescriptorField => {
        const field = wireFields(bytesOf(value));
        const type = Number(first(field, 5));
        const fieldOptions = wireFields(bytesOf(first(field, 8) ?? new Uint8Array()));
        const label = labels[Number(first(field, 4)) as 1 | 2 | 3];
        const fieldName = `${name}.${text(first(field, 1))}`;
        if (type !== messageType && scalarTypes[type] === undefined)
          throw new Error(`${fieldName}: protobuf type ${type} is not handled`);
        return {
          number: Number(first(field, 3)),
          name: text(first(field, 1)),
          label,
          type: type === messageType ? text(first(field, 6)).replace(/^\./, '') : scalarTypes[type]!,
          nullable: first(fieldOptions, gogoNullable) !== 0n,
        };
      });
    into.set(name, {
      file,
      fields,
      mapEntry: first(options, 7) === 1n,
      customStringer: first(options, gogoStringer) === 0n,
    });
    readMessages(
      file,
      name,
      message.filter(([n]) => n === 3).map(([, value]) => value),
      into,
    );
  }
}

/** The k8s.io/api version a binary was built from, for the record. */
function versionOf(path: string, binary: Buffer): string {
  const dependency = /\tk8s\.io\/(?:api|apiextensions-apiserver)\t(v[^\t\n]+)/.exec(
    binary.toString('latin1'),
  );
  if (dependency?.[1] !== undefined) return `k8s.io/api ${dependency[1]}`;
  try {
    const out = JSON.parse(
      execFileSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8' }),
    ) as {
      clientVersion?: { gitVersion?: string };
    };
    return `kubectl ${out.clientVersion?.gitVersion ?? 'unknown'}`;
  } catch {
    return 'unknown';
  }
}

function loadDescriptors(paths: string[]): { messages: Map<string, DescriptorMessage>; sources: Source[] } {
  const messages = new Map<string, DescriptorMessage>();
  const seen = new Set<string>();
  const sources: Source[] = [];
  for (const path of paths) {
    const binary = readFileSync(path);
    const source: Source = {
      binary: basename(path),
      sha256: createHash('sha256').update(binary).digest('hex'),
      version: versionOf(path, binary),
      files: [],
    };
    for (const descriptor of embeddedDescriptors(binary)) {
      const file = wireFields(descriptor);
      const name = text(first(file, 1)).replace(/^k8s\.io\/kubernetes\/vendor\//, '');
      if (seen.has(name)) continue;
      seen.add(name);
      source.files.push(name);
      readMessages(
        name,
        text(first(file, 2)),
        file.filter(([n]) => n === 4).map(([, value]) => value),
        messages,
      );
    }
    source.files.sort();
    sources.push(source);
  }
  return { messages, sources };
}

function applySupplement(messages: Map<string, DescriptorMessage>): string[] {
  const added: string[] = [];
  for (const entry of supplement) {
    let message = messages.get(entry.message);
    if (!message) {
      message = { file: 'supplement', fields: [], mapEntry: false, customStringer: false };
      messages.set(entry.message, message);
    }
    const existing = message.fields.find((f) => f.number === entry.field.number);
    if (existing) {
      if (existing.name !== entry.field.name || existing.type !== entry.field.type)
        throw new Error(`supplement ${entry.message}.${entry.field.name} contradicts the descriptor`);
      continue;
    }
    message.fields.push(entry.field);
    added.push(`${entry.message}.${entry.field.name}`);
  }
  return added;
}

// ---------------------------------------------------------------------------------------------
// The kinds decoded, and the OpenAPI schemas their JSON form follows.
// ---------------------------------------------------------------------------------------------

interface OpenapiSchema {
  type?: string;
  format?: string;
  properties?: Record<string, OpenapiSchema>;
  required?: string[];
  items?: OpenapiSchema;
  additionalProperties?: OpenapiSchema | boolean;
  allOf?: OpenapiSchema[];
  $ref?: string;
}

const openapi = JSON.parse(readFileSync(openapiPath, 'utf8')) as Record<string, OpenapiSchema>;

function openapiName(message: string): string {
  return message.replace(/^k8s\.io\./, 'io.k8s.').replaceAll('_', '-');
}

function protoName(schemaName: string): string {
  return schemaName.replace(/^io\.k8s\./, 'k8s.io.').replaceAll('-', '_');
}

/** `apiVersion/kind` → message: the served kinds, and the bodies of subresources and reviews. */
function roots(): Record<string, string> {
  const out: Record<string, string> = {};
  const apiVersions = new Set<string>(['meta.k8s.io/v1']);
  for (const type of builtinResources) {
    if (type.schemaName === undefined) continue;
    const apiVersion = type.group === '' ? type.version : `${type.group}/${type.version}`;
    apiVersions.add(apiVersion);
    out[`${apiVersion}/${type.kind}`] = protoName(type.schemaName);
  }
  out['v1/Binding'] = 'k8s.io.api.core.v1.Binding';
  out['autoscaling/v1/Scale'] = 'k8s.io.api.autoscaling.v1.Scale';
  out['authentication.k8s.io/v1/TokenRequest'] = 'k8s.io.api.authentication.v1.TokenRequest';
  out['authorization.k8s.io/v1/LocalSubjectAccessReview'] =
    'k8s.io.api.authorization.v1.LocalSubjectAccessReview';
  out['authorization.k8s.io/v1/SelfSubjectRulesReview'] =
    'k8s.io.api.authorization.v1.SelfSubjectRulesReview';
  // client-go sends a DELETE's options as the body, typed in the group version of the resource.
  for (const apiVersion of apiVersions) out[`${apiVersion}/DeleteOptions`] = `${meta}.DeleteOptions`;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

// ---------------------------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------------------------

interface FieldOut {
  name: string;
  type: string;
  repeated?: true;
  map?: true;
  inline?: true;
  presence?: true;
}

interface MessageOut {
  special?: Special;
  fields: Record<string, FieldOut>;
}

class TableBuilder {
  readonly #messages: Map<string, DescriptorMessage>;
  readonly #out = new Map<string, MessageOut>();
  readonly #errors: string[] = [];
  readonly #missing: string[] = [];
  readonly #unchecked: string[] = [];
  readonly #lists: string[] = [];

  constructor(messages: Map<string, DescriptorMessage>) {
    this.#messages = messages;
  }

  result(): {
    messages: Record<string, MessageOut>;
    missing: string[];
    unchecked: string[];
    lists: string[];
  } {
    if (this.#errors.length > 0) throw new Error(`cannot generate:\n  ${this.#errors.join('\n  ')}`);
    const sorted = [...this.#out.entries()].sort(([a], [b]) => a.localeCompare(b));
    return {
      messages: Object.fromEntries(sorted),
      missing: this.#missing.sort(),
      unchecked: this.#unchecked.sort(),
      lists: this.#lists.sort(),
    };
  }

  add(name: string): void {
    if (this.#out.has(name)) return;
    const message = this.#messages.get(name);
    if (!message) {
      this.#errors.push(`${name}: no binary carries this message`);
      return;
    }
    const out: MessageOut = { fields: {} };
    this.#out.set(name, out);
    const special = this.#special(name, message);
    if (special) out.special = special;
    const schema = special === undefined || special === 'items' ? openapi[openapiName(name)] : undefined;
    if (schema === undefined && special === undefined) this.#unchecked.push(name);
    const matched = new Set<string>();
    for (const field of [...message.fields].sort((a, b) => a.number - b.number)) {
      const resolved = this.#field(name, field, schema, matched, special !== undefined);
      if (resolved) out.fields[String(field.number)] = resolved;
    }
    for (const property of Object.keys(schema?.properties ?? {})) {
      if (!matched.has(property) && property !== 'apiVersion' && property !== 'kind')
        this.#missing.push(`${openapiName(name)}.${property}`);
    }
  }

  #special(name: string, message: DescriptorMessage): Special | undefined {
    const known = specials[name];
    if (known) {
      const layout = message.fields.map(
        (f) => `${f.number}: ${f.name} ${f.label === 'repeated' ? 'repeated ' : ''}${f.type}`,
      );
      if (layout.join('; ') !== known.layout.join('; '))
        this.#errors.push(
          `${name}: expected the layout ${known.layout.join('; ')}, found ${layout.join('; ')}`,
        );
      return known.special;
    }
    // go-to-protobuf writes a named slice (`type ExtraValue []string`) as a message of its items.
    const [only] = message.fields;
    if (
      message.customStringer &&
      message.fields.length === 1 &&
      only?.name === 'items' &&
      only.label === 'repeated'
    ) {
      this.#lists.push(name);
      return 'items';
    }
    return undefined;
  }

  #field(
    parent: string,
    field: DescriptorField,
    schema: OpenapiSchema | undefined,
    matched: Set<string>,
    layoutOnly: boolean,
  ): FieldOut | undefined {
    const where = `${parent}.${field.name}`;
    const target = this.#messages.get(field.type);
    const isMessage = !Object.values(scalarTypes).includes(field.type);
    let type = field.type;
    let map = false;
    if (isMessage && target?.mapEntry) {
      const key = target.fields.find((f) => f.number === 1);
      const value = target.fields.find((f) => f.number === 2);
      if (key?.type !== 'string' || value === undefined) {
        this.#errors.push(`${where}: only maps with string keys are handled`);
        return undefined;
      }
      type = value.type;
      map = true;
    }
    const valueIsMessage = this.#messages.has(type);
    if (valueIsMessage) this.add(type);
    const out: FieldOut = { name: field.name, type };
    if (map) out.map = true;
    else if (field.label === 'repeated') out.repeated = true;
    if (layoutOnly) return out;

    let required = false;
    if (schema?.properties) {
      const property = matchProperty(field.name, schema.properties);
      if (property !== undefined) {
        out.name = property;
        matched.add(property);
        required = schema.required?.includes(property) ?? false;
        const problem = this.#typeProblem(out, schema.properties[property]!);
        if (problem) this.#errors.push(`${where}: ${problem}`);
      } else if (
        valueIsMessage &&
        !map &&
        out.repeated === undefined &&
        this.#inlines(type, schema, matched)
      ) {
        out.inline = true;
      } else {
        this.#errors.push(`${where}: no property of ${openapiName(parent)} matches`);
      }
    }
    if (this.#scalarLike(out) && (field.nullable || required)) out.presence = true;
    return out;
  }

  /**
   * Whether every field of `message` (Go embeds it) is a property of the embedding type's schema.
   * An embedded type with no schema of its own (ProbeHandler, VolumeSource) is checked against the
   * embedding type's, whose required fields it keeps.
   */
  #inlines(message: string, schema: OpenapiSchema, matched: Set<string>): boolean {
    const fields = Object.values(this.#out.get(message)?.fields ?? {});
    const properties = schema.properties ?? {};
    if (
      fields.length === 0 ||
      !fields.every((f) => f.inline === undefined && Object.hasOwn(properties, f.name))
    )
      return false;
    const unchecked = this.#unchecked.indexOf(message);
    for (const f of fields) {
      matched.add(f.name);
      const problem = this.#typeProblem(f, properties[f.name]!);
      if (problem) this.#errors.push(`${message}.${f.name}: ${problem}`);
      if (unchecked >= 0 && schema.required?.includes(f.name) && this.#scalarLike(f)) f.presence = true;
    }
    if (unchecked >= 0) this.#unchecked.splice(unchecked, 1);
    return true;
  }

  /** Scalars, and the messages JSON writes as one, not in a list or map: zero-dropping applies. */
  #scalarLike(field: FieldOut): boolean {
    if (field.map || field.repeated) return false;
    if (!this.#messages.has(field.type)) return true;
    const special = this.#out.get(field.type)?.special;
    return special !== undefined && scalarSpecials.has(special);
  }

  #typeProblem(field: FieldOut, property: OpenapiSchema): string | undefined {
    let expected = property;
    if (field.map) {
      if (typeof property.additionalProperties !== 'object') return 'a map, but the schema is no map';
      expected = property.additionalProperties;
    } else if (field.repeated) {
      if (property.type !== 'array' || property.items === undefined)
        return 'repeated, but the schema is no array';
      expected = property.items;
    }
    const ref = expected.$ref ?? expected.allOf?.[0]?.$ref;
    const special = this.#out.get(field.type)?.special;
    if (this.#messages.has(field.type)) {
      if (special === 'items')
        return expected.type === 'array' ? undefined : 'a list, but the schema is no array';
      const wanted = `#/components/schemas/${openapiName(field.type)}`;
      // builtin-schemas.json types a Quantity its table does not know as a plain string.
      if (special === 'quantity' && expected.type === 'string') return undefined;
      return ref === wanted
        ? undefined
        : `${field.type}, but the schema has ${ref ?? expected.type ?? 'no type'}`;
    }
    const scalarSchema: Record<string, string> = {
      string: 'string',
      bytes: 'string',
      bool: 'boolean',
      int32: 'integer',
      int64: 'integer',
      uint32: 'integer',
      uint64: 'integer',
      double: 'number',
      float: 'number',
    };
    if (expected.type !== scalarSchema[field.type])
      return `${field.type}, but the schema has ${expected.type ?? ref}`;
    if ((field.type === 'bytes') !== (expected.format === 'byte'))
      return `${field.type}, but the format is ${expected.format}`;
    return undefined;
  }
}

function normalized(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The JSON name of a proto field: the same name, or one that differs only in `$`/`-` (`x-kubernetes-...`). */
function matchProperty(name: string, properties: Record<string, OpenapiSchema>): string | undefined {
  if (Object.hasOwn(properties, name)) return name;
  return Object.keys(properties).find((property) => normalized(property) === normalized(name));
}

// ---------------------------------------------------------------------------------------------

export async function generateProtobufSchemas(binaries: string[]): Promise<string> {
  const { messages, sources } = loadDescriptors(binaries);
  const supplemented = applySupplement(messages);
  const kinds = roots();
  const generator = new TableBuilder(messages);
  for (const message of Object.values(kinds)) generator.add(message);
  const result = generator.result();
  const used = new Set(Object.keys(result.messages).map((name) => messages.get(name)?.file));
  for (const source of sources) source.files = source.files.filter((file) => used.has(file));
  const document = {
    description:
      'Generated by scripts/generate-protobuf-schemas.ts from the protobuf descriptors compiled into the binaries in `sources` and the OpenAPI schemas of src/api/generated/builtin-schemas.json; do not edit.',
    sources,
    supplemented,
    missing: result.missing,
    unchecked: result.unchecked,
    kinds,
    messages: result.messages,
  };
  const config = (await resolveConfig(outputPath)) ?? {};
  return format(serialize(document), { ...config, parser: 'json', filepath: outputPath });
}

/** JSON with each field on one line, which prettier keeps as it is. */
function serialize(document: Record<string, unknown>): string {
  const { messages, ...rest } = document as { messages: Record<string, MessageOut> } & Record<
    string,
    unknown
  >;
  const head = JSON.stringify(rest, null, 2).replace(/\n}$/, '');
  const body = Object.entries(messages).map(([name, message]) => {
    const fields = Object.entries(message.fields).map(([n, f]) => `      "${n}": ${JSON.stringify(f)}`);
    const special = message.special === undefined ? '' : `"special": ${JSON.stringify(message.special)}, `;
    return `    ${JSON.stringify(name)}: { ${special}"fields": {\n${fields.join(',\n')}\n    } }`;
  });
  return `${head},\n  "messages": {\n${body.join(',\n')}\n  }\n}\n`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const binaries = args.filter((a) => a !== '--check');
  if (binaries.length === 0) {
    process.stderr.write('usage: generate-protobuf-schemas.ts [--check] BINARY...\n');
    process.exitCode = 2;
    return;
  }
  const text = await generateProtobufSchemas(binaries);
  writeGenerated(outputPath, text, check, 'node --import tsx scripts/generate-protobuf-schemas.ts');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
