import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPodStatus, podPhase, type ContainerRecord, type PodRecordView } from './pod-status.ts';

const running = (name: string): ContainerRecord => ({
  name,
  image: 'i',
  init: false,
  state: { kind: 'running', startedAt: 0, containerID: 'x://1', instance: 0 },
  restartCount: 0,
  ready: true,
  containerID: 'x://1',
});
const exited = (name: string, exitCode: number, init = false): ContainerRecord => ({
  name,
  image: 'i',
  init,
  state: {
    kind: 'terminated',
    terminated: {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt: 0,
      finishedAt: 1000,
      containerID: 'x://1',
      instance: 0,
    },
  },
  restartCount: 0,
  ready: false,
  containerID: 'x://1',
});
const backingOff = (name: string, exitCode: number, init = false): ContainerRecord => ({
  ...exited(name, exitCode, init),
  state: { kind: 'waiting', reason: 'CrashLoopBackOff' },
  last: { exitCode, reason: 'Error', startedAt: 0, finishedAt: 1000, containerID: 'x://1', instance: 0 },
});
const waiting = (name: string, init = false): ContainerRecord => ({
  name,
  image: 'i',
  init,
  state: { kind: 'waiting', reason: 'ContainerCreating' },
  restartCount: 0,
  ready: false,
});

function view(
  restartPolicy: string,
  containers: ContainerRecord[],
  initContainers: ContainerRecord[] = [],
  terminal = false,
): PodRecordView {
  return { restartPolicy, startTime: 0, containers, initContainers, sandboxReady: true, terminal };
}

describe("kubelet's getPhase", () => {
  const cases: [string, PodRecordView, string][] = [
    ['waiting containers', view('Always', [waiting('a')]), 'Pending'],
    ['one running, one waiting', view('Always', [running('a'), waiting('b')]), 'Pending'],
    ['all running', view('Always', [running('a'), running('b')]), 'Running'],
    ['Always, all exited', view('Always', [exited('a', 0)]), 'Running'],
    ['Always, backing off', view('Always', [backingOff('a', 1)]), 'Running'],
    ['Never, all exited 0', view('Never', [exited('a', 0), exited('b', 0)]), 'Succeeded'],
    ['Never, one failed', view('Never', [exited('a', 0), exited('b', 1)]), 'Failed'],
    ['Never, one failed, one running', view('Never', [running('a'), exited('b', 1)]), 'Running'],
    ['OnFailure, failed and restarting', view('OnFailure', [backingOff('a', 1)]), 'Running'],
    ['OnFailure, all exited 0', view('OnFailure', [exited('a', 0)]), 'Succeeded'],
    ['init running', view('Always', [waiting('a')], [running('i')]), 'Pending'],
    ['init failed, Never', view('Never', [waiting('a')], [exited('i', 1, true)]), 'Failed'],
    ['init failed, OnFailure', view('OnFailure', [waiting('a')], [backingOff('i', 1, true)]), 'Pending'],
    ['init done, app running', view('Always', [running('a')], [exited('i', 0, true)]), 'Running'],
    ['stopped pod, exit 143', view('Always', [exited('a', 143)], [], true), 'Failed'],
    ['stopped pod, exit 0', view('Always', [exited('a', 0)], [], true), 'Succeeded'],
  ];
  for (const [name, v, phase] of cases) it(`${name} → ${phase}`, () => assert.equal(podPhase(v), phase));
});

describe('pod status', () => {
  it('moves lastTransitionTime only when a condition changes status', () => {
    const transitions = new Map<string, { status: string; at: number }>();
    const notReady = { ...running('a'), ready: false };
    const first = buildPodStatus(view('Always', [notReady]), transitions, 5_000);
    const second = buildPodStatus(view('Always', [notReady]), transitions, 9_000);
    const third = buildPodStatus(view('Always', [running('a')]), transitions, 12_500);
    const ready = (s: typeof first) => s.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready(first).lastTransitionTime!.getTime(), 5_000);
    assert.equal(ready(second).lastTransitionTime!.getTime(), 5_000);
    assert.equal(ready(third).lastTransitionTime!.getTime(), 12_000, 'whole seconds, as metav1.Time');
    assert.equal(
      third.conditions!.find((c) => c.type === 'Initialized')!.lastTransitionTime!.getTime(),
      5_000,
    );
  });

  it('reports a pod-level failure as phase Failed with its reason and message', () => {
    const status = buildPodStatus(
      { ...view('Never', [running('a')]), failure: { reason: 'DeadlineExceeded', message: 'too long' } },
      new Map(),
      0,
    );
    assert.deepEqual(
      [status.phase, status.reason, status.message],
      ['Failed', 'DeadlineExceeded', 'too long'],
    );
    assert.equal(status.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodFailed');
  });
});
