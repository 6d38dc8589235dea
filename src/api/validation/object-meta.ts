/**
 * ObjectMeta validation: apimachinery's ValidateObjectMeta and ValidateObjectMetaUpdate, plus the finalizer rule
 * the core API group adds for built-in kinds, with the name rule each registry applies.
 */

import type { FieldError } from '../../base/errors.ts';
import type { KubeObject } from '../meta.ts';
import type { ResourceType } from '../resources.ts';
import { arrayAt, dig, isObject, numberAt, stringAt, stringMap } from './access.ts';
import { child, forbidden, immutable, index, invalid, invalidShown, required, tooLong } from './field.ts';
import { goStringSlice, goTime } from './go-format.ts';
import {
  type NameValidator,
  isQualifiedName,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
} from './names.ts';
import { validateLabels } from './selectors.ts';

export { validateLabels } from './selectors.ts';

/** apimachinery TotalAnnotationSizeLimitB: keys and values together, in bytes. */
export const totalAnnotationSizeLimit = 256 * 1024;

const rbacGroup = 'rbac.authorization.k8s.io';
const crdGroup = 'apiextensions.k8s.io';

/** ValidateAnnotations: keys are qualified names in any case, and all of it fits in 256 KiB. */
export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const map = stringMap(annotations);
  if (map === undefined) return [];
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(map)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg));
    total += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  }
  if (total > totalAnnotationSizeLimit) errs.push(tooLong(path, totalAnnotationSizeLimit));
  return errs;
}

/** schema.FromAPIVersionAndKind: the version part, '' when the apiVersion does not parse. */
function versionOf(apiVersion: string): string {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return parts[0] ?? '';
  if (parts.length === 2) return parts[1] ?? '';
  return '';
}

/** ValidateOwnerReferences: each reference complete, none an Event, at most one controller. */
export function validateOwnerReferences(references: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const raw of arrayAt(references)) {
    const ref = isObject(raw) ? raw : {};
    const apiVersion = stringAt(ref['apiVersion']);
    const kind = stringAt(ref['kind']);
    const name = stringAt(ref['name']);
    const uid = stringAt(ref['uid']);
    if (versionOf(apiVersion) === '')
      errs.push(invalid(child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (kind === '') errs.push(invalid(child(path, 'kind'), kind, 'must not be empty'));
    if (name === '') errs.push(invalid(child(path, 'name'), name, 'must not be empty'));
    if (uid === '') errs.push(invalid(child(path, 'uid'), uid, 'must not be empty'));
    if (apiVersion === 'v1' && kind === 'Event')
      errs.push(invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref['controller'] === true) {
      const current = `${kind}/${name}`;
      if (firstController !== '') {
        errs.push(
          invalid(
            path,
            references,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else firstController = current;
    }
  }
  return errs;
}

/** ValidateFinalizerName: a qualified name. */
export function validateFinalizerName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((msg) => invalid(path, name, msg));
}

/** ValidateFinalizers: every name qualified, and not both orphan and foregroundDeletion. */
export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const names = arrayAt(finalizers).map(stringAt);
  const errs = names.flatMap((name) => validateFinalizerName(name, path));
  if (names.includes('orphan') && names.includes('foregroundDeletion')) {
    errs.push(
      invalidShown(path, goStringSlice(names), 'finalizer orphan and foregroundDeletion cannot be both set'),
    );
  }
  return errs;
}

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** The core group's validateKubeFinalizerName: an unqualified finalizer must be a standard one. */
export function validateKubeFinalizerName(name: string, path: string): FieldError[] {
  if (name.split('/').length === 1 && !standardFinalizers.has(name)) {
    return [invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified')];
  }
  return [];
}

/** Whether objects of this type are validated with the core group's ObjectMeta rules. */
function usesCoreObjectMeta(type: ResourceType): boolean {
  return type.schemaName !== undefined && type.group !== crdGroup;
}

/**
 * The name rule of the type's registry: Namespaces and StatefulSets are DNS labels, Services DNS-1035 labels,
 * RBAC objects path segments, CRDs `plural.group`, and everything else (custom resources included) DNS subdomains.
 */
export function nameValidatorFor(type: ResourceType, obj?: KubeObject): NameValidator {
  if (type.group === '' && type.kind === 'Namespace') return nameIsDNSLabel;
  if (type.group === '' && type.kind === 'Service') return nameIsDNS1035Label;
  if (type.group === 'apps' && type.kind === 'StatefulSet') return nameIsDNSLabel;
  if (type.group === rbacGroup) return nameIsPathSegment;
  if (type.group === crdGroup && type.kind === 'CustomResourceDefinition') {
    const requiredName = `${stringAt(dig(obj, 'spec', 'names', 'plural'))}.${stringAt(dig(obj, 'spec', 'group'))}`;
    return (name, prefix) => {
      const errs = nameIsDNSSubdomain(name, prefix);
      if (name !== requiredName) errs.push('must be spec.names.plural+"."+spec.group');
      return errs;
    };
  }
  return nameIsDNSSubdomain;
}

function metadataOf(obj: KubeObject | undefined): Record<string, unknown> {
  return isObject(obj?.metadata) ? obj.metadata : {};
}

/** The checks creation and update share: generation, labels, annotations, owners, finalizers. */
function validateCommon(meta: Record<string, unknown>, core: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const generation = numberAt(meta['generation']);
  if (generation !== undefined && generation < 0) {
    errs.push(invalid('metadata.generation', generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta['labels'], 'metadata.labels'));
  errs.push(...validateAnnotations(meta['annotations'], 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta['ownerReferences'], 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta['finalizers'], 'metadata.finalizers'));
  if (core) {
    arrayAt(meta['finalizers']).forEach((f, i) => {
      errs.push(...validateKubeFinalizerName(stringAt(f), index('metadata.finalizers', i)));
    });
  }
  return errs;
}

/** ValidateObjectMeta for a new object; the name must already be generated from generateName. */
function validateObjectMetaCreate(type: ResourceType, obj: KubeObject): FieldError[] {
  const meta = metadataOf(obj);
  const nameFn = nameValidatorFor(type, obj);
  const errs: FieldError[] = [];
  const generateName = stringAt(meta['generateName']);
  if (generateName !== '') {
    for (const msg of nameFn(generateName, true))
      errs.push(invalid('metadata.generateName', generateName, msg));
  }
  const name = stringAt(meta['name']);
  if (name === '') errs.push(required('metadata.name', 'name or generateName is required'));
  else for (const msg of nameFn(name, false)) errs.push(invalid('metadata.name', name, msg));

  const namespace = stringAt(meta['namespace']);
  if (type.namespaced) {
    if (namespace === '') errs.push(required('metadata.namespace'));
    else
      for (const msg of nameIsDNSLabel(namespace, false))
        errs.push(invalid('metadata.namespace', namespace, msg));
  } else if (namespace !== '') {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...validateCommon(meta, usesCoreObjectMeta(type)));
  return errs;
}

function optionalNumber(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

/**
 * ValidateObjectMetaUpdate: identity and timestamps are immutable, finalizers frozen while deleting. Its
 * "resourceVersion must be specified" rule is left out: kube-apiserver's store fills the resourceVersion of an
 * unconditional update before validating, so that rule never fires for a request.
 */
function validateObjectMetaUpdate(type: ResourceType, obj: KubeObject, old: KubeObject): FieldError[] {
  const meta = metadataOf(obj);
  const oldMeta = metadataOf(old);
  const errs: FieldError[] = [];
  if (stringAt(oldMeta['deletionTimestamp']) !== '') {
    const before = new Set(arrayAt(oldMeta['finalizers']).map(stringAt));
    const added = [...new Set(arrayAt(meta['finalizers']).map(stringAt))]
      .filter((f) => !before.has(f))
      .sort();
    if (added.length > 0) {
      errs.push(
        forbidden(
          'metadata.finalizers',
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`,
        ),
      );
    }
  }
  const generation = numberAt(meta['generation']) ?? 0;
  if (generation < (numberAt(oldMeta['generation']) ?? 0))
    errs.push(invalid('metadata.generation', generation, 'must not be decremented'));

  for (const field of ['name', 'namespace', 'uid'] as const) {
    const now = stringAt(meta[field]);
    if (now !== stringAt(oldMeta[field])) errs.push(immutable(`metadata.${field}`, now));
  }
  if (!sameTime(meta['creationTimestamp'], oldMeta['creationTimestamp'])) {
    errs.push(
      invalidShown('metadata.creationTimestamp', goTime(meta['creationTimestamp']), 'field is immutable'),
    );
  }
  if (!sameTime(meta['deletionTimestamp'], oldMeta['deletionTimestamp'])) {
    const shown = stringAt(meta['deletionTimestamp']) === '' ? 'null' : goTime(meta['deletionTimestamp']);
    errs.push(invalidShown('metadata.deletionTimestamp', shown, 'field is immutable'));
  }
  const grace = optionalNumber(meta['deletionGracePeriodSeconds']);
  if (grace !== optionalNumber(oldMeta['deletionGracePeriodSeconds']))
    errs.push(immutable('metadata.deletionGracePeriodSeconds', grace));

  errs.push(...validateCommon(meta, usesCoreObjectMeta(type)));
  return errs;
}

function sameTime(a: unknown, b: unknown): boolean {
  const left = stringAt(a);
  const right = stringAt(b);
  if (left === right) return true;
  const l = Date.parse(left);
  const r = Date.parse(right);
  return !Number.isNaN(l) && l === r;
}

/**
 * Validates `obj.metadata` for its type: on create (no `old`) the name rule, namespace presence and the shared
 * checks; on update the immutability rules instead of the name rule. Reviews (virtual types) carry no metadata
 * worth checking and yield no errors.
 */
export function validateObjectMeta(type: ResourceType, obj: KubeObject, old?: KubeObject): FieldError[] {
  if (type.virtual) return [];
  return old === undefined ? validateObjectMetaCreate(type, obj) : validateObjectMetaUpdate(type, obj, old);
}
