/**
 * Decodes Kubernetes protobuf request bodies (`k8s\0` + runtime.Unknown) into the object the same
 * client would have sent as JSON. kubectl's typed commands (`create deployment|job|service|role|...`,
 * `run`, `expose`, `auth can-i`, `create token`) post protobuf and never retry as JSON; so may any
 * client-go program. Every kind the server serves is decoded, with the bodies of its subresources,
 * reviews and DELETE options. Answers are always JSON, which client-go accepts whatever it sent.
 *
 * The layout of each message is generated/protobuf-schemas.json, made by
 * scripts/generate-protobuf-schemas.ts from the descriptors compiled into kubectl; this file holds
 * only the rules of Go's encoding/json that a layout cannot say:
 * - a scalar Go holds by value is always on the wire, and a zero one is what `omitempty` leaves
 *   out, so it is dropped unless the field is required (`presence`); a pointer (`presence`) is on
 *   the wire only when set, and then kept even when zero (`replicas: 0`, `suspend: false`);
 * - `bytes` become base64; an embedded struct's fields are inlined into its parent;
 * - the types that marshal JSON by hand (`special`): Time, MicroTime, Quantity, IntOrString,
 *   RawExtension and the other raw JSON holders, named slices, and the JSONSchemaPropsOr* unions.
 */
import { readFileSync } from 'node:fs';
import { BadRequestError, KeelsonError } from '../../base/errors.ts';
import type { JsonObject } from '../../base/json.ts';
import type { KubeObject } from '../../api/meta.ts';

export const protobufContentType = 'application/vnd.kubernetes.protobuf';

export function isProtobuf(contentType: string): boolean {
  return contentType.split(';')[0]?.trim().toLowerCase() === protobufContentType;
}

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

interface FieldSchema {
  /** The JSON name. */
  name: string;
  /** A scalar (`string`, `bytes`, `bool`, `int32`, `int64`, `uint32`, `uint64`, `double`, `float`) or a message. */
  type: string;
  repeated?: true;
  /** A `map<string, type>`. */
  map?: true;
  /** A Go embedded struct: its fields are the parent's. */
  inline?: true;
  /** Kept when zero: a Go pointer, or a field JSON always writes. */
  presence?: true;
}

interface MessageSchema {
  special?: Special;
  fields: Record<string, FieldSchema>;
}

interface ProtobufSchemas {
  /** `apiVersion/kind` → message. */
  kinds: Record<string, string>;
  messages: Record<string, MessageSchema>;
}

const schemas = JSON.parse(
  readFileSync(new URL('./generated/protobuf-schemas.json', import.meta.url), 'utf8'),
) as ProtobufSchemas;

/** The `k8s\0` prefix of every Kubernetes protobuf body, before the runtime.Unknown envelope. */
const magic = [0x6b, 0x38, 0x73, 0x00];

/** Deeper than any real object; keeps a crafted body from exhausting the stack. */
const maxDepth = 500;

function hasMagic(body: Uint8Array): boolean {
  return body.length >= magic.length && magic.every((byte, i) => body[i] === byte);
}

/**
 * Decodes a protobuf body. Throws BadRequestError for a malformed body and a 415 for a kind that
 * is not decoded here (the client should send JSON).
 */
export function decodeProtobuf(body: Uint8Array): KubeObject {
  return decodeObject(body, 0);
}

function decodeObject(body: Uint8Array, depth: number): KubeObject {
  if (!hasMagic(body)) throw new BadRequestError('the body is not a kubernetes protobuf message');
  const { apiVersion, kind, raw } = decodeEnvelope(body.subarray(magic.length));
  const key = `${apiVersion}/${kind}`;
  const message = Object.hasOwn(schemas.kinds, key) ? schemas.kinds[key] : undefined;
  if (message === undefined) {
    throw new KeelsonError(
      'KEELSON_UNSUPPORTED_MEDIA_TYPE',
      `protobuf bodies of kind ${kind || '(none)'} ${apiVersion} are not supported; send application/json`,
    );
  }
  const object = decodeFields(raw, schemaOf(message), depth);
  return { apiVersion, kind, ...object, metadata: (object['metadata'] as JsonObject | undefined) ?? {} };
}

/** runtime.Unknown: its TypeMeta (apiVersion 1, kind 2) and the raw bytes of the object. */
function decodeEnvelope(bytes: Uint8Array): { apiVersion: string; kind: string; raw: Uint8Array } {
  const envelope: { apiVersion: string; kind: string; raw: Uint8Array } = {
    apiVersion: '',
    kind: '',
    raw: new Uint8Array(0),
  };
  const reader = new Reader(bytes);
  while (!reader.done()) {
    const { number, wireType } = reader.key();
    if (number === 1) {
      const typeMeta = new Reader(reader.bytes(wireType));
      while (!typeMeta.done()) {
        const field = typeMeta.key();
        if (field.number === 1) envelope.apiVersion = utf8(typeMeta.bytes(field.wireType));
        else if (field.number === 2) envelope.kind = utf8(typeMeta.bytes(field.wireType));
        else typeMeta.skip(field.wireType);
      }
    } else if (number === 2) envelope.raw = reader.bytes(wireType);
    else reader.skip(wireType);
  }
  return envelope;
}

function schemaOf(message: string): MessageSchema {
  const schema = schemas.messages[message];
  if (schema === undefined) throw new Error(`protobuf-schemas.json names ${message} but lacks it`);
  return schema;
}

/** A message as JSON; undefined where Go writes `null` (a zero Time, an empty RawExtension). */
function decodeMessage(bytes: Uint8Array, message: string, depth: number): unknown {
  if (depth > maxDepth) throw new BadRequestError('malformed protobuf body: nested too deeply');
  const schema = schemaOf(message);
  return schema.special === undefined
    ? decodeFields(bytes, schema, depth + 1)
    : decodeSpecial(bytes, schema, schema.special, depth + 1);
}

function decodeFields(bytes: Uint8Array, schema: MessageSchema, depth: number): JsonObject {
  const out: JsonObject = {};
  const reader = new Reader(bytes);
  while (!reader.done()) {
    const { number, wireType } = reader.key();
    const field = schema.fields[number];
    if (field === undefined) {
      reader.skip(wireType);
      continue;
    }
    if (field.map) {
      const [key, value] = decodeMapEntry(reader.bytes(wireType), field.type, depth);
      // defined, not assigned, so that a key such as `__proto__` stays a key, as JSON.parse keeps it
      Object.defineProperty((out[field.name] ??= {}) as JsonObject, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (field.repeated) {
      const items = (out[field.name] ??= []) as unknown[];
      if (wireType === 2 && packable(field.type)) {
        const packed = new Reader(reader.bytes(wireType));
        while (!packed.done()) items.push(decodeScalar(packed, scalarWireType(field.type), field.type));
      } else items.push(decodeValue(reader, wireType, field.type, depth) ?? null);
    } else {
      const value = decodeValue(reader, wireType, field.type, depth);
      if (field.inline) Object.assign(out, value);
      else if (value === undefined || (!field.presence && isZero(value, field.type))) delete out[field.name];
      else out[field.name] = value;
    }
  }
  return out;
}

/** A `map<string, type>` entry: key 1, value 2; an absent value is the type's zero. */
function decodeMapEntry(bytes: Uint8Array, type: string, depth: number): [string, unknown] {
  let key = '';
  let value: unknown;
  const reader = new Reader(bytes);
  while (!reader.done()) {
    const { number, wireType } = reader.key();
    if (number === 1) key = utf8(reader.bytes(wireType));
    else if (number === 2) value = decodeValue(reader, wireType, type, depth);
    else reader.skip(wireType);
  }
  value ??= isScalar(type) ? zeroOf(type) : decodeMessage(new Uint8Array(0), type, depth);
  return [key, value ?? null];
}

function decodeValue(reader: Reader, wireType: number, type: string, depth: number): unknown {
  if (isScalar(type)) return decodeScalar(reader, wireType, type);
  return decodeMessage(reader.bytes(wireType), type, depth);
}

const scalars = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float']);

function isScalar(type: string): boolean {
  return scalars.has(type);
}

function packable(type: string): boolean {
  return isScalar(type) && type !== 'string' && type !== 'bytes';
}

function scalarWireType(type: string): number {
  if (type === 'double') return 1;
  if (type === 'float') return 5;
  return type === 'string' || type === 'bytes' ? 2 : 0;
}

function decodeScalar(reader: Reader, wireType: number, type: string): unknown {
  expectWireType(wireType, scalarWireType(type));
  switch (type) {
    case 'string':
      return utf8(reader.bytes(wireType));
    case 'bytes':
      return Buffer.from(reader.bytes(wireType)).toString('base64');
    case 'bool':
      return reader.varint() !== 0n;
    case 'uint32':
    case 'uint64':
      return Number(BigInt.asUintN(64, reader.varint()));
    case 'double':
      return reader.fixed(8).readDoubleLE(0);
    case 'float':
      return reader.fixed(4).readFloatLE(0);
    default:
      return Number(BigInt.asIntN(64, reader.varint()));
  }
}

function zeroOf(type: string): unknown {
  if (type === 'string' || type === 'bytes') return '';
  return type === 'bool' ? false : 0;
}

/** What Go's `omitempty` leaves out: zero scalars, and the zero of the scalars that are messages. */
function isZero(value: unknown, type: string): boolean {
  if (isScalar(type)) return value === '' || value === 0 || value === false;
  const special = schemas.messages[type]?.special;
  if (special === 'quantity') return value === '0';
  if (special === 'intOrString') return value === 0;
  return false;
}

function decodeSpecial(bytes: Uint8Array, schema: MessageSchema, special: Special, depth: number): unknown {
  switch (special) {
    case 'time':
    case 'microTime': {
      if (bytes.length === 0) return undefined;
      const { seconds = 0, nanos = 0 } = decodeFields(bytes, schema, depth) as {
        seconds?: number;
        nanos?: number;
      };
      return formatTime(seconds, special === 'microTime' ? nanos : undefined);
    }
    case 'quantity':
      return decodeFields(bytes, schema, depth)['string'] ?? '0';
    case 'intOrString': {
      const value = decodeFields(bytes, schema, depth);
      return value['type'] === 1 ? (value['strVal'] ?? '') : (value['intVal'] ?? 0);
    }
    case 'json':
      return decodeRawJson(lastBytes(bytes, 1), depth);
    case 'items':
      return decodeFields(bytes, schema, depth)['items'] ?? [];
    case 'schemaOrArray': {
      const { schema: single, jSONSchemas: list } = decodeFields(bytes, schema, depth);
      return Array.isArray(list) && list.length > 0 ? list : single;
    }
    case 'schemaOrBool': {
      const { allows, schema: single } = decodeFields(bytes, schema, depth);
      return single ?? allows === true;
    }
    case 'schemaOrStringArray': {
      const { schema: single, property } = decodeFields(bytes, schema, depth);
      return Array.isArray(property) && property.length > 0 ? property : single;
    }
  }
}

/** Go's RFC 3339 in UTC: to the second for Time, to the microsecond for MicroTime. */
function formatTime(seconds: number, nanos: number | undefined): string {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw new BadRequestError('malformed protobuf body: time out of range');
  const base = date.toISOString().slice(0, 19);
  if (nanos === undefined) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

/** RawExtension, FieldsV1 and apiextensions' JSON hold JSON, or a nested protobuf object. */
function decodeRawJson(raw: Uint8Array | undefined, depth: number): unknown {
  if (raw === undefined || raw.length === 0) return undefined;
  if (hasMagic(raw)) return decodeObject(raw, depth);
  try {
    return JSON.parse(utf8(raw)) as unknown;
  } catch (error) {
    if (error instanceof KeelsonError) throw error;
    throw new BadRequestError('malformed protobuf body: a raw JSON field holds invalid JSON');
  }
}

/** The last length-delimited value of a field, undecoded. */
function lastBytes(bytes: Uint8Array, number: number): Uint8Array | undefined {
  let found: Uint8Array | undefined;
  const reader = new Reader(bytes);
  while (!reader.done()) {
    const key = reader.key();
    if (key.number === number) found = reader.bytes(key.wireType);
    else reader.skip(key.wireType);
  }
  return found;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new BadRequestError('malformed protobuf body: invalid utf-8 in a string field');
  }
}

function expectWireType(actual: number, expected: number): void {
  if (actual !== expected) throw new BadRequestError('malformed protobuf body: unexpected wire type');
}

class Reader {
  #offset = 0;
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  done(): boolean {
    return this.#offset >= this.#bytes.length;
  }

  key(): { number: number; wireType: number } {
    const key = this.varint();
    return { number: Number(key >> 3n), wireType: Number(key & 7n) };
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.#bytes[this.#offset++];
      if (byte === undefined) throw new BadRequestError('malformed protobuf body: truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new BadRequestError('malformed protobuf body: varint too long');
  }

  /** A length-delimited value; the wire type must say so. */
  bytes(wireType: number): Uint8Array {
    expectWireType(wireType, 2);
    const length = Number(this.varint());
    return this.#take(length);
  }

  fixed(size: 4 | 8): Buffer {
    const chunk = this.#take(size);
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes(wireType);
    else if (wireType === 1 || wireType === 5) this.#take(wireType === 1 ? 8 : 4);
    else throw new BadRequestError('malformed protobuf body: unsupported wire type');
  }

  #take(length: number): Uint8Array {
    const end = this.#offset + length;
    if (end > this.#bytes.length) throw new BadRequestError('malformed protobuf body: truncated field');
    const chunk = this.#bytes.subarray(this.#offset, end);
    this.#offset = end;
    return chunk;
  }
}
