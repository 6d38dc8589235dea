/**
 * When a periodic is due, as Prow's horologium decides: `interval` counts from the previous run's
 * start, `minimum_interval` from its completion, `cron` fires at each scheduled time; a run never
 * starts while the previous one is still going. Croner computes cron times (UTC).
 */
import { Cron } from 'croner';
import { parseDuration } from '../../base/duration.ts';
import type { Periodic } from './types.ts';

export interface PreviousRun {
  startTime: Date;
  /** Unset while the run is still going. */
  completionTime?: Date;
}

export interface PeriodicDue {
  due: boolean;
  /** When it will next be due (unknown while the previous run is going). */
  next?: Date;
}

/**
 * Is `periodic` due at `now`? `previous` is its latest run; `since` is when scheduling began (for a
 * cron job that never ran: Prow does not fire a cron job at start-up, only at its next time).
 */
export function periodicDue(
  periodic: Periodic,
  options: { now: Date; previous?: PreviousRun; since: Date },
): PeriodicDue {
  const { now, previous } = options;
  if (previous !== undefined && previous.completionTime === undefined) return { due: false };
  if (periodic.interval !== undefined || periodic.minimum_interval !== undefined) {
    if (previous === undefined) return { due: true, next: now };
    const every = parseDuration(periodic.interval ?? periodic.minimum_interval) ?? Number.NaN;
    const from = periodic.interval !== undefined ? previous.startTime : (previous.completionTime as Date);
    const next = new Date(from.getTime() + every);
    return { due: next.getTime() <= now.getTime(), next };
  }
  if (periodic.cron !== undefined) {
    const after =
      previous === undefined || previous.startTime < options.since ? options.since : previous.startTime;
    const next = nextCronTime(periodic.cron, after);
    if (next === undefined) return { due: false };
    return { due: next.getTime() <= now.getTime(), next };
  }
  return { due: false };
}

/** The first time after `after` that a Prow cron string (five fields, `@daily`, `@every 1h`) fires. */
export function nextCronTime(cron: string, after: Date): Date | undefined {
  const every = /^@every\s+(\S+)$/.exec(cron.trim());
  if (every !== null) {
    const ms = parseDuration(every[1]);
    return ms === undefined || ms <= 0 ? undefined : new Date(after.getTime() + ms);
  }
  const pattern = cron.trim() === '@midnight' ? '@daily' : cron.trim();
  return new Cron(pattern, { timezone: 'UTC', paused: true }).nextRun(after) ?? undefined;
}
