import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { before, describe, it } from 'node:test';

import { KeelsonError } from '../../base/errors.ts';
import {
  TokenAuthenticator,
  adminUser,
  generateAdminToken,
  generateServiceAccountKey,
  type LiveObject,
  type ServiceAccountKeyPair,
} from './tokens.ts';

const now = new Date('2025-03-01T12:00:00.000Z');
const saUid = '6f0c1c8e-0d0b-4d1e-9d55-1b5cf1d2a001';

let key: ServiceAccountKeyPair;
let otherKey: ServiceAccountKeyPair;

before(async () => {
  [key, otherKey] = await Promise.all([generateServiceAccountKey(), generateServiceAccountKey()]);
});

function authenticator(options: { issuer?: string; adminToken?: string } = {}): TokenAuthenticator {
  let n = 0;
  return new TokenAuthenticator({
    serviceAccountKey: key,
    randomUUID: () => `00000000-0000-4000-8000-00000000000${n++}`,
    ...options,
  });
}

/** The ServiceAccount ci/deployer exists with saUid. */
function existing(namespace: string, name: string): LiveObject | undefined {
  return namespace === 'ci' && name === 'deployer' ? { uid: saUid } : undefined;
}

function decode(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function later(seconds: number): Date {
  return new Date(now.getTime() + seconds * 1000);
}

describe('ServiceAccount tokens', () => {
  it('carry the claims of a Kubernetes TokenRequest token', () => {
    const tokens = authenticator();
    const issued = tokens.issue(
      {
        namespace: 'ci',
        name: 'deployer',
        uid: saUid,
        audiences: ['https://kubernetes.default.svc.cluster.local'],
      },
      now,
    );
    assert.equal(issued.expirationTimestamp, '2025-03-01T13:00:00Z');

    const [header = '', payload = ''] = issued.token.split('.');
    const decodedHeader = decode(header);
    assert.equal(decodedHeader['alg'], 'RS256');
    assert.equal(decodedHeader['kid'], tokens.jwks().keys[0]?.kid);

    const iat = now.getTime() / 1000;
    const claims = decode(payload);
    assert.deepEqual(claims, {
      aud: ['https://kubernetes.default.svc.cluster.local'],
      exp: iat + 3600,
      iat,
      iss: 'https://kubernetes.default.svc.cluster.local',
      jti: '00000000-0000-4000-8000-000000000000',
      'kubernetes.io': { namespace: 'ci', serviceaccount: { name: 'deployer', uid: saUid } },
      nbf: iat,
      sub: 'system:serviceaccount:ci:deployer',
    });
    assert.deepEqual(Object.keys(claims), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
  });

  it('authenticate as the ServiceAccount user', () => {
    const tokens = authenticator();
    const { token } = tokens.issue({ namespace: 'ci', name: 'deployer', uid: saUid }, now);
    assert.deepEqual(tokens.authenticate(token, later(10), existing), {
      name: 'system:serviceaccount:ci:deployer',
      uid: saUid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': ['JTI=00000000-0000-4000-8000-000000000000'] },
    });
  });

  it('expire after expirationSeconds, with one minute of leeway, and are not valid before issue', () => {
    const tokens = authenticator();
    const { token } = tokens.issue(
      { namespace: 'ci', name: 'deployer', uid: saUid, expirationSeconds: 600 },
      now,
    );
    assert.ok(tokens.authenticate(token, later(600 + 59), existing));
    assert.equal(tokens.authenticate(token, later(600 + 61), existing), undefined);
    assert.equal(tokens.authenticate(token, later(-61), existing), undefined);
    assert.ok(tokens.authenticate(token, later(-59), existing));
  });

  it('reject tampered, unsigned or foreign tokens', () => {
    const tokens = authenticator();
    const { token } = tokens.issue({ namespace: 'ci', name: 'deployer', uid: saUid }, now);
    const [header = '', payload = '', signature = ''] = token.split('.');

    const claims = decode(payload);
    claims['kubernetes.io'] = { namespace: 'prod', serviceaccount: { name: 'deployer', uid: saUid } };
    claims['sub'] = 'system:serviceaccount:prod:deployer';
    const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const prodToo = (ns: string, name: string): LiveObject | undefined =>
      name === 'deployer' ? { uid: saUid } : existing(ns, name);
    assert.equal(tokens.authenticate(`${header}.${forged}.${signature}`, now, prodToo), undefined);

    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    assert.equal(tokens.authenticate(`${header}.${payload}.${flipped}`, now, existing), undefined);

    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    assert.equal(tokens.authenticate(`${none}.${payload}.`, now, existing), undefined);

    const foreign = new TokenAuthenticator({ serviceAccountKey: otherKey }).issue(
      { namespace: 'ci', name: 'deployer', uid: saUid },
      now,
    );
    assert.equal(tokens.authenticate(foreign.token, now, existing), undefined);

    for (const garbage of ['', 'abc', 'a.b.c', `${header}.${payload}`, `${header}.%%%.${signature}`]) {
      assert.equal(tokens.authenticate(garbage, now, existing), undefined, garbage);
    }
  });

  it('reject tokens for another audience or from another issuer', () => {
    const tokens = authenticator();
    const vault = tokens.issue({ namespace: 'ci', name: 'deployer', uid: saUid, audiences: ['vault'] }, now);
    assert.equal(tokens.authenticate(vault.token, now, existing), undefined);

    const elsewhere = authenticator({ issuer: 'https://elsewhere.example' });
    const { token } = elsewhere.issue({ namespace: 'ci', name: 'deployer', uid: saUid }, now);
    assert.ok(elsewhere.authenticate(token, now, existing));
    assert.equal(tokens.authenticate(token, now, existing), undefined);
  });

  it('stop working when the ServiceAccount is deleted or replaced', () => {
    const tokens = authenticator();
    const { token } = tokens.issue({ namespace: 'ci', name: 'deployer', uid: saUid }, now);
    assert.equal(
      tokens.authenticate(token, now, () => undefined),
      undefined,
    );
    assert.equal(
      tokens.authenticate(token, now, () => ({ uid: 'another-uid' })),
      undefined,
    );
    const deleting = { uid: saUid, deletionTimestamp: '2025-03-01T11:58:00Z' };
    assert.equal(
      tokens.authenticate(token, now, () => deleting),
      undefined,
    );
    const justDeleting = { uid: saUid, deletionTimestamp: '2025-03-01T11:59:30Z' };
    assert.ok(tokens.authenticate(token, now, () => justDeleting));
  });

  it('bound to a Pod carry its name and uid, and die with it', () => {
    const tokens = authenticator();
    const pod = { kind: 'Pod' as const, name: 'runner-1', uid: 'pod-uid-1' };
    const { token } = tokens.issue(
      { namespace: 'ci', name: 'deployer', uid: saUid, boundObjectRef: pod },
      now,
    );
    assert.deepEqual(decode(token.split('.')[1] ?? '')['kubernetes.io'], {
      namespace: 'ci',
      pod: { name: 'runner-1', uid: 'pod-uid-1' },
      serviceaccount: { name: 'deployer', uid: saUid },
    });

    const podExists = (kind: string, namespace: string, name: string): LiveObject | undefined =>
      kind === 'Pod' && namespace === 'ci' && name === 'runner-1' ? { uid: 'pod-uid-1' } : undefined;
    assert.deepEqual(tokens.authenticate(token, now, existing, podExists)?.extra, {
      'authentication.kubernetes.io/credential-id': ['JTI=00000000-0000-4000-8000-000000000000'],
      'authentication.kubernetes.io/pod-name': ['runner-1'],
      'authentication.kubernetes.io/pod-uid': ['pod-uid-1'],
    });
    assert.equal(
      tokens.authenticate(token, now, existing, () => undefined),
      undefined,
    );
    assert.equal(
      tokens.authenticate(token, now, existing, () => ({ uid: 'recreated' })),
      undefined,
    );
    assert.equal(tokens.authenticate(token, now, existing), undefined);
  });

  it('refuse lifetimes Kubernetes refuses', () => {
    const tokens = authenticator();
    assert.throws(
      () => tokens.issue({ namespace: 'ci', name: 'deployer', uid: saUid, expirationSeconds: 300 }, now),
      (error: unknown) =>
        error instanceof KeelsonError &&
        error.code === 'KEELSON_INVALID' &&
        error.message ===
          'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes',
    );
    assert.throws(() =>
      tokens.issue({ namespace: 'ci', name: 'deployer', uid: saUid, expirationSeconds: 2 ** 32 + 1 }, now),
    );
  });

  it('verify with the published JWKS', () => {
    const tokens = authenticator();
    const { token } = tokens.issue({ namespace: 'ci', name: 'deployer', uid: saUid }, now);
    const [header = '', payload = '', signature = ''] = token.split('.');
    const jwk = tokens.jwks().keys[0];
    assert.ok(jwk);
    assert.equal(jwk.alg, 'RS256');
    const publicKey = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
    assert.equal(
      verify('sha256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url')),
      true,
    );
    assert.equal(
      tokens.openIdConfiguration()['jwks_uri'],
      'https://kubernetes.default.svc.cluster.local/openid/v1/jwks',
    );
  });

  it('need a matching RSA key pair', () => {
    assert.throws(
      () =>
        new TokenAuthenticator({
          serviceAccountKey: { privateKeyPem: key.privateKeyPem, publicKeyPem: otherKey.publicKeyPem },
        }),
      /does not match/,
    );
  });
});

describe('static tokens', () => {
  it('authenticate the admin token as keelson-admin in system:masters', () => {
    const adminToken = generateAdminToken();
    const tokens = authenticator({ adminToken });
    assert.deepEqual(tokens.authenticate(adminToken, now, existing), {
      name: 'keelson-admin',
      groups: ['system:masters', 'system:authenticated'],
    });
    assert.deepEqual(tokens.authenticate(adminToken, now, existing), adminUser());
    assert.equal(tokens.authenticate(`${adminToken}x`, now, existing), undefined);
    assert.equal(authenticator().authenticate(adminToken, now, existing), undefined);
  });

  it('add system:authenticated to configured users and hand out copies', () => {
    const tokens = new TokenAuthenticator({
      serviceAccountKey: key,
      staticTokens: [{ token: 'ci-token', user: { name: 'ci', uid: '42', groups: ['builders'] } }],
    });
    const user = tokens.authenticate('ci-token', now, existing);
    assert.deepEqual(user, { name: 'ci', uid: '42', groups: ['builders', 'system:authenticated'] });
    user?.groups.push('system:masters');
    assert.deepEqual(tokens.authenticate('ci-token', now, existing)?.groups, [
      'builders',
      'system:authenticated',
    ]);
  });

  it('generates distinct URL-safe admin tokens', () => {
    const a = generateAdminToken();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, generateAdminToken());
  });
});
