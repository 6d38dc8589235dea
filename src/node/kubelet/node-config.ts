/**
 * What a node is: its name, kind (simulated or process), pod address range and capacity. The node
 * agent registers it and the kubelet runs its pods; both read the same NodeConfig.
 */
import { cpus, totalmem } from 'node:os';
import type { Taint } from '../scheduler/filters.ts';
import { processRuntimeTaint } from '../scheduler/filters.ts';

export type NodeType = 'keelson-sim' | 'keelson-process';

export interface NodeConfig {
  name: string;
  type: NodeType;
  /** The range pod IPs come from (`spec.podCIDR`); nodes of one cluster need disjoint ranges. */
  podCIDR: string;
  /** capacity = allocatable: cpu, memory, pods, ephemeral-storage as quantities. */
  capacity: Record<string, string>;
  /** Reported as status.daemonEndpoints.kubeletEndpoint.Port. */
  kubeletPort: number;
  /** Labels beyond the well-known ones the agent sets. */
  labels?: Record<string, string>;
  /** Taints registered with the node (kube: only when the node is first created). */
  taints?: Taint[];
}

/**
 * The simulated node: pods become Ready without running anything. Its capacity is generous (10,000
 * pods) so a 1,000-replica Deployment fits.
 */
export function simulatedNodeConfig(overrides: Partial<NodeConfig> = {}): NodeConfig {
  return {
    name: 'keelson-sim-0',
    type: 'keelson-sim',
    podCIDR: '10.244.0.0/17',
    capacity: { cpu: '64', memory: '256Gi', pods: '10000', 'ephemeral-storage': '1Ti' },
    kubeletPort: 10250,
    ...overrides,
  };
}

/**
 * The process node: pods run their container command as local processes. It carries the taint
 * `keelson.dev/runtime=process:NoSchedule`; only pods of RuntimeClass `process` tolerate it.
 */
export function processNodeConfig(overrides: Partial<NodeConfig> = {}): NodeConfig {
  return {
    name: 'keelson-process-0',
    type: 'keelson-process',
    podCIDR: '10.244.128.0/17',
    capacity: {
      cpu: String(Math.max(1, cpus().length)),
      memory: `${Math.floor(totalmem() / 1024)}Ki`,
      pods: '110',
      'ephemeral-storage': '100Gi',
    },
    kubeletPort: 10250,
    taints: [processRuntimeTaint],
    ...overrides,
  };
}
