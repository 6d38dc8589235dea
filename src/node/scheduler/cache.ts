/**
 * The scheduler cache (kube's internal/cache): per node, the pods placed on it and what they
 * request, from the pod informer plus pods the scheduler has *assumed* onto a node while their
 * binding is in flight. An assumed pod counts at once, so concurrent bindings never overfill a
 * node; it is confirmed when the informer shows it bound, and forgotten when binding fails or it
 * expires unconfirmed.
 */
import { keyOf } from '../../runtime/informer.ts';
import type { Node, NodeInfo, PodRequests, SchedulingPod } from './filters.ts';
import { podRequests } from './filters.ts';

interface Placed {
  uid: string;
  node: string;
  requests: PodRequests;
}

interface Assumed extends Placed {
  expiresAt: number;
}

/** Pods that hold a place on their node: bound, not terminated (a terminal pod frees its place). */
export function occupiesNode(pod: SchedulingPod): boolean {
  const phase = pod.status?.phase;
  return (pod.spec?.nodeName ?? '') !== '' && phase !== 'Succeeded' && phase !== 'Failed';
}

export class SchedulerCache {
  readonly #nodes = new Map<string, Node>();
  readonly #placed = new Map<string, Placed>();
  readonly #assumed = new Map<string, Assumed>();
  readonly #usage = new Map<string, { pods: number; requested: PodRequests }>();
  readonly #now: () => number;
  readonly #assumeTtlMs: number;

  constructor(options: { now: () => number; assumeTtlMs?: number }) {
    this.#now = options.now;
    this.#assumeTtlMs = options.assumeTtlMs ?? 30_000;
  }

  setNode(node: Node): void {
    this.#nodes.set(node.metadata.name ?? '', node);
  }

  removeNode(node: Node): void {
    this.#nodes.delete(node.metadata.name ?? '');
  }

  /** Follows a pod from the informer; `undefined` when it was deleted. */
  observePod(key: string, pod: SchedulingPod | undefined): void {
    const assumed = this.#assumed.get(key);
    if (assumed && (!pod || pod.metadata.uid !== assumed.uid || (pod.spec?.nodeName ?? '') !== '')) {
      this.#assumed.delete(key);
      this.#account(assumed, -1);
    }
    const old = this.#placed.get(key);
    if (old) {
      this.#placed.delete(key);
      this.#account(old, -1);
    }
    if (pod && occupiesNode(pod)) {
      const placed = {
        uid: pod.metadata.uid ?? '',
        node: pod.spec!.nodeName!,
        requests: podRequests(pod.spec),
      };
      this.#placed.set(key, placed);
      this.#account(placed, +1);
    }
  }

  /** True when the pod is assumed (its binding is in flight or not yet seen by the informer). */
  isAssumed(pod: SchedulingPod): boolean {
    const key = keyOf(pod);
    const assumed = this.#assumed.get(key);
    if (!assumed) return false;
    if (assumed.uid === pod.metadata.uid && assumed.expiresAt > this.#now()) return true;
    this.forget(key);
    return false;
  }

  assume(pod: SchedulingPod, node: string): void {
    const key = keyOf(pod);
    this.forget(key);
    const assumed: Assumed = {
      uid: pod.metadata.uid ?? '',
      node,
      requests: podRequests(pod.spec),
      expiresAt: this.#now() + this.#assumeTtlMs,
    };
    this.#assumed.set(key, assumed);
    this.#account(assumed, +1);
  }

  /** Drops an assumption (binding failed). */
  forget(key: string): void {
    const assumed = this.#assumed.get(key);
    if (!assumed) return;
    this.#assumed.delete(key);
    this.#account(assumed, -1);
  }

  get nodeCount(): number {
    return this.#nodes.size;
  }

  /** Every node with what is placed on it, in name order (so ties break the same way each time). */
  nodeInfos(): NodeInfo[] {
    return [...this.#nodes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, node]) => {
        const usage = this.#usage.get(name);
        return {
          node,
          pods: usage?.pods ?? 0,
          requested: usage ? { ...usage.requested } : { cpu: 0, memory: 0 },
        };
      });
  }

  #account(placed: Placed, sign: 1 | -1): void {
    let usage = this.#usage.get(placed.node);
    if (!usage) this.#usage.set(placed.node, (usage = { pods: 0, requested: { cpu: 0, memory: 0 } }));
    usage.pods += sign;
    usage.requested.cpu += sign * placed.requests.cpu;
    usage.requested.memory += sign * placed.requests.memory;
  }
}
