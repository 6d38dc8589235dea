/**
 * Prow's trigger plugin: forge events become JobRuns. A pull request opened, reopened or pushed to
 * starts its matching presubmits; a push to a branch starts the matching postsubmits; `/test NAME`,
 * `/test all`, `/retest` and `/ok-to-test` comments start what they name; `/skip` and `/override`
 * turn statuses green (Prow's skip and override plugins; see commands.ts). Trust is Prow's: a PR runs
 * by itself when its author is a collaborator of the repository, a member of the trusted org (the
 * repository's org unless set) or listed as trusted, or when it carries `ok-to-test`; otherwise it gets `needs-ok-to-test` and runs
 * nothing until a trusted member comments `/ok-to-test`.
 */
import type { IssueCommentEvent, PullRequestEvent, PushEvent } from '@octokit/webhooks-types';
import {
  contextRequired,
  isFinalJobState,
  isOkToTest,
  jobRunLabels,
  jobRunSpecFor,
  labelsForJobRun,
  optionalAnnotation,
  postsubmitsForPush,
  presubmitsForComment,
  presubmitsForPullRequest,
  branchOfRef,
  type Job,
  type Presubmit,
  type JobConfigError,
  type JobType,
  type Refs,
} from '../../api/ci/index.ts';
import { ciApiVersion, type JobRun } from '../../api/crds/ci.ts';
import type { Forge, PullRequest, RepoRef } from '../../adapters/forge/forge.ts';
import type { Clock } from '../../base/clock.ts';
import { rfc3339 } from '../../base/time.ts';
import { isConflict, isNotFound, type KubeClient } from '../../runtime/client.ts';
import type { Logger } from '../../runtime/controller.ts';
import type { EventSink } from '../../runtime/events.ts';
import {
  formatResponse,
  isSkip,
  overriddenDescription,
  overrideDoneMessage,
  overrideMissingMessage,
  overridePlan,
  overrideUnauthorizedMessage,
  overrideUnknownMessage,
  parseOverride,
  skippedBySkip,
} from './commands.ts';
import type { JobSource } from './jobs.ts';

export const needsOkToTestLabel = 'needs-ok-to-test';
export const okToTestLabel = 'ok-to-test';
/** The commit status context that reports whether the in-repo job config loads. */
export const inRepoConfigContext = 'keelson/in-repo-config';
/** Annotation of the JobRun an `/override` creates: who overrode (Prow creates such a ProwJob too). */
export const overriddenByAnnotation = 'ci.keelson.dev/overridden-by';
/** The CI reporter's name for its GitHub reporter, in `prev_report_states`. */
const githubReporter = 'github';

const zeroSha = /^0+$/;
const commandLine = /^\/(test|retest|retest-required|ok-to-test)(\s|$)/m;

export interface TriggerDeps {
  client: KubeClient;
  /** Acts as the bot: labels, comments, statuses, membership checks. */
  forge: Forge;
  jobs: JobSource;
  clock: Clock;
  log: Logger;
  events?: EventSink | undefined;
  /** Namespace the JobRuns are created in (Prow's ProwJobNamespace). */
  namespace: string;
  /** Prow's `trusted_org`: members are trusted. The repository's owner when absent. */
  trustedOrg?: string | undefined;
  /** Logins trusted without org membership. */
  trustedUsers?: readonly string[] | undefined;
}

/** The names of the JobRuns an event created. */
export type Triggered = string[];

export class Trigger {
  readonly #deps: TriggerDeps;
  #botLogin: Promise<string> | undefined;

  constructor(deps: TriggerDeps) {
    this.#deps = deps;
  }

  async pullRequest(event: PullRequestEvent): Promise<Triggered> {
    const { action } = event;
    const pr = event.pull_request;
    const repo = repoOf(event.repository);
    const number = pr.number;
    if (action === 'closed') {
      await this.#abortPull(repo, number, () => true, 'Aborted: the pull request was closed.');
      return [];
    }
    if (action !== 'opened' && action !== 'reopened' && action !== 'synchronize') return [];
    if (pr.state !== 'open') return [];
    const author = pr.user.login;
    const labels = pr.labels.map((l) => l.name);
    if (action === 'synchronize')
      await this.#abortPull(
        repo,
        number,
        (run) => run.spec.refs?.pulls?.[0]?.sha !== pr.head.sha,
        'Aborted: a newer commit was pushed.',
      );
    if (!(await this.#trustedPull(repo, author, labels))) {
      if (action !== 'synchronize' && !labels.includes(needsOkToTestLabel)) {
        await this.#deps.forge.addLabels(repo, number, [needsOkToTestLabel]);
        await this.#deps.forge.createComment(
          repo,
          number,
          `Hi @${author}. Thanks for your PR.\n\nI'm waiting for a ${this.#trustedOrg(repo)} member to verify that this patch is reasonable to test. If it is, they should reply with \`/ok-to-test\` on its own line. Until that is done, I will not automatically test new commits in this PR, but the usual testing commands by org members will still work.`,
        );
      }
      this.#deps.log('pull request not trusted: nothing triggered', { repo: fullName(repo), number, author });
      return [];
    }
    const pull = pullOf(event.repository, pr);
    const jobs = await this.#presubmitsAt(repo, pull);
    if (jobs === undefined) return [];
    const changedFiles = await this.#changedFiles(repo, number);
    const { run, skipped } = presubmitsForPullRequest(jobs, { baseRef: pr.base.ref, changedFiles });
    const created = await this.#startAll(run, pull.refs);
    for (const job of skipped)
      if (contextRequired(job))
        await this.#deps.forge.createStatus(repo, pr.head.sha, {
          state: 'success',
          context: job.context,
          description: 'Skipped.',
        });
    return created;
  }

  async issueComment(event: IssueCommentEvent): Promise<Triggered> {
    if (event.action !== 'created' || event.issue.pull_request === undefined) return [];
    const body = event.comment.body;
    const triggers = commandLine.test(body);
    const skip = isSkip(body);
    const override = parseOverride(body);
    if (!triggers && !skip && override === undefined) return [];
    const commenter = event.comment.user.login;
    if (commenter === (await this.#bot())) return [];
    const repo = repoOf(event.repository);
    const number = event.issue.number;
    // Prow's override plugin checks its own permission (repository admins), not trust
    if (override !== undefined && event.issue.state === 'open') await this.#override(event, override);
    if (!triggers && !skip) return [];
    if (!(await this.#trustedUser(repo, commenter))) {
      this.#deps.log('comment by an untrusted user ignored', { repo: fullName(repo), number, commenter });
      return [];
    }
    const pr = await this.#deps.forge.getPullRequest(repo, number);
    if (pr.state !== 'open') return [];
    let start = triggers;
    if (isOkToTest(body)) {
      if (pr.labels.includes(needsOkToTestLabel))
        await this.#deps.forge.removeLabel(repo, number, needsOkToTestLabel);
      if (!(await this.#trustedUser(repo, pr.author)) && !pr.labels.includes(okToTestLabel))
        await this.#deps.forge.addLabels(repo, number, [okToTestLabel]);
    } else if (triggers && !(await this.#trustedPull(repo, pr.author, pr.labels))) {
      await this.#deps.forge.createComment(
        repo,
        number,
        `@${commenter}: Cannot trigger testing until a trusted user reviews the PR and leaves an \`/ok-to-test\` message.`,
      );
      if (!skip) return [];
      start = false;
    }
    const pull = pullOfComment(event.repository, pr);
    const jobs = start ? await this.#presubmitsAt(repo, pull) : await this.#presubmitsQuietly(repo, pull);
    if (jobs === undefined) return [];
    const changedFiles = await this.#changedFiles(repo, number);
    const contexts = await this.#contextsAt(repo, number, pr.head.sha);
    const selected = presubmitsForComment(jobs, {
      baseRef: pr.base.ref,
      changedFiles,
      body,
      failedContexts: contexts.failed,
      failedRequiredContexts: contexts.failedRequired,
      allContexts: contexts.all,
    });
    const created = start ? await this.#startAll(selected, pull.refs) : [];
    if (skip) await this.#skip(repo, pr.head.sha, jobs, selected);
    return created;
  }

  /** Prow's `/skip`: see `skippedBySkip`. Nothing when the combined status is already success. */
  async #skip(
    repo: RepoRef,
    sha: string,
    jobs: readonly Presubmit[],
    started: readonly Presubmit[],
  ): Promise<void> {
    const combined = await this.#deps.forge.getCombinedStatus(repo, sha);
    if (combined.state === 'success') return;
    for (const job of skippedBySkip(jobs, combined.statuses, started))
      await this.#deps.forge.createStatus(repo, sha, {
        state: 'success',
        context: job.context,
        description: 'Skipped',
      });
  }

  /**
   * Prow's `/override`: a repository admin turns failed or pending statuses of the PR head green
   * ("Overridden by LOGIN"). For a context a presubmit reports, its unfinished runs on the PR are
   * aborted (marked reported, so their abort never reaches the forge) and a finished `success`
   * JobRun records the override, which the reporter reports and counts in the summary comment.
   */
  async #override(
    event: IssueCommentEvent,
    request: { contexts: string[]; missing: boolean },
  ): Promise<void> {
    const repo = repoOf(event.repository);
    const number = event.issue.number;
    const user = event.comment.user.login;
    const comment = { body: event.comment.body, url: event.comment.html_url };
    const reply = async (message: string): Promise<void> => {
      await this.#deps.forge.createComment(repo, number, formatResponse(user, message, comment));
    };
    if (request.missing) return reply(overrideMissingMessage());
    if (!(await this.#isAdmin(repo, user))) return reply(overrideUnauthorizedMessage(user));
    const pr = await this.#deps.forge.getPullRequest(repo, number);
    const sha = pr.head.sha;
    const pull = pullOfComment(event.repository, pr);
    const combined = await this.#deps.forge.getCombinedStatus(repo, sha);
    const plan = overridePlan(
      combined.statuses,
      (await this.#presubmitsQuietly(repo, pull)) ?? [],
      request.contexts,
    );
    if (plan.unknown.length > 0) return reply(overrideUnknownMessage(plan));
    const description = overriddenDescription(user);
    const done: string[] = [];
    for (const { status, job } of plan.targets) {
      if (job !== undefined) {
        await this.#abortPull(repo, number, (run) => run.spec.job === job.name, `Aborted: ${description}.`, {
          reported: true,
        });
        await this.#recordOverride(job, pull.refs, user, comment.url);
      }
      await this.#deps.forge.createStatus(repo, sha, {
        state: 'success',
        context: status.context,
        description,
        ...(status.targetUrl ? { targetUrl: status.targetUrl } : {}),
      });
      done.push(status.context);
    }
    if (done.length > 0) await reply(overrideDoneMessage(user, done));
  }

  async push(event: PushEvent): Promise<Triggered> {
    if (event.deleted || !event.ref.startsWith('refs/heads/') || zeroSha.test(event.after)) return [];
    const repo = repoOf(event.repository);
    const cloneUrl = event.repository.clone_url;
    const loaded = await this.#deps.jobs.forRepo(repo.owner, repo.name, cloneUrl, event.after);
    if (!loaded.ok) {
      this.#deps.log('push: in-repo job config is invalid; only central postsubmits considered', {
        repo: fullName(repo),
        error: loaded.error.message,
      });
    }
    const postsubmits = loaded.ok
      ? loaded.postsubmits
      : ((await this.#deps.jobs.central()).postsubmits[fullName(repo)] ?? []);
    const changedFiles = zeroSha.test(event.before)
      ? [...new Set(event.commits.flatMap((c) => [...c.added, ...c.modified, ...c.removed]))]
      : await this.#deps.jobs.changedFiles(cloneUrl, event.before, event.after);
    const jobs = postsubmitsForPush(postsubmits, { ref: event.ref, changedFiles });
    const refs: Refs = {
      org: repo.owner,
      repo: repo.name,
      repo_link: event.repository.html_url,
      base_ref: branchOfRef(event.ref),
      base_sha: event.after,
      base_link: event.compare,
    };
    return this.#startAll(jobs, refs);
  }

  /** Creates one JobRun of `job` in state `triggered`; resolves with its name. */
  async start(job: Job, refs?: Refs, type: JobType = job.type): Promise<string> {
    // milliseconds: runs of one job started within a second (a quick /retest) must still order
    const startTime = new Date(this.#deps.clock.now()).toISOString();
    const name = await this.#createRun(
      job,
      jobRunSpecFor(job, refs, type),
      {},
      { state: 'triggered', startTime },
    );
    this.#deps.log('job triggered', { job: job.name, type, run: name });
    return name;
  }

  /**
   * Prow's override ProwJob: a finished `success` run of `job` that never runs (it has no pod spec),
   * so the newest run of the job on the PR is the override and no older run reports over it.
   */
  async #recordOverride(job: Presubmit, refs: Refs, user: string, url: string): Promise<void> {
    const { pod_spec: _, ...spec } = jobRunSpecFor(job, refs, 'presubmit');
    const now = this.#deps.clock.now();
    const name = await this.#createRun(
      job,
      spec,
      { [overriddenByAnnotation]: user },
      {
        state: 'success',
        startTime: new Date(now).toISOString(),
        completionTime: rfc3339(now),
        description: overriddenDescription(user),
        url,
      },
    );
    this.#deps.log('job overridden', { job: job.name, run: name, user });
  }

  async #createRun(
    job: Job,
    spec: JobRun['spec'],
    annotations: Record<string, string>,
    status: NonNullable<JobRun['status']>,
  ): Promise<string> {
    const created = await this.#deps.client.create<JobRun>({
      apiVersion: ciApiVersion,
      kind: 'JobRun',
      metadata: {
        generateName: `${job.name
          .slice(0, 52)
          .replace(/[^a-z0-9-]/gi, '-')
          .toLowerCase()
          .replace(/-+$/, '')}-`,
        namespace: this.#deps.namespace,
        labels: labelsForJobRun(spec),
        annotations: {
          [jobRunLabels.job]: job.name,
          ...(job.type === 'presubmit' ? { [optionalAnnotation]: String(!contextRequired(job)) } : {}),
          ...annotations,
        },
      },
      spec,
    });
    const name = created.metadata.name ?? '';
    await this.#deps.client.patchStatus(
      { apiVersion: ciApiVersion, kind: 'JobRun', namespace: this.#deps.namespace, name },
      status,
    );
    const reason = status.state === 'triggered' ? 'Triggered' : 'Overridden';
    this.#deps.events?.event(created, 'Normal', reason, `job ${job.name} ${reason.toLowerCase()}`);
    return name;
  }

  async #startAll(jobs: readonly Job[], refs: Refs): Promise<Triggered> {
    const names: string[] = [];
    for (const job of jobs) {
      if (job.type === 'presubmit') {
        const number = refs.pulls?.[0]?.number;
        if (number !== undefined)
          await this.#abortPull(
            { owner: refs.org, name: refs.repo },
            number,
            (run) => run.spec.job === job.name,
            'Aborted: superseded by a newer run.',
          );
      }
      names.push(await this.start(job, refs));
    }
    return names;
  }

  /** The presubmits at the PR head, or undefined when the in-repo config is invalid (then reported). */
  async #presubmitsAt(
    repo: RepoRef,
    pull: { sha: string; cloneUrl: string; refs: Refs },
  ): Promise<Presubmit[] | undefined> {
    const loaded = await this.#deps.jobs.forRepo(repo.owner, repo.name, pull.cloneUrl, pull.sha);
    const number = pull.refs.pulls?.[0]?.number ?? 0;
    if (!loaded.ok) {
      await this.#reportInvalidConfig(repo, number, pull.sha, loaded.error);
      return undefined;
    }
    if (loaded.inRepo)
      await this.#deps.forge.createStatus(repo, pull.sha, {
        state: 'success',
        context: inRepoConfigContext,
        description: 'In-repo job config loaded.',
      });
    return loaded.presubmits;
  }

  /** The presubmits at the PR head, or undefined when the in-repo config is invalid; reports nothing. */
  async #presubmitsQuietly(
    repo: RepoRef,
    pull: { sha: string; cloneUrl: string },
  ): Promise<Presubmit[] | undefined> {
    const loaded = await this.#deps.jobs.forRepo(repo.owner, repo.name, pull.cloneUrl, pull.sha);
    return loaded.ok ? loaded.presubmits : undefined;
  }

  async #reportInvalidConfig(
    repo: RepoRef,
    number: number,
    sha: string,
    error: JobConfigError,
  ): Promise<void> {
    this.#deps.log('in-repo job config is invalid', {
      repo: fullName(repo),
      number,
      sha,
      error: error.message,
    });
    await this.#deps.forge.createStatus(repo, sha, {
      state: 'failure',
      context: inRepoConfigContext,
      description: error.summary(),
    });
    await this.#deps.forge.createComment(
      repo,
      number,
      `The in-repo job config (\`.prow.yaml\` or \`.prow/\`) at ${sha} is invalid, so no presubmits were started:\n\n\`\`\`\n${error.message}\n\`\`\`\n\nFix it and push again.`,
    );
  }

  async #changedFiles(repo: RepoRef, number: number): Promise<string[]> {
    const files = await this.#deps.forge.listChangedFiles(repo, number);
    return [
      ...new Set(
        files.flatMap((f) =>
          f.previousFilename === undefined ? [f.filename] : [f.filename, f.previousFilename],
        ),
      ),
    ];
  }

  /**
   * The head commit's contexts for `/retest`: a context run by Keelson counts as failed when its
   * newest run at this sha failed; any other context by its commit status.
   */
  async #contextsAt(
    repo: RepoRef,
    number: number,
    sha: string,
  ): Promise<{ failed: string[]; failedRequired: string[]; all: string[] }> {
    const combined = await this.#deps.forge.getCombinedStatus(repo, sha);
    const state = new Map<string, { failed: boolean; required: boolean }>();
    for (const status of combined.statuses)
      state.set(status.context, {
        failed: status.state === 'failure' || status.state === 'error',
        required: true,
      });
    const runs = (await this.#pullRuns(repo, number))
      .filter((run) => run.spec.refs?.pulls?.[0]?.sha === sha && run.status?.state !== 'aborted')
      .sort(newestLast);
    for (const run of runs) {
      const context = run.spec.context ?? run.spec.job;
      state.set(context, {
        failed: run.status?.state === 'failure' || run.status?.state === 'error',
        required: run.metadata.annotations?.[optionalAnnotation] !== 'true',
      });
    }
    const entries = [...state.entries()];
    return {
      failed: entries.filter(([, s]) => s.failed).map(([c]) => c),
      failedRequired: entries.filter(([, s]) => s.failed && s.required).map(([c]) => c),
      all: entries.map(([c]) => c),
    };
  }

  async #pullRuns(repo: RepoRef, number: number): Promise<JobRun[]> {
    const selector = [
      `${jobRunLabels.type}=presubmit`,
      `${jobRunLabels.org}=${repo.owner}`,
      `${jobRunLabels.repo}=${repo.name}`,
      `${jobRunLabels.pull}=${number}`,
    ].join(',');
    const list = await this.#deps.client.list<JobRun>(ciApiVersion, 'JobRun', {
      namespace: this.#deps.namespace,
      labelSelector: selector,
    });
    return list.items;
  }

  /**
   * Marks the unfinished presubmit runs of a PR that `which` picks as aborted. `reported`: also as
   * reported to the forge, as Prow's TerminateOlderJobs does, and only if the run has not changed
   * since it was read (a run that finished meanwhile keeps its state).
   */
  async #abortPull(
    repo: RepoRef,
    number: number,
    which: (run: JobRun) => boolean,
    description: string,
    options: { reported?: boolean } = {},
  ): Promise<void> {
    for (const run of await this.#pullRuns(repo, number)) {
      if (isFinalJobState(run.status?.state) || !which(run)) continue;
      const ref = {
        apiVersion: ciApiVersion,
        kind: 'JobRun',
        namespace: this.#deps.namespace,
        name: run.metadata.name ?? '',
      };
      const status = { state: 'aborted', description, completionTime: rfc3339(this.#deps.clock.now()) };
      if (options.reported !== true) await this.#deps.client.patchStatus(ref, status);
      else {
        const reported = { ...status, prev_report_states: { [githubReporter]: 'aborted' } };
        const patch = { metadata: { resourceVersion: run.metadata.resourceVersion }, status: reported };
        try {
          await this.#deps.client.patch(ref, patch, 'merge', { subresource: 'status' });
        } catch (error) {
          if (isConflict(error) || isNotFound(error)) continue;
          throw error;
        }
      }
      this.#deps.events?.event(run, 'Normal', 'Aborted', description);
    }
  }

  /** Prow's override check: the user's permission on the repository is admin; unknown is no. */
  async #isAdmin(repo: RepoRef, login: string): Promise<boolean> {
    try {
      return (await this.#deps.forge.permission(repo, login)) === 'admin';
    } catch (error) {
      this.#deps.log('cannot tell whether the user is an admin', {
        repo: fullName(repo),
        login,
        error: String(error),
      });
      return false;
    }
  }

  #trustedOrg(repo: RepoRef): string {
    return this.#deps.trustedOrg ?? repo.owner;
  }

  /** Prow's `TrustedUser` with `only_org_members: false`: listed, a collaborator, or an org member. */
  async #trustedUser(repo: RepoRef, login: string): Promise<boolean> {
    if (this.#deps.trustedUsers?.includes(login) === true) return true;
    if (await this.#deps.forge.isCollaborator(repo, login)) return true;
    return this.#deps.forge.isOrgMember(this.#trustedOrg(repo), login);
  }

  async #trustedPull(repo: RepoRef, author: string, labels: readonly string[]): Promise<boolean> {
    if (labels.includes(okToTestLabel)) return true;
    return this.#trustedUser(repo, author);
  }

  #bot(): Promise<string> {
    this.#botLogin ??= this.#deps.forge.currentUser().then((u) => u.login);
    this.#botLogin.catch(() => (this.#botLogin = undefined));
    return this.#botLogin;
  }
}

function newestLast(a: JobRun, b: JobRun): number {
  const at = a.metadata.creationTimestamp ?? '';
  const bt = b.metadata.creationTimestamp ?? '';
  return at.localeCompare(bt) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

function fullName(repo: RepoRef): string {
  return `${repo.owner}/${repo.name}`;
}

interface PayloadRepository {
  name: string;
  owner: { login: string };
  html_url: string;
  clone_url: string;
}

function repoOf(repository: PayloadRepository): RepoRef {
  return { owner: repository.owner.login, name: repository.name };
}

function refsOf(
  repository: PayloadRepository,
  pr: {
    baseRef: string;
    baseSha: string;
    number: number;
    author: string;
    sha: string;
    title: string;
    headRef: string;
    link: string;
  },
): Refs {
  return {
    org: repository.owner.login,
    repo: repository.name,
    repo_link: repository.html_url,
    base_ref: pr.baseRef,
    base_sha: pr.baseSha,
    base_link: `${repository.html_url}/commit/${pr.baseSha}`,
    pulls: [
      {
        number: pr.number,
        author: pr.author,
        sha: pr.sha,
        title: pr.title,
        head_ref: pr.headRef,
        link: pr.link,
        commit_link: `${pr.link}/commits/${pr.sha}`,
        author_link: `${new URL(repository.html_url).origin}/${pr.author}`,
      },
    ],
  };
}

function pullOfComment(
  repository: PayloadRepository,
  pr: Pick<PullRequest, 'number' | 'title' | 'author' | 'htmlUrl'> & {
    head: Pick<PullRequest['head'], 'sha' | 'ref'>;
    base: Pick<PullRequest['base'], 'sha' | 'ref'>;
  },
): { sha: string; cloneUrl: string; refs: Refs } {
  return {
    sha: pr.head.sha,
    cloneUrl: repository.clone_url,
    refs: refsOf(repository, {
      baseRef: pr.base.ref,
      baseSha: pr.base.sha,
      number: pr.number,
      author: pr.author,
      sha: pr.head.sha,
      title: pr.title,
      headRef: pr.head.ref,
      link: pr.htmlUrl,
    }),
  };
}

/** A webhook's pull request (GitHub's payload shape) as the forge's. */
function pullOf(
  repository: PayloadRepository,
  pr: PullRequestEvent['pull_request'],
): { sha: string; cloneUrl: string; refs: Refs } {
  return pullOfComment(repository, {
    number: pr.number,
    title: pr.title,
    author: pr.user.login,
    htmlUrl: pr.html_url,
    head: { sha: pr.head.sha, ref: pr.head.ref },
    base: { sha: pr.base.sha, ref: pr.base.ref },
  });
}
