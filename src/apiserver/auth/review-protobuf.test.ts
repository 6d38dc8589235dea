import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { canDecodeProtobuf, decodeAuthProtobuf } from './review-protobuf.ts';

/** Bodies kubectl 1.32 sent, captured from the wire. */
const captured = {
  canIGetVersion:
    '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577122f0a100a0012001a0022002a003200380042001211120f0a082f76657273696f6e12036765741a08080012001a0020001a002200',
  canIListPods:
    '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577123a0a100a0012001a0022002a00320038004200121c0a1a0a047465616d12046c6973741a0022002a04706f647332003a001a08080012001a0020001a002200',
  canIGetPodLog:
    '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577123f0a100a0012001a0022002a0032003800420012210a1f0a047465616d12036765741a0022002a04706f647332036c6f673a036c6f671a08080012001a0020001a002200',
  canIList:
    '6b3873000a310a17617574686f72697a6174696f6e2e6b38732e696f2f7631121653656c665375626a65637452756c657352657669657712200a100a0012001a0022002a0032003800420012060a047465616d1a04180022001a002200',
  whoami:
    '6b3873000a2d0a1861757468656e7469636174696f6e2e6b38732e696f2f7631121153656c665375626a656374526576696577121a0a100a0012001a0022002a0032003800420012060a040a0012001a002200',
  createToken:
    '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e52657175657374121d0a100a0012001a0022002a00320038004200120320ac021a040a0012001a002200',
};

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

describe('decodeAuthProtobuf', () => {
  it('decodes kubectl auth can-i for a path', () => {
    assert.deepEqual(decodeAuthProtobuf(hex(captured.canIGetVersion)), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { nonResourceAttributes: { path: '/version', verb: 'get' } },
    });
  });

  it('decodes kubectl auth can-i for resources and subresources', () => {
    assert.deepEqual(decodeAuthProtobuf(hex(captured.canIListPods))['spec'], {
      resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods' },
    });
    assert.deepEqual(decodeAuthProtobuf(hex(captured.canIGetPodLog))['spec'], {
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
    assert.deepEqual(decodeAuthProtobuf(hex(captured.canIList)), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      metadata: {},
      spec: { namespace: 'team' },
    });
    assert.deepEqual(decodeAuthProtobuf(hex(captured.whoami)), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: {},
    });
    assert.deepEqual(decodeAuthProtobuf(hex(captured.createToken)), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: { expirationSeconds: 300 },
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
    assert.deepEqual(decodeAuthProtobuf(body), {
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
    assert.throws(() => decodeAuthProtobuf(pod), { code: 'KEELSON_BAD_REQUEST' });
    assert.throws(() => decodeAuthProtobuf(Buffer.from('{"kind":"x"}')), { code: 'KEELSON_BAD_REQUEST' });
    const truncated = hex(captured.canIListPods).subarray(0, 60);
    assert.throws(() => decodeAuthProtobuf(truncated), { code: 'KEELSON_BAD_REQUEST' });
    const badUtf8 = envelope(
      'authorization.k8s.io/v1',
      'SelfSubjectRulesReview',
      field(2, field(1, Buffer.from([0xff, 0xfe]))),
    );
    assert.throws(() => decodeAuthProtobuf(badUtf8), { code: 'KEELSON_BAD_REQUEST' });
  });

  it('says which kinds it can decode', () => {
    assert.equal(canDecodeProtobuf('authorization.k8s.io/v1', 'SelfSubjectAccessReview'), true);
    assert.equal(canDecodeProtobuf('authentication.k8s.io/v1', 'TokenRequest'), true);
    assert.equal(canDecodeProtobuf('v1', 'Pod'), false);
  });
});
