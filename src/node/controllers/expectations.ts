/**
 * Controller expectations, as in kube-controller-manager: after a controller creates or deletes
 * pods for an owner it waits until its informer has observed those changes before counting pods
 * again, so a reconcile that runs on a stale cache never creates or deletes twice. Expectations
 * expire after a timeout (kube: 5 minutes) in case an event is missed.
 */

interface Pending {
  adds: number;
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  readonly #pending = new Map<string, Pending>();
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(options: { timeoutMs?: number; now?: () => number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Records that `count` creations were issued for `owner` (a key such as ns/name or a uid). */
  expectCreations(owner: string, count: number): void {
    const p = this.#get(owner);
    p.adds += count;
    p.at = this.#now();
  }

  /** Records deletions of the given pod keys. */
  expectDeletions(owner: string, podKeys: string[]): void {
    const p = this.#get(owner);
    for (const key of podKeys) p.deletes.add(key);
    p.at = this.#now();
  }

  /** The informer saw a pod of `owner` appear (or a creation failed: call it too). */
  creationObserved(owner: string): void {
    const p = this.#pending.get(owner);
    if (p && p.adds > 0) p.adds--;
  }

  /** The informer saw a pod of `owner` go (or a deletion failed / found nothing). */
  deletionObserved(owner: string, podKey: string): void {
    this.#pending.get(owner)?.deletes.delete(podKey);
  }

  /** True when nothing is outstanding (or it has timed out): the cache may be trusted. */
  satisfied(owner: string): boolean {
    const p = this.#pending.get(owner);
    if (!p) return true;
    if ((p.adds <= 0 && p.deletes.size === 0) || this.#now() - p.at > this.#timeoutMs) {
      this.#pending.delete(owner);
      return true;
    }
    return false;
  }

  forget(owner: string): void {
    this.#pending.delete(owner);
  }

  #get(owner: string): Pending {
    let p = this.#pending.get(owner);
    if (!p) this.#pending.set(owner, (p = { adds: 0, deletes: new Set(), at: this.#now() }));
    return p;
  }
}
