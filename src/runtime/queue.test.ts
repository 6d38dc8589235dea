import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from './queue.ts';

test('a key added twice while waiting is handed out once', async () => {
  const queue = new WorkQueue();
  queue.add('a');
  queue.add('a');
  queue.add('b');
  assert.equal(queue.length, 2);
  assert.equal(await queue.get(), 'a');
  assert.equal(await queue.get(), 'b');
});

test('a key added while processing is requeued only after done', async () => {
  const queue = new WorkQueue();
  queue.add('a');
  const key = await queue.get();
  queue.add('a');
  assert.equal(queue.length, 0, 'not handed to a second worker while processing');
  queue.done(key!);
  assert.equal(queue.length, 1);
  assert.equal(await queue.get(), 'a');
});

test('a waiting worker gets a key as soon as it is added', async () => {
  const queue = new WorkQueue();
  const next = queue.get();
  queue.add('x');
  assert.equal(await next, 'x');
});

test('failures back off exponentially per key and forget resets', () => {
  const queue = new WorkQueue({ base: 10, max: 100 });
  assert.deepEqual(
    [1, 2, 3, 4, 5].map(() => queue.addRateLimited('a')),
    [10, 20, 40, 80, 100],
  );
  assert.equal(queue.addRateLimited('b'), 10);
  queue.forget('a');
  assert.equal(queue.addRateLimited('a'), 10);
  queue.shutDown();
});

test('addAfter delivers later; an earlier schedule wins', async () => {
  const queue = new WorkQueue();
  queue.addAfter('a', 20);
  queue.addAfter('a', 5_000);
  assert.equal(queue.length, 0);
  const started = Date.now();
  assert.equal(await queue.get(), 'a');
  assert.ok(Date.now() - started < 4_000);
});

test('shutDown releases waiting workers', async () => {
  const queue = new WorkQueue();
  const next = queue.get();
  queue.shutDown();
  assert.equal(await next, undefined);
});
