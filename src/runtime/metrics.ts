/**
 * Prometheus metrics for a manager, named as controller-runtime and client-go name theirs so the
 * usual dashboards and alerts apply: reconcile counts, errors and latency per controller, work queue
 * depth, and whether this process leads. One `Registry` per `Metrics`, never prom-client's global
 * one, so several managers (and tests) in one process do not collide.
 */
import type http from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Controller, ControllerObserver } from './controller.ts';

/** controller-runtime's reconcile_time_seconds buckets. */
const reconcileBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

type Outcome = Parameters<ControllerObserver['reconciled']>[2];

/** controller-runtime's `result` label values. */
const resultOf: Record<Outcome, string> = {
  success: 'success',
  requeue: 'requeue_after',
  error: 'error',
  terminal: 'error',
};

export class Metrics implements ControllerObserver {
  readonly registry = new Registry();
  readonly #controllers = new Map<string, Controller>();
  readonly #leaders = new Map<string, () => boolean>();
  readonly #total: Counter<'controller' | 'result'>;
  readonly #errors: Counter<'controller'>;
  readonly #terminal: Counter<'controller'>;
  readonly #time: Histogram<'controller'>;

  constructor() {
    const registers = [this.registry];
    this.#total = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.#errors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.#terminal = new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.#time = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: reconcileBuckets,
      registers,
    });
    const controllers = this.#controllers;
    new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers,
      collect() {
        for (const [name, controller] of controllers) this.set({ name }, controller.queue.depth.waiting);
      },
    });
    const leaders = this.#leaders;
    new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      labelNames: ['name'],
      registers,
      collect() {
        for (const [name, isLeader] of leaders) this.set({ name }, isLeader() ? 1 : 0);
      },
    });
  }

  /** Records this controller's reconciles and reports its queue depth. */
  observe(controller: Controller): this {
    this.#controllers.set(controller.name, controller);
    controller.observer = this;
    // zeroes, so a healthy controller's series exist before the first error (as controller-runtime)
    for (const result of ['success', 'error', 'requeue_after'])
      this.#total.inc({ controller: controller.name, result }, 0);
    this.#errors.inc({ controller: controller.name }, 0);
    this.#terminal.inc({ controller: controller.name }, 0);
    return this;
  }

  /** Reports `isLeader()` as leader_election_master_status{name}; `name` is the Lease's name. */
  observeLeader(name: string, isLeader: () => boolean): this {
    this.#leaders.set(name, isLeader);
    return this;
  }

  reconciled(controller: string, ms: number, outcome: Outcome): void {
    this.#total.inc({ controller, result: resultOf[outcome] });
    if (outcome === 'error' || outcome === 'terminal') this.#errors.inc({ controller });
    if (outcome === 'terminal') this.#terminal.inc({ controller });
    this.#time.observe({ controller }, ms / 1000);
  }

  /** The text exposition format. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** A request listener for `http.createServer` serving the text exposition on any GET path. */
export function metricsHandler(metrics: Metrics): http.RequestListener {
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    metrics.text().then(
      (body) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        response
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`collecting metrics failed: ${String(error)}\n`);
      },
    );
  };
}
