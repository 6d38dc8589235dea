/** Impersonation over HTTP: who may impersonate whom, and as whom the request then runs. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../server.ts';
import { MemoryStorage } from '../storage/memory-storage.ts';
import { generateServiceAccountKey } from './tokens.ts';

const admin = 'impersonation-admin-token';

describe('impersonation', () => {
  let server: ApiServer;
  let url: string;
  let botToken: string;

  async function send(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  before(async () => {
    server = new ApiServer({
      storage: new MemoryStorage(),
      adminToken: admin,
      serviceAccountKey: await generateServiceAccountKey(),
    });
    url = (await server.listen()).url;
    await send(admin, 'POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'bot' } });
    const issued = await send(admin, 'POST', '/api/v1/namespaces/default/serviceaccounts/bot/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    });
    botToken = issued.body['status'].token;
  });
  after(async () => {
    await server.close();
  });

  it('runs an admin request as the impersonated service account, with its groups', async () => {
    const review = await send(
      admin,
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      { 'Impersonate-User': 'system:serviceaccount:default:bot' },
    );
    assert.equal(review.status, 201, JSON.stringify(review.body));
    const info = review.body['status'].userInfo;
    assert.equal(info.username, 'system:serviceaccount:default:bot');
    assert.deepEqual(info.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:default',
      'system:authenticated',
    ]);
    const pods = await send(admin, 'GET', '/api/v1/namespaces/default/pods', undefined, {
      'Impersonate-User': 'system:serviceaccount:default:bot',
    });
    assert.equal(pods.status, 403, 'the service account may not list pods');
    assert.match(
      pods.body['message'],
      /User "system:serviceaccount:default:bot" cannot list resource "pods"/,
    );
  });

  it('refuses impersonation to a user without the impersonate verb', async () => {
    const answer = await send(botToken, 'GET', '/api/v1/namespaces', undefined, {
      'Impersonate-User': 'admin',
    });
    assert.equal(answer.status, 403);
    assert.match(answer.body['message'], /cannot impersonate resource "users"/);
  });

  it('needs a user when groups are impersonated', async () => {
    const answer = await send(admin, 'GET', '/api/v1/namespaces', undefined, { 'Impersonate-Group': 'x' });
    assert.equal(answer.status, 400);
  });
});
