/**
 * The process runtime: pods of RuntimeClass `process` run each container's `command` + `args` as a
 * local process. Images are recorded, not pulled. See docs/node-runtimes.md for the file layout,
 * volumes and the environment a process gets.
 *
 * Processes never outlive the server. Each container runs in a process group of its own, wrapped by
 * `setpriv --pdeathsig KILL`, so the kernel kills the container's first process when the server dies
 * however it dies; every process group is recorded in `<root>/journal.jsonl` (folded into
 * `<root>/state.json`) before anything else
 * happens, so the next runtime on the same root kills what is left of the groups, and reports the
 * pods they belonged to as failed (NodeRestart) rather than running them a second time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  appendFileSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, totalmem, constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { KeelsonError } from '../../base/errors.ts';
import type { Clock } from '../../base/clock.ts';
import type { Logger } from '../../runtime/controller.ts';
import { ContainerLog, FileLogStore } from './container-log.ts';
import { containerEnvironment, expandCommand } from './environment.ts';
import type { PodInputs, PodRuntimeDeps } from './pod-runtime.ts';
import {
  ContainerWaitingError,
  PodSupervisor,
  SupervisedRuntime,
  type ContainerDriver,
  type ContainerLaunch,
  type PodSnapshot,
  type RunningContainer,
} from './pod-supervisor.ts';
import { bootId, environmentHas, processGroupMembers, signalGroup } from './process-groups.ts';
import { containerPath, mountVolumes, setUpVolumes } from './volumes.ts';

export interface ProcessRuntimeDeps extends PodRuntimeDeps {
  /** Where pods, logs and the state file live; the same root after a restart finds what ran before. */
  root: string;
  /** setpriv (util-linux); default: /usr/bin/setpriv, else the first on PATH. */
  setpriv?: string;
  /** PATH given to processes; default: the server's. */
  path?: string;
}

/** The variable that marks a container's processes, so a restarted runtime kills only its own. */
export const containerIdVariable = 'KEELSON_CONTAINER_ID';

const loopback = '127.0.0.1';

interface GroupRecord {
  uid: string;
  container: string;
  containerID: string;
  pgid: number;
}

type JournalEntry = { started: GroupRecord; pod: PodSnapshot | undefined } | { ended: string };

interface StateFile {
  version: 1;
  bootId: string;
  pods: Record<string, PodSnapshot>;
  groups: GroupRecord[];
}

function findSetpriv(given: string | undefined, path: string): string {
  const candidates =
    given === undefined
      ? [
          '/usr/bin/setpriv',
          ...path
            .split(delimiter)
            .filter((d) => d !== '')
            .map((d) => join(d, 'setpriv')),
        ]
      : [given];
  for (const candidate of candidates) if (isExecutable(candidate)) return candidate;
  throw new KeelsonError(
    'KEELSON_UNAVAILABLE',
    `the process runtime needs setpriv (util-linux) to tie container processes to the server's life; ${
      given === undefined ? 'none found in /usr/bin or on PATH' : `${given} is not executable`
    }: install util-linux`,
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** execvp's lookup: a name with a slash is a path (relative to the working directory), else PATH is searched. */
function resolveExecutable(file: string, cwd: string, path: string): string | undefined {
  if (file.includes('/')) {
    const full = isAbsolute(file) ? file : resolve(cwd, file);
    return isExecutable(full) ? full : undefined;
  }
  for (const dir of path.split(delimiter)) {
    const full = resolve(cwd, dir === '' ? '.' : dir, file);
    if (isExecutable(full)) return full;
  }
  return undefined;
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (osConstants.signals[signal] ?? 9);
}

/** One container instance: its process group, the grace timer, and how it ends. */
class ProcessContainer implements RunningContainer {
  readonly #pgid: number;
  readonly #clock: Clock;
  #terminated = false;
  #finished = false;
  #killAt: number | undefined;
  #killTimer: unknown;
  #drainTimer: unknown;

  constructor(child: ChildProcess, clock: Clock, launch: ContainerLaunch, onFinished: () => void) {
    this.#pgid = child.pid ?? 0;
    this.#clock = clock;
    child.stdout?.on('data', (chunk: Buffer) => launch.log.write('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => launch.log.write('stderr', chunk));
    child.on('exit', () => {
      // a container ends with its first process: what else ran in the group goes with it
      signalGroup(this.#pgid, 'SIGKILL');
      this.#drainTimer = clock.setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 2000);
    });
    child.on('close', (code, signal) => {
      if (this.#finished) return;
      this.#finished = true;
      this.#clearTimers();
      onFinished();
      launch.exited({ exitCode: code ?? 128 + signalNumber(signal) });
    });
  }

  stop(gracePeriodMs: number): void {
    if (this.#finished) return;
    if (gracePeriodMs <= 0) {
      signalGroup(this.#pgid, 'SIGKILL');
      return;
    }
    if (!this.#terminated) {
      this.#terminated = true;
      signalGroup(this.#pgid, 'SIGTERM');
    }
    const at = this.#clock.now() + gracePeriodMs;
    if (this.#killAt !== undefined && this.#killAt <= at) return;
    this.#killAt = at;
    if (this.#killTimer !== undefined) this.#clock.clearTimeout(this.#killTimer);
    this.#killTimer = this.#clock.setTimeout(() => signalGroup(this.#pgid, 'SIGKILL'), gracePeriodMs);
  }

  kill(): void {
    signalGroup(this.#pgid, 'SIGKILL');
    this.#clearTimers();
  }

  #clearTimers(): void {
    if (this.#killTimer !== undefined) this.#clock.clearTimeout(this.#killTimer);
    if (this.#drainTimer !== undefined) this.#clock.clearTimeout(this.#drainTimer);
    this.#killTimer = undefined;
    this.#drainTimer = undefined;
  }
}

/** A container whose process could not be started: it exits at once with 128 (StartError), like runc's. */
class FailedStart implements RunningContainer {
  readonly #clock: Clock;
  #timer: unknown;

  constructor(clock: Clock, launch: ContainerLaunch, message: string) {
    this.#clock = clock;
    this.#timer = clock.setTimeout(() => launch.exited({ exitCode: 128, reason: 'StartError', message }), 0);
  }

  stop(): void {}

  kill(): void {
    this.#clock.clearTimeout(this.#timer);
  }
}

export class ProcessRuntime extends SupervisedRuntime {
  readonly runtimeClass = 'process';
  protected readonly supervisor: PodSupervisor;
  readonly #root: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #setpriv: string;
  readonly #path: string;
  readonly #bootId = bootId();
  readonly #groups = new Map<string, GroupRecord>();
  #persistQueued: NodeJS.Immediate | undefined;
  readonly #volumes = new Map<string, Map<string, string>>();
  readonly #allocatable = { cpu: Math.max(1, cpus().length), memory: totalmem(), 'ephemeral-storage': 0 };

  /**
   * Kills what a previous server life left running on `root` and brings back its pods as failed.
   * Throws when setpriv is missing or the platform is not Linux.
   */
  constructor(deps: ProcessRuntimeDeps) {
    super();
    if (process.platform !== 'linux') {
      throw new KeelsonError(
        'KEELSON_UNAVAILABLE',
        `the process runtime needs Linux, not ${process.platform}`,
      );
    }
    this.#root = resolve(deps.root);
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#path = deps.path ?? process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
    this.#setpriv = findSetpriv(deps.setpriv, this.#path);
    mkdirSync(join(this.#root, 'pods'), { recursive: true });
    this.supervisor = new PodSupervisor({
      clock: deps.clock,
      log: deps.log,
      ...(deps.backoff !== undefined && { backoff: deps.backoff }),
      driver: this.#driver(),
      onStatusChange: () => this.#persistSoon(),
    });
    this.#recover();
  }

  override async remove(uid: string): Promise<void> {
    await super.remove(uid);
    this.#persist();
  }

  override async close(gracePeriodSeconds?: number): Promise<void> {
    await super.close(gracePeriodSeconds);
    this.#persist();
  }

  override closeNow(): void {
    super.closeNow();
    this.#persist();
  }

  #podDir(uid: string): string {
    return join(this.#root, 'pods', uid);
  }

  #logPath(uid: string, container: string, instance: number): string {
    return join(this.#podDir(uid), 'logs', container, `${instance}.log`);
  }

  #driver(): ContainerDriver {
    const setUp = (pod: V1Pod, inputs: PodInputs): void => {
      const uid = pod.metadata?.uid ?? '';
      const paths = setUpVolumes(
        pod,
        { inputs, podIP: loopback, hostIP: loopback, allocatable: this.#allocatable },
        { volumesDir: join(this.#podDir(uid), 'volumes'), claimsDir: join(this.#root, 'claims') },
      );
      this.#volumes.set(uid, paths);
    };
    return {
      scheme: 'keelson-process',
      setUpPod: setUp,
      refreshPod: setUp,
      startContainer: (launch) => this.#startContainer(launch),
      openLog: (uid, container, instance, existing) => {
        const path = this.#logPath(uid, container, instance);
        if (existing)
          return new ContainerLog(new FileLogStore(path, { readOnly: true }), this.#clock, { ended: true });
        mkdirSync(join(this.#podDir(uid), 'logs', container), { recursive: true });
        rmSync(path, { force: true });
        return new ContainerLog(new FileLogStore(path), this.#clock);
      },
      dropLog: (uid, container, instance) => rmSync(this.#logPath(uid, container, instance), { force: true }),
      podIP: () => loopback,
      tearDownPod: (uid) => {
        this.#volumes.delete(uid);
        rmSync(this.#podDir(uid), { recursive: true, force: true });
      },
    };
  }

  #startContainer(launch: ContainerLaunch): RunningContainer {
    const { pod, container } = launch;
    const uid = pod.metadata?.uid ?? '';
    const env = containerEnvironment({
      pod,
      container,
      inputs: launch.inputs,
      podIP: loopback,
      hostIP: loopback,
      allocatable: this.#allocatable,
    });
    // no image is pulled, so every image is taken to have no ENTRYPOINT (as busybox, alpine and
    // debian have none): args alone are the command, as `kubectl run x --image=busybox -- sh -c …`
    const command = container.command?.length ? container.command : (container.args ?? []);
    const args = container.command?.length ? container.args : undefined;
    if (command.length === 0) {
      throw new ContainerWaitingError(
        'CreateContainerConfigError',
        `container "${container.name}" has no command or args: the process runtime pulls no image, so there is no ENTRYPOINT or CMD to run`,
      );
    }
    const root = join(this.#podDir(uid), 'containers', container.name, 'root');
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    const volumeVariables = mountVolumes(root, container, this.#volumes.get(uid) ?? new Map(), env);
    const cwd = containerPath(root, container.workingDir ?? '/');
    mkdirSync(cwd, { recursive: true });
    const argv = [...expandCommand(command, env), ...expandCommand(args, env)];
    const environment: Record<string, string> = {
      PATH: this.#path,
      HOME: root,
      HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? '',
      KEELSON_ROOT: root,
      ...volumeVariables,
      ...env,
      [containerIdVariable]: launch.containerID,
    };
    const file = argv[0] ?? '';
    const executable = resolveExecutable(file, cwd, environment['PATH'] ?? '');
    if (executable === undefined) {
      const message = file.includes('/')
        ? `exec: "${file}": stat ${file}: no such file or directory`
        : `exec: "${file}": executable file not found in $PATH`;
      return new FailedStart(this.#clock, launch, message);
    }
    const child = spawn(this.#setpriv, ['--pdeathsig', 'KILL', '--', executable, ...argv.slice(1)], {
      cwd,
      env: environment,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) {
      const failure = new Promise<string>((done) => child.once('error', (error) => done(error.message)));
      const handle: RunningContainer = { stop: () => {}, kill: () => {} };
      void failure.then((message) => launch.exited({ exitCode: 128, reason: 'StartError', message }));
      return handle;
    }
    child.on('error', (error) =>
      this.#log('container process error', { containerID: launch.containerID, error: error.message }),
    );
    const group: GroupRecord = {
      uid,
      container: container.name,
      containerID: launch.containerID,
      pgid: child.pid,
    };
    this.#groups.set(launch.containerID, group);
    this.#journal({ started: group, pod: this.supervisor.snapshot(uid) });
    launch.setReady(true);
    return new ProcessContainer(child, this.#clock, launch, () => {
      this.#groups.delete(launch.containerID);
      this.#journal({ ended: launch.containerID });
    });
  }

  #statePath(): string {
    return join(this.#root, 'state.json');
  }

  /**
   * Status changes are persisted once per turn of the event loop, however many pods changed; what
   * recovery depends on (a process group started or gone) is persisted at once by `#persist`.
   */
  #persistSoon(): void {
    if (this.#persistQueued) return;
    this.#persistQueued = setImmediate(() => this.#persist());
  }

  #journalPath(): string {
    return join(this.#root, 'journal.jsonl');
  }

  /**
   * Records a process group the moment it starts or ends: one appended line (O(1), unlike
   * rewriting the state of every pod), folded into state.json on the next turn of the event loop.
   * A server killed in between leaves the line for recovery to replay.
   */
  #journal(entry: JournalEntry): void {
    try {
      appendFileSync(this.#journalPath(), `${JSON.stringify(entry)}\n`);
    } catch (error) {
      this.#log('writing the process runtime journal failed', { root: this.#root, error: String(error) });
    }
    this.#persistSoon();
  }

  #persist(): void {
    if (this.#persistQueued) clearImmediate(this.#persistQueued);
    this.#persistQueued = undefined;
    const state: StateFile = {
      version: 1,
      bootId: this.#bootId,
      pods: {},
      groups: [...this.#groups.values()],
    };
    for (const uid of this.supervisor.uids()) {
      const snapshot = this.supervisor.snapshot(uid);
      if (snapshot !== undefined) state.pods[uid] = snapshot;
    }
    const temporary = `${this.#statePath()}.tmp`;
    try {
      writeFileSync(temporary, JSON.stringify(state));
      renameSync(temporary, this.#statePath());
      // everything journaled so far is in the state now
      rmSync(this.#journalPath(), { force: true });
    } catch (error) {
      this.#log('writing the process runtime state failed', { root: this.#root, error: String(error) });
    }
  }

  /** Kills the groups a previous life left behind and restores its pods (never to run again). */
  #recover(): void {
    const path = this.#statePath();
    let state: StateFile | undefined;
    if (existsSync(path)) {
      try {
        state = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
      } catch (error) {
        const aside = `${path}.unreadable-${this.#clock.now()}`;
        renameSync(path, aside);
        this.#log('the process runtime state was unreadable; set it aside', {
          path: aside,
          error: String(error),
        });
      }
    }
    const journal = this.#readJournal();
    if (state !== undefined || journal.length > 0) {
      const bootId = state?.bootId ?? this.#bootId;
      const pods = new Map(Object.entries(state?.pods ?? {}));
      const groups = new Map((state?.groups ?? []).map((g) => [g.containerID, g]));
      for (const entry of journal) {
        if ('started' in entry) {
          groups.set(entry.started.containerID, entry.started);
          if (entry.pod !== undefined && !pods.has(entry.started.uid)) pods.set(entry.started.uid, entry.pod);
        } else {
          groups.delete(entry.ended);
        }
      }
      if (bootId === this.#bootId) {
        for (const group of groups.values()) this.#killLeftovers(group);
      }
      for (const snapshot of pods.values()) this.supervisor.restore(snapshot);
    }
    const known = new Set(this.supervisor.uids());
    for (const entry of readdirSync(join(this.#root, 'pods'))) {
      if (!known.has(entry)) rmSync(join(this.#root, 'pods', entry), { recursive: true, force: true });
    }
    this.#persist();
  }

  #readJournal(): JournalEntry[] {
    if (!existsSync(this.#journalPath())) return [];
    const entries: JournalEntry[] = [];
    for (const line of readFileSync(this.#journalPath(), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        // a line cut short by the kill: nothing after it was written either
        break;
      }
    }
    return entries;
  }

  #killLeftovers(group: GroupRecord): void {
    const members = processGroupMembers(group.pgid);
    if (members.length === 0) return;
    const ours = members.some((pid) => environmentHas(pid, `${containerIdVariable}=${group.containerID}`));
    if (!ours) {
      this.#log('a recorded process group now belongs to someone else; left alone', { pgid: group.pgid });
      return;
    }
    this.#log('killing processes a previous server life left behind', {
      uid: group.uid,
      container: group.container,
      pids: members,
    });
    signalGroup(group.pgid, 'SIGKILL');
  }
}
