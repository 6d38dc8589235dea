/** What every controller does with its status: patch only what changed, requeue with jitter. */
import { isDeepStrictEqual } from 'node:util';

/**
 * The merge patch from one status to the next: top-level fields that changed, `null` for those
 * that went; undefined when nothing changed (so nothing is written).
 */
export function statusPatch(before: object, after: object): Record<string, unknown> | undefined {
  const from = before as Record<string, unknown>;
  const to = after as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const field of new Set([...Object.keys(from), ...Object.keys(to)])) {
    const value = to[field];
    if (value === undefined) {
      if (from[field] !== undefined) patch[field] = null;
    } else if (!isDeepStrictEqual(from[field], value)) {
      patch[field] = value;
    }
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

/** `ms` moved up to 10% either way (random in [0, 1)), so objects do not requeue in step. */
export function jittered(ms: number, random: () => number, fraction = 0.1): number {
  return Math.round(ms * (1 + fraction * (2 * random() - 1)));
}
