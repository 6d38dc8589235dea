/**
 * Prow's environment for a job run (sigs.k8s.io/prow pkg/pod-utils/downwardapi): JOB_SPEC is the
 * JSON Go's encoding/json writes for `downwardapi.JobSpec` (struct field order, omitempty,
 * durations as Go prints them), so tools that parse it work unchanged.
 */
import { parseDuration } from '../../base/duration.ts';
import type { JobRun, JobRunSpec } from '../crds/ci.ts';
import type { Job, JobType, Pull, Refs } from './types.ts';

/** Go's time.Duration.String() for a duration string (`60m` → `1h0m0s`); kept as given if invalid. */
export function goDurationString(text: string): string {
  const ms = parseDuration(text);
  if (ms === undefined) return text;
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${trim(rest)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = `${trim(rest / 1000)}s`;
  if (h > 0) return `${sign}${h}h${m}m${s}`;
  if (m > 0) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}

function trim(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}

type Field = [name: string, omitEmpty: boolean];

function ordered(
  value: Record<string, unknown>,
  fields: Field[],
  nested: Record<string, (v: unknown) => unknown> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const known = new Set(fields.map(([f]) => f));
  for (const [name, omitEmpty] of fields) {
    const v = value[name];
    if (v === undefined || v === null) {
      if (!omitEmpty) out[name] = name === 'number' ? 0 : '';
      continue;
    }
    if (omitEmpty && (v === '' || v === false || v === 0 || (Array.isArray(v) && v.length === 0))) continue;
    out[name] = nested[name]?.(v) ?? v;
  }
  for (const [name, v] of Object.entries(value)) if (!known.has(name) && v !== undefined) out[name] = v;
  return out;
}

const pullFields: Field[] = [
  ['number', false],
  ['author', false],
  ['sha', false],
  ['title', true],
  ['ref', true],
  ['head_ref', true],
  ['link', true],
  ['commit_link', true],
  ['author_link', true],
];

const refsFields: Field[] = [
  ['org', false],
  ['repo', false],
  ['repo_link', true],
  ['base_ref', true],
  ['base_sha', true],
  ['base_link', true],
  ['pulls', true],
  ['path_alias', true],
  ['workdir', true],
  ['auxiliary', true],
  ['clone_uri', true],
  ['skip_submodules', true],
  ['clone_depth', true],
  ['skip_fetch_head', true],
];

function refsJson(refs: Refs): Record<string, unknown> {
  return ordered(refs as unknown as Record<string, unknown>, refsFields, {
    pulls: (pulls) =>
      (pulls as Pull[]).map((p) => ordered(p as unknown as Record<string, unknown>, pullFields)),
  });
}

/** DecorationConfig's field order in Prow's types.go; pointer fields are kept even when empty. */
const decorationOrder = [
  'timeout',
  'grace_period',
  'utility_images',
  'resources',
  'gcs_configuration',
  'gcs_credentials_secret',
  's3_credentials_secret',
  'default_service_account_name',
  'ssh_key_secrets',
  'ssh_host_fingerprints',
  'blobless_fetch',
  'sparse_checkout_files',
  'skip_cloning',
  'cookiefile_secret',
  'oauth_token_secret',
  'github_api_endpoints',
  'github_app_id',
  'github_app_private_key_secret',
  'censor_secrets',
  'censoring_options',
  'upload_ignores_interrupts',
  'set_limit_equals_memory_request',
  'default_memory_request',
  'scheduling_options',
  'pod_pending_timeout',
  'pod_running_timeout',
  'pod_unscheduled_timeout',
  'run_as_user',
  'run_as_group',
  'fs_group',
];
const durations = new Set([
  'timeout',
  'grace_period',
  'pod_pending_timeout',
  'pod_running_timeout',
  'pod_unscheduled_timeout',
]);
const sliceFields = new Set([
  'ssh_key_secrets',
  'ssh_host_fingerprints',
  'sparse_checkout_files',
  'github_api_endpoints',
]);

function decorationJson(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = [...decorationOrder, ...Object.keys(config).filter((k) => !decorationOrder.includes(k))];
  for (const key of keys) {
    const v = config[key];
    if (v === undefined || v === null) continue;
    if (sliceFields.has(key) && Array.isArray(v) && v.length === 0) continue;
    if (key === 'github_app_id' && v === '') continue;
    out[key] = durations.has(key) && typeof v === 'string' ? goDurationString(v) : v;
  }
  return out;
}

/** The ids a run is known by: Prow's BUILD_ID (`status.build_id`) and PROW_JOB_ID (the object's name). */
function ids(run: JobRun): { buildId: string; prowJobId: string } {
  const prowJobId = run.metadata.name ?? '';
  return { buildId: run.status?.build_id ?? prowJobId, prowJobId };
}

/** `JOB_SPEC`: downwardapi.JobSpec as Go marshals it. */
export function jobSpecJson(run: JobRun): string {
  const { buildId, prowJobId } = ids(run);
  const spec = run.spec;
  const out: Record<string, unknown> = {};
  if (spec.type) out['type'] = spec.type;
  if (spec.job) out['job'] = spec.job;
  if (buildId) out['buildid'] = buildId;
  if (prowJobId) out['prowjobid'] = prowJobId;
  if (spec.refs !== undefined) out['refs'] = refsJson(spec.refs);
  if (spec.extra_refs !== undefined && spec.extra_refs.length > 0)
    out['extra_refs'] = spec.extra_refs.map(refsJson);
  if (spec.decoration_config !== undefined) out['decoration_config'] = decorationJson(spec.decoration_config);
  return JSON.stringify(out);
}

/** Prow's PULL_REFS: `base_ref:base_sha,number:sha[:ref],…`. */
export function pullRefs(refs: Refs): string {
  const parts = [refs.base_sha ? `${refs.base_ref ?? ''}:${refs.base_sha}` : (refs.base_ref ?? '')];
  for (const pull of refs.pulls ?? [])
    parts.push(pull.ref ? `${pull.number}:${pull.sha}:${pull.ref}` : `${pull.number}:${pull.sha}`);
  return parts.join(',');
}

/**
 * The environment Prow gives a job's test container: CI, JOB_NAME, JOB_TYPE, JOB_SPEC, BUILD_ID,
 * BUILD_NUMBER, PROW_JOB_ID; with refs, REPO_OWNER, REPO_NAME, PULL_BASE_REF, PULL_BASE_SHA,
 * PULL_REFS; for presubmits, PULL_NUMBER, PULL_PULL_SHA, PULL_HEAD_REF, PULL_TITLE; and ARTIFACTS
 * (the decorated job's artifact directory, `/logs/artifacts` in Prow).
 */
export function prowEnv(run: JobRun, options: { artifacts?: string } = {}): Record<string, string> {
  const { buildId, prowJobId } = ids(run);
  const spec = run.spec;
  const env: Record<string, string> = {
    CI: 'true',
    JOB_NAME: spec.job,
    BUILD_ID: buildId,
    PROW_JOB_ID: prowJobId,
    JOB_TYPE: spec.type,
    BUILD_NUMBER: buildId,
    JOB_SPEC: jobSpecJson(run),
    ARTIFACTS: options.artifacts ?? '/logs/artifacts',
  };
  if (spec.type === 'periodic' || spec.refs === undefined) return env;
  env['REPO_OWNER'] = spec.refs.org;
  env['REPO_NAME'] = spec.refs.repo;
  env['PULL_BASE_REF'] = spec.refs.base_ref ?? '';
  env['PULL_BASE_SHA'] = spec.refs.base_sha ?? '';
  env['PULL_REFS'] = pullRefs(spec.refs);
  if (spec.type === 'postsubmit' || spec.type === 'batch') return env;
  const pull = spec.refs.pulls?.[0];
  env['PULL_NUMBER'] = String(pull?.number ?? '');
  env['PULL_PULL_SHA'] = pull?.sha ?? '';
  env['PULL_HEAD_REF'] = pull?.head_ref ?? '';
  env['PULL_TITLE'] = pull?.title ?? '';
  return env;
}

/**
 * A JobRun spec for `job` (Prow's pjutil.NewProwJob): `refs` is the code under test (unset for a
 * periodic); `type` may be `batch` for a presubmit tested on several PRs at once.
 */
export function jobRunSpecFor(job: Job, refs?: Refs, type: JobType = job.type): JobRunSpec {
  const spec: JobRunSpec = {
    type,
    job: job.name,
    cluster: job.cluster,
    ...(job.namespace === undefined ? {} : { namespace: job.namespace }),
    max_concurrency: job.max_concurrency,
  };
  if (refs !== undefined && job.type !== 'periodic') {
    spec.refs = {
      ...refs,
      ...(job.path_alias === undefined ? {} : { path_alias: job.path_alias }),
      ...(job.clone_uri === undefined ? {} : { clone_uri: job.clone_uri }),
      ...(job.skip_submodules === undefined ? {} : { skip_submodules: job.skip_submodules }),
      ...(job.clone_depth === undefined ? {} : { clone_depth: job.clone_depth }),
    };
  }
  if (job.extra_refs.length > 0) spec.extra_refs = structuredClone(job.extra_refs);
  if (job.type !== 'periodic') {
    spec.context = job.context;
    spec.report = !job.skip_report;
    if (job.type === 'presubmit') spec.rerun_command = job.rerun_command;
  } else spec.report = false;
  if (job.spec !== undefined) spec.pod_spec = structuredClone(job.spec);
  if (job.decorate) spec.decoration_config = structuredClone(job.decoration_config ?? {});
  if (job.reporter_config !== undefined) spec.reporter_config = structuredClone(job.reporter_config);
  return spec;
}
