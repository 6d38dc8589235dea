/**
 * Validation and defaulting of Kubernetes objects, with kube-apiserver 1.32's rules and messages: what the
 * embedded API server runs on every create and update so kubectl and client libraries see the same answers.
 * Pure functions over JSON objects; no I/O. See README.md for what lives where.
 *
 * Order on a write, as kube-apiserver does it: applyDefaults → (create: name generation, uid) → prepareForCreate
 * or prepareForUpdate → validateObject.
 */

import type { FieldError } from '../../base/errors.ts';
import type { KubeObject } from '../meta.ts';
import type { ResourceType } from '../resources.ts';
import { validateBuiltin } from './kinds.ts';
import { validateObjectMeta } from './object-meta.ts';

export {
  applyDefaults,
  defaultPullPolicy,
  prepareForCreate,
  prepareForUpdate,
  type UpdateOptions,
} from './defaults.ts';
export { hasBuiltinRules, validateBuiltin } from './kinds.ts';
export {
  nameValidatorFor,
  validateAnnotations,
  validateFinalizers,
  validateLabels,
  validateObjectMeta,
  validateOwnerReferences,
} from './object-meta.ts';
export {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  type NameValidator,
} from './names.ts';
export { selectorMatches, validateLabelSelector } from './selectors.ts';
export { cronScheduleError } from './cron.ts';

/**
 * Every field error of `obj` (an update when `old` is given): metadata first, then the kind's own rules. An empty
 * list means kube-apiserver would accept the object; otherwise hand the list to invalidError.
 */
export function validateObject(type: ResourceType, obj: KubeObject, old?: KubeObject): FieldError[] {
  return [...validateObjectMeta(type, obj, old), ...validateBuiltin(type, obj, old)];
}
