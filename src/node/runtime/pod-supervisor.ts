/**
 * What every runtime shares: kubelet's pod lifecycle. Init containers one after another, each to
 * exit 0; then the regular containers; restarts by restartPolicy with CrashLoopBackOff; the
 * activeDeadlineSeconds; graceful stop; status and change notification; logs per instance.
 * A `ContainerDriver` says how one container instance runs (a timer for the simulated runtime, a
 * process for the process runtime); `PodSupervisor` does the rest, so both runtimes behave alike.
 * `SupervisedRuntime` answers the `PodRuntime` interface from a runtime's supervisor.
 */
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { V1Container, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { BadRequestError, KeelsonError, NotFoundError } from '../../base/errors.ts';
import type { Clock } from '../../base/clock.ts';
import type { Logger } from '../../runtime/controller.ts';
import type { ContainerLog } from './container-log.ts';
import { CrashLoopBackoffTracker } from './crash-loop-backoff.ts';
import { formatDuration } from './durations.ts';
import type { LogOptions, PodInputs, PodRuntime, PodRuntimeDeps } from './pod-runtime.ts';
import {
  buildPodStatus,
  reportedPhase,
  type ContainerRecord,
  type PodRecordView,
  type TerminatedRecord,
} from './pod-status.ts';

/** A container cannot be created yet: it waits with this reason (CreateContainerConfigError, …). */
export class ContainerWaitingError extends Error {
  readonly code = 'KEELSON_CONTAINER_WAITING';
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.name = 'ContainerWaitingError';
    this.reason = reason;
  }
}

export interface ContainerExit {
  exitCode: number;
  /** Default: Completed for 0, Error otherwise. */
  reason?: string;
  message?: string;
}

/** One instance to start; the driver reports back through `setReady` and `exited`. */
export interface ContainerLaunch {
  pod: V1Pod;
  inputs: PodInputs;
  container: V1Container;
  init: boolean;
  /** The first of the pod's regular containers. */
  primary: boolean;
  containerID: string;
  instance: number;
  log: ContainerLog;
  setReady(ready: boolean): void;
  /** Call once, never synchronously from `startContainer`. */
  exited(exit: ContainerExit): void;
}

export interface RunningContainer {
  /** Asks the instance to stop, killing it after `gracePeriodMs`; a second call may shorten the grace. */
  stop(gracePeriodMs: number): void;
  /** Kills the instance now, synchronously; `exited` may never be called afterwards. */
  kill(): void;
}

/** How one runtime class runs containers. */
export interface ContainerDriver {
  /** The runtime's name: the scheme of its containerIDs (`keelson-process://…`) and in messages. */
  readonly scheme: string;
  /** Prepares the pod (volumes). Throws ContainerWaitingError while it cannot (a missing ConfigMap). */
  setUpPod(pod: V1Pod, inputs: PodInputs): void;
  /** New inputs for a pod already set up (configMap and secret volume contents). */
  refreshPod(pod: V1Pod, inputs: PodInputs): void;
  /** Throws ContainerWaitingError when the container cannot be created. */
  startContainer(launch: ContainerLaunch): RunningContainer;
  /** The log of one instance; `existing` opens one a previous server life wrote. */
  openLog(uid: string, container: string, instance: number, existing: boolean): ContainerLog;
  /** Deletes the log of an instance no longer kept (kubelet keeps the current and the previous one). */
  dropLog(uid: string, container: string, instance: number): void;
  podIP(pod: V1Pod, inputs: PodInputs): string | undefined;
  /** Deletes everything kept for the pod. */
  tearDownPod(uid: string): void;
}

/** A pod as persisted by a runtime that survives restarts: plain JSON. */
export interface PodSnapshot extends PodRecordView {
  uid: string;
  name: string;
  namespace: string;
  transitions: Record<string, { status: string; at: number }>;
}

export interface PodSupervisorOptions extends PodRuntimeDeps {
  driver: ContainerDriver;
  /** Called synchronously whenever a pod's status changed, before listeners hear of it (persistence). */
  onStatusChange?: (uid: string) => void;
}

interface Instance {
  id: number;
  containerID: string;
  handle: RunningContainer | undefined;
  ready: boolean;
  done: Promise<void>;
  resolve: () => void;
}

interface Slot {
  spec: V1Container;
  record: ContainerRecord;
  instance: Instance | undefined;
  restartTimer: unknown;
  logs: Map<number, ContainerLog>;
}

interface PodEntry {
  uid: string;
  name: string;
  namespace: string;
  pod: V1Pod;
  inputs: PodInputs;
  restartPolicy: string;
  gracePeriodMs: number;
  startTime: number;
  initContainers: Slot[];
  containers: Slot[];
  sandboxReady: boolean;
  /** stop() was called, the deadline passed, or the pod came back from a previous server life. */
  terminating: boolean;
  terminal: boolean;
  finalPhase: 'Succeeded' | 'Failed' | undefined;
  failure: { reason: string; message: string } | undefined;
  podIP: string | undefined;
  deadlineTimer: unknown;
  transitions: Map<string, { status: string; at: number }>;
  status: V1PodStatus | undefined;
  statusJson: string;
}

export const deadlineExceeded = {
  reason: 'DeadlineExceeded',
  message: 'Pod was active on the node longer than the specified deadline',
};

export const nodeRestart = {
  reason: 'NodeRestart',
  message: 'the embedded node restarted while the pod ran; its processes are gone and it is not run again',
  containerMessage: 'the embedded node restarted while the container ran; its process was killed',
  exitCode: 137,
};

function containerIdOf(scheme: string, uid: string, init: boolean, name: string, instance: number): string {
  const digest = createHash('sha256')
    .update(`${uid}/${init ? 'init' : 'app'}/${name}/${instance}`)
    .digest('hex');
  return `${scheme}://${digest}`;
}

export class PodSupervisor {
  readonly #driver: ContainerDriver;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #backoff: CrashLoopBackoffTracker;
  readonly #onStatusChange: ((uid: string) => void) | undefined;
  readonly #pods = new Map<string, PodEntry>();
  readonly #listeners = new Set<(uid: string) => void>();
  readonly #pendingNotify = new Set<string>();
  #closed = false;

  constructor(options: PodSupervisorOptions) {
    this.#driver = options.driver;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#backoff = new CrashLoopBackoffTracker(options.backoff);
    this.#onStatusChange = options.onStatusChange;
  }

  start(pod: V1Pod, inputs: PodInputs): void {
    const uid = pod.metadata?.uid;
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    if (uid === undefined || uid === '') throw new BadRequestError(`pod ${namespace}/${name} has no uid`);
    const existing = this.#pods.get(uid);
    if (existing !== undefined) {
      existing.inputs = inputs;
      if (existing.terminating || existing.finalPhase !== undefined) return;
      if (existing.sandboxReady) {
        try {
          this.#driver.refreshPod(existing.pod, inputs);
        } catch (error) {
          this.#log('refreshing pod volumes failed', { pod: `${namespace}/${name}`, error: String(error) });
        }
      }
      this.#advance(existing);
      return;
    }
    if (this.#closed)
      throw new KeelsonError('KEELSON_UNAVAILABLE', `the ${this.#driver.scheme} runtime is closed`);
    const spec = pod.spec;
    if (spec === undefined || (spec.containers ?? []).length === 0) {
      throw new BadRequestError(`pod ${namespace}/${name} has no containers`);
    }
    const initReason = (spec.initContainers ?? []).length > 0 ? 'PodInitializing' : 'ContainerCreating';
    const slot = (container: V1Container, init: boolean): Slot => ({
      spec: container,
      record: {
        name: container.name,
        image: container.image ?? '',
        init,
        state: { kind: 'waiting', reason: initReason },
        restartCount: 0,
        ready: false,
      },
      instance: undefined,
      restartTimer: undefined,
      logs: new Map(),
    });
    const now = this.#clock.now();
    const entry: PodEntry = {
      uid,
      name,
      namespace,
      pod,
      inputs,
      restartPolicy: spec.restartPolicy ?? 'Always',
      gracePeriodMs: (spec.terminationGracePeriodSeconds ?? 30) * 1000,
      startTime: now,
      initContainers: (spec.initContainers ?? []).map((c) => slot(c, true)),
      containers: spec.containers.map((c) => slot(c, false)),
      sandboxReady: false,
      terminating: false,
      terminal: false,
      finalPhase: undefined,
      failure: undefined,
      podIP: undefined,
      deadlineTimer: undefined,
      transitions: new Map(),
      status: undefined,
      statusJson: '',
    };
    this.#pods.set(uid, entry);
    const deadline = spec.activeDeadlineSeconds;
    if (deadline !== undefined) {
      entry.deadlineTimer = this.#clock.setTimeout(() => {
        entry.deadlineTimer = undefined;
        if (entry.finalPhase !== undefined || entry.terminating) return;
        entry.failure = deadlineExceeded;
        void this.#terminate(entry, entry.gracePeriodMs);
      }, deadline * 1000);
    }
    this.#advance(entry);
  }

  status(uid: string): V1PodStatus | undefined {
    const status = this.#pods.get(uid)?.status;
    return status === undefined ? undefined : structuredClone(status);
  }

  onChange(listener: (uid: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  uids(): string[] {
    return [...this.#pods.keys()];
  }

  /** The pod as `start` received it (a restored pod: only its identity and container names). */
  pod(uid: string): V1Pod | undefined {
    return this.#pods.get(uid)?.pod;
  }

  async logs(
    uid: string,
    container: string,
    options: LogOptions,
    out: Writable,
    signal: AbortSignal,
  ): Promise<void> {
    const entry = this.#pods.get(uid);
    if (entry === undefined) {
      throw new NotFoundError(`pod with uid ${uid} is not known to the ${this.#driver.scheme} runtime`, {
        kind: 'pods',
        uid,
      });
    }
    const slot = [...entry.containers, ...entry.initContainers].find((s) => s.record.name === container);
    if (slot === undefined) {
      throw new BadRequestError(`container "${container}" in pod "${entry.name}" is not available`);
    }
    const record = slot.record;
    let instance: number;
    if (options.previous === true) {
      if (record.last === undefined) {
        throw new BadRequestError(
          `previous terminated container "${container}" in pod "${entry.name}" not found`,
        );
      }
      instance = record.last.instance;
    } else if (record.state.kind === 'running') instance = record.state.instance;
    else if (record.state.kind === 'terminated') instance = record.state.terminated.instance;
    else if (record.last !== undefined) instance = record.last.instance;
    else {
      throw new BadRequestError(
        `container "${container}" in pod "${entry.name}" is waiting to start: ${record.state.reason}`,
      );
    }
    const log = slot.logs.get(instance);
    if (log === undefined) {
      throw new BadRequestError(`the log of container "${container}" in pod "${entry.name}" is gone`);
    }
    await log.read(options, out, signal);
  }

  stop(uid: string, gracePeriodSeconds?: number): Promise<void> {
    const entry = this.#pods.get(uid);
    if (entry === undefined) return Promise.resolve();
    const grace = gracePeriodSeconds === undefined ? entry.gracePeriodMs : gracePeriodSeconds * 1000;
    return this.#terminate(entry, grace);
  }

  async remove(uid: string): Promise<void> {
    const entry = this.#pods.get(uid);
    if (entry === undefined) return;
    await this.#terminate(entry, 0);
    for (const slot of [...entry.initContainers, ...entry.containers]) {
      for (const log of slot.logs.values()) log.end();
    }
    this.#pods.delete(uid);
    this.#backoff.forget(`${uid}/`);
    this.#driver.tearDownPod(uid);
  }

  async close(gracePeriodSeconds?: number): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [...this.#pods.values()].map((entry) =>
        this.#terminate(
          entry,
          gracePeriodSeconds === undefined ? entry.gracePeriodMs : gracePeriodSeconds * 1000,
        ),
      ),
    );
  }

  closeNow(): void {
    this.#closed = true;
    for (const entry of this.#pods.values()) {
      entry.terminating = true;
      this.#cancelTimers(entry);
      for (const slot of [...entry.initContainers, ...entry.containers]) slot.instance?.handle?.kill();
    }
  }

  /** The pod as plain data, for a runtime that persists its pods. */
  snapshot(uid: string): PodSnapshot | undefined {
    const entry = this.#pods.get(uid);
    if (entry === undefined) return undefined;
    return structuredClone({
      uid: entry.uid,
      name: entry.name,
      namespace: entry.namespace,
      ...this.#view(entry),
      transitions: Object.fromEntries(entry.transitions),
    });
  }

  /**
   * Brings back a pod a previous server life ran. It is never run again: containers that were running
   * are reported terminated (NodeRestart, 137), and a pod that had not finished fails with NodeRestart.
   */
  restore(snapshot: PodSnapshot): void {
    const now = this.#clock.now();
    const slot = (record: ContainerRecord): Slot => {
      const restored = structuredClone(record);
      if (restored.state.kind === 'running') {
        restored.state = {
          kind: 'terminated',
          terminated: {
            exitCode: nodeRestart.exitCode,
            reason: nodeRestart.reason,
            message: nodeRestart.containerMessage,
            startedAt: restored.state.startedAt,
            finishedAt: now,
            containerID: restored.state.containerID,
            instance: restored.state.instance,
          },
        };
      }
      restored.ready = false;
      const logs = new Map<number, ContainerLog>();
      const instances = new Set<number>();
      if (restored.state.kind === 'terminated') instances.add(restored.state.terminated.instance);
      if (restored.last !== undefined) instances.add(restored.last.instance);
      for (const instance of instances) {
        logs.set(instance, this.#driver.openLog(snapshot.uid, restored.name, instance, true));
      }
      return {
        spec: { name: restored.name, image: restored.image },
        record: restored,
        instance: undefined,
        restartTimer: undefined,
        logs,
      };
    };
    const initContainers = snapshot.initContainers.map(slot);
    const containers = snapshot.containers.map(slot);
    const unfinished = snapshot.finalPhase === undefined;
    const entry: PodEntry = {
      uid: snapshot.uid,
      name: snapshot.name,
      namespace: snapshot.namespace,
      pod: {
        metadata: { uid: snapshot.uid, name: snapshot.name, namespace: snapshot.namespace },
        spec: {
          restartPolicy: snapshot.restartPolicy,
          containers: containers.map((s) => s.spec),
          initContainers: initContainers.map((s) => s.spec),
        },
      },
      inputs: {},
      restartPolicy: snapshot.restartPolicy,
      gracePeriodMs: 0,
      startTime: snapshot.startTime,
      initContainers,
      containers,
      sandboxReady: snapshot.sandboxReady,
      terminating: true,
      terminal: true,
      finalPhase: unfinished ? 'Failed' : snapshot.finalPhase,
      failure: unfinished ? { reason: nodeRestart.reason, message: nodeRestart.message } : snapshot.failure,
      podIP: snapshot.podIP,
      deadlineTimer: undefined,
      transitions: new Map(Object.entries(snapshot.transitions)),
      status: undefined,
      statusJson: '',
    };
    this.#pods.set(entry.uid, entry);
    this.#refresh(entry);
  }

  #slots(entry: PodEntry): Slot[] {
    return [...entry.initContainers, ...entry.containers];
  }

  #defaultReason(entry: PodEntry): string {
    return entry.initContainers.length > 0 ? 'PodInitializing' : 'ContainerCreating';
  }

  /** Starts whatever should run now. Level-based: safe to call at any time. */
  #advance(entry: PodEntry): void {
    if (entry.terminating || entry.finalPhase !== undefined) return;
    if (!entry.sandboxReady) {
      try {
        this.#driver.setUpPod(entry.pod, entry.inputs);
        entry.sandboxReady = true;
        for (const slot of this.#slots(entry)) {
          if (slot.record.state.kind === 'waiting' && slot.record.containerID === undefined) {
            slot.record.state = { kind: 'waiting', reason: this.#defaultReason(entry) };
          }
        }
      } catch (error) {
        if (!(error instanceof ContainerWaitingError)) throw error;
        for (const slot of this.#slots(entry)) {
          slot.record.state = { kind: 'waiting', reason: this.#defaultReason(entry), message: error.message };
        }
        this.#refresh(entry);
        return;
      }
    }
    let initialized = true;
    for (const slot of entry.initContainers) {
      const state = slot.record.state;
      if (state.kind === 'terminated' && state.terminated.exitCode === 0) continue;
      initialized = false;
      if (state.kind === 'waiting' && slot.instance === undefined && slot.restartTimer === undefined) {
        this.#launch(entry, slot);
      }
      break;
    }
    if (initialized) {
      for (const slot of entry.containers) {
        if (
          slot.record.state.kind === 'waiting' &&
          slot.instance === undefined &&
          slot.restartTimer === undefined
        ) {
          this.#launch(entry, slot);
        }
      }
    }
    this.#refresh(entry);
  }

  #launch(entry: PodEntry, slot: Slot): void {
    const record = slot.record;
    const id = record.containerID === undefined ? 0 : record.restartCount + 1;
    const containerID = containerIdOf(this.#driver.scheme, entry.uid, record.init, record.name, id);
    const log = this.#driver.openLog(entry.uid, record.name, id, false);
    let resolve = (): void => {};
    const done = new Promise<void>((r) => (resolve = r));
    const instance: Instance = { id, containerID, handle: undefined, ready: false, done, resolve };
    let handle: RunningContainer;
    try {
      handle = this.#driver.startContainer({
        pod: entry.pod,
        inputs: entry.inputs,
        container: slot.spec,
        init: record.init,
        primary: !record.init && entry.containers[0] === slot,
        containerID,
        instance: id,
        log,
        setReady: (ready) => {
          instance.ready = ready;
          if (slot.instance !== instance || record.ready === ready) return;
          record.ready = ready;
          this.#refresh(entry);
        },
        exited: (exit) => queueMicrotask(() => this.#exited(entry, slot, instance, exit)),
      });
    } catch (error) {
      log.end();
      this.#driver.dropLog(entry.uid, record.name, id);
      if (error instanceof ContainerWaitingError) {
        record.state = { kind: 'waiting', reason: error.reason, message: error.message };
      } else {
        this.#log('starting a container failed', {
          pod: `${entry.namespace}/${entry.name}`,
          error: String(error),
        });
        record.state = { kind: 'waiting', reason: 'RunContainerError', message: String(error) };
      }
      return;
    }
    instance.handle = handle;
    slot.instance = instance;
    record.restartCount = id;
    record.containerID = containerID;
    record.state = { kind: 'running', startedAt: this.#clock.now(), containerID, instance: id };
    record.ready = instance.ready;
    slot.logs.get(id)?.end();
    slot.logs.set(id, log);
    for (const old of [...slot.logs.keys()]) {
      if (old < id - 1) {
        slot.logs.delete(old);
        this.#driver.dropLog(entry.uid, record.name, old);
      }
    }
  }

  #exited(entry: PodEntry, slot: Slot, instance: Instance, exit: ContainerExit): void {
    if (slot.instance !== instance) return;
    slot.instance = undefined;
    instance.resolve();
    const record = slot.record;
    const now = this.#clock.now();
    const terminated: TerminatedRecord = {
      exitCode: exit.exitCode,
      reason: exit.reason ?? (exit.exitCode === 0 ? 'Completed' : 'Error'),
      ...(exit.message !== undefined && { message: exit.message }),
      startedAt: record.state.kind === 'running' ? record.state.startedAt : now,
      finishedAt: now,
      containerID: instance.containerID,
      instance: instance.id,
    };
    slot.logs.get(instance.id)?.end();
    record.state = { kind: 'terminated', terminated };
    record.ready = false;
    if (entry.terminating || entry.finalPhase !== undefined) {
      this.#refresh(entry);
      return;
    }
    const policy = entry.restartPolicy;
    if (record.init) {
      if (exit.exitCode === 0) {
        this.#advance(entry);
        return;
      }
      if (policy !== 'Never') this.#scheduleRestart(entry, slot, terminated);
    } else if (policy === 'Always' || (policy === 'OnFailure' && exit.exitCode !== 0)) {
      this.#scheduleRestart(entry, slot, terminated);
    }
    this.#refresh(entry);
  }

  #scheduleRestart(entry: PodEntry, slot: Slot, terminated: TerminatedRecord): void {
    const key = `${entry.uid}/${slot.record.init ? 'init' : 'app'}/${slot.record.name}`;
    const now = this.#clock.now();
    const { wait, delay } = this.#backoff.remaining(key, terminated.finishedAt, now);
    slot.record.last = terminated;
    if (wait <= 0) {
      this.#backoff.next(key, terminated.finishedAt, now);
      this.#launch(entry, slot);
      return;
    }
    slot.record.state = {
      kind: 'waiting',
      reason: 'CrashLoopBackOff',
      message: `back-off ${formatDuration(delay)} restarting failed container=${slot.record.name} pod=${entry.name}_${entry.namespace}(${entry.uid})`,
    };
    slot.restartTimer = this.#clock.setTimeout(() => {
      slot.restartTimer = undefined;
      if (entry.terminating || entry.finalPhase !== undefined) return;
      this.#backoff.next(key, terminated.finishedAt, this.#clock.now());
      this.#launch(entry, slot);
      this.#refresh(entry);
    }, wait);
  }

  #cancelTimers(entry: PodEntry): void {
    if (entry.deadlineTimer !== undefined) this.#clock.clearTimeout(entry.deadlineTimer);
    entry.deadlineTimer = undefined;
    for (const slot of this.#slots(entry)) {
      if (slot.restartTimer !== undefined) this.#clock.clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
    }
  }

  #terminate(entry: PodEntry, gracePeriodMs: number): Promise<void> {
    entry.terminating = true;
    this.#cancelTimers(entry);
    const running = this.#slots(entry).flatMap((slot) =>
      slot.instance === undefined ? [] : [slot.instance],
    );
    for (const instance of running) instance.handle?.stop(Math.max(0, gracePeriodMs));
    this.#refresh(entry);
    return Promise.all(running.map((instance) => instance.done)).then(() => {
      entry.terminal = true;
      this.#refresh(entry);
    });
  }

  #view(entry: PodEntry): PodRecordView {
    return {
      restartPolicy: entry.restartPolicy,
      startTime: entry.startTime,
      initContainers: entry.initContainers.map((s) => s.record),
      containers: entry.containers.map((s) => s.record),
      sandboxReady: entry.sandboxReady,
      terminal: entry.terminal,
      ...(entry.finalPhase !== undefined && { finalPhase: entry.finalPhase }),
      ...(entry.failure !== undefined && { failure: entry.failure }),
      ...(entry.podIP !== undefined && { podIP: entry.podIP }),
    };
  }

  /** Recomputes the status; persists and notifies when it changed. */
  #refresh(entry: PodEntry): void {
    if (entry.podIP === undefined && !entry.terminating) {
      entry.podIP = this.#driver.podIP(entry.pod, entry.inputs);
    }
    const idle = this.#slots(entry).every((slot) => slot.instance === undefined);
    if (entry.terminating && idle) entry.terminal = true;
    const phase = reportedPhase(this.#view(entry));
    if (entry.finalPhase === undefined && (phase === 'Succeeded' || phase === 'Failed')) {
      entry.finalPhase = phase;
      this.#cancelTimers(entry);
      if (idle) entry.terminal = true;
    }
    const status = buildPodStatus(this.#view(entry), entry.transitions, this.#clock.now());
    const json = JSON.stringify(status);
    if (json === entry.statusJson) return;
    entry.status = status;
    entry.statusJson = json;
    if (this.#pods.get(entry.uid) !== entry) return;
    this.#onStatusChange?.(entry.uid);
    if (this.#pendingNotify.size === 0) queueMicrotask(() => this.#notify());
    this.#pendingNotify.add(entry.uid);
  }

  #notify(): void {
    const uids = [...this.#pendingNotify];
    this.#pendingNotify.clear();
    for (const uid of uids) {
      for (const listener of this.#listeners) {
        try {
          listener(uid);
        } catch (error) {
          this.#log('a pod status listener failed', { uid, error: String(error) });
        }
      }
    }
  }
}

/**
 * The `PodRuntime` methods every runtime answers from its `PodSupervisor`. A runtime extends it,
 * sets `supervisor` in its constructor (with its own `ContainerDriver`), and overrides what it does
 * beyond the supervisor (persisting state, serving metrics).
 */
export abstract class SupervisedRuntime implements PodRuntime {
  abstract readonly runtimeClass: string;
  protected abstract readonly supervisor: PodSupervisor;

  start(pod: V1Pod, inputs: PodInputs): void {
    this.supervisor.start(pod, inputs);
  }

  status(uid: string): V1PodStatus | undefined {
    return this.supervisor.status(uid);
  }

  onChange(listener: (uid: string) => void): () => void {
    return this.supervisor.onChange(listener);
  }

  logs(
    uid: string,
    container: string,
    options: LogOptions,
    out: Writable,
    signal: AbortSignal,
  ): Promise<void> {
    return this.supervisor.logs(uid, container, options, out, signal);
  }

  stop(uid: string, gracePeriodSeconds?: number): Promise<void> {
    return this.supervisor.stop(uid, gracePeriodSeconds);
  }

  remove(uid: string): Promise<void> {
    return this.supervisor.remove(uid);
  }

  uids(): string[] {
    return this.supervisor.uids();
  }

  metricsUrl(_uid: string): string | undefined {
    return undefined;
  }

  close(gracePeriodSeconds?: number): Promise<void> {
    return this.supervisor.close(gracePeriodSeconds);
  }

  closeNow(): void {
    this.supervisor.closeNow();
  }
}
