import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeProtobuf, isProtobuf } from './protobuf.ts';
import { captured } from './testdata/kubectl-protobuf.ts';

function hex(value: string): Uint8Array {
  return Buffer.from(value, 'hex');
}

/** A length-delimited field, for building bodies kubectl does not send. */
function field(number: number, value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
  return Buffer.concat([Buffer.from([(number << 3) | 2, bytes.length]), bytes]);
}

function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from('k8s\0'),
    field(1, Buffer.concat([field(1, apiVersion), field(2, kind)])),
    field(2, raw),
  ]);
}

describe('decodeProtobuf', () => {
  it('decodes kubectl create configmap, secret, namespace and serviceaccount', () => {
    assert.deepEqual(decodeProtobuf(hex(captured.createConfigMap)), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data: { empty: '', mode: 'fast' },
    });
    assert.deepEqual(decodeProtobuf(hex(captured.createSecret)), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { password: Buffer.from('s3cr3t').toString('base64') },
      type: 'Opaque',
    });
    assert.deepEqual(decodeProtobuf(hex(captured.createNamespace)), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team' },
      spec: {},
    });
    assert.deepEqual(decodeProtobuf(hex(captured.createServiceAccount)), {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'robot' },
    });
  });

  it('keeps false and zero in fields Go holds as pointers', () => {
    const serviceAccount = envelope(
      'v1',
      'ServiceAccount',
      Buffer.concat([field(1, field(1, 'robot')), Buffer.from([(4 << 3) | 0, 0])]),
    );
    assert.equal(decodeProtobuf(serviceAccount)['automountServiceAccountToken'], false);
    const owner = Buffer.concat([field(1, 'ReplicaSet'), field(3, 'rs'), Buffer.from([(6 << 3) | 0, 0])]);
    assert.deepEqual(decodeProtobuf(envelope('v1', 'ConfigMap', field(1, field(13, owner)))).metadata, {
      ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', controller: false }],
    });
  });

  it('decodes kubectl auth can-i for a path', () => {
    assert.deepEqual(decodeProtobuf(hex(captured.canIGetVersion)), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { nonResourceAttributes: { path: '/version', verb: 'get' } },
    });
  });

  it('decodes kubectl auth can-i for resources and subresources', () => {
    assert.deepEqual(decodeProtobuf(hex(captured.canIListPods))['spec'], {
      resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods' },
    });
    assert.deepEqual(decodeProtobuf(hex(captured.canIGetPodLog))['spec'], {
      resourceAttributes: {
        namespace: 'team',
        verb: 'get',
        resource: 'pods',
        subresource: 'log',
        name: 'log',
      },
    });
  });

  it('decodes kubectl auth can-i --list, auth whoami and create token', () => {
    assert.deepEqual(decodeProtobuf(hex(captured.canIList)), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      metadata: {},
      spec: { namespace: 'team' },
    });
    assert.deepEqual(decodeProtobuf(hex(captured.whoami)), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: {},
    });
    assert.deepEqual(decodeProtobuf(hex(captured.createToken)), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: { expirationSeconds: 300 },
    });
    assert.deepEqual(decodeProtobuf(hex(captured.createTokenWithAudience))['spec'], {
      audiences: ['api'],
      expirationSeconds: 600,
    });
  });

  it('decodes a SubjectAccessReview with groups and extra', () => {
    const spec = Buffer.concat([
      field(2, Buffer.concat([field(1, '/healthz'), field(2, 'get')])),
      field(3, 'carol'),
      field(4, 'devs'),
      field(4, 'system:authenticated'),
      field(5, Buffer.concat([field(1, 'scopes'), field(2, Buffer.concat([field(1, 'a'), field(1, 'b')]))])),
      field(6, 'uid-1'),
    ]);
    const body = envelope(
      'authorization.k8s.io/v1',
      'SubjectAccessReview',
      Buffer.concat([field(1, field(3, 'ns')), field(2, spec)]),
    );
    assert.deepEqual(decodeProtobuf(body), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: { namespace: 'ns' },
      spec: {
        nonResourceAttributes: { path: '/healthz', verb: 'get' },
        user: 'carol',
        groups: ['devs', 'system:authenticated'],
        extra: { scopes: ['a', 'b'] },
        uid: 'uid-1',
      },
    });
  });

  it('refuses other kinds and malformed bodies', () => {
    const pod = envelope('v1', 'Pod', Buffer.alloc(0));
    assert.throws(() => decodeProtobuf(pod), { code: 'KEELSON_UNSUPPORTED_MEDIA_TYPE' });
    const coreReview = envelope('v1', 'SelfSubjectReview', Buffer.alloc(0));
    assert.throws(() => decodeProtobuf(coreReview), { code: 'KEELSON_UNSUPPORTED_MEDIA_TYPE' });
    assert.throws(() => decodeProtobuf(Buffer.from('{"kind":"x"}')), { code: 'KEELSON_BAD_REQUEST' });
    const truncated = hex(captured.canIListPods).subarray(0, 60);
    assert.throws(() => decodeProtobuf(truncated), { code: 'KEELSON_BAD_REQUEST' });
    const badUtf8 = envelope(
      'authorization.k8s.io/v1',
      'SelfSubjectRulesReview',
      field(2, field(1, Buffer.from([0xff, 0xfe]))),
    );
    assert.throws(() => decodeProtobuf(badUtf8), { code: 'KEELSON_BAD_REQUEST' });
  });

  it('recognises the protobuf content type', () => {
    assert.equal(isProtobuf('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isProtobuf('application/vnd.kubernetes.protobuf; charset=utf-8'), true);
    assert.equal(isProtobuf('application/json'), false);
  });
});
