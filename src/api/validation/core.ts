/**
 * Core (v1) kinds: Pod, Service, ConfigMap, Secret, Namespace, Node, PersistentVolumeClaim, Event, Endpoints, as
 * pkg/apis/core/validation checks them, and events.k8s.io/v1 Events.
 */

import type { FieldError } from '../../base/errors.ts';
import type { KubeObject } from '../meta.ts';
import {
  arrayAt,
  cloneJson,
  dig,
  numberAt,
  objectAt,
  semanticEqual,
  stringAt,
  type JsonObject,
} from './access.ts';
import {
  child,
  duplicate,
  duplicateShown,
  forbidden,
  immutable,
  index,
  invalid,
  invalidShown,
  key,
  notSupported,
  required,
  tooLong,
} from './field.ts';
import { goIntOrString, goQuote, goStringSlice } from './go-format.ts';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
} from './names.ts';
import { validateFinalizerName, validateKubeFinalizerName } from './object-meta.ts';
import { validatePodSpec, validatePodSpecUpdate, validateProtocol } from './pod.ts';
import { parseQuantity, quantityText } from './quantity.ts';
import { validateLabelName, validateLabelSelector, validateLabels } from './selectors.ts';

/** core.MaxSecretSize: the data of a Secret or ConfigMap. */
const maxSecretSize = 1024 * 1024;

function specOf(obj: KubeObject | undefined): JsonObject {
  return objectAt(obj?.['spec']) ?? {};
}

function dnsLabelErrors(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((msg) => invalid(path, value, msg));
}

function validatePod(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validatePodSpec(obj['spec'], 'spec', { isPod: true });
  if (old !== undefined) errs.push(...validatePodSpecUpdate(obj['spec'], old['spec'], semanticEqual));
  return errs;
}

/** spec.clusterIPs as the registry normalises it: the singular field seeds the list. */
function clusterIPsOf(spec: JsonObject): string[] {
  const ips = arrayAt(spec['clusterIPs']).map(stringAt);
  if (ips.length > 0) return ips;
  const ip = stringAt(spec['clusterIP']);
  return ip === '' ? [] : [ip];
}

function isHeadless(spec: JsonObject): boolean {
  const ips = clusterIPsOf(spec);
  return ips.length === 1 && ips[0] === 'None';
}

function externallyAccessible(spec: JsonObject): boolean {
  const type = stringAt(spec['type']);
  return (
    type === 'LoadBalancer' ||
    type === 'NodePort' ||
    (type === 'ClusterIP' && arrayAt(spec['externalIPs']).length > 0)
  );
}

function goServicePortKey(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:${goIntOrString(0)}, NodePort:0}`;
}

function validateServicePort(
  port: JsonObject,
  requireName: boolean,
  names: Set<string>,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = stringAt(port['name']);
  if (requireName && name === '') errs.push(required(child(path, 'name')));
  else if (name !== '') {
    errs.push(...dnsLabelErrors(name, child(path, 'name')));
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    else names.add(name);
  }
  const number = numberAt(port['port']) ?? 0;
  for (const msg of isValidPortNum(number)) errs.push(invalid(child(path, 'port'), number, msg));
  errs.push(...validateProtocol(port['protocol'], child(path, 'protocol')));
  const target = port['targetPort'];
  if (typeof target === 'string')
    for (const msg of isValidPortName(target)) errs.push(invalid(child(path, 'targetPort'), target, msg));
  else {
    const targetNumber = numberAt(target) ?? 0;
    for (const msg of isValidPortNum(targetNumber))
      errs.push(invalid(child(path, 'targetPort'), targetNumber, msg));
  }
  const appProtocol = port['appProtocol'];
  if (typeof appProtocol === 'string') {
    for (const msg of isQualifiedName(appProtocol))
      errs.push(invalid(child(path, 'appProtocol'), appProtocol, msg));
  }
  return errs;
}

function validateSessionAffinity(spec: JsonObject): FieldError[] {
  const affinity = stringAt(spec['sessionAffinity']);
  const config = objectAt(spec['sessionAffinityConfig']);
  const configPath = 'spec.sessionAffinityConfig';
  if (affinity === '') return [required('spec.sessionAffinity')];
  if (affinity !== 'ClientIP' && affinity !== 'None')
    return [notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None'])];
  if (affinity === 'None')
    return config === undefined
      ? []
      : [forbidden(configPath, 'must not be set when session affinity is None')];
  const when = 'when session affinity type is ClientIP';
  if (config === undefined) return [required(configPath, when)];
  const clientIP = objectAt(config['clientIP']);
  if (clientIP === undefined) return [required(child(configPath, 'clientIP'), when)];
  const timeout = numberAt(clientIP['timeoutSeconds']);
  const timeoutPath = child(configPath, 'clientIP', 'timeoutSeconds');
  if (timeout === undefined) return [required(timeoutPath, when)];
  return timeout <= 0 || timeout > 86400
    ? [invalid(timeoutPath, timeout, 'must be greater than 0 and less than 86400')]
    : [];
}

function validateClusterIPFields(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const policy = spec['ipFamilyPolicy'];
  if (
    typeof policy === 'string' &&
    !['SingleStack', 'PreferDualStack', 'RequireDualStack'].includes(policy)
  ) {
    errs.push(
      notSupported('spec.ipFamilyPolicy', policy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']),
    );
  }
  const families = arrayAt(spec['ipFamilies']).map(stringAt);
  const seen = new Set<string>();
  families.forEach((family, i) => {
    if (family !== 'IPv4' && family !== 'IPv6')
      errs.push(notSupported(index('spec.ipFamilies', i), family, ['IPv4', 'IPv6']));
    if (seen.has(family)) errs.push(duplicate(index('spec.ipFamilies', i), family));
    seen.add(family);
  });
  const clusterIP = stringAt(spec['clusterIP']);
  const clusterIPs = arrayAt(spec['clusterIPs']).map(stringAt);
  if (clusterIP !== '' && clusterIPs.length > 0 && clusterIP !== clusterIPs[0]) {
    errs.push(
      invalidShown('spec.clusterIPs', goStringSlice(clusterIPs), 'first value must match `clusterIP`'),
    );
  }
  clusterIPsOf(spec).forEach((ip, i) => {
    if (ip === 'None') return;
    for (const msg of isValidIP(ip)) errs.push(invalid(index('spec.clusterIPs', i), ip, msg));
  });
  return errs;
}

/** ValidateService. */
function validateService(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const type = stringAt(spec['type']);
  const headless = isHeadless(spec);
  const ports = arrayAt(spec['ports']).map((p) => objectAt(p) ?? {});
  const errs: FieldError[] = [];
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  if ((type === 'LoadBalancer' || type === 'NodePort') && headless) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
  }
  if (type === 'ExternalName') {
    if (clusterIPsOf(spec).length > 0)
      errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (arrayAt(spec['ipFamilies']).length > 0)
      errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec['ipFamilyPolicy'] !== undefined && spec['ipFamilyPolicy'] !== null) {
      errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    }
    const cname = stringAt(spec['externalName']).replace(/\.$/, '');
    if (cname === '') errs.push(required('spec.externalName'));
    else for (const msg of isDNS1123Subdomain(cname)) errs.push(invalid('spec.externalName', cname, msg));
  }
  const names = new Set<string>();
  ports.forEach((port, i) =>
    errs.push(...validateServicePort(port, ports.length > 1, names, index('spec.ports', i))),
  );
  errs.push(...validateLabels(spec['selector'], 'spec.selector'));
  errs.push(...validateSessionAffinity(spec));
  if (type !== 'ExternalName') errs.push(...validateClusterIPFields(spec));
  arrayAt(spec['externalIPs']).forEach((ip, i) => {
    for (const msg of isValidIP(stringAt(ip)))
      errs.push(invalid(index('spec.externalIPs', i), stringAt(ip), msg));
  });
  const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  if (type === '') errs.push(required('spec.type'));
  else if (!types.includes(type)) errs.push(notSupported('spec.type', type, types));
  if (type === 'ClusterIP') {
    ports.forEach((port, i) => {
      if ((numberAt(port['nodePort']) ?? 0) !== 0)
        errs.push(
          forbidden(child(index('spec.ports', i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"),
        );
    });
  }
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((port, i) => {
    const protocol = stringAt(port['protocol']);
    const nodePort = numberAt(port['nodePort']) ?? 0;
    if (nodePort !== 0) {
      if (nodePorts.has(`${protocol}/${nodePort}`))
        errs.push(duplicate(child(index('spec.ports', i), 'nodePort'), nodePort));
      nodePorts.add(`${protocol}/${nodePort}`);
    }
    const number = numberAt(port['port']) ?? 0;
    if (portKeys.has(`${protocol}/${number}`))
      errs.push(duplicateShown(index('spec.ports', i), goServicePortKey(protocol, number)));
    portKeys.add(`${protocol}/${number}`);
  });
  if (arrayAt(spec['loadBalancerSourceRanges']).length > 0 && type !== 'LoadBalancer') {
    errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  }
  const allocate = spec['allocateLoadBalancerNodePorts'];
  if (allocate !== undefined && allocate !== null && type !== 'LoadBalancer') {
    errs.push(
      forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"),
    );
  }
  if (type === 'LoadBalancer' && (allocate === undefined || allocate === null))
    errs.push(required('allocateLoadBalancerNodePorts'));

  const external = stringAt(spec['externalTrafficPolicy']);
  if (!externallyAccessible(spec)) {
    if (external !== '')
      errs.push(
        invalid('spec.externalTrafficPolicy', external, 'may only be set for externally-accessible services'),
      );
  } else if (external === '') errs.push(required('spec.externalTrafficPolicy'));
  else if (external !== 'Cluster' && external !== 'Local')
    errs.push(notSupported('spec.externalTrafficPolicy', external, ['Cluster', 'Local']));
  const healthCheckNodePort = numberAt(spec['healthCheckNodePort']) ?? 0;
  if (!(type === 'LoadBalancer' && external === 'Local') && healthCheckNodePort !== 0) {
    errs.push(
      invalid(
        'spec.healthCheckNodePort',
        healthCheckNodePort,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  }
  const internal = spec['internalTrafficPolicy'];
  if (
    (internal === undefined || internal === null) &&
    ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(type)
  ) {
    errs.push(required('spec.internalTrafficPolicy'));
  }
  if (typeof internal === 'string' && internal !== 'Cluster' && internal !== 'Local') {
    errs.push(notSupported('spec.internalTrafficPolicy', internal, ['Cluster', 'Local']));
  }
  const distribution = spec['trafficDistribution'];
  if (typeof distribution === 'string' && distribution !== 'PreferClose') {
    errs.push(notSupported('spec.trafficDistribution', distribution, ['PreferClose']));
  }
  return errs;
}

/** validateUpgradeDowngradeClusterIPs: allocated cluster IPs stay put. */
function validateServiceUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const oldSpec = specOf(old);
  if (stringAt(spec['type']) === 'ExternalName' || stringAt(oldSpec['type']) === 'ExternalName') return [];
  if (isHeadless(spec) && isHeadless(oldSpec)) return [];
  const now = clusterIPsOf(spec);
  const before = clusterIPsOf(oldSpec);
  const shown = goStringSlice(arrayAt(spec['clusterIPs']).length > 0 ? spec['clusterIPs'] : undefined);
  const errs: FieldError[] = [];
  if (before.length === now.length) {
    before.forEach((ip, i) => {
      if (ip !== now[i])
        errs.push(invalidShown(index('spec.clusterIPs', i), shown, 'may not change once set'));
    });
  } else if (before.length > now.length) {
    if (now.length === 0)
      errs.push(invalidShown('spec.clusterIPs[0]', shown, 'primary clusterIP can not be unset'));
    if (before.length > 0 && now.length > 0 && now[0] !== before[0])
      errs.push(invalidShown('spec.clusterIPs[0]', shown, 'may not change once set'));
    if (now.length === 1 && spec['ipFamilyPolicy'] !== 'SingleStack') {
      errs.push(
        invalidShown(
          'spec.clusterIPs[0]',
          shown,
          "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP",
        ),
      );
    }
  } else if (before.length > 0 && now[0] !== before[0]) {
    errs.push(invalidShown('spec.clusterIPs[0]', shown, 'may not change once set'));
  }
  return errs;
}

function decodedLength(value: unknown): number {
  return typeof value === 'string' ? Buffer.from(value, 'base64').length : 0;
}

function validateConfigMap(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (old !== undefined && old['immutable'] === true) {
    if (obj['immutable'] !== true)
      errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!semanticEqual(obj['data'], old['data']))
      errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
    if (!semanticEqual(obj['binaryData'], old['binaryData']))
      errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  const data = objectAt(obj['data']) ?? {};
  const binaryData = objectAt(obj['binaryData']) ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const msg of isConfigMapKey(k)) errs.push(invalid(key('data', k), k, msg));
    if (Object.hasOwn(binaryData, k))
      errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(stringAt(v));
  }
  for (const [k, v] of Object.entries(binaryData)) {
    for (const msg of isConfigMapKey(k)) errs.push(invalid(key('binaryData', k), k, msg));
    total += decodedLength(v);
  }
  if (total > maxSecretSize) errs.push(tooLong('', maxSecretSize));
  return errs;
}

function jsonError(value: unknown): string | undefined {
  const text = Buffer.from(stringAt(value), 'base64').toString('utf8');
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    return text.trim() === '' ? 'unexpected end of JSON input' : 'invalid JSON';
  }
}

function validateSecret(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const type = stringAt(obj['type']);
  if (old !== undefined) {
    if (type !== stringAt(old['type'])) errs.push(immutable('type', type));
    if (old['immutable'] === true) {
      if (obj['immutable'] !== true)
        errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
      if (!semanticEqual(obj['data'], old['data']))
        errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
    }
  }
  const data = objectAt(obj['data']) ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const msg of isConfigMapKey(k)) errs.push(invalid(key('data', k), k, msg));
    total += decodedLength(v);
  }
  if (total > maxSecretSize) errs.push(tooLong('data', maxSecretSize));
  const has = (k: string): boolean => Object.hasOwn(data, k);
  switch (type) {
    case 'kubernetes.io/service-account-token':
      if (stringAt(dig(obj, 'metadata', 'annotations', 'kubernetes.io/service-account.name')) === '') {
        errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const dataKey = type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(dataKey)) errs.push(required(key('data', dataKey)));
      else {
        const error = jsonError(data[dataKey]);
        if (error !== undefined)
          errs.push(invalid(key('data', dataKey), '<secret contents redacted>', error));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password'))
        errs.push(required('data[username]'), required('data[password]'));
      break;
    case 'kubernetes.io/ssh-auth':
      if (decodedLength(data['ssh-privatekey']) === 0) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required('data[tls.crt]'));
      if (!has('tls.key')) errs.push(required('data[tls.key]'));
      break;
  }
  return errs;
}

function validateNamespace(obj: KubeObject): FieldError[] {
  return arrayAt(dig(obj, 'spec', 'finalizers')).flatMap((f) => [
    ...validateFinalizerName(stringAt(f), 'spec.finalizers'),
    ...validateKubeFinalizerName(stringAt(f), 'spec.finalizers'),
  ]);
}

function validateNode(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arrayAt(spec['taints']).forEach((raw, i) => {
    const taint = objectAt(raw) ?? {};
    const taintPath = index('spec.taints', i);
    const taintKey = stringAt(taint['key']);
    const value = stringAt(taint['value']);
    const effect = stringAt(taint['effect']);
    errs.push(...validateLabelName(taintKey, child(taintPath, 'key')));
    const msgs = isValidLabelValue(value);
    if (msgs.length > 0) errs.push(invalid(child(taintPath, 'value'), value, msgs.join(';')));
    if (effect === '') errs.push(required(child(taintPath, 'effect')));
    else if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(
        notSupported(child(taintPath, 'effect'), effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
      );
    }
    if (seen.has(`${effect}\u0000${taintKey}`)) {
      const shown = `core.Taint{Key:${goQuote(taintKey)}, Value:${goQuote(value)}, Effect:${goQuote(effect)}, TimeAdded:(*v1.Time)(nil)}`;
      errs.push(duplicateShown(taintPath, shown, 'taints must be unique by key and effect pair'));
    }
    seen.add(`${effect}\u0000${taintKey}`);
  });
  if (old !== undefined) {
    const oldSpec = specOf(old);
    const oldCIDRs = arrayAt(oldSpec['podCIDRs']);
    if (oldCIDRs.length > 0 && !semanticEqual(spec['podCIDRs'], oldCIDRs)) {
      errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
    }
    const providerID = stringAt(oldSpec['providerID']);
    if (providerID !== '' && stringAt(spec['providerID']) !== providerID) {
      errs.push(
        forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'),
      );
    }
  }
  return errs;
}

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

function validatePersistentVolumeClaimSpec(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const modes = arrayAt(spec['accessModes']).map(stringAt);
  if (modes.length === 0) errs.push(required('spec.accessModes', 'at least 1 access mode is required'));
  errs.push(...validateLabelSelector(spec['selector'], 'spec.selector'));
  let once = false;
  let others = false;
  for (const mode of modes) {
    if (!accessModes.includes(mode)) errs.push(notSupported('spec.accessModes', mode, accessModes));
    if (mode === 'ReadWriteOncePod') once = true;
    else if (accessModes.includes(mode)) others = true;
  }
  if (once && others)
    errs.push(forbidden('spec.accessModes', 'may not use ReadWriteOncePod with other access modes'));
  const requests = objectAt(dig(spec, 'resources', 'requests')) ?? {};
  const storagePath = 'spec.resources[storage]';
  if (!Object.hasOwn(requests, 'storage')) errs.push(required(storagePath));
  else {
    const amount = parseQuantity(requests['storage']);
    if (amount !== undefined && amount <= 0)
      errs.push(invalid(storagePath, quantityText(requests['storage']), 'must be greater than zero'));
  }
  const className = spec['storageClassName'];
  if (typeof className === 'string' && className !== '') {
    for (const msg of isDNS1123Subdomain(className))
      errs.push(invalid('spec.storageClassName', className, msg));
  }
  const mode = spec['volumeMode'];
  if (typeof mode === 'string' && mode !== 'Block' && mode !== 'Filesystem')
    errs.push(notSupported('spec.volumeMode', mode, ['Block', 'Filesystem']));
  return errs;
}

function validatePersistentVolumeClaimUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = cloneJson(specOf(obj));
  const oldSpec = cloneJson(specOf(old));
  if (stringAt(oldSpec['volumeName']) === '') oldSpec['volumeName'] = spec['volumeName'];
  if (oldSpec['storageClassName'] === undefined && typeof spec['storageClassName'] === 'string')
    oldSpec['storageClassName'] = spec['storageClassName'];
  const bound = dig(obj, 'status', 'phase') === 'Bound';
  if (bound) {
    const requests = objectAt(dig(spec, 'resources', 'requests'));
    if (requests !== undefined) requests['storage'] = dig(oldSpec, 'resources', 'requests', 'storage');
    spec['volumeAttributesClassName'] = oldSpec['volumeAttributesClassName'];
  }
  const errs: FieldError[] = [];
  if (!semanticEqual(spec, oldSpec)) {
    const changed = [...new Set([...Object.keys(spec), ...Object.keys(oldSpec)])]
      .filter((k) => !semanticEqual(spec[k], oldSpec[k]))
      .sort();
    errs.push(
      forbidden(
        'spec',
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n  changed: ${changed.join(', ')}\n`,
      ),
    );
  }
  const size = parseQuantity(dig(obj, 'spec', 'resources', 'requests', 'storage'));
  const oldSize = parseQuantity(dig(old, 'spec', 'resources', 'requests', 'storage'));
  if (size !== undefined && oldSize !== undefined && size < oldSize) {
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  const mode = dig(obj, 'spec', 'volumeMode');
  if (!semanticEqual(mode, dig(old, 'spec', 'volumeMode'))) errs.push(immutable('volumeMode', mode));
  return errs;
}

const reportingLimit = 128;
const noteLimit = 1024;

/** legacyValidateEvent and, for events.k8s.io, the strict rules of ValidateEventCreate. */
function validateEvent(obj: KubeObject, strict: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = stringAt(obj.metadata.namespace);
  const involved = objectAt(strict ? obj['regarding'] : obj['involvedObject']) ?? {};
  const involvedNamespace = stringAt(involved['namespace']);
  const eventTime = stringAt(obj['eventTime']);
  const reportingField = strict ? 'reportingController' : 'reportingComponent';
  const reporting = stringAt(obj[reportingField]);
  if (eventTime === '') {
    const mismatch =
      involvedNamespace === ''
        ? namespace !== '' && namespace !== 'default'
        : namespace !== involvedNamespace;
    if (mismatch)
      errs.push(invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace'));
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') {
      errs.push(invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace'));
    }
    if (reporting === '') errs.push(required(reportingField));
    for (const msg of isQualifiedName(reporting)) errs.push(invalid(reportingField, reporting, msg));
    for (const field of ['reportingInstance', 'action', 'reason']) {
      const value = stringAt(obj[field]);
      if (value === '') errs.push(required(field));
      if (Buffer.byteLength(value) > reportingLimit)
        errs.push(invalid(field, '', `can have at most ${reportingLimit} characters`));
    }
    const note = stringAt(strict ? obj['note'] : obj['message']);
    if (Buffer.byteLength(note) > noteLimit)
      errs.push(invalid(strict ? 'note' : 'message', '', `can have at most ${noteLimit} characters`));
  }
  for (const msg of isDNS1123Subdomain(namespace)) errs.push(invalid('namespace', namespace, msg));
  if (strict) {
    if (eventTime === '') errs.push(required('eventTime'));
    const type = stringAt(obj['type']);
    if (type !== 'Normal' && type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${type}`));
  }
  return errs;
}

function validateEndpoints(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  arrayAt(obj['subsets']).forEach((rawSubset, i) => {
    const subset = objectAt(rawSubset) ?? {};
    const subsetPath = index('subsets', i);
    for (const list of ['addresses', 'notReadyAddresses']) {
      arrayAt(subset[list]).forEach((rawAddress, j) => {
        const ip = stringAt(objectAt(rawAddress)?.['ip']);
        for (const msg of isValidIP(ip))
          errs.push(invalid(child(index(child(subsetPath, list), j), 'ip'), ip, msg));
      });
    }
    const ports = arrayAt(subset['ports']).map((p) => objectAt(p) ?? {});
    ports.forEach((port, j) => {
      const portPath = index(child(subsetPath, 'ports'), j);
      const name = stringAt(port['name']);
      if (ports.length > 1 && name === '') errs.push(required(child(portPath, 'name')));
      else if (name !== '') errs.push(...dnsLabelErrors(name, child(portPath, 'name')));
      const number = numberAt(port['port']) ?? 0;
      for (const msg of isValidPortNum(number)) errs.push(invalid(child(portPath, 'port'), number, msg));
      errs.push(...validateProtocol(port['protocol'], child(portPath, 'protocol')));
    });
  });
  return errs;
}

/** Validators of the core and events kinds, keyed `group/Kind`. */
export const coreValidators: Record<string, (obj: KubeObject, old?: KubeObject) => FieldError[]> = {
  '/Pod': validatePod,
  '/Service': (obj, old) => [
    ...(old === undefined ? [] : validateServiceUpdate(obj, old)),
    ...validateService(obj),
  ],
  '/ConfigMap': validateConfigMap,
  '/Secret': validateSecret,
  '/Namespace': (obj, old) => (old === undefined ? validateNamespace(obj) : []),
  '/Node': validateNode,
  '/PersistentVolumeClaim': (obj, old) => [
    ...validatePersistentVolumeClaimSpec(specOf(obj)),
    ...(old === undefined ? [] : validatePersistentVolumeClaimUpdate(obj, old)),
  ],
  '/Event': (obj) => validateEvent(obj, false),
  'events.k8s.io/Event': (obj) => validateEvent(obj, true),
  '/Endpoints': validateEndpoints,
};
