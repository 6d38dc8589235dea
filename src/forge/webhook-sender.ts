/**
 * Sends GitHub-format webhooks: JSON body, X-GitHub-Event, X-GitHub-Delivery, X-GitHub-Hook-ID
 * and X-Hub-Signature-256 (HMAC-SHA256 of the body). Deliveries to one URL go out one at a time, in
 * the order the events happened; a failed delivery is logged and not retried.
 */
import { randomUUID } from 'node:crypto';
import { signWebhook } from '../adapters/forge/index.ts';
import type { Logger } from '../runtime/controller.ts';

export interface HookTarget {
  id: number;
  url: string;
  secret: string | undefined;
  /** GitHub event names, or `*`. */
  events: string[];
}

export class WebhookSender {
  readonly #log: Logger;
  readonly #queues = new Map<string, Promise<void>>();

  constructor(deps: { log: Logger }) {
    this.#log = deps.log;
  }

  /** Queues `event` for every target that subscribes to it; resolves when queued, not when sent. */
  send(targets: HookTarget[], event: string, payload: Record<string, unknown>): void {
    const body = JSON.stringify(payload);
    for (const target of targets) {
      if (!target.events.includes('*') && !target.events.includes(event)) continue;
      const previous = this.#queues.get(target.url) ?? Promise.resolve();
      const next = previous.then(() => this.#deliver(target, event, body));
      this.#queues.set(target.url, next);
    }
  }

  /** Resolves when every queued delivery has been attempted. */
  async idle(): Promise<void> {
    await Promise.all(this.#queues.values());
  }

  async #deliver(target: HookTarget, event: string, body: string): Promise<void> {
    const delivery = randomUUID();
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'GitHub-Hookshot/keelson',
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': delivery,
      'X-GitHub-Hook-ID': String(target.id),
    };
    if (target.secret) headers['X-Hub-Signature-256'] = await signWebhook(target.secret, body);
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      if (!res.ok)
        this.#log('forge: webhook refused', { url: target.url, event, delivery, status: res.status });
    } catch (error) {
      this.#log('forge: webhook not delivered', {
        url: target.url,
        event,
        delivery,
        error: (error as Error).message,
      });
    }
  }
}
