/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a candidate takes
 * the lease when it is absent, expired or already its own; the leader renews it every retry period
 * by an update guarded by resourceVersion (a 409 means someone else wrote first) and gives up when
 * it has not renewed for `renewDeadlineMs`. Because renewDeadline < leaseDuration, a leader that
 * lost contact stops acting before anyone else may take the lease. On a clean stop the lease is
 * released (holder emptied, duration 1 s), as client-go's ReleaseOnCancel, so a successor takes over
 * at once instead of waiting for expiry.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../base/clock.ts';
import { systemClock } from '../base/clock.ts';
import type { KubeObject } from '../api/meta.ts';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from './client.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export type StoppedReason = 'lost' | 'stopped';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  /** The Lease's name: one per set of competing processes. */
  name: string;
  /** Unique per process; defaults to `hostname_uuid`. */
  identity?: string;
  /** How long a lease is valid without renewal (client-go: 15 s). Stored in whole seconds. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up (client-go: 10 s). */
  renewDeadlineMs?: number;
  /** How often candidates try to acquire and the leader renews (client-go: 2 s). */
  retryPeriodMs?: number;
  /** Empty the lease on a clean stop so a successor takes over at once (default true). */
  releaseOnStop?: boolean;
  clock?: Clock;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  onStartedLeading?: () => void | Promise<void>;
  /** Called once when leadership ends: `lost` (renewal failed or taken over) or `stopped`. */
  onStoppedLeading?: (reason: StoppedReason) => void | Promise<void>;
  /** Called whenever the observed holder changes (including to ourselves). */
  onNewLeader?: (identity: string) => void;
}

export const leaseDefaults = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** client-go's wait.JitterUntil factor for the acquire loop. */
const jitterFactor = 1.2;

export class LeaderElectionConfigError extends Error {
  readonly code = 'KEELSON_LEADER_ELECTION_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'LeaderElectionConfigError';
  }
}

/** MicroTime as the API server writes it: RFC 3339 in UTC to the microsecond. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

/**
 * One candidate for one Lease. `start()` returns at once; the elector then competes in the
 * background until `stop()` or until it loses the lease, after which it does not compete again
 * (like client-go, a process that lost leadership is expected to exit or build a new elector).
 */
export class LeaderElector {
  readonly identity: string;
  readonly #options: LeaderElectionOptions;
  readonly #clock: Clock;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #random: () => number;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #leading = false;
  #observed: Lease | undefined;
  #observedHolder: string | undefined;
  #release = true;

  constructor(options: LeaderElectionOptions, deps: { random?: () => number } = {}) {
    this.#options = options;
    this.identity = options.identity ?? defaultIdentity();
    this.#clock = options.clock ?? systemClock;
    this.#leaseDurationMs = options.leaseDurationMs ?? leaseDefaults.leaseDurationMs;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? leaseDefaults.renewDeadlineMs;
    this.#retryPeriodMs = options.retryPeriodMs ?? leaseDefaults.retryPeriodMs;
    this.#random = deps.random ?? Math.random;
    if (!this.identity) throw new LeaderElectionConfigError('leader election needs a non-empty identity');
    if (this.#leaseDurationMs <= this.#renewDeadlineMs)
      throw new LeaderElectionConfigError('leaseDuration must be greater than renewDeadline');
    if (this.#renewDeadlineMs <= jitterFactor * this.#retryPeriodMs)
      throw new LeaderElectionConfigError('renewDeadline must be greater than retryPeriod*1.2');
    if (this.#retryPeriodMs <= 0) throw new LeaderElectionConfigError('retryPeriod must be positive');
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last seen on the lease ('' when released, undefined before the first read). */
  get leader(): string | undefined {
    return this.#observedHolder;
  }

  start(): void {
    if (this.#abort) return;
    this.#abort = new AbortController();
    this.#loop = this.#run(this.#abort.signal);
  }

  /**
   * Stops competing. A leader releases the lease unless `release` is false, which leaves the lease
   * to expire as if the process had crashed.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#release = options.release ?? this.#options.releaseOnStop ?? true;
    this.#abort?.abort();
    await this.#loop;
  }

  async #run(signal: AbortSignal): Promise<void> {
    try {
      if (!(await this.#acquire(signal))) return;
      this.#leading = true;
      await this.#options.onStartedLeading?.();
      const lost = await this.#renew(signal);
      this.#leading = false;
      if (!lost && this.#release) await this.#releaseLease();
      await this.#options.onStoppedLeading?.(lost ? 'lost' : 'stopped');
    } catch (error) {
      this.#log('leader election failed', { error: (error as Error).message });
      if (this.#leading) {
        this.#leading = false;
        await this.#options.onStoppedLeading?.('lost');
      }
    }
  }

  /** Tries every jittered retry period until the lease is ours; false when stopped first. */
  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#log('attempting to acquire leader lease');
    for (;;) {
      if (signal.aborted) return false;
      if (await this.#tryAcquireOrRenew()) {
        this.#log('acquired leader lease');
        return true;
      }
      const wait = this.#retryPeriodMs * (1 + this.#random() * jitterFactor);
      await this.#sleep(wait, signal);
    }
  }

  /** Renews every retry period; returns true when leadership was lost, false when stopped. */
  async #renew(signal: AbortSignal): Promise<boolean> {
    let lastRenew = this.#clock.now();
    for (;;) {
      await this.#sleep(this.#retryPeriodMs, signal);
      if (signal.aborted) return false;
      const deadline = lastRenew + this.#renewDeadlineMs;
      for (;;) {
        const remaining = deadline - this.#clock.now();
        const renewed = remaining > 0 && (await this.#withDeadline(this.#tryAcquireOrRenew(), remaining));
        if (signal.aborted) return false;
        if (renewed) {
          lastRenew = this.#clock.now();
          break;
        }
        if (this.#takenByOther() || this.#clock.now() >= deadline) {
          this.#log('lost leader lease', { holder: this.#observedHolder });
          return true;
        }
        await this.#sleep(this.#retryPeriodMs, signal);
        if (signal.aborted) return false;
      }
    }
  }

  #takenByOther(): boolean {
    const holder = this.#observed?.spec?.holderIdentity;
    return !!holder && holder !== this.identity;
  }

  /** One step of client-go's tryAcquireOrRenew: true when we hold the lease afterwards. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name } = this.#options;
    const now = this.#clock.now();
    const durationSeconds = Math.max(1, Math.ceil(this.#leaseDurationMs / 1000));
    let current: Lease | undefined;
    try {
      current = await client.get<Lease>(this.#ref());
    } catch (error) {
      if (!isNotFound(error)) {
        this.#log('error retrieving leader lease', { error: (error as Error).message });
        return false;
      }
    }
    if (!current) {
      const lease: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { namespace, name },
        spec: {
          holderIdentity: this.identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      try {
        this.#observe(await client.create(lease));
        return true;
      } catch (error) {
        if (!isAlreadyExists(error))
          this.#log('error creating leader lease', { error: (error as Error).message });
        return false;
      }
    }
    this.#observe(current);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const ours = holder === this.identity;
    if (holder && !ours && !leaseExpired(spec, now)) return false;
    const next: Lease = {
      ...current,
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: ours && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
    };
    if (!ours) this.#log('taking over leader lease', { from: holder || '(released)' });
    try {
      // the update carries current.metadata.resourceVersion: a concurrent writer makes it a 409
      this.#observe(await client.update(next));
      return true;
    } catch (error) {
      if (!isConflict(error)) this.#log('error updating leader lease', { error: (error as Error).message });
      return false;
    }
  }

  async #releaseLease(): Promise<void> {
    const current = this.#observed;
    if (!current || current.spec?.holderIdentity !== this.identity) return;
    const now = this.#clock.now();
    try {
      this.#observe(
        await this.#options.client.update<Lease>({
          ...current,
          spec: {
            ...current.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: microTime(now),
            renewTime: microTime(now),
          },
        }),
      );
      this.#log('released leader lease');
    } catch (error) {
      this.#log('failed to release leader lease', { error: (error as Error).message });
    }
  }

  #observe(lease: Lease): void {
    this.#observed = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== this.#observedHolder) {
      this.#observedHolder = holder;
      if (holder) this.#options.onNewLeader?.(holder);
    }
  }

  #ref(): { apiVersion: string; kind: string; namespace: string; name: string } {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: this.#options.namespace,
      name: this.#options.name,
    };
  }

  async #sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#clock.clearTimeout(handle);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const handle = this.#clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** `attempt`, or false if it has not settled within `ms` (a hung request must not outlast the deadline). */
  async #withDeadline(attempt: Promise<boolean>, ms: number): Promise<boolean> {
    let handle: unknown;
    const timeout = new Promise<boolean>((resolve) => {
      handle = this.#clock.setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([attempt, timeout]);
    } finally {
      this.#clock.clearTimeout(handle);
    }
  }

  #log(message: string, fields: Record<string, unknown> = {}): void {
    this.#options.log?.(message, {
      lease: `${this.#options.namespace}/${this.#options.name}`,
      identity: this.identity,
      ...fields,
    });
  }
}

/** Whether a lease with this spec may be taken at `now`: renewTime + leaseDuration has passed. */
export function leaseExpired(spec: LeaseSpec, now: number): boolean {
  if (!spec.renewTime) return true;
  const renewed = Date.parse(spec.renewTime);
  if (Number.isNaN(renewed)) return true;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < now;
}
