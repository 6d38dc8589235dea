/**
 * `keelson up` end to end: the example fleet reaches Ready on both logical clusters, a commit is
 * applied, the built-in forge serves a repository created with `keelson repo create`, and a
 * restart resumes without re-applying unchanged objects and keeps the forge's admin token.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually, kubectl, repoRoot, tempDir } from './harness.ts';

function startUp(data: string): { child: ChildProcess; ready: Promise<string>; stop(): Promise<void> } {
  const child = spawn(join(repoRoot, 'bin', 'keelson'), ['up', '--data', data, '--forge-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`keelson up not Ready in 120s:\n${out}\n${err.slice(-3000)}`)),
      120_000,
    );
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('fleet Ready')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    void exited.then(() => reject(new Error(`keelson up exited:\n${out}\n${err.slice(-3000)}`)));
  });
  return {
    child,
    ready,
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
  };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'credential.helper=', ...args],
    {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      encoding: 'utf8',
    },
  ).trim();
}

/** The forge `keelson up` printed, and a git URL for one of its repositories with the admin token. */
function forgeOf(output: string, data: string): { url: string; token: string; remote(repo: string): string } {
  const url =
    /forge on (http:\/\/127\.0\.0\.1:\d+) \(git: .*, REST API: \S+\/api\/v3\); admin's token: (\S+)/.exec(
      output,
    );
  assert.ok(url, `no forge line in:\n${output}`);
  assert.equal(url[2], join(data, 'forge', 'admin-token'));
  assert.equal(statSync(url[2]).mode & 0o777, 0o600, 'the admin token is readable by its owner only');
  assert.equal(readFileSync(join(data, 'forge', 'url'), 'utf8').trim(), url[1]);
  const token = readFileSync(url[2], 'utf8').trim();
  return {
    url: url[1]!,
    token,
    remote(repo) {
      const remote = new URL(`${url[1]!}/${repo}.git`);
      remote.username = 'admin';
      remote.password = token;
      return remote.toString();
    },
  };
}

test(
  'keelson up: example fleet Ready on both clusters, a commit applied, a restart resumes',
  { timeout: 300_000 },
  async () => {
    // the CLI's default data directory is .keelson in the working directory
    const home = tempDir('keelson-up-');
    const data = join(home, '.keelson');
    let run = startUp(data);
    const output = await run.ready;
    assert.match(output, /logical cluster staging/);
    assert.match(output, /\[#+\] 2\/2 clusters Ready/);
    const staging = join(data, 'kubeconfig-staging');
    const production = join(data, 'kubeconfig-production');
    const management = join(data, 'kubeconfig');
    const replicas = async (kubeconfig: string) =>
      JSON.parse((await kubectl(kubeconfig, ['-n', 'web', 'get', 'deploy', 'web', '-o', 'json'])).stdout)
        .status.readyReplicas;
    assert.equal(await replicas(staging), 1);
    assert.equal(await replicas(production), 3);
    const ingress = JSON.parse(
      (await kubectl(production, ['-n', 'web', 'get', 'ingress', 'web', '-o', 'json'])).stdout,
    );
    assert.equal(ingress.spec.rules[0].host, 'web.production.example.test');

    // the forge: `keelson repo create` finds it in .keelson/forge; git push and clone work with the token
    let forge = forgeOf(output, data);
    const created = execFileSync(join(repoRoot, 'bin', 'keelson'), ['repo', 'create', 'admin/demo'], {
      cwd: home,
      env: { ...process.env, KEELSON_FORGE_URL: '', KEELSON_FORGE_TOKEN: '' },
      encoding: 'utf8',
    });
    assert.match(created, /created repository admin\/demo/);
    const local = join(home, 'demo');
    mkdirSync(local);
    git(local, 'init', '-q', '-b', 'main');
    writeFileSync(join(local, 'README.md'), 'demo\n');
    git(local, 'add', '.');
    git(local, 'commit', '-qm', 'first');
    git(local, 'push', '-q', forge.remote('admin/demo'), 'main');
    git(home, 'clone', '-q', forge.remote('admin/demo'), 'demo-clone');
    assert.equal(readFileSync(join(home, 'demo-clone', 'README.md'), 'utf8'), 'demo\n');

    // a commit to the fleet repository is applied
    const fleet = join(data, 'fleet');
    const file = join(fleet, 'base', 'configmap.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('GREETING: hello', 'GREETING: bonjour'));
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'greet in French'], {
      cwd: fleet,
    });
    const annotate = await kubectl(management, [
      '-n',
      'keelson-system',
      'annotate',
      '--overwrite',
      'gitrepository',
      'fleet',
      `reconcile.keelson.dev/requestedAt=${Date.now()}`,
    ]);
    assert.equal(annotate.code, 0, annotate.stderr);
    const greeting = async (kubeconfig: string) =>
      JSON.parse((await kubectl(kubeconfig, ['-n', 'web', 'get', 'cm', 'web-config', '-o', 'json'])).stdout)
        .data.GREETING;
    await eventually('staging greets in French', async () => (await greeting(staging)) === 'bonjour', 60_000);
    await eventually(
      'production greets in French',
      async () => (await greeting(production)) === 'bonjour',
      60_000,
    );

    // a restart resumes: nothing unchanged is written again
    const deployment = async () =>
      JSON.parse(
        (await kubectl(staging, ['-n', 'web', 'get', 'deploy', 'web', '-o', 'json', '--show-managed-fields']))
          .stdout,
      );
    const before = await deployment();
    await run.stop();
    run = startUp(data);
    const again = await run.ready;
    assert.match(again, /resuming from/);
    assert.doesNotMatch(again, /example fleet repository created/);
    const token = forge.token;
    forge = forgeOf(again, data);
    assert.equal(forge.token, token, 'the admin user and its token are kept across a restart');
    git(home, 'clone', '-q', forge.remote('admin/demo'), 'demo-again');
    assert.equal(readFileSync(join(home, 'demo-again', 'README.md'), 'utf8'), 'demo\n');
    const after = await deployment();
    assert.equal(
      after.metadata.generation,
      before.metadata.generation,
      'the Deployment was not re-applied with changes',
    );
    assert.equal(
      JSON.stringify(after.metadata.managedFields.find((m: any) => m.manager === 'keelson')),
      JSON.stringify(before.metadata.managedFields.find((m: any) => m.manager === 'keelson')),
      "keelson's apply record is unchanged",
    );
    await run.stop();
  },
);
