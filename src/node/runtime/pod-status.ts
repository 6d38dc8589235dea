/**
 * The pod status a runtime reports, computed from what happened to each container: a port of
 * kubelet's getPhase, convertToAPIContainerStatuses and the Generate*Condition functions of
 * pkg/kubelet/status (1.30). Pure: the runtimes keep the records, this turns them into a V1PodStatus.
 */
import { createHash } from 'node:crypto';
import type {
  V1ContainerState,
  V1ContainerStatus,
  V1PodCondition,
  V1PodStatus,
} from '@kubernetes/client-node';
import type { PodPhase } from './pod-runtime.ts';

export interface TerminatedRecord {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: number;
  finishedAt: number;
  containerID: string;
  /** Which instance of the container this was (its restartCount), for `logs --previous`. */
  instance: number;
}

export type ContainerStateRecord =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: number; containerID: string; instance: number }
  | { kind: 'terminated'; terminated: TerminatedRecord };

/** One container of a pod as a runtime tracks it; plain data, so it can be persisted. */
export interface ContainerRecord {
  name: string;
  image: string;
  init: boolean;
  state: ContainerStateRecord;
  /** lastState.terminated: the instance before the current one. */
  last?: TerminatedRecord;
  restartCount: number;
  /** Readiness of a running regular container (readiness delay, probes); ignored otherwise. */
  ready: boolean;
  /** The id of the newest instance, once one has been created. */
  containerID?: string;
}

export interface PodRecordView {
  restartPolicy: string;
  startTime: number;
  initContainers: readonly ContainerRecord[];
  containers: readonly ContainerRecord[];
  /** Volumes set up and the pod able to start containers (kubelet: a ready sandbox). */
  sandboxReady: boolean;
  /** The pod has been stopped and nothing of it runs any more (kubelet's podIsTerminal). */
  terminal: boolean;
  /** A terminal phase once reached: kubelet never leaves Succeeded or Failed. */
  finalPhase?: 'Succeeded' | 'Failed';
  /** Pod-level failure (DeadlineExceeded, NodeRestart): phase Failed with this reason and message. */
  failure?: { reason: string; message: string };
  podIP?: string;
}

/** kubelet's getPhase, for pods without restartable (sidecar) init containers. */
export function podPhase(view: PodRecordView): PodPhase {
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const c of view.initContainers) {
    const state = c.state;
    if (state.kind === 'running') pendingInitialization++;
    else if (state.kind === 'terminated') {
      if (state.terminated.exitCode !== 0) failedInitialization++;
    } else if (c.last !== undefined) {
      if (c.last.exitCode !== 0) failedInitialization++;
    } else pendingInitialization++;
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of view.containers) {
    const state = c.state;
    if (state.kind === 'running') running++;
    else if (state.kind === 'terminated') {
      stopped++;
      if (state.terminated.exitCode === 0) succeeded++;
    } else if (c.last !== undefined) stopped++;
    else waiting++;
  }
  if (failedInitialization > 0 && view.restartPolicy === 'Never') return 'Failed';
  if (pendingInitialization > 0 || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (view.terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (view.restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (view.restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** The phase to report: a pod-level failure or a terminal phase already reached wins. */
export function reportedPhase(view: PodRecordView): PodPhase {
  if (view.finalPhase !== undefined) return view.finalPhase;
  if (view.failure !== undefined) return 'Failed';
  return podPhase(view);
}

/** metav1.Time has whole seconds; reporting them keeps equal statuses equal. */
function time(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

/**
 * The imageID a runtime reports. Images are not pulled, so the digest is the sha256 of the image
 * reference: stable per image, not a registry digest. A reference with a digest keeps it.
 */
export function imageIdOf(image: string): string {
  if (image.includes('@sha256:')) return image;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const repository = colon > slash ? image.slice(0, colon) : image;
  return `${repository}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

function terminatedState(t: TerminatedRecord): V1ContainerState {
  return {
    terminated: {
      exitCode: t.exitCode,
      reason: t.reason,
      ...(t.message !== undefined && { message: t.message }),
      startedAt: time(t.startedAt),
      finishedAt: time(t.finishedAt),
      containerID: t.containerID,
    },
  };
}

export function containerStatus(c: ContainerRecord): V1ContainerStatus {
  const state: V1ContainerState =
    c.state.kind === 'running'
      ? { running: { startedAt: time(c.state.startedAt) } }
      : c.state.kind === 'terminated'
        ? terminatedState(c.state.terminated)
        : {
            waiting: {
              reason: c.state.reason,
              ...(c.state.message !== undefined && { message: c.state.message }),
            },
          };
  const running = c.state.kind === 'running';
  const ready = c.init
    ? c.state.kind === 'terminated' && c.state.terminated.exitCode === 0
    : running && c.ready;
  return {
    name: c.name,
    image: c.image,
    imageID: c.containerID === undefined ? '' : imageIdOf(c.image),
    ...(c.containerID !== undefined && { containerID: c.containerID }),
    state,
    lastState: c.last === undefined ? {} : terminatedState(c.last),
    ready,
    restartCount: c.restartCount,
    started: running,
  };
}

function names(list: readonly string[]): string {
  return `[${list.join(' ')}]`;
}

function hasAnyRegularContainerStarted(view: PodRecordView): boolean {
  return view.containers.some((c) => c.state.kind !== 'waiting' || c.last !== undefined);
}

/** Initialized, Ready and ContainersReady as kubelet generates them (no lastTransitionTime yet). */
export function podConditions(view: PodRecordView, phase: PodPhase): V1PodCondition[] {
  const conditions: V1PodCondition[] = [];
  const readyToStart = view.sandboxReady && !view.terminal && (phase === 'Pending' || phase === 'Running');
  conditions.push({ type: 'PodReadyToStartContainers', status: readyToStart ? 'True' : 'False' });

  const incomplete = view.initContainers
    .filter((c) => !(c.state.kind === 'terminated' && c.state.terminated.exitCode === 0))
    .map((c) => c.name);
  if (phase === 'Succeeded') {
    conditions.push({ type: 'Initialized', status: 'True', reason: 'PodCompleted' });
  } else if (incomplete.length === 0 || hasAnyRegularContainerStarted(view)) {
    conditions.push({ type: 'Initialized', status: 'True' });
  } else {
    conditions.push({
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: `containers with incomplete status: ${names(incomplete)}`,
    });
  }

  let containersReady: Omit<V1PodCondition, 'type'>;
  const unready = view.containers.filter((c) => !(c.state.kind === 'running' && c.ready)).map((c) => c.name);
  if (phase === 'Succeeded') containersReady = { status: 'False', reason: 'PodCompleted' };
  else if (phase === 'Failed') containersReady = { status: 'False', reason: 'PodFailed' };
  else if (unready.length > 0) {
    containersReady = {
      status: 'False',
      reason: 'ContainersNotReady',
      message: `containers with unready status: ${names(unready)}`,
    };
  } else containersReady = { status: 'True' };
  conditions.push({ type: 'Ready', ...containersReady });
  conditions.push({ type: 'ContainersReady', ...containersReady });
  return conditions;
}

/**
 * The whole status. `transitions` remembers when each condition last changed status (kubelet's
 * lastTransitionTime); pass the same map on every call for a pod.
 */
export function buildPodStatus(
  view: PodRecordView,
  transitions: Map<string, { status: string; at: number }>,
  now: number,
): V1PodStatus {
  const phase = reportedPhase(view);
  const conditions = podConditions(view, phase).map((condition) => {
    const previous = transitions.get(condition.type);
    const at = previous !== undefined && previous.status === condition.status ? previous.at : now;
    transitions.set(condition.type, { status: condition.status, at });
    return { ...condition, lastTransitionTime: time(at) };
  });
  const status: V1PodStatus = {
    phase,
    conditions,
    startTime: time(view.startTime),
    containerStatuses: view.containers.map(containerStatus),
  };
  if (view.initContainers.length > 0) status.initContainerStatuses = view.initContainers.map(containerStatus);
  if (view.finalPhase !== 'Succeeded' && view.failure !== undefined) {
    status.reason = view.failure.reason;
    status.message = view.failure.message;
  }
  if (view.podIP !== undefined) {
    status.podIP = view.podIP;
    status.podIPs = [{ ip: view.podIP }];
  }
  return status;
}
