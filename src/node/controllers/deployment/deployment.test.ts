import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplicaSet } from '../replicaset/replica-set.ts';
import {
  deploymentTimedOut,
  maxReplicasAnnotation,
  maxSurge,
  maxUnavailable,
  newCondition,
  newReplicaSetReplicas,
  proportionalSizes,
  resolveFenceposts,
  revisionAnnotation,
  revisionHistoryAnnotation,
  setCondition,
  setNewReplicaSetAnnotations,
  type Deployment,
  type DeploymentStatus,
} from './deployment.ts';

function deployment(
  replicas: number,
  maxSurge: number | string = '25%',
  maxUnavailable: number | string = '25%',
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
      progressDeadlineSeconds: 60,
    },
  };
}

function replicaSet(
  name: string,
  replicas: number,
  created: string,
  annotations: Record<string, string> = {},
): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, uid: name, creationTimestamp: created, annotations },
    spec: { replicas },
  };
}

test('maxSurge rounds up, maxUnavailable rounds down, and both 0 resolve to one unavailable', () => {
  assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
  assert.deepEqual(resolveFenceposts('10%', '10%', 3), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(0, 0, 5), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts('0%', '0%', 5), { surge: 0, unavailable: 1 });
  assert.throws(() => resolveFenceposts('one', 0, 5), /invalid value/);
  assert.equal(maxUnavailable(deployment(2, 0, 5)), 2, 'capped at replicas');
  const recreate = deployment(4);
  recreate.spec!.strategy = { type: 'Recreate' };
  assert.equal(maxSurge(recreate), 0);
  assert.equal(maxUnavailable(recreate), 0);
});

test('the new ReplicaSet grows only within replicas + maxSurge', () => {
  const d = deployment(3, 1, 0);
  const old = replicaSet('old', 3, '2026-01-01T00:00:00Z');
  const fresh = replicaSet('new', 0, '2026-01-01T00:01:00Z');
  assert.equal(newReplicaSetReplicas(d, [old, fresh], fresh), 1);
  assert.equal(
    newReplicaSetReplicas(d, [old, { ...fresh, spec: { replicas: 1 } }], { ...fresh, spec: { replicas: 1 } }),
    1,
  );
  const shrunk = replicaSet('old', 2, '2026-01-01T00:00:00Z');
  const one = replicaSet('new', 1, '2026-01-01T00:01:00Z');
  assert.equal(newReplicaSetReplicas(d, [shrunk, one], one), 2);
});

test('scaling mid-rollout shares the change in proportion (the Deployment docs example)', () => {
  // 10 replicas, maxSurge 3, maxUnavailable 2: mid-rollout the old ReplicaSet has 8, the new 5.
  const annotations = { [maxReplicasAnnotation]: '13' };
  const old = replicaSet('old', 8, '2026-01-01T00:00:00Z', annotations);
  const fresh = replicaSet('new', 5, '2026-01-01T00:01:00Z', annotations);
  const sizes = proportionalSizes(deployment(15, 3, 2), [old, fresh]);
  assert.deepEqual(
    [...sizes],
    [
      ['old', 11],
      ['new', 7],
    ],
  );
  const down = proportionalSizes(deployment(5, 3, 2), [old, fresh]);
  assert.equal((down.get('old') ?? 0) + (down.get('new') ?? 0), 8);
  assert.deepEqual(
    [...down],
    [
      ['old', 5],
      ['new', 3],
    ],
  );
});

test('rolling back to an old ReplicaSet moves its revision forward and keeps the old one in history', () => {
  const d = deployment(1);
  d.metadata.annotations = { 'kubernetes.io/change-cause': 'rollback', [revisionAnnotation]: '3' };
  const rs = replicaSet('v1', 0, '2026-01-01T00:00:00Z', { [revisionAnnotation]: '1' });
  assert.equal(setNewReplicaSetAnnotations(d, rs, 4, true), true);
  assert.equal(rs.metadata.annotations?.[revisionAnnotation], '4');
  assert.equal(rs.metadata.annotations?.[revisionHistoryAnnotation], '1');
  assert.equal(rs.metadata.annotations?.['kubernetes.io/change-cause'], 'rollback');
  assert.equal(setNewReplicaSetAnnotations(d, rs, 6, true), true);
  assert.equal(rs.metadata.annotations?.[revisionHistoryAnnotation], '1,4');
  assert.equal(setNewReplicaSetAnnotations(d, rs, 6, true), false, 'nothing left to change');
});

test('conditions keep lastTransitionTime while their status holds; the deadline runs from lastUpdateTime', () => {
  const status: DeploymentStatus = {};
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'created', t0));
  setCondition(status, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'progressing', t0 + 30_000));
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(progressing?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(progressing?.lastUpdateTime, '2026-01-01T00:00:30Z');
  const d = deployment(1);
  assert.equal(deploymentTimedOut(d, status, t0 + 89_000), false);
  assert.equal(deploymentTimedOut(d, status, t0 + 91_000), true);
});
