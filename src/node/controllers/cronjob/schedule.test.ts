import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatInZone, mostRecentScheduleTime, parseGoDuration, parseSchedule } from './schedule.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

test('five fields and descriptors, strictly after the given time', () => {
  const from = at('2024-01-01T00:00:30Z');
  assert.equal(iso(parseSchedule('*/5 * * * *', 'UTC').next(from)), '2024-01-01T00:05:00.000Z');
  assert.equal(iso(parseSchedule('@hourly', 'UTC').next(from)), '2024-01-01T01:00:00.000Z');
  assert.equal(iso(parseSchedule('@midnight', 'UTC').next(from)), '2024-01-02T00:00:00.000Z');
  assert.equal(iso(parseSchedule('0 12 * * MON', 'UTC').next(from)), '2024-01-01T12:00:00.000Z');
  assert.equal(
    iso(parseSchedule('* * * * *', 'UTC').next(at('2024-01-01T00:01:00Z'))),
    '2024-01-01T00:02:00.000Z',
  );
});

test('@every counts from the current second', () => {
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(
    iso(parseSchedule('@every 90s').next(at('2024-01-01T00:00:30.250Z'))),
    '2024-01-01T00:02:00.000Z',
  );
});

test('time zones: spec.timeZone, or a TZ= / CRON_TZ= prefix that wins over it', () => {
  const from = at('2024-01-01T00:00:00Z');
  assert.equal(iso(parseSchedule('0 9 * * *', 'Asia/Tokyo').next(from)), '2024-01-02T00:00:00.000Z');
  assert.equal(
    iso(parseSchedule('CRON_TZ=Asia/Tokyo 0 9 * * *', 'UTC').next(from)),
    '2024-01-02T00:00:00.000Z',
  );
  assert.equal(iso(parseSchedule('TZ=UTC 0 9 * * *').next(from)), '2024-01-01T09:00:00.000Z');
  assert.equal(formatInZone(from, 'America/New_York'), '2023-12-31T19:00:00-05:00');
  assert.equal(formatInZone(at('2024-07-01T12:00:00Z'), 'Asia/Kolkata'), '2024-07-01T17:30:00+05:30');
  assert.equal(formatInZone(from, undefined), '2024-01-01T00:00:00Z');
});

test('bad schedules are errors', () => {
  for (const bad of [
    '* * * *',
    '* * * * * *',
    '61 * * * *',
    '@fortnightly',
    'CRON_TZ=Nowhere/Town * * * * *',
  ])
    assert.throws(() => parseSchedule(bad), { name: 'ScheduleError' }, bad);
});

test('mostRecentScheduleTime: none, one, and more than 100 missed', () => {
  const every = parseSchedule('* * * * *', 'UTC');
  const t = at('2024-01-01T00:00:30Z');
  assert.deepEqual(mostRecentScheduleTime(every, t, t + 10_000), { missed: 'none' });
  assert.deepEqual(mostRecentScheduleTime(every, t, t + 40_000), {
    mostRecent: at('2024-01-01T00:01:00Z'),
    missed: 'few',
  });
  assert.deepEqual(mostRecentScheduleTime(every, t, t + 5 * 60_000), {
    mostRecent: at('2024-01-01T00:05:00Z'),
    missed: 'few',
  });
  assert.deepEqual(mostRecentScheduleTime(every, t, t + 200 * 60_000), {
    mostRecent: at('2024-01-01T03:20:00Z'),
    missed: 'many',
  });
  const irregular = parseSchedule('30 6-16/4 * * 1-5', 'UTC');
  assert.deepEqual(
    mostRecentScheduleTime(irregular, at('2024-01-01T00:00:00Z'), at('2024-01-03T12:00:00Z')),
    {
      mostRecent: at('2024-01-03T10:30:00Z'),
      missed: 'few',
    },
  );
  assert.throws(
    () => mostRecentScheduleTime(parseSchedule('0 0 31 2 *', 'UTC'), t, t + 1e9),
    /less than 1 second/,
  );
});
