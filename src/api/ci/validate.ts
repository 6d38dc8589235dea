/**
 * Prow's job validation (sigs.k8s.io/prow pkg/config/config.go: validateJobBase, validatePresubmits,
 * validatePostsubmits, validatePeriodics, validatePodSpec, validateTriggering), with messages close to
 * Prow's and every issue placed at file:line:col of the field.
 */
import { parseDuration } from '../../base/duration.ts';
import { cronScheduleError } from '../validation/cron.ts';
import type { ConfigIssue } from './errors.ts';
import { decorationDurations } from './read.ts';
import { compileGoRegexp } from './regexp.ts';
import { branchesIntersect } from './select.ts';
import type { Job, JobBase, JobType, Periodic, Postsubmit, Presubmit } from './types.ts';
import { childPath, type ParsedYaml } from './yaml-source.ts';

const jobNameRegex = /^[A-Za-z0-9-._]+$/;
const labelNameRegex = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomainRegex = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The env vars Prow sets on a job's containers, which a job may not set itself. */
export function reservedEnv(type: JobType): string[] {
  const base = ['CI', 'JOB_NAME', 'JOB_SPEC', 'JOB_TYPE', 'PROW_JOB_ID', 'BUILD_ID', 'BUILD_NUMBER'];
  const refs = ['REPO_OWNER', 'REPO_NAME', 'PULL_BASE_REF', 'PULL_BASE_SHA', 'PULL_REFS'];
  const pull = ['PULL_NUMBER', 'PULL_PULL_SHA', 'PULL_HEAD_REF', 'PULL_TITLE'];
  switch (type) {
    case 'periodic':
      return base;
    case 'postsubmit':
    case 'batch':
      return [...base, ...refs];
    case 'presubmit':
      return [...base, ...refs, ...pull];
  }
}

/** Places issues: looks up the line and column of a job's field in the file it came from. */
export class Placer {
  constructor(private readonly files: ReadonlyMap<string, ParsedYaml>) {}

  at(job: Job, field: string | undefined, message: string): ConfigIssue {
    const path = field === undefined ? job.source.path : childPath(job.source.path, field);
    const pos = this.files.get(job.source.file)?.at(path) ?? {
      line: job.source.line,
      column: job.source.column,
    };
    return { file: job.source.file, line: pos.line, column: pos.column, field: path, job: job.name, message };
  }
}

function labelKeyError(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !dnsSubdomainRegex.test(prefix)))
    return 'prefix part must be a DNS-1123 subdomain';
  if (name.length === 0 || name.length > 63)
    return 'name part must be no more than 63 characters and not empty';
  if (!labelNameRegex.test(name))
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

function labelValueError(value: string): string | undefined {
  if (value.length > 63) return 'must be no more than 63 characters';
  if (value !== '' && !labelNameRegex.test(value))
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

function validatePodSpec(job: JobBase & { type: JobType }, placer: Placer, out: ConfigIssue[]): void {
  const at = (field: string, message: string): void => {
    out.push(placer.at(job as Job, field, message));
  };
  const spec = job.spec;
  if (spec === undefined) {
    if (job.agent === 'kubernetes') at('spec', 'kubernetes jobs require a spec');
    return;
  }
  if (Array.isArray(spec.initContainers) && spec.initContainers.length > 0)
    at('spec.initContainers', 'pod spec may not use init containers');
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length < 1) {
    at('spec.containers', `pod spec must specify at least 1 container, found: ${containers.length}`);
    return;
  }
  if (containers.length > 1 && !job.decorate)
    at(
      'spec.containers',
      `pod utility decoration must be enabled to use multiple containers: ${containers.length}`,
    );
  const names = new Set<string>();
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  const reserved = new Set(reservedEnv(job.type));
  containers.forEach((c, i) => {
    const cPath = `spec.containers[${i}]`;
    if (containers.length > 1) {
      if (c.name === undefined || c.name === '')
        at(
          cPath,
          'container does not have name. all containers must have names when defining multiple containers',
        );
      else if (names.has(c.name))
        at(`${cPath}.name`, `container named ${JSON.stringify(c.name)} is defined more than once`);
      else names.add(c.name);
    }
    const env = new Set<string>();
    (c.env ?? []).forEach((e, j) => {
      if (env.has(e.name))
        at(`${cPath}.env[${j}]`, `env var named ${JSON.stringify(e.name)} is defined more than once`);
      env.add(e.name);
      if (reserved.has(e.name)) at(`${cPath}.env[${j}]`, `env ${e.name} is reserved`);
    });
    (c.volumeMounts ?? []).forEach((m, j) => {
      if (!volumes.has(m.name))
        at(`${cPath}.volumeMounts[${j}]`, `volumeMount named ${JSON.stringify(m.name)} is undefined`);
    });
    if (job.decorate) {
      const args = [...(c.command ?? []), ...(c.args ?? [])];
      if (args.length === 0 || args[0] === '')
        at(cPath, 'decorated job containers must specify command and/or args');
    }
  });
}

function validateRegex(
  job: Job,
  field: string,
  source: string,
  what: string,
  placer: Placer,
  out: ConfigIssue[],
): void {
  try {
    compileGoRegexp(source);
  } catch (error) {
    out.push(placer.at(job, field, `could not compile ${what} regex: ${(error as Error).message}`));
  }
}

function validateBase(job: Job, placer: Placer, out: ConfigIssue[]): void {
  if (!jobNameRegex.test(job.name))
    out.push(placer.at(job, 'name', `name: must match regex "${jobNameRegex.source}"`));
  if (job.name.length > 63)
    out.push(
      placer.at(
        job,
        'name',
        `name is ${job.name.length} characters; it is used as a label value, so at most 63`,
      ),
    );
  if (job.max_concurrency < 0)
    out.push(
      placer.at(
        job,
        'max_concurrency',
        `max_concurrency: ${job.max_concurrency} must be a non-negative number`,
      ),
    );
  for (const [key, value] of Object.entries(job.labels)) {
    const keyError = labelKeyError(key);
    if (keyError !== undefined) out.push(placer.at(job, `labels`, `invalid label ${key}: ${keyError}`));
    const valueError = labelValueError(value);
    if (valueError !== undefined)
      out.push(placer.at(job, `labels`, `label ${key} has invalid value ${value}: ${valueError}`));
  }
  for (const key of Object.keys(job.annotations)) {
    const keyError = labelKeyError(key);
    if (keyError !== undefined)
      out.push(placer.at(job, 'annotations', `invalid annotation key ${JSON.stringify(key)}: ${keyError}`));
  }
  for (const key of decorationDurations) {
    const value = job.decoration_config?.[key];
    if (value !== undefined && parseDuration(value) === undefined)
      out.push(
        placer.at(
          job,
          `decoration_config.${key}`,
          `invalid decoration config: time: invalid duration ${JSON.stringify(value)}`,
        ),
      );
  }
  validatePodSpec(job, placer, out);
}

function validateTriggering(job: Presubmit | Postsubmit, placer: Placer, out: ConfigIssue[]): void {
  if (job.always_run === true) {
    if (job.run_if_changed !== undefined)
      out.push(
        placer.at(
          job,
          'run_if_changed',
          `job ${job.name} is set to always run but also declares run_if_changed targets, which are mutually exclusive`,
        ),
      );
    if (job.skip_if_only_changed !== undefined)
      out.push(
        placer.at(
          job,
          'skip_if_only_changed',
          `job ${job.name} is set to always run but also declares skip_if_only_changed targets, which are mutually exclusive`,
        ),
      );
  }
  if (job.run_if_changed !== undefined && job.skip_if_only_changed !== undefined)
    out.push(
      placer.at(
        job,
        'skip_if_only_changed',
        `job ${job.name} declares run_if_changed and skip_if_only_changed, which are mutually exclusive`,
      ),
    );
  if (job.branches.length > 0)
    validateRegex(job, 'branches', job.branches.join('|'), 'positive branch', placer, out);
  if (job.skip_branches.length > 0)
    validateRegex(job, 'skip_branches', job.skip_branches.join('|'), 'negative branch', placer, out);
  if (job.run_if_changed !== undefined)
    validateRegex(job, 'run_if_changed', job.run_if_changed, 'run_if_changed', placer, out);
  if (job.skip_if_only_changed !== undefined)
    validateRegex(job, 'skip_if_only_changed', job.skip_if_only_changed, 'skip_if_only_changed', placer, out);
}

function validatePresubmitTrigger(job: Presubmit, placer: Placer, out: ConfigIssue[]): void {
  if ((job.trigger === '') !== (job.rerun_command === '')) {
    out.push(
      placer.at(
        job,
        job.trigger === '' ? 'rerun_command' : 'trigger',
        `either both of trigger and rerun_command must be set, wasnt the case for job ${JSON.stringify(job.name)}`,
      ),
    );
    return;
  }
  let re: RegExp;
  try {
    re = compileGoRegexp(job.trigger);
  } catch (error) {
    out.push(
      placer.at(
        job,
        'trigger',
        `could not compile trigger regex for ${job.name}: ${(error as Error).message}`,
      ),
    );
    return;
  }
  if (!re.test(job.rerun_command))
    out.push(
      placer.at(
        job,
        'rerun_command',
        `for job ${job.name}, rerun command "${job.rerun_command}" does not match trigger "${job.trigger}"`,
      ),
    );
}

/** Validates the presubmits or postsubmits of one repository (central and in-repo together). */
export function validateRepoJobs(jobs: readonly (Presubmit | Postsubmit)[], placer: Placer): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Map<string, (Presubmit | Postsubmit)[]>();
  const reportedContexts = new Set<string>();
  for (const job of jobs) {
    for (const earlier of seen.get(job.name) ?? []) {
      if (branchesIntersect(earlier, job)) {
        const where = `${earlier.source.file}:${earlier.source.line}:${earlier.source.column}`;
        out.push(
          placer.at(
            job,
            'name',
            `duplicated ${job.type} job ${job.name} for ${job.repo} (also at ${where}; consider both in-repo and central config)`,
          ),
        );
      }
    }
    for (const other of jobs) {
      if (
        other === job ||
        other.name === job.name ||
        other.context !== job.context ||
        !branchesIntersect(other, job)
      )
        continue;
      const pair = [other.name, job.name].sort().join('\u0000');
      if (reportedContexts.has(pair)) continue;
      reportedContexts.add(pair);
      out.push(
        placer.at(
          job,
          'context',
          `jobs ${other.name} and ${job.name} report to the same GitHub context ${JSON.stringify(job.context)}`,
        ),
      );
    }
    validateBase(job, placer, out);
    validateTriggering(job, placer, out);
    if (job.type === 'presubmit') validatePresubmitTrigger(job, placer, out);
    const refs = new Map<string, number>([[job.repo, 1]]);
    for (const r of job.extra_refs) refs.set(`${r.org}/${r.repo}`, (refs.get(`${r.org}/${r.repo}`) ?? 0) + 1);
    const dupes = [...refs].filter(([, n]) => n > 1).map(([r]) => r);
    if (dupes.length > 0)
      out.push(
        placer.at(
          job,
          'extra_refs',
          `invalid job ${job.name} on repo ${job.repo}: the following refs specified more than once: ${dupes.sort().join(',')}`,
        ),
      );
    seen.set(job.name, [...(seen.get(job.name) ?? []), job]);
  }
  return out;
}

export function validatePeriodics(jobs: readonly Periodic[], placer: Placer): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Map<string, Periodic>();
  for (const job of jobs) {
    const earlier = seen.get(job.name);
    if (earlier !== undefined)
      out.push(
        placer.at(
          job,
          'name',
          `duplicated periodic job: ${job.name} (also at ${earlier.source.file}:${earlier.source.line}:${earlier.source.column})`,
        ),
      );
    else seen.set(job.name, job);
    validateBase(job, placer, out);
    const set = (['cron', 'interval', 'minimum_interval'] as const).filter((k) => job[k] !== undefined);
    if (set.length > 1) {
      out.push(
        placer.at(
          job,
          set[1],
          `cron, interval, and minimum_interval are mutually exclusive in periodic ${job.name}`,
        ),
      );
      continue;
    }
    if (set.length === 0) {
      out.push(
        placer.at(
          job,
          undefined,
          `at least one of cron, interval, or minimum_interval must be set in periodic ${job.name}`,
        ),
      );
      continue;
    }
    if (job.cron !== undefined) {
      const problem = cronScheduleError(job.cron);
      if (problem !== undefined)
        out.push(
          placer.at(job, 'cron', `invalid cron string ${job.cron} in periodic ${job.name}: ${problem}`),
        );
    }
    for (const key of ['interval', 'minimum_interval'] as const) {
      const value = job[key];
      if (value !== undefined && !(Number(parseDuration(value)) > 0))
        out.push(
          placer.at(
            job,
            key,
            `cannot parse duration for ${job.name}: time: invalid duration ${JSON.stringify(value)}`,
          ),
        );
    }
  }
  return out;
}
