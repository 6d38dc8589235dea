/**
 * The simulated runtime: nothing runs. Containers are running as soon as they start and ready after
 * a delay; `sim.keelson.dev/` annotations on the pod (which pods inherit from their templates) make
 * them fail to start, crash-loop, exit, never become ready, stop slowly or serve metrics. Every
 * annotation is documented in docs/node-runtimes.md. Missing ConfigMaps and Secrets block a simulated
 * pod exactly as they block a real one (CreateContainerConfigError, ContainerCreating).
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { Clock } from '../../base/clock.ts';
import { ContainerLog, MemoryLogStore } from './container-log.ts';
import { parseDuration } from './durations.ts';
import { containerEnvironment } from './environment.ts';
import type { PodRuntimeDeps } from './pod-runtime.ts';
import {
  ContainerWaitingError,
  PodSupervisor,
  SupervisedRuntime,
  type ContainerDriver,
  type ContainerLaunch,
  type RunningContainer,
} from './pod-supervisor.ts';
import { parseMetricsSpec, type MetricsSpec, type PodMetricsSink } from './simulated-metrics.ts';
import { volumeProblems } from './volumes.ts';

export const simulatedAnnotationPrefix = 'sim.keelson.dev/';

/** The annotations, without the prefix. Each may be scoped to one container with `.<container>`. */
export const simulatedAnnotations = {
  readyAfter: 'ready-after',
  neverReady: 'never-ready',
  failStart: 'fail-start',
  failStartMessage: 'fail-start-message',
  exitAfter: 'exit-after',
  crashAfter: 'crash-after',
  exitCode: 'exit-code',
  stopAfter: 'stop-after',
  log: 'log',
  metrics: 'metrics',
} as const;

/** What one simulated container does, read from the pod's annotations. */
export interface SimulatedBehaviour {
  failStart?: { reason: string; message: string };
  /** Exit this long after starting; undefined runs until stopped. */
  exitAfterMs?: number;
  exitCode: number;
  readyAfterMs: number;
  neverReady: boolean;
  /** How long the container takes to exit after SIGTERM; past the grace period it is killed (137). */
  stopAfterMs: number;
  log?: string;
  /** Served by the pod's first container. */
  metrics?: MetricsSpec;
}

function invalid(key: string, value: string, why: string): ContainerWaitingError {
  return new ContainerWaitingError(
    'CreateContainerConfigError',
    `invalid annotation ${simulatedAnnotationPrefix}${key}: ${JSON.stringify(value)}: ${why}`,
  );
}

/**
 * Reads the behaviour of one container. A container-scoped annotation (`sim.keelson.dev/exit-code.web`)
 * wins over the pod-wide one, which applies to regular containers only: init containers complete at
 * once (exit 0) unless scoped annotations say otherwise. Throws CreateContainerConfigError for a
 * value that does not parse.
 */
export function simulatedBehaviour(
  pod: V1Pod,
  container: V1Container,
  options: { init: boolean; primary: boolean; readyAfterMs: number },
): SimulatedBehaviour {
  const annotations = pod.metadata?.annotations ?? {};
  const lookup = (key: string): string | undefined =>
    annotations[`${simulatedAnnotationPrefix}${key}.${container.name}`] ??
    (options.init ? undefined : annotations[`${simulatedAnnotationPrefix}${key}`]);
  const duration = (key: string): number | undefined => {
    const value = lookup(key);
    if (value === undefined) return undefined;
    const ms = parseDuration(value);
    if (ms === undefined) throw invalid(key, value, 'not a duration such as 500ms, 2s or 1m30s');
    return ms;
  };
  const flag = (key: string): boolean => {
    const value = lookup(key);
    if (value === undefined || value === 'false') return false;
    if (value === 'true') return true;
    throw invalid(key, value, 'must be "true" or "false"');
  };
  const behaviour: SimulatedBehaviour = {
    exitCode: 0,
    readyAfterMs: duration(simulatedAnnotations.readyAfter) ?? options.readyAfterMs,
    neverReady: flag(simulatedAnnotations.neverReady),
    stopAfterMs: duration(simulatedAnnotations.stopAfter) ?? 0,
  };
  const failStart = lookup(simulatedAnnotations.failStart);
  if (failStart !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9:]*$/.test(failStart)) {
      throw invalid(simulatedAnnotations.failStart, failStart, 'must be a reason such as ErrImagePull');
    }
    behaviour.failStart = {
      reason: failStart,
      message:
        lookup(simulatedAnnotations.failStartMessage) ??
        `simulated: ${simulatedAnnotationPrefix}${simulatedAnnotations.failStart} is ${failStart}`,
    };
  }
  const exitAfter = duration(simulatedAnnotations.exitAfter);
  const crashAfter = duration(simulatedAnnotations.crashAfter);
  if (exitAfter !== undefined && crashAfter !== undefined) {
    throw invalid(
      simulatedAnnotations.crashAfter,
      lookup(simulatedAnnotations.crashAfter) ?? '',
      'set exit-after or crash-after, not both',
    );
  }
  const exitCodeText = lookup(simulatedAnnotations.exitCode);
  let exitCode: number | undefined;
  if (exitCodeText !== undefined) {
    exitCode = Number(exitCodeText);
    if (!/^\d+$/.test(exitCodeText) || exitCode > 255) {
      throw invalid(simulatedAnnotations.exitCode, exitCodeText, 'must be an integer from 0 to 255');
    }
  }
  if (crashAfter !== undefined) {
    behaviour.exitAfterMs = crashAfter;
    behaviour.exitCode = exitCode ?? 1;
  } else if (exitAfter !== undefined) {
    behaviour.exitAfterMs = exitAfter;
    behaviour.exitCode = exitCode ?? 0;
  } else if (options.init) {
    behaviour.exitAfterMs = 0;
    behaviour.exitCode = exitCode ?? 0;
  } else if (exitCode !== undefined) {
    behaviour.exitCode = exitCode;
  }
  const log = lookup(simulatedAnnotations.log);
  if (log !== undefined) behaviour.log = log;
  const metrics = annotations[`${simulatedAnnotationPrefix}${simulatedAnnotations.metrics}`];
  if (options.primary && metrics !== undefined) {
    try {
      behaviour.metrics = parseMetricsSpec(metrics);
    } catch (error) {
      throw invalid(simulatedAnnotations.metrics, metrics, (error as Error).message);
    }
  }
  return behaviour;
}

class SimulatedContainer implements RunningContainer {
  readonly #clock: Clock;
  readonly #launch: ContainerLaunch;
  readonly #behaviour: SimulatedBehaviour;
  readonly #onFinished: () => void;
  #timers: unknown[] = [];
  #killAt: number | undefined;
  #killTimer: unknown;
  #finished = false;

  constructor(clock: Clock, launch: ContainerLaunch, behaviour: SimulatedBehaviour, onFinished: () => void) {
    this.#clock = clock;
    this.#launch = launch;
    this.#behaviour = behaviour;
    this.#onFinished = onFinished;
    const line =
      behaviour.log ??
      `simulated container "${launch.container.name}" started (image ${launch.container.image ?? ''})`;
    launch.log.write('stdout', line.endsWith('\n') ? line : `${line}\n`);
    if (!launch.init && !behaviour.neverReady) {
      if (behaviour.readyAfterMs <= 0) launch.setReady(true);
      else this.#timers.push(clock.setTimeout(() => launch.setReady(true), behaviour.readyAfterMs));
    }
    if (behaviour.exitAfterMs !== undefined) {
      this.#timers.push(clock.setTimeout(() => this.#finish(behaviour.exitCode), behaviour.exitAfterMs));
    }
  }

  stop(gracePeriodMs: number): void {
    if (this.#finished) return;
    const now = this.#clock.now();
    if (this.#killAt === undefined) {
      // SIGTERM: a simulated app shuts down cleanly after stop-after
      const stopAfter = this.#behaviour.stopAfterMs;
      if (stopAfter <= 0) return this.#finish(0);
      this.#timers.push(this.#clock.setTimeout(() => this.#finish(0), stopAfter));
    }
    const at = now + Math.max(0, gracePeriodMs);
    if (this.#killAt !== undefined && this.#killAt <= at) return;
    this.#killAt = at;
    if (this.#killTimer !== undefined) this.#clock.clearTimeout(this.#killTimer);
    if (gracePeriodMs <= 0) return this.#finish(137);
    this.#killTimer = this.#clock.setTimeout(() => this.#finish(137), gracePeriodMs);
  }

  kill(): void {
    this.#clear();
    this.#finished = true;
    this.#onFinished();
  }

  #clear(): void {
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    if (this.#killTimer !== undefined) this.#clock.clearTimeout(this.#killTimer);
    this.#timers = [];
    this.#killTimer = undefined;
  }

  #finish(exitCode: number): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#clear();
    this.#onFinished();
    this.#launch.exited({ exitCode });
  }
}

export interface SimulatedRuntimeDeps extends PodRuntimeDeps {
  /** How long a started container takes to become ready (default 1 s); `ready-after` overrides it. */
  readyAfterMs?: number;
  /** Serves `sim.keelson.dev/metrics`; without it the annotation is validated but nothing is served. */
  metrics?: PodMetricsSink;
}

export class SimulatedRuntime extends SupervisedRuntime {
  readonly runtimeClass = 'simulated';
  protected readonly supervisor: PodSupervisor;
  readonly #clock: Clock;
  readonly #readyAfterMs: number;
  readonly #metrics: PodMetricsSink | undefined;

  constructor(deps: SimulatedRuntimeDeps) {
    super();
    this.#clock = deps.clock;
    this.#readyAfterMs = deps.readyAfterMs ?? 1000;
    this.#metrics = deps.metrics;
    this.supervisor = new PodSupervisor({
      clock: deps.clock,
      log: deps.log,
      ...(deps.backoff !== undefined && { backoff: deps.backoff }),
      driver: this.#driver(),
    });
  }

  override metricsUrl(uid: string): string | undefined {
    const pod = this.supervisor.pod(uid);
    const annotation =
      pod?.metadata?.annotations?.[`${simulatedAnnotationPrefix}${simulatedAnnotations.metrics}`];
    if (this.#metrics === undefined || pod === undefined || annotation === undefined) return undefined;
    return this.#metrics.url(pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '');
  }

  #driver(): ContainerDriver {
    return {
      scheme: 'keelson-sim',
      setUpPod: (pod, inputs) =>
        volumeProblems(pod, inputs, inputs.podIP === undefined ? {} : { podIP: inputs.podIP }),
      refreshPod: () => {},
      startContainer: (launch) => this.#startContainer(launch),
      openLog: () => new ContainerLog(new MemoryLogStore(), this.#clock),
      dropLog: () => {},
      podIP: (_pod, inputs) => inputs.podIP,
      tearDownPod: () => {},
    };
  }

  #startContainer(launch: ContainerLaunch): RunningContainer {
    const { pod, container } = launch;
    containerEnvironment({
      pod,
      container,
      inputs: launch.inputs,
      ...(launch.inputs.podIP !== undefined && { podIP: launch.inputs.podIP }),
    });
    const behaviour = simulatedBehaviour(pod, container, {
      init: launch.init,
      primary: launch.primary,
      readyAfterMs: this.#readyAfterMs,
    });
    if (behaviour.failStart !== undefined) {
      throw new ContainerWaitingError(behaviour.failStart.reason, behaviour.failStart.message);
    }
    const target = {
      namespace: pod.metadata?.namespace ?? 'default',
      name: pod.metadata?.name ?? '',
      uid: pod.metadata?.uid ?? '',
    };
    const metrics = behaviour.metrics;
    if (metrics !== undefined) this.#metrics?.register(target, metrics, this.#clock.now());
    return new SimulatedContainer(this.#clock, launch, behaviour, () => {
      if (metrics !== undefined) this.#metrics?.unregister(target);
    });
  }
}
