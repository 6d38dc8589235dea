/**
 * Decodes Kubernetes protobuf request bodies (`k8s\0` + runtime.Unknown) into the objects their JSON
 * form decodes to, for the kinds kubectl's typed clients post as protobuf and never retry as JSON:
 * `kubectl create namespace|configmap|secret|serviceaccount|token`, `auth can-i [--list]` and
 * `auth whoami`, plus the other review kinds. The field numbers are those of k8s.io/api's
 * generated.proto. Answers are always JSON, which client-go accepts whatever it sent.
 */
import { BadRequestError, KeelsonError } from '../../base/errors.ts';
import type { JsonObject } from '../../base/json.ts';
import type { KubeObject } from '../../api/meta.ts';

export const protobufContentType = 'application/vnd.kubernetes.protobuf';

export function isProtobuf(contentType: string): boolean {
  return contentType.split(';')[0]?.trim().toLowerCase() === protobufContentType;
}

/**
 * A message's fields by number. Go omits zero scalars from JSON and cannot tell them from absent,
 * so they are dropped, except in `optional` fields (Go pointers), where presence is the value.
 * `bytes` become base64, as in JSON.
 */
type Schema = Record<number, Field>;

type Field =
  | { name: string; type: 'string'; repeated?: boolean }
  | { name: string; type: 'bytes' }
  | { name: string; type: 'bool' | 'int64'; optional?: boolean }
  | { name: string; type: 'message'; schema: Schema; repeated?: boolean }
  | { name: string; type: 'map'; value: 'string' | 'bytes' | Schema; unwrap?: string };

const typeMeta: Schema = { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } };

const ownerReference: Schema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool', optional: true },
  7: { name: 'blockOwnerDeletion', type: 'bool', optional: true },
};

/** The ObjectMeta fields a client may set on create; server-set ones are skipped. */
const objectMeta: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int64' },
  11: { name: 'labels', type: 'map', value: 'string' },
  12: { name: 'annotations', type: 'map', value: 'string' },
  13: { name: 'ownerReferences', type: 'message', schema: ownerReference, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const selectorRequirement: Schema = {
  1: { name: 'key', type: 'string' },
  2: { name: 'operator', type: 'string' },
  3: { name: 'values', type: 'string', repeated: true },
};
const selectorAttributes: Schema = {
  1: { name: 'rawSelector', type: 'string' },
  2: { name: 'requirements', type: 'message', schema: selectorRequirement, repeated: true },
};
const resourceAttributes: Schema = {
  1: { name: 'namespace', type: 'string' },
  2: { name: 'verb', type: 'string' },
  3: { name: 'group', type: 'string' },
  4: { name: 'version', type: 'string' },
  5: { name: 'resource', type: 'string' },
  6: { name: 'subresource', type: 'string' },
  7: { name: 'name', type: 'string' },
  8: { name: 'fieldSelector', type: 'message', schema: selectorAttributes },
  9: { name: 'labelSelector', type: 'message', schema: selectorAttributes },
};
const nonResourceAttributes: Schema = {
  1: { name: 'path', type: 'string' },
  2: { name: 'verb', type: 'string' },
};
const selfSubjectAccessReviewSpec: Schema = {
  1: { name: 'resourceAttributes', type: 'message', schema: resourceAttributes },
  2: { name: 'nonResourceAttributes', type: 'message', schema: nonResourceAttributes },
};
const subjectAccessReviewSpec: Schema = {
  ...selfSubjectAccessReviewSpec,
  3: { name: 'user', type: 'string' },
  4: { name: 'groups', type: 'string', repeated: true },
  5: {
    name: 'extra',
    type: 'map',
    value: { 1: { name: 'items', type: 'string', repeated: true } },
    unwrap: 'items',
  },
  6: { name: 'uid', type: 'string' },
};
const boundObjectReference: Schema = {
  1: { name: 'kind', type: 'string' },
  2: { name: 'apiVersion', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
};
const tokenRequestSpec: Schema = {
  1: { name: 'audiences', type: 'string', repeated: true },
  3: { name: 'boundObjectRef', type: 'message', schema: boundObjectReference },
  4: { name: 'expirationSeconds', type: 'int64', optional: true },
};

function withMetadata(fields: Schema): Schema {
  return { 1: { name: 'metadata', type: 'message', schema: objectMeta }, ...fields };
}

function withSpec(spec: Schema): Schema {
  return withMetadata({ 2: { name: 'spec', type: 'message', schema: spec } });
}

/** The decodable kinds, by `group/kind`. */
const kinds: Record<string, Schema> = {
  '/Namespace': withSpec({ 1: { name: 'finalizers', type: 'string', repeated: true } }),
  '/ConfigMap': withMetadata({
    2: { name: 'data', type: 'map', value: 'string' },
    3: { name: 'binaryData', type: 'map', value: 'bytes' },
    4: { name: 'immutable', type: 'bool', optional: true },
  }),
  '/Secret': withMetadata({
    2: { name: 'data', type: 'map', value: 'bytes' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'map', value: 'string' },
    5: { name: 'immutable', type: 'bool', optional: true },
  }),
  '/ServiceAccount': withMetadata({
    4: { name: 'automountServiceAccountToken', type: 'bool', optional: true },
  }),
  'authorization.k8s.io/SelfSubjectAccessReview': withSpec(selfSubjectAccessReviewSpec),
  'authorization.k8s.io/SubjectAccessReview': withSpec(subjectAccessReviewSpec),
  'authorization.k8s.io/LocalSubjectAccessReview': withSpec(subjectAccessReviewSpec),
  'authorization.k8s.io/SelfSubjectRulesReview': withSpec({ 1: { name: 'namespace', type: 'string' } }),
  'authentication.k8s.io/SelfSubjectReview': withMetadata({}),
  'authentication.k8s.io/TokenRequest': withSpec(tokenRequestSpec),
  'authentication.k8s.io/TokenReview': withSpec({ 1: { name: 'token', type: 'string' } }),
};

/** The `k8s\0` prefix of every Kubernetes protobuf body, before the runtime.Unknown envelope. */
const magic = [0x6b, 0x38, 0x73, 0x00];

/**
 * Decodes a protobuf body. Throws BadRequestError for a malformed body and a 415 for a kind that
 * is not decoded here (the client should send JSON).
 */
export function decodeProtobuf(body: Uint8Array): KubeObject {
  if (body.length < magic.length || magic.some((byte, i) => body[i] !== byte)) {
    throw new BadRequestError('the body is not a kubernetes protobuf message');
  }
  const envelope = decodeEnvelope(body.subarray(magic.length));
  const apiVersion =
    typeof envelope.typeMeta['apiVersion'] === 'string' ? envelope.typeMeta['apiVersion'] : '';
  const kind = typeof envelope.typeMeta['kind'] === 'string' ? envelope.typeMeta['kind'] : '';
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  const schema = Object.hasOwn(kinds, `${group}/${kind}`) ? kinds[`${group}/${kind}`] : undefined;
  if (schema === undefined) {
    throw new KeelsonError(
      'KEELSON_UNSUPPORTED_MEDIA_TYPE',
      `protobuf bodies of kind ${kind || '(none)'} ${apiVersion} are not supported; send application/json`,
    );
  }
  const object = decodeMessage(envelope.raw, schema);
  return { apiVersion, kind, ...object, metadata: (object['metadata'] as JsonObject | undefined) ?? {} };
}

/** runtime.Unknown: the TypeMeta and the raw bytes of the object. */
function decodeEnvelope(bytes: Uint8Array): { typeMeta: JsonObject; raw: Uint8Array } {
  const reader = new Reader(bytes);
  let typeMetaFields: JsonObject = {};
  let raw: Uint8Array = new Uint8Array(0);
  while (!reader.done()) {
    const { number, wireType } = reader.key();
    if (number === 1 || number === 2) {
      expectWireType(wireType, 2);
      if (number === 1) typeMetaFields = decodeMessage(reader.bytes(), typeMeta);
      else raw = reader.bytes();
    } else reader.skip(wireType);
  }
  return { typeMeta: typeMetaFields, raw };
}

function decodeMessage(bytes: Uint8Array, schema: Schema): JsonObject {
  const reader = new Reader(bytes);
  const out: JsonObject = {};
  const append = (name: string, value: unknown): void => {
    ((out[name] ??= []) as unknown[]).push(value);
  };
  while (!reader.done()) {
    const { number, wireType } = reader.key();
    const field = schema[number];
    if (!field) {
      reader.skip(wireType);
      continue;
    }
    switch (field.type) {
      case 'bool': {
        expectWireType(wireType, 0);
        const value = reader.varint() !== 0n;
        if (value || field.optional) out[field.name] = value;
        break;
      }
      case 'int64': {
        expectWireType(wireType, 0);
        const value = Number(BigInt.asIntN(64, reader.varint()));
        if (value !== 0 || field.optional) out[field.name] = value;
        break;
      }
      case 'string': {
        expectWireType(wireType, 2);
        const value = utf8(reader.bytes());
        if (field.repeated) append(field.name, value);
        else if (value !== '') out[field.name] = value;
        break;
      }
      case 'bytes': {
        expectWireType(wireType, 2);
        const chunk = reader.bytes();
        if (chunk.length > 0) out[field.name] = Buffer.from(chunk).toString('base64');
        break;
      }
      case 'message': {
        expectWireType(wireType, 2);
        const value = decodeMessage(reader.bytes(), field.schema);
        if (field.repeated) append(field.name, value);
        else out[field.name] = value;
        break;
      }
      case 'map': {
        expectWireType(wireType, 2);
        const valueField: Field =
          typeof field.value === 'string'
            ? { name: 'value', type: field.value }
            : { name: 'value', type: 'message', schema: field.value };
        const entry = decodeMessage(reader.bytes(), { 1: { name: 'key', type: 'string' }, 2: valueField });
        const value = entry['value'] ?? (typeof field.value === 'string' ? '' : {});
        const map = (out[field.name] ??= {}) as JsonObject;
        map[typeof entry['key'] === 'string' ? entry['key'] : ''] =
          field.unwrap === undefined ? value : ((value as JsonObject)[field.unwrap] ?? []);
        break;
      }
    }
  }
  return out;
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

  bytes(): Uint8Array {
    const length = Number(this.varint());
    const end = this.#offset + length;
    if (end > this.#bytes.length) throw new BadRequestError('malformed protobuf body: truncated field');
    const chunk = this.#bytes.subarray(this.#offset, end);
    this.#offset = end;
    return chunk;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1 || wireType === 5) this.#advance(wireType === 1 ? 8 : 4);
    else throw new BadRequestError('malformed protobuf body: unsupported wire type');
  }

  #advance(count: number): void {
    if (this.#offset + count > this.#bytes.length)
      throw new BadRequestError('malformed protobuf body: truncated field');
    this.#offset += count;
  }
}
