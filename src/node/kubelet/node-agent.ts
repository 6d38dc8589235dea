/**
 * The node agent: the part of a kubelet that keeps its Node object. It registers the Node (labels,
 * capacity, conditions, addresses, nodeInfo) the way a kubelet does, renews the node's Lease in
 * `kube-node-lease` every 10 s (the heartbeat the node lifecycle controller reads), and refreshes the
 * Ready condition's lastHeartbeatTime every status report interval (kube: 5 minutes). A simulated
 * node presents itself as a KWOK node does: a real-looking Node that no machine backs.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { rfc3339 } from '../../base/time.ts';
import { isAlreadyExists, isNotFound } from '../../runtime/client.ts';
import type { NodeContext } from '../context.ts';
import type { Node } from '../scheduler/filters.ts';
import { builtinRuntimeClasses } from '../scheduler/filters.ts';
import type { NodeConfig } from './node-config.ts';

export interface NodeAgentOptions {
  /** Lease renewal period (kube: 10 s, a quarter of the lease duration). */
  renewIntervalMs?: number;
  leaseDurationSeconds?: number;
  /** How often the Ready condition's heartbeat is refreshed (kube's nodeStatusReportFrequency: 5 min). */
  statusReportIntervalMs?: number;
  /** Reported as nodeInfo.kubeletVersion; default: the server's /version gitVersion. */
  kubeletVersion?: string;
  /** The runtime's version, reported as `keelson-sim://<v>` or `keelson-process://<v>`. */
  runtimeVersion?: string;
}

export const nodeLeaseNamespace = 'kube-node-lease';

interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/** The conditions a healthy kubelet reports, with kube's reasons and messages. */
const healthyConditions: readonly NodeCondition[] = [
  {
    type: 'MemoryPressure',
    status: 'False',
    reason: 'KubeletHasSufficientMemory',
    message: 'kubelet has sufficient memory available',
  },
  {
    type: 'DiskPressure',
    status: 'False',
    reason: 'KubeletHasNoDiskPressure',
    message: 'kubelet has no disk pressure',
  },
  {
    type: 'PIDPressure',
    status: 'False',
    reason: 'KubeletHasSufficientPID',
    message: 'kubelet has sufficient PID available',
  },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

/** Go's GOARCH for Node's process.arch. */
function goArch(): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
  };
  return map[process.arch] ?? process.arch;
}

function hostOsImage(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const match = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
    if (match?.[1]) return match[1];
  } catch {
    // no os-release: fall through
  }
  return 'Linux';
}

/** A stable UUID-shaped id derived from the node name (a simulated machine has no DMI). */
function derivedId(name: string, purpose: string): string {
  const hex = createHash('sha256').update(`${purpose}:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** MicroTime as the API serialises it: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export class NodeAgent {
  readonly config: NodeConfig;
  readonly #ctx: NodeContext;
  readonly #options: Required<Omit<NodeAgentOptions, 'kubeletVersion'>> & { kubeletVersion?: string };
  readonly #bootId = randomUUID();
  #node: Node | undefined;
  #kubeletVersion = '';
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;
  #inFlight: Promise<unknown> = Promise.resolve();

  constructor(ctx: NodeContext, config: NodeConfig, options: NodeAgentOptions = {}) {
    this.#ctx = ctx;
    this.config = config;
    this.#options = {
      renewIntervalMs: options.renewIntervalMs ?? 10_000,
      leaseDurationSeconds: options.leaseDurationSeconds ?? 40,
      statusReportIntervalMs: options.statusReportIntervalMs ?? 5 * 60_000,
      runtimeVersion: options.runtimeVersion ?? '0.1.0',
      ...(options.kubeletVersion !== undefined && { kubeletVersion: options.kubeletVersion }),
    };
  }

  /** The Node as last written. */
  get node(): Node | undefined {
    return this.#node;
  }

  /** The node's pod range as registered (an existing Node keeps the one it was given first). */
  get podCIDR(): string {
    return this.#node?.spec?.podCIDR ?? this.config.podCIDR;
  }

  /** Registers the node, its lease and (for the process node) the `process` RuntimeClass; then keeps them fresh. */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#kubeletVersion = this.#options.kubeletVersion ?? (await this.#serverVersion());
    await this.#register();
    await this.renewLease();
    if (this.config.type === 'keelson-process') await this.#registerRuntimeClass();
    this.#every(this.#options.renewIntervalMs, () => this.renewLease());
    this.#every(this.#options.statusReportIntervalMs, () => this.reportStatus());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await this.#inFlight.catch(() => {});
  }

  /** Renews (or recreates) the node's Lease. */
  async renewLease(): Promise<void> {
    const { client, clock } = this.#ctx;
    const name = this.config.name;
    const uid = this.#node?.metadata.uid;
    const metadata = {
      ...(uid !== undefined && { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid }] }),
    };
    const spec = {
      holderIdentity: name,
      leaseDurationSeconds: this.#options.leaseDurationSeconds,
      renewTime: microTime(clock.now()),
    };
    const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: nodeLeaseNamespace, name };
    try {
      await client.patch(ref, { metadata, spec });
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      await client.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: nodeLeaseNamespace, ...metadata },
        spec,
      });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      await client.patch(ref, { metadata, spec });
    }
  }

  /** Writes the node status with a fresh heartbeat (re-registering the node if it was deleted). */
  async reportStatus(): Promise<void> {
    const { client } = this.#ctx;
    try {
      this.#node = await client.patch<Node>(
        { apiVersion: 'v1', kind: 'Node', name: this.config.name },
        { status: this.#status(this.#node) },
        'strategic',
        { subresource: 'status' },
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.#register();
    }
  }

  #every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      if (this.#stopped) return;
      this.#inFlight = task().catch((error: unknown) =>
        this.#ctx.log('node heartbeat failed', { node: this.config.name, error: (error as Error).message }),
      );
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  async #serverVersion(): Promise<string> {
    const version = await this.#ctx.client.request<{ gitVersion?: string }>('GET', '/version');
    return version.gitVersion ?? 'v0.0.0';
  }

  #labels(): Record<string, string> {
    const arch = goArch();
    return {
      'beta.kubernetes.io/arch': arch,
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': arch,
      'kubernetes.io/hostname': this.config.name,
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': this.config.type,
      type: this.config.type,
      ...this.config.labels,
    };
  }

  #annotations(): Record<string, string> {
    return {
      'node.alpha.kubernetes.io/ttl': '0',
      'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      'keelson.dev/node': this.config.type === 'keelson-sim' ? 'simulated' : 'process',
    };
  }

  #status(existing: Node | undefined): Record<string, unknown> {
    const now = rfc3339(this.#ctx.clock.now());
    const previous = existing?.status?.conditions ?? [];
    const conditions = healthyConditions.map((c) => {
      const old = previous.find((p) => p.type === c.type) as NodeCondition | undefined;
      return {
        ...c,
        lastHeartbeatTime: now,
        lastTransitionTime: old?.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now,
      };
    });
    const sim = this.config.type === 'keelson-sim';
    return {
      capacity: this.config.capacity,
      allocatable: this.config.capacity,
      conditions,
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: this.config.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.config.kubeletPort } },
      nodeInfo: {
        machineID: derivedId(this.config.name, 'machine').replaceAll('-', ''),
        systemUUID: derivedId(this.config.name, 'system'),
        bootID: this.#bootId,
        kernelVersion: release(),
        osImage: sim ? 'Keelson simulated node' : hostOsImage(),
        containerRuntimeVersion: `${sim ? 'keelson-sim' : 'keelson-process'}://${this.#options.runtimeVersion}`,
        kubeletVersion: this.#kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: goArch(),
      },
    };
  }

  /** kubelet's registerWithAPIServer: create, or reconcile labels and podCIDR of an existing Node. */
  async #register(): Promise<void> {
    const { client } = this.#ctx;
    const name = this.config.name;
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: this.#labels(), annotations: this.#annotations() },
      spec: {
        podCIDR: this.config.podCIDR,
        podCIDRs: [this.config.podCIDR],
        ...(this.config.taints && this.config.taints.length > 0 && { taints: this.config.taints }),
      },
      status: this.#status(undefined),
    };
    try {
      this.#node = await client.create(node);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const existing = await client.get<Node>({ apiVersion: 'v1', kind: 'Node', name });
      const unset = (existing.spec?.podCIDRs ?? []).length === 0;
      await client.patch<Node>(
        { apiVersion: 'v1', kind: 'Node', name },
        {
          metadata: { labels: this.#labels(), annotations: this.#annotations() },
          ...(unset && { spec: { podCIDR: this.config.podCIDR, podCIDRs: [this.config.podCIDR] } }),
        },
      );
      this.#node = await client.patch<Node>(
        { apiVersion: 'v1', kind: 'Node', name },
        { status: this.#status(existing) },
        'strategic',
        { subresource: 'status' },
      );
    }
    this.#ctx.log('node registered', { node: name });
  }

  /** node.k8s.io/v1 RuntimeClass `process`, when the server serves that group (quietly skipped otherwise). */
  async #registerRuntimeClass(): Promise<void> {
    const { client } = this.#ctx;
    try {
      await client.resource('node.k8s.io/v1', 'RuntimeClass');
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const scheduling = builtinRuntimeClasses['process']!;
    try {
      await client.create({
        apiVersion: 'node.k8s.io/v1',
        kind: 'RuntimeClass',
        metadata: { name: 'process' },
        handler: 'process',
        scheduling,
      });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
}

/** Creates a NodeAgent and starts it: the node is registered and its lease held when this resolves. */
export async function startNodeAgent(
  ctx: NodeContext,
  config: NodeConfig,
  options: NodeAgentOptions = {},
): Promise<NodeAgent> {
  const agent = new NodeAgent(ctx, config, options);
  await agent.start();
  return agent;
}
