/**
 * The storage contract of the API server: a revision log in the spirit of kine. Every write gets the
 * next global revision, which becomes the object's resourceVersion; watches resume from any revision
 * still inside the retained window and get 410 Gone before it, and lists can read the state as of
 * any such revision (so every page of a paginated list shows one snapshot, as etcd's MVCC does).
 * Implementations are synchronous: the server is single-threaded and a write is acknowledged only
 * once it is durable.
 */
import { ConflictError, GoneError, NotFoundError } from '../../base/errors.ts';
import type { KubeObject } from '../../api/meta.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredObject {
  key: string;
  /** The object, with metadata.resourceVersion set to modRevision. */
  value: KubeObject;
  createRevision: number;
  modRevision: number;
}

export interface StorageEvent {
  type: EventType;
  key: string;
  /** For DELETED: the last state, with resourceVersion set to the revision of the deletion. */
  value: KubeObject;
  revision: number;
}

export interface ListResult {
  items: StoredObject[];
  /** The revision the list was read at. */
  revision: number;
  /** More items follow the last one returned (when a limit was given). */
  more: boolean;
  /** With `countRemaining`: how many keys of the prefix follow the last one returned. */
  remaining?: number;
}

export interface ListOptions {
  /** Only keys greater than this one. */
  startAfter?: string;
  limit?: number;
  /**
   * Read the state as of this revision rather than the current one. Any revision from
   * `compactedRevision` to `revision` can be read (SqliteStorage: none from before it rewrote a file
   * of an earlier layout); others throw GoneError. The cost grows with the writes since that
   * revision (at most the retained window), not with the size of the prefix.
   */
  revision?: number;
  /** Fill `remaining`: a binary search in memory, a count over the keys of the range in SQLite. */
  countRemaining?: boolean;
}

export type StorageListener = (event: StorageEvent) => void;

export interface Storage {
  get(key: string): StoredObject | undefined;
  list(prefix: string, options?: ListOptions): ListResult;
  count(prefix: string): number;
  /** Throws AlreadyExistsError when the key exists. */
  create(key: string, value: KubeObject): StoredObject;
  /** Throws NotFoundError when the key is missing and ConflictError when expectedRevision is stale. */
  update(key: string, value: KubeObject, expectedRevision?: number): StoredObject;
  /** Throws NotFoundError / ConflictError as update does. Returns the deleted state. */
  delete(key: string, expectedRevision?: number): StoredObject;
  /** Events after `revision` whose key starts with prefix; throws GoneError when compacted away. */
  eventsSince(prefix: string, revision: number): StorageEvent[];
  /** Called synchronously after each committed write, in revision order. */
  subscribe(listener: StorageListener): () => void;
  readonly revision: number;
  readonly compactedRevision: number;
  /** Drops history older than the retained window. */
  compact(): void;
  close(): void;
}

/** The end of a key range for a prefix ending in `/`. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export function withResourceVersion(value: KubeObject, revision: number): KubeObject {
  return { ...value, metadata: { ...value.metadata, resourceVersion: String(revision) } };
}

/** Throws GoneError unless a list can read `revision`: from `oldest` to `current`. */
export function checkReadable(revision: number, oldest: number, current: number): void {
  if (revision < oldest) throw new GoneError(`too old resource version: ${revision} (${oldest})`);
  if (revision > current) throw new GoneError(`too large resource version: ${revision}, current: ${current}`);
}

/** The checks of update and delete: NotFoundError when the key is missing, ConflictError when stale. */
export function checkCurrent<T>(
  key: string,
  row: T | undefined,
  modRevision: (row: T) => number,
  expectedRevision: number | undefined,
): T {
  if (row === undefined) throw new NotFoundError(`${key} not found`);
  if (expectedRevision !== undefined && modRevision(row) !== expectedRevision) {
    throw new ConflictError(
      `${key} has been modified: revision ${modRevision(row)}, expected ${expectedRevision}`,
    );
  }
  return row;
}
