/**
 * ci.keelson.dev/v1: JobConfig holds Prow job config in Prow's own YAML shapes (paste a Prow job
 * file under `spec:`), JobRun is Prow's ProwJob (same spec field names, snake_case as Prow writes
 * them) plus kstatus conditions. Job fields are validated by src/api/ci, not by the schema, so the
 * schema keeps unknown fields: they are reported as warnings instead of being pruned silently.
 */
import type { Condition, KubeObject } from '../meta.ts';
import type { DecorationConfig, JobState, JobType, PodSpec, Refs, ReporterConfig } from '../ci/types.ts';
import { conditionsSchema, customResourceDefinition, readyColumns, type JsonSchema } from './common.ts';

export const ciGroup = 'ci.keelson.dev';
/** apiVersion of JobConfig and JobRun. */
export const ciApiVersion = `${ciGroup}/v1`;

const preserved: JsonSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const preservedList: JsonSchema = { type: 'array', items: preserved };

export interface JobConfig extends KubeObject {
  spec: {
    presets?: unknown[];
    /** `org/repo` → jobs, as in Prow. */
    presubmits?: Record<string, unknown[]>;
    postsubmits?: Record<string, unknown[]>;
    periodics?: unknown[];
  };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    /** Jobs loaded, by type. */
    jobs?: { presubmits: number; postsubmits: number; periodics: number };
    /** Fields Keelson does not honour, as `file:line:col: job: field: message`. */
    warnings?: string[];
  };
}

export const jobConfigCrd = customResourceDefinition({
  group: ciGroup,
  kind: 'JobConfig',
  plural: 'jobconfigs',
  singular: 'jobconfig',
  printerColumns: readyColumns([
    { name: 'Presubmits', type: 'integer', jsonPath: '.status.jobs.presubmits' },
    { name: 'Postsubmits', type: 'integer', jsonPath: '.status.jobs.postsubmits' },
    { name: 'Periodics', type: 'integer', jsonPath: '.status.jobs.periodics' },
  ]),
  schema: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        properties: {
          presets: preservedList,
          presubmits: { type: 'object', additionalProperties: preservedList },
          postsubmits: { type: 'object', additionalProperties: preservedList },
          periodics: preservedList,
        },
      },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer', format: 'int64' },
          conditions: conditionsSchema,
          jobs: {
            type: 'object',
            properties: {
              presubmits: { type: 'integer' },
              postsubmits: { type: 'integer' },
              periodics: { type: 'integer' },
            },
          },
          warnings: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
});

export interface JobRunSpec {
  type: JobType;
  /** The job name. */
  job: string;
  /** Build cluster alias; `default` is the management cluster. */
  cluster?: string;
  namespace?: string;
  /** The code under test; unset for periodics without extra_refs. */
  refs?: Refs;
  extra_refs?: Refs[];
  /** Whether to set a commit status. */
  report?: boolean;
  context?: string;
  rerun_command?: string;
  max_concurrency?: number;
  pod_spec?: PodSpec;
  decoration_config?: DecorationConfig;
  reporter_config?: ReporterConfig;
}

export interface JobRunStatus {
  state?: JobState;
  startTime?: string;
  pendingTime?: string;
  completionTime?: string;
  description?: string;
  /** Where to read the log (Prow's `url`). */
  url?: string;
  pod_name?: string;
  build_id?: string;
  /** Reporter name → last state reported, so no state is reported twice (Prow's prev_report_states). */
  prev_report_states?: Record<string, JobState>;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface JobRun extends KubeObject {
  spec: JobRunSpec;
  status?: JobRunStatus;
}

const refsSchema: JsonSchema = {
  type: 'object',
  required: ['org', 'repo'],
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    org: { type: 'string' },
    repo: { type: 'string' },
    repo_link: { type: 'string' },
    base_ref: { type: 'string' },
    base_sha: { type: 'string' },
    base_link: { type: 'string' },
    pulls: {
      type: 'array',
      items: {
        type: 'object',
        required: ['number', 'author', 'sha'],
        'x-kubernetes-preserve-unknown-fields': true,
        properties: {
          number: { type: 'integer' },
          author: { type: 'string' },
          sha: { type: 'string' },
          title: { type: 'string' },
          ref: { type: 'string' },
          head_ref: { type: 'string' },
          link: { type: 'string' },
          commit_link: { type: 'string' },
          author_link: { type: 'string' },
        },
      },
    },
    path_alias: { type: 'string' },
    workdir: { type: 'boolean' },
    clone_uri: { type: 'string' },
    skip_submodules: { type: 'boolean' },
    clone_depth: { type: 'integer' },
  },
};

const states = ['triggered', 'pending', 'success', 'failure', 'aborted', 'error'];

export const jobRunCrd = customResourceDefinition({
  group: ciGroup,
  kind: 'JobRun',
  plural: 'jobruns',
  singular: 'jobrun',
  shortNames: ['jr'],
  // the columns `kubectl get prowjobs` shows
  printerColumns: [
    { name: 'Job', type: 'string', jsonPath: '.spec.job' },
    { name: 'BuildId', type: 'string', jsonPath: '.status.build_id' },
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Org', type: 'string', jsonPath: '.spec.refs.org' },
    { name: 'Repo', type: 'string', jsonPath: '.spec.refs.repo' },
    { name: 'Pulls', type: 'string', jsonPath: '.spec.refs.pulls[*].number' },
    { name: 'StartTime', type: 'date', jsonPath: '.status.startTime' },
    { name: 'CompletionTime', type: 'date', jsonPath: '.status.completionTime' },
    { name: 'State', type: 'string', jsonPath: '.status.state' },
  ],
  schema: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['type', 'job'],
        properties: {
          type: { type: 'string', enum: ['presubmit', 'postsubmit', 'periodic', 'batch'] },
          job: { type: 'string', minLength: 1 },
          cluster: { type: 'string' },
          namespace: { type: 'string' },
          refs: refsSchema,
          extra_refs: { type: 'array', items: refsSchema },
          report: { type: 'boolean' },
          context: { type: 'string' },
          rerun_command: { type: 'string' },
          max_concurrency: { type: 'integer', minimum: 0 },
          pod_spec: preserved,
          decoration_config: preserved,
          reporter_config: preserved,
        },
      },
      status: {
        type: 'object',
        properties: {
          state: { type: 'string', enum: states },
          startTime: { type: 'string', format: 'date-time' },
          pendingTime: { type: 'string', format: 'date-time' },
          completionTime: { type: 'string', format: 'date-time' },
          description: { type: 'string' },
          url: { type: 'string' },
          pod_name: { type: 'string' },
          build_id: { type: 'string' },
          prev_report_states: { type: 'object', additionalProperties: { type: 'string', enum: states } },
          observedGeneration: { type: 'integer', format: 'int64' },
          conditions: conditionsSchema,
        },
      },
    },
  },
});
