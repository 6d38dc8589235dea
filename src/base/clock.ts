/**
 * Time as the code reads it. Everything that reads the time or sets a timer takes a `Clock` in its
 * dependencies, so tests can move time by hand (src/node/runtime/manual-clock.ts); only composition
 * roots and tests pick `systemClock`. No I/O.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Wall-clock time and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
