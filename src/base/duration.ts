/**
 * Go's `time.ParseDuration` for the duration strings users write in `spec.interval` and
 * `spec.timeout` (`1m30s`, `10s`, `1.5h`, `500ms`). No I/O.
 */

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const part = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds in a Go duration string, or undefined when it is not one. `0` alone is zero. */
export function parseDuration(text: string | undefined): number | undefined {
  if (text === '0') return 0;
  if (text === undefined || text === '') return undefined;
  let total = 0;
  part.lastIndex = 0;
  while (part.lastIndex < text.length) {
    const match = part.exec(text);
    if (match === null) return undefined;
    const [, number = '', unit = ''] = match;
    if (number === '' || number === '.') return undefined;
    total += Number(number) * (unitMs[unit] ?? Number.NaN);
  }
  return Number.isFinite(total) ? total : undefined;
}

/** A duration as Go prints it, to whole seconds at most: `1h0m0s`, `1m30s`, `10s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1_000);
  const h = Math.floor(seconds / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
