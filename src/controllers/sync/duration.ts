/** Go-style durations (`30s`, `1m30s`, `500ms`, `1.5h`) in milliseconds. No I/O. */

const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const part = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/y;

/** Milliseconds in a duration string, or undefined when it is not one. */
export function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  let total = 0;
  part.lastIndex = 0;
  while (part.lastIndex < text.length) {
    const match = part.exec(text);
    if (match === null) return undefined;
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? total : undefined;
}
