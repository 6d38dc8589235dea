/**
 * The Pod of a JobRun, as Prow's `decorate.ProwJobToPod` builds it, the Keelson way: the job's pod
 * spec plus Prow's environment; for a decorated run (`spec.decoration_config` set) also an init
 * container that clones the refs with the git CLI into a shared emptyDir (Prow's clonerefs), the
 * test container's working directory in that clone, `ARTIFACTS` on an emptyDir, and the timeout as
 * `activeDeadlineSeconds` with the grace period as `terminationGracePeriodSeconds`. No I/O.
 */
import type { KubeObject, ObjectMeta, OwnerReference } from '../../api/meta.ts';
import type { JobRun } from '../../api/crds/ci.ts';
import { prowEnv } from '../../api/ci/env.ts';
import type { Container, PodSpec, Refs } from '../../api/ci/types.ts';
import { parseDuration } from '../../base/duration.ts';

/** Label on a run's Pod: the JobRun's name (the namespace is in `runNamespaceAnnotation`). */
export const runLabel = 'ci.keelson.dev/job-run';
export const runNamespaceAnnotation = 'ci.keelson.dev/job-run-namespace';
/** Prow's pod labels, so tools that select Prow's pods find ours. */
export const prowJobLabel = 'prow.k8s.io/job';
export const prowTypeLabel = 'prow.k8s.io/type';
export const prowIdLabel = 'prow.k8s.io/id';
export const prowBuildIdLabel = 'prow.k8s.io/build-id';

/** Where the clones live (Prow's GOPATH, `/home/prow/go`), the emptyDir mounted there, and its name. */
export const workspaceDir = '/home/prow/go';
export const workspaceVolume = 'code';
/** Prow's `/logs`; `ARTIFACTS` is `/logs/artifacts`. */
export const logsDir = '/logs';
export const logsVolume = 'logs';
export const cloneContainer = 'clonerefs';
/** The container that uploads `/logs` to the artifact store when the test container has exited. */
export const sidecarContainer = 'sidecar';
/** Images of the utility containers: a shell with git, and one with tar and curl (a process pod ignores them). */
export const cloneImage = 'alpine/git:latest';
export const sidecarImage = 'curlimages/curl:latest';
/** The files the entrypoint and the sidecar write in `/logs` (Prow's names). */
export const buildLogFile = 'build-log.txt';
export const markerFile = 'marker-file.txt';
/** The test container's name when the job's pod spec leaves it unnamed (Prow's `test`). */
export const testContainer = 'test';

/** Prow's entrypoint defaults. */
export const defaultTimeoutMs = 2 * 3_600_000;
export const defaultGracePeriodMs = 15_000;

export interface PodOptions {
  /** The RuntimeClass a pod gets when its spec names none (`process` on the embedded node). */
  runtimeClassName?: string | undefined;
  /** Clone URLs are `<cloneBase>org/repo.git` when refs carry no clone_uri. */
  cloneBase?: string | undefined;
  /** A Secret (keys `username`, `password`) in the pod's namespace for HTTP clone auth; optional: a namespace without it clones anonymously. */
  cloneSecret?: string | undefined;
  ownerReference?: OwnerReference | undefined;
  /** Where the sidecar uploads `/logs` when the test container ends; without it nothing is uploaded. */
  artifacts?: { uploadUrl: string; token: string } | undefined;
}

export interface Pod extends KubeObject {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta & {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: PodSpec;
}

/** The namespace a run's Pod lives in: `spec.namespace`, else the JobRun's. */
export function podNamespace(run: JobRun): string {
  return run.spec.namespace ?? run.metadata.namespace ?? 'default';
}

export function isDecorated(run: JobRun): boolean {
  return run.spec.decoration_config !== undefined;
}

/** The job's timeout and grace period in ms (Prow's defaults when unset or invalid). */
export function timeouts(run: JobRun): { timeoutMs: number; gracePeriodMs: number } {
  const config = run.spec.decoration_config ?? {};
  return {
    timeoutMs: parseDuration(config.timeout) ?? defaultTimeoutMs,
    gracePeriodMs: parseDuration(config.grace_period) ?? defaultGracePeriodMs,
  };
}

/** `org/repo` cloned at `src/<path_alias or github.com/org/repo>` under the workspace, as Prow does. */
export function clonePath(refs: Refs): string {
  return `src/${refs.path_alias ?? `github.com/${refs.org}/${refs.repo}`}`;
}

/** refs.clone_uri, else `<cloneBase>org/repo.git`, else GitHub's. */
export function cloneUrl(refs: Refs, cloneBase: string | undefined): string {
  if (refs.clone_uri) return refs.clone_uri;
  const base = cloneBase ?? 'https://github.com/';
  return `${base.endsWith('/') ? base : `${base}/`}${refs.org}/${refs.repo}.git`;
}

/** Every refs a run clones: the code under test, then extra_refs. */
export function allRefs(run: JobRun): Refs[] {
  return [...(run.spec.refs ? [run.spec.refs] : []), ...(run.spec.extra_refs ?? [])];
}

/** The refs the test container works in (Prow's DetermineWorkDir). */
function workdirRefs(run: JobRun): Refs | undefined {
  const refs = allRefs(run);
  return refs.find((r) => r.workdir === true) ?? refs[0];
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The clone script (Prow's clonerefs): per refs, init a repository at its path, fetch the base ref
 * and check out base_sha (fetched by sha when the ref no longer holds it), name the branch after
 * the base ref, then fetch each pull (its `ref`, else `pull/N/head`, else its sha) and merge its sha
 * with `--no-ff`, as Prow's clonerefs does; then submodules unless skipped.
 */
export function cloneScript(run: JobRun, options: Pick<PodOptions, 'cloneBase'>): string {
  const lines = [
    'set -eu',
    'git_() {',
    '  if [ -n "${GIT_PASSWORD:-}" ]; then',
    '    auth=`printf \'%s:%s\' "${GIT_USERNAME:-git}" "$GIT_PASSWORD" | base64 | tr -d \'\\n\'`',
    '    git -c user.name=ci-robot -c user.email=ci-robot@keelson.dev -c "http.extraHeader=Authorization: Basic $auth" "$@"',
    '  else',
    '    git -c user.name=ci-robot -c user.email=ci-robot@keelson.dev "$@"',
    '  fi',
    '}',
    'has() { git cat-file -e "$1^{commit}" 2>/dev/null; }',
  ];
  for (const refs of allRefs(run)) {
    const url = shellQuote(cloneUrl(refs, options.cloneBase));
    const depth = refs.clone_depth ? ` --depth ${Math.trunc(refs.clone_depth)}` : '';
    const base = refs.base_ref ?? '';
    lines.push(
      `echo ${shellQuote(`cloning ${refs.org}/${refs.repo}${base ? ` at ${base}` : ''}`)}`,
      `mkdir -p ${shellQuote(clonePath(refs))}`,
      '(',
      `cd ${shellQuote(clonePath(refs))}`,
      'git init -q',
    );
    if (base) lines.push(`git_ fetch -q${depth} ${url} ${shellQuote(base)}`);
    else lines.push(`git_ fetch -q${depth} ${url} HEAD`);
    if (refs.base_sha) {
      const sha = shellQuote(refs.base_sha);
      lines.push(`has ${sha} || git_ fetch -q${depth} ${url} ${sha}`, `git checkout -q ${sha}`);
    } else lines.push('git checkout -q FETCH_HEAD');
    if (base) lines.push(`git branch -q --force ${shellQuote(base)}`, `git checkout -q ${shellQuote(base)}`);
    for (const pull of refs.pulls ?? []) {
      const sha = shellQuote(pull.sha);
      const ref = shellQuote(pull.ref ?? `pull/${pull.number}/head`);
      lines.push(
        `echo ${shellQuote(`merging #${pull.number} at ${pull.sha}`)}`,
        `git_ fetch -q ${url} ${ref} || true`,
        `has ${sha} || git_ fetch -q ${url} ${sha}`,
        `git_ merge -q --no-ff -m ${shellQuote(`Merge #${pull.number}`)} ${sha}`,
      );
    }
    if (refs.skip_submodules !== true) lines.push('git_ submodule -q update --init --recursive');
    lines.push('git log -1 --format="checked out %H"', ')');
  }
  return lines.join('\n') + '\n';
}

/** kubelet expands `$(VAR)` in command and args; `$$` keeps a literal `$`. */
function literal(text: string): string {
  // a function: in a replacement string `$$` would mean one `$`
  return text.replaceAll('$', () => '$$');
}

/** Prow's `BUILD_ID`: decimal, increasing with time, unique per controller (a small snowflake). */
export function newBuildId(nowMs: number, sequence: number): string {
  return (BigInt(Math.trunc(nowMs)) * 1000n + BigInt(sequence % 1000)).toString();
}

/** A label value as Kubernetes allows it (≤ 63, alphanumeric at both ends). */
function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/**
 * The run's Pod: named after the JobRun, in `podNamespace(run)`, `restartPolicy: Never`, on
 * `options.runtimeClassName` unless the job's pod spec names one. `run.status.build_id` must be set.
 */
export function podForRun(run: JobRun, options: PodOptions = {}): Pod {
  const name = run.metadata.name ?? '';
  const spec: PodSpec = structuredClone(run.spec.pod_spec ?? {});
  const containers: Container[] = spec.containers ?? [];
  if (containers.length === 0) throw new InvalidJobError(`jobrun ${name}: pod_spec has no containers`);
  if (isDecorated(run) && containers.length !== 1)
    throw new InvalidJobError(
      `jobrun ${name}: a decorated job has exactly one container (it has ${containers.length})`,
    );
  spec.containers = containers;
  spec.restartPolicy = 'Never';
  if (spec.runtimeClassName === undefined && options.runtimeClassName !== undefined)
    spec.runtimeClassName = options.runtimeClassName;
  const test = containers[0]!;
  test.name ??= testContainer;

  const env = prowEnv(run, { artifacts: `${logsDir}/artifacts` });
  if (isDecorated(run)) decorate(run, spec, test, env, options);
  else delete env['ARTIFACTS'];
  test.env = [...(test.env ?? []), ...Object.entries(env).map(([n, value]) => ({ name: n, value }))];

  const buildId = run.status?.build_id ?? '';
  const labels: Record<string, string> = {
    ...(run.metadata.labels ?? {}),
    [runLabel]: name,
    'created-by-prow': 'true',
    [prowJobLabel]: labelValue(run.spec.job),
    [prowTypeLabel]: run.spec.type,
    [prowIdLabel]: labelValue(name),
    [prowBuildIdLabel]: labelValue(buildId),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: podNamespace(run),
      labels,
      annotations: {
        ...(run.metadata.annotations ?? {}),
        [runNamespaceAnnotation]: run.metadata.namespace ?? '',
        [prowJobLabel]: run.spec.job,
      },
      ...(options.ownerReference && { ownerReferences: [options.ownerReference] }),
    },
    spec,
  };
}

/** A pod spec the controller cannot run, whatever it retries: the run ends in `error`. */
export class InvalidJobError extends Error {
  readonly code = 'KEELSON_JOBRUN_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidJobError';
  }
}

function decorate(
  run: JobRun,
  spec: PodSpec,
  test: Container,
  env: Record<string, string>,
  options: PodOptions,
): void {
  const { timeoutMs, gracePeriodMs } = timeouts(run);
  spec.activeDeadlineSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  spec.terminationGracePeriodSeconds = Math.max(0, Math.ceil(gracePeriodMs / 1000));
  spec.volumes = [
    ...(spec.volumes ?? []),
    { name: logsVolume, emptyDir: {} },
    { name: workspaceVolume, emptyDir: {} },
  ];
  const workspaceMount = { name: workspaceVolume, mountPath: workspaceDir };
  test.volumeMounts = [
    ...(test.volumeMounts ?? []),
    { name: logsVolume, mountPath: logsDir },
    workspaceMount,
  ];
  const workdir = workdirRefs(run);
  const cloning = run.spec.decoration_config?.skip_cloning !== true && allRefs(run).length > 0;
  if (workdir !== undefined && cloning && test.workingDir === undefined)
    test.workingDir = `${workspaceDir}/${clonePath(workdir)}`;
  env['GOPATH'] = workspaceDir;
  if (cloning) {
    const secretEnv = options.cloneSecret
      ? ['username', 'password'].map((key) => ({
          name: `GIT_${key.toUpperCase()}`,
          valueFrom: { secretKeyRef: { name: options.cloneSecret, key, optional: true } },
        }))
      : [];
    spec.initContainers = [
      ...(spec.initContainers ?? []),
      {
        name: cloneContainer,
        image: cloneImage,
        command: ['/bin/sh', '-c', literal(cloneScript(run, options))],
        workingDir: workspaceDir,
        env: secretEnv,
        volumeMounts: [workspaceMount],
      },
    ];
  }
  // Prow's entrypoint: the command's output is kept in /logs as well as in the container's log
  const command = test.command?.length ? test.command : (test.args ?? []);
  const args = test.command?.length ? (test.args ?? []) : [];
  test.command = ['/bin/sh', '-c', literal(entrypointScript), 'entrypoint', ...command, ...args];
  delete test.args;
  if (options.artifacts !== undefined) {
    spec.containers = [
      ...(spec.containers ?? []),
      {
        name: sidecarContainer,
        image: sidecarImage,
        command: ['/bin/sh', '-c', literal(sidecarScript)],
        env: [
          { name: 'KEELSON_ARTIFACTS_URL', value: options.artifacts.uploadUrl },
          { name: 'KEELSON_ARTIFACTS_TOKEN', value: options.artifacts.token },
        ],
        volumeMounts: [{ name: logsVolume, mountPath: logsDir }],
      },
    ];
  }
}

/**
 * The entrypoint (Prow's, as a POSIX shell wrapper): points `ARTIFACTS` and `GOPATH` at the
 * volumes (a process sees absolute paths as the host's, so the runtime's `KEELSON_VOLUME_*` win
 * over `/logs`), writes started.json, runs the command with its output copied to build-log.txt,
 * passes SIGTERM on to it, and writes its exit code to the marker file the sidecar waits for.
 */
const entrypointScript = `logs="\${KEELSON_VOLUME_LOGS:-${logsDir}}"
mkdir -p "$logs/artifacts"
export ARTIFACTS="$logs/artifacts" GOPATH="\${KEELSON_VOLUME_CODE:-${workspaceDir}}"
printf '{"timestamp":%s}\\n' "\`date +%s\`" > "$logs/started.json"
fifo="$logs/.output"
rm -f "$fifo" && mkfifo "$fifo"
( trap '' TERM INT; exec tee "$logs/${buildLogFile}" < "$fifo" ) &
"$@" > "$fifo" 2>&1 &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
wait "$child"; code=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; code=$?; done
wait
rm -f "$fifo"
echo "$code" > "$logs/${markerFile}"
exit "$code"
`;

/**
 * The sidecar (Prow's): waits for the marker file, or for SIGTERM (the timeout or an abort: then
 * it gives the entrypoint a few seconds to write it), writes finished.json, and PUTs a tar.gz of
 * `/logs` to the artifact store, retrying. Its exit code is curl's.
 */
const sidecarScript = `logs="\${KEELSON_VOLUME_LOGS:-${logsDir}}"
stop=
trap 'stop=1' TERM INT
while [ ! -f "$logs/${markerFile}" ] && [ -z "$stop" ]; do sleep 0.2; done
i=0
while [ ! -f "$logs/${markerFile}" ] && [ "$i" -lt 25 ]; do sleep 0.2; i=$((i+1)); done
code=\`cat "$logs/${markerFile}" 2>/dev/null\`
if [ "$code" = 0 ]; then passed=true; result=SUCCESS
elif [ -n "$stop" ]; then passed=false; result=ABORTED
else passed=false; result=FAILURE; fi
printf '{"timestamp":%s,"passed":%s,"result":"%s"}\\n' "\`date +%s\`" "$passed" "$result" > "$logs/finished.json"
archive=\`mktemp\`
tar -czf "$archive" -C "$logs" --exclude ./.output . || { rm -f "$archive"; exit 1; }
curl -sS --fail --retry 5 --retry-all-errors --retry-delay 1 -H "Authorization: Bearer $KEELSON_ARTIFACTS_TOKEN" -H 'Content-Type: application/gzip' -X PUT --data-binary "@$archive" "$KEELSON_ARTIFACTS_URL"
status=$?
rm -f "$archive"
echo
exit "$status"
`;
