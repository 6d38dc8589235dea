/**
 * The API server's own controllers (CRD establishment, garbage collection, namespace deletion,
 * default ServiceAccounts) react to storage events. Events are queued and handled on a later turn of
 * the event loop, never inside a storage commit, so every watcher sees writes in revision order.
 */
import type { StorageEvent } from '../storage/storage.ts';

export type EventHandler = (event: StorageEvent) => void;

export class Reactor {
  #queue: StorageEvent[] = [];
  #scheduled = false;
  #handlers: EventHandler[] = [];
  #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  add(handler: EventHandler): void {
    this.#handlers.push(handler);
  }

  push(event: StorageEvent): void {
    this.#queue.push(event);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  #drain(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    for (const event of batch) {
      for (const handler of this.#handlers) {
        try {
          handler(event);
        } catch (error) {
          this.#onError(error);
        }
      }
    }
  }
}
