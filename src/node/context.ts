/**
 * What every part of the embedded node is built from. The node speaks only the Kubernetes API
 * (through src/runtime), like kube-controller-manager and kubelets do, so it works against any
 * conformant server.
 */
import type { Clock } from '../base/clock.ts';
import type { KubeClient } from '../runtime/client.ts';
import type { Logger } from '../runtime/controller.ts';
import { EventRecorder, type EventSink } from '../runtime/events.ts';
import type { InformerFactory } from '../runtime/informer.ts';

/** The node's controllers read the time; the runtimes, which also set timers, take a whole Clock. */
export type NodeClock = Pick<Clock, 'now'>;

export interface NodeContext {
  client: KubeClient;
  informers: InformerFactory;
  clock: NodeClock;
  log: Logger;
}

/** What a workload reconciler that reports events is built from, besides its informers. */
export interface ReconcilerDeps {
  client: KubeClient;
  clock: NodeClock;
  log: Logger;
  events: EventSink;
}

/** The node's client, clock and log, and an event recorder that reports as `component` (`job-controller`). */
export function reconcilerDeps(ctx: NodeContext, component: string): ReconcilerDeps {
  return {
    client: ctx.client,
    clock: ctx.clock,
    log: ctx.log,
    events: new EventRecorder(ctx, { component }),
  };
}
