/**
 * The reconcile contract and the controller loop, after controller-runtime. A reconciler is
 * level-based: it reads the whole state every time and makes the world match it, so it may be
 * called any number of times for the same key. Watches only decide *which* keys to reconcile.
 */
import type { Clock } from '../base/clock.ts';
import type { KubeObject, OwnerReference } from '../api/meta.ts';
import { isConflict } from './client.ts';
import type { Informer } from './informer.ts';
import { keyOf, splitKey } from './informer.ts';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.ts';
import type { BackoffOptions } from './queue.ts';
import { WorkQueue } from './queue.ts';
import type { Metrics } from './metrics.ts';

export interface Request {
  namespace?: string;
  name: string;
}

export interface Result {
  /** Reconcile this key again after this many ms (even on success). */
  requeueAfter?: number;
}

export interface Reconciler {
  reconcile(request: Request, signal: AbortSignal): Promise<Result | void>;
}

/** An error retrying cannot fix: logged, not retried until the object changes. */
export class TerminalError extends Error {
  readonly code = 'KEELSON_TERMINAL';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export type Logger = (message: string, fields?: Record<string, unknown>) => void;

export interface ControllerOptions {
  name: string;
  reconciler: Reconciler;
  /** Keys reconciled at once (never the same key twice). */
  workers?: number;
  backoff?: BackoffOptions;
  clock?: Clock;
  log?: Logger;
}

/** Observations a metrics sink may record. */
export interface ControllerObserver {
  reconciled(controller: string, ms: number, outcome: 'success' | 'error' | 'requeue' | 'terminal'): void;
}

export function requestKey(request: Request): string {
  return request.namespace ? `${request.namespace}/${request.name}` : request.name;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #reconciler: Reconciler;
  readonly #workers: number;
  readonly #log: Logger;
  readonly #informers: Informer<KubeObject>[] = [];
  #observer: ControllerObserver | undefined;
  #abort: AbortController | undefined;
  #loops: Promise<void>[] = [];

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#reconciler = options.reconciler;
    this.#workers = options.workers ?? 4;
    this.#log = options.log ?? (() => {});
    this.queue = new WorkQueue({ ...options.backoff, ...(options.clock && { clock: options.clock }) });
  }

  set observer(observer: ControllerObserver) {
    this.#observer = observer;
  }

  /** Informers this controller needs synced before it starts. */
  get informers(): readonly Informer<KubeObject>[] {
    return this.#informers;
  }

  /** Reconciles an object whenever it changes. */
  for<T extends KubeObject>(informer: Informer<T>): this {
    return this.watches(informer, (object) => [{ ...requestOf(object) }]);
  }

  /** Reconciles the controlling owner (of `ownerKind`) of objects of this informer. */
  owns<T extends KubeObject>(informer: Informer<T>, ownerKind: string): this {
    return this.watches(informer, (object) => {
      const owner = controllerOf(object);
      if (!owner || owner.kind !== ownerKind) return [];
      const namespace = object.metadata.namespace;
      return [namespace ? { namespace, name: owner.name } : { name: owner.name }];
    });
  }

  /** Reconciles whatever `map` returns for each changed object (old and new on update). */
  watches<T extends KubeObject>(informer: Informer<T>, map: (object: T) => Request[]): this {
    this.#informers.push(informer as unknown as Informer<KubeObject>);
    const enqueue = (object: T): void => {
      for (const request of map(object)) this.queue.add(requestKey(request));
    };
    informer.on({
      add: enqueue,
      update: (old, object) => {
        enqueue(old);
        enqueue(object);
      },
      delete: enqueue,
    });
    return this;
  }

  enqueue(request: Request): void {
    this.queue.add(requestKey(request));
  }

  start(): void {
    if (this.#abort) return;
    this.#abort = new AbortController();
    for (let i = 0; i < this.#workers; i++) this.#loops.push(this.#loop(this.#abort.signal));
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    this.queue.shutDown();
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  async #loop(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined || signal.aborted) return;
      await this.#process(key, signal);
    }
  }

  async #process(key: string, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    let outcome: 'success' | 'error' | 'requeue' | 'terminal' = 'success';
    try {
      const result = await this.#reconciler.reconcile(splitKey(key), signal);
      this.queue.forget(key);
      if (result?.requeueAfter !== undefined) {
        outcome = 'requeue';
        this.queue.addAfter(key, result.requeueAfter);
      }
    } catch (error) {
      if (error instanceof TerminalError) {
        outcome = 'terminal';
        this.queue.forget(key);
        this.#log('reconcile failed terminally', { controller: this.name, key, error: error.message });
      } else {
        outcome = 'error';
        const delay = this.queue.addRateLimited(key);
        // a conflict only means the cache was behind: retried at once, not worth a line
        if (!signal.aborted && !isConflict(error))
          this.#log('reconcile failed; retrying', {
            controller: this.name,
            key,
            retryInMs: delay,
            error: (error as Error).message,
          });
      }
    } finally {
      this.queue.done(key);
      this.#observer?.reconciled(this.name, performance.now() - started, outcome);
    }
  }
}

export function requestOf(object: KubeObject): Request {
  const key = keyOf(object);
  return splitKey(key);
}

/** The owner reference with controller: true, if any. */
export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((r) => r.controller === true);
}

export interface ManagerOptions {
  /**
   * Start controllers only while this process holds the Lease (informers and runnables start
   * regardless, so a successor's caches are warm). Losing the lease stops the controllers for good.
   */
  leaderElection?: LeaderElectionOptions;
  /** Records every added controller, and leadership, in this registry. */
  metrics?: Metrics;
}

/**
 * Runs controllers over shared informers: starts the informers, waits for their caches, then the
 * workers; stops them in reverse order.
 */
export class Manager {
  readonly #leaderElection: LeaderElectionOptions | undefined;
  readonly #metrics: Metrics | undefined;
  #elector: LeaderElector | undefined;
  readonly #controllers: Controller[] = [];
  readonly #informers = new Set<Informer<KubeObject>>();
  readonly #extra: { start(): void | Promise<void>; stop(): Promise<void> | void }[] = [];

  constructor(options: ManagerOptions = {}) {
    this.#leaderElection = options.leaderElection;
    this.#metrics = options.metrics;
    if (options.leaderElection)
      this.#metrics?.observeLeader(options.leaderElection.name, () => this.#elector?.isLeader ?? false);
  }

  /** The elector while leader election runs; undefined without leader election or before start. */
  get elector(): LeaderElector | undefined {
    return this.#elector;
  }

  add(controller: Controller): this {
    this.#controllers.push(controller);
    this.#metrics?.observe(controller);
    for (const informer of controller.informers) this.#informers.add(informer);
    return this;
  }

  /** Adds a runnable that is neither informer nor controller (a heartbeat, a server). */
  addRunnable(runnable: { start(): void | Promise<void>; stop(): Promise<void> | void }): this {
    this.#extra.push(runnable);
    return this;
  }

  addInformer(informer: Informer<KubeObject>): this {
    this.#informers.add(informer);
    return this;
  }

  async start(): Promise<void> {
    for (const informer of this.#informers) informer.start();
    await Promise.all([...this.#informers].map((i) => i.waitForSync()));
    for (const runnable of this.#extra) await runnable.start();
    const election = this.#leaderElection;
    if (!election) {
      for (const controller of this.#controllers) controller.start();
      return;
    }
    this.#elector = new LeaderElector({
      ...election,
      onStartedLeading: async () => {
        for (const controller of this.#controllers) controller.start();
        await election.onStartedLeading?.();
      },
      onStoppedLeading: async (reason) => {
        if (reason === 'lost') await Promise.all(this.#controllers.map((c) => c.stop()));
        await election.onStoppedLeading?.(reason);
      },
    });
    this.#elector.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.#controllers.map((c) => c.stop()));
    // after the controllers, so a successor never overlaps with our last reconciles
    await this.#elector?.stop();
    for (const runnable of [...this.#extra].reverse()) await runnable.stop();
    await Promise.all([...this.#informers].map((i) => i.stop()));
  }
}
