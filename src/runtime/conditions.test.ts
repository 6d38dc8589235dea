import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  findCondition,
  markNotReady,
  markReady,
  markReconciling,
  setCondition,
  type HasConditions,
} from './conditions.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:01:00Z');

test('lastTransitionTime moves only when the status changes', () => {
  const status: HasConditions = {};
  assert.equal(setCondition(status, { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, t0), true);
  assert.equal(setCondition(status, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, t1), true);
  assert.equal(findCondition(status, 'Ready')?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(
    setCondition(status, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, t1),
    false,
  );
  setCondition(status, { type: 'Ready', status: 'True', reason: 'B', message: 'b' }, t1);
  assert.equal(findCondition(status, 'Ready')?.lastTransitionTime, '2026-01-01T00:01:00Z');
});

test('reconciling, then ready, then stalled follow kstatus', () => {
  const status: HasConditions = {};
  markReconciling(status, 'Progressing', 'fetching', t0, 3);
  assert.equal(findCondition(status, 'Reconciling')?.status, 'True');
  assert.equal(findCondition(status, 'Ready')?.status, 'Unknown');
  markReady(status, 'Succeeded', 'applied rev', t1, 3);
  assert.deepEqual(
    status.conditions?.map((c) => c.type),
    ['Ready'],
  );
  assert.equal(status.observedGeneration, 3);
  markNotReady(status, 'BuildFailed', 'bad yaml', t1, { generation: 4, stalled: true });
  assert.equal(findCondition(status, 'Stalled')?.status, 'True');
  assert.equal(findCondition(status, 'Ready')?.reason, 'BuildFailed');
  assert.equal(status.observedGeneration, 4);
});
