import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, NodeInfo, SchedulingPodSpec, Taint } from './filters.ts';
import {
  builtinRuntimeClasses,
  effectiveSpec,
  filterNode,
  fitErrorMessage,
  podRequests,
  processRuntimeTaint,
  scoreNode,
  toleratesTaint,
} from './filters.ts';

function node(
  name: string,
  options: {
    labels?: Record<string, string>;
    taints?: Taint[];
    ready?: string;
    unschedulable?: boolean;
    pods?: string;
    cpu?: string;
  } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...options.labels } },
    spec: {
      ...(options.taints && { taints: options.taints }),
      ...(options.unschedulable && { unschedulable: true }),
    },
    status: {
      allocatable: { pods: options.pods ?? '110', cpu: options.cpu ?? '4', memory: '8Gi' },
      conditions: [{ type: 'Ready', status: options.ready ?? 'True' }],
    },
  };
}

function info(n: Node, pods = 0, cpu = 0): NodeInfo {
  return { node: n, pods, requested: { cpu, memory: 0 } };
}

function fit(spec: SchedulingPodSpec, n: NodeInfo): string | undefined {
  const effective = effectiveSpec(spec, builtinRuntimeClasses);
  return filterNode(effective, podRequests(effective), n);
}

const sim = node('keelson-sim-0', { labels: { type: 'keelson-sim', zone: 'a', rank: '5' } });
const proc = node('keelson-process-0', {
  labels: { type: 'keelson-process' },
  taints: [processRuntimeTaint],
});

describe('scheduler filters', () => {
  it('matches nodeSelector labels', () => {
    assert.equal(fit({ nodeSelector: { zone: 'a' } }, info(sim)), undefined);
    assert.equal(
      fit({ nodeSelector: { zone: 'b' } }, info(sim)),
      "node(s) didn't match Pod's node affinity/selector",
    );
  });

  it('matches required node affinity: expressions, fields, ORed terms', () => {
    const affinity = (terms: unknown[]): SchedulingPodSpec => ({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms as never },
        },
      },
    });
    assert.equal(
      fit(affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }]), info(sim)),
      undefined,
    );
    assert.ok(
      fit(affinity([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }]), info(sim)),
    );
    assert.equal(
      fit(affinity([{ matchExpressions: [{ key: 'rank', operator: 'Gt', values: ['3'] }] }]), info(sim)),
      undefined,
    );
    assert.ok(
      fit(affinity([{ matchExpressions: [{ key: 'rank', operator: 'Lt', values: ['3'] }] }]), info(sim)),
    );
    assert.equal(
      fit(affinity([{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }]), info(sim)),
      undefined,
    );
    assert.equal(
      fit(
        affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['keelson-sim-0'] }] }]),
        info(sim),
      ),
      undefined,
    );
    assert.ok(
      fit(
        affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['other'] }] }]),
        info(sim),
      ),
    );
    assert.equal(
      fit(
        affinity([
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] },
          { matchExpressions: [{ key: 'zone', operator: 'Exists' }] },
        ]),
        info(sim),
      ),
      undefined,
    );
    assert.ok(fit(affinity([{}]), info(sim)), 'an empty term matches nothing');
  });

  it('honours taints and tolerations of NoSchedule and NoExecute, not PreferNoSchedule', () => {
    const tainted = (effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule') =>
      node('t', { taints: [{ key: 'dedicated', value: 'ci', effect }] });
    assert.equal(fit({}, info(tainted('NoSchedule'))), 'node(s) had untolerated taint {dedicated: ci}');
    assert.equal(fit({}, info(tainted('NoExecute'))), 'node(s) had untolerated taint {dedicated: ci}');
    assert.equal(fit({}, info(tainted('PreferNoSchedule'))), undefined);
    assert.equal(
      fit(
        { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ci' }] },
        info(tainted('NoSchedule')),
      ),
      undefined,
    );
    assert.equal(
      fit(
        { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] },
        info(tainted('NoSchedule')),
      ),
      undefined,
    );
    assert.ok(
      fit(
        { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }] },
        info(tainted('NoSchedule')),
      ),
    );
    assert.ok(fit({ tolerations: [{ key: 'dedicated', value: 'other' }] }, info(tainted('NoSchedule'))));
    assert.equal(toleratesTaint({ operator: 'Exists' }, { key: 'anything', effect: 'NoExecute' }), true);
  });

  it('sends process pods only to the process node, and no other pod there', () => {
    const processPod: SchedulingPodSpec = { runtimeClassName: 'process' };
    assert.equal(fit(processPod, info(proc)), undefined);
    assert.equal(fit(processPod, info(sim)), "node(s) didn't match Pod's node affinity/selector");
    assert.equal(fit({}, info(proc)), 'node(s) had untolerated taint {keelson.dev/runtime: process}');
    assert.equal(fit({}, info(sim)), undefined);
  });

  it('treats not-ready and unschedulable nodes as kube does', () => {
    assert.equal(
      fit({}, info(node('n', { ready: 'False' }))),
      'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
    );
    assert.equal(
      fit({}, info(node('n', { ready: 'Unknown' }))),
      'node(s) had untolerated taint {node.kubernetes.io/unreachable: }',
    );
    assert.equal(
      fit(
        { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] },
        info(node('n', { ready: 'False' })),
      ),
      undefined,
    );
    assert.equal(fit({}, info(node('n', { unschedulable: true }))), 'node(s) were unschedulable');
    assert.equal(
      fit(
        {
          tolerations: [
            { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
          ],
        },
        info(node('n', { unschedulable: true })),
      ),
      undefined,
    );
  });

  it('counts pods and requests against allocatable', () => {
    const small = node('small', { pods: '2', cpu: '1' });
    assert.equal(fit({}, info(small, 1)), undefined);
    assert.equal(fit({}, info(small, 2)), 'Too many pods');
    const wants = (cpu: string): SchedulingPodSpec => ({
      containers: [{ resources: { requests: { cpu } } }],
    });
    assert.equal(fit(wants('500m'), info(small, 0, 0.5)), undefined);
    assert.equal(fit(wants('600m'), info(small, 0, 0.5)), 'Insufficient cpu');
    assert.deepEqual(
      podRequests({
        containers: [
          { resources: { requests: { cpu: '100m', memory: '1Mi' } } },
          { resources: { requests: { cpu: '200m' } } },
        ],
        initContainers: [{ resources: { requests: { cpu: '1' } } }],
      }),
      { cpu: 1, memory: 1024 * 1024 },
    );
  });

  it('scores emptier nodes higher', () => {
    assert.ok(scoreNode(info(sim, 1)) > scoreNode(info(sim, 50)));
  });

  it('writes the FitError message as kube does', () => {
    assert.equal(
      fitErrorMessage(3, [
        "node(s) didn't match Pod's node affinity/selector",
        'node(s) had untolerated taint {keelson.dev/runtime: process}',
        "node(s) didn't match Pod's node affinity/selector",
      ]),
      "0/3 nodes are available: 1 node(s) had untolerated taint {keelson.dev/runtime: process}, 2 node(s) didn't match Pod's node affinity/selector.",
    );
    assert.equal(fitErrorMessage(0, []), 'no nodes available to schedule pods');
  });
});
