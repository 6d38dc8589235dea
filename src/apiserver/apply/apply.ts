/**
 * The field manager: server-side apply, and the bookkeeping of who owns which field on every other
 * write. Follows kube-apiserver's field manager (k8s.io/apimachinery util/managedfields/internal over
 * sigs.k8s.io/structured-merge-diff/merge) step for step, so ownership, pruning, conflicts and
 * `metadata.managedFields` come out as a real cluster writes them.
 */
import { splitApiVersion, type KubeObject } from '../../api/meta.ts';
import type { SchemaCursor } from '../../api/schema.ts';
import { BadRequestError, KeelsonError } from '../../base/errors.ts';
import { deepEqual, isObject, type JsonObject } from '../../base/json.ts';
import { FieldSet, fieldPath, goJson } from './field-set.ts';
import {
  capUpdateManagers,
  conflictError,
  decodeManagedFields,
  encodeManagedFields,
  formatTime,
  isResetManagedFields,
  managerIdentity,
  type Conflict,
  type ManagedFieldSets,
} from './managed-fields.ts';
import {
  TypedValueError,
  diffFields,
  fieldsOf,
  mergeValues,
  objectSchema,
  removeFields,
  withNamedFieldsAsMembers,
  type FieldChanges,
} from './typed.ts';

export interface FieldManagerOptions {
  /** The fieldManager of the request; empty means "unknown". */
  manager: string;
  /** The schema of the whole object; undefined means every field is deduced. */
  schema: SchemaCursor | undefined;
  /** The apiVersion the request is served at, recorded in the entry. */
  apiVersion: string;
  /** The time of the request, written to entries whose fields changed. */
  now: string;
  /** `status` for writes to the status subresource: its managers are separate entries. */
  subresource?: string | undefined;
  /**
   * Fields this endpoint does not own and so never tracks, with everything below them: `[['status']]`
   * for the main resource of a kind with a status subresource, `[['spec']]` for the status subresource.
   * They are still merged; resetting them is the strategy's job, as in kube-apiserver.
   */
  ignoredPaths?: ReadonlyArray<readonly string[]> | undefined;
}

export interface ApplyOptions extends FieldManagerOptions {
  /** Take the fields that conflict from their other managers instead of failing. */
  force: boolean;
}

/** Fields no manager ever owns (`stripMetaManager`, plus deletionTimestamp). Only exact paths. */
const untracked = FieldSet.fromPaths(
  [
    ['apiVersion'],
    ['kind'],
    ['metadata'],
    ['metadata', 'name'],
    ['metadata', 'namespace'],
    ['metadata', 'creationTimestamp'],
    ['metadata', 'deletionTimestamp'],
    ['metadata', 'selfLink'],
    ['metadata', 'uid'],
    ['metadata', 'clusterName'],
    ['metadata', 'generation'],
    ['metadata', 'managedFields'],
    ['metadata', 'resourceVersion'],
  ].map(fieldPath),
);

/**
 * Server-side apply: merges `config` into `live` (undefined when the apply creates the object) and
 * returns the new object with `metadata.managedFields` updated.
 *
 * Fields in the configuration are set (list-maps merge by key, sets by value, atomics are replaced)
 * and become owned by the manager, shared with any manager that owns them at the same value. Fields
 * the manager applied last time and omits now are removed unless another manager owns them. Changing
 * a field another manager owns is a conflict: a 409 ConflictError worded as kube-apiserver words it,
 * unless `force`, which takes the field from its other managers.
 */
export function applyConfiguration(
  live: KubeObject | undefined,
  config: KubeObject,
  opts: ApplyOptions,
): KubeObject {
  const configManagedFields: unknown = isObject(config.metadata) ? config.metadata.managedFields : undefined;
  if (configManagedFields !== undefined && configManagedFields !== null)
    throw new BadRequestError('metadata.managedFields must be nil');
  checkObjectType(live, config, opts.apiVersion);
  const request: ApplyRequest = {
    live: live === undefined ? {} : withoutManagedFields(live),
    liveManagedFields: live?.metadata.managedFields,
    config: withoutManagedFields(config),
    applied: FieldSet.empty,
    schema: objectSchema(opts.schema),
    opts,
  };
  try {
    request.applied = fieldsOf(request.config, request.schema);
  } catch (error) {
    if (!(error instanceof TypedValueError)) throw error;
    throw new KeelsonError(
      'KEELSON_INTERNAL',
      `failed to create typed patch object (${describeObject(config)}): ${error.message}`,
      {},
      { cause: error },
    );
  }

  let outcome = applyOnce(request, opts.force);
  if (outcome.conflicts !== undefined && opts.manager === 'kubectl') {
    // kubectl moving an object from client-side to server-side apply takes over, without conflicts,
    // the fields its last-applied annotation says it set and still match (lastAppliedManager)
    const allowed = allowedByLastApplied(request);
    if (allowed !== undefined) {
      const remaining = outcome.conflicts.filter((conflict) => !allowed.has(conflict.path));
      outcome = remaining.length === 0 ? applyOnce(request, true) : { conflicts: remaining };
    }
  }
  if (outcome.conflicts !== undefined) throw conflictError(outcome.conflicts);
  // kubectl's server-side apply keeps a client-side apply annotation in step (lastAppliedUpdater)
  if (opts.manager === 'kubectl') syncLastApplied(outcome.object, config);
  return outcome.object;
}

interface ApplyRequest {
  live: JsonObject;
  liveManagedFields: unknown;
  config: JsonObject;
  /** The fields the configuration sets. */
  applied: FieldSet;
  schema: SchemaCursor;
  opts: ApplyOptions;
}

type ApplyOutcome =
  { object: KubeObject; conflicts?: undefined } | { object?: undefined; conflicts: Conflict[] };

/** One pass of structured-merge-diff's `Apply` over freshly decoded managedFields. */
function applyOnce(request: ApplyRequest, force: boolean): ApplyOutcome {
  const { live, config, schema, opts } = request;
  const ignored = ignoredSet(opts.ignoredPaths);
  const self = managerIdentity({
    manager: opts.manager || 'unknown',
    operation: 'Apply',
    subresource: opts.subresource,
  });
  let managed: ManagedFieldSets;
  try {
    managed = decodeManagedFields(request.liveManagedFields);
  } catch (error) {
    throw new KeelsonError(
      'KEELSON_INTERNAL',
      `failed to decode managed fields: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }

  const merged = mergeValues(live, config, schema);
  const last = managed.get(self);
  managed.set(self, {
    set: request.applied.recursiveDifference(ignored),
    apiVersion: opts.apiVersion,
    applied: true,
    time: last?.time,
  });
  const pruned = last === undefined ? merged : prune(merged, managed, last.set, schema);
  const conflicts = takeFields(managed, self, excluding(diffFields(live, pruned, schema), ignored), force);
  if (conflicts.length > 0) return { conflicts };
  stripUntracked(managed, self);

  const entry = managed.get(self);
  // kube-apiserver stamps the applier only when the object changed
  if (entry !== undefined && !deepEqual(live, pruned)) entry.time = formatTime(opts.now);
  return { object: withManagedFields(pruned, managed) };
}

const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The fields kubectl's last-applied annotation on the live object says kubectl set, less those whose
 * value has changed since; undefined when there is no usable annotation.
 */
function allowedByLastApplied(request: ApplyRequest): FieldSet | undefined {
  const metadata = request.live['metadata'];
  const annotations = isObject(metadata) ? metadata['annotations'] : undefined;
  const text = isObject(annotations) ? annotations[lastAppliedAnnotation] : undefined;
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    const lastApplied = JSON.parse(text) as unknown;
    if (!isObject(lastApplied) || lastApplied['apiVersion'] !== request.opts.apiVersion) return undefined;
    const changes = diffFields(lastApplied, request.live, request.schema);
    return fieldsOf(lastApplied, request.schema)
      .difference(changes.modified)
      .difference(changes.added)
      .difference(changes.removed);
  } catch {
    return undefined;
  }
}

/** Rewrites an existing last-applied annotation to the applied configuration, as kubectl would write it. */
function syncLastApplied(object: KubeObject, config: KubeObject): void {
  const annotations = object.metadata.annotations;
  if (annotations === undefined || !annotations[lastAppliedAnnotation]) return;
  const applied = structuredClone(config) as JsonObject;
  const appliedMetadata = applied['metadata'];
  if (isObject(appliedMetadata) && isObject(appliedMetadata['annotations']))
    delete appliedMetadata['annotations'][lastAppliedAnnotation];
  // Go's json.Encoder: sorted keys, HTML-escaped, and a trailing newline
  annotations[lastAppliedAnnotation] = `${goJson(applied)}\n`;
}

/**
 * The bookkeeping of a create, update or non-apply patch (operation `Update`): the fields that changed
 * between `oldObj` (undefined on create) and `newObj` become owned by the manager and are taken from
 * every other manager; entries left empty are dropped. Returns `newObj` with managedFields updated.
 *
 * managedFields sent by the client are honoured as kube-apiserver honours them: a list that decodes
 * replaces the stored one, `[]` or `[{}]` clears it, an absent or undecodable list keeps the stored
 * one, and writes to a subresource always keep the stored one.
 */
export function recordUpdate(
  oldObj: KubeObject | undefined,
  newObj: KubeObject,
  opts: FieldManagerOptions,
): KubeObject {
  const isSubresource = opts.subresource !== undefined && opts.subresource !== '';
  const managed = managedOfUpdate(oldObj, newObj, isSubresource);
  const self = managerIdentity({
    manager: opts.manager || 'unknown',
    operation: 'Update',
    apiVersion: opts.apiVersion,
    subresource: opts.subresource,
  });
  const ignored = ignoredSet(opts.ignoredPaths);
  let changes: FieldChanges;
  try {
    changes = excluding(
      diffFields(
        oldObj === undefined ? {} : withoutManagedFields(oldObj),
        withoutManagedFields(newObj),
        objectSchema(opts.schema),
      ),
      ignored,
    );
  } catch {
    // kube-apiserver's UpdateNoErrors: keep the stored managedFields rather than fail the write
    const kept = structuredClone(newObj);
    if (oldObj?.metadata.managedFields === undefined) delete kept.metadata.managedFields;
    else kept.metadata.managedFields = structuredClone(oldObj.metadata.managedFields);
    return kept;
  }

  const changed = changes.modified.union(changes.added);
  for (const [identity, fields] of managed) {
    fields.set = fields.set.difference(changed).difference(changes.removed);
    if (fields.set.isEmpty()) managed.delete(identity);
  }
  const taken = changed.difference(changes.removed).recursiveDifference(ignored).difference(untracked);
  if (!taken.isEmpty()) {
    const previous = managed.get(self);
    managed.set(self, {
      set: previous === undefined ? taken : taken.union(previous.set),
      apiVersion: opts.apiVersion,
      applied: false,
      time: formatTime(opts.now),
    });
  }
  capUpdateManagers(managed);
  return withManagedFields(structuredClone(withoutManagedFields(newObj)), managed);
}

/** `decodeLiveOrNew`: which managedFields an update starts from. */
function managedOfUpdate(
  oldObj: KubeObject | undefined,
  newObj: KubeObject,
  isSubresource: boolean,
): ManagedFieldSets {
  const stored = (): ManagedFieldSets => {
    try {
      return decodeManagedFields(oldObj?.metadata.managedFields);
    } catch {
      return new Map();
    }
  };
  if (isSubresource) return stored();
  const sent: unknown = newObj.metadata.managedFields;
  if (isResetManagedFields(sent)) return new Map();
  try {
    const decoded = decodeManagedFields(sent);
    if (decoded.size > 0) return decoded;
  } catch {
    // a list the client broke is ignored, as kube-apiserver ignores it
  }
  return stored();
}

/**
 * Removes what the applier applied last time and omits now, unless some manager still owns it
 * (structured-merge-diff's `prune`, `addBackOwnedItems` and `addBackDanglingItems`).
 */
function prune(merged: unknown, managed: ManagedFieldSets, last: FieldSet, schema: SchemaCursor): unknown {
  if (last.isEmpty()) return merged;
  const named = (set: FieldSet): FieldSet => withNamedFieldsAsMembers(set, schema);
  const fieldsOfValue = (value: unknown): FieldSet => named(fieldsOf(value, schema, { lenient: true }));
  const lastNamed = named(last);
  let owned = FieldSet.empty;
  for (const fields of managed.values()) owned = owned.union(fields.set);

  const removed = removeFields(merged, lastNamed, schema);
  const mergedSet = fieldsOfValue(merged);
  const ownedBack = removeFields(
    merged,
    mergedSet.difference(fieldsOfValue(removed).union(named(owned))),
    schema,
  );
  return removeFields(merged, mergedSet.difference(fieldsOfValue(ownedBack)).intersection(lastNamed), schema);
}

/**
 * structured-merge-diff's `update`: the fields that changed are taken from every manager but `self`,
 * and removed fields leave every set; empty entries are dropped. Returns the conflicts instead, and
 * changes nothing, when fields other managers own changed and the apply is not forced.
 */
function takeFields(
  managed: ManagedFieldSets,
  self: string,
  changes: FieldChanges,
  force: boolean,
): Conflict[] {
  const changed = changes.modified.union(changes.added);
  const conflicts: Conflict[] = [];
  const taken = new Map<string, FieldSet>();
  for (const [identity, fields] of managed) {
    if (identity === self) continue;
    const overlap = fields.set.intersection(changed);
    if (overlap.isEmpty()) continue;
    taken.set(identity, overlap);
    for (const path of overlap.paths()) conflicts.push({ manager: identity, path });
  }
  if (!force && conflicts.length > 0) return conflicts;
  for (const [identity, fields] of managed) {
    if (identity !== self)
      fields.set = fields.set.difference(taken.get(identity) ?? FieldSet.empty).difference(changes.removed);
  }
  for (const [identity, fields] of managed) if (fields.set.isEmpty()) managed.delete(identity);
  return [];
}

function stripUntracked(managed: ManagedFieldSets, self: string): void {
  const fields = managed.get(self);
  if (fields === undefined) return;
  fields.set = fields.set.difference(untracked);
  if (fields.set.isEmpty()) managed.delete(self);
}

function excluding(changes: FieldChanges, ignored: FieldSet): FieldChanges {
  if (ignored.isEmpty()) return changes;
  return {
    added: changes.added.recursiveDifference(ignored),
    modified: changes.modified.recursiveDifference(ignored),
    removed: changes.removed.recursiveDifference(ignored),
  };
}

function ignoredSet(paths: ReadonlyArray<readonly string[]> | undefined): FieldSet {
  return FieldSet.fromPaths((paths ?? []).map(fieldPath));
}

/** `versionCheckManager`: an apply must be of the kind and version of the endpoint. */
function checkObjectType(live: KubeObject | undefined, config: KubeObject, apiVersion: string): void {
  const kind: unknown = config.kind;
  const configVersion: unknown = config.apiVersion;
  if (
    configVersion === apiVersion &&
    typeof kind === 'string' &&
    kind !== '' &&
    (live === undefined || live.kind === kind)
  )
    return;
  const { group, version } = splitApiVersion(typeof configVersion === 'string' ? configVersion : '');
  throw new BadRequestError(
    `invalid object type: ${group}/${version}, Kind=${typeof kind === 'string' ? kind : ''}`,
  );
}

/** `namespace/name; group/version, Kind=kind`, as kube-apiserver names the object in apply errors. */
function describeObject(object: KubeObject): string {
  const { group, version } = splitApiVersion(object.apiVersion);
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}; ${group}/${version}, Kind=${object.kind}`;
}

/** A shallow view of the object without managedFields; the walks never change their inputs. */
function withoutManagedFields(object: KubeObject): JsonObject {
  const { managedFields: _managedFields, ...metadata } = isObject(object.metadata) ? object.metadata : {};
  return { ...object, metadata };
}

function withManagedFields(value: unknown, managed: ManagedFieldSets): KubeObject {
  const object = (isObject(value) ? value : {}) as KubeObject;
  if (!isObject(object.metadata)) object.metadata = {};
  const entries = encodeManagedFields(managed);
  if (entries === undefined) delete object.metadata.managedFields;
  else object.metadata.managedFields = entries;
  return object;
}
