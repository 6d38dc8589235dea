import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanDuration, parseDuration, table } from './format.ts';

test('ages read as kubectl writes them', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [190 * s, '3m10s'],
    [300 * s, '5m'],
    [25 * 60 * s, '25m'],
    [(5 * 60 + 12) * 60 * s, '5h12m'],
    [30 * 3600 * s, '30h'],
    [(2 * 24 + 3) * 3600 * s, '2d3h'],
    [2 * 24 * 3600 * s, '2d'],
    [400 * 24 * 3600 * s, '400d'],
    [(2 * 365 + 10) * 24 * 3600 * s, '2y10d'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test('tables pad columns three spaces apart and leave the last unpadded', () => {
  assert.equal(
    table(
      ['NAME', 'AGE'],
      [
        ['a', '5s'],
        ['longer', '2d'],
      ],
    ),
    'NAME     AGE\na        5s\nlonger   2d\n',
  );
});

test('timeouts parse as Go durations', () => {
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('soon'), undefined);
});
