/**
 * The scheduling loop for one pod (kube-scheduler's scheduleOne): filter the nodes, score the
 * feasible ones, assume the pod onto the best, bind it through `pods/binding`. A pod no node fits
 * gets `PodScheduled=False` (reason Unschedulable, kube's `0/N nodes are available: …` message) and
 * a FailedScheduling event, and is tried again when nodes or placed pods change.
 */
import { rfc3339 } from '../../base/time.ts';
import type { KubeClient } from '../../runtime/client.ts';
import { isConflict, isNotFound, resourcePath } from '../../runtime/client.ts';
import type { Informer } from '../../runtime/informer.ts';
import { keyOf } from '../../runtime/informer.ts';
import type { Logger, Reconciler, Request, Result } from '../../runtime/controller.ts';
import { TerminalError, requestKey } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { NodeClock } from '../context.ts';
import type { SchedulerCache } from './cache.ts';
import type { PodCondition, RuntimeClassScheduling, SchedulingPod } from './filters.ts';
import { effectiveSpec, filterNode, fitErrorMessage, podRequests, scoreNode } from './filters.ts';

export const defaultSchedulerName = 'default-scheduler';

/** Pods this scheduler is responsible for: unbound, alive, and naming it (or no scheduler). */
export function needsScheduling(pod: SchedulingPod, schedulerName: string): boolean {
  const phase = pod.status?.phase;
  return (
    (pod.spec?.nodeName ?? '') === '' &&
    pod.metadata.deletionTimestamp === undefined &&
    phase !== 'Succeeded' &&
    phase !== 'Failed' &&
    (pod.spec?.schedulerName ?? defaultSchedulerName) === schedulerName
  );
}

export interface SchedulerDeps {
  client: KubeClient;
  clock: NodeClock;
  log: Logger;
  pods: Informer<SchedulingPod>;
  cache: SchedulerCache;
  events: EventRecorder;
}

export interface SchedulerOptions {
  schedulerName?: string;
  /** RuntimeClass name → the nodeSelector and tolerations it adds (default: the `process` class). */
  runtimeClasses?: Readonly<Record<string, RuntimeClassScheduling>>;
  /** Unschedulable pods are tried again at least this often (kube: 5 minutes). */
  unschedulableRetryMs?: number;
}

interface Unschedulable {
  uid: string;
  /** What the last attempt saw: the pod's resourceVersion of spec-relevant change and the cache epoch. */
  generation: string;
  epoch: number;
}

export class SchedulerReconciler implements Reconciler {
  readonly #deps: SchedulerDeps;
  readonly #schedulerName: string;
  readonly #runtimeClasses: Readonly<Record<string, RuntimeClassScheduling>>;
  readonly #retryMs: number;
  readonly #unschedulable = new Map<string, Unschedulable>();
  #epoch = 0;
  #bindingServed: Promise<boolean> | undefined;

  constructor(deps: SchedulerDeps, options: Required<SchedulerOptions>) {
    this.#deps = deps;
    this.#schedulerName = options.schedulerName;
    this.#runtimeClasses = options.runtimeClasses;
    this.#retryMs = options.unschedulableRetryMs;
  }

  get schedulerName(): string {
    return this.#schedulerName;
  }

  /**
   * Something that could make unschedulable pods fit changed (a node, or a pod leaving a node):
   * returns their keys so the controller enqueues them.
   */
  clusterChanged(): string[] {
    this.#epoch++;
    return [...this.#unschedulable.keys()];
  }

  forgetPod(key: string): void {
    this.#unschedulable.delete(key);
    this.#deps.cache.forget(key);
  }

  async reconcile(request: Request): Promise<Result | void> {
    const key = requestKey(request);
    const pod = this.#deps.pods.get(key);
    if (!pod || !needsScheduling(pod, this.#schedulerName)) {
      this.#unschedulable.delete(key);
      return;
    }
    if (this.#deps.cache.isAssumed(pod)) return;
    if ((pod.spec?.schedulingGates ?? []).length > 0) {
      // kube's PreEnqueue: a gated pod waits, marked, until its gates are removed (a pod update)
      await this.#setPodScheduledFalse(
        pod,
        'SchedulingGated',
        'Scheduling is blocked due to non-empty scheduling gates',
      );
      return;
    }
    const previous = this.#unschedulable.get(key);
    const generation = schedulingGeneration(pod);
    if (
      previous &&
      previous.uid === pod.metadata.uid &&
      previous.generation === generation &&
      previous.epoch === this.#epoch
    )
      return { requeueAfter: this.#retryMs };

    const spec = effectiveSpec(pod.spec ?? {}, this.#runtimeClasses);
    const requests = podRequests(spec);
    const infos = this.#deps.cache.nodeInfos();
    const failures: string[] = [];
    let best: { name: string; score: number } | undefined;
    for (const info of infos) {
      const reason = filterNode(spec, requests, info);
      if (reason !== undefined) {
        failures.push(reason);
        continue;
      }
      const score = scoreNode(info);
      if (!best || score > best.score) best = { name: info.node.metadata.name ?? '', score };
    }

    if (!best) {
      const message = fitErrorMessage(infos.length, failures);
      this.#unschedulable.set(key, { uid: pod.metadata.uid ?? '', generation, epoch: this.#epoch });
      await this.#markUnschedulable(pod, message);
      return { requeueAfter: this.#retryMs };
    }

    this.#unschedulable.delete(key);
    this.#deps.cache.assume(pod, best.name);
    try {
      await this.#bind(pod, best.name);
    } catch (error) {
      this.#deps.cache.forget(key);
      // the pod went away, or someone else bound it: nothing left to do
      if (isNotFound(error) || isConflict(error)) return;
      throw error;
    }
    this.#deps.events.event(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} to ${best.name}`,
    );
  }

  async #bind(pod: SchedulingPod, node: string): Promise<void> {
    if (!(await this.#servesBinding()))
      throw new TerminalError(
        `cannot bind pod ${keyOf(pod)}: the API server does not serve the pods/binding subresource`,
      );
    const { client } = this.#deps;
    const info = await client.resource('v1', 'Pod');
    const name = pod.metadata.name ?? '';
    const namespace = pod.metadata.namespace ?? 'default';
    await client.request('POST', resourcePath(info, namespace, name, 'binding'), {
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace, uid: pod.metadata.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      },
    });
  }

  /** Whether discovery lists pods/binding (asked once; a failed look-up is asked again). */
  #servesBinding(): Promise<boolean> {
    if (!this.#bindingServed) {
      const asked = this.#deps.client
        .request<{ resources: { name: string }[] }>('GET', '/api/v1')
        .then((list) => list.resources.some((r) => r.name === 'pods/binding'));
      asked.catch(() => (this.#bindingServed = undefined));
      this.#bindingServed = asked;
    }
    return this.#bindingServed;
  }

  async #markUnschedulable(pod: SchedulingPod, message: string): Promise<void> {
    this.#deps.events.event(pod, 'Warning', 'FailedScheduling', message);
    await this.#setPodScheduledFalse(pod, 'Unschedulable', message);
  }

  /** Writes PodScheduled=False with `reason` and `message` unless the pod already says so. */
  async #setPodScheduledFalse(pod: SchedulingPod, reason: string, message: string): Promise<void> {
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === reason && current.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      lastProbeTime: null,
      lastTransitionTime:
        current?.status === 'False' && current.lastTransitionTime
          ? current.lastTransitionTime
          : rfc3339(this.#deps.clock.now()),
    };
    try {
      await this.#deps.client.patch(
        { apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name ?? '' },
        { status: { conditions: [condition] } },
        'strategic',
        { subresource: 'status' },
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

/** The parts of a pod that decide where it can go; a status-only change leaves it equal. */
function schedulingGeneration(pod: SchedulingPod): string {
  const spec = pod.spec ?? {};
  return JSON.stringify([
    spec.nodeSelector,
    spec.tolerations,
    spec.affinity,
    spec.runtimeClassName,
    podRequests(spec),
  ]);
}
