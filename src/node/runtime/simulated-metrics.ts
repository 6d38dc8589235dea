/**
 * Synthetic Prometheus metrics for simulated pods (`sim.keelson.dev/metrics`), served on one loopback
 * port at `/pods/<namespace>/<name>/metrics`, with `/targets` listing every pod for Prometheus'
 * http_sd_configs. The series are functions of time since the serving container started, chosen so
 * that PromQL gives back exactly what the annotation asked for:
 *
 * - `http_requests_total{code="200"}` grows at rate × (1 − errorRatio) per second and
 *   `{code="500"}` at rate × errorRatio, so `rate()` returns them and their ratio is errorRatio;
 * - `http_request_duration_seconds` is a histogram whose latency distribution is piecewise linear
 *   between the requested quantiles, each of which is a bucket bound, so `histogram_quantile()` —
 *   which interpolates linearly inside a bucket — returns each requested quantile exactly.
 *
 * Values are fractional (counters are floats in the exposition format): an integer count would
 * round, and the rounding would show in the ratios of short windows.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../base/clock.ts';
import type { Logger } from '../../runtime/controller.ts';

/** What `sim.keelson.dev/metrics` asks for. */
export interface MetricsSpec {
  /** Requests per second. */
  requestRate: number;
  /** Share of requests answered with code 500, in [0, 1]. */
  errorRatio: number;
  /** Latency quantiles, increasing in both quantile and value. */
  latency: { quantile: number; seconds: number }[];
}

const latencyKeys: Record<string, number> = {
  latencyP50Ms: 0.5,
  latencyP90Ms: 0.9,
  latencyP95Ms: 0.95,
  latencyP99Ms: 0.99,
};

/**
 * Reads the annotation: `{"requestRate": 50, "errorRatio": 0.02, "latencyP50Ms": 40,
 * "latencyP99Ms": 120}`. requestRate is required; errorRatio defaults to 0; latency quantiles
 * (p50, p90, p95, p99) default to p50 = 50 ms and p99 = 100 ms when none is given. Throws on
 * anything else, naming what is wrong.
 */
export function parseMetricsSpec(text: string): MetricsSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('not a JSON object');
  const fields = value as Record<string, unknown>;
  const number = (key: string): number | undefined => {
    const v = fields[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${key} must be a number ≥ 0`);
    return v;
  };
  for (const key of Object.keys(fields)) {
    if (key !== 'requestRate' && key !== 'errorRatio' && !(key in latencyKeys)) {
      throw new Error(
        `unknown field ${key} (known: requestRate, errorRatio, ${Object.keys(latencyKeys).join(', ')})`,
      );
    }
  }
  const requestRate = number('requestRate');
  if (requestRate === undefined) throw new Error('requestRate is required');
  const errorRatio = number('errorRatio') ?? 0;
  if (errorRatio > 1) throw new Error('errorRatio must be between 0 and 1');
  let latency = Object.entries(latencyKeys).flatMap(([key, quantile]) => {
    const ms = number(key);
    return ms === undefined ? [] : [{ quantile, seconds: ms / 1000 }];
  });
  if (latency.length === 0) {
    latency = [
      { quantile: 0.5, seconds: 0.05 },
      { quantile: 0.99, seconds: 0.1 },
    ];
  }
  let previous = 0;
  for (const point of latency) {
    if (point.seconds <= previous)
      throw new Error('latency quantiles must be > 0 and increase with the quantile');
    previous = point.seconds;
  }
  return { requestRate, errorRatio, latency };
}

/** Prometheus client's default buckets. */
const defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The latency CDF: linear from (0, 0) through each quantile to (2 × the last, 1). */
function cdfPoints(spec: MetricsSpec): { seconds: number; fraction: number }[] {
  const last = spec.latency[spec.latency.length - 1];
  return [
    { seconds: 0, fraction: 0 },
    ...spec.latency.map((p) => ({ seconds: p.seconds, fraction: p.quantile })),
    { seconds: 2 * (last?.seconds ?? 0.1), fraction: 1 },
  ];
}

function cdf(points: readonly { seconds: number; fraction: number }[], x: number): number {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (a === undefined || b === undefined) continue;
    if (x <= b.seconds)
      return a.fraction + ((b.fraction - a.fraction) * (x - a.seconds)) / (b.seconds - a.seconds);
  }
  return 1;
}

/** The exposition of one pod whose serving container started at `startedAt`, at time `now` (ms). */
export function renderExposition(spec: MetricsSpec, startedAt: number, now: number): string {
  const elapsed = Math.max(0, now - startedAt) / 1000;
  const total = spec.requestRate * elapsed;
  const errors = total * spec.errorRatio;
  const points = cdfPoints(spec);
  const bounds = [...new Set([...defaultBuckets, ...points.slice(1).map((p) => p.seconds)])].sort(
    (a, b) => a - b,
  );
  let mean = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (a !== undefined && b !== undefined) mean += ((b.fraction - a.fraction) * (a.seconds + b.seconds)) / 2;
  }
  const lines = [
    '# HELP http_requests_total Requests served, by status code (simulated).',
    '# TYPE http_requests_total counter',
    `http_requests_total{code="200"} ${total - errors}`,
    `http_requests_total{code="500"} ${errors}`,
    '# HELP http_request_duration_seconds Request latency (simulated).',
    '# TYPE http_request_duration_seconds histogram',
    ...bounds.map((le) => `http_request_duration_seconds_bucket{le="${le}"} ${total * cdf(points, le)}`),
    `http_request_duration_seconds_bucket{le="+Inf"} ${total}`,
    `http_request_duration_seconds_sum ${total * mean}`,
    `http_request_duration_seconds_count ${total}`,
    '# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.',
    '# TYPE process_start_time_seconds gauge',
    `process_start_time_seconds ${startedAt / 1000}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Where the simulated runtime registers the pods that serve metrics. */
export interface PodMetricsSink {
  register(
    target: { namespace: string; name: string; uid: string },
    spec: MetricsSpec,
    startedAt: number,
  ): void;
  unregister(target: { namespace: string; name: string; uid: string }): void;
  url(namespace: string, name: string): string;
}

interface Registration {
  uid: string;
  namespace: string;
  name: string;
  spec: MetricsSpec;
  startedAt: number;
}

export interface SimulatedMetricsServerDeps {
  clock: Clock;
  log: Logger;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

export class SimulatedMetricsServer implements PodMetricsSink {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #host: string;
  readonly #port: number;
  readonly #pods = new Map<string, Registration>();
  #server: Server | undefined;
  #address: AddressInfo | undefined;

  constructor(deps: SimulatedMetricsServerDeps) {
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#host = deps.host ?? '127.0.0.1';
    this.#port = deps.port ?? 0;
  }

  /** Starts serving; resolves to the base URL. */
  async listen(): Promise<string> {
    const server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const match = /^\/pods\/([^/]+)\/([^/]+)\/metrics$/.exec(path);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405).end();
      } else if (match !== null) {
        const text = this.exposition(decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? ''));
        if (text === undefined)
          response.writeHead(404, { 'content-type': 'text/plain' }).end('no such pod\n');
        else
          response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
      } else if (path === '/targets') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.targets()));
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.#host, () => resolve());
    });
    this.#server = server;
    this.#address = server.address() as AddressInfo;
    this.#log('serving simulated pod metrics', { url: this.baseUrl });
    return this.baseUrl;
  }

  get baseUrl(): string {
    if (this.#address === undefined) throw new Error('the simulated metrics server is not listening');
    const host = this.#address.family === 'IPv6' ? `[${this.#address.address}]` : this.#address.address;
    return `http://${host}:${this.#address.port}`;
  }

  url(namespace: string, name: string): string {
    return `${this.baseUrl}${this.#path(namespace, name)}`;
  }

  register(
    target: { namespace: string; name: string; uid: string },
    spec: MetricsSpec,
    startedAt: number,
  ): void {
    this.#pods.set(`${target.namespace}/${target.name}`, { ...target, spec, startedAt });
  }

  unregister(target: { namespace: string; name: string; uid: string }): void {
    const key = `${target.namespace}/${target.name}`;
    if (this.#pods.get(key)?.uid === target.uid) this.#pods.delete(key);
  }

  /** The text a scrape of the pod gets now; undefined while the pod serves nothing. */
  exposition(namespace: string, name: string): string | undefined {
    const pod = this.#pods.get(`${namespace}/${name}`);
    return pod === undefined ? undefined : renderExposition(pod.spec, pod.startedAt, this.#clock.now());
  }

  /** Prometheus http_sd_configs targets: one per pod, its path in `__metrics_path__`. */
  targets(): { targets: string[]; labels: Record<string, string> }[] {
    const address = this.#address === undefined ? '' : new URL(this.baseUrl).host;
    return [...this.#pods.values()].map((pod) => ({
      targets: [address],
      labels: {
        __metrics_path__: this.#path(pod.namespace, pod.name),
        namespace: pod.namespace,
        pod: pod.name,
      },
    }));
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #path(namespace: string, name: string): string {
    return `/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/metrics`;
  }
}
