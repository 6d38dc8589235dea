/** The push webhook over a real node:http server, and how pushes map to GitRepositories. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import type { GitRepository } from '../../api/crds/index.ts';
import {
  gitRepositoriesForPush,
  normaliseRepoUrl,
  pushMayMove,
  pushWebhookHandler,
  validSignature,
} from './webhook.ts';

const secret = 'topsecret';
const pushes: { urls: string[]; ref: string | undefined }[] = [];
const server = createServer(
  pushWebhookHandler({
    secret,
    onPush(urls, ref) {
      pushes.push({ urls, ref });
      return ['default/app'];
    },
  }),
);
let url: string;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/git`;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function sign(body: string, key = secret): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

async function send(
  event: string,
  body: string,
  options: { signature?: string | null; contentType?: string; method?: string } = {},
): Promise<{ status: number; json: unknown }> {
  const signature = options.signature === undefined ? sign(body) : options.signature;
  const method = options.method ?? 'POST';
  const response = await fetch(url, {
    method,
    headers: {
      'Content-Type': options.contentType ?? 'application/json',
      'X-GitHub-Event': event,
      ...(signature !== null && { 'X-Hub-Signature-256': signature }),
    },
    ...(method === 'POST' && { body }),
  });
  return { status: response.status, json: await response.json() };
}

describe('pushWebhookHandler', () => {
  const push = JSON.stringify({
    ref: 'refs/heads/main',
    repository: {
      clone_url: 'https://github.com/org/app.git',
      html_url: 'https://github.com/org/app',
      ssh_url: 'git@github.com:org/app.git',
    },
  });

  test('a signed push calls onPush with the repository urls and ref', async () => {
    pushes.length = 0;
    const { status, json } = await send('push', push);
    assert.equal(status, 200);
    assert.deepEqual(json, { triggered: ['default/app'] });
    assert.deepEqual(pushes, [
      {
        urls: ['https://github.com/org/app.git', 'https://github.com/org/app', 'git@github.com:org/app.git'],
        ref: 'refs/heads/main',
      },
    ]);
  });

  test('GitHub form-encoded payloads are read too', async () => {
    pushes.length = 0;
    const body = new URLSearchParams({ payload: push }).toString();
    const { status } = await send('push', body, { contentType: 'application/x-www-form-urlencoded' });
    assert.equal(status, 200);
    assert.equal(pushes.length, 1);
  });

  test('a bad, missing or differently keyed signature is 401 and triggers nothing', async () => {
    pushes.length = 0;
    assert.equal((await send('push', push, { signature: null })).status, 401);
    assert.equal((await send('push', push, { signature: sign(push, 'other') })).status, 401);
    assert.equal((await send('push', push, { signature: 'sha256=00' })).status, 401);
    assert.equal((await send('push', push, { signature: sign(`${push} `) })).status, 401);
    assert.equal((await send('ping', '{}', { signature: null })).status, 401);
    assert.deepEqual(pushes, []);
  });

  test('ping is 200, other events 202, other methods 405, a malformed push 400', async () => {
    pushes.length = 0;
    assert.equal((await send('ping', '{"zen":"hi"}')).status, 200);
    assert.equal((await send('issues', '{}')).status, 202);
    assert.equal((await send('push', '{}', { method: 'GET', signature: null })).status, 405);
    assert.equal((await send('push', 'not json')).status, 400);
    assert.equal((await send('push', '{"repository":{}}')).status, 400);
    assert.deepEqual(pushes, []);
  });

  test('an empty secret is refused', () => {
    assert.throws(() => pushWebhookHandler({ secret: '', onPush: () => {} }), /secret/);
  });
});

test('validSignature accepts only the exact HMAC', () => {
  const body = Buffer.from('{"a":1}');
  const good = sign('{"a":1}');
  assert.equal(validSignature(secret, body, good), true);
  assert.equal(validSignature(secret, body, good.toUpperCase().replace('SHA256=', 'sha256=')), true);
  assert.equal(validSignature(secret, body, good.slice(0, -1)), false);
  assert.equal(validSignature(secret, body, good.replace('sha256=', 'sha1=')), false);
});

test('normaliseRepoUrl strips what does not name the repository', () => {
  const same = [
    'https://github.com/org/app',
    'https://github.com/org/app.git',
    'https://github.com/org/app/',
    'https://GitHub.com/org/app.git/',
    'https://user:token@github.com/org/app.git',
    'https://github.com:443/org/app',
    'http://github.com/org/app',
    'ssh://git@github.com/org/app.git',
    'git@github.com:org/app.git',
  ];
  for (const u of same) assert.equal(normaliseRepoUrl(u), 'github.com/org/app', u);
  assert.equal(normaliseRepoUrl('http://127.0.0.1:8080/app.git'), '127.0.0.1:8080/app');
  assert.notEqual(normaliseRepoUrl('https://github.com/org/App'), 'github.com/org/app', 'path case kept');
  assert.equal(normaliseRepoUrl('not a url'), undefined);
  assert.equal(normaliseRepoUrl('relative/app.git'), undefined);
});

test('normaliseRepoUrl gives a local repository one identity as a path and as a file:// url', () => {
  const same = [
    '/srv/git/app.git',
    '/srv/git/app.git/',
    '/srv//git/./app.git',
    'file:///srv/git/app.git',
    'file://localhost/srv/git/app.git/',
  ];
  for (const u of same) assert.equal(normaliseRepoUrl(u), 'file:///srv/git/app.git', u);
  assert.notEqual(normaliseRepoUrl('/srv/git/app'), normaliseRepoUrl('/srv/git/app.git'), '.git kept');
  assert.equal(normaliseRepoUrl('file://elsewhere/srv/git/app.git'), undefined, 'another host');
  assert.notEqual(normaliseRepoUrl('https://srv/git/app.git'), normaliseRepoUrl('/srv/git/app.git'));
});

test('pushMayMove filters pushes of refs a GitRepository does not follow', () => {
  assert.equal(pushMayMove(undefined, 'refs/heads/any'), true);
  assert.equal(pushMayMove({ branch: 'main' }, 'refs/heads/main'), true);
  assert.equal(pushMayMove({ branch: 'main' }, 'refs/heads/feature'), false);
  assert.equal(pushMayMove({ tag: 'v1' }, 'refs/tags/v2'), true);
  assert.equal(pushMayMove({ semver: '^1' }, 'refs/heads/main'), false);
  assert.equal(pushMayMove({ commit: 'a'.repeat(40) }, 'refs/heads/main'), false);
  assert.equal(pushMayMove({ name: 'refs/pull/1/head' }, 'refs/pull/1/head'), true);
  assert.equal(pushMayMove({ branch: 'main' }, undefined), true);
});

test('gitRepositoriesForPush matches by normalised url and ref', () => {
  const repo = (name: string, url: string, ref?: GitRepository['spec']['ref']): GitRepository => ({
    apiVersion: 'source.keelson.dev/v1',
    kind: 'GitRepository',
    metadata: { name, namespace: 'team' },
    spec: { url, interval: '1m', ...(ref !== undefined && { ref }) },
  });
  const matched = gitRepositoriesForPush(
    [
      repo('main', 'https://github.com/org/app.git', { branch: 'main' }),
      repo('feature', 'https://github.com/org/app', { branch: 'feature' }),
      repo('default', 'https://github.com/ORG/app/'.replace('ORG', 'org')),
      repo('other', 'https://github.com/org/other.git'),
      repo('local', '/srv/app'),
    ],
    ['https://github.com/org/app.git', 'git@github.com:org/app.git'],
    'refs/heads/main',
  );
  assert.deepEqual(matched, [
    { namespace: 'team', name: 'main' },
    { namespace: 'team', name: 'default' },
  ]);
  const local = gitRepositoriesForPush([repo('local', '/srv/app')], ['file:///srv/app'], 'refs/heads/main');
  assert.deepEqual(local, [{ namespace: 'team', name: 'local' }]);
});
