/**
 * Loading Prow job config: the central config (Prow's config.yaml plus job files, or JobConfig
 * resources) and a repository's in-repo `.prow.yaml` / `.prow/*.yaml`, merged per repository.
 * Pure: callers read the files and pass their text.
 */
import { JobConfigError, type ConfigIssue } from './errors.ts';
import {
  isRecord,
  readDecoration,
  readPeriodic,
  readPostsubmit,
  readPresubmit,
  readPreset,
  Reader,
} from './read.ts';
import type { DecorationConfig, Job, Periodic, PodSpec, Postsubmit, Presubmit, Preset } from './types.ts';
import { Placer, validatePeriodics, validateRepoJobs } from './validate.ts';
import { childPath, parseYaml, type ParsedYaml, type SourceFile } from './yaml-source.ts';

/** Prow's default trigger for a job: `/test NAME` on a line, among other job names. */
export function defaultTriggerFor(name: string): string {
  return `(?m)^/test( | .* )${name},?($|\\s.*)`;
}

export function defaultRerunCommandFor(name: string): string {
  return `/test ${name}`;
}

/** One `plank.default_decoration_config_entries` entry: applies to jobs of `repo` (org or org/repo) and `cluster`. */
export interface DefaultDecorationEntry {
  repo?: string;
  cluster?: string;
  config: DecorationConfig;
}

export interface InRepoConfigSettings {
  /** `*`, `org` or `org/repo` → enabled. */
  enabled: Record<string, boolean>;
  /** `*`, `org` or `org/repo` → build clusters in-repo jobs may use. `*` defaults to `[default]`. */
  allowed_clusters: Record<string, string[]>;
}

/** A loaded, defaulted and validated job config. */
export interface JobConfigSet {
  /** `org/repo` → presubmits from central config. */
  presubmits: Record<string, Presubmit[]>;
  postsubmits: Record<string, Postsubmit[]>;
  periodics: Periodic[];
  presets: Preset[];
  inRepoConfig: InRepoConfigSettings;
  decorateAllJobs: boolean;
  defaultDecoration: DefaultDecorationEntry[];
  /** Prow's `pod_namespace`: where job pods run unless a job says otherwise. */
  podNamespace: string;
  /** Fields and sections Keelson does not honour, and unknown fields. */
  warnings: ConfigIssue[];
}

const jobSections = new Set(['presubmits', 'postsubmits', 'periodics', 'presets']);

/** Central-config sections the job loader reads; others are Prow component settings. */
const centralSettings = new Set(['in_repo_config', 'decorate_all_jobs', 'pod_namespace', 'plank']);

interface Collected {
  presubmits: Record<string, Presubmit[]>;
  postsubmits: Record<string, Postsubmit[]>;
  periodics: Periodic[];
  presets: { preset: Preset; reader: Reader; path: string }[];
}

function collectJobSections(reader: Reader, top: Record<string, unknown>, into: Collected): void {
  for (const section of ['presubmits', 'postsubmits'] as const) {
    const raw = top[section];
    if (raw === undefined || raw === null) continue;
    if (!isRecord(raw)) {
      reader.error(section, `must be a map from org/repo to a list of jobs`);
      continue;
    }
    for (const [repo, list] of Object.entries(raw)) {
      const repoPath = childPath(section, repo);
      if (!repo.includes('/'))
        reader.warn(
          repoPath,
          `key ${JSON.stringify(repo)} names no repository: Prow matches jobs by exact org/repo, so these jobs never run`,
        );
      if (!Array.isArray(list)) {
        reader.error(repoPath, 'must be a list of jobs');
        continue;
      }
      list.forEach((raw, i) => {
        const path = childPath(repoPath, i);
        if (section === 'presubmits') {
          const job = readPresubmit(reader, raw, path, repo, false);
          if (job !== undefined) (into.presubmits[repo] ??= []).push(job);
        } else {
          const job = readPostsubmit(reader, raw, path, repo, false);
          if (job !== undefined) (into.postsubmits[repo] ??= []).push(job);
        }
      });
    }
  }
  const periodics = top['periodics'];
  if (periodics !== undefined && periodics !== null) {
    if (!Array.isArray(periodics)) reader.error('periodics', 'must be a list of jobs');
    else
      periodics.forEach((raw, i) => {
        const job = readPeriodic(reader, raw, childPath('periodics', i));
        if (job !== undefined) into.periodics.push(job);
      });
  }
  collectPresets(reader, top['presets'], into.presets);
}

function collectPresets(reader: Reader, raw: unknown, into: Collected['presets']): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) {
    reader.error('presets', 'must be a list of presets');
    return;
  }
  raw.forEach((item, i) => {
    const path = childPath('presets', i);
    const preset = readPreset(reader, item, path);
    if (preset !== undefined) into.push({ preset, reader, path });
  });
}

/** Prow's mergeJobConfigs check: no `label: value` pair may select two presets. */
function checkPresetPairs(presets: Collected['presets'], errors: ConfigIssue[]): void {
  const seen = new Set<string>();
  for (const { preset, reader, path } of presets) {
    for (const [label, value] of Object.entries(preset.labels)) {
      const pair = `${label}:${value}`;
      if (seen.has(pair))
        errors.push(
          reader.issue(childPath(path, 'labels'), `duplicated preset 'label:value' pair : ${pair}`),
        );
      seen.add(pair);
    }
  }
}

/**
 * Prow's `mergePreset` for one preset: when every preset label is on the job, its env and volume
 * mounts go into every container and its volumes and tolerations into the pod. Returns Prow's error.
 */
function mergePreset(preset: Preset, labels: Record<string, string>, spec: PodSpec): string | undefined {
  for (const [label, value] of Object.entries(preset.labels)) if (labels[label] !== value) return undefined;
  const containers = spec.containers ?? [];
  for (const env of preset.env)
    for (const container of containers) {
      if ((container.env ?? []).some((e) => e.name === env.name))
        return `env var duplicated in pod spec: ${env.name}`;
      (container.env ??= []).push(structuredClone(env));
    }
  for (const volume of preset.volumes) {
    if ((spec.volumes ?? []).some((v) => v.name === volume.name))
      return `volume duplicated in pod spec: ${volume.name}`;
    (spec.volumes ??= []).push(structuredClone(volume));
  }
  for (const mount of preset.volumeMounts)
    for (const container of containers) {
      if ((container.volumeMounts ?? []).some((m) => m.name === mount.name))
        return `volume mount duplicated in pod spec: ${mount.name}`;
      (container.volumeMounts ??= []).push(structuredClone(mount));
    }
  for (const toleration of preset.tolerations) {
    if ((spec.tolerations ?? []).some((t) => JSON.stringify(t) === JSON.stringify(toleration)))
      return `toleration duplicated in pod spec: ${JSON.stringify(toleration)}`;
    (spec.tolerations ??= []).push(structuredClone(toleration));
  }
  return undefined;
}

/** Prow's `resolvePresets`: applies every matching preset, in order, to the job's pod spec. */
export function resolvePresets(job: Job, presets: readonly Preset[]): string | undefined {
  if (job.spec === undefined) return undefined;
  for (const preset of presets) {
    const problem = mergePreset(preset, job.labels, job.spec);
    if (problem !== undefined) return `job ${job.name} failed to merge presets for podspec: ${problem}`;
  }
  return undefined;
}

function repoMatches(key: string | undefined, repo: string | undefined): boolean {
  if (key === undefined || key === '' || key === '*') return true;
  if (repo === undefined) return false;
  return key === repo || key === repo.split('/')[0];
}

interface Defaults {
  decorateAllJobs: boolean;
  defaultDecoration: readonly DefaultDecorationEntry[];
  podNamespace: string;
  presets: readonly Preset[];
}

/** Prow's defaulting: agent, cluster, namespace, context, trigger, decoration, then presets. */
function defaultJob(
  job: Job,
  defaults: Defaults,
  placer: Placer,
  errors: ConfigIssue[],
  decorateSet: boolean,
): void {
  if (job.agent === '') job.agent = 'kubernetes';
  if (job.cluster === '') job.cluster = 'default';
  if (job.namespace === undefined || job.namespace === '') job.namespace = defaults.podNamespace;
  if (job.type !== 'periodic' && job.context === '') job.context = job.name;
  if (job.type === 'presubmit' && job.trigger === '' && job.rerun_command === '') {
    job.trigger = defaultTriggerFor(job.name);
    job.rerun_command = defaultRerunCommandFor(job.name);
  }
  if (!decorateSet) job.decorate = defaults.decorateAllJobs;
  if (job.decorate) {
    const repo =
      job.type === 'periodic'
        ? job.extra_refs[0]
          ? `${job.extra_refs[0].org}/${job.extra_refs[0].repo}`
          : undefined
        : job.repo;
    let merged: DecorationConfig = {};
    for (const entry of defaults.defaultDecoration)
      if (repoMatches(entry.repo, repo) && (entry.cluster === undefined || entry.cluster === job.cluster))
        merged = { ...merged, ...entry.config };
    merged = { ...merged, ...(job.decoration_config ?? {}) };
    if (Object.keys(merged).length > 0) job.decoration_config = merged;
  }
  const problem = resolvePresets(job, defaults.presets);
  if (problem !== undefined) errors.push(placer.at(job, 'labels', problem));
}

function parseFile(
  source: SourceFile,
  files: Map<string, ParsedYaml>,
  errors: ConfigIssue[],
): Reader | undefined {
  const { parsed, errors: syntax } = parseYaml(source);
  errors.push(...syntax);
  if (parsed === undefined) return undefined;
  files.set(source.file, parsed);
  const reader = new Reader(parsed);
  if (parsed.value !== null && parsed.value !== undefined && !isRecord(parsed.value)) {
    reader.error('', 'must be a map');
    return reader;
  }
  return reader;
}

function readInRepoSettings(reader: Reader, raw: unknown): InRepoConfigSettings {
  const settings: InRepoConfigSettings = { enabled: {}, allowed_clusters: {} };
  if (raw === undefined || raw === null) return settings;
  if (!isRecord(raw)) {
    reader.error('in_repo_config', 'must be a map');
    return settings;
  }
  for (const [key, value] of Object.entries(raw)) {
    const path = childPath('in_repo_config', key);
    if (key === 'enabled' && isRecord(value)) {
      for (const [who, on] of Object.entries(value)) {
        if (typeof on === 'boolean') settings.enabled[who] = on;
        else reader.error(childPath(path, who), 'must be a boolean');
      }
    } else if (key === 'allowed_clusters' && isRecord(value)) {
      for (const [who, list] of Object.entries(value)) {
        if (Array.isArray(list) && list.every((c) => typeof c === 'string'))
          settings.allowed_clusters[who] = list;
        else reader.error(childPath(path, who), 'must be a list of cluster names');
      }
    } else
      reader.warn(
        path,
        key === 'enabled' || key === 'allowed_clusters' ? 'must be a map' : 'unknown field: ignored',
      );
  }
  return settings;
}

const plankTimeouts = new Set(['pod_pending_timeout', 'pod_running_timeout', 'pod_unscheduled_timeout']);

function readPlankDefaults(reader: Reader, raw: unknown): DefaultDecorationEntry[] {
  const out: DefaultDecorationEntry[] = [];
  if (!isRecord(raw)) return out;
  // plank's own pod timeouts are the defaults under every entry, as in Prow
  const timeouts: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (plankTimeouts.has(key)) timeouts[key] = raw[key];
    else if (key !== 'default_decoration_config_entries')
      reader.warn(childPath('plank', key), 'not read: Keelson runs jobs with its own controller, not plank');
  }
  if (Object.keys(timeouts).length > 0)
    out.push({ config: readDecoration(reader, timeouts, 'plank', undefined) });
  const entries = raw['default_decoration_config_entries'];
  if (!Array.isArray(entries)) return out;
  entries.forEach((entry, i) => {
    const path = childPath('plank.default_decoration_config_entries', i);
    if (!isRecord(entry)) return;
    const config = isRecord(entry['config'])
      ? readDecoration(reader, entry['config'], childPath(path, 'config'), undefined)
      : {};
    out.push({
      ...(typeof entry['repo'] === 'string' ? { repo: entry['repo'] } : {}),
      ...(typeof entry['cluster'] === 'string' ? { cluster: entry['cluster'] } : {}),
      config,
    });
  });
  return out;
}

/**
 * Loads central job config: Prow's `config.yaml` (its `presets`, job sections, `in_repo_config`,
 * `decorate_all_jobs`, `pod_namespace` and plank's default decoration) and job config files, each
 * `{ file, text }`. Throws JobConfigError listing every problem; returns warnings for the rest.
 */
export function loadJobConfig(input: { config?: SourceFile; jobs?: readonly SourceFile[] }): JobConfigSet {
  const errors: ConfigIssue[] = [];
  const readers: Reader[] = [];
  const files = new Map<string, ParsedYaml>();
  const collected: Collected = { presubmits: {}, postsubmits: {}, periodics: [], presets: [] };
  let inRepoConfig: InRepoConfigSettings = { enabled: {}, allowed_clusters: {} };
  let decorateAllJobs = false;
  let podNamespace = 'default';
  let defaultDecoration: DefaultDecorationEntry[] = [];
  if (input.config !== undefined) {
    const reader = parseFile(input.config, files, errors);
    if (reader !== undefined && isRecord(reader.parsed.value)) {
      readers.push(reader);
      const top = reader.parsed.value;
      collectJobSections(reader, top, collected);
      inRepoConfig = readInRepoSettings(reader, top['in_repo_config']);
      if (top['decorate_all_jobs'] !== undefined) {
        if (typeof top['decorate_all_jobs'] === 'boolean') decorateAllJobs = top['decorate_all_jobs'];
        else reader.error('decorate_all_jobs', 'must be a boolean');
      }
      if (typeof top['pod_namespace'] === 'string' && top['pod_namespace'] !== '')
        podNamespace = top['pod_namespace'];
      defaultDecoration = readPlankDefaults(reader, top['plank']);
      for (const key of Object.keys(top))
        if (!jobSections.has(key) && !centralSettings.has(key))
          reader.warn(key, `not read: ${key} configures a Prow component, not jobs`);
    }
  }
  for (const source of input.jobs ?? []) {
    const reader = parseFile(source, files, errors);
    if (reader === undefined || !isRecord(reader.parsed.value)) continue;
    readers.push(reader);
    const top = reader.parsed.value;
    collectJobSections(reader, top, collected);
    for (const key of Object.keys(top))
      if (!jobSections.has(key))
        reader.warn(
          key,
          'unknown field: a job config file holds presubmits, postsubmits, periodics and presets',
        );
  }
  if (inRepoConfig.allowed_clusters['*'] === undefined) inRepoConfig.allowed_clusters['*'] = ['default'];
  checkPresetPairs(collected.presets, errors);
  const placer = new Placer(files);
  const presets = collected.presets.map((p) => p.preset);
  const defaults: Defaults = { decorateAllJobs, defaultDecoration, podNamespace, presets };
  const all: Job[] = [
    ...Object.values(collected.presubmits).flat(),
    ...Object.values(collected.postsubmits).flat(),
    ...collected.periodics,
  ];
  for (const job of all) defaultJob(job, defaults, placer, errors, decorateWasSet(files, job));
  for (const jobs of Object.values(collected.presubmits)) errors.push(...validateRepoJobs(jobs, placer));
  for (const jobs of Object.values(collected.postsubmits)) errors.push(...validateRepoJobs(jobs, placer));
  errors.push(...validatePeriodics(collected.periodics, placer));
  for (const reader of readers) errors.push(...reader.errors);
  if (errors.length > 0) throw new JobConfigError(sortIssues(errors));
  return {
    presubmits: collected.presubmits,
    postsubmits: collected.postsubmits,
    periodics: collected.periodics,
    presets,
    inRepoConfig,
    decorateAllJobs,
    defaultDecoration,
    podNamespace,
    warnings: sortIssues(readers.flatMap((r) => r.warnings)),
  };
}

function decorateWasSet(files: ReadonlyMap<string, ParsedYaml>, job: Job): boolean {
  const value = files.get(job.source.file)?.value;
  let node: unknown = value;
  for (const part of job.source.path.match(/[^.[\]"]+|\[(\d+)\]|\["([^"]*)"\]/g) ?? []) {
    if (!isRecord(node) && !Array.isArray(node)) return false;
    const key = part.startsWith('["')
      ? (JSON.parse(part.slice(1, -1)) as string)
      : part.startsWith('[')
        ? Number(part.slice(1, -1))
        : part;
    node = (node as Record<string | number, unknown>)[key];
  }
  return isRecord(node) && typeof node['decorate'] === 'boolean';
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** Prow's `InRepoConfigEnabled`: `org/repo`, then `org`, then `*`. */
export function inRepoConfigEnabled(settings: InRepoConfigSettings, repo: string): boolean {
  const org = repo.split('/')[0] ?? repo;
  return settings.enabled[repo] ?? settings.enabled[org] ?? settings.enabled['*'] ?? false;
}

/** Prow's `InRepoConfigAllowsCluster`. */
export function inRepoConfigAllowsCluster(
  settings: InRepoConfigSettings,
  cluster: string,
  repo: string,
): boolean {
  const org = repo.split('/')[0] ?? repo;
  return [repo, org, '*'].some((key) => (settings.allowed_clusters[key] ?? []).includes(cluster));
}

export type InRepoConfigResult =
  | { ok: true; presubmits: Presubmit[]; postsubmits: Postsubmit[]; warnings: ConfigIssue[] }
  | { ok: false; error: JobConfigError; warnings: ConfigIssue[] };

const inRepoSections = new Set(['presets', 'presubmits', 'postsubmits', 'prow_ignored']);

/**
 * A repository's in-repo job config, read from the PR head (or the pushed commit). `files` are the
 * repository's `.prow.yaml` and `.prow/**.yaml` files with their repository paths; when `.prow/` has
 * YAML files, `.prow.yaml` is not read (Prow's rule). Only presets, presubmits and postsubmits (flat
 * lists: the repository is implied) may appear. Jobs are defaulted with the central presets plus the
 * in-repo ones and validated together with the central jobs of the repository. A bad config gives
 * `{ ok: false, error }`, for a failing status on the PR; it never throws.
 */
export function loadInRepoConfig(
  central: JobConfigSet,
  repo: string,
  files: readonly SourceFile[],
): InRepoConfigResult {
  const directory = files
    .filter((f) => /^\.prow\/.+\.ya?ml$/.test(f.file))
    .sort((a, b) => a.file.localeCompare(b.file));
  const chosen = directory.length > 0 ? directory : files.filter((f) => f.file === '.prow.yaml');
  if (chosen.length === 0) return { ok: true, presubmits: [], postsubmits: [], warnings: [] };
  if (!inRepoConfigEnabled(central.inRepoConfig, repo)) {
    const first = chosen[0] as SourceFile;
    return {
      ok: true,
      presubmits: [],
      postsubmits: [],
      warnings: [
        {
          file: first.file,
          line: 1,
          column: 1,
          field: '',
          message: `in-repo config is not enabled for ${repo} (in_repo_config.enabled); the file is not read`,
        },
      ],
    };
  }
  const errors: ConfigIssue[] = [];
  const readers: Reader[] = [];
  const parsedFiles = new Map<string, ParsedYaml>();
  const presubmits: Presubmit[] = [];
  const postsubmits: Postsubmit[] = [];
  const presets: Collected['presets'] = [];
  for (const source of chosen) {
    const reader = parseFile(source, parsedFiles, errors);
    if (reader === undefined || !isRecord(reader.parsed.value)) continue;
    readers.push(reader);
    const top = reader.parsed.value;
    for (const key of Object.keys(top)) {
      if (key === 'periodics')
        reader.error(
          key,
          'periodics are not allowed in in-repo config: only presets, presubmits and postsubmits are read',
        );
      else if (!inRepoSections.has(key))
        reader.warn(key, 'unknown field: in-repo config holds presets, presubmits and postsubmits');
    }
    for (const section of ['presubmits', 'postsubmits'] as const) {
      const list = top[section];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        reader.error(section, 'must be a list of jobs (in-repo jobs are not keyed by repository)');
        continue;
      }
      list.forEach((raw, i) => {
        const path = childPath(section, i);
        if (section === 'presubmits') {
          const job = readPresubmit(reader, raw, path, repo, true);
          if (job !== undefined) presubmits.push(job);
        } else {
          const job = readPostsubmit(reader, raw, path, repo, true);
          if (job !== undefined) postsubmits.push(job);
        }
      });
    }
    collectPresets(reader, top['presets'], presets);
  }
  const placer = new Placer(parsedFiles);
  const defaults: Defaults = {
    decorateAllJobs: central.decorateAllJobs,
    defaultDecoration: central.defaultDecoration,
    podNamespace: central.podNamespace,
    presets: [...central.presets, ...presets.map((p) => p.preset)],
  };
  for (const job of [...presubmits, ...postsubmits]) {
    defaultJob(job, defaults, placer, errors, decorateWasSet(parsedFiles, job));
    if (!inRepoConfigAllowsCluster(central.inRepoConfig, job.cluster, repo))
      errors.push(
        placer.at(
          job,
          'cluster',
          `cluster ${JSON.stringify(job.cluster)} is not allowed for repository ${JSON.stringify(repo)}`,
        ),
      );
  }
  const inRepoOnly = (issues: ConfigIssue[]): ConfigIssue[] => issues.filter((i) => parsedFiles.has(i.file));
  errors.push(...inRepoOnly(validateRepoJobs([...(central.presubmits[repo] ?? []), ...presubmits], placer)));
  errors.push(
    ...inRepoOnly(validateRepoJobs([...(central.postsubmits[repo] ?? []), ...postsubmits], placer)),
  );
  for (const reader of readers) errors.push(...reader.errors);
  const warnings = sortIssues(readers.flatMap((r) => r.warnings));
  if (errors.length > 0) return { ok: false, error: new JobConfigError(sortIssues(errors)), warnings };
  return { ok: true, presubmits, postsubmits, warnings };
}

/** The jobs of one repository: central first, then in-repo (as Prow's GetPresubmits appends them). */
export function jobsForRepo(
  central: JobConfigSet,
  repo: string,
  inRepo?: InRepoConfigResult,
): { presubmits: Presubmit[]; postsubmits: Postsubmit[] } {
  const extra = inRepo?.ok === true ? inRepo : { presubmits: [], postsubmits: [] };
  return {
    presubmits: [...(central.presubmits[repo] ?? []), ...extra.presubmits],
    postsubmits: [...(central.postsubmits[repo] ?? []), ...extra.postsubmits],
  };
}
