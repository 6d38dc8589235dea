import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jittered, statusPatch } from './status.ts';

test('statusPatch sends only what changed, null for what went, nothing when equal', () => {
  const conditions = [{ type: 'Ready', status: 'True' as const, reason: 'Succeeded', message: 'ok' }];
  assert.equal(
    statusPatch({ conditions, observedGeneration: 1 }, { conditions, observedGeneration: 1 }),
    undefined,
  );
  assert.deepEqual(
    statusPatch({ conditions, observedGeneration: 1 }, { conditions, observedGeneration: 2 }),
    {
      observedGeneration: 2,
    },
  );
  assert.deepEqual(statusPatch({ conditions, lastHandledReconcileAt: 'a' }, { conditions }), {
    lastHandledReconcileAt: null,
  });
});

test('jittered stays within 10% either way', () => {
  assert.equal(
    jittered(1000, () => 0),
    900,
  );
  assert.equal(
    jittered(1000, () => 0.5),
    1000,
  );
  assert.equal(
    jittered(1000, () => 0.999999),
    1100,
  );
});
