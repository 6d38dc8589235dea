/**
 * Decodes the protobuf request bodies of the authentication and authorization kinds.
 *
 * kubectl's typed clients (`kubectl auth can-i`, `auth can-i --list`, `auth whoami`,
 * `create token`) send `application/vnd.kubernetes.protobuf` and do not retry with JSON when the
 * server answers 415, so an API server that only reads JSON fails them. Replies may still be JSON:
 * those clients accept both. This decoder covers exactly the kinds served from this folder, using
 * the field numbers of k8s.io/api/{authorization,authentication}/v1/generated.proto.
 */

import { BadRequestError } from '../../base/errors.ts';
import type { JsonObject } from '../../base/json.ts';
import type { KubeObject } from '../../api/meta.ts';

export const protobufContentType = 'application/vnd.kubernetes.protobuf';

/** The `k8s\0` prefix of every Kubernetes protobuf body, before the runtime.Unknown envelope. */
const magic = [0x6b, 0x38, 0x73, 0x00];

type Field =
  | { name: string; type: 'string'; repeated?: boolean }
  | { name: string; type: 'bool' }
  | { name: string; type: 'int64' }
  | { name: string; type: 'message'; schema: Schema; repeated?: boolean }
  | { name: string; type: 'map'; value: 'string' | Schema; unwrap?: string };

type Schema = Record<number, Field>;

const typeMeta: Schema = { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } };
const unknownEnvelope: Schema = {
  1: { name: 'typeMeta', type: 'message', schema: typeMeta },
  2: { name: 'raw', type: 'string' },
  3: { name: 'contentEncoding', type: 'string' },
  4: { name: 'contentType', type: 'string' },
};

/** The ObjectMeta fields a review can meaningfully carry; the rest are skipped. */
const objectMeta: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  11: { name: 'labels', type: 'map', value: 'string' },
  12: { name: 'annotations', type: 'map', value: 'string' },
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
const extraValue: Schema = { 1: { name: 'items', type: 'string', repeated: true } };

const selfSubjectAccessReviewSpec: Schema = {
  1: { name: 'resourceAttributes', type: 'message', schema: resourceAttributes },
  2: { name: 'nonResourceAttributes', type: 'message', schema: nonResourceAttributes },
};
const subjectAccessReviewSpec: Schema = {
  ...selfSubjectAccessReviewSpec,
  3: { name: 'user', type: 'string' },
  4: { name: 'groups', type: 'string', repeated: true },
  5: { name: 'extra', type: 'map', value: extraValue, unwrap: 'items' },
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
  4: { name: 'expirationSeconds', type: 'int64' },
};

function withSpec(spec: Schema): Schema {
  return {
    1: { name: 'metadata', type: 'message', schema: objectMeta },
    2: { name: 'spec', type: 'message', schema: spec },
  };
}

const kinds: Record<string, Schema> = {
  'authorization.k8s.io/SelfSubjectAccessReview': withSpec(selfSubjectAccessReviewSpec),
  'authorization.k8s.io/SubjectAccessReview': withSpec(subjectAccessReviewSpec),
  'authorization.k8s.io/LocalSubjectAccessReview': withSpec(subjectAccessReviewSpec),
  'authorization.k8s.io/SelfSubjectRulesReview': withSpec({ 1: { name: 'namespace', type: 'string' } }),
  'authentication.k8s.io/SelfSubjectReview': { 1: { name: 'metadata', type: 'message', schema: objectMeta } },
  'authentication.k8s.io/TokenRequest': withSpec(tokenRequestSpec),
  'authentication.k8s.io/TokenReview': withSpec({ 1: { name: 'token', type: 'string' } }),
};

/** Whether a kind (by apiVersion and kind) can be decoded here. */
export function canDecodeProtobuf(apiVersion: string, kind: string): boolean {
  return Object.hasOwn(kinds, `${apiVersion.split('/')[0] ?? ''}/${kind}`);
}

/**
 * Decodes a protobuf body of one of the kinds above into the object its JSON form would decode to.
 * Throws BadRequestError for a malformed body or another kind.
 */
export function decodeAuthProtobuf(body: Uint8Array): KubeObject {
  if (body.length < magic.length || magic.some((byte, i) => body[i] !== byte)) {
    throw new BadRequestError('the body is not a kubernetes protobuf message');
  }
  const envelope = decodeMessage(body.subarray(magic.length), unknownEnvelope, true);
  const meta = envelope['typeMeta'] as JsonObject | undefined;
  const apiVersion = typeof meta?.['apiVersion'] === 'string' ? meta['apiVersion'] : '';
  const kind = typeof meta?.['kind'] === 'string' ? meta['kind'] : '';
  const schema = kinds[`${apiVersion.split('/')[0] ?? ''}/${kind}`];
  const raw = envelope['raw'];
  if (!schema || !(raw instanceof Uint8Array)) {
    throw new BadRequestError(`cannot decode ${kind || 'unknown kind'} ${apiVersion} from protobuf`);
  }
  const object = decodeMessage(raw, schema, false);
  return { apiVersion, kind, ...object, metadata: (object['metadata'] as JsonObject | undefined) ?? {} };
}

/**
 * Decodes one message. Zero scalars are dropped, as Go's JSON encoding omits them and Go code cannot
 * tell them from absent; embedded messages keep their presence, which is what marks a pointer set.
 * `rawBytes` keeps the envelope's `raw` field as bytes, since it is the nested object.
 */
function decodeMessage(bytes: Uint8Array, schema: Schema, rawBytes: boolean): JsonObject {
  const reader = new Reader(bytes);
  const out: JsonObject = {};
  const append = (name: string, value: unknown): void => {
    ((out[name] ??= []) as unknown[]).push(value);
  };
  while (!reader.done()) {
    const key = reader.varint();
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    const field = schema[number];
    if (!field) {
      reader.skip(wireType);
      continue;
    }
    switch (field.type) {
      case 'bool': {
        expectWireType(wireType, 0);
        if (reader.varint() !== 0n) out[field.name] = true;
        break;
      }
      case 'int64': {
        expectWireType(wireType, 0);
        const value = Number(BigInt.asIntN(64, reader.varint()));
        if (value !== 0) out[field.name] = value;
        break;
      }
      case 'string': {
        expectWireType(wireType, 2);
        const chunk = reader.bytes();
        if (rawBytes && field.name === 'raw') out[field.name] = chunk;
        else if (field.repeated) append(field.name, utf8(chunk));
        else if (chunk.length > 0) out[field.name] = utf8(chunk);
        break;
      }
      case 'message': {
        expectWireType(wireType, 2);
        const value = decodeMessage(reader.bytes(), field.schema, false);
        if (field.repeated) append(field.name, value);
        else out[field.name] = value;
        break;
      }
      case 'map': {
        expectWireType(wireType, 2);
        const entry = decodeMessage(
          reader.bytes(),
          { 1: { name: 'key', type: 'string' }, 2: mapValue(field.value) },
          false,
        );
        const map = (out[field.name] ??= {}) as JsonObject;
        const value = entry['value'] ?? (field.value === 'string' ? '' : {});
        map[typeof entry['key'] === 'string' ? entry['key'] : ''] =
          field.unwrap === undefined ? value : ((value as JsonObject)[field.unwrap] ?? []);
        break;
      }
    }
  }
  return out;
}

function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError('malformed protobuf body: invalid utf-8 in a string field');
  }
}

function mapValue(value: 'string' | Schema): Field {
  return value === 'string'
    ? { name: 'value', type: 'string' }
    : { name: 'value', type: 'message', schema: value };
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
