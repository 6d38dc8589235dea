/**
 * A keyed work queue with client-go's guarantees: a key waiting twice is processed once, a key is
 * never handed to two workers at once (a key added while being processed is requeued when it is
 * done), and failures back off per key exponentially.
 */
import { systemClock, type Clock } from '../base/clock.ts';

export interface BackoffOptions {
  /** First retry delay (ms); doubles per consecutive failure. client-go: 5 ms. */
  base?: number;
  /** Ceiling (ms). client-go: 1000 s. */
  max?: number;
}

export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #delayed = new Map<string, { at: number; handle: unknown }>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #clock: Clock;
  readonly #base: number;
  readonly #max: number;
  #shuttingDown = false;

  constructor(options: BackoffOptions & { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#base = options.base ?? 5;
    this.#max = options.max ?? 1_000_000;
  }

  get length(): number {
    return this.#queue.length;
  }

  /** Keys waiting, being processed or scheduled for later. */
  get depth(): { waiting: number; processing: number; delayed: number } {
    return { waiting: this.#queue.length, processing: this.#processing.size, delayed: this.#delayed.size };
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
    } else {
      this.#queue.push(key);
    }
  }

  /** Adds the key after `ms`; an earlier pending addAfter of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.#clock.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.#clock.clearTimeout(pending.handle);
    const handle = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { at, handle });
  }

  /** Requeues after this key's next backoff delay. */
  addRateLimited(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = Math.min(this.#max, this.#base * 2 ** failures);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears a key's failure count (after a success). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** The next key to process, or undefined once shut down. Call done(key) when finished. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) {
      this.#dirty.delete(key);
      this.add(key);
    }
  }

  shutDown(): void {
    this.#shuttingDown = true;
    for (const { handle } of this.#delayed.values()) this.#clock.clearTimeout(handle);
    this.#delayed.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }
}
