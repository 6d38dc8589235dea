import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from './manual-clock.ts';
import { parseMetricsSpec, renderExposition, SimulatedMetricsServer } from './simulated-metrics.ts';

/** Samples of a text exposition, keyed as `name{labels}` exactly as written. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    assert.ok(Number.isFinite(value), `a number in ${JSON.stringify(line)}`);
    samples.set(line.slice(0, space), value);
  }
  return samples;
}

/** rate() between two scrapes (without Prometheus' extrapolation, which scales every series alike). */
function rates(
  before: Map<string, number>,
  after: Map<string, number>,
  seconds: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of after) out.set(key, (value - (before.get(key) ?? 0)) / seconds);
  return out;
}

/** Prometheus' bucketQuantile (promql/quantile.go), which histogram_quantile() applies. */
function histogramQuantile(q: number, series: Map<string, number>, metric: string): number {
  const buckets = [...series]
    .flatMap(([key, count]) => {
      const match = new RegExp(`^${metric}_bucket\\{le="([^"]+)"\\}$`).exec(key);
      return match === null ? [] : [{ upperBound: match[1] === '+Inf' ? Infinity : Number(match[1]), count }];
    })
    .sort((a, b) => a.upperBound - b.upperBound);
  assert.equal(buckets.at(-1)?.upperBound, Infinity);
  const observations = buckets.at(-1)!.count;
  let rank = q * observations;
  const b = buckets.findIndex((bucket) => bucket.count >= rank);
  if (b < 0 || b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upperBound;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

const close = (actual: number, expected: number, what: string): void =>
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} ≠ ${expected}`,
  );

describe('simulated metrics', () => {
  it('grows the request counters at the requested rate and error ratio', () => {
    const spec = parseMetricsSpec('{"requestRate": 50, "errorRatio": 0.02, "latencyP99Ms": 120}');
    const started = Date.parse('2030-01-01T00:00:00Z');
    const first = parse(renderExposition(spec, started, started + 17_000));
    const second = parse(renderExposition(spec, started, started + 77_000));
    const perSecond = rates(first, second, 60);
    close(perSecond.get('http_requests_total{code="200"}')!, 49, 'rate of 200s');
    close(perSecond.get('http_requests_total{code="500"}')!, 1, 'rate of 500s');
    close(perSecond.get('http_request_duration_seconds_count')!, 50, 'rate of observations');
    close(
      second.get('http_requests_total{code="200"}')! + second.get('http_requests_total{code="500"}')!,
      50 * 77,
      'total since start',
    );
    assert.equal(second.get('process_start_time_seconds'), started / 1000);
  });

  it('makes histogram_quantile() of the rate return the requested quantiles exactly', () => {
    const spec = parseMetricsSpec(
      '{"requestRate": 50, "errorRatio": 0.02, "latencyP50Ms": 40, "latencyP99Ms": 120}',
    );
    const started = Date.parse('2030-01-01T00:00:00Z');
    const perSecond = rates(
      parse(renderExposition(spec, started, started + 30_000)),
      parse(renderExposition(spec, started, started + 90_000)),
      60,
    );
    close(histogramQuantile(0.5, perSecond, 'http_request_duration_seconds'), 0.04, 'p50');
    close(histogramQuantile(0.99, perSecond, 'http_request_duration_seconds'), 0.12, 'p99');
    const p90 = histogramQuantile(0.9, perSecond, 'http_request_duration_seconds');
    assert.ok(p90 > 0.04 && p90 < 0.12, `p90 ${p90} lies between p50 and p99`);
    const mean =
      perSecond.get('http_request_duration_seconds_sum')! /
      perSecond.get('http_request_duration_seconds_count')!;
    assert.ok(mean > 0.02 && mean < 0.12, `mean latency ${mean}`);

    const detailed = parseMetricsSpec(
      '{"requestRate": 7, "latencyP50Ms": 15, "latencyP90Ms": 300, "latencyP95Ms": 700, "latencyP99Ms": 2000}',
    );
    const scrape = parse(renderExposition(detailed, started, started + 45_000));
    for (const [q, seconds] of [
      [0.5, 0.015],
      [0.9, 0.3],
      [0.95, 0.7],
      [0.99, 2],
    ] as const) {
      close(histogramQuantile(q, scrape, 'http_request_duration_seconds'), seconds, `p${q * 100}`);
    }
  });

  it('exposes well-formed Prometheus text: HELP and TYPE once per family, cumulative buckets', () => {
    const spec = parseMetricsSpec('{"requestRate": 3}');
    const text = renderExposition(spec, 0, 10_000);
    assert.equal(text.match(/^# TYPE http_request_duration_seconds histogram$/gm)?.length, 1);
    const buckets = [...text.matchAll(/^http_request_duration_seconds_bucket\{le="[^"]+"\} (\S+)$/gm)].map(
      (m) => Number(m[1]),
    );
    assert.deepEqual(
      [...buckets].sort((a, b) => a - b),
      buckets,
      'cumulative',
    );
    assert.equal(buckets.at(-1), 30);
    assert.ok(text.endsWith('\n'));
  });

  it('rejects specs it cannot honour, naming the problem', () => {
    assert.throws(() => parseMetricsSpec('{"errorRatio": 0.1}'), /requestRate is required/);
    assert.throws(() => parseMetricsSpec('{"requestRate": 1, "errorRatio": 2}'), /between 0 and 1/);
    assert.throws(
      () => parseMetricsSpec('{"requestRate": 1, "latencyP50Ms": 100, "latencyP99Ms": 50}'),
      /increase/,
    );
    assert.throws(() => parseMetricsSpec('{"requestRate": 1, "p99": 5}'), /unknown field p99/);
    assert.throws(() => parseMetricsSpec('requestRate=1'), /not JSON/);
    assert.throws(() => parseMetricsSpec('{"requestRate": -1}'), /≥ 0/);
  });

  it('serves each pod on one port, lists targets for http_sd, and answers 404 for others', async () => {
    const clock = new ManualClock();
    const server = new SimulatedMetricsServer({ clock, log: () => {} });
    const base = await server.listen();
    try {
      const target = { namespace: 'shop', name: 'cart-0', uid: 'u1' };
      server.register(target, parseMetricsSpec('{"requestRate": 10}'), clock.now());
      await clock.advance(5000);
      const response = await fetch(server.url('shop', 'cart-0'));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      assert.equal(parse(await response.text()).get('http_request_duration_seconds_count'), 50);
      assert.deepEqual(await (await fetch(`${base}/targets`)).json(), [
        {
          targets: [new URL(base).host],
          labels: { __metrics_path__: '/pods/shop/cart-0/metrics', namespace: 'shop', pod: 'cart-0' },
        },
      ]);
      server.unregister({ ...target, uid: 'another pod of the same name' });
      assert.equal((await fetch(server.url('shop', 'cart-0'))).status, 200);
      server.unregister(target);
      assert.equal((await fetch(server.url('shop', 'cart-0'))).status, 404);
      assert.equal((await fetch(`${base}/elsewhere`)).status, 404);
    } finally {
      await server.close();
    }
  });
});
