import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authFromSecret, InvalidCredentialsError, type Secret } from './credentials.ts';

function secret(data: Record<string, string>): Secret {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'ns' }, data: encoded };
}

test('basic and bearer credentials are decoded', () => {
  assert.deepEqual(authFromSecret(secret({ username: 'robot', password: 'pw' })), {
    username: 'robot',
    password: 'pw',
  });
  assert.deepEqual(authFromSecret(secret({ username: 'token-as-user' })), {
    username: 'token-as-user',
    password: '',
  });
  assert.deepEqual(authFromSecret(secret({ bearerToken: 'tok' })), { bearerToken: 'tok' });
});

test('unusable Secrets are refused without echoing values', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /neither username and password nor bearerToken/],
    [{ password: 'hunter2' }, /password but no username/],
    [{ username: 'u', password: 'hunter2', bearerToken: 'tok' }, /both bearerToken and username/],
    [{ bearerToken: '' }, /empty bearerToken/],
  ];
  for (const [data, message] of cases) {
    assert.throws(
      () => authFromSecret(secret(data)),
      (error: Error) =>
        error instanceof InvalidCredentialsError &&
        message.test(error.message) &&
        error.message.includes('ns/creds') &&
        !error.message.includes('hunter2'),
    );
  }
});
