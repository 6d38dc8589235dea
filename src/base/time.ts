/** metav1.Time on the wire: RFC 3339 with whole seconds. No I/O. */

/** RFC 3339 with whole seconds (the milliseconds dropped), as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parses a metav1.Time; undefined when absent or malformed. */
export function parseTime(value: string | undefined | null): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
