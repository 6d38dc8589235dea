/**
 * Metrics from a controller driven through its own queue (no informers, no server): counters by
 * controller and result, the latency histogram, queue depth, leadership, and the HTTP exposition.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { Controller, Manager, TerminalError, type Request } from './controller.ts';
import { Metrics, metricsHandler } from './metrics.ts';

/** Resolves once `count` reconciles have finished (the observer runs after `done`). */
function counting(metrics: Metrics, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const reconciled = metrics.reconciled.bind(metrics);
    metrics.reconciled = (...args) => {
      reconciled(...args);
      if (++seen === count) resolve();
    };
  });
}

function line(text: string, series: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${series} `));
  return found === undefined ? undefined : Number(found.slice(series.length + 1));
}

test('reconcile counters, errors and latency by controller and result', async () => {
  const metrics = new Metrics();
  const attempts = new Map<string, number>();
  const controller = new Controller({
    name: 'widgets',
    workers: 1,
    backoff: { base: 1, max: 1 },
    reconciler: {
      async reconcile(request: Request) {
        const n = (attempts.get(request.name) ?? 0) + 1;
        attempts.set(request.name, n);
        if (request.name === 'flaky' && n === 1) throw new Error('try again');
        if (request.name === 'broken') throw new TerminalError('cannot fix');
        if (request.name === 'later') return { requeueAfter: 60_000 };
      },
    },
  });
  const manager = new Manager({ metrics });
  manager.add(controller);
  // ok; flaky fails once then succeeds; broken fails terminally; later asks to come back
  const finished = counting(metrics, 5);
  for (const name of ['ok', 'flaky', 'broken', 'later']) controller.enqueue({ namespace: 'default', name });
  await manager.start();
  await finished;
  const text = await metrics.text();
  await manager.stop();

  assert.equal(line(text, 'controller_runtime_reconcile_total{controller="widgets",result="success"}'), 2);
  assert.equal(line(text, 'controller_runtime_reconcile_total{controller="widgets",result="error"}'), 2);
  assert.equal(
    line(text, 'controller_runtime_reconcile_total{controller="widgets",result="requeue_after"}'),
    1,
  );
  assert.equal(line(text, 'controller_runtime_reconcile_errors_total{controller="widgets"}'), 2);
  assert.equal(line(text, 'controller_runtime_terminal_reconcile_errors_total{controller="widgets"}'), 1);
  assert.equal(line(text, 'controller_runtime_reconcile_time_seconds_count{controller="widgets"}'), 5);
  assert.equal(
    line(text, 'controller_runtime_reconcile_time_seconds_bucket{le="+Inf",controller="widgets"}'),
    5,
  );
  assert.match(text, /# TYPE controller_runtime_reconcile_time_seconds histogram/);
  assert.equal(line(text, 'workqueue_depth{name="widgets"}'), 0);
});

test('workqueue_depth reads the queue, and a controller shows zeroes before its first reconcile', async () => {
  const metrics = new Metrics();
  const controller = new Controller({ name: 'idle', reconciler: { reconcile: async () => {} } });
  metrics.observe(controller);
  controller.enqueue({ name: 'a' });
  controller.enqueue({ name: 'b' });
  controller.enqueue({ name: 'a' });
  const text = await metrics.text();
  assert.equal(line(text, 'workqueue_depth{name="idle"}'), 2);
  assert.equal(line(text, 'controller_runtime_reconcile_errors_total{controller="idle"}'), 0);
  await controller.stop();
});

test('leader gauge and the HTTP handler', async () => {
  const metrics = new Metrics();
  let leading = false;
  metrics.observeLeader('keelson-controllers', () => leading);
  const server = http.createServer(metricsHandler(metrics));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const scrape = async (): Promise<{ type: string | null; body: string }> => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(response.status, 200);
      return { type: response.headers.get('content-type'), body: await response.text() };
    };
    const first = await scrape();
    assert.match(first.type ?? '', /^text\/plain/);
    assert.equal(line(first.body, 'leader_election_master_status{name="keelson-controllers"}'), 0);
    leading = true;
    assert.equal(line((await scrape()).body, 'leader_election_master_status{name="keelson-controllers"}'), 1);
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('separate Metrics never share series', async () => {
  const one = new Metrics();
  const two = new Metrics();
  one.reconciled('solo', 1, 'success');
  assert.equal(
    line(await one.text(), 'controller_runtime_reconcile_total{controller="solo",result="success"}'),
    1,
  );
  assert.equal(
    line(await two.text(), 'controller_runtime_reconcile_total{controller="solo",result="success"}'),
    undefined,
  );
});
