/**
 * The artifact store and its HTTP handler, with archives made by the real `tar` CLI and requests
 * over a real HTTP server.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobRun } from '../../api/crds/ci.ts';
import { artifactsHandler, artifactsPathPrefix } from './http.ts';
import { ArtifactStore, artifactPath, checkedPath } from './store.ts';

const roots: string[] = [];
function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `keelson-${prefix}-`));
  roots.push(dir);
  return dir;
}

/** A tar.gz of `files` made by the tar CLI (extra `tar` arguments last). */
function archive(files: Record<string, string>, setup?: (dir: string) => void, extra: string[] = []): Buffer {
  const dir = temp('src');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  setup?.(dir);
  return execFileSync('tar', ['-czf', '-', '-C', dir, ...extra, '.'], { maxBuffer: 64 * 1024 * 1024 });
}

function run(spec: Partial<JobRun['spec']>, buildId = '1700000000000001'): JobRun {
  return {
    apiVersion: 'ci.keelson.dev/v1',
    kind: 'JobRun',
    metadata: { name: 'r', namespace: 'ci' },
    spec: { type: 'postsubmit', job: 'unit', ...spec },
    status: { build_id: buildId },
  };
}

let store: ArtifactStore;
let server: Server;
let base: string;

before(async () => {
  store = new ArtifactStore({ dir: temp('store'), maxUploadBytes: 4 * 1024 * 1024 });
  server = createServer((req, res) => {
    if (req.url?.startsWith(artifactsPathPrefix))
      return void artifactsHandler({ store, log: () => {} })(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

async function put(url: string, body: Buffer, token: string | undefined): Promise<Response> {
  return fetch(url, {
    method: 'PUT',
    body,
    headers: {
      'Content-Type': 'application/gzip',
      ...(token !== undefined && { Authorization: `Bearer ${token}` }),
    },
  });
}

function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject).end();
  });
}

describe('artifact paths', () => {
  test("runs are laid out as Prow's bucket", () => {
    const pull = { number: 7, author: 'a', sha: 'abc' };
    assert.equal(
      artifactPath(
        run({ type: 'presubmit', job: 'unit', refs: { org: 'acme', repo: 'app', pulls: [pull] } }),
      ),
      'pr-logs/pull/acme_app/7/unit/1700000000000001',
    );
    assert.equal(artifactPath(run({ type: 'postsubmit', job: 'build' })), 'logs/build/1700000000000001');
    assert.equal(artifactPath(run({ type: 'periodic', job: 'nightly' })), 'logs/nightly/1700000000000001');
    assert.equal(
      artifactPath(run({ type: 'batch', job: 'unit' })),
      'pr-logs/pull/batch/unit/1700000000000001',
    );
    // a job name cannot climb out of its directory
    assert.equal(artifactPath(run({ job: '../../x' })), 'logs/.._.._x/1700000000000001');
    assert.equal(artifactPath(run({ job: '..' })), 'logs/_../1700000000000001');
  });

  test('paths from URLs are refused when they climb, hide or smuggle separators', () => {
    assert.equal(checkedPath('logs/unit/1/'), 'logs/unit/1');
    assert.equal(checkedPath('logs/../.upload-key'), undefined);
    assert.equal(checkedPath('logs/%2e%2e/x'), undefined);
    assert.equal(checkedPath('logs/a%2Fb'), undefined);
    assert.equal(checkedPath('.upload-key'), undefined);
    assert.equal(checkedPath('logs/%E0%A4%A'), undefined);
  });
});

describe('artifact store over HTTP', () => {
  test('a run uploads with its token; its files, listing and page are served', async () => {
    const r = run({ job: 'build' }, '11');
    const { url, uploadUrl, token } = store.forRun(r, base);
    assert.equal(url, `${base}/artifacts/logs/build/11/`);
    const upload = await put(
      uploadUrl,
      archive({
        'build-log.txt': 'compiling <stuff> & more\nall tests passed\n',
        'started.json': '{"timestamp":1700000000}',
        'finished.json': '{"timestamp":1700000042,"passed":true,"result":"SUCCESS"}',
        'artifacts/junit/report.xml': '<testsuite tests="3"/>',
      }),
      token,
    );
    const stored = (await upload.json()) as { files: number; bytes: number };
    assert.equal(upload.status, 201, JSON.stringify(stored));
    assert.equal(stored.files, 4);
    assert.ok(stored.bytes > 0);

    const listing = await fetch(`${url}?format=json`);
    assert.equal(listing.status, 200);
    assert.deepEqual(
      ((await listing.json()) as { files: { path: string }[] }).files.map((f) => f.path),
      ['artifacts/junit/report.xml', 'build-log.txt', 'finished.json', 'started.json'],
    );
    const file = await fetch(`${url}artifacts/junit/report.xml`);
    assert.equal(await file.text(), '<testsuite tests="3"/>');
    assert.equal(file.headers.get('content-type'), 'application/xml');
    assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(file.headers.get('content-security-policy'), 'sandbox');

    const page = await (await fetch(url)).text();
    assert.match(page, /SUCCESS/);
    assert.match(page, /took 42s/);
    assert.match(page, /compiling &lt;stuff&gt; &amp; more/);
    assert.match(page, /href="artifacts\/junit\/report.xml"/);

    const redirect = await fetch(`${base}/artifacts/logs/build/11`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/artifacts/logs/build/11/');
  });

  test('no token, a wrong one, or one for another run: 401 and nothing stored', async () => {
    const mine = store.forRun(run({ job: 'mine' }, '1'), base);
    const theirs = store.forRun(run({ job: 'theirs' }, '1'), base);
    const body = archive({ 'build-log.txt': 'x' });
    assert.equal((await put(mine.uploadUrl, body, undefined)).status, 401);
    assert.equal((await put(mine.uploadUrl, body, 'f'.repeat(64))).status, 401);
    assert.equal((await put(mine.uploadUrl, body, theirs.token)).status, 401);
    assert.equal((await fetch(`${mine.url}?format=json`)).status, 404);
    // a token survives a restart of the store (the key is kept beside the files)
    assert.equal(new ArtifactStore({ dir: store.dir }).tokenFor('logs/mine/1'), mine.token);
  });

  test('links are dropped and regular files kept; an archive with a climbing member is refused', async () => {
    const { url, uploadUrl, token } = store.forRun(run({ job: 'sneaky' }, '1'), base);
    const linked = archive({ 'build-log.txt': 'ok', 'artifacts/a.txt': 'a' }, (dir) =>
      symlinkSync('/etc/passwd', join(dir, 'artifacts', 'passwd')),
    );
    assert.equal((await put(uploadUrl, linked, token)).status, 201);
    const files = ((await (await fetch(`${url}?format=json`)).json()) as { files: { path: string }[] }).files;
    assert.deepEqual(
      files.map((f) => f.path),
      ['artifacts/a.txt', 'build-log.txt'],
    );

    const outside = temp('outside');
    const name = outside.split('/').pop() ?? '';
    // a member named ../../<outside>/escaped, as a hostile archive would carry
    const climbing = archive({ 'build-log.txt': 'evil', 'artifacts/a.txt': 'a' }, undefined, [
      '--transform',
      `s,^./artifacts/a.txt$,../../${name}/escaped,`,
    ]);
    const refused = await put(uploadUrl, climbing, token);
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { message: string }).message, /invalid tar archive: .*'\.\.'/);
    assert.equal(existsSync(join(outside, 'escaped')), false);
    assert.equal(await (await fetch(`${url}build-log.txt`)).text(), 'ok');
  });

  test('a body that is not a tar archive is refused and the earlier upload stays whole', async () => {
    const { url, uploadUrl, token } = store.forRun(run({ job: 'again' }, '1'), base);
    assert.equal((await put(uploadUrl, archive({ 'build-log.txt': 'first' }), token)).status, 201);
    const bad = await put(uploadUrl, Buffer.from('this is not a tarball'), token);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /invalid tar archive/);
    assert.equal(await (await fetch(`${url}build-log.txt`)).text(), 'first');
    // a second good upload replaces the first entirely
    assert.equal((await put(uploadUrl, archive({ 'finished.json': '{}' }), token)).status, 201);
    assert.equal((await fetch(`${url}build-log.txt`)).status, 404);
    assert.equal(await (await fetch(`${url}finished.json`)).text(), '{}');
    assert.equal(readFileSync(join(store.dir, 'logs', 'again', '1', 'finished.json'), 'utf8'), '{}');
  });

  test('an upload past the size limit is refused with 413', async () => {
    const { url, uploadUrl, token } = store.forRun(run({ job: 'huge' }, '1'), base);
    const random = randomBytes(6 * 1024 * 1024).toString('base64');
    const response = await put(uploadUrl, archive({ 'big.txt': random }), token);
    assert.equal(response.status, 413);
    assert.equal((await fetch(`${url}?format=json`)).status, 404);
  });

  test('prune deletes runs uploaded longer ago than the age, and the directories they leave empty', async () => {
    const dir = temp('prune');
    const own = new ArtifactStore({ dir });
    const body = (): Readable => Readable.from(archive({ 'build-log.txt': 'x', 'artifacts/a.txt': 'a' }));
    await own.upload('logs/old/1', body());
    await own.upload('logs/old/2', body());
    await own.upload('pr-logs/pull/acme_app/7/unit/3', body());
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, 'logs', 'old', '1'), hourAgo, hourAgo);
    utimesSync(join(dir, 'pr-logs', 'pull', 'acme_app', '7', 'unit', '3'), hourAgo, hourAgo);
    assert.equal(await own.prune(30 * 60_000, Date.now()), 2);
    assert.equal(existsSync(join(dir, 'logs', 'old', '1')), false);
    assert.equal(existsSync(join(dir, 'pr-logs')), false, 'emptied parents go too');
    assert.deepEqual(
      (await own.list('logs/old/2'))?.map((f) => f.path),
      ['artifacts/a.txt', 'build-log.txt'],
    );
    assert.equal(existsSync(join(dir, '.upload-key')), true, 'the key stays');
    assert.equal(await own.prune(30 * 60_000, Date.now()), 0);
  });

  test('requests for hidden files or outside the store are refused', async () => {
    // raw paths: fetch would resolve the dots itself
    assert.equal(await rawGet('/artifacts/.upload-key'), 400);
    assert.equal(await rawGet('/artifacts/logs/../../.upload-key'), 400);
    assert.equal(await rawGet('/artifacts/logs/%2e%2e/%2e%2e/.upload-key'), 400);
    assert.equal((await fetch(`${base}/artifacts/`)).status, 400);
    assert.equal((await fetch(`${base}/artifacts/logs/none/1/`)).status, 404);
    assert.equal((await fetch(`${base}/artifacts/logs/none/1/`, { method: 'DELETE' })).status, 405);
  });
});
