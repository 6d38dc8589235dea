/**
 * The remaining built-in kinds: Ingress (networking.k8s.io), RBAC, Lease (coordination.k8s.io),
 * HorizontalPodAutoscaler (autoscaling/v2), PodDisruptionBudget (policy) and CustomResourceDefinition.
 */

import { isIP } from 'node:net';
import type { FieldError } from '../../base/errors.ts';
import type { KubeObject } from '../meta.ts';
import {
  arrayAt,
  dig,
  isObject,
  numberAt,
  objectAt,
  semanticEqual,
  stringAt,
  type JsonObject,
} from './access.ts';
import {
  child,
  forbidden,
  immutable,
  index,
  invalid,
  invalidShown,
  notSupported,
  required,
} from './field.ts';
import { goQuote, goStringSlice } from './go-format.ts';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
} from './names.ts';
import { parseQuantity } from './quantity.ts';
import { selectorKind, validateLabelSelector } from './selectors.ts';
import { notMoreThan100Percent, validateIntOrPercent } from './workloads.ts';

type Validator = (obj: KubeObject, old?: KubeObject) => FieldError[];

function specOf(obj: KubeObject | undefined): JsonObject {
  return objectAt(obj?.['spec']) ?? {};
}

function pathSegmentErrors(value: string, path: string): FieldError[] {
  return isValidPathSegmentName(value).map((msg) => invalid(path, value, msg));
}

function validateIngressBackend(backendValue: unknown, path: string): FieldError[] {
  const backend = objectAt(backendValue) ?? {};
  const resource = objectAt(backend['resource']);
  const service = objectAt(backend['service']);
  if (resource !== undefined && service !== undefined)
    return [invalid(path, '', 'cannot set both resource and service backends')];
  const errs: FieldError[] = [];
  if (resource !== undefined) {
    const resourcePath = child(path, 'resource');
    const apiGroup = resource['apiGroup'];
    if (typeof apiGroup === 'string')
      for (const msg of isDNS1123Subdomain(apiGroup))
        errs.push(invalid(child(resourcePath, 'apiGroup'), apiGroup, msg));
    for (const field of ['kind', 'name']) {
      const value = stringAt(resource[field]);
      if (value === '') errs.push(required(child(resourcePath, field), `${field} is required`));
      else errs.push(...pathSegmentErrors(value, child(resourcePath, field)));
    }
    return errs;
  }
  if (service === undefined) return [invalid(path, '', 'resource or service backend is required')];
  const name = stringAt(service['name']);
  if (name === '') errs.push(required(child(path, 'service', 'name')));
  else for (const msg of isDNS1035Label(name)) errs.push(invalid(child(path, 'service', 'name'), name, msg));
  const port = objectAt(service['port']) ?? {};
  const portName = stringAt(port['name']);
  const portNumber = numberAt(port['number']) ?? 0;
  if (portName !== '' && portNumber !== 0)
    errs.push(invalid(path, '', 'cannot set both port name & port number'));
  else if (portName !== '')
    for (const msg of isValidPortName(portName))
      errs.push(invalid(child(path, 'service', 'port', 'name'), portName, msg));
  else if (portNumber !== 0)
    for (const msg of isValidPortNum(portNumber))
      errs.push(invalid(child(path, 'service', 'port', 'number'), portNumber, msg));
  else errs.push(required(path, 'port name or number is required'));
  return errs;
}

function hostErrors(host: string, path: string): FieldError[] {
  if (host.includes('*')) return isWildcardDNS1123Subdomain(host).map((msg) => invalid(path, host, msg));
  return isDNS1123Subdomain(host).map((msg) => invalid(path, host, msg));
}

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateIngressPath(pathValue: unknown, path: string): FieldError[] {
  const entry = objectAt(pathValue) ?? {};
  const pathType = entry['pathType'];
  if (typeof pathType !== 'string') return [required(child(path, 'pathType'), 'pathType must be specified')];
  const errs: FieldError[] = [];
  const target = stringAt(entry['path']);
  const targetPath = child(path, 'path');
  if (pathType === 'Exact' || pathType === 'Prefix') {
    if (!target.startsWith('/')) errs.push(invalid(targetPath, target, 'must be an absolute path'));
    if (target !== '') {
      for (const sequence of ['//', '/./', '/../', '%2f', '%2F']) {
        if (target.includes(sequence))
          errs.push(invalid(targetPath, target, `must not contain '${sequence}'`));
      }
      for (const suffix of ['/..', '/.'])
        if (target.endsWith(suffix)) errs.push(invalid(targetPath, target, `cannot end with '${suffix}'`));
    }
  } else if (pathType === 'ImplementationSpecific') {
    if (target !== '' && !target.startsWith('/'))
      errs.push(invalid(targetPath, target, 'must be an absolute path'));
  } else errs.push(notSupported(child(path, 'pathType'), pathType, pathTypes));
  errs.push(...validateIngressBackend(entry['backend'], child(path, 'backend')));
  return errs;
}

/** ValidateIngressSpec, plus the class annotation rule of ValidateIngressCreate. */
function validateIngress(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  const className = spec['ingressClassName'];
  const classAnnotation = dig(obj, 'metadata', 'annotations', 'kubernetes.io/ingress.class');
  if (typeof classAnnotation === 'string' && typeof className === 'string' && classAnnotation !== className) {
    errs.push(
      invalid(
        'annotations.kubernetes.io/ingress.class',
        classAnnotation,
        'must match `ingressClassName` when both are specified',
      ),
    );
  }
  const rules = arrayAt(spec['rules']);
  const hasDefault = isObject(spec['defaultBackend']);
  if (rules.length === 0 && !hasDefault) {
    const shown = Array.isArray(spec['rules'])
      ? '[]networking.IngressRule{}'
      : '[]networking.IngressRule(nil)';
    errs.push(invalidShown('spec', shown, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (hasDefault) errs.push(...validateIngressBackend(spec['defaultBackend'], 'spec.defaultBackend'));
  rules.forEach((raw, i) => {
    const rule = objectAt(raw) ?? {};
    const rulePath = index('spec.rules', i);
    const host = stringAt(rule['host']);
    if (host !== '') {
      if (isIP(host) !== 0)
        errs.push(invalid(child(rulePath, 'host'), host, 'must be a DNS name, not an IP address'));
      errs.push(...hostErrors(host, child(rulePath, 'host')));
    }
    const http = objectAt(rule['http']);
    if (http !== undefined) {
      const paths = arrayAt(http['paths']);
      if (paths.length === 0) errs.push(required(child(rulePath, 'http', 'paths')));
      paths.forEach((p, j) =>
        errs.push(...validateIngressPath(p, index(child(rulePath, 'http', 'paths'), j))),
      );
    }
  });
  arrayAt(spec['tls']).forEach((raw, i) => {
    const tls = objectAt(raw) ?? {};
    const tlsPath = index('spec.tls', i);
    arrayAt(tls['hosts']).forEach((h, j) =>
      errs.push(...hostErrors(stringAt(h), index(child(tlsPath, 'hosts'), j))),
    );
    const secretName = stringAt(tls['secretName']);
    if (secretName !== '')
      for (const msg of isDNS1123Subdomain(secretName))
        errs.push(invalid(child(tlsPath, 'secretName'), secretName, msg));
  });
  if (typeof className === 'string')
    for (const msg of isDNS1123Subdomain(className))
      errs.push(invalid('spec.ingressClassName', className, msg));
  return errs;
}

const rbacGroup = 'rbac.authorization.k8s.io';

function validatePolicyRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  arrayAt(obj['rules']).forEach((raw, i) => {
    const rule = objectAt(raw) ?? {};
    const rulePath = index('rules', i);
    if (arrayAt(rule['verbs']).length === 0)
      errs.push(required(child(rulePath, 'verbs'), 'verbs must contain at least one value'));
    const urls = arrayAt(rule['nonResourceURLs']);
    if (urls.length > 0) {
      const shown = goStringSlice(rule['nonResourceURLs']);
      if (namespaced)
        errs.push(
          invalidShown(
            child(rulePath, 'nonResourceURLs'),
            shown,
            'namespaced rules cannot apply to non-resource URLs',
          ),
        );
      const resourceFields = ['apiGroups', 'resources', 'resourceNames'].some(
        (f) => arrayAt(rule[f]).length > 0,
      );
      if (resourceFields) {
        errs.push(
          invalidShown(
            child(rulePath, 'nonResourceURLs'),
            shown,
            'rules cannot apply to both regular resources and non-resource URLs',
          ),
        );
      }
      return;
    }
    if (arrayAt(rule['apiGroups']).length === 0)
      errs.push(required(child(rulePath, 'apiGroups'), 'resource rules must supply at least one api group'));
    const resources = arrayAt(rule['resources']);
    if (resources.length === 0)
      errs.push(required(child(rulePath, 'resources'), 'resource rules must supply at least one resource'));
    if (arrayAt(rule['resourceNames']).length > 0 && resources.length > 1) {
      errs.push(
        required(child(rulePath, 'resourceNames'), 'resource names cannot apply to multiple resources'),
      );
    }
  });
  return errs;
}

function validateClusterRole(obj: KubeObject): FieldError[] {
  const errs = validatePolicyRules(obj, false);
  const aggregation = objectAt(obj['aggregationRule']);
  if (aggregation !== undefined) {
    const selectors = arrayAt(aggregation['clusterRoleSelectors']);
    const selectorsPath = 'aggregationRule.clusterRoleSelectors';
    if (selectors.length === 0)
      errs.push(
        required(selectorsPath, 'at least one clusterRoleSelector required if aggregationRule is non-nil'),
      );
    selectors.forEach((selector, i) => {
      errs.push(...validateLabelSelector(selector, index(selectorsPath, i)));
      if (selectorKind(selector) === 'invalid')
        errs.push(invalid(index(selectorsPath, i), selector, 'invalid label selector.'));
    });
  }
  return errs;
}

function validateSubject(subjectValue: unknown, namespaced: boolean, path: string): FieldError[] {
  const subject = objectAt(subjectValue) ?? {};
  const name = stringAt(subject['name']);
  const apiGroup = stringAt(subject['apiGroup']);
  const errs: FieldError[] = [];
  if (name === '') errs.push(required(child(path, 'name')));
  switch (stringAt(subject['kind'])) {
    case 'ServiceAccount':
      if (name !== '')
        for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(child(path, 'name'), name, msg));
      if (apiGroup !== '') errs.push(notSupported(child(path, 'apiGroup'), apiGroup, ['']));
      if (!namespaced && stringAt(subject['namespace']) === '') errs.push(required(child(path, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (name === '')
        errs.push(
          invalid(
            child(path, 'name'),
            name,
            `${stringAt(subject['kind']).toLowerCase()} name cannot be empty`,
          ),
        );
      if (apiGroup !== rbacGroup) errs.push(notSupported(child(path, 'apiGroup'), apiGroup, [rbacGroup]));
      break;
    default:
      errs.push(
        notSupported(child(path, 'kind'), stringAt(subject['kind']), ['ServiceAccount', 'User', 'Group']),
      );
  }
  return errs;
}

function goRoleRef(ref: unknown): string {
  const r = objectAt(ref) ?? {};
  return `rbac.RoleRef{APIGroup:${goQuote(stringAt(r['apiGroup']))}, Kind:${goQuote(stringAt(r['kind']))}, Name:${goQuote(stringAt(r['name']))}}`;
}

function bindingValidator(namespaced: boolean): Validator {
  return (obj, old) => {
    const ref = objectAt(obj['roleRef']) ?? {};
    const errs: FieldError[] = [];
    const apiGroup = stringAt(ref['apiGroup']);
    if (apiGroup !== rbacGroup) errs.push(notSupported('roleRef.apiGroup', apiGroup, [rbacGroup]));
    const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
    const kind = stringAt(ref['kind']);
    if (!kinds.includes(kind)) errs.push(notSupported('roleRef.kind', kind, kinds));
    const name = stringAt(ref['name']);
    if (name === '') errs.push(required('roleRef.name'));
    else errs.push(...pathSegmentErrors(name, 'roleRef.name'));
    arrayAt(obj['subjects']).forEach((s, i) =>
      errs.push(...validateSubject(s, namespaced, index('subjects', i))),
    );
    if (old !== undefined && !semanticEqual(obj['roleRef'], old['roleRef'])) {
      errs.push(invalidShown('roleRef', goRoleRef(obj['roleRef']), 'cannot change roleRef'));
    }
    return errs;
  };
}

function validateLease(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  const duration = numberAt(spec['leaseDurationSeconds']);
  if (duration !== undefined && duration <= 0)
    errs.push(invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = numberAt(spec['leaseTransitions']);
  if (transitions !== undefined && transitions < 0)
    errs.push(invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  if (stringAt(spec['preferredHolder']) !== '' && stringAt(spec['strategy']) === '') {
    errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

function validateCrossVersionObjectReference(refValue: unknown, path: string): FieldError[] {
  const ref = objectAt(refValue) ?? {};
  const errs: FieldError[] = [];
  for (const field of ['kind', 'name']) {
    const value = stringAt(ref[field]);
    if (value === '') errs.push(required(child(path, field)));
    else errs.push(...pathSegmentErrors(value, child(path, field)));
  }
  return errs;
}

function validateMetricTarget(targetValue: unknown, path: string): FieldError[] {
  const target = objectAt(targetValue) ?? {};
  const errs: FieldError[] = [];
  const type = stringAt(target['type']);
  if (type === '') errs.push(required(child(path, 'type'), 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(type))
    errs.push(invalid(child(path, 'type'), type, 'must be either Utilization, Value, or AverageValue'));
  for (const field of ['value', 'averageValue']) {
    const amount = parseQuantity(target[field]);
    if (target[field] !== undefined && (amount === undefined || amount <= 0))
      errs.push(invalid(child(path, field), target[field], 'must be positive'));
  }
  const utilization = numberAt(target['averageUtilization']);
  if (utilization !== undefined && utilization < 1)
    errs.push(invalid(child(path, 'averageUtilization'), utilization, 'must be greater than 0'));
  return errs;
}

function validateMetricName(metricValue: unknown, path: string): FieldError[] {
  const name = stringAt(dig(metricValue, 'name'));
  if (name === '') return [required(child(path, 'name'), 'must specify a metric name')];
  return pathSegmentErrors(name, child(path, 'name'));
}

const metricSources: Record<string, string> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};

function validateMetricSpec(metricValue: unknown, path: string): FieldError[] {
  const metric = objectAt(metricValue) ?? {};
  const type = stringAt(metric['type']);
  const errs: FieldError[] = [];
  const types = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
  if (type === '') errs.push(required(child(path, 'type'), 'must specify a metric source type'));
  if (!types.includes(type)) errs.push(notSupported(child(path, 'type'), type, types));
  const present = Object.values(metricSources).filter((field) => isObject(metric[field]));
  const first = present[0];
  if (first !== undefined) {
    const source = objectAt(metric[first]) ?? {};
    const sourcePath = child(path, first);
    const targetPath = child(sourcePath, 'target');
    const target = objectAt(source['target']) ?? {};
    if (first === 'object')
      errs.push(
        ...validateCrossVersionObjectReference(
          source['describedObject'],
          child(sourcePath, 'describedObject'),
        ),
      );
    if (first === 'object' || first === 'pods' || first === 'external')
      errs.push(...validateMetricName(source['metric'], child(sourcePath, 'metric')));
    if (first === 'resource' || first === 'containerResource') {
      if (stringAt(source['name']) === '')
        errs.push(required(child(sourcePath, 'name'), 'must specify a resource name'));
      if (first === 'containerResource') {
        const container = stringAt(source['container']);
        if (container === '') errs.push(required(child(sourcePath, 'container'), 'must specify a container'));
        else
          for (const msg of isDNS1123Label(container))
            errs.push(invalid(child(sourcePath, 'container'), container, msg));
      }
    }
    errs.push(...validateMetricTarget(target, targetPath));
    const has = (field: string): boolean => target[field] !== undefined && target[field] !== null;
    if (
      (first === 'resource' || first === 'containerResource') &&
      !has('averageUtilization') &&
      !has('averageValue')
    ) {
      errs.push(
        required(
          child(targetPath, 'averageUtilization'),
          'must set either a target raw value or a target utilization',
        ),
      );
    }
    if (
      (first === 'resource' || first === 'containerResource') &&
      has('averageUtilization') &&
      has('averageValue')
    ) {
      errs.push(
        forbidden(
          child(targetPath, 'averageValue'),
          'may not set both a target raw value and a target utilization',
        ),
      );
    }
    if (first === 'pods' && !has('averageValue'))
      errs.push(required(child(targetPath, 'averageValue'), 'must specify a positive target averageValue'));
    if (first === 'object' && !has('value') && !has('averageValue')) {
      errs.push(
        required(child(targetPath, 'averageValue'), 'must set either a target value or averageValue'),
      );
    }
    if (first === 'external' && !has('value') && !has('averageValue')) {
      errs.push(
        required(
          child(targetPath, 'averageValue'),
          'must set either a target value for metric or a per-pod target',
        ),
      );
    }
  }
  const expected = metricSources[type];
  if (expected !== undefined && !isObject(metric[expected]))
    errs.push(required(child(path, expected), 'must populate information for the given metric source'));
  if (present.length !== 1) {
    for (const field of present)
      if (field !== expected)
        errs.push(forbidden(child(path, field), 'must populate the given metric source only'));
  }
  return errs;
}

function validateScalingRules(rulesValue: unknown, path: string): FieldError[] {
  const rules = objectAt(rulesValue);
  if (rules === undefined) return [];
  const errs: FieldError[] = [];
  const window = numberAt(rules['stabilizationWindowSeconds']);
  if (window !== undefined && window < 0)
    errs.push(
      invalid(child(path, 'stabilizationWindowSeconds'), window, 'must be greater than or equal to zero'),
    );
  if (window !== undefined && window > 3600)
    errs.push(
      invalid(child(path, 'stabilizationWindowSeconds'), window, 'must be less than or equal to 3600'),
    );
  const select = rules['selectPolicy'];
  if (typeof select === 'string' && !['Disabled', 'Max', 'Min'].includes(select)) {
    errs.push(notSupported(child(path, 'selectPolicy'), select, ['Disabled', 'Max', 'Min']));
  }
  const policies = arrayAt(rules['policies']);
  if (policies.length === 0) errs.push(required(child(path, 'policies'), 'must specify at least one Policy'));
  policies.forEach((raw, i) => {
    const policy = objectAt(raw) ?? {};
    const policyPath = index(child(path, 'policies'), i);
    const type = stringAt(policy['type']);
    if (type !== 'Pods' && type !== 'Percent')
      errs.push(notSupported(child(policyPath, 'type'), type, ['Percent', 'Pods']));
    const value = numberAt(policy['value']) ?? 0;
    if (value <= 0) errs.push(invalid(child(policyPath, 'value'), value, 'must be greater than zero'));
    const period = numberAt(policy['periodSeconds']) ?? 0;
    if (period <= 0)
      errs.push(invalid(child(policyPath, 'periodSeconds'), period, 'must be greater than zero'));
    if (period > 1800)
      errs.push(invalid(child(policyPath, 'periodSeconds'), period, 'must be less than or equal to 1800'));
  });
  return errs;
}

/** validateHorizontalPodAutoscalerSpec (minReplicas may be 0 only if it already was, HPAScaleToZero being off). */
function validateHorizontalPodAutoscaler(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  const lowerBound = old !== undefined && dig(old, 'spec', 'minReplicas') === 0 ? 0 : 1;
  const minReplicas = numberAt(spec['minReplicas']);
  const maxReplicas = numberAt(spec['maxReplicas']) ?? 0;
  if (minReplicas !== undefined && minReplicas < lowerBound) {
    errs.push(invalid('spec.minReplicas', minReplicas, `must be greater than or equal to ${lowerBound}`));
  }
  if (maxReplicas < 1) errs.push(invalid('spec.maxReplicas', maxReplicas, 'must be greater than 0'));
  if (minReplicas !== undefined && maxReplicas < minReplicas) {
    errs.push(invalid('spec.maxReplicas', maxReplicas, 'must be greater than or equal to `minReplicas`'));
  }
  errs.push(...validateCrossVersionObjectReference(spec['scaleTargetRef'], 'spec.scaleTargetRef'));
  arrayAt(spec['metrics']).forEach((m, i) => errs.push(...validateMetricSpec(m, index('spec.metrics', i))));
  if (minReplicas === 0) {
    const scalesToZero = arrayAt(spec['metrics']).some((m) =>
      ['Object', 'External'].includes(stringAt(dig(m, 'type'))),
    );
    if (!scalesToZero)
      errs.push(
        forbidden(
          'spec.metrics',
          'must specify at least one Object or External metric to support scaling to zero replicas',
        ),
      );
  }
  const behavior = objectAt(spec['behavior']);
  if (behavior !== undefined) {
    errs.push(...validateScalingRules(behavior['scaleUp'], 'spec.behavior.scaleUp'));
    errs.push(...validateScalingRules(behavior['scaleDown'], 'spec.behavior.scaleDown'));
  }
  return errs;
}

function validatePodDisruptionBudget(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  const minAvailable = spec['minAvailable'];
  const maxUnavailable = spec['maxUnavailable'];
  const has = (v: unknown): boolean => v !== undefined && v !== null;
  if (has(minAvailable) && has(maxUnavailable))
    errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  for (const [field, value] of [
    ['minAvailable', minAvailable],
    ['maxUnavailable', maxUnavailable],
  ] as const) {
    if (!has(value)) continue;
    errs.push(...validateIntOrPercent(value, child('spec', field)));
    errs.push(...notMoreThan100Percent(value, child('spec', field)));
  }
  errs.push(...validateLabelSelector(spec['selector'], 'spec.selector'));
  const policy = spec['unhealthyPodEvictionPolicy'];
  if (typeof policy === 'string' && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow') {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, ['AlwaysAllow', 'IfHealthyBudget']));
  }
  return errs;
}

function dns1035Joined(value: string, path: string): FieldError[] {
  const msgs = isDNS1035Label(value);
  return msgs.length === 0 ? [] : [invalid(path, value, msgs.join(','))];
}

function validateCRDNames(namesValue: unknown, path: string): FieldError[] {
  const names = objectAt(namesValue) ?? {};
  const errs: FieldError[] = [];
  for (const field of ['plural', 'singular']) {
    const value = stringAt(names[field]);
    if (value !== '') errs.push(...dns1035Joined(value, child(path, field)));
  }
  for (const field of ['kind', 'listKind']) {
    const value = stringAt(names[field]);
    if (value === '') continue;
    const msgs = isDNS1035Label(value.toLowerCase());
    if (msgs.length > 0)
      errs.push(
        invalid(
          child(path, field),
          value,
          `may have mixed case, but should otherwise match: ${msgs.join(',')}`,
        ),
      );
  }
  arrayAt(names['shortNames']).forEach((s, i) =>
    errs.push(...dns1035Joined(stringAt(s), index(child(path, 'shortNames'), i))),
  );
  const kind = stringAt(names['kind']);
  if (kind !== '' && kind === stringAt(names['listKind']))
    errs.push(invalid(child(path, 'listKind'), kind, 'kind and listKind may not be the same'));
  arrayAt(names['categories']).forEach((c, i) =>
    errs.push(...dns1035Joined(stringAt(c), index(child(path, 'categories'), i))),
  );
  return errs;
}

/** ValidateCustomResourceDefinitionSpec's structural rules; the schemas themselves are not checked here. */
function validateCustomResourceDefinition(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  const group = stringAt(spec['group']);
  if (group === '') errs.push(required('spec.group'));
  else {
    const msgs = isDNS1123Subdomain(group);
    if (msgs.length > 0) errs.push(invalid('spec.group', group, msgs.join(',')));
    else if (group.split('.').length < 2)
      errs.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const scope = stringAt(spec['scope']);
  if (scope === '') errs.push(required('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced')
    errs.push(notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  const versions = arrayAt(spec['versions']).map((v) => objectAt(v) ?? {});
  const seen = new Set<string>();
  let unique = true;
  let storage = 0;
  versions.forEach((version, i) => {
    const name = stringAt(version['name']);
    if (version['storage'] === true) storage++;
    if (seen.has(name)) unique = false;
    seen.add(name);
    errs.push(...dns1035Joined(name, child(index('spec.versions', i), 'name')));
    if (!isObject(dig(version, 'schema', 'openAPIV3Schema'))) {
      errs.push(
        required(child(index('spec.versions', i), 'schema', 'openAPIV3Schema'), 'schemas are required'),
      );
    }
  });
  const shownVersions = (detail: string): FieldError =>
    Array.isArray(spec['versions'])
      ? invalid('spec.versions', spec['versions'], detail)
      : invalidShown('spec.versions', '[]apiextensions.CustomResourceDefinitionVersion(nil)', detail);
  if (!unique) errs.push(shownVersions('must contain unique version names'));
  if (storage !== 1) errs.push(shownVersions('must have exactly one version marked as storage version'));

  const names = objectAt(spec['names']) ?? {};
  for (const field of ['plural', 'singular', 'kind', 'listKind']) {
    if (stringAt(names[field]) === '') errs.push(required(child('spec.names', field)));
  }
  errs.push(...validateCRDNames(names, 'spec.names'));
  const strategy = dig(spec, 'conversion', 'strategy');
  if (typeof strategy === 'string') {
    if (strategy !== 'None' && strategy !== 'Webhook')
      errs.push(notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
    if (strategy === 'Webhook' && !isObject(dig(spec, 'conversion', 'webhook'))) {
      errs.push(required('spec.conversion.webhook', 'required when strategy is set to Webhook'));
    }
  }
  errs.push(...validateCRDNames(dig(obj, 'status', 'acceptedNames'), 'status.acceptedNames'));
  if (old !== undefined) {
    const oldSpec = specOf(old);
    const established = arrayAt(dig(old, 'status', 'conditions')).some(
      (c) => stringAt(dig(c, 'type')) === 'Established' && stringAt(dig(c, 'status')) === 'True',
    );
    if (established) {
      if (scope !== stringAt(oldSpec['scope'])) errs.push(immutable('spec.scope', scope));
      const kind = stringAt(names['kind']);
      if (kind !== stringAt(dig(oldSpec, 'names', 'kind'))) errs.push(immutable('spec.names.kind', kind));
    }
    if (group !== stringAt(oldSpec['group'])) errs.push(immutable('spec.group', group));
    const plural = stringAt(names['plural']);
    if (plural !== stringAt(dig(oldSpec, 'names', 'plural')))
      errs.push(immutable('spec.names.plural', plural));
    arrayAt(dig(obj, 'status', 'storedVersions')).forEach((v, i) => {
      if (!seen.has(stringAt(v)))
        errs.push(invalid(index('status.storedVersions', i), stringAt(v), 'must appear in spec.versions'));
    });
  }
  return errs;
}

/** Validators of the remaining kinds, keyed `group/Kind`. */
export const otherValidators: Record<string, Validator> = {
  'networking.k8s.io/Ingress': validateIngress,
  'rbac.authorization.k8s.io/Role': (obj) => validatePolicyRules(obj, true),
  'rbac.authorization.k8s.io/ClusterRole': validateClusterRole,
  'rbac.authorization.k8s.io/RoleBinding': bindingValidator(true),
  'rbac.authorization.k8s.io/ClusterRoleBinding': bindingValidator(false),
  'coordination.k8s.io/Lease': validateLease,
  'autoscaling/HorizontalPodAutoscaler': validateHorizontalPodAutoscaler,
  'policy/PodDisruptionBudget': validatePodDisruptionBudget,
  'apiextensions.k8s.io/CustomResourceDefinition': validateCustomResourceDefinition,
};
