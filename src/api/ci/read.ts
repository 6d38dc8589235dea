/**
 * Reads Prow job YAML into Keelson's job types: every field is type-checked, fields Keelson cannot
 * honour and fields Prow does not know are reported as warnings (never dropped silently), wrong types
 * are errors. Defaults are applied later (config.ts), once presets and plank defaults are known.
 */
import type { ConfigIssue } from './errors.ts';
import type {
  DecorationConfig,
  JobBase,
  JobSource,
  JobState,
  Periodic,
  Postsubmit,
  Presubmit,
  Preset,
  Refs,
  ReporterConfig,
} from './types.ts';
import { jobStates } from './types.ts';
import { childPath, type ParsedYaml } from './yaml-source.ts';

type Kind = 'string' | 'boolean' | 'integer' | 'stringList' | 'stringMap' | 'object' | 'list';

/** `true`: Keelson honours the field. A string: why it does not (the warning text). */
type Support = true | string;

interface Rule {
  kind: Kind;
  support: Support;
}

const noDeck = 'Keelson has no Deck; the field is kept out of the job';

/** Prow's `JobBase` + `UtilityConfig` fields. */
export const jobBaseRules: Record<string, Rule> = {
  name: { kind: 'string', support: true },
  labels: { kind: 'stringMap', support: true },
  annotations: { kind: 'stringMap', support: true },
  max_concurrency: { kind: 'integer', support: true },
  agent: { kind: 'string', support: true },
  cluster: { kind: 'string', support: true },
  namespace: { kind: 'string', support: true },
  spec: { kind: 'object', support: true },
  decorate: { kind: 'boolean', support: true },
  decoration_config: { kind: 'object', support: true },
  reporter_config: { kind: 'object', support: true },
  extra_refs: { kind: 'list', support: true },
  path_alias: { kind: 'string', support: true },
  clone_uri: { kind: 'string', support: true },
  skip_submodules: { kind: 'boolean', support: true },
  clone_depth: { kind: 'integer', support: true },
  hidden: { kind: 'boolean', support: true },
  error_on_eviction: { kind: 'boolean', support: 'not supported: an evicted job pod is replaced' },
  rerun_auth_config: { kind: 'object', support: `not supported: ${noDeck}` },
  job_queue_name: {
    kind: 'string',
    support: 'not supported: job queues are not implemented; use max_concurrency',
  },
  prowjob_defaults: { kind: 'object', support: 'not supported: ResultStore and tenants are not implemented' },
  skip_fetch_head: { kind: 'boolean', support: 'not supported: the clone always fetches the base ref' },
  pipeline_run_spec: { kind: 'object', support: 'not supported: Keelson runs pods, not Tekton pipelines' },
  tekton_pipeline_run_spec: {
    kind: 'object',
    support: 'not supported: Keelson runs pods, not Tekton pipelines',
  },
  jenkins_spec: { kind: 'object', support: 'not supported: Keelson runs pods, not Jenkins jobs' },
};

const brancherRules: Record<string, Rule> = {
  branches: { kind: 'stringList', support: true },
  skip_branches: { kind: 'stringList', support: true },
  run_if_changed: { kind: 'string', support: true },
  skip_if_only_changed: { kind: 'string', support: true },
  context: { kind: 'string', support: true },
  skip_report: { kind: 'boolean', support: true },
};

export const presubmitRules: Record<string, Rule> = {
  ...jobBaseRules,
  ...brancherRules,
  always_run: { kind: 'boolean', support: true },
  optional: { kind: 'boolean', support: true },
  trigger: { kind: 'string', support: true },
  rerun_command: { kind: 'string', support: true },
  run_before_merge: { kind: 'boolean', support: true },
};

export const postsubmitRules: Record<string, Rule> = {
  ...jobBaseRules,
  ...brancherRules,
  always_run: { kind: 'boolean', support: true },
};

export const periodicRules: Record<string, Rule> = {
  ...jobBaseRules,
  cron: { kind: 'string', support: true },
  interval: { kind: 'string', support: true },
  minimum_interval: { kind: 'string', support: true },
  tags: { kind: 'stringList', support: true },
  retry: {
    kind: 'object',
    support: 'not supported: failed periodics are not retried; they run at the next schedule',
  },
};

const decorationRules: Record<string, Support> = {
  timeout: true,
  grace_period: true,
  skip_cloning: true,
  pod_pending_timeout: true,
  pod_running_timeout: true,
  pod_unscheduled_timeout: true,
  utility_images:
    "not used: Keelson's clone and upload containers run its own scripts (git, tar, curl), not Prow's binaries",
};
const decorationUnsupported =
  "not supported: Keelson decorates pods itself (clone, entrypoint, and a sidecar uploading logs and artifacts to Keelson's artifact store)";

/** DecorationConfig's duration fields, as Go durations. */
export const decorationDurations = [
  'timeout',
  'grace_period',
  'pod_pending_timeout',
  'pod_running_timeout',
  'pod_unscheduled_timeout',
] as const;

const slackRules: Record<string, Support> = {
  channel: true,
  job_states_to_report: true,
  report_template: 'not supported: Keelson posts its own message format',
};

const refsRules: Record<string, Support> = {
  org: true,
  repo: true,
  repo_link: true,
  base_ref: true,
  base_sha: true,
  base_link: true,
  path_alias: true,
  workdir: true,
  clone_uri: true,
  skip_submodules: true,
  clone_depth: true,
  auxiliary: 'not supported: ignored',
  skip_fetch_head: 'not supported: the clone always fetches the base ref',
  blobless_fetch: 'not supported: clones fetch blobs',
  sparse_checkout_files: 'not supported: clones check out the whole tree',
};

/** Collects issues for one file while reading it. */
export class Reader {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  constructor(readonly parsed: ParsedYaml) {}

  issue(path: string, message: string, job?: string): ConfigIssue {
    const { line, column } = this.parsed.at(path);
    return {
      file: this.parsed.file,
      line,
      column,
      field: path,
      ...(job === undefined ? {} : { job }),
      message,
    };
  }

  error(path: string, message: string, job?: string): void {
    this.errors.push(this.issue(path, message, job));
  }

  warn(path: string, message: string, job?: string): void {
    this.warnings.push(this.issue(path, message, job));
  }

  source(path: string): JobSource {
    const { line, column } = this.parsed.at(path);
    return { file: this.parsed.file, line, column, path };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const kindWords: Record<Kind, string> = {
  string: 'a string',
  boolean: 'a boolean',
  integer: 'an integer',
  stringList: 'a list of strings',
  stringMap: 'a map of strings',
  object: 'a map',
  list: 'a list',
};

function hasKind(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'stringList':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'stringMap':
      return isRecord(value) && Object.values(value).every((v) => typeof v === 'string');
    case 'object':
      return isRecord(value);
    case 'list':
      return Array.isArray(value);
  }
}

/**
 * Type-checks `raw`'s fields against `rules`, reporting unknown and unsupported fields. Returns the
 * fields that passed (unsupported ones left out: they were reported).
 */
function checkFields(
  reader: Reader,
  raw: Record<string, unknown>,
  path: string,
  rules: Record<string, Rule>,
  what: string,
  job: string | undefined,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = childPath(path, key);
    const rule = rules[key];
    if (rule === undefined) {
      reader.warn(field, `unknown field: Prow's ${what} has no such field; ignored`, job);
      continue;
    }
    if (value === null) continue;
    if (!hasKind(value, rule.kind)) {
      reader.error(field, `must be ${kindWords[rule.kind]}, got ${describe(value)}`, job);
      continue;
    }
    if (rule.support !== true) {
      reader.warn(field, rule.support, job);
      continue;
    }
    kept[key] = value;
  }
  return kept;
}

function checkSubfields(
  reader: Reader,
  raw: Record<string, unknown>,
  path: string,
  rules: Record<string, Support>,
  unsupported: string,
  job: string | undefined,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = childPath(path, key);
    const support = rules[key];
    if (support === true) kept[key] = value;
    else reader.warn(field, support ?? unsupported, job);
  }
  return kept;
}

function readDecoration(
  reader: Reader,
  raw: Record<string, unknown>,
  path: string,
  job: string | undefined,
): DecorationConfig {
  const kept = checkSubfields(reader, raw, path, decorationRules, decorationUnsupported, job);
  const out: DecorationConfig = {};
  for (const key of decorationDurations) {
    const value = kept[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string')
      reader.error(childPath(path, key), `must be a duration string, got ${describe(value)}`, job);
    else out[key] = value;
  }
  if (kept['skip_cloning'] !== undefined) {
    if (typeof kept['skip_cloning'] !== 'boolean')
      reader.error(
        childPath(path, 'skip_cloning'),
        `must be a boolean, got ${describe(kept['skip_cloning'])}`,
        job,
      );
    else out.skip_cloning = kept['skip_cloning'];
  }
  return out;
}

/** Reads a Prow `DecorationConfig` map (also used for plank's defaults). */
export { readDecoration };

function readReporter(
  reader: Reader,
  raw: Record<string, unknown>,
  path: string,
  job: string,
): ReporterConfig {
  const out: ReporterConfig = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = childPath(path, key);
    if (key !== 'slack') {
      reader.warn(field, 'not supported: only the slack reporter is implemented', job);
      continue;
    }
    if (!isRecord(value)) {
      reader.error(field, `must be a map, got ${describe(value)}`, job);
      continue;
    }
    const kept = checkSubfields(reader, value, field, slackRules, 'unknown field: ignored', job);
    const slack: NonNullable<ReporterConfig['slack']> = {};
    if (kept['channel'] !== undefined) {
      if (typeof kept['channel'] !== 'string')
        reader.error(childPath(field, 'channel'), `must be a string, got ${describe(kept['channel'])}`, job);
      else slack.channel = kept['channel'];
    }
    const states = kept['job_states_to_report'];
    if (states !== undefined && states !== null) {
      const statesPath = childPath(field, 'job_states_to_report');
      if (!Array.isArray(states))
        reader.error(statesPath, `must be a list of job states, got ${describe(states)}`, job);
      else {
        const good: JobState[] = [];
        states.forEach((state, i) => {
          if (typeof state === 'string' && (jobStates as readonly string[]).includes(state))
            good.push(state as JobState);
          else
            reader.error(
              childPath(statesPath, i),
              `unknown job state ${JSON.stringify(state)}: one of ${jobStates.join(', ')}`,
              job,
            );
        });
        slack.job_states_to_report = good;
      }
    }
    out.slack = slack;
  }
  return out;
}

/** Reads one `extra_refs` entry (Prow's `Refs`). */
export function readRefs(reader: Reader, raw: unknown, path: string, job?: string): Refs | undefined {
  if (!isRecord(raw)) {
    reader.error(path, `must be a map with org and repo, got ${describe(raw)}`, job);
    return undefined;
  }
  const kept = checkSubfields(reader, raw, path, refsRules, 'unknown field: ignored', job);
  let ok = true;
  for (const key of ['org', 'repo'] as const) {
    if (typeof kept[key] !== 'string' || kept[key] === '') {
      reader.error(childPath(path, key), 'required: a non-empty string', job);
      ok = false;
    }
  }
  const strings = ['repo_link', 'base_ref', 'base_sha', 'base_link', 'path_alias', 'clone_uri'] as const;
  for (const key of strings) {
    if (kept[key] !== undefined && typeof kept[key] !== 'string') {
      reader.error(childPath(path, key), `must be a string, got ${describe(kept[key])}`, job);
      ok = false;
    }
  }
  for (const key of ['workdir', 'skip_submodules'] as const) {
    if (kept[key] !== undefined && typeof kept[key] !== 'boolean') {
      reader.error(childPath(path, key), `must be a boolean, got ${describe(kept[key])}`, job);
      ok = false;
    }
  }
  if (kept['clone_depth'] !== undefined && !Number.isInteger(kept['clone_depth'])) {
    reader.error(
      childPath(path, 'clone_depth'),
      `must be an integer, got ${describe(kept['clone_depth'])}`,
      job,
    );
    ok = false;
  }
  return ok ? (kept as unknown as Refs) : undefined;
}

function readBase(
  reader: Reader,
  kept: Record<string, unknown>,
  path: string,
  name: string,
): Omit<JobBase, 'source'> & { source: JobSource } {
  const base: JobBase = {
    name,
    labels: (kept['labels'] as Record<string, string> | undefined) ?? {},
    annotations: (kept['annotations'] as Record<string, string> | undefined) ?? {},
    max_concurrency: (kept['max_concurrency'] as number | undefined) ?? 0,
    agent: (kept['agent'] as string | undefined) ?? '',
    cluster: (kept['cluster'] as string | undefined) ?? '',
    decorate: false,
    extra_refs: [],
    hidden: (kept['hidden'] as boolean | undefined) ?? false,
    source: reader.source(path),
  };
  if (kept['namespace'] !== undefined) base.namespace = kept['namespace'] as string;
  if (kept['spec'] !== undefined) base.spec = structuredClone(kept['spec']) as JobBase['spec'] & object;
  if (kept['decorate'] !== undefined) base.decorate = kept['decorate'] as boolean;
  if (kept['decoration_config'] !== undefined)
    base.decoration_config = readDecoration(
      reader,
      kept['decoration_config'] as Record<string, unknown>,
      childPath(path, 'decoration_config'),
      name,
    );
  if (kept['reporter_config'] !== undefined)
    base.reporter_config = readReporter(
      reader,
      kept['reporter_config'] as Record<string, unknown>,
      childPath(path, 'reporter_config'),
      name,
    );
  if (kept['extra_refs'] !== undefined) {
    const refsPath = childPath(path, 'extra_refs');
    (kept['extra_refs'] as unknown[]).forEach((raw, i) => {
      const refs = readRefs(reader, raw, childPath(refsPath, i), name);
      if (refs !== undefined) base.extra_refs.push(refs);
    });
  }
  for (const key of ['path_alias', 'clone_uri'] as const)
    if (kept[key] !== undefined) base[key] = kept[key] as string;
  if (kept['skip_submodules'] !== undefined) base.skip_submodules = kept['skip_submodules'] as boolean;
  if (kept['clone_depth'] !== undefined) base.clone_depth = kept['clone_depth'] as number;
  if (base.agent !== '' && base.agent !== 'kubernetes')
    reader.warn(
      childPath(path, 'agent'),
      `not supported: agent ${JSON.stringify(base.agent)}; Keelson runs only kubernetes pods, so this job never runs`,
      name,
    );
  return base;
}

function jobName(reader: Reader, raw: Record<string, unknown>, path: string): string | undefined {
  const name = raw['name'];
  if (typeof name !== 'string' || name === '') {
    reader.error(childPath(path, 'name'), 'required: every job needs a name');
    return undefined;
  }
  return name;
}

function readChangeAndBranches(kept: Record<string, unknown>): {
  branches: string[];
  skip_branches: string[];
  run_if_changed?: string;
  skip_if_only_changed?: string;
  context: string;
  skip_report: boolean;
} {
  return {
    branches: (kept['branches'] as string[] | undefined) ?? [],
    skip_branches: (kept['skip_branches'] as string[] | undefined) ?? [],
    ...(typeof kept['run_if_changed'] === 'string' && kept['run_if_changed'] !== ''
      ? { run_if_changed: kept['run_if_changed'] }
      : {}),
    ...(typeof kept['skip_if_only_changed'] === 'string' && kept['skip_if_only_changed'] !== ''
      ? { skip_if_only_changed: kept['skip_if_only_changed'] }
      : {}),
    context: (kept['context'] as string | undefined) ?? '',
    skip_report: (kept['skip_report'] as boolean | undefined) ?? false,
  };
}

export function readPresubmit(
  reader: Reader,
  raw: unknown,
  path: string,
  repo: string,
  inRepo: boolean,
): Presubmit | undefined {
  if (!isRecord(raw)) {
    reader.error(path, `a presubmit must be a map, got ${describe(raw)}`);
    return undefined;
  }
  const name = jobName(reader, raw, path);
  const kept = checkFields(reader, raw, path, presubmitRules, 'presubmit', name);
  if (name === undefined) return undefined;
  return {
    ...readBase(reader, kept, path, name),
    ...readChangeAndBranches(kept),
    type: 'presubmit',
    repo,
    always_run: (kept['always_run'] as boolean | undefined) ?? false,
    optional: (kept['optional'] as boolean | undefined) ?? false,
    run_before_merge: (kept['run_before_merge'] as boolean | undefined) ?? false,
    trigger: (kept['trigger'] as string | undefined) ?? '',
    rerun_command: (kept['rerun_command'] as string | undefined) ?? '',
    inRepo,
  };
}

export function readPostsubmit(
  reader: Reader,
  raw: unknown,
  path: string,
  repo: string,
  inRepo: boolean,
): Postsubmit | undefined {
  if (!isRecord(raw)) {
    reader.error(path, `a postsubmit must be a map, got ${describe(raw)}`);
    return undefined;
  }
  const name = jobName(reader, raw, path);
  const kept = checkFields(reader, raw, path, postsubmitRules, 'postsubmit', name);
  if (name === undefined) return undefined;
  return {
    ...readBase(reader, kept, path, name),
    ...readChangeAndBranches(kept),
    type: 'postsubmit',
    repo,
    ...(kept['always_run'] === undefined ? {} : { always_run: kept['always_run'] as boolean }),
    inRepo,
  };
}

export function readPeriodic(reader: Reader, raw: unknown, path: string): Periodic | undefined {
  if (!isRecord(raw)) {
    reader.error(path, `a periodic must be a map, got ${describe(raw)}`);
    return undefined;
  }
  const name = jobName(reader, raw, path);
  const kept = checkFields(reader, raw, path, periodicRules, 'periodic', name);
  if (name === undefined) return undefined;
  const periodic: Periodic = { ...readBase(reader, kept, path, name), type: 'periodic', tags: [] };
  for (const key of ['cron', 'interval', 'minimum_interval'] as const)
    if (typeof kept[key] === 'string' && kept[key] !== '') periodic[key] = kept[key];
  if (kept['tags'] !== undefined) periodic.tags = kept['tags'] as string[];
  return periodic;
}

const presetRules: Record<string, Rule> = {
  labels: { kind: 'stringMap', support: true },
  env: { kind: 'list', support: true },
  volumes: { kind: 'list', support: true },
  volumeMounts: { kind: 'list', support: true },
  tolerations: { kind: 'list', support: true },
};

export function readPreset(reader: Reader, raw: unknown, path: string): Preset | undefined {
  if (!isRecord(raw)) {
    reader.error(path, `a preset must be a map, got ${describe(raw)}`);
    return undefined;
  }
  const kept = checkFields(reader, raw, path, presetRules, 'preset', undefined);
  const preset: Preset = {
    labels: (kept['labels'] as Record<string, string> | undefined) ?? {},
    env: [],
    volumes: [],
    volumeMounts: [],
    tolerations: (kept['tolerations'] as unknown[] | undefined) ?? [],
  };
  for (const key of ['env', 'volumes', 'volumeMounts'] as const) {
    const list = (kept[key] as unknown[] | undefined) ?? [];
    list.forEach((item, i) => {
      if (isRecord(item) && typeof item['name'] === 'string') preset[key].push(item as { name: string });
      else reader.error(childPath(childPath(path, key), i), 'must be a map with a name');
    });
  }
  return preset;
}
