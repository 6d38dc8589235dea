/**
 * Which jobs run, with Prow's semantics (sigs.k8s.io/prow pkg/config/jobs.go and pkg/pjutil/filter.go):
 * branch and changed-file regexes match anywhere in the text (Go's unanchored `MatchString`, so
 * `branches: [main]` also matches `main-old`: write `^main$` to pin it), skip_branches wins over
 * branches, and comment commands go through Prow's command, /retest and /test all filters in order.
 */
import { compileGoRegexp } from './regexp.ts';
import type { Brancher, ChangeMatcher, Postsubmit, Presubmit } from './types.ts';

const compiled = new Map<string, RegExp>();

function regex(source: string): RegExp {
  let re = compiled.get(source);
  if (re === undefined) {
    re = compileGoRegexp(source);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(source, re);
  }
  return re;
}

/** Prow's `Brancher.ShouldRun`: does a job with these filters run against `branch`? */
export function branchMatches(job: Brancher, branch: string): boolean {
  if (job.skip_branches.length === 0 && job.branches.length === 0) return true;
  if (job.skip_branches.length > 0 && regex(job.skip_branches.join('|')).test(branch)) return false;
  return job.branches.length === 0 || regex(job.branches.join('|')).test(branch);
}

/** Prow's `Brancher.Intersects`: could both jobs run against one branch? (Duplicate-name check.) */
export function branchesIntersect(a: Brancher, b: Brancher): boolean {
  const all = (x: Brancher): boolean => x.branches.length === 0 && x.skip_branches.length === 0;
  if (all(a) || all(b)) return true;
  if (a.branches.length > 0) {
    if (b.branches.length > 0) return a.branches.some((x) => b.branches.includes(x));
    return a.branches.some((x) => branchMatches(b, x));
  }
  if (b.branches.length === 0) return true;
  return branchesIntersect(b, a);
}

/**
 * Prow's `RegexpChangeMatcher`: `undefined` when the job has no file filter (cannot tell), else
 * whether any changed file matches `run_if_changed`, or any does not match `skip_if_only_changed`.
 */
export function changesMatch(job: ChangeMatcher, changedFiles: readonly string[]): boolean | undefined {
  if (job.run_if_changed !== undefined) {
    const re = regex(job.run_if_changed);
    return changedFiles.some((f) => re.test(f));
  }
  if (job.skip_if_only_changed !== undefined) {
    const re = regex(job.skip_if_only_changed);
    return changedFiles.some((f) => !re.test(f));
  }
  return undefined;
}

/** Prow's `NeedsExplicitTrigger`: runs only when asked by a comment (no always_run, no file filter). */
export function needsExplicitTrigger(job: Presubmit): boolean {
  return !job.always_run && job.run_if_changed === undefined && job.skip_if_only_changed === undefined;
}

/** Prow's `ContextRequired`: the job's status is required for merging. */
export function contextRequired(job: Presubmit | Postsubmit): boolean {
  return !(job.type === 'presubmit' && job.optional) && !job.skip_report;
}

/** Prow's `Presubmit.ShouldRun`. */
export function presubmitShouldRun(
  job: Presubmit,
  options: { baseRef: string; changedFiles: readonly string[]; forced: boolean; defaults: boolean },
): boolean {
  if (!branchMatches(job, options.baseRef)) return false;
  if (job.always_run || options.forced) return true;
  return changesMatch(job, options.changedFiles) === true || options.defaults;
}

/** Does the comment body match the job's trigger (by default `/test NAME`)? */
export function triggerMatches(job: Presubmit, body: string): boolean {
  return job.trigger !== '' && regex(job.trigger).test(body);
}

const testAllRe = /^\/test all,?($|\s.*)/m;
const retestRe = /^\/retest\s*$/m;
const retestRequiredRe = /^\/retest-required\s*$/m;
const okToTestRe = /^\/ok-to-test\s*$/m;

/** `/test all` on a line of its own (Prow's TestAllRe). */
export function isTestAll(body: string): boolean {
  return testAllRe.test(body);
}

/** `/retest` on a line of its own (Prow's RetestRe). */
export function isRetest(body: string): boolean {
  return retestRe.test(body);
}

/** `/retest-required`: rerun failed jobs whose context is required. */
export function isRetestRequired(body: string): boolean {
  return retestRequiredRe.test(body);
}

/** `/ok-to-test`: a trusted member vouches for an untrusted PR; runs what `/test all` runs. */
export function isOkToTest(body: string): boolean {
  return okToTestRe.test(body);
}

/** What Keelson knows about a PR when deciding which presubmits run. */
export interface PullRequestChange {
  /** The base branch, e.g. `main`. */
  baseRef: string;
  /** Paths changed by the PR, relative to the repository root. */
  changedFiles: readonly string[];
}

/**
 * PR opened, reopened or pushed to: Prow's test-all filter. `run` holds the jobs to start; `skipped`
 * the jobs that could run on this branch but whose file filter did not match (Prow reports them as a
 * successful "Skipped" status when their context is required, so `/retest` leaves them alone).
 */
export function presubmitsForPullRequest(
  jobs: readonly Presubmit[],
  change: PullRequestChange,
): { run: Presubmit[]; skipped: Presubmit[] } {
  const run: Presubmit[] = [];
  const skipped: Presubmit[] = [];
  for (const job of jobs) {
    if (presubmitShouldRun(job, { ...change, forced: false, defaults: false })) run.push(job);
    else if (branchMatches(job, change.baseRef) && !needsExplicitTrigger(job)) skipped.push(job);
  }
  return { run, skipped };
}

export interface CommentContext extends PullRequestChange {
  /** The comment text. */
  body: string;
  /** Status contexts of this PR's head commit that failed (or errored); read for `/retest`. */
  failedContexts?: readonly string[];
  /** Failed contexts whose job is required; read for `/retest-required`. */
  failedRequiredContexts?: readonly string[];
  /** Every status context the head commit has (including "Skipped" ones). */
  allContexts?: readonly string[];
  /** Whether `/ok-to-test` counts as `/test all` (it does in Prow's trigger plugin). */
  honorOkToTest?: boolean;
}

type Filter = (job: Presubmit) => { matches: boolean; forced: boolean; defaults: boolean };

/**
 * The presubmits a PR comment starts, Prow's `PresubmitFilter` + `FilterPresubmits`: `/test NAME`
 * (the job's trigger; forced, so file filters are ignored), `/retest` (failed jobs, and automatic
 * jobs that have no status yet), `/retest-required`, `/test all` and `/ok-to-test` (what a new PR
 * runs). Filters are tried in that order and the first that matches a job decides. Branch filters
 * always apply.
 */
export function presubmitsForComment(jobs: readonly Presubmit[], context: CommentContext): Presubmit[] {
  const { body } = context;
  const filters: Filter[] = [
    (job) => {
      const hit = triggerMatches(job, body);
      return { matches: hit, forced: hit, defaults: true };
    },
  ];
  const all = new Set(context.allContexts ?? []);
  if (isRetest(body)) {
    const failed = new Set(context.failedContexts ?? []);
    filters.push((job) => ({
      matches: failed.has(job.context) || (!needsExplicitTrigger(job) && !all.has(job.context)),
      forced: false,
      defaults: true,
    }));
  }
  if (isRetestRequired(body)) {
    const failed = new Set(context.failedRequiredContexts ?? []);
    filters.push((job) => ({
      matches:
        failed.has(job.context) ||
        (contextRequired(job) && !needsExplicitTrigger(job) && !all.has(job.context)),
      forced: false,
      defaults: true,
    }));
  }
  if (((context.honorOkToTest ?? true) && isOkToTest(body)) || isTestAll(body))
    filters.push(() => ({ matches: true, forced: false, defaults: false }));
  const out: Presubmit[] = [];
  for (const job of jobs) {
    const decision = filters.map((f) => f(job)).find((d) => d.matches);
    if (decision === undefined) continue;
    if (presubmitShouldRun(job, { ...context, forced: decision.forced, defaults: decision.defaults }))
      out.push(job);
  }
  return out;
}

/** The branch (or tag) name of a pushed ref, as Prow's `PushEvent.Branch()` gives it. */
export function branchOfRef(ref: string): string {
  return ref.replace(/^refs\/heads\//, '').replace(/^refs\/tags\//, '');
}

/** Prow's `Postsubmit.ShouldRun`: file filters decide when set; else always_run, which defaults to true. */
export function postsubmitShouldRun(
  job: Postsubmit,
  branch: string,
  changedFiles: readonly string[],
): boolean {
  if (!branchMatches(job, branch)) return false;
  const determined = changesMatch(job, changedFiles);
  if (determined !== undefined) return determined;
  return job.always_run ?? true;
}

/** The postsubmits a push starts. `ref` may be `refs/heads/main` or `main`. */
export function postsubmitsForPush(
  jobs: readonly Postsubmit[],
  push: { ref: string; changedFiles: readonly string[] },
): Postsubmit[] {
  const branch = branchOfRef(push.ref);
  return jobs.filter((job) => postsubmitShouldRun(job, branch, push.changedFiles));
}
