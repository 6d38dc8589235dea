/**
 * Prow's job model as Keelson loads it: the fields of Prow's `JobBase`, `Presubmit`, `Postsubmit`
 * and `Periodic` (sigs.k8s.io/prow pkg/config/jobs.go) with their YAML names, after defaulting.
 */

export type JobType = 'presubmit' | 'postsubmit' | 'periodic' | 'batch';

export type JobState = 'triggered' | 'pending' | 'success' | 'failure' | 'aborted' | 'error';

export const jobStates: readonly JobState[] = [
  'triggered',
  'pending',
  'success',
  'failure',
  'aborted',
  'error',
];

/** A pull request at one commit (Prow's `Pull`). */
export interface Pull {
  number: number;
  author: string;
  sha: string;
  title?: string;
  /** The git ref to fetch for the change, e.g. `pull/123/head`. */
  ref?: string;
  head_ref?: string;
  link?: string;
  commit_link?: string;
  author_link?: string;
}

/** What to clone (Prow's `Refs`). */
export interface Refs {
  org: string;
  repo: string;
  repo_link?: string;
  base_ref?: string;
  base_sha?: string;
  base_link?: string;
  pulls?: Pull[];
  path_alias?: string;
  workdir?: boolean;
  clone_uri?: string;
  skip_submodules?: boolean;
  clone_depth?: number;
}

/**
 * Prow's `DecorationConfig`: Keelson honours `timeout`, `grace_period`, `skip_cloning` and the pod
 * timeouts.
 */
export interface DecorationConfig {
  /** A Go duration: the job gets SIGTERM after it. */
  timeout?: string;
  /** A Go duration: SIGKILL this long after SIGTERM. */
  grace_period?: string;
  skip_cloning?: boolean;
  /** Go durations: how long a pod may stay Pending (scheduled), unscheduled, and Running. */
  pod_pending_timeout?: string;
  pod_unscheduled_timeout?: string;
  pod_running_timeout?: string;
  [field: string]: unknown;
}

export interface SlackReporterConfig {
  channel?: string;
  /** Which end states are posted; an empty list silences the job. */
  job_states_to_report?: JobState[];
  report_template?: string;
}

export interface ReporterConfig {
  slack?: SlackReporterConfig;
}

/** A Kubernetes PodSpec, kept as written (plus what presets add). */
export interface PodSpec {
  containers?: Container[];
  initContainers?: unknown[];
  volumes?: { name: string; [field: string]: unknown }[];
  tolerations?: unknown[];
  [field: string]: unknown;
}

export interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; [field: string]: unknown }[];
  volumeMounts?: { name: string; mountPath?: string; [field: string]: unknown }[];
  [field: string]: unknown;
}

/** Where a job was declared. `path` is its field path in `file`. */
export interface JobSource {
  file: string;
  line: number;
  column: number;
  path: string;
}

export interface JobBase {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** 0: no limit. */
  max_concurrency: number;
  /** Prow's default `kubernetes`; Keelson runs only that agent. */
  agent: string;
  /** The build cluster alias; `default` unless set. */
  cluster: string;
  namespace?: string;
  spec?: PodSpec;
  decorate: boolean;
  decoration_config?: DecorationConfig;
  reporter_config?: ReporterConfig;
  extra_refs: Refs[];
  path_alias?: string;
  clone_uri?: string;
  skip_submodules?: boolean;
  clone_depth?: number;
  hidden: boolean;
  source: JobSource;
}

/** The branch filter shared by presubmits and postsubmits. Regexes, unanchored, as in Prow. */
export interface Brancher {
  branches: string[];
  skip_branches: string[];
}

/** The changed-files filter: at most one of the two is set. Regexes, unanchored. */
export interface ChangeMatcher {
  run_if_changed?: string;
  skip_if_only_changed?: string;
}

export interface Presubmit extends JobBase, Brancher, ChangeMatcher {
  type: 'presubmit';
  /** `org/repo` the job belongs to. */
  repo: string;
  always_run: boolean;
  optional: boolean;
  skip_report: boolean;
  run_before_merge: boolean;
  /** Defaults to Prow's `(?m)^/test( | .* )NAME,?($|\s.*)`. */
  trigger: string;
  /** Defaults to `/test NAME`. */
  rerun_command: string;
  /** The commit status context; defaults to the job name. */
  context: string;
  /** True when the job came from the repository's `.prow.yaml` or `.prow/`. */
  inRepo: boolean;
}

export interface Postsubmit extends JobBase, Brancher, ChangeMatcher {
  type: 'postsubmit';
  repo: string;
  /** Unset means true for postsubmits (Prow's `*bool`). */
  always_run?: boolean;
  skip_report: boolean;
  context: string;
  inRepo: boolean;
}

export interface Periodic extends JobBase {
  type: 'periodic';
  cron?: string;
  interval?: string;
  minimum_interval?: string;
  tags: string[];
}

export type Job = Presubmit | Postsubmit | Periodic;

/** Settings merged into the pod spec of every job whose labels include all of `labels`. */
export interface Preset {
  labels: Record<string, string>;
  env: { name: string; [field: string]: unknown }[];
  volumes: { name: string; [field: string]: unknown }[];
  volumeMounts: { name: string; [field: string]: unknown }[];
  tolerations: unknown[];
}
