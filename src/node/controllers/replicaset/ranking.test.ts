import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../pods.ts';
import { compareForDeletion, podsToDelete } from './ranking.ts';

const now = Date.parse('2026-01-01T12:00:00Z');

function at(msAgo: number): string {
  return new Date(now - msAgo).toISOString();
}

function pod(
  name: string,
  options: {
    node?: string;
    phase?: 'Pending' | 'Running';
    readyFor?: number;
    restarts?: number;
    age?: number;
    cost?: string;
  } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      uid: `uid-${name}`,
      creationTimestamp: at(options.age ?? 3600_000),
      ...(options.cost !== undefined && {
        annotations: { 'controller.kubernetes.io/pod-deletion-cost': options.cost },
      }),
    },
    spec: options.node !== undefined ? { nodeName: options.node } : {},
    status: {
      phase: options.phase ?? 'Pending',
      conditions:
        options.readyFor !== undefined
          ? [{ type: 'Ready', status: 'True', lastTransitionTime: at(options.readyFor) }]
          : [],
      containerStatuses: [{ name: 'app', restartCount: options.restarts ?? 0 }],
    },
  };
}

function order(pods: Pod[], related: Pod[] = []): string[] {
  return podsToDelete(pods, related, pods.length - 1, now).map((p) => p.metadata.name ?? '');
}

test('unscheduled, then pending, then not ready, then ready', () => {
  const pods = [
    pod('ready', { node: 'n', phase: 'Running', readyFor: 60_000 }),
    pod('not-ready', { node: 'n', phase: 'Running' }),
    pod('pending', { node: 'n' }),
    pod('unscheduled'),
    pod('ready-too', { node: 'n', phase: 'Running', readyFor: 3600_000 * 10 }),
  ];
  assert.deepEqual(order(pods), ['unscheduled', 'pending', 'not-ready', 'ready']);
});

test('lower pod-deletion-cost first, then pods doubled up on a node', () => {
  const expensive = pod('expensive', { node: 'a', phase: 'Running', cost: '100' });
  const cheap = pod('cheap', { node: 'a', phase: 'Running', cost: '-5' });
  assert.ok(compareForDeletion({ pod: cheap, rank: 0 }, { pod: expensive, rank: 0 }, now) < 0);
  const crowded = pod('crowded', { node: 'busy', phase: 'Running' });
  const alone = pod('alone', { node: 'quiet', phase: 'Running' });
  const related = [crowded, pod('sibling-1', { node: 'busy' }), pod('sibling-2', { node: 'busy' }), alone];
  assert.deepEqual(order([alone, crowded], related), ['crowded']);
});

test('recently ready first, by log2 buckets of how long', () => {
  const pods = [
    pod('ready-a-day', { node: 'n', phase: 'Running', readyFor: 86_400_000 }),
    pod('ready-a-minute', { node: 'n', phase: 'Running', readyFor: 60_000 }),
    pod('ready-an-hour', { node: 'n', phase: 'Running', readyFor: 3600_000 }),
  ];
  assert.deepEqual(
    podsToDelete(pods, [], 2, now).map((p) => p.metadata.name),
    ['ready-a-minute', 'ready-an-hour'],
  );
});

test('more restarts first, then newer first', () => {
  const pods = [
    pod('old', { node: 'n', phase: 'Running', age: 86_400_000 }),
    pod('restarting', { node: 'n', phase: 'Running', restarts: 3, age: 86_400_000 * 2 }),
    pod('new', { node: 'n', phase: 'Running', age: 60_000 }),
  ];
  assert.deepEqual(
    podsToDelete(pods, [], 2, now).map((p) => p.metadata.name),
    ['restarting', 'new'],
  );
});

test('asking for as many as there are returns them all', () => {
  const pods = [pod('a'), pod('b')];
  assert.equal(podsToDelete(pods, [], 5, now).length, 2);
});
