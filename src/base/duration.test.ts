import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

test('parseDuration reads Go durations', () => {
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2h45m0.5s'), 9_900_500);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('0s'), 0);
});

test('parseDuration refuses what Go refuses', () => {
  for (const bad of ['', '10', 's', '.s', '1x', '1m 30s', '-1s', '1s!', 'soon']) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
});

test('formatDuration prints as Go does', () => {
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(10_000), '10s');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(3_600_000), '1h0m0s');
});
