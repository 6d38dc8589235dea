/**
 * `keelson up` end to end: the example fleet reaches Ready on both logical clusters, a commit is
 * applied, and a restart resumes without re-applying unchanged objects.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually, kubectl, repoRoot, tempDir } from './harness.ts';

function startUp(data: string): { child: ChildProcess; ready: Promise<string>; stop(): Promise<void> } {
  const child = spawn(join(repoRoot, 'bin', 'keelson'), ['up', '--data', data], {
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

test(
  'keelson up: example fleet Ready on both clusters, a commit applied, a restart resumes',
  { timeout: 300_000 },
  async () => {
    const data = tempDir('keelson-up-');
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
