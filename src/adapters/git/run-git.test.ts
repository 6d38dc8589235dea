import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseRemote } from './remote.ts';
import { classify, gitEnvironment, redact, secretsOf } from './run-git.ts';

describe('gitEnvironment', () => {
  it('passes the auth header as config scoped to the url, with prompts and user config off', () => {
    const remote = parseRemote('https://git.example.com/app.git');
    const env = gitEnvironment(remote, { username: 'bot', password: 'pw' });
    assert.equal(env.GIT_TERMINAL_PROMPT, '0');
    assert.equal(env.GIT_ASKPASS, '/bin/false');
    assert.equal(env.GIT_CONFIG_GLOBAL, '/dev/null');
    const config = Object.fromEntries(
      Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [
        env[`GIT_CONFIG_KEY_${i}`],
        env[`GIT_CONFIG_VALUE_${i}`],
      ]),
    );
    assert.equal(
      config['http.https://git.example.com/app.git.extraHeader'],
      `Authorization: Basic ${btoa('bot:pw')}`,
    );
    assert.equal(config['credential.helper'], '');
    const bearer = gitEnvironment(remote, { bearerToken: 'tok' });
    assert.ok(Object.values(bearer).includes('Authorization: Bearer tok'));
    // a local remote never gets a header
    assert.equal(
      Object.values(gitEnvironment(parseRemote('/srv/app'), { bearerToken: 'tok' })).includes(
        'Authorization: Bearer tok',
      ),
      false,
    );
  });

  it('drops GIT_* variables of the parent', () => {
    process.env.GIT_DIR = '/somewhere/else';
    try {
      assert.equal(gitEnvironment(parseRemote('/srv/app'), undefined).GIT_DIR, undefined);
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});

describe('redact', () => {
  it('removes every form of a secret, header values and url credentials', () => {
    const secrets = secretsOf({ username: 'bot', password: 'p@ss word' });
    const text = [
      'fatal: unable to access https://bot:p%40ss%20word@h/app.git/',
      `> Authorization: Basic ${btoa('bot:p@ss word')}`,
      'echo p@ss word',
    ].join('\n');
    const out = redact(text, secrets);
    assert.doesNotMatch(out, /p@ss|p%40ss|Ym90/);
    assert.match(out, /https:\/\/h\/app\.git/);
  });
});

describe('classify', () => {
  it('names the failures callers act on', () => {
    assert.deepEqual(classify("fatal: Authentication failed for 'https://h/app.git/'", 'fetch'), {
      code: 'KEELSON_UNAUTHORIZED',
      summary: 'authentication failed',
    });
    assert.equal(
      classify("fatal: repository 'https://h/x/' not found", 'ls-remote').code,
      'KEELSON_NOT_FOUND',
    );
    assert.deepEqual(classify("fatal: couldn't find remote ref refs/heads/nope", 'fetch'), {
      code: 'KEELSON_NOT_FOUND',
      summary: 'ref "refs/heads/nope" not found',
    });
    assert.deepEqual(classify('fatal: unable to access: Could not resolve host: h', 'fetch'), {
      code: 'KEELSON_UNAVAILABLE',
      summary: 'unable to access: Could not resolve host: h',
    });
    assert.equal(classify('fatal: bad object', 'checkout-index').code, 'KEELSON_INTERNAL');
  });
});
