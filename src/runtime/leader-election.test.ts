/**
 * Leader election against a real `keelson apiserver`: candidates competing for one Lease, a crashed
 * leader's lease expiring, a clean stop handing over at once, and a Manager gating its controllers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, startServer, type ServerProcess } from '../../test/e2e/harness.ts';
import { KubeClient } from './client.ts';
import { Controller, Manager, type Request } from './controller.ts';
import { LeaderElector, leaseExpired, type Lease, type LeaderElectionOptions } from './leader-election.ts';

let server: ServerProcess;
let client: KubeClient;

before(async () => {
  server = await startServer({ args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
});
after(async () => {
  client.close();
  await server.stop();
});

const short = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

function options(name: string, identity: string, events: string[]): LeaderElectionOptions {
  return {
    client,
    namespace: 'default',
    name,
    identity,
    ...short,
    onStartedLeading: () => void events.push(`${identity} started`),
    onStoppedLeading: (reason) => void events.push(`${identity} stopped ${reason}`),
  };
}

async function lease(name: string): Promise<Lease> {
  return client.get<Lease>({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    namespace: 'default',
    name,
  });
}

/** Both started; resolves with [leader, follower] once one of them leads. */
async function race(a: LeaderElector, b: LeaderElector): Promise<[LeaderElector, LeaderElector]> {
  a.start();
  b.start();
  return eventually('a leader', async () => (a.isLeader ? [a, b] : b.isLeader ? [b, a] : undefined));
}

test('two candidates: one leads; a crashed leader is replaced only after its lease expires', async () => {
  const events: string[] = [];
  const a = new LeaderElector(options('crash', 'a', events));
  const b = new LeaderElector(options('crash', 'b', events));
  const [leader, follower] = await race(a, b);
  // several renewals later there is still exactly one leader
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(leader.isLeader, true);
  assert.equal(follower.isLeader, false);
  assert.equal(follower.leader, leader.identity);
  const held = await lease('crash');
  assert.equal(held.spec?.holderIdentity, leader.identity);
  assert.equal(held.spec?.leaseDurationSeconds, 2);
  assert.equal(held.spec?.leaseTransitions, 0);

  await leader.stop({ release: false });
  const lastRenew = Date.parse((await lease('crash')).spec?.renewTime ?? '');
  assert.equal(follower.isLeader, false);
  await eventually('takeover after expiry', async () => follower.isLeader, 10_000);
  const taken = await lease('crash');
  assert.equal(taken.spec?.holderIdentity, follower.identity);
  assert.equal(taken.spec?.leaseTransitions, 1);
  assert.ok(Date.parse(taken.spec?.acquireTime ?? '') > lastRenew + 2_000, 'taken before the lease expired');
  // a crashed process says nothing; here the stopped elector still reports it stopped
  assert.deepEqual(events, [
    `${leader.identity} started`,
    `${leader.identity} stopped stopped`,
    `${follower.identity} started`,
  ]);
  await follower.stop();
  assert.deepEqual(events.at(-1), `${follower.identity} stopped stopped`);
});

test('a clean stop releases the lease and the other candidate takes over at once', async () => {
  const events: string[] = [];
  const a = new LeaderElector(options('release', 'a', events));
  const b = new LeaderElector(options('release', 'b', events));
  const [leader, follower] = await race(a, b);
  await leader.stop();
  const released = await lease('release');
  assert.equal(leader.isLeader, false);
  // released, or already taken by the follower
  if (released.spec?.holderIdentity !== follower.identity) {
    assert.equal(released.spec?.holderIdentity, '');
    assert.equal(released.spec?.leaseDurationSeconds, 1);
  }
  const releasedAt = Date.now();
  await eventually('takeover after release', async () => follower.isLeader, 10_000);
  const taken = await lease('release');
  assert.equal(taken.spec?.holderIdentity, follower.identity);
  assert.equal(taken.spec?.leaseTransitions, 1);
  assert.ok(Date.parse(taken.spec?.acquireTime ?? '') < releasedAt + 2_000, 'waited for expiry instead');
  assert.ok(events.includes(`${leader.identity} stopped stopped`));
  await follower.stop();

  // a third candidate takes the released lease again: transitions keep counting
  const c = new LeaderElector(options('release', 'c', events));
  c.start();
  await eventually('c leads', async () => c.isLeader);
  assert.equal((await lease('release')).spec?.leaseTransitions, 2);
  await c.stop();
});

test('a leader that cannot renew stops leading once another holder appears', async () => {
  const events: string[] = [];
  const a = new LeaderElector(options('stolen', 'a', events));
  a.start();
  await eventually('a leads', async () => a.isLeader);
  const current = await lease('stolen');
  await client.update<Lease>({
    ...current,
    spec: { ...current.spec, holderIdentity: 'intruder', renewTime: new Date().toISOString() },
  });
  await eventually('a lost', async () => !a.isLeader && events.includes('a stopped lost'));
  await a.stop();
  assert.equal((await lease('stolen')).spec?.holderIdentity, 'intruder', 'a lost leader must not release');
});

test('leaseExpired reads renewTime + leaseDurationSeconds', () => {
  const renewTime = '2026-01-01T00:00:00.000000Z';
  const at = Date.parse(renewTime);
  assert.equal(leaseExpired({ renewTime, leaseDurationSeconds: 15 }, at + 15_000), false);
  assert.equal(leaseExpired({ renewTime, leaseDurationSeconds: 15 }, at + 15_001), true);
  assert.equal(leaseExpired({}, at), true);
});

test('rejects a renew deadline that is not shorter than the lease', () => {
  assert.throws(
    () =>
      new LeaderElector({
        client,
        namespace: 'default',
        name: 'x',
        leaseDurationMs: 1_000,
        renewDeadlineMs: 1_000,
      }),
    (e: Error & { code?: string }) => e.code === 'KEELSON_LEADER_ELECTION_CONFIG',
  );
});

test('a manager with leader election runs its controllers only while leading', async () => {
  const reconciled: string[] = [];
  function manager(identity: string): { manager: Manager; controller: Controller } {
    const controller = new Controller({
      name: `probe-${identity}`,
      workers: 1,
      reconciler: {
        reconcile: async (request: Request) => void reconciled.push(`${identity}:${request.name}`),
      },
    });
    const m = new Manager({
      leaderElection: { client, namespace: 'default', name: 'manager', identity, ...short },
    });
    m.add(controller);
    return { manager: m, controller };
  }
  const one = manager('one');
  const two = manager('two');
  one.controller.enqueue({ name: 'k' });
  two.controller.enqueue({ name: 'k' });
  await one.manager.start();
  await eventually('one leads', async () => one.manager.elector?.isLeader);
  await two.manager.start();
  await eventually('one reconciles', async () => reconciled.includes('one:k'));
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(reconciled, ['one:k'], 'the follower must not reconcile');
  assert.equal(two.manager.elector?.isLeader, false);

  await one.manager.stop();
  await eventually('two reconciles after the handover', async () => reconciled.includes('two:k'));
  await two.manager.stop();
});
