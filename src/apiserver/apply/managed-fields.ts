/**
 * `metadata.managedFields` as kube-apiserver reads and writes it (k8s.io/apimachinery's
 * util/managedfields/internal): one field set per manager identity, the conflict error an apply
 * returns, and the cap on the number of Update entries.
 *
 * A manager's identity is its name, operation and subresource, plus the apiVersion for Update entries:
 * an applier keeps one entry whichever version it applies with, an updater gets one per version.
 */
import type { KubeObject, ManagedFieldsEntry } from '../../api/meta.ts';
import { ConflictError, type StatusCause } from '../../base/errors.ts';
import { deepEqual, isObject } from '../../base/json.ts';
import {
  FieldSet,
  compareStrings,
  formatFieldPath,
  goJsonString,
  goQuote,
  type FieldPath,
} from './field-set.ts';

export interface ManagerFields {
  set: FieldSet;
  apiVersion: string;
  /** True for an Apply entry. */
  applied: boolean;
  time?: string | undefined;
}

/** Field sets by manager identity (see managerIdentity). */
export type ManagedFieldSets = Map<string, ManagerFields>;

export interface ManagerDescription {
  manager?: string | undefined;
  operation?: string | undefined;
  apiVersion?: string | undefined;
  subresource?: string | undefined;
}

/**
 * The identity kube-apiserver keys managers by: the JSON of the entry without its fields, time and
 * fieldsType, and without apiVersion for Apply entries (`BuildManagerIdentifier`).
 */
export function managerIdentity(entry: ManagerDescription): string {
  const parts: Array<[string, string | undefined]> = [
    ['manager', entry.manager],
    ['operation', entry.operation],
    ['apiVersion', entry.operation === 'Apply' ? undefined : entry.apiVersion],
    ['subresource', entry.subresource],
  ];
  const present = parts.filter((part): part is [string, string] => part[1] !== undefined && part[1] !== '');
  return `{${present.map(([name, value]) => `"${name}":${goJsonString(value)}`).join(',')}}`;
}

/** The entry fields an identity was built from. */
export function parseManagerIdentity(identity: string): ManagerDescription {
  try {
    const parsed = JSON.parse(identity) as unknown;
    if (!isObject(parsed)) return { manager: identity };
    const text = (name: string): string | undefined => {
      const value = parsed[name];
      return typeof value === 'string' ? value : undefined;
    };
    return {
      manager: text('manager'),
      operation: text('operation'),
      apiVersion: text('apiVersion'),
      subresource: text('subresource'),
    };
  } catch {
    return { manager: identity };
  }
}

/** A managedFields list kube-apiserver would refuse to decode. */
export class ManagedFieldsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ManagedFieldsError';
  }
}

/** Decodes `metadata.managedFields`, with kube-apiserver's checks and messages (`DecodeManagedFields`). */
export function decodeManagedFields(entries: unknown): ManagedFieldSets {
  const managed: ManagedFieldSets = new Map();
  if (entries === undefined || entries === null) return managed;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  entries.forEach((entry: unknown, index) => {
    if (!isObject(entry)) throw new ManagedFieldsError(`managed fields entry ${index} must be an object`);
    const operation = entry['operation'];
    if (operation !== 'Apply' && operation !== 'Update')
      throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    const apiVersion = entry['apiVersion'];
    if (typeof apiVersion !== 'string' || apiVersion === '')
      throw new ManagedFieldsError('apiVersion must not be empty');
    const fieldsType = entry['fieldsType'];
    if (fieldsType === undefined || fieldsType === null || fieldsType === '') {
      throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${index}`);
    }
    if (fieldsType !== 'FieldsV1')
      throw new ManagedFieldsError(
        `invalid fieldsType ${JSON.stringify(fieldsType)} in managed fields entry ${index}`,
      );
    const manager = optionalString(entry, 'manager', index);
    const subresource = optionalString(entry, 'subresource', index);
    const time = optionalString(entry, 'time', index);
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(entry['fieldsV1']);
    } catch (error) {
      throw new ManagedFieldsError(
        `error decoding versioned set from managed fields entry ${index}: error decoding set: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const identity = managerIdentity({ manager, operation, apiVersion, subresource });
    managed.set(identity, {
      set,
      apiVersion,
      applied: operation === 'Apply',
      time: time === undefined || time === '' ? undefined : formatTime(time),
    });
  });
  return managed;
}

function optionalString(entry: Record<string, unknown>, name: string, index: number): string | undefined {
  const value = entry[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new ManagedFieldsError(`${name} of managed fields entry ${index} must be a string`);
  return value;
}

/**
 * Encodes field sets as `metadata.managedFields`, sorted as kube-apiserver sorts them: Apply before
 * Update, then oldest first, then by manager, apiVersion and subresource. Undefined when empty, as the
 * field is then dropped from the object.
 */
export function encodeManagedFields(managed: ManagedFieldSets): ManagedFieldsEntry[] | undefined {
  if (managed.size === 0) return undefined;
  const entries: ManagedFieldsEntry[] = [];
  for (const [identity, fields] of managed) {
    const described = parseManagerIdentity(identity);
    const entry: ManagedFieldsEntry = {};
    if (described.manager) entry.manager = described.manager;
    const operation = fields.applied ? 'Apply' : described.operation;
    if (operation === 'Apply' || operation === 'Update') entry.operation = operation;
    entry.apiVersion = fields.apiVersion;
    if (fields.time !== undefined) entry.time = fields.time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = fields.set.toFieldsV1();
    if (described.subresource) entry.subresource = described.subresource;
    entries.push(entry);
  }
  return entries.sort(compareEntries);
}

function compareEntries(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  return (
    compareStrings(p.operation ?? '', q.operation ?? '') ||
    Math.sign(unixSeconds(p.time) - unixSeconds(q.time)) ||
    compareStrings(p.manager ?? '', q.manager ?? '') ||
    compareStrings(p.apiVersion ?? '', q.apiVersion ?? '') ||
    compareStrings(p.subresource ?? '', q.subresource ?? '')
  );
}

function unixSeconds(time: string | undefined): number {
  if (time === undefined) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** A time as metav1.Time writes it: RFC 3339 in UTC, whole seconds. Text that is not a time is kept. */
export function formatTime(time: string): string {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return time;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * True when a client asks to clear managedFields: an empty list, or a list of one empty entry
 * (`isResetManagedFields`). An absent list means "keep them".
 */
export function isResetManagedFields(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  if (entries.length !== 1) return false;
  const only: unknown = entries[0];
  if (!isObject(only)) return false;
  return entryFields.every(
    (name) => only[name] === undefined || only[name] === null || (name !== 'fieldsV1' && only[name] === ''),
  );
}

/**
 * Whether two states of an object are the same write: equal, with managedFields compared entry by
 * entry but for their timestamps. A write whose result is the same as the stored object is a no-op
 * that keeps the stored object and its timestamps (kube-apiserver's
 * `IgnoreManagedFieldsTimestampsTransformer`, then etcd3's unchanged-bytes check); a new entry, a
 * dropped one or changed fieldsV1 is a change to persist, even when every other field is unchanged.
 */
export function equalIgnoringManagedFieldsTimestamps(a: KubeObject, b: KubeObject): boolean {
  const { managedFields: aEntries, ...aMeta } = a.metadata;
  const { managedFields: bEntries, ...bMeta } = b.metadata;
  if ((aEntries?.length ?? 0) !== (bEntries?.length ?? 0)) return false;
  for (let i = 0; i < (aEntries?.length ?? 0); i++) {
    const { time: _aTime, ...aEntry } = aEntries?.[i] ?? {};
    const { time: _bTime, ...bEntry } = bEntries?.[i] ?? {};
    if (!deepEqual(aEntry, bEntry)) return false;
  }
  return deepEqual({ ...a, metadata: aMeta }, { ...b, metadata: bMeta });
}

const entryFields = ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource'];

/** kube-apiserver keeps at most this many Update entries (`DefaultMaxUpdateManagers`). */
export const maxUpdateManagers = 10;

/**
 * Merges the oldest Update entries into one "ancient-changes" entry per apiVersion until at most
 * `max` Update entries remain (`capUpdateManagers`).
 */
export function capUpdateManagers(managed: ManagedFieldSets, max = maxUpdateManagers): void {
  const updaters = [...managed].filter(([, fields]) => !fields.applied).map(([identity]) => identity);
  if (updaters.length <= max) return;
  const seconds = (identity: string): number => unixSeconds(managed.get(identity)?.time);
  updaters.sort((a, b) => Math.sign(seconds(a) - seconds(b)) || compareStrings(a, b));
  const firstOfVersion = new Map<string, string>();
  let count = updaters.length;
  for (let i = 0; i < updaters.length && count > max; i++) {
    const identity = updaters[i] as string;
    const fields = managed.get(identity);
    if (fields === undefined) continue;
    const bucket = managerIdentity({
      manager: 'ancient-changes',
      operation: 'Update',
      apiVersion: fields.apiVersion,
    });
    const first = firstOfVersion.get(fields.apiVersion);
    if (first === undefined || identity === bucket) {
      firstOfVersion.set(fields.apiVersion, identity);
      continue;
    }
    if (!managed.has(bucket)) {
      const moved = managed.get(first);
      managed.delete(first);
      if (moved !== undefined) managed.set(bucket, moved);
    }
    const merged = managed.get(bucket);
    managed.set(bucket, {
      set: merged === undefined ? fields.set : fields.set.union(merged.set),
      apiVersion: fields.apiVersion,
      applied: false,
      time: fields.time,
    });
    managed.delete(identity);
    count--;
  }
}

export interface Conflict {
  /** The identity of the manager that owns the field. */
  manager: string;
  path: FieldPath;
}

/**
 * How conflicts name a manager (`printManager`): `"kubectl"`, `"x" with subresource "status"`, and
 * `"kubectl-edit" using v1` for updaters.
 */
export function describeManager(identity: string): string {
  const described = parseManagerIdentity(identity);
  let text = goQuote(described.manager ?? '');
  if (described.subresource) text += ` with subresource ${goQuote(described.subresource)}`;
  if (described.operation === 'Update') text += ` using ${described.apiVersion ?? ''}`;
  return text;
}

/**
 * The 409 an apply with conflicts fails with, worded as kube-apiserver words it (`NewConflictError`):
 * `Apply failed with 1 conflict: conflict with "first": .data.owner`, or for several
 * `Apply failed with 2 conflicts: conflicts with "first":\n- .data.a\n- .data.b`, managers sorted,
 * and one `FieldManagerConflict` cause per field.
 */
export function conflictError(conflicts: readonly Conflict[]): ConflictError {
  const sorted = [...conflicts].sort((a, b) => compareStrings(a.manager, b.manager));
  const causes: StatusCause[] = sorted.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c.manager)}`,
    field: formatFieldPath(c.path),
  }));
  const first = sorted[0];
  if (sorted.length === 1 && first !== undefined) {
    return new ConflictError(
      `Apply failed with 1 conflict: conflict with ${describeManager(first.manager)}: ${formatFieldPath(first.path)}`,
      { causes },
    );
  }
  const lines: string[] = [];
  let current: string | undefined;
  for (const conflict of sorted) {
    if (conflict.manager !== current) {
      current = conflict.manager;
      lines.push(`conflicts with ${describeManager(conflict.manager)}:`);
    }
    lines.push(`- ${formatFieldPath(conflict.path)}`);
  }
  return new ConflictError(`Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`, { causes });
}
