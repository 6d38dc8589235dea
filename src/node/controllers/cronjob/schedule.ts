/**
 * CronJob schedules as kube-controller-manager reads them (robfig/cron's ParseStandard): five
 * fields or a descriptor (`@hourly`, `@every 1h30m`, …), an optional `TZ=`/`CRON_TZ=` prefix, and
 * spec.timeZone. The calendar arithmetic is croner's; this module adds what robfig has and croner
 * lacks (`@every`, the prefix) and kube's missed-schedule accounting (utils.go).
 */
import { Cron } from 'croner';

/** Fire times of a schedule. */
export interface Schedule {
  /** The first fire time strictly after `after` (ms since the epoch). */
  next(after: number): number;
}

export class ScheduleError extends Error {
  readonly code = 'KEELSON_CRONJOB_SCHEDULE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScheduleError';
  }
}

const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const durationUnits: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, in milliseconds. */
export function parseGoDuration(text: string): number {
  const match = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (!match) throw new ScheduleError(`time: invalid duration "${text}"`);
  if (match[2] === '0') return 0;
  let total = 0;
  for (const part of match[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(part[1]) * durationUnits[part[2]!]!;
  return match[1] === '-' ? -total : total;
}

/** Whether `zone` names a time zone this runtime knows (kube: time.LoadLocation). */
export function isKnownTimeZone(zone: string): boolean {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses a schedule. `timeZone` is spec.timeZone; a `TZ=` or `CRON_TZ=` prefix in the schedule wins
 * over it, as in kube's formatSchedule. Without either, the controller's local time zone is used.
 */
export function parseSchedule(schedule: string, timeZone?: string): Schedule {
  let text = schedule.trim();
  let zone = timeZone;
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(text);
  if (prefix) {
    zone = prefix[1]!;
    text = prefix[2]!.trim();
  }
  if (zone !== undefined && !isKnownTimeZone(zone)) throw new ScheduleError(`provided bad location ${zone}`);
  if (zone === 'Local' || zone === '') zone = undefined;
  if (text.startsWith('@every ')) {
    const ms = parseGoDuration(text.slice('@every '.length).trim());
    // robfig: at least a second, in whole seconds, counted from the start of the current second
    const delay = Math.max(1000, ms - (ms % 1000));
    return { next: (after) => after - (((after % 1000) + 1000) % 1000) + delay };
  }
  if (text.startsWith('@')) {
    const expanded = descriptors[text];
    if (!expanded) throw new ScheduleError(`unrecognized descriptor: ${text}`);
    text = expanded;
  }
  if (text.split(/\s+/).length !== 5)
    throw new ScheduleError(`expected exactly 5 fields, found ${text.split(/\s+/).length}: ${text}`);
  let cron: Cron;
  try {
    cron = new Cron(text, { paused: true, mode: '5-part', ...(zone !== undefined && { timezone: zone }) });
  } catch (error) {
    throw new ScheduleError((error as Error).message, { cause: error });
  }
  return {
    next(after) {
      // a schedule that never fires (`0 0 31 2 *`) has no next time
      if (!Number.isFinite(after)) return Number.POSITIVE_INFINITY;
      try {
        return cron.nextRun(new Date(after))?.getTime() ?? Number.POSITIVE_INFINITY;
      } catch {
        return Number.POSITIVE_INFINITY;
      }
    },
  };
}

/** How many scheduled times were missed (kube's missedSchedulesType). */
export type Missed = 'none' | 'few' | 'many';

/**
 * kube's mostRecentScheduleTime: the latest fire time in (earliest, now], whether more than 100
 * were missed, and the earliest time considered. Throws when the schedule's interval is under a
 * second (a schedule that never fires).
 */
export function mostRecentScheduleTime(
  schedule: Schedule,
  earliest: number,
  now: number,
): { mostRecent?: number; missed: Missed } {
  const t1 = schedule.next(earliest);
  const t2 = schedule.next(t1);
  // kube sees a zero interval for a schedule that never fires, and calls it invalid
  if (!Number.isFinite(t1))
    throw new ScheduleError('time difference between two schedules is less than 1 second');
  if (now < t1) return { missed: 'none' };
  if (now < t2) return { mostRecent: t1, missed: 'few' };
  const interval = Math.round((t2 - t1) / 1000);
  if (!Number.isFinite(interval) || interval < 1)
    throw new ScheduleError('time difference between two schedules is less than 1 second');
  const missedCount = Math.floor((now - t1) / 1000 / interval) + 1;
  let mostRecent: number | undefined;
  const potentialEarliest = t1 + (missedCount - 2) * interval * 1000;
  for (let t = schedule.next(potentialEarliest); t <= now; t = schedule.next(t)) mostRecent = t;
  const missed: Missed = missedCount > 100 ? 'many' : 'few';
  return mostRecent === undefined ? { missed } : { mostRecent, missed };
}

/** RFC 3339 in a time zone, as Go's `t.In(loc).Format(time.RFC3339)` prints it. */
export function formatInZone(ms: number, timeZone: string | undefined): string {
  const zone = timeZone === undefined || timeZone === '' || timeZone === 'Local' ? 'UTC' : timeZone;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  const wall = Date.UTC(
    Number(part('year')),
    Number(part('month')) - 1,
    Number(part('day')),
    Number(part('hour')),
    Number(part('minute')),
    Number(part('second')),
  );
  const offsetMinutes = Math.round((wall - (ms - (((ms % 1000) + 1000) % 1000))) / 60_000);
  const date = `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}`;
  if (offsetMinutes === 0) return `${date}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${date}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
