/** Two `keelson controllers` processes against one API: one leads; kill -9 it and the other takes over. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, kubectl, repoRoot, startServer, tempDir, type ServerProcess } from './harness.ts';

let server: ServerProcess;
const children: ChildProcess[] = [];

before(async () => {
  server = await startServer({ tls: true, args: ['--no-node'] });
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await server.stop();
});

function controllers(identity: string): ChildProcess {
  const child = spawn(
    join(repoRoot, 'bin', 'keelson'),
    ['controllers', '--kubeconfig', server.kubeconfig, '--data', tempDir(), '--identity', identity],
    { stdio: 'ignore' },
  );
  children.push(child);
  return child;
}

async function holder(): Promise<string | undefined> {
  const out = await kubectl(server.kubeconfig, [
    '-n',
    'keelson-system',
    'get',
    'lease',
    'keelson-controllers',
    '-o',
    'json',
  ]);
  if (out.code !== 0) return undefined;
  return JSON.parse(out.stdout).spec?.holderIdentity || undefined;
}

test('only one process leads, and the other takes over after a kill -9', { timeout: 120_000 }, async () => {
  assert.equal((await kubectl(server.kubeconfig, ['create', 'namespace', 'keelson-system'])).code, 0);
  const processes: Record<string, ChildProcess> = { a: controllers('a'), b: controllers('b') };
  const first = await eventually('a leader', holder, 60_000);
  assert.ok(first === 'a' || first === 'b', `holder ${first}`);
  const exited = new Promise((resolve) => processes[first]!.once('exit', resolve));
  processes[first]!.kill('SIGKILL');
  await exited;
  const second = await eventually(
    'the other process to take over',
    async () => {
      const h = await holder();
      return h !== undefined && h !== first ? h : undefined;
    },
    45_000,
  );
  assert.equal(second, first === 'a' ? 'b' : 'a');
  const lease = JSON.parse(
    (
      await kubectl(server.kubeconfig, [
        '-n',
        'keelson-system',
        'get',
        'lease',
        'keelson-controllers',
        '-o',
        'json',
      ])
    ).stdout,
  );
  assert.equal(lease.spec.leaseTransitions, 1);
});
