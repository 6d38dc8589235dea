/**
 * The jobs of a repository as the trigger sees them at one commit: the central job config (every
 * JobConfig resource, read fresh on each event so a change applies to the next event) merged with
 * the repository's in-repo `.prow.yaml` / `.prow/` read from that commit through git.
 */
import { stringify } from 'yaml';
import {
  isJobConfigError,
  jobsForRepo,
  loadInRepoConfig,
  loadJobConfig,
  type InRepoConfigSettings,
  type JobConfigError,
  type JobConfigSet,
  type Periodic,
  type Postsubmit,
  type Presubmit,
  type SourceFile,
} from '../../api/ci/index.ts';
import { ciApiVersion, type JobConfig } from '../../api/crds/ci.ts';
import type { RepoReader } from '../../adapters/forge/repo-reader.ts';
import type { KubeClient } from '../../runtime/client.ts';
import type { Logger } from '../../runtime/controller.ts';

export interface JobSourceDeps {
  client: KubeClient;
  repoReader: RepoReader;
  log: Logger;
  /** Where JobConfigs are read from; every namespace when absent. */
  jobConfigNamespace?: string | undefined;
  /** Prow's `in_repo_config`; enabled for every repository when absent. */
  inRepoConfig?: InRepoConfigSettings | undefined;
}

export type RepoJobs =
  { ok: true; presubmits: Presubmit[]; postsubmits: Postsubmit[] } | { ok: false; error: JobConfigError };

/** Is `path` an in-repo config file? */
export function isInRepoConfigPath(path: string): boolean {
  return path === '.prow.yaml' || /^\.prow\/.+\.ya?ml$/.test(path);
}

export class JobSource {
  readonly #deps: JobSourceDeps;

  constructor(deps: JobSourceDeps) {
    this.#deps = deps;
  }

  /**
   * The central job config. A JobConfig that does not load is left out (and logged; its own
   * controller reports it), so one bad JobConfig never stops every repository's jobs.
   */
  async central(): Promise<JobConfigSet> {
    const list = await this.#deps.client.list<JobConfig>(ciApiVersion, 'JobConfig', {
      ...(this.#deps.jobConfigNamespace === undefined ? {} : { namespace: this.#deps.jobConfigNamespace }),
    });
    const config: SourceFile = {
      file: 'in-repo-config.yaml',
      text: stringify({
        in_repo_config: this.#deps.inRepoConfig ?? { enabled: { '*': true }, allowed_clusters: {} },
      }),
    };
    const files = list.items
      .sort((a, b) => key(a).localeCompare(key(b)))
      .map((item) => ({ file: `JobConfig ${key(item)}`, text: stringify(item.spec ?? {}) }));
    try {
      return loadJobConfig({ config, jobs: files });
    } catch (error) {
      if (!isJobConfigError(error)) throw error;
    }
    const good = files.filter((file) => {
      try {
        loadJobConfig({ config, jobs: [file] });
        return true;
      } catch (error) {
        this.#deps.log('job config left out: it does not load', { file: file.file, error: String(error) });
        return false;
      }
    });
    return loadJobConfig({ config, jobs: good });
  }

  /** Paths a push changed, read with git. */
  async changedFiles(cloneUrl: string, before: string, after: string): Promise<string[]> {
    return this.#deps.repoReader.changedFiles(cloneUrl, before, after);
  }

  async periodics(): Promise<Periodic[]> {
    return (await this.central()).periodics;
  }

  /** Central plus in-repo jobs of `org/repo` at `sha`; `{ ok: false }` when the in-repo config is invalid. */
  async forRepo(
    org: string,
    repo: string,
    cloneUrl: string,
    sha: string,
  ): Promise<RepoJobs & { inRepo: boolean }> {
    const central = await this.central();
    const fullName = `${org}/${repo}`;
    const files = await this.#deps.repoReader.readFiles(cloneUrl, sha, isInRepoConfigPath);
    const inRepo = loadInRepoConfig(central, fullName, files);
    if (!inRepo.ok) return { ok: false, error: inRepo.error, inRepo: true };
    return { ok: true, ...jobsForRepo(central, fullName, inRepo), inRepo: files.length > 0 };
  }
}

function key(item: JobConfig): string {
  return `${item.metadata.namespace ?? ''}/${item.metadata.name ?? ''}`;
}
