/**
 * A core/v1 Event recorder in the manner of client-go's record.EventRecorder: events are written in
 * the background (a recorder never slows the work it reports), and a repeated event (same object,
 * reason, message) bumps `count` and `lastTimestamp` on the existing Event instead of creating a new
 * one, as the event correlator does. Few events are written at once (default 2), so a burst of events
 * yields the server to the work it reports (bindings, pod status). The scheduler and the kubelet share it.
 *
 * It belongs in src/runtime (every controller emits events); it lives here until the runtime has one.
 */
import type { KubeObject } from '../../api/meta.ts';
import type { KubeClient } from '../../runtime/client.ts';
import { isNotFound } from '../../runtime/client.ts';
import type { Logger } from '../../runtime/controller.ts';
import type { NodeClock } from '../context.ts';

export type EventType = 'Normal' | 'Warning';

/** Who reports: `default-scheduler`, or `kubelet` on a host. */
export interface EventSource {
  component: string;
  host?: string;
}

interface Recorded {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: string;
}

const maxRemembered = 4096;

/** RFC 3339 with seconds, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class EventRecorder {
  readonly #client: KubeClient;
  readonly #clock: NodeClock;
  readonly #log: Logger;
  readonly #source: EventSource;
  readonly #concurrency: number;
  readonly #recorded = new Map<string, Recorded>();
  readonly #pending: (() => Promise<void>)[] = [];
  readonly #idle: (() => void)[] = [];
  #running = 0;
  #sequence = 0;

  constructor(
    deps: { client: KubeClient; clock: NodeClock; log: Logger },
    source: EventSource,
    options: { concurrency?: number } = {},
  ) {
    this.#client = deps.client;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#source = source;
    this.#concurrency = options.concurrency ?? 2;
  }

  /** Records an event about `object` in the background; `fieldPath` names a container (`spec.containers{app}`). */
  event(object: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const involved = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name ?? '',
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      ...(fieldPath !== undefined && { fieldPath }),
    };
    const key = [
      involved.kind,
      involved.namespace,
      involved.name,
      involved.uid,
      fieldPath,
      type,
      reason,
      message,
    ].join('\u0000');
    this.#enqueue(() => this.#write(key, involved, type, reason, message));
  }

  /** Resolves once every event recorded so far is written (or has failed). */
  async flush(): Promise<void> {
    if (this.#running === 0 && this.#pending.length === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #enqueue(task: () => Promise<void>): void {
    this.#pending.push(task);
    this.#pump();
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#pending.length > 0) {
      const task = this.#pending.shift()!;
      this.#running++;
      void task()
        .catch((error: unknown) => this.#log('event not recorded', { error: (error as Error).message }))
        .finally(() => {
          this.#running--;
          this.#pump();
          if (this.#running === 0 && this.#pending.length === 0)
            for (const resolve of this.#idle.splice(0)) resolve();
        });
    }
  }

  async #write(
    key: string,
    involved: { name: string; namespace: string | undefined; [key: string]: unknown },
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const now = rfc3339(this.#clock.now());
    const previous = this.#recorded.get(key);
    if (previous) {
      previous.count++;
      try {
        await this.#client.patch(
          { apiVersion: 'v1', kind: 'Event', namespace: previous.namespace, name: previous.name },
          { count: previous.count, lastTimestamp: now },
        );
        return;
      } catch (error) {
        if (!isNotFound(error)) throw error;
        this.#recorded.delete(key);
      }
    }
    const namespace = involved.namespace ?? 'default';
    const name = `${involved.name}.${this.#uniqueSuffix()}`;
    await this.#client.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      type,
      source: this.#source,
      firstTimestamp: previous?.firstTimestamp ?? now,
      lastTimestamp: now,
      count: previous?.count ?? 1,
      reportingComponent: this.#source.component,
      reportingInstance: this.#source.host ?? '',
    });
    this.#remember(key, {
      namespace,
      name,
      count: previous?.count ?? 1,
      firstTimestamp: previous?.firstTimestamp ?? now,
    });
  }

  #remember(key: string, recorded: Recorded): void {
    this.#recorded.delete(key);
    this.#recorded.set(key, recorded);
    if (this.#recorded.size > maxRemembered) {
      const oldest = this.#recorded.keys().next().value;
      if (oldest !== undefined) this.#recorded.delete(oldest);
    }
  }

  /** kube names events `<object>.<unix nanoseconds in hex>`; a sequence keeps same-millisecond names apart. */
  #uniqueSuffix(): string {
    this.#sequence = (this.#sequence + 1) % 1_000_000;
    return (BigInt(this.#clock.now()) * 1_000_000n + BigInt(this.#sequence)).toString(16);
  }
}
