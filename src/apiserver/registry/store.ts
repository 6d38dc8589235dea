/**
 * The generic object store of one logical cluster: the verbs of kube-apiserver's generic registry
 * (create, get, list, update, patch, delete, deletecollection, status and scale subresources) over a
 * Storage, with defaulting, validation, pruning, managed fields, generation, finalizers and
 * graceful deletion. Authorization happens before; HTTP encoding after.
 */
import { randomUUID } from 'node:crypto';
import {
  BadRequestError,
  ConflictError,
  GoneError,
  KeelsonError,
  NotFoundError,
  invalidError,
  type FieldError,
} from '../../base/errors.ts';
import { deepEqual, isObject } from '../../base/json.ts';
import {
  apiVersionOf,
  splitApiVersion,
  type KubeList,
  type KubeObject,
  type ObjectMeta,
} from '../../api/meta.ts';
import { groupResource } from '../../api/resources.ts';
import { applyDefaults, validateObject } from '../../api/validation/index.ts';
import { applyConfiguration, equalIgnoringManagedFieldsTimestamps, recordUpdate } from '../apply/index.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, type PatchType } from '../patch/index.ts';
import { pruneUnknownFields } from '../prune.ts';
import {
  fieldLabels,
  formatSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  selectorFromLabelSelector,
  type Selector,
} from '../selectors.ts';
import type {
  ListOptions as StorageListOptions,
  ListResult as StorageListResult,
  Storage,
  StoredObject,
} from '../storage/storage.ts';
import {
  ContinueExpiredError,
  currentRevision,
  decodeContinue,
  encodeContinue,
  type ContinueToken,
} from './continue.ts';
import { timestamp, type RequestContext } from './context.ts';
import { allowsCreateOnUpdate, resetsStatusOnCreate, tracksGeneration } from './strategy.ts';
import { collectionPrefix, objectKey, type ServedType, type TypeRegistry } from './types.ts';
import type { KindHooks } from './hooks.ts';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type Subresource = '' | 'status' | 'scale' | 'finalize';

export interface WriteResult {
  object: KubeObject;
  /** create-on-update or apply created the object (201 rather than 200). */
  created: boolean;
}

export interface DeleteResult {
  object: KubeObject;
  /** Gone from storage now (rather than marked for deletion, waiting for finalizers). */
  deleted: boolean;
}

export interface StoreDeps {
  cluster: string;
  storage: Storage;
  types: TypeRegistry;
  hooks: KindHooks;
}

const generateNameChars = 'bcdfghjklmnpqrstvwxz2456789';
const untrackedForGeneration = new Set(['metadata', 'status', 'apiVersion', 'kind']);

export class ObjectStore {
  readonly cluster: string;
  readonly storage: Storage;
  readonly types: TypeRegistry;
  readonly #hooks: KindHooks;

  constructor(deps: StoreDeps) {
    this.cluster = deps.cluster;
    this.storage = deps.storage;
    this.types = deps.types;
    this.#hooks = deps.hooks;
  }

  key(type: ServedType, namespace: string, name: string): string {
    return objectKey(this.cluster, type, namespace, name);
  }

  /** The stored object, or NotFoundError in kube-apiserver's words. */
  getStored(type: ServedType, namespace: string, name: string): StoredObject {
    const stored = this.storage.get(this.key(type, namespace, name));
    if (!stored) throw notFound(type, name);
    return stored;
  }

  get(type: ServedType, namespace: string, name: string): KubeObject {
    return this.toServed(type, this.getStored(type, namespace, name).value);
  }

  /**
   * A list, or one page of it. Every page of a paginated list is read at the revision of the first
   * (etcd3's MVCC snapshot); a token whose revision was compacted away gets ContinueExpiredError.
   * `remainingItemCount` is set, as by kube-apiserver, only when there is no selector; it is counted
   * on the first page and carried in the token after that.
   */
  list(type: ServedType, namespace: string, options: ListOptions = {}): KubeList {
    const labels = options.labelSelector ? parseLabelSelector(options.labelSelector) : [];
    const fields = options.fieldSelector ? parseFieldSelector(options.fieldSelector) : [];
    const prefix = collectionPrefix(this.cluster, type, namespace);
    const token = options.continue ? decodeContinue(options.continue) : undefined;
    const limit = options.limit ?? 0;
    const counted = limit > 0 && labels.length === 0 && fields.length === 0;
    const items: KubeObject[] = [];
    let revision = token === undefined || token.rv === currentRevision ? undefined : token.rv;
    let startAfter = token === undefined ? undefined : prefix + token.start;
    let page: StorageListResult;
    // read pages until the limit is filled with matching objects, as the etcd3 store does
    for (;;) {
      page = this.#readPage(prefix, token, {
        ...(startAfter !== undefined && { startAfter }),
        ...(limit > 0 && { limit: limit - items.length }),
        ...(revision !== undefined && { revision }),
        countRemaining: counted && token?.remaining === undefined,
      });
      revision = page.revision;
      for (const item of page.items) {
        const object = this.toServed(type, item.value);
        if (this.matches(type, object, labels, fields)) items.push(object);
        startAfter = item.key;
      }
      if (!page.more || limit === 0 || items.length >= limit) break;
    }
    const metadata: KubeList['metadata'] = { resourceVersion: String(revision) };
    if (page.more && startAfter !== undefined) {
      const remaining =
        page.remaining ?? (token?.remaining === undefined ? undefined : token.remaining - page.items.length);
      const counts = counted && remaining !== undefined;
      metadata.continue = encodeContinue({
        rv: revision,
        start: startAfter.slice(prefix.length),
        ...(counts && { remaining }),
      });
      if (counts) metadata.remainingItemCount = remaining;
    }
    return { apiVersion: apiVersionOf(type.group, type.version), kind: type.listKind, metadata, items };
  }

  #readPage(
    prefix: string,
    token: ContinueToken | undefined,
    options: StorageListOptions,
  ): StorageListResult {
    try {
      return this.storage.list(prefix, options);
    } catch (error) {
      if (token !== undefined && error instanceof GoneError)
        throw new ContinueExpiredError(token.start, { cause: error });
      throw error;
    }
  }

  matches(type: ServedType, object: KubeObject, labels: Selector, fields: Selector): boolean {
    return (
      (labels.length === 0 || matchesLabels(labels, object)) &&
      (fields.length === 0 || matchesFields(fields, object, fieldLabels[type.kind] ?? new Set()))
    );
  }

  create(ctx: RequestContext, type: ServedType, namespace: string, body: unknown): KubeObject {
    const object = this.#decode(ctx, type, namespace, body);
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    if (type.namespaced) this.#hooks.checkNamespaceAcceptsContent(this, namespace, type, meta.name ?? '');
    this.#prepareCreate(ctx, type, object);
    const withFields = recordUpdate(undefined, object, this.#managerOptions(ctx, type, ''));
    return this.#commitCreate(ctx, type, withFields);
  }

  /** PUT of the main resource or the status subresource. */
  update(
    ctx: RequestContext,
    type: ServedType,
    namespace: string,
    name: string,
    body: unknown,
    subresource: Subresource = '',
  ): WriteResult {
    if (subresource === 'scale')
      return { object: this.updateScale(ctx, type, namespace, name, body), created: false };
    const incoming = this.#decode(ctx, type, namespace, body);
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
      throw new BadRequestError(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    incoming.metadata.name = name;
    const stored = this.storage.get(this.key(type, namespace, name));
    if (!stored) {
      if (!allowsCreateOnUpdate(type) || subresource !== '') throw notFound(type, name);
      if (type.namespaced) this.#hooks.checkNamespaceAcceptsContent(this, namespace, type, name);
      this.#prepareCreate(ctx, type, incoming);
      const created = recordUpdate(undefined, incoming, this.#managerOptions(ctx, type, ''));
      return { object: this.#commitCreate(ctx, type, created), created: true };
    }
    const rv = incoming.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== String(stored.modRevision)) throw conflict(type, name);
    return { object: this.#commitUpdate(ctx, type, stored, incoming, subresource), created: false };
  }

  patch(
    ctx: RequestContext,
    type: ServedType,
    namespace: string,
    name: string,
    patchType: PatchType,
    patchBody: unknown,
    subresource: Subresource = '',
    force = false,
  ): WriteResult {
    if (subresource === 'scale') {
      const scale = this.getScale(type, namespace, name);
      const patched = this.#applyPatch(
        type,
        scale,
        patchType === 'apply' ? 'merge' : patchType,
        patchBody,
        true,
      );
      return { object: this.updateScale(ctx, type, namespace, name, patched), created: false };
    }
    const stored = this.storage.get(this.key(type, namespace, name));
    if (patchType === 'apply')
      return this.#serverSideApply(ctx, type, namespace, name, stored, patchBody, subresource, force);
    if (!stored) throw notFound(type, name);
    const current = this.toServed(type, stored.value);
    const patched = this.#applyPatch(type, current, patchType, patchBody, false);
    if (!isObject(patched)) throw new BadRequestError('the patch produced something that is not an object');
    const next = this.#decode(ctx, type, namespace, patched);
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== String(stored.modRevision)) throw conflict(type, name);
    if (next.metadata.name !== name)
      throw new BadRequestError(
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`,
      );
    return { object: this.#commitUpdate(ctx, type, stored, next, subresource), created: false };
  }

  delete(
    ctx: RequestContext,
    type: ServedType,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): DeleteResult {
    const stored = this.getStored(type, namespace, name);
    const object = structuredClone(this.toServed(type, stored.value));
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== object.metadata.uid) {
      throw new ConflictError(
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${object.metadata.uid}`,
        { name, kind: type.plural, group: type.group },
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== String(stored.modRevision)) {
      throw new ConflictError(
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${stored.modRevision}`,
        { name, kind: type.plural, group: type.group },
      );
    }
    const finalizers = [...(object.metadata.finalizers ?? [])];
    const policy = options.propagationPolicy;
    const policyFinalizer =
      policy === 'Foreground' ? 'foregroundDeletion' : policy === 'Orphan' ? 'orphan' : undefined;
    if (policyFinalizer && !finalizers.includes(policyFinalizer)) finalizers.push(policyFinalizer);
    for (const f of this.#hooks.deletionFinalizers(type, object))
      if (!finalizers.includes(f)) finalizers.push(f);
    const graceSeconds = this.#hooks.gracePeriod(type, object, options.gracePeriodSeconds);
    const blocked = finalizers.length > 0 || graceSeconds > 0 || this.#hooks.hasSpecFinalizers(type, object);
    if (object.metadata.deletionTimestamp !== undefined && !policyFinalizer) {
      if (graceSeconds === 0 && finalizers.length === 0 && !this.#hooks.hasSpecFinalizers(type, object)) {
        return this.#remove(ctx, type, stored);
      }
      // a repeated delete may only shorten the grace period (kube's rest.BeforeDelete)
      const current = object.metadata.deletionGracePeriodSeconds;
      if (current === undefined || graceSeconds >= current) return { object, deleted: false };
      const start = Date.parse(object.metadata.deletionTimestamp) - current * 1000;
      object.metadata.deletionTimestamp = timestamp(new Date(start + graceSeconds * 1000));
      object.metadata.deletionGracePeriodSeconds = graceSeconds;
      if (ctx.dryRun) return { object, deleted: false };
      const shortened = this.storage.update(stored.key, this.#toStorage(type, object), stored.modRevision);
      return { object: this.toServed(type, shortened.value), deleted: false };
    }
    if (!blocked) return this.#remove(ctx, type, stored);
    object.metadata.finalizers = finalizers;
    if (object.metadata.deletionTimestamp === undefined) {
      object.metadata.deletionTimestamp = timestamp(new Date(ctx.now.getTime() + graceSeconds * 1000));
      object.metadata.deletionGracePeriodSeconds = graceSeconds;
      this.#hooks.markDeleting(type, object);
    }
    if (tracksGeneration(type)) object.metadata.generation = (object.metadata.generation ?? 0) + 1;
    if (ctx.dryRun) return { object, deleted: false };
    const updated = this.storage.update(stored.key, this.#toStorage(type, object), stored.modRevision);
    return { object: this.toServed(type, updated.value), deleted: false };
  }

  deleteCollection(
    ctx: RequestContext,
    type: ServedType,
    namespace: string,
    listOptions: ListOptions,
    options: DeleteOptions,
  ): KubeList {
    const list = this.list(type, namespace, { ...listOptions, limit: 0 });
    const items: KubeObject[] = [];
    for (const item of list.items) {
      try {
        items.push(
          this.delete(ctx, type, item.metadata.namespace ?? '', item.metadata.name ?? '', {
            ...options,
            preconditions: {},
          }).object,
        );
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return { ...list, items };
  }

  /**
   * pods/binding: assigns a pod to a node once, as kube's BindingREST does: the Binding's uid is a
   * precondition, an assigned pod is a conflict, and the pod gets PodScheduled=True.
   */
  bind(ctx: RequestContext, type: ServedType, namespace: string, name: string, body: unknown): KubeObject {
    const binding = (isObject(body) ? body : {}) as {
      metadata?: { name?: string; uid?: string; annotations?: Record<string, string> };
      target?: { kind?: string; name?: string };
    };
    const nodeName = binding.target?.name ?? '';
    if (nodeName === '')
      throw invalidError('Binding', name, [
        { field: 'target.name', type: 'FieldValueRequired', message: '' },
      ]);
    if (binding.target?.kind !== undefined && binding.target.kind !== '' && binding.target.kind !== 'Node')
      throw invalidError('Binding', name, [
        {
          field: 'target.kind',
          type: 'FieldValueNotSupported',
          value: binding.target.kind,
          message: 'must be empty or Node',
        },
      ]);
    const stored = this.getStored(type, namespace, name);
    const pod = structuredClone(this.toServed(type, stored.value));
    const uid = binding.metadata?.uid;
    if (uid !== undefined && uid !== '' && uid !== pod.metadata.uid) {
      throw new ConflictError(
        `Operation cannot be fulfilled on pods/binding "${name}": Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`,
        { name, kind: 'pods/binding' },
      );
    }
    if (pod.metadata.deletionTimestamp !== undefined)
      throw new ConflictError(
        `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is being deleted, cannot be assigned to a host`,
        { name, kind: 'pods/binding' },
      );
    const spec = (pod['spec'] ?? {}) as Record<string, unknown>;
    if (spec['nodeName'])
      throw new ConflictError(
        `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${String(spec['nodeName'])}"`,
        { name, kind: 'pods/binding' },
      );
    spec['nodeName'] = nodeName;
    pod['spec'] = spec;
    if (binding.metadata?.annotations)
      pod.metadata.annotations = { ...pod.metadata.annotations, ...binding.metadata.annotations };
    const status = (pod['status'] ?? {}) as { conditions?: Record<string, unknown>[] };
    const conditions = (status.conditions ?? []).filter((c) => c['type'] !== 'PodScheduled');
    conditions.push({
      type: 'PodScheduled',
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: timestamp(ctx.now),
    });
    pod['status'] = { ...status, conditions };
    const withFields = recordUpdate(
      this.toServed(type, stored.value),
      pod,
      this.#managerOptions(ctx, type, 'binding'),
    );
    if (ctx.dryRun) return withFields;
    const updated = this.storage.update(stored.key, this.#toStorage(type, withFields), stored.modRevision);
    return this.toServed(type, updated.value);
  }

  getScale(type: ServedType, namespace: string, name: string): KubeObject {
    if (!type.subresources.scale) throw new NotFoundError(`the server could not find the requested resource`);
    const object = this.get(type, namespace, name);
    const spec = (object['spec'] ?? {}) as Record<string, unknown>;
    const status = (object['status'] ?? {}) as Record<string, unknown>;
    const scale = type.subresources.scale;
    const selector = type.crd
      ? readPath(object, scale.labelSelectorPath)
      : formatSelector(selectorFromLabelSelector(spec['selector']));
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: {
        name,
        ...(type.namespaced && { namespace }),
        ...(object.metadata.uid !== undefined && { uid: object.metadata.uid }),
        ...(object.metadata.resourceVersion !== undefined && {
          resourceVersion: object.metadata.resourceVersion,
        }),
        ...(object.metadata.creationTimestamp !== undefined && {
          creationTimestamp: object.metadata.creationTimestamp,
        }),
      },
      spec: { replicas: Number(readPath(object, scale.specReplicasPath) ?? 0) },
      status: {
        replicas: Number(readPath(object, scale.statusReplicasPath) ?? status['replicas'] ?? 0),
        ...(typeof selector === 'string' && selector !== '' && { selector }),
      },
    };
  }

  updateScale(
    ctx: RequestContext,
    type: ServedType,
    namespace: string,
    name: string,
    body: unknown,
  ): KubeObject {
    if (!type.subresources.scale) throw new NotFoundError(`the server could not find the requested resource`);
    if (!isObject(body) || !isObject(body['spec']))
      throw new BadRequestError('the body is not a Scale object with a spec');
    const replicas = body['spec']['replicas'];
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalidError(
        'Scale',
        name,
        [
          {
            field: 'spec.replicas',
            type: 'FieldValueInvalid',
            value: replicas,
            message: 'must be greater than or equal to 0',
          },
        ],
        'autoscaling',
      );
    }
    const stored = this.getStored(type, namespace, name);
    const meta = isObject(body['metadata']) ? body['metadata'] : {};
    const rv = meta['resourceVersion'];
    if (typeof rv === 'string' && rv !== '' && rv !== String(stored.modRevision)) throw conflict(type, name);
    const next = structuredClone(stored.value);
    writePath(next, type.subresources.scale.specReplicasPath, replicas);
    this.#commitUpdate(ctx, type, stored, next, '', 'scale');
    return this.getScale(type, namespace, name);
  }

  /** Converts a stored object to the version a type serves. */
  toServed(type: ServedType, object: KubeObject): KubeObject {
    const apiVersion = apiVersionOf(type.group, type.version);
    if (object.apiVersion === apiVersion) return object;
    return { ...(type.sharedStorage?.fromStorage(object) ?? object), apiVersion };
  }

  /** Converts an object of the version a type serves to the form it is stored in. */
  #toStorage(type: ServedType, object: KubeObject): KubeObject {
    return type.sharedStorage?.toStorage(object) ?? object;
  }

  // --- internals -------------------------------------------------------------------------------

  #decode(ctx: RequestContext, type: ServedType, namespace: string, body: unknown): KubeObject {
    if (!isObject(body)) throw new BadRequestError('the request body must be a JSON or YAML object');
    const object = structuredClone(body) as KubeObject;
    const expected = apiVersionOf(type.group, type.version);
    if (object.apiVersion !== undefined && object.apiVersion !== expected) {
      const { group } = splitApiVersion(String(object.apiVersion));
      if (
        group !== type.group ||
        !this.types.lookup(group, splitApiVersion(String(object.apiVersion)).version, type.plural)
      ) {
        throw new BadRequestError(
          `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`,
        );
      }
    }
    if (object.kind !== undefined && object.kind !== type.kind) {
      throw new BadRequestError(
        `the kind in the data (${String(object.kind)}) does not match the expected kind (${type.kind})`,
      );
    }
    object.apiVersion = expected;
    object.kind = type.kind;
    if (!isObject(object.metadata)) object.metadata = {};
    if (type.namespaced) {
      if (object.metadata.namespace && object.metadata.namespace !== namespace) {
        throw new BadRequestError(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      object.metadata.namespace = namespace;
    } else {
      delete object.metadata.namespace;
    }
    const unknown = pruneUnknownFields(object, type.schema);
    if (unknown.length > 0) {
      if (ctx.fieldValidation === 'Strict') {
        throw new BadRequestError(
          `strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(', ')}`,
        );
      }
      if (ctx.fieldValidation === 'Warn') for (const p of unknown) ctx.warnings.push(`unknown field "${p}"`);
    }
    return object;
  }

  #prepareCreate(ctx: RequestContext, type: ServedType, object: KubeObject): void {
    const meta = object.metadata;
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(ctx.now);
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta['selfLink'];
    if (tracksGeneration(type)) meta.generation = 1;
    else delete meta.generation;
    if (resetsStatusOnCreate(type)) delete object['status'];
    applyDefaults(type, object);
    this.#hooks.beforeCreate(this, type, object);
    this.#validate(type, object, undefined);
  }

  #commitCreate(ctx: RequestContext, type: ServedType, object: KubeObject): KubeObject {
    if (ctx.dryRun) return object;
    const key = this.key(type, object.metadata.namespace ?? '', object.metadata.name ?? '');
    try {
      return this.toServed(type, this.storage.create(key, this.#toStorage(type, object)).value);
    } catch (error) {
      if (error instanceof KeelsonError && error.code === 'KEELSON_ALREADY_EXISTS') {
        throw new KeelsonError(
          'KEELSON_ALREADY_EXISTS',
          `${groupResource(type)} "${object.metadata.name}" already exists`,
          {
            name: object.metadata.name ?? '',
            group: type.group,
            kind: type.plural,
          },
        );
      }
      throw error;
    }
  }

  #commitUpdate(
    ctx: RequestContext,
    type: ServedType,
    stored: StoredObject,
    incoming: KubeObject,
    subresource: Subresource,
    managedAs: string = subresource,
  ): KubeObject {
    const old = this.toServed(type, stored.value);
    const next = this.#prepareUpdate(type, old, incoming, subresource);
    const withFields = recordUpdate(old, next, this.#managerOptions(ctx, type, managedAs));
    return this.#commitPrepared(ctx, type, stored, old, withFields);
  }

  #prepareUpdate(
    type: ServedType,
    old: KubeObject,
    incoming: KubeObject,
    subresource: Subresource,
  ): KubeObject {
    let next: KubeObject;
    if (subresource === 'finalize') {
      next = structuredClone(old);
      const spec = (incoming['spec'] ?? {}) as Record<string, unknown>;
      next['spec'] = { ...(next['spec'] as object), finalizers: spec['finalizers'] ?? [] };
    } else if (subresource === 'status') {
      next = structuredClone(old);
      if (incoming['status'] === undefined) delete next['status'];
      else next['status'] = incoming['status'];
      if (incoming.metadata.managedFields !== undefined)
        next.metadata.managedFields = incoming.metadata.managedFields;
      // built-in kinds take metadata changes through status too (controllers rely on it, e.g.
      // the Deployment controller's revision annotation); custom resources only take status
      if (!type.crd) statusMetadata(type, next.metadata, incoming.metadata);
    } else {
      next = incoming;
      if (type.subresources.status) {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = structuredClone(old['status']);
      }
    }
    const meta = next.metadata;
    const oldMeta = old.metadata;
    if (meta.uid !== undefined && meta.uid !== '' && meta.uid !== oldMeta.uid) {
      throw invalidError(
        type.kind,
        oldMeta.name ?? '',
        [
          {
            field: 'metadata.uid',
            type: 'FieldValueInvalid',
            value: meta.uid,
            message: 'field is immutable',
          },
        ],
        type.group,
      );
    }
    for (const field of ['uid', 'creationTimestamp', 'namespace'] as const) {
      if (oldMeta[field] === undefined) delete meta[field];
      else meta[field] = oldMeta[field];
    }
    if (oldMeta.deletionTimestamp !== undefined) {
      meta.deletionTimestamp = oldMeta.deletionTimestamp;
      if (oldMeta.deletionGracePeriodSeconds !== undefined)
        meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (meta.generateName === undefined && oldMeta.generateName !== undefined)
      meta.generateName = oldMeta.generateName;
    delete meta['selfLink'];
    if (tracksGeneration(type)) {
      meta.generation = oldMeta.generation ?? 1;
      if (specChanged(old, next)) meta.generation += 1;
    } else {
      delete meta.generation;
    }
    if (subresource === '') applyDefaults(type, next);
    this.#hooks.beforeUpdate(this, type, next, old);
    this.#validate(type, next, old);
    return next;
  }

  #commitPrepared(
    ctx: RequestContext,
    type: ServedType,
    stored: StoredObject,
    old: KubeObject,
    next: KubeObject,
  ): KubeObject {
    const finalizersEmpty = (next.metadata.finalizers ?? []).length === 0;
    if (
      next.metadata.deletionTimestamp !== undefined &&
      finalizersEmpty &&
      !this.#hooks.hasSpecFinalizers(type, next) &&
      !this.#hooks.gracePending(type, next, ctx.now)
    ) {
      if (ctx.dryRun) return next;
      this.storage.delete(stored.key, stored.modRevision);
      return next;
    }
    // an update that changes nothing writes nothing and keeps the resourceVersion, as etcd3 does;
    // a new field manager or changed fieldsV1 is a change, new managedFields timestamps alone are not
    if (equalIgnoringManagedFieldsTimestamps(withoutResourceVersion(old), withoutResourceVersion(next)))
      return old;
    if (ctx.dryRun) return next;
    const updated = this.storage.update(stored.key, this.#toStorage(type, next), stored.modRevision);
    return this.toServed(type, updated.value);
  }

  #remove(ctx: RequestContext, type: ServedType, stored: StoredObject): DeleteResult {
    if (ctx.dryRun) return { object: this.toServed(type, stored.value), deleted: true };
    const removed = this.storage.delete(stored.key, stored.modRevision);
    return { object: this.toServed(type, removed.value), deleted: true };
  }

  #serverSideApply(
    ctx: RequestContext,
    type: ServedType,
    namespace: string,
    name: string,
    stored: StoredObject | undefined,
    body: unknown,
    subresource: Subresource,
    force: boolean,
  ): WriteResult {
    if (!ctx.fieldManager || ctx.fieldManager === 'unknown') {
      throw new BadRequestError(
        'PATCH, application/apply-patch+yaml: fieldManager is required for apply requests',
      );
    }
    const config = this.#decode(ctx, type, namespace, body);
    if (config.metadata.name !== undefined && config.metadata.name !== name) {
      throw new BadRequestError(
        `the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    config.metadata.name = name;
    const options = { ...this.#managerOptions(ctx, type, subresource), force };
    if (!stored) {
      if (subresource !== '') throw notFound(type, name);
      if (type.namespaced) this.#hooks.checkNamespaceAcceptsContent(this, namespace, type, name);
      const applied = applyConfiguration(undefined, config, options);
      this.#prepareCreate(ctx, type, applied);
      return { object: this.#commitCreate(ctx, type, applied), created: true };
    }
    const old = this.toServed(type, stored.value);
    const rv = config.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== String(stored.modRevision)) throw conflict(type, name);
    const applied = applyConfiguration(old, config, options);
    const next = this.#prepareUpdate(type, old, applied, subresource);
    next.metadata.managedFields = applied.metadata.managedFields ?? [];
    return { object: this.#commitPrepared(ctx, type, stored, old, next), created: false };
  }

  #applyPatch(
    type: ServedType,
    current: KubeObject,
    patchType: PatchType,
    body: unknown,
    scale: boolean,
  ): unknown {
    switch (patchType) {
      case 'json':
        return applyJsonPatch(current, body);
      case 'merge':
        return applyMergePatch(current, body);
      case 'strategic':
        if (type.crd) {
          throw new KeelsonError(
            'KEELSON_UNSUPPORTED_MEDIA_TYPE',
            'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
          );
        }
        return applyStrategicMergePatch(current, body, scale ? undefined : type.schema);
      case 'apply':
        throw new BadRequestError('apply patches are handled by server-side apply');
    }
  }

  #validate(type: ServedType, object: KubeObject, old: KubeObject | undefined): void {
    const errors: FieldError[] = [
      ...validateObject(type, object, old),
      ...this.#hooks.validate(this, type, object, old),
    ];
    if (errors.length > 0) throw invalidError(type.kind, object.metadata.name ?? '', errors, type.group);
  }

  #managerOptions(ctx: RequestContext, type: ServedType, subresource: string) {
    return {
      manager: ctx.fieldManager,
      schema: type.schema,
      apiVersion: apiVersionOf(type.group, type.version),
      now: timestamp(ctx.now),
      ...(subresource !== '' && { subresource }),
      ignoredPaths: type.subresources.status ? (subresource === 'status' ? [['spec']] : [['status']]) : [],
    };
  }
}

function specChanged(old: KubeObject, next: KubeObject): boolean {
  const keys = new Set([...Object.keys(old), ...Object.keys(next)]);
  for (const k of keys) {
    if (untrackedForGeneration.has(k)) continue;
    if (!deepEqual(old[k], next[k])) return true;
  }
  return false;
}

function withoutResourceVersion(object: KubeObject): KubeObject {
  const { resourceVersion: _rv, ...meta } = object.metadata;
  return { ...object, metadata: meta };
}

export function notFound(type: ServedType, name: string): NotFoundError {
  return new NotFoundError(`${groupResource(type)} "${name}" not found`, {
    name,
    group: type.group,
    kind: type.plural,
  });
}

function conflict(type: ServedType, name: string): ConflictError {
  return new ConflictError(
    `Operation cannot be fulfilled on ${groupResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: type.group, kind: type.plural },
  );
}

function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++)
    suffix += generateNameChars[Math.floor(Math.random() * generateNameChars.length)];
  return prefix + suffix;
}

/** Reads a simple JSON path such as `.spec.replicas`. */
export function readPath(object: unknown, path: string | undefined): unknown {
  if (!path) return undefined;
  let current = object;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

function writePath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let current = object;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(current[part])) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1]!] = value;
}

/**
 * Metadata a status write of a built-in kind may change: labels, annotations, finalizers and
 * owner references, except what kube's status strategies reset (labels of apps workloads, owner
 * references of pods).
 */
function statusMetadata(type: ServedType, next: ObjectMeta, incoming: ObjectMeta): void {
  const appsWorkload =
    type.group === 'apps' && ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(type.kind);
  const fields: (keyof ObjectMeta)[] = ['annotations', 'finalizers'];
  if (!appsWorkload) fields.push('labels');
  if (!(type.group === '' && type.kind === 'Pod')) fields.push('ownerReferences');
  for (const field of fields) {
    if (!Object.hasOwn(incoming, field)) continue;
    if (incoming[field] === undefined) delete next[field];
    else next[field] = structuredClone(incoming[field]);
  }
}
