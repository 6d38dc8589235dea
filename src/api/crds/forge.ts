/**
 * forge.keelson.dev/v1: the state of the built-in forge (src/forge), kept in the management
 * cluster like everything else. Git objects live in bare repositories on the forge's disk; these
 * kinds hold what git does not: pull requests with their comments, labels and reviews, commit
 * statuses, and webhooks. See docs/adr/0002-built-in-forge.md.
 */
import type { KubeObject } from '../meta.ts';
import { customResourceDefinition, type JsonSchema } from './common.ts';

export const forgeGroup = 'forge.keelson.dev';
export const forgeApiVersion = `${forgeGroup}/v1`;

/** A name part of `owner/name`: what GitHub allows that is also a Kubernetes name part. */
export const forgeNamePattern = '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$';

export interface ForgeWebhookSpec {
  id: number;
  url: string;
  /** GitHub event names, or `*`. */
  events: string[];
  active: boolean;
  /** The Secret (in the forge's namespace) and key holding the HMAC secret. */
  secretRef?: { name: string; key: string };
}

/** A git repository of the built-in forge; object name `<owner>.<name>`. */
export interface ForgeRepository extends KubeObject {
  spec: {
    owner: string;
    name: string;
    description?: string;
    defaultBranch: string;
    private?: boolean;
    /** Logins that may push and merge besides the owner's org members and site admins. */
    collaborators?: string[];
    webhooks?: ForgeWebhookSpec[];
  };
  status?: {
    /** GitHub-style numeric id. */
    id?: number;
    /** The next pull request number. */
    nextNumber?: number;
    /** The next id for comments, reviews, statuses and webhooks of this repository. */
    nextId?: number;
    pushedAt?: string;
  };
}

export interface ForgeComment {
  id: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface ForgeReview {
  id: number;
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  body: string;
  commitId: string;
  submittedAt: string;
}

/** A pull request; object name `<owner>.<name>.<number>`. */
export interface ForgePullRequest extends KubeObject {
  spec: {
    repository: string;
    number: number;
    title: string;
    body?: string;
    user: string;
    head: string;
    base: string;
    state: 'open' | 'closed';
    labels?: string[];
  };
  status?: {
    headSha?: string;
    baseSha?: string;
    merged?: boolean;
    mergedAt?: string;
    mergedBy?: string;
    mergeCommitSha?: string;
    closedAt?: string;
    updatedAt?: string;
    comments?: ForgeComment[];
    reviews?: ForgeReview[];
  };
}

export interface ForgeStatusEntry {
  id: number;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description?: string;
  targetUrl?: string;
  creator: string;
  createdAt: string;
}

/**
 * The statuses of one commit, newest last; object name `<owner>.<name>.<sha>`. Statuses belong to
 * commits, not pull requests: a postsubmit reports on a branch's commit that no PR names.
 */
export interface ForgeCommitStatus extends KubeObject {
  spec: { repository: string; sha: string; statuses: ForgeStatusEntry[] };
}

const str: JsonSchema = { type: 'string' };
const int: JsonSchema = { type: 'integer', format: 'int64' };
const namePart: JsonSchema = { type: 'string', pattern: forgeNamePattern, maxLength: 100 };
const sha: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{40}$' };
const age: JsonSchema = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function object(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', ...(required.length > 0 && { required }), properties };
}

function kindSchema(spec: JsonSchema, status?: JsonSchema): JsonSchema {
  return object({
    apiVersion: str,
    kind: str,
    metadata: { type: 'object' },
    spec,
    ...(status !== undefined && { status }),
  });
}

export const forgeRepositoryCrd = customResourceDefinition({
  group: forgeGroup,
  kind: 'Repository',
  plural: 'repositories',
  singular: 'repository',
  shortNames: ['repo'],
  categories: ['keelson', 'forge'],
  printerColumns: [
    { name: 'Owner', type: 'string', jsonPath: '.spec.owner' },
    { name: 'Repository', type: 'string', jsonPath: '.spec.name' },
    { name: 'Default-Branch', type: 'string', jsonPath: '.spec.defaultBranch' },
    age,
  ],
  schema: kindSchema(
    object(
      {
        owner: namePart,
        name: namePart,
        description: str,
        defaultBranch: { type: 'string', default: 'main', minLength: 1 },
        private: { type: 'boolean' },
        collaborators: { type: 'array', items: str },
        webhooks: {
          type: 'array',
          items: object(
            {
              id: int,
              url: { type: 'string', pattern: '^https?://' },
              events: { type: 'array', items: str },
              active: { type: 'boolean' },
              secretRef: object({ name: str, key: str }, ['name', 'key']),
            },
            ['id', 'url', 'events', 'active'],
          ),
        },
      },
      ['owner', 'name', 'defaultBranch'],
    ),
    object({ id: int, nextNumber: int, nextId: int, pushedAt: str }),
  ),
});

export const forgePullRequestCrd = customResourceDefinition({
  group: forgeGroup,
  kind: 'PullRequest',
  plural: 'pullrequests',
  singular: 'pullrequest',
  shortNames: ['pr'],
  categories: ['keelson', 'forge'],
  printerColumns: [
    { name: 'Repository', type: 'string', jsonPath: '.spec.repository' },
    { name: 'Number', type: 'integer', jsonPath: '.spec.number' },
    { name: 'State', type: 'string', jsonPath: '.spec.state' },
    { name: 'Head', type: 'string', jsonPath: '.spec.head' },
    { name: 'Title', type: 'string', jsonPath: '.spec.title', priority: 1 },
    age,
  ],
  schema: kindSchema(
    object(
      {
        repository: str,
        number: { type: 'integer', minimum: 1 },
        title: { type: 'string', minLength: 1 },
        body: str,
        user: str,
        head: { type: 'string', minLength: 1 },
        base: { type: 'string', minLength: 1 },
        state: { type: 'string', enum: ['open', 'closed'] },
        labels: { type: 'array', items: str },
      },
      ['repository', 'number', 'title', 'user', 'head', 'base', 'state'],
    ),
    object({
      headSha: sha,
      baseSha: sha,
      merged: { type: 'boolean' },
      mergedAt: str,
      mergedBy: str,
      mergeCommitSha: sha,
      closedAt: str,
      updatedAt: str,
      comments: {
        type: 'array',
        items: object({ id: int, body: str, user: str, createdAt: str, updatedAt: str }, [
          'id',
          'body',
          'user',
          'createdAt',
          'updatedAt',
        ]),
      },
      reviews: {
        type: 'array',
        items: object(
          {
            id: int,
            user: str,
            state: { type: 'string', enum: ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED'] },
            body: str,
            commitId: str,
            submittedAt: str,
          },
          ['id', 'user', 'state', 'body', 'commitId', 'submittedAt'],
        ),
      },
    }),
  ),
});

export const forgeCommitStatusCrd = customResourceDefinition({
  group: forgeGroup,
  kind: 'CommitStatus',
  plural: 'commitstatuses',
  singular: 'commitstatus',
  categories: ['keelson', 'forge'],
  printerColumns: [
    { name: 'Repository', type: 'string', jsonPath: '.spec.repository' },
    { name: 'Sha', type: 'string', jsonPath: '.spec.sha' },
    age,
  ],
  schema: kindSchema(
    object(
      {
        repository: str,
        sha,
        statuses: {
          type: 'array',
          items: object(
            {
              id: int,
              state: { type: 'string', enum: ['error', 'failure', 'pending', 'success'] },
              context: { type: 'string', minLength: 1 },
              description: str,
              targetUrl: str,
              creator: str,
              createdAt: str,
            },
            ['id', 'state', 'context', 'creator', 'createdAt'],
          ),
        },
      },
      ['repository', 'sha', 'statuses'],
    ),
  ),
});
