/**
 * Decoding the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) for the kinds kubectl's
 * typed clients send as protobuf (`kubectl create namespace|configmap|secret|serviceaccount|token`,
 * `kubectl auth can-i`). The field numbers are those of k8s.io/api's generated.proto. Answers are
 * always JSON, which client-go accepts whatever it sent.
 */
import { KeelsonError } from '../../base/errors.ts';

type FieldSpec =
  | { name: string; kind: 'string' | 'bytes' | 'bool' | 'int' | 'time' }
  | { name: string; kind: 'message'; message: string }
  | { name: string; kind: 'repeated-string' }
  | { name: string; kind: 'repeated-message'; message: string }
  | { name: string; kind: 'map-string' | 'map-bytes' };

const messages: Record<string, Record<number, FieldSpec>> = {
  Unknown: {
    1: { name: 'typeMeta', kind: 'message', message: 'TypeMeta' },
    2: { name: 'raw', kind: 'bytes' },
  },
  TypeMeta: { 1: { name: 'apiVersion', kind: 'string' }, 2: { name: 'kind', kind: 'string' } },
  ObjectMeta: {
    1: { name: 'name', kind: 'string' },
    2: { name: 'generateName', kind: 'string' },
    3: { name: 'namespace', kind: 'string' },
    5: { name: 'uid', kind: 'string' },
    6: { name: 'resourceVersion', kind: 'string' },
    7: { name: 'generation', kind: 'int' },
    11: { name: 'labels', kind: 'map-string' },
    12: { name: 'annotations', kind: 'map-string' },
    13: { name: 'ownerReferences', kind: 'repeated-message', message: 'OwnerReference' },
    14: { name: 'finalizers', kind: 'repeated-string' },
  },
  OwnerReference: {
    1: { name: 'kind', kind: 'string' },
    3: { name: 'name', kind: 'string' },
    4: { name: 'uid', kind: 'string' },
    5: { name: 'apiVersion', kind: 'string' },
    6: { name: 'controller', kind: 'bool' },
    7: { name: 'blockOwnerDeletion', kind: 'bool' },
  },
  Namespace: {
    1: { name: 'metadata', kind: 'message', message: 'ObjectMeta' },
    2: { name: 'spec', kind: 'message', message: 'NamespaceSpec' },
  },
  NamespaceSpec: { 1: { name: 'finalizers', kind: 'repeated-string' } },
  ConfigMap: {
    1: { name: 'metadata', kind: 'message', message: 'ObjectMeta' },
    2: { name: 'data', kind: 'map-string' },
    3: { name: 'binaryData', kind: 'map-bytes' },
    4: { name: 'immutable', kind: 'bool' },
  },
  Secret: {
    1: { name: 'metadata', kind: 'message', message: 'ObjectMeta' },
    2: { name: 'data', kind: 'map-bytes' },
    3: { name: 'type', kind: 'string' },
    4: { name: 'stringData', kind: 'map-string' },
    5: { name: 'immutable', kind: 'bool' },
  },
  ServiceAccount: {
    1: { name: 'metadata', kind: 'message', message: 'ObjectMeta' },
    4: { name: 'automountServiceAccountToken', kind: 'bool' },
  },
  TokenRequest: {
    1: { name: 'metadata', kind: 'message', message: 'ObjectMeta' },
    2: { name: 'spec', kind: 'message', message: 'TokenRequestSpec' },
  },
  TokenRequestSpec: {
    1: { name: 'audiences', kind: 'repeated-string' },
    3: { name: 'boundObjectRef', kind: 'message', message: 'BoundObjectReference' },
    4: { name: 'expirationSeconds', kind: 'int' },
  },
  BoundObjectReference: {
    1: { name: 'kind', kind: 'string' },
    2: { name: 'apiVersion', kind: 'string' },
    3: { name: 'name', kind: 'string' },
    4: { name: 'uid', kind: 'string' },
  },
  SelfSubjectAccessReview: {
    1: { name: 'metadata', kind: 'message', message: 'ObjectMeta' },
    2: { name: 'spec', kind: 'message', message: 'SelfSubjectAccessReviewSpec' },
  },
  SelfSubjectAccessReviewSpec: {
    1: { name: 'resourceAttributes', kind: 'message', message: 'ResourceAttributes' },
    2: { name: 'nonResourceAttributes', kind: 'message', message: 'NonResourceAttributes' },
  },
  ResourceAttributes: {
    1: { name: 'namespace', kind: 'string' },
    2: { name: 'verb', kind: 'string' },
    3: { name: 'group', kind: 'string' },
    4: { name: 'version', kind: 'string' },
    5: { name: 'resource', kind: 'string' },
    6: { name: 'subresource', kind: 'string' },
    7: { name: 'name', kind: 'string' },
  },
  NonResourceAttributes: { 1: { name: 'path', kind: 'string' }, 2: { name: 'verb', kind: 'string' } },
  SelfSubjectReview: { 1: { name: 'metadata', kind: 'message', message: 'ObjectMeta' } },
};

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function decodeMessage(buf: Buffer, message: string): Record<string, unknown> {
  const spec = messages[message];
  if (!spec) throw new Error(`no protobuf mapping for ${message}`);
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (r.pos < buf.length) {
    const tag = Number(r.varint());
    const field = spec[tag >> 3];
    const wire = tag & 7;
    if (!field) {
      r.skip(wire);
      continue;
    }
    switch (field.kind) {
      case 'string':
        out[field.name] = r.bytes().toString('utf8');
        break;
      case 'bytes':
        out[field.name] = r.bytes();
        break;
      case 'bool':
        out[field.name] = r.varint() !== 0n;
        break;
      case 'int':
        out[field.name] = Number(r.varint());
        break;
      case 'time':
        r.skip(wire);
        break;
      case 'message':
        out[field.name] = decodeMessage(r.bytes(), field.message);
        break;
      case 'repeated-string':
        ((out[field.name] ??= []) as string[]).push(r.bytes().toString('utf8'));
        break;
      case 'repeated-message':
        ((out[field.name] ??= []) as unknown[]).push(decodeMessage(r.bytes(), field.message));
        break;
      case 'map-string':
      case 'map-bytes': {
        const entry = new Reader(r.bytes());
        let key = '';
        let value: Buffer = Buffer.alloc(0);
        while (entry.pos < entry.buf.length) {
          const t = Number(entry.varint());
          if (t >> 3 === 1) key = entry.bytes().toString('utf8');
          else if (t >> 3 === 2) value = entry.bytes();
          else entry.skip(t & 7);
        }
        (out[field.name] ??= {}) as Record<string, string>;
        (out[field.name] as Record<string, string>)[key] =
          field.kind === 'map-string' ? value.toString('utf8') : value.toString('base64');
        break;
      }
    }
  }
  return out;
}

export function isProtobuf(contentType: string): boolean {
  return contentType.split(';')[0]?.trim().toLowerCase() === 'application/vnd.kubernetes.protobuf';
}

/** Decodes a protobuf request body into the JSON object it stands for. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  try {
    if (!body.subarray(0, 4).equals(magic)) throw new Error('missing the k8s protobuf prefix');
    const unknown = decodeMessage(body.subarray(4), 'Unknown');
    const typeMeta = (unknown['typeMeta'] ?? {}) as { apiVersion?: string; kind?: string };
    const kind = typeMeta.kind ?? '';
    if (!messages[kind] || kind === 'Unknown' || kind === 'TypeMeta') {
      throw new KeelsonError(
        'KEELSON_UNSUPPORTED_MEDIA_TYPE',
        `protobuf bodies of kind ${kind || '(none)'} are not supported; send application/json`,
      );
    }
    const object = decodeMessage((unknown['raw'] as Buffer | undefined) ?? Buffer.alloc(0), kind);
    return { apiVersion: typeMeta.apiVersion, kind, ...object };
  } catch (error) {
    if (error instanceof KeelsonError) throw error;
    throw new KeelsonError(
      'KEELSON_BAD_REQUEST',
      `error decoding protobuf body: ${(error as Error).message}`,
    );
  }
}
