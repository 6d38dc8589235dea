import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slowStartBatch } from './slow-start.ts';

test('runs batches of 1, 2, 4, … each concurrently', async () => {
  let running = 0;
  let peak = 0;
  const peaks: number[] = [];
  let calls = 0;
  const result = await slowStartBatch(20, 1, async () => {
    calls++;
    running++;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running--;
    if (running === 0) {
      peaks.push(peak);
      peak = 0;
    }
  });
  assert.deepEqual(result, { successes: 20 });
  assert.equal(calls, 20);
  assert.deepEqual(peaks, [1, 2, 4, 8, 5]);
});

test('stops after the first batch with a failure and reports what succeeded', async () => {
  let calls = 0;
  const result = await slowStartBatch(100, 1, async () => {
    calls++;
    if (calls === 5) throw new Error('quota exceeded');
  });
  assert.equal(calls, 7, 'batches 1, 2 and 4 ran; nothing after the failing batch');
  assert.equal(result.successes, 6);
  assert.match(String(result.error), /quota exceeded/);
});
