/** The Keelson kinds the CLI verbs name, and the words a user may call them by. */
import type { KubeObject } from '../api/meta.ts';
import type { GitRepository, Sync } from '../api/crds/index.ts';
import { findCondition, type HasConditions } from '../runtime/conditions.ts';

export interface CliKind {
  apiVersion: string;
  kind: string;
  /** What the CLI calls it: `keelson reconcile source NAME`. */
  word: 'source' | 'sync';
  /** The revision a `get` table shows and a finished reconcile reports. */
  revision(object: KubeObject): string | undefined;
  /** What a successful reconcile did, for `✔ fetched revision …`. */
  verb: string;
}

export const sourceKind: CliKind = {
  apiVersion: 'source.keelson.dev/v1',
  kind: 'GitRepository',
  word: 'source',
  revision: (object) => (object as GitRepository).status?.artifact?.revision,
  verb: 'fetched',
};

export const syncKind: CliKind = {
  apiVersion: 'sync.keelson.dev/v1',
  kind: 'Sync',
  word: 'sync',
  revision: (object) => (object as Sync).status?.lastAppliedRevision,
  verb: 'applied',
};

const aliases = new Map<string, CliKind>([
  ['source', sourceKind],
  ['sources', sourceKind],
  ['gitrepository', sourceKind],
  ['gitrepositories', sourceKind],
  ['gitrepo', sourceKind],
  ['sync', syncKind],
  ['syncs', syncKind],
]);

/** The kind a user wrote (`sources`, `sync`, `GitRepository`), or undefined. */
export function kindNamed(word: string): CliKind | undefined {
  return aliases.get(word.toLowerCase());
}

/** The Ready condition's status and message, as a `get` table shows them. */
export function readiness(object: KubeObject): { ready: string; message: string } {
  const ready = findCondition(object.status as HasConditions | undefined, 'Ready');
  return { ready: ready?.status ?? 'Unknown', message: ready?.message ?? '' };
}
