/**
 * `keelson repo` and `keelson pr` end to end: the real `bin/keelson` against the real built-in
 * forge (on an embedded API server), with branches pushed by the real `git`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { GithubForge } from '../adapters/forge/index.ts';
import { startTestForge, type TestForge } from '../../test/e2e/forge-harness.ts';
import { freePort, repoRoot, tempDir } from '../../test/e2e/harness.ts';

const run = promisify(execFile);
let running: TestForge;
let forge: TestForge['forge'];
/** A directory laid out as `keelson up --data .keelson` leaves it: the CLI's default forge. */
let home: string;
let work: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function keelson(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!options.env) {
    delete env['KEELSON_FORGE_URL'];
    delete env['KEELSON_FORGE_TOKEN'];
  }
  return new Promise((resolve) => {
    execFile(
      join(repoRoot, 'bin', 'keelson'),
      args,
      { env, cwd: options.cwd ?? home },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function ok(args: string[], options?: { env?: Record<string, string>; cwd?: string }): Promise<string> {
  const run = await keelson(args, options);
  assert.equal(run.code, 0, `keelson ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

async function fails(
  args: string[],
  options?: { env?: Record<string, string>; cwd?: string },
): Promise<string> {
  const run = await keelson(args, options);
  assert.equal(run.code, 1, `keelson ${args.join(' ')} should fail: ${run.stdout}`);
  return run.stderr;
}

/** The real git, asynchronously: the forge answering it runs in this process. */
async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.test', '-c', 'credential.helper=', ...args],
    { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, encoding: 'utf8' },
  );
  return stdout.trim();
}

function remote(token: string, repo: string): string {
  const url = new URL(`${forge.url}/${repo}.git`);
  url.username = 'admin';
  url.password = token;
  return url.toString();
}

before(async () => {
  home = tempDir('keelson-cli-forge-');
  const dataDir = join(home, '.keelson', 'forge');
  mkdirSync(dataDir, { recursive: true });
  running = await startTestForge(dataDir);
  forge = running.forge;
  // as `keelson up --data .keelson` leaves it
  writeFileSync(join(dataDir, 'url'), `${forge.url}\n`);
  work = tempDir('keelson-cli-forge-work-');
});

after(async () => {
  await running.stop();
});

test('repo create and list, with the forge found in .keelson/forge', async () => {
  const [created] = await Promise.all([
    ok(['repo', 'create', 'acme/site', '--description', 'the site']),
    ok(['repo', 'create', 'admin/fleet']),
  ]);
  assert.match(created, /created repository acme\/site/);
  assert.ok(created.includes(`git clone ${forge.url}/acme/site.git`), created);

  const list = (await ok(['repo', 'list', 'acme'])).split('\n');
  assert.match(list[0]!, /^NAME\s+DESCRIPTION\s+VISIBILITY\s+DEFAULT BRANCH$/);
  assert.match(list[1]!, /^acme\/site\s+the site\s+public\s+main$/);
  assert.equal(list.length, 3, 'only the repositories of acme, then the final newline');
});

test('pr create, list, view, comment and merge a pushed branch; a conflicting one cannot merge', async () => {
  const env = { KEELSON_FORGE_URL: forge.url, KEELSON_FORGE_TOKEN: forge.adminToken };
  const clone = join(work, 'fleet');
  mkdirSync(clone);
  await git(clone, 'init', '-q', '-b', 'main');
  writeFileSync(join(clone, 'replicas.txt'), 'replicas: 1\n');
  await git(clone, 'add', '.');
  await git(clone, 'commit', '-qm', 'first');
  await git(clone, 'remote', 'add', 'origin', remote(forge.adminToken, 'admin/fleet'));
  await git(clone, 'push', '-q', 'origin', 'main');
  await git(clone, 'checkout', '-qb', 'scale-up');
  writeFileSync(join(clone, 'replicas.txt'), 'replicas: 3\n');
  await git(clone, 'commit', '-qam', 'scale up');
  await git(clone, 'push', '-q', 'origin', 'scale-up');
  const head = await git(clone, 'rev-parse', 'scale-up');
  const api = new GithubForge({ token: forge.adminToken, baseUrl: forge.apiUrl });
  const ref = { owner: 'admin', name: 'fleet' };
  const base = await git(clone, 'rev-parse', 'main');
  await git(clone, 'checkout', '-q', 'main');
  await git(clone, 'checkout', '-qb', 'scale-down');
  writeFileSync(join(clone, 'replicas.txt'), 'replicas: 0\n');
  await git(clone, 'commit', '-qam', 'scale down');
  await git(clone, 'push', '-q', 'origin', 'scale-down');

  const repo = ['--repo', 'admin/fleet'];
  const [created] = await Promise.all([
    ok(
      [
        'pr',
        'create',
        ...repo,
        '--head',
        'scale-up',
        '--base',
        'main',
        '--title',
        'Scale up',
        '--body',
        'three',
      ],
      { env },
    ),
    // what CI would do meanwhile: statuses on the head
    api.createStatus(ref, head, { state: 'success', context: 'ci/unit', description: 'all passed' }),
    api.createStatus(ref, head, { state: 'pending', context: 'ci/e2e' }),
  ]);
  assert.match(created, /created pull request admin\/fleet#1: Scale up/);
  await api.addLabels(ref, 1, ['lgtm']);

  const [, comment] = await Promise.all([
    api.createPullRequest(ref, { head: 'scale-down', base: 'main', title: 'Scale down' }),
    ok(['pr', 'comment', ...repo, '1', '--body', 'looks good to me'], { env }),
  ]);
  assert.match(comment, /commented on admin\/fleet#1/);

  const [listed, view] = await Promise.all([
    ok(['pr', 'list', ...repo], { env }),
    ok(['pr', 'view', ...repo, '1'], { env }),
  ]);
  const list = listed.split('\n');
  assert.match(list[0]!, /^#\s+TITLE\s+BRANCH\s+STATE\s+AUTHOR\s+AGE$/);
  assert.match(list[1]!, /^#2\s+Scale down\s+scale-down → main\s+open\s+admin\s/);
  assert.match(list[2]!, /^#1\s+Scale up\s+scale-up → main\s+open\s+admin\s/);
  assert.match(view, /^title:\s+Scale up admin\/fleet#1$/m);
  assert.match(view, /^state:\s+open$/m);
  assert.match(view, new RegExp(`^head:\\s+scale-up ${head}$`, 'm'));
  assert.match(view, new RegExp(`^base:\\s+main ${base}$`, 'm'));
  assert.match(view, /^mergeable:\s+yes \(/m);
  assert.match(view, /^labels:\s+lgtm$/m);
  assert.match(view, /^status:\s+pending \(2 checks\)$/m);
  assert.match(view, /^\s+ci\/unit\s+success\s+all passed$/m);
  assert.match(view, /^\s+ci\/e2e\s+pending$/m);
  assert.match(view, /^\s+three$/m);
  assert.match(view, /^comments: 1$/m);
  assert.match(view, /admin \(.* ago\):\n\s+looks good to me/);

  const merged = await ok(['pr', 'merge', ...repo, '1', '--method', 'squash'], { env });
  const sha = /as ([0-9a-f]{40})$/m.exec(merged)?.[1];
  assert.ok(sha, merged);
  await git(clone, 'fetch', '-q', 'origin');
  assert.equal(await git(clone, 'rev-parse', 'origin/main'), sha);
  assert.equal(await git(clone, 'show', 'origin/main:replicas.txt'), 'replicas: 3');

  const [viewed, closed, conflict] = await Promise.all([
    ok(['pr', 'view', ...repo, '1'], { env }),
    ok(['pr', 'list', ...repo, '--state', 'closed'], { env }),
    fails(['pr', 'merge', ...repo, '2'], { env }),
  ]);
  assert.match(viewed, /^state:\s+merged$/m);
  assert.match(viewed, new RegExp(`^merged as:\\s+${sha}$`, 'm'));
  assert.match(closed, /^#1\s+Scale up\s.*\smerged\s/m);
  assert.match(conflict, /cannot merge admin\/fleet#2 \(scale-down → main\): .*conflicts with/);
});

test('errors name what is wrong: the token, the repository, the pull request, the arguments', async () => {
  const flags = ['--forge-url', forge.url];
  const nobody = `http://127.0.0.1:${await freePort()}`;
  const errors = await Promise.all([
    fails(['repo', 'list', ...flags, '--token', 'not-a-token']),
    fails(['pr', 'list', ...flags, '--repo', 'admin/nowhere']),
    fails(['pr', 'view', ...flags, '--repo', 'admin/fleet', '99']),
    fails(['repo', 'create', 'fleet']),
    fails(['repo', 'list'], { cwd: work }),
    fails(['repo', 'list', '--forge-url', nobody, '--token', 't']),
  ]);
  const expected = [
    /the forge at .*\/api\/v3 rejected the token from --token \(401/,
    /repository admin\/nowhere not found/,
    /pull request admin\/fleet#99 not found/,
    /must be OWNER\/NAME/,
    /no forge: pass --forge-url, set KEELSON_FORGE_URL/,
    new RegExp(`cannot reach the forge at ${nobody}/api/v3 \\(from --forge-url\\): .*ECONNREFUSED`),
  ];
  expected.forEach((pattern, i) => assert.match(errors[i]!, pattern));
});
