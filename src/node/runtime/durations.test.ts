import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CrashLoopBackoffTracker } from './crash-loop-backoff.ts';
import { formatDuration, parseDuration } from './durations.ts';

describe('durations', () => {
  it('parses Go durations and bare seconds', () => {
    assert.equal(parseDuration('2s'), 2000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('3'), 3000);
    assert.equal(parseDuration('0'), 0);
    for (const bad of ['', 'soon', '-1s', '2 s', '1d']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('prints them as Go does', () => {
    assert.deepEqual([0, 250, 10_000, 80_000, 300_000, 3_725_500].map(formatDuration), [
      '0s',
      '250ms',
      '10s',
      '1m20s',
      '5m0s',
      '1h2m5.5s',
    ]);
  });
});

describe('CrashLoopBackOff', () => {
  it('restarts at once, then waits 10s doubling to 5m, and starts over after a long run', () => {
    const backoff = new CrashLoopBackoffTracker();
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const { wait } = backoff.remaining('c', now, now);
      delays.push(wait);
      now += wait;
      backoff.next('c', now - wait, now);
      now += 1000; // runs for a second, then exits
    }
    assert.deepEqual(delays, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    now += 600_001;
    assert.equal(backoff.remaining('c', now, now).wait, 0);
  });
});
