import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateServiceAccountKey } from './auth/tokens.ts';
import { captured } from './http/testdata/kubectl-protobuf.ts';
import { ApiServer } from './server.ts';
import { MemoryStorage } from './storage/memory-storage.ts';

const token = 'server-test-admin-token';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe('ApiServer over HTTP', () => {
  let server: ApiServer;
  let url: string;

  before(async () => {
    server = new ApiServer({
      storage: new MemoryStorage({ window: 200 }),
      adminToken: token,
      serviceAccountKey: await generateServiceAccountKey(),
    });
    url = (await server.listen()).url;
  });

  after(async () => {
    await server.close();
  });

  async function send(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Answer> {
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      ...(body !== undefined && {
        body: body instanceof Uint8Array ? body : JSON.stringify(body),
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('creates what kubectl create sends as protobuf', async () => {
    const protobuf = 'application/vnd.kubernetes.protobuf';
    const body = (hex: string) => Buffer.from(hex, 'hex');
    const namespace = await send('POST', '/api/v1/namespaces', body(captured.createNamespace), protobuf);
    assert.equal(namespace.status, 201);
    const path = '/api/v1/namespaces/team';
    for (const [plural, hex] of [
      ['configmaps', captured.createConfigMap],
      ['secrets', captured.createSecret],
      ['serviceaccounts', captured.createServiceAccount],
    ] as const) {
      const created = await send('POST', `${path}/${plural}`, body(hex), protobuf);
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    assert.deepEqual((await send('GET', `${path}/configmaps/settings`)).body['data'], {
      empty: '',
      mode: 'fast',
    });
    assert.deepEqual((await send('GET', `${path}/secrets/creds`)).body['data'], {
      password: Buffer.from('s3cr3t').toString('base64'),
    });
    const tokenRequest = await send(
      'POST',
      `${path}/serviceaccounts/robot/token`,
      body(captured.createTokenWithAudience),
      protobuf,
    );
    assert.equal(tokenRequest.status, 201);
    assert.deepEqual((tokenRequest.body['spec'] as Record<string, unknown>)['audiences'], ['api']);
    const review = await send(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body(captured.canIListPods),
      protobuf,
    );
    assert.equal(review.status, 201);
    assert.equal((review.body['status'] as Record<string, unknown>)['allowed'], true);
  });

  it('answers an expired continue token with 410 and a token to go on with', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    for (const name of ['p1', 'p2', 'p3'])
      assert.equal((await send('POST', path, { metadata: { name } })).status, 201);
    const first = await send('GET', `${path}?limit=1`);
    const firstToken = (first.body['metadata'] as { continue: string }).continue;
    for (let i = 0; i < 250; i++)
      await send('POST', '/api/v1/namespaces/kube-public/configmaps', { metadata: { name: `x${i}` } });
    const expired = await send('GET', `${path}?limit=1&continue=${encodeURIComponent(firstToken)}`);
    assert.equal(expired.status, 410);
    assert.equal(expired.body['reason'], 'Expired');
    const next = (expired.body['metadata'] as { continue?: string }).continue;
    assert.equal(typeof next, 'string');
    const rest = await send('GET', `${path}?limit=5&continue=${encodeURIComponent(next!)}`);
    assert.deepEqual(
      (rest.body['items'] as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name),
      ['p2', 'p3'],
    );
  });

  it('serves core Events through events.k8s.io, in lists and watches', async () => {
    const core = '/api/v1/namespaces/default/events';
    const events = '/apis/events.k8s.io/v1/namespaces/default/events';
    const watch = await fetch(`${url}${events}?watch=1`, { headers: { authorization: `Bearer ${token}` } });
    const created = await send('POST', core, {
      metadata: { name: 'web.1' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
      reason: 'Started',
      message: 'started',
      type: 'Normal',
    });
    assert.equal(created.status, 201);
    const reader = watch.body!.getReader();
    let text = '';
    while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const added = JSON.parse(text.slice(0, text.indexOf('\n'))) as {
      type: string;
      object: Record<string, unknown>;
    };
    assert.equal(added.type, 'ADDED');
    assert.equal(added.object['apiVersion'], 'events.k8s.io/v1');
    assert.equal(added.object['note'], 'started');
    const list = await send('GET', events);
    assert.equal(list.body['kind'], 'EventList');
    assert.deepEqual(
      (list.body['items'] as Array<Record<string, unknown>>).map((i) => [i['apiVersion'], i['regarding']]),
      [['events.k8s.io/v1', { kind: 'Pod', namespace: 'default', name: 'web' }]],
    );
  });
});
