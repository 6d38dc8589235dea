/**
 * kubelet's container restart backoff (client-go flowcontrol.Backoff, without jitter, as kubelet
 * uses it): the first restart is immediate and arms `initial`; each restart while armed doubles it up
 * to `max`; a container whose exit comes more than 2 × `max` after the last restart starts over.
 */
export class CrashLoopBackoffTracker {
  readonly #initial: number;
  readonly #max: number;
  readonly #entries = new Map<string, { delay: number; lastUpdate: number }>();

  constructor(options: { initialMs?: number; maxMs?: number } = {}) {
    this.#initial = options.initialMs ?? 10_000;
    this.#max = options.maxMs ?? 300_000;
  }

  /**
   * The delay still to wait before restarting `key`, which exited at `finishedAt`; 0 means restart
   * now. `delay` is the whole backoff, for kubelet's `back-off 20s restarting failed container` message.
   */
  remaining(key: string, finishedAt: number, now: number): { wait: number; delay: number } {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.#expired(finishedAt, entry.lastUpdate)) return { wait: 0, delay: 0 };
    return { wait: Math.max(0, entry.delay - (now - finishedAt)), delay: entry.delay };
  }

  /** Records a restart of `key` (kubelet's backOff.Next), made for the exit at `finishedAt`. */
  next(key: string, finishedAt: number, now: number): void {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.#expired(finishedAt, entry.lastUpdate)) {
      this.#entries.set(key, { delay: this.#initial, lastUpdate: now });
    } else {
      this.#entries.set(key, { delay: Math.min(entry.delay * 2, this.#max), lastUpdate: now });
    }
  }

  forget(prefix: string): void {
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) this.#entries.delete(key);
  }

  #expired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > this.#max * 2;
  }
}
