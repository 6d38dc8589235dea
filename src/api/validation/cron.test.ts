import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronScheduleError, goDurationError } from './cron.ts';

describe('cronScheduleError', () => {
  it('accepts five-field schedules, names and descriptors', () => {
    for (const schedule of [
      '* * * * *',
      '0 0 1 jan,JUL *',
      '0-30/10 9-17 * * MON-FRI',
      '@yearly',
      '@annually',
      '@weekly',
      '@midnight',
      '@every 90s',
    ]) {
      assert.equal(cronScheduleError(schedule), undefined, schedule);
    }
  });

  it('reports robfig/cron v3 messages', () => {
    const cases: Array<[string, string]> = [
      ['', 'empty spec string'],
      ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
      ['0 24 * * *', 'end of range (24) above maximum (23): 24'],
      ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
      ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
      ['*/0 * * * *', 'step of range should be a positive number: */0'],
      ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
      ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
      ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
      ['@often', 'unrecognized descriptor: @often'],
      ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
      ['@every 5y', 'failed to parse duration @every 5y: time: unknown unit "y" in duration "5y"'],
    ];
    for (const [schedule, message] of cases) assert.equal(cronScheduleError(schedule), message, schedule);
  });

  it('parses Go durations', () => {
    assert.equal(goDurationError('1h30m'), undefined);
    assert.equal(goDurationError('1.5h'), undefined);
    assert.equal(goDurationError('abc'), 'time: invalid duration "abc"');
  });
});
