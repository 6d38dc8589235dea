/**
 * Prow's `/skip` (plugins/skip) and `/override` (plugins/override) comment commands, the pure
 * part: parsing, which contexts they touch, and the replies. The Trigger does the forge and API
 * calls. Sources: kubernetes-sigs/prow pkg/plugins/skip/skip.go and pkg/plugins/override/override.go.
 */
import { contextRequired, type Presubmit } from '../../api/ci/index.ts';
import type { CommitState } from '../../adapters/forge/forge.ts';

const skipRe = /^\/skip\s*$/im;
const overrideRe = /^\/override( ([^\r\n]+))?[\r\n]?$/gim;

/** A status context as the commands see it: the newest status of the context on the PR head. */
export interface ContextStatus {
  context: string;
  state: CommitState;
  targetUrl?: string | null;
}

/** `/skip` on a line of its own, any case (Prow's skipRe). */
export function isSkip(body: string): boolean {
  return skipRe.test(body);
}

/**
 * The contexts of every `/override` line (Prow's overrideRe), several to a line, `"quoted"` when
 * one has spaces; `missing` when a line names none. Undefined when the comment has no `/override`.
 */
export function parseOverride(body: string): { contexts: string[]; missing: boolean } | undefined {
  const matches = [...body.matchAll(overrideRe)];
  if (matches.length === 0) return undefined;
  const contexts = new Set<string>();
  for (const match of matches) {
    const input = match[2];
    if (input === undefined) return { contexts: [], missing: true };
    for (const context of splitQuoted(input)) contexts.add(context);
  }
  return { contexts: [...contexts], missing: false };
}

/** Prow's parseOverrideInput: fields split on spaces outside double quotes, the quotes dropped. */
function splitQuoted(input: string): string[] {
  const fields: string[] = [];
  let quoted = false;
  let field = '';
  for (const char of input) {
    if (char === '"') quoted = !quoted;
    if (!quoted && char === ' ') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields.map((f) => f.trim().replace(/^"+|"+$/g, '')).filter((f) => f !== '');
}

/**
 * The presubmits `/skip` marks "Skipped": jobs whose context has a status on the head that is not
 * success, that are not required (optional, or skip_report), and that this same comment does not
 * start (`started`: so `/skip` with `/test foo` tests foo). Prow's skip plugin.
 */
export function skippedBySkip(
  jobs: readonly Presubmit[],
  statuses: readonly ContextStatus[],
  started: readonly Presubmit[],
): Presubmit[] {
  const state = new Map(statuses.map((s) => [s.context, s.state]));
  return jobs.filter((job) => {
    const current = state.get(job.context);
    if (current === undefined || current === 'success') return false;
    if (started.some((s) => s.name === job.name && s.context === job.context)) return false;
    return !contextRequired(job);
  });
}

/** What an `/override` does: the contexts it may name, those named that it may not, and its targets. */
export interface OverridePlan {
  /** Contexts that are not success, and the names of the presubmits that report them; sorted. */
  expected: string[];
  /** Requested but not in `expected`; sorted. When any, nothing is overridden. */
  unknown: string[];
  /** Statuses to turn green, each with the presubmit that reports it, if one does. */
  targets: { status: ContextStatus; job: Presubmit | undefined }[];
}

/** Prow's override plugin: a context is named by itself or by its presubmit's name. */
export function overridePlan(
  statuses: readonly ContextStatus[],
  jobs: readonly Presubmit[],
  requested: readonly string[],
): OverridePlan {
  const failing = statuses.filter((s) => s.state !== 'success');
  const jobOf = (context: string): Presubmit | undefined => jobs.find((j) => j.context === context);
  const expected = new Set<string>();
  for (const status of failing) {
    expected.add(status.context);
    const job = jobOf(status.context);
    if (job !== undefined) expected.add(job.name);
  }
  const wanted = new Set(requested);
  const targets = failing
    .map((status) => ({ status, job: jobOf(status.context) }))
    .filter(({ status, job }) => wanted.has(status.context) || (job !== undefined && wanted.has(job.name)));
  return {
    expected: [...expected].sort(),
    unknown: [...wanted].filter((c) => !expected.has(c)).sort(),
    targets,
  };
}

/** The description of an overridden status, and of the JobRun that records it (Prow's). */
export function overriddenDescription(login: string): string {
  return `Overridden by ${login}`;
}

export function overrideMissingMessage(): string {
  return '/override requires failed status contexts to operate on, but none was given';
}

/** Prow's reply to a user who may not override (repository admins may). */
export function overrideUnauthorizedMessage(login: string): string {
  return `${login} unauthorized: /override is restricted to Repo administrators.`;
}

export function overrideUnknownMessage(plan: Pick<OverridePlan, 'expected' | 'unknown'>): string {
  const list = (items: readonly string[]): string => items.map((c) => ` - \`${c}\``).join('\n');
  return [
    '/override requires failed status contexts or a job name to operate on.',
    'The following unknown contexts were given:',
    list(plan.unknown),
    '',
    'Only the following failed contexts were expected:',
    list(plan.expected),
    '',
    'If you are trying to override a context that has a space in it, you must put a double quote on the context.',
  ].join('\n');
}

export function overrideDoneMessage(login: string, contexts: readonly string[]): string {
  return `Overrode contexts on behalf of ${login}: ${[...contexts].sort().join(', ')}`;
}

/** Prow's FormatResponseRaw: a reply to `login` that quotes the comment it answers. */
export function formatResponse(
  login: string,
  message: string,
  comment: { body: string; url: string },
): string {
  const quoted = comment.body
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
  return `@${login}: ${message}\n\n<details>\n\nIn response to [this](${comment.url}):\n\n${quoted}\n\n\nInstructions for interacting with me using PR comments are available [here](https://docs.prow.k8s.io/docs/components/plugins/).\n</details>`;
}
