/**
 * Workload kinds: apps/v1 (pkg/apis/apps/validation) and batch/v1 (pkg/apis/batch/validation), with the
 * registry rules that sit beside them (immutable selectors, the StatefulSet spec freeze, Job selector generation).
 */

import type { FieldError } from '../../base/errors.ts';
import type { KubeObject } from '../meta.ts';
import {
  arrayAt,
  cloneJson,
  dig,
  ensureObject,
  isObject,
  numberAt,
  objectAt,
  semanticEqual,
  stringAt,
  type JsonObject,
} from './access.ts';
import { cronScheduleError, isKnownTimeZone } from './cron.ts';
import {
  child,
  duplicate,
  forbidden,
  immutable,
  index,
  invalid,
  invalidOmitted,
  invalidShown,
  key,
  nonNegative,
  notSupported,
  notSupportedShown,
  required,
  tooMany,
} from './field.ts';
import { goIntOrString, goLabelSelector, goQuote, goStringMap } from './go-format.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPercent } from './names.ts';
import { validateAnnotations } from './object-meta.ts';
import { validatePodTemplateSpec } from './pod.ts';
import {
  selectorKind,
  selectorMatches,
  validateLabels,
  validateLabelSelector,
  type SelectorKind,
} from './selectors.ts';

function specOf(obj: KubeObject | undefined): JsonObject {
  return objectAt(obj?.['spec']) ?? {};
}

/** ValidatePositiveIntOrPercent. */
export function validateIntOrPercent(value: unknown, path: string): FieldError[] {
  if (typeof value === 'string')
    return isValidPercent(value).map((msg) => invalidShown(path, goIntOrString(value), msg));
  if (typeof value === 'number') return nonNegative(value, path);
  if (value === undefined || value === null) return [];
  return [invalid(path, value, "must be an integer or percentage (e.g '5%%')")];
}

/** getIntOrPercentValue: percentages as their number, other strings as strconv.Atoi would read them. */
function intOrPercentValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return 0;
  if (isValidPercent(value).length === 0) return Number(value.slice(0, -1));
  return /^[+-]?[0-9]+$/.test(value) ? Number(value) : 0;
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(value: unknown, path: string): FieldError[] {
  if (typeof value !== 'string' || isValidPercent(value).length > 0 || Number(value.slice(0, -1)) <= 100)
    return [];
  return [invalidShown(path, goIntOrString(value), 'must not be greater than 100%')];
}

function selects(kind: SelectorKind, selector: unknown, labels: unknown): boolean {
  if (kind === 'everything') return true;
  if (kind === 'requirements') return selectorMatches(selector, labels);
  return false;
}

function mismatch(templatePath: string, labels: unknown): FieldError {
  return invalidShown(
    child(templatePath, 'metadata', 'labels'),
    goStringMap(labels),
    '`selector` does not match template `labels`',
  );
}

function templateLabels(template: JsonObject): unknown {
  return dig(template, 'metadata', 'labels');
}

/** The selector every replicated workload requires, with the message naming its kind. */
function validateRequiredSelector(selector: unknown, path: string, word: string): FieldError[] {
  if (selector === undefined || selector === null) return [required(path)];
  const errs = validateLabelSelector(selector, path);
  if (selectorKind(selector) === 'everything')
    errs.push(invalidShown(path, goLabelSelector(selector), `empty selector is invalid for ${word}`));
  return errs;
}

/** ValidatePodTemplateSpecForReplicaSet (Deployments and ReplicaSets). */
function validateReplicaSetTemplate(
  templateValue: unknown,
  selector: unknown,
  kind: SelectorKind,
  path: string,
): FieldError[] {
  const template = objectAt(templateValue) ?? {};
  const errs: FieldError[] = [];
  if (kind !== 'everything' && !selects(kind, selector, templateLabels(template)))
    errs.push(mismatch(path, templateLabels(template)));
  errs.push(...validatePodTemplateSpec(template, path));
  const restartPolicy = stringAt(dig(template, 'spec', 'restartPolicy'));
  if (restartPolicy !== 'Always')
    errs.push(notSupported(child(path, 'spec', 'restartPolicy'), restartPolicy, ['Always']));
  if (dig(template, 'spec', 'activeDeadlineSeconds') !== undefined) {
    errs.push(
      forbidden(
        child(path, 'spec', 'activeDeadlineSeconds'),
        'activeDeadlineSeconds in ReplicaSet is not Supported',
      ),
    );
  }
  return errs;
}

function validateReplicatedSpec(spec: JsonObject, word: string): FieldError[] {
  const selector = spec['selector'];
  const errs = validateRequiredSelector(selector, 'spec.selector', word);
  const kind = selectorKind(selector);
  if (kind === 'invalid')
    errs.push(invalidShown('spec.selector', goLabelSelector(selector), 'invalid label selector'));
  else errs.push(...validateReplicaSetTemplate(spec['template'], selector, kind, 'spec.template'));
  return errs;
}

function validateDeploymentStrategy(strategyValue: unknown): FieldError[] {
  const strategy = objectAt(strategyValue) ?? {};
  const path = 'spec.strategy';
  const type = stringAt(strategy['type']);
  const rollingUpdate = objectAt(strategy['rollingUpdate']);
  if (type === 'Recreate') {
    return rollingUpdate === undefined
      ? []
      : [forbidden(child(path, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")];
  }
  if (type === 'RollingUpdate') {
    if (rollingUpdate === undefined)
      return [required(child(path, 'rollingUpdate'), 'this should be defaulted and never be nil')];
    const updatePath = child(path, 'rollingUpdate');
    const maxUnavailable = rollingUpdate['maxUnavailable'] ?? 0;
    const maxSurge = rollingUpdate['maxSurge'] ?? 0;
    const errs = [
      ...validateIntOrPercent(maxUnavailable, child(updatePath, 'maxUnavailable')),
      ...validateIntOrPercent(maxSurge, child(updatePath, 'maxSurge')),
    ];
    if (intOrPercentValue(maxUnavailable) === 0 && intOrPercentValue(maxSurge) === 0) {
      errs.push(
        invalidShown(
          child(updatePath, 'maxUnavailable'),
          goIntOrString(maxUnavailable),
          'may not be 0 when `maxSurge` is 0',
        ),
      );
    }
    errs.push(...notMoreThan100Percent(maxUnavailable, child(updatePath, 'maxUnavailable')));
    return errs;
  }
  const shown =
    rollingUpdate === undefined
      ? `apps.DeploymentStrategy{Type:${goQuote(type)}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}`
      : JSON.stringify(strategy);
  return [notSupportedShown(path, shown, ['Recreate', 'RollingUpdate'])];
}

/** ValidateDeploymentSpec. */
function validateDeployment(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs = nonNegative(spec['replicas'], 'spec.replicas');
  errs.push(...validateReplicatedSpec(spec, 'deployment'));
  errs.push(...validateDeploymentStrategy(spec['strategy']));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'));
  const deadline = numberAt(spec['progressDeadlineSeconds']);
  if (deadline !== undefined) {
    errs.push(...nonNegative(deadline, 'spec.progressDeadlineSeconds'));
    if (deadline <= (numberAt(spec['minReadySeconds']) ?? 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

/** ValidateReplicaSetSpec (its empty-selector message says "deployment", as Kubernetes' does). */
function validateReplicaSet(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs = nonNegative(spec['replicas'], 'spec.replicas');
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...validateReplicatedSpec(spec, 'deployment'));
  return errs;
}

function immutableSelector(obj: KubeObject, old: KubeObject): FieldError[] {
  const selector = specOf(obj)['selector'];
  if (semanticEqual(selector, specOf(old)['selector'])) return [];
  return [invalidShown('spec.selector', goLabelSelector(selector), 'field is immutable')];
}

function validateStatefulSetUpdateStrategy(strategyValue: unknown): FieldError[] {
  const strategy = objectAt(strategyValue) ?? {};
  const path = 'spec.updateStrategy';
  const type = stringAt(strategy['type']);
  const rollingUpdate = objectAt(strategy['rollingUpdate']);
  switch (type) {
    case '':
      return [required(path)];
    case 'OnDelete':
      if (rollingUpdate === undefined) return [];
      return [
        rollingUpdate['maxUnavailable'] === undefined
          ? invalidShown(
              child(path, 'rollingUpdate'),
              `apps.RollingUpdateStatefulSetStrategy{Partition:${numberAt(rollingUpdate['partition']) ?? 0}, MaxUnavailable:(*intstr.IntOrString)(nil)}`,
              "only allowed for updateStrategy 'RollingUpdate'",
            )
          : invalid(
              child(path, 'rollingUpdate'),
              rollingUpdate,
              "only allowed for updateStrategy 'RollingUpdate'",
            ),
      ];
    case 'RollingUpdate': {
      if (rollingUpdate === undefined) return [];
      const updatePath = child(path, 'rollingUpdate');
      const errs = nonNegative(rollingUpdate['partition'], child(updatePath, 'partition'));
      const maxUnavailable = rollingUpdate['maxUnavailable'];
      if (maxUnavailable !== undefined && maxUnavailable !== null) {
        const maxPath = child(updatePath, 'maxUnavailable');
        errs.push(...validateIntOrPercent(maxUnavailable, maxPath));
        if (intOrPercentValue(maxUnavailable) === 0)
          errs.push(invalidShown(maxPath, goIntOrString(maxUnavailable), 'cannot be 0'));
        errs.push(...notMoreThan100Percent(maxUnavailable, maxPath));
      }
      return errs;
    }
    default: {
      const shown =
        rollingUpdate === undefined
          ? `apps.StatefulSetUpdateStrategy{Type:${goQuote(type)}, RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}`
          : JSON.stringify(strategy);
      return [invalidShown(path, shown, "must be 'RollingUpdate' or 'OnDelete'")];
    }
  }
}

/** ValidateStatefulSetSpec: like Kubernetes, it checks the template's labels and restart policy, not its pod spec. */
function validateStatefulSet(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  const policy = stringAt(spec['podManagementPolicy']);
  if (policy === '') errs.push(required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') {
    errs.push(invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  errs.push(...validateStatefulSetUpdateStrategy(spec['updateStrategy']));
  const retention = objectAt(spec['persistentVolumeClaimRetentionPolicy']);
  if (retention !== undefined) {
    for (const field of ['whenDeleted', 'whenScaled']) {
      const value = stringAt(retention[field]);
      if (value !== 'Retain' && value !== 'Delete') {
        errs.push(
          notSupported(child('spec.persistentVolumeClaimRetentionPolicy', field), value, [
            'Retain',
            'Delete',
          ]),
        );
      }
    }
  }
  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...nonNegative(dig(spec, 'ordinals', 'start'), 'spec.ordinals.start'));

  const selector = spec['selector'];
  errs.push(...validateRequiredSelector(selector, 'spec.selector', 'statefulset'));
  const kind = selectorKind(selector);
  const template = objectAt(spec['template']) ?? {};
  if (kind === 'invalid') errs.push(invalidShown('spec.selector', goLabelSelector(selector), ''));
  else {
    if (kind !== 'everything' && !selects(kind, selector, templateLabels(template)))
      errs.push(mismatch('spec.template', templateLabels(template)));
    errs.push(...validateLabels(templateLabels(template), 'spec.template.labels'));
    errs.push(...validateAnnotations(dig(template, 'metadata', 'annotations'), 'spec.template.annotations'));
  }
  const restartPolicy = stringAt(dig(template, 'spec', 'restartPolicy'));
  if (restartPolicy !== 'Always')
    errs.push(notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  if (dig(template, 'spec', 'activeDeadlineSeconds') !== undefined) {
    errs.push(
      forbidden(
        'spec.template.spec.activeDeadlineSeconds',
        'activeDeadlineSeconds in StatefulSet is not Supported',
      ),
    );
  }
  return errs;
}

const statefulSetMutable = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

function validateStatefulSetUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = { ...specOf(obj) };
  const oldSpec = specOf(old);
  for (const field of statefulSetMutable) spec[field] = oldSpec[field];
  if (semanticEqual(spec, oldSpec)) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

function validateDaemonSetUpdateStrategy(strategyValue: unknown): FieldError[] {
  const strategy = objectAt(strategyValue) ?? {};
  const path = 'spec.updateStrategy';
  const type = stringAt(strategy['type']);
  const rollingUpdate = objectAt(strategy['rollingUpdate']);
  if (type === 'OnDelete') return [];
  if (type === 'RollingUpdate') {
    if (rollingUpdate === undefined) return [required(child(path, 'rollingUpdate'))];
    const updatePath = child(path, 'rollingUpdate');
    const maxUnavailable = rollingUpdate['maxUnavailable'] ?? 0;
    const maxSurge = rollingUpdate['maxSurge'] ?? 0;
    const errs = [
      ...validateIntOrPercent(maxUnavailable, child(updatePath, 'maxUnavailable')),
      ...validateIntOrPercent(maxSurge, child(updatePath, 'maxSurge')),
      ...notMoreThan100Percent(maxUnavailable, child(updatePath, 'maxUnavailable')),
      ...notMoreThan100Percent(maxSurge, child(updatePath, 'maxSurge')),
    ];
    const hasUnavailable = intOrPercentValue(maxUnavailable) !== 0;
    const hasSurge = intOrPercentValue(maxSurge) !== 0;
    if (hasUnavailable && hasSurge) {
      errs.push(
        invalidShown(
          child(updatePath, 'maxSurge'),
          goIntOrString(maxSurge),
          'may not be set when maxUnavailable is non-zero',
        ),
      );
    } else if (!hasUnavailable && !hasSurge) {
      errs.push(required(child(updatePath, 'maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
    }
    return errs;
  }
  const shown =
    rollingUpdate === undefined
      ? `apps.DaemonSetUpdateStrategy{Type:${goQuote(type)}, RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}`
      : JSON.stringify(strategy);
  return [notSupportedShown(path, shown, ['RollingUpdate', 'OnDelete'])];
}

/** ValidateDaemonSetSpec: a nil selector selects nothing, so only the label mismatch reports it. */
function validateDaemonSet(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const selector = spec['selector'];
  const template = objectAt(spec['template']) ?? {};
  const errs = validateLabelSelector(selector, 'spec.selector');
  const kind = selectorKind(selector);
  if (kind !== 'invalid' && !selects(kind, selector, templateLabels(template)))
    errs.push(mismatch('spec.template', templateLabels(template)));
  if (kind === 'everything')
    errs.push(
      invalidShown('spec.selector', goLabelSelector(selector), 'empty selector is invalid for daemonset'),
    );
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const restartPolicy = stringAt(dig(template, 'spec', 'restartPolicy'));
  if (restartPolicy !== 'Always')
    errs.push(notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  if (dig(template, 'spec', 'activeDeadlineSeconds') !== undefined) {
    errs.push(
      forbidden(
        'spec.template.spec.activeDeadlineSeconds',
        'activeDeadlineSeconds in DaemonSet is not Supported',
      ),
    );
  }
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...validateDaemonSetUpdateStrategy(spec['updateStrategy']));
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'));
  return errs;
}

/** Labels the Job registry puts on pods of a Job without a manual selector. */
export const jobLabels = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyControllerUid: 'controller-uid',
  legacyJobName: 'job-name',
} as const;

/**
 * The Job registry's generateSelector: label the template with the Job's uid and name and select on the uid.
 * Runs only when `spec.manualSelector` is not true; needs `metadata.uid` and `metadata.name`.
 */
export function generateJobSelector(job: KubeObject): void {
  const spec = ensureObject(job, 'spec');
  if (spec['manualSelector'] === true) return;
  const uid = stringAt(job.metadata.uid);
  const name = stringAt(job.metadata.name);
  const template = ensureObject(spec, 'template');
  const labels = ensureObject(ensureObject(template, 'metadata'), 'labels');
  for (const label of [jobLabels.legacyJobName, jobLabels.jobName])
    if (!Object.hasOwn(labels, label)) labels[label] = name;
  for (const label of [jobLabels.legacyControllerUid, jobLabels.controllerUid])
    if (!Object.hasOwn(labels, label)) labels[label] = uid;
  const matchLabels = ensureObject(ensureObject(spec, 'selector'), 'matchLabels');
  if (!Object.hasOwn(matchLabels, jobLabels.controllerUid)) matchLabels[jobLabels.controllerUid] = uid;
}

function hasLabel(labels: unknown, label: string, expected: string, path: string): FieldError[] {
  const map = objectAt(labels) ?? {};
  const labelPath = key(child(path, 'labels'), label);
  if (!Object.hasOwn(map, label))
    return [{ field: labelPath, type: 'FieldValueRequired', message: `must be '${expected}'` }];
  return map[label] === expected
    ? []
    : [invalidShown(labelPath, goStringMap(labels), `must be '${expected}'`)];
}

/** validateGeneratedSelector: the generated labels are on the template and the selector is the generated one. */
function validateGeneratedSelector(job: KubeObject): FieldError[] {
  const spec = specOf(job);
  if (spec['manualSelector'] === true || !isObject(spec['selector'])) return [];
  const uid = stringAt(job.metadata.uid);
  const name = stringAt(job.metadata.name);
  const errs: FieldError[] = [];
  if (uid === '') errs.push(required('metadata.uid'));
  const labels = dig(spec, 'template', 'metadata', 'labels');
  const metaPath = 'spec.template.metadata';
  errs.push(...hasLabel(labels, jobLabels.legacyControllerUid, uid, metaPath));
  errs.push(...hasLabel(labels, jobLabels.legacyJobName, name, metaPath));
  errs.push(...hasLabel(labels, jobLabels.controllerUid, uid, metaPath));
  errs.push(...hasLabel(labels, jobLabels.jobName, name, metaPath));
  const expected = {
    [jobLabels.controllerUid]: uid,
    [jobLabels.jobName]: name,
    [jobLabels.legacyControllerUid]: uid,
    [jobLabels.legacyJobName]: name,
  };
  if (
    selectorKind(spec['selector']) !== 'invalid' &&
    !selects(selectorKind(spec['selector']), spec['selector'], expected)
  ) {
    errs.push(
      invalidShown('spec.selector', goLabelSelector(spec['selector']), '`selector` not auto-generated'),
    );
  }
  return errs;
}

function goInt32Slice(values: unknown): string {
  return Array.isArray(values) ? `[]int32{${values.map(String).join(', ')}}` : '[]int32(nil)';
}

function validatePodFailurePolicy(spec: JsonObject, path: string): FieldError[] {
  const policy = objectAt(spec['podFailurePolicy']) ?? {};
  const rules = arrayAt(policy['rules']);
  const rulesPath = child(path, 'rules');
  const errs: FieldError[] = [];
  if (rules.length > 20) errs.push(tooMany(rulesPath, rules.length, 20));
  const containers = new Set(
    [
      ...arrayAt(dig(spec, 'template', 'spec', 'containers')),
      ...arrayAt(dig(spec, 'template', 'spec', 'initContainers')),
    ].map((c) => stringAt(objectAt(c)?.['name'])),
  );
  rules.forEach((raw, i) => {
    const rule = objectAt(raw) ?? {};
    const rulePath = index(rulesPath, i);
    const action = stringAt(rule['action']);
    const actions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
    if (action === '')
      errs.push(required(child(rulePath, 'action'), `valid values: [${actions.map(goQuote).join(' ')}]`));
    else if (action === 'FailIndex') {
      if (spec['backoffLimitPerIndex'] === undefined)
        errs.push(invalid(child(rulePath, 'action'), action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!actions.includes(action)) errs.push(notSupported(child(rulePath, 'action'), action, actions));
    const onExitCodes = objectAt(rule['onExitCodes']);
    const onPodConditions = arrayAt(rule['onPodConditions']);
    if (onExitCodes !== undefined) {
      const exitPath = child(rulePath, 'onExitCodes');
      const operator = stringAt(onExitCodes['operator']);
      if (operator === '') errs.push(required(child(exitPath, 'operator'), 'valid values: ["In" "NotIn"]'));
      else if (operator !== 'In' && operator !== 'NotIn')
        errs.push(notSupported(child(exitPath, 'operator'), operator, ['In', 'NotIn']));
      const containerName = onExitCodes['containerName'];
      if (typeof containerName === 'string' && !containers.has(containerName)) {
        errs.push(
          invalid(
            child(exitPath, 'containerName'),
            containerName,
            'must be one of the container or initContainer names in the pod template',
          ),
        );
      }
      const values = arrayAt(onExitCodes['values']).map((v) => numberAt(v) ?? 0);
      const valuesPath = child(exitPath, 'values');
      if (values.length === 0)
        errs.push(
          invalidShown(valuesPath, goInt32Slice(onExitCodes['values']), 'at least one value is required'),
        );
      else if (values.length > 255) errs.push(tooMany(valuesPath, values.length, 255));
      const seen = new Set<number>();
      values.forEach((value, j) => {
        if (operator === 'In' && value === 0)
          errs.push(invalid(index(valuesPath, j), value, 'must not be 0 for the In operator'));
        if (seen.has(value)) errs.push(duplicate(index(valuesPath, j), value));
        seen.add(value);
      });
      if (values.some((value, j) => j > 0 && (values[j - 1] ?? 0) > value))
        errs.push(invalidShown(valuesPath, goInt32Slice(values), 'must be ordered'));
    }
    onPodConditions.forEach((rawPattern, j) => {
      const pattern = objectAt(rawPattern) ?? {};
      const patternPath = index(child(rulePath, 'onPodConditions'), j);
      const type = stringAt(pattern['type']);
      for (const msg of isQualifiedName(type)) errs.push(invalid(child(patternPath, 'type'), type, msg));
      const status = stringAt(pattern['status']);
      if (status === '')
        errs.push(required(child(patternPath, 'status'), 'valid values: ["False" "True" "Unknown"]'));
      else if (!['False', 'True', 'Unknown'].includes(status))
        errs.push(notSupported(child(patternPath, 'status'), status, ['False', 'True', 'Unknown']));
    });
    if (onExitCodes !== undefined && onPodConditions.length > 0) {
      errs.push(invalidOmitted(rulePath, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    }
    if (onExitCodes === undefined && onPodConditions.length === 0) {
      errs.push(invalidOmitted(rulePath, 'specifying one of OnExitCodes and OnPodConditions is required'));
    }
  });
  return errs;
}

const httpPathPattern = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** validateJobSpec: the checks a Job and a CronJob's job template share. */
function validateJobSpec(spec: JsonObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
  ]) {
    errs.push(...nonNegative(spec[field], child(path, field)));
    if (
      field === 'maxFailedIndexes' &&
      spec[field] !== undefined &&
      spec['backoffLimitPerIndex'] === undefined
    ) {
      errs.push(required(child(path, 'backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
    }
  }
  const managedBy = spec['managedBy'];
  if (typeof managedBy === 'string') {
    const managedPath = child(path, 'managedBy');
    const slash = managedBy.indexOf('/');
    if (managedBy === '') errs.push(required(managedPath));
    else if (slash <= 0 || slash === managedBy.length - 1)
      errs.push(invalid(managedPath, managedBy, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    else {
      const host = managedBy.slice(0, slash);
      for (const msg of isDNS1123Subdomain(host)) errs.push(invalid(managedPath, host, msg));
      const rest = managedBy.slice(slash + 1);
      if (!httpPathPattern.test(rest)) {
        errs.push(
          invalid(
            managedPath,
            rest,
            "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
          ),
        );
      }
    }
    if (Buffer.byteLength(managedBy) > 63)
      errs.push({ field: managedPath, type: 'FieldValueTooLong', message: 'may not be longer than 63' });
  }
  const completionMode = spec['completionMode'];
  const completions = numberAt(spec['completions']);
  const parallelism = numberAt(spec['parallelism']);
  const maxFailedIndexes = numberAt(spec['maxFailedIndexes']);
  const indexed = completionMode === 'Indexed';
  if (typeof completionMode === 'string') {
    if (completionMode !== 'NonIndexed' && completionMode !== 'Indexed') {
      errs.push(notSupported(child(path, 'completionMode'), completionMode, ['NonIndexed', 'Indexed']));
    }
    if (indexed) {
      if (completions === undefined)
        errs.push(required(child(path, 'completions'), 'when completion mode is Indexed'));
      if (parallelism !== undefined && parallelism > 100000) {
        errs.push(
          invalid(
            child(path, 'parallelism'),
            parallelism,
            'must be less than or equal to 100000 when completion mode is Indexed',
          ),
        );
      }
      if (completions !== undefined && maxFailedIndexes !== undefined && maxFailedIndexes > completions) {
        errs.push(
          invalid(
            child(path, 'maxFailedIndexes'),
            maxFailedIndexes,
            'must be less than or equal to completions',
          ),
        );
      }
      if (maxFailedIndexes !== undefined && maxFailedIndexes > 100000) {
        errs.push(
          invalid(child(path, 'maxFailedIndexes'), maxFailedIndexes, 'must be less than or equal to 100000'),
        );
      }
    }
  }
  if (!indexed) {
    for (const field of ['backoffLimitPerIndex', 'maxFailedIndexes']) {
      const value = numberAt(spec[field]);
      if (value !== undefined)
        errs.push(invalid(child(path, field), value, 'requires indexed completion mode'));
    }
  }
  const hasFailurePolicy = isObject(spec['podFailurePolicy']);
  if (hasFailurePolicy) errs.push(...validatePodFailurePolicy(spec, child(path, 'podFailurePolicy')));
  const successPolicy = objectAt(spec['successPolicy']);
  if (successPolicy !== undefined) {
    if (!indexed)
      errs.push(invalid(child(path, 'successPolicy'), successPolicy, 'requires indexed completion mode'));
    else if (arrayAt(successPolicy['rules']).length === 0) {
      errs.push(
        required(
          child(path, 'successPolicy', 'rules'),
          'at least one rules must be specified when the successPolicy is specified',
        ),
      );
    }
  }
  const replacement = spec['podReplacementPolicy'];
  if (typeof replacement === 'string') {
    if (hasFailurePolicy) {
      if (replacement !== 'Failed')
        errs.push(notSupported(child(path, 'podReplacementPolicy'), replacement, ['Failed']));
    } else if (replacement !== 'Failed' && replacement !== 'TerminatingOrFailed') {
      errs.push(
        notSupported(child(path, 'podReplacementPolicy'), replacement, ['Failed', 'TerminatingOrFailed']),
      );
    }
  }
  const templatePath = child(path, 'template');
  errs.push(...validatePodTemplateSpec(spec['template'], templatePath));
  const restartPolicy = stringAt(dig(spec, 'template', 'spec', 'restartPolicy'));
  const restartPath = child(templatePath, 'spec', 'restartPolicy');
  if (restartPolicy === 'Always' || restartPolicy === '')
    errs.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never')
    errs.push(notSupported(restartPath, restartPolicy, ['OnFailure', 'Never']));
  else if (hasFailurePolicy && restartPolicy !== 'Never') {
    errs.push(
      invalid(restartPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'),
    );
  }
  return errs;
}

/** ValidateJobSpec: validateJobSpec plus the selector, which must match the template. */
function validateJobSpecWithSelector(spec: JsonObject): FieldError[] {
  const errs = validateJobSpec(spec, 'spec');
  const selector = spec['selector'];
  if (selector === undefined || selector === null) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(selector, 'spec.selector'));
  const kind = selectorKind(selector);
  const labels = dig(spec, 'template', 'metadata', 'labels');
  if (kind !== 'invalid' && !selects(kind, selector, labels)) errs.push(mismatch('spec.template', labels));
  return errs;
}

/**
 * ValidateJob. The registry generates the selector during validation; this validates a copy with the generated
 * selector when `metadata.uid` is set and the selector is not manual, so the object itself is untouched.
 */
function validateJob(original: KubeObject): FieldError[] {
  const job = cloneJson(original);
  if (specOf(job)['manualSelector'] !== true && stringAt(job.metadata.uid) !== '') generateJobSelector(job);
  const spec = specOf(job);
  const errs = validateGeneratedSelector(job);
  errs.push(...validateJobSpecWithSelector(spec));
  const completions = numberAt(spec['completions']);
  if (spec['completionMode'] === 'Indexed' && completions !== undefined && completions > 0) {
    const name = stringAt(job.metadata.name);
    const hostname = `${name}-${completions - 1}`;
    if (isDNS1123Label(hostname).length > 0) {
      errs.push(
        invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${hostname}`),
      );
    }
  }
  return errs;
}

/** ValidateJobSpecUpdate: the pod template may change only in scheduling directives while suspended and unstarted. */
function validateJobUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const oldSpec = specOf(old);
  const errs = validateJobSpecWithSelector(spec);
  const completions = spec['completions'] ?? null;
  if (!semanticEqual(completions, oldSpec['completions'])) {
    if (spec['completionMode'] === 'Indexed' && typeof completions === 'number') {
      if (completions !== spec['parallelism'])
        errs.push(
          invalid('spec.completions', completions, 'can only be modified in tandem with spec.parallelism'),
        );
    } else if (!(spec['completionMode'] === 'Indexed' && completions === null)) {
      errs.push(immutable('spec.completions', completions));
    }
  }
  errs.push(...immutableSelector(obj, old));
  const template = cloneJson(objectAt(spec['template']) ?? {});
  const oldTemplate = cloneJson(objectAt(oldSpec['template']) ?? {});
  const suspended = oldSpec['suspend'] === true && dig(old, 'status', 'startTime') === undefined;
  if (suspended) {
    const podSpec = ensureObject(template, 'spec');
    const oldPodSpec = ensureObject(oldTemplate, 'spec');
    for (const field of ['nodeSelector', 'tolerations', 'schedulingGates'])
      oldPodSpec[field] = podSpec[field];
    const affinity = objectAt(podSpec['affinity']);
    const oldAffinity = objectAt(oldPodSpec['affinity']);
    if (affinity === undefined && oldAffinity !== undefined) {
      delete oldAffinity['nodeAffinity'];
      if (Object.keys(oldAffinity).length === 0) delete oldPodSpec['affinity'];
    } else if (affinity !== undefined) {
      oldPodSpec['affinity'] = { ...(oldAffinity ?? {}), nodeAffinity: affinity['nodeAffinity'] };
    }
    const meta = ensureObject(template, 'metadata');
    const oldMeta = ensureObject(oldTemplate, 'metadata');
    oldMeta['labels'] = meta['labels'];
    oldMeta['annotations'] = meta['annotations'];
  }
  if (!semanticEqual(template, oldTemplate)) errs.push(immutable('spec.template', spec['template']));
  for (const field of [
    'completionMode',
    'podFailurePolicy',
    'backoffLimitPerIndex',
    'managedBy',
    'successPolicy',
  ]) {
    if (!semanticEqual(spec[field], oldSpec[field])) errs.push(immutable(child('spec', field), spec[field]));
  }
  return errs;
}

const validTimeZonePart = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(zone: unknown, path: string): FieldError[] {
  if (typeof zone !== 'string') return [];
  if (zone === '') return [invalid(path, zone, 'timeZone must be nil or non-empty string')];
  for (const part of zone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !validTimeZonePart.test(part)) {
      return [invalid(path, zone, `unknown time zone ${zone}`)];
    }
  }
  const errs: FieldError[] = [];
  if (zone.toLowerCase() === 'local') {
    errs.push(
      invalid(
        path,
        zone,
        'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      ),
    );
  }
  if (!isKnownTimeZone(zone)) errs.push(invalid(path, zone, `unknown time zone ${zone}`));
  return errs;
}

/** validateCronJobSpec. */
function validateCronJobSpec(spec: JsonObject, oldSpec: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const schedule = stringAt(spec['schedule']);
  if (schedule === '') errs.push(required('spec.schedule'));
  else {
    const error = cronScheduleError(schedule);
    if (error !== undefined) errs.push(invalid('spec.schedule', schedule, error));
    const allowTZ = oldSpec !== undefined && stringAt(oldSpec['schedule']).includes('TZ');
    if (allowTZ && schedule.includes('TZ') && typeof spec['timeZone'] === 'string') {
      errs.push(
        invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'),
      );
    } else if (!allowTZ && schedule.includes('TZ')) {
      errs.push(
        invalid(
          'spec.schedule',
          schedule,
          'cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
        ),
      );
    }
  }
  errs.push(...nonNegative(spec['startingDeadlineSeconds'], 'spec.startingDeadlineSeconds'));
  if (oldSpec === undefined || oldSpec['timeZone'] !== spec['timeZone'])
    errs.push(...validateTimeZone(spec['timeZone'], 'spec.timeZone'));
  const policy = stringAt(spec['concurrencyPolicy']);
  if (policy === '') errs.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(policy)) {
    errs.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
  }
  const jobSpec = objectAt(dig(spec, 'jobTemplate', 'spec')) ?? {};
  errs.push(...validateJobSpec(jobSpec, 'spec.jobTemplate.spec'));
  if (isObject(jobSpec['selector'])) {
    errs.push(
      invalidShown(
        'spec.jobTemplate.spec.selector',
        goLabelSelector(jobSpec['selector']),
        '`selector` will be auto-generated',
      ),
    );
  }
  if (jobSpec['manualSelector'] === true)
    errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...nonNegative(spec['successfulJobsHistoryLimit'], 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec['failedJobsHistoryLimit'], 'spec.failedJobsHistoryLimit'));
  return errs;
}

function validateCronJob(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateCronJobSpec(specOf(obj), old === undefined ? undefined : specOf(old));
  const name = stringAt(obj.metadata.name);
  if (old === undefined && Buffer.byteLength(name) > 52)
    errs.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
  return errs;
}

/** Validators of the apps and batch kinds, keyed `group/Kind`. */
export const workloadValidators: Record<string, (obj: KubeObject, old?: KubeObject) => FieldError[]> = {
  'apps/Deployment': (obj, old) => [
    ...validateDeployment(obj),
    ...(old === undefined ? [] : immutableSelector(obj, old)),
  ],
  'apps/ReplicaSet': (obj, old) => [
    ...validateReplicaSet(obj),
    ...(old === undefined ? [] : immutableSelector(obj, old)),
  ],
  'apps/StatefulSet': (obj, old) => [
    ...validateStatefulSet(obj),
    ...(old === undefined ? [] : validateStatefulSetUpdate(obj, old)),
  ],
  'apps/DaemonSet': (obj, old) => [
    ...validateDaemonSet(obj),
    ...(old === undefined ? [] : immutableSelector(obj, old)),
  ],
  'apps/ControllerRevision': (obj, old) => {
    const errs: FieldError[] = [];
    if (obj['data'] === undefined || obj['data'] === null) errs.push(required('data', 'data is mandatory'));
    errs.push(...nonNegative(obj['revision'], 'revision'));
    if (old !== undefined && !semanticEqual(obj['data'], old['data']))
      errs.push(immutable('data', obj['data']));
    return errs;
  },
  'batch/Job': (obj, old) => (old === undefined ? validateJob(obj) : validateJobUpdate(obj, old)),
  'batch/CronJob': validateCronJob,
};
