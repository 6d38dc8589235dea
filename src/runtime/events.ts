/**
 * core/v1 Events, recorded as client-go's record.EventRecorder records them. Every controller and
 * node agent reports through one: events are written in the background (a recorder never slows or
 * fails the work it reports), and a repeated event (same object, type, reason and message) bumps
 * `count` and `lastTimestamp` on the Event already written instead of creating another, as the event
 * correlator does. Few events are written at once (default 2), so a burst of events yields the
 * server to the work they report. It speaks only the Kubernetes API, through a KubeClient.
 */
import type { KubeObject } from '../api/meta.ts';
import type { Clock } from '../base/clock.ts';
import { rfc3339 } from '../base/time.ts';
import { isNotFound, type KubeClient } from './client.ts';
import type { Logger } from './controller.ts';

export type EventType = 'Normal' | 'Warning';

/** Who reports: a controller (`job-controller`, `default-scheduler`), or `kubelet` on a host. */
export interface EventSource {
  component: string;
  host?: string;
}

/** Where reconcilers send events; tests may collect them instead. */
export interface EventSink {
  /** Records an event about `object`; `fieldPath` names a part of it (`spec.containers{app}`). */
  event(object: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  uid: string | undefined;
  resourceVersion: string | undefined;
  fieldPath?: string;
}

interface Recorded {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: string;
}

/** How many written events the recorder remembers to correlate repeats with. */
const maxRemembered = 4096;

export class EventRecorder implements EventSink {
  readonly #client: KubeClient;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #log: Logger;
  readonly #source: EventSource;
  readonly #concurrency: number;
  readonly #recorded = new Map<string, Recorded>();
  readonly #pending: (() => Promise<void>)[] = [];
  readonly #idle: (() => void)[] = [];
  #running = 0;
  #sequence = 0;

  constructor(
    deps: { client: KubeClient; clock: Pick<Clock, 'now'>; log: Logger },
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
    const involved: InvolvedObject = {
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
    this.#enqueue(() =>
      this.#write(key, involved, type, reason, message).catch((error: unknown) =>
        this.#log('event not recorded', {
          component: this.#source.component,
          reason,
          error: (error as Error).message,
        }),
      ),
    );
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
      void task().finally(() => {
        this.#running--;
        this.#pump();
        if (this.#running === 0 && this.#pending.length === 0)
          for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }

  async #write(
    key: string,
    involved: InvolvedObject,
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
    return (BigInt(Math.trunc(this.#clock.now())) * 1_000_000n + BigInt(this.#sequence)).toString(16);
  }
}
