import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { highestTag, lsRemoteQuery, parseLsRemote, refKind, selectRevision } from './refs.ts';
import { parseRemote, withoutCredentials } from './remote.ts';

const sha = (c: string) => c.repeat(40);
const listing = parseLsRemote(
  [
    `ref: refs/heads/trunk\tHEAD`,
    `${sha('1')}\tHEAD`,
    `${sha('1')}\trefs/heads/trunk`,
    `${sha('2')}\trefs/heads/main`,
    `${sha('3')}\trefs/tags/v1.0.0`,
    `${sha('4')}\trefs/tags/v1.0.0^{}`,
    `${sha('5')}\trefs/tags/1.0.0`,
    `${sha('6')}\trefs/tags/v1.2.0`,
    `${sha('7')}\trefs/tags/v2.0.0-rc.1`,
    `${sha('8')}\trefs/tags/latest`,
    `${sha('9')}\trefs/pull/7/head`,
    '',
  ].join('\n'),
);
const url = 'https://git.example.com/app.git';

describe('refKind', () => {
  it('orders commit > name > semver > tag > branch', () => {
    const all = { commit: sha('a'), name: 'refs/pull/7/head', semver: '*', tag: 'v1.0.0', branch: 'main' };
    assert.equal(refKind(all), 'commit');
    assert.equal(refKind({ ...all, commit: undefined } as never), 'name');
    assert.equal(refKind({ semver: '*', tag: 'x', branch: 'main' }), 'semver');
    assert.equal(refKind({ tag: 'x', branch: 'main' }), 'tag');
    assert.equal(refKind({ branch: 'main' }), 'branch');
    assert.equal(refKind({}), 'default');
  });

  it('refuses what git would, and what would read as an option', () => {
    for (const branch of ['', '-f', 'a..b', 'a b', 'a~1', 'x.lock', '.hidden', 'a/', 'a:b', 'a*', 'a@{1}']) {
      assert.throws(() => refKind({ branch }), { code: 'KEELSON_INVALID' }, branch);
    }
    assert.equal(refKind({ branch: 'release/1.x' }), 'branch');
    assert.throws(() => refKind({ commit: sha('A') }), { code: 'KEELSON_INVALID' });
    assert.throws(() => refKind({ semver: '>=>1' }), { code: 'KEELSON_INVALID' });
  });
});

describe('lsRemoteQuery', () => {
  it('asks only for what the decision needs', () => {
    assert.deepEqual(lsRemoteQuery({}), { symref: true, tags: false, patterns: ['HEAD', 'refs/heads/main'] });
    assert.deepEqual(lsRemoteQuery({ tag: 'v1' }).patterns, ['refs/tags/v1', 'refs/tags/v1^{}']);
    assert.equal(lsRemoteQuery({ semver: '^1' }).tags, true);
    assert.deepEqual(lsRemoteQuery({ commit: sha('a'), branch: 'dev' }).patterns, ['refs/heads/dev']);
  });
});

describe('selectRevision', () => {
  it('follows the symref of HEAD, else main', () => {
    assert.equal(selectRevision({}, listing, url).revision, `trunk@sha1:${sha('1')}`);
    const detached = parseLsRemote(`${sha('1')}\tHEAD\n${sha('2')}\trefs/heads/main\n`);
    assert.equal(selectRevision({}, detached, url).revision, `main@sha1:${sha('2')}`);
    assert.throws(() => selectRevision({}, parseLsRemote(''), url), {
      code: 'KEELSON_NOT_FOUND',
      message: `ref "refs/heads/main" not found in ${url}`,
    });
  });

  it('peels annotated tags and formats Flux revisions', () => {
    assert.deepEqual(selectRevision({ tag: 'v1.0.0' }, listing, url), {
      url,
      revision: `v1.0.0@sha1:${sha('4')}`,
      commit: sha('4'),
      refName: 'refs/tags/v1.0.0',
    });
    assert.equal(selectRevision({ tag: 'latest' }, listing, url).commit, sha('8'));
    assert.equal(
      selectRevision({ name: 'refs/pull/7/head' }, listing, url).revision,
      `refs/pull/7/head@sha1:${sha('9')}`,
    );
    assert.deepEqual(selectRevision({ commit: sha('c') }, listing, url), {
      url,
      revision: `sha1:${sha('c')}`,
      commit: sha('c'),
    });
  });

  it('chooses the highest matching tag; a tie goes to the name, never to listing order', () => {
    assert.equal(highestTag(listing, '1.x'), 'v1.2.0');
    assert.equal(highestTag(listing, '>=2.0.0-0'), 'v2.0.0-rc.1');
    assert.equal(highestTag(listing, '>1.0.0 <2'), 'v1.2.0');
    assert.equal(highestTag(listing, '<1.1'), 'v1.0.0');
    assert.equal(highestTag(listing, '>=3'), undefined);
  });
});

describe('parseRemote', () => {
  it('accepts local paths and http(s), refuses the rest', () => {
    assert.equal(parseRemote('/srv/git/app/').gitUrl, '/srv/git/app');
    assert.equal(parseRemote('file:///srv/git/app').transport, 'local');
    assert.equal(parseRemote('/srv/git/app').key, parseRemote('file:///srv/git/app').key);
    assert.equal(parseRemote('https://h/app.git').transport, 'http');
    for (const bad of ['ssh://git@h/app', 'git@h:app.git', 'app', '-uhack', 'ftp://h/app']) {
      assert.throws(() => parseRemote(bad), { code: 'KEELSON_INVALID' }, bad);
    }
  });

  it('never repeats credentials it refuses', () => {
    assert.throws(
      () => parseRemote('https://u:p4ss@h/app.git'),
      (error: Error) => !error.message.includes('p4ss'),
    );
    assert.equal(withoutCredentials('https://u:p4ss@h/app.git'), 'https://h/app.git');
    assert.equal(withoutCredentials('u:p4ss@h:app.git'), 'h:app.git');
  });
});
