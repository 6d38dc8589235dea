/**
 * A small core/v1 Event recorder for the workload controllers (kube's record.EventRecorder without
 * the correlator): events are written in the background so a recorder never slows or fails the
 * reconcile that reports them. The StatefulSet, DaemonSet, Job and CronJob controllers share it.
 *
 * It belongs in src/runtime, since every controller emits events; it lives here until the runtime
 * has one.
 */
import type { KubeObject } from '../../../api/meta.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import type { Logger } from '../../../runtime/controller.ts';
import type { NodeClock } from '../../context.ts';

export type EventType = 'Normal' | 'Warning';

/** Where controllers send events; tests may collect them instead. */
export interface EventSink {
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
}

/** RFC 3339 with whole seconds, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parses a metav1.Time; undefined when absent or malformed. */
export function parseTime(value: string | undefined | null): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export class EventRecorder implements EventSink {
  readonly #client: KubeClient;
  readonly #clock: NodeClock;
  readonly #log: Logger;
  readonly #component: string;
  #sequence = 0;

  constructor(deps: { client: KubeClient; clock: NodeClock; log: Logger }, component: string) {
    this.#client = deps.client;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#component = component;
  }

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const now = this.#clock.now();
    const namespace = object.metadata.namespace ?? 'default';
    const suffix = (BigInt(Math.trunc(now)) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000)).toString(16);
    const timestamp = rfc3339(now);
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${object.metadata.name ?? ''}.${suffix}`, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.#component },
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      count: 1,
      reportingComponent: this.#component,
      reportingInstance: this.#component,
    };
    void this.#client.create(event).catch((error: unknown) =>
      this.#log('event not recorded', {
        component: this.#component,
        reason,
        error: (error as Error).message,
      }),
    );
  }
}
