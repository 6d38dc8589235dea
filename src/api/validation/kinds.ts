/**
 * validateBuiltin: the kind-specific validation of each built-in kind, dispatched on `group/Kind`. Kinds without
 * an entry (ServiceAccount, custom resources, reviews) have no rules beyond their metadata.
 */

import type { FieldError } from '../../base/errors.ts';
import type { KubeObject } from '../meta.ts';
import type { ResourceType } from '../resources.ts';
import { coreValidators } from './core.ts';
import { otherValidators } from './others.ts';
import { workloadValidators } from './workloads.ts';

type KindValidator = (obj: KubeObject, old?: KubeObject) => FieldError[];

const validators: Record<string, KindValidator> = {
  ...coreValidators,
  ...workloadValidators,
  ...otherValidators,
};

/** Whether validateBuiltin has rules for the type (beyond metadata). */
export function hasBuiltinRules(type: Pick<ResourceType, 'group' | 'kind' | 'schemaName'>): boolean {
  return type.schemaName !== undefined && Object.hasOwn(validators, `${type.group}/${type.kind}`);
}

/**
 * The field errors of a built-in kind's spec and data, as its kube-apiserver registry reports them; with `old`,
 * the update rules too (immutable selectors, cluster IPs, role references, ...). Expects the object to be
 * defaulted (applyDefaults), as kube-apiserver defaults before it validates. Metadata is validateObjectMeta's job.
 */
export function validateBuiltin(type: ResourceType, obj: KubeObject, old?: KubeObject): FieldError[] {
  if (type.schemaName === undefined) return [];
  const validate = validators[`${type.group}/${type.kind}`];
  return validate === undefined ? [] : validate(obj, old);
}
