import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/meta.ts';
import { builtinResources } from '../../api/resources.ts';
import { toTable } from './table.ts';

const pods = builtinResources.find((type) => type.group === '' && type.kind === 'Pod');
if (pods === undefined) throw new Error('the resource model lost pods');
const now = new Date('2025-03-01T12:00:00Z');

function pod(
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-7d9c5b8f6-x2x4k',
      namespace: 'shop',
      creationTimestamp: '2025-03-01T11:00:00Z',
      ...metadata,
    },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], nodeName: 'node-1', ...spec },
    status,
  };
}

function row(object: KubeObject): { cells: unknown[]; conditions?: unknown } {
  const table = toTable(pods!, [object], { now, includeObject: 'None' });
  const first = table.rows[0];
  assert.ok(first !== undefined);
  return first;
}

const running = { running: { startedAt: '2025-03-01T11:00:05Z' } };

describe('pod printer', () => {
  it('has the kube-apiserver columns, wide ones at priority 1', () => {
    const table = toTable(pods, [], { now, includeObject: 'None' });
    assert.deepEqual(
      table.columnDefinitions.map((column) => [column.name, column.type, column.priority]),
      [
        ['Name', 'string', 0],
        ['Ready', 'string', 0],
        ['Status', 'string', 0],
        ['Restarts', 'string', 0],
        ['Age', 'string', 0],
        ['IP', 'string', 1],
        ['Node', 'string', 1],
        ['Nominated Node', 'string', 1],
        ['Readiness Gates', 'string', 1],
      ],
    );
    assert.equal(table.columnDefinitions[0]?.format, 'name');
  });

  it('prints a running, ready pod', () => {
    const object = pod({
      phase: 'Running',
      podIP: '10.244.0.12',
      podIPs: [{ ip: '10.244.0.12' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: running }],
    });
    assert.deepEqual(row(object).cells, [
      'web-7d9c5b8f6-x2x4k',
      '1/1',
      'Running',
      '0',
      '60m',
      '10.244.0.12',
      'node-1',
      '<none>',
      '<none>',
    ]);
  });

  it('shows CrashLoopBackOff and the restarts with the time of the last one', () => {
    const object = pod({
      phase: 'Running',
      podIPs: [{ ip: '10.244.0.13' }],
      conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
      containerStatuses: [
        {
          name: 'web',
          ready: false,
          restartCount: 5,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: 'back-off 2m40s restarting failed container=web',
            },
          },
          lastState: {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              startedAt: '2025-03-01T11:54:50Z',
              finishedAt: '2025-03-01T11:55:00Z',
            },
          },
        },
      ],
    });
    const cells = row(object).cells;
    assert.equal(cells[1], '0/1');
    assert.equal(cells[2], 'CrashLoopBackOff');
    assert.equal(cells[3], '5 (5m ago)');
  });

  it('names a terminated container by its reason, signal or exit code', () => {
    const withState = (terminated: Record<string, unknown>): unknown =>
      row(
        pod({
          phase: 'Running',
          containerStatuses: [{ name: 'web', restartCount: 0, state: { terminated } }],
        }),
      ).cells[2];
    assert.equal(withState({ exitCode: 137, reason: 'OOMKilled' }), 'OOMKilled');
    assert.equal(withState({ exitCode: 2, signal: 9 }), 'Signal:9');
    assert.equal(withState({ exitCode: 3 }), 'ExitCode:3');
  });

  it('prints a finished pod as Completed with a Completed row condition', () => {
    const object = pod({
      phase: 'Succeeded',
      containerStatuses: [
        {
          name: 'web',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: 'Completed' } },
        },
      ],
    });
    const printed = row(object);
    assert.equal(printed.cells[2], 'Completed');
    assert.equal(printed.cells[1], '0/1');
    assert.deepEqual(printed.conditions, [
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ]);
  });

  it('marks a failed pod with a Failed row condition', () => {
    const printed = row(
      pod({
        phase: 'Failed',
        containerStatuses: [{ name: 'web', state: { terminated: { exitCode: 1, reason: 'Error' } } }],
      }),
    );
    assert.equal(printed.cells[2], 'Error');
    assert.deepEqual(printed.conditions, [
      { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
    ]);
  });

  it('says Running or NotReady when a completed container has a running sibling', () => {
    const statuses = [
      { name: 'web', ready: true, restartCount: 0, state: running },
      {
        name: 'migrate',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed' } },
      },
    ];
    const spec = { containers: [{ name: 'web' }, { name: 'migrate' }] };
    assert.equal(
      row(
        pod(
          { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: statuses },
          spec,
        ),
      ).cells[2],
      'Running',
    );
    assert.equal(
      row(
        pod(
          { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: statuses },
          spec,
        ),
      ).cells[2],
      'NotReady',
    );
  });

  it('shows init progress, init waiting reasons and init failures', () => {
    const spec = { initContainers: [{ name: 'wait-db' }, { name: 'migrate' }] };
    const done = {
      name: 'wait-db',
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
    };
    const initStatus = (second: Record<string, unknown>): unknown[] =>
      row(
        pod(
          {
            phase: 'Pending',
            initContainerStatuses: [done, { name: 'migrate', restartCount: 2, ...second }],
            containerStatuses: [{ name: 'web', state: { waiting: { reason: 'PodInitializing' } } }],
          },
          spec,
        ),
      ).cells;
    assert.deepEqual(initStatus({ state: running }).slice(1, 4), ['0/1', 'Init:1/2', '2']);
    assert.equal(
      initStatus({ state: { waiting: { reason: 'ImagePullBackOff' } } })[2],
      'Init:ImagePullBackOff',
    );
    assert.equal(initStatus({ state: { waiting: { reason: 'PodInitializing' } } })[2], 'Init:1/2');
    assert.equal(initStatus({ state: { terminated: { exitCode: 1, reason: 'Error' } } })[2], 'Init:Error');
    assert.equal(initStatus({ state: { terminated: { exitCode: 1 } } })[2], 'Init:ExitCode:1');
  });

  it('counts a started sidecar (restartable init container) among the ready containers', () => {
    const spec = { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] };
    const object = pod(
      {
        phase: 'Running',
        conditions: [
          { type: 'Initialized', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
        initContainerStatuses: [
          { name: 'proxy', started: true, ready: true, restartCount: 1, state: running },
        ],
        containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: running }],
      },
      spec,
    );
    assert.deepEqual(row(object).cells.slice(1, 4), ['2/2', 'Running', '1']);
  });

  it('shows Terminating for a pod being deleted, Unknown when its node was lost', () => {
    const status = {
      phase: 'Running',
      containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: running }],
    };
    assert.equal(row(pod(status, {}, { deletionTimestamp: '2025-03-01T11:59:30Z' })).cells[2], 'Terminating');
    assert.equal(
      row(pod({ ...status, reason: 'NodeLost' }, {}, { deletionTimestamp: '2025-03-01T11:59:30Z' })).cells[2],
      'Unknown',
    );
    const finished = {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'web', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    };
    assert.equal(row(pod(finished, {}, { deletionTimestamp: '2025-03-01T11:59:30Z' })).cells[2], 'Completed');
  });

  it('shows SchedulingGated and Pending pods as the scheduler left them', () => {
    const gated = pod(
      {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
      },
      { nodeName: undefined },
    );
    assert.deepEqual(row(gated).cells.slice(1, 7), [
      '0/1',
      'SchedulingGated',
      '0',
      '60m',
      '<none>',
      '<none>',
    ]);
  });

  it('counts readiness gates whose condition is True', () => {
    const object = pod(
      { phase: 'Running', conditions: [{ type: 'example.com/lb-ready', status: 'True' }] },
      {
        readinessGates: [
          { conditionType: 'example.com/lb-ready' },
          { conditionType: 'example.com/dns-ready' },
        ],
      },
    );
    assert.equal(row(object).cells[8], '1/2');
  });
});
