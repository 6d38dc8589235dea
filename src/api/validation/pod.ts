/**
 * PodSpec and PodTemplateSpec validation (pkg/apis/core/validation ValidatePodSpec, ValidatePodTemplateSpec):
 * the parts kubectl users meet — containers, ports, env, volumes and mounts, probes, resources, restart and DNS
 * policies, tolerations — with Kubernetes' paths and messages. Security contexts, affinity terms and the
 * Windows/Linux specifics are not checked.
 */

import type { FieldError } from '../../base/errors.ts';
import { arrayAt, numberAt, objectAt, stringAt, type JsonObject } from './access.ts';
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  key,
  notFound,
  notSupported,
  required,
} from './field.ts';
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
} from './names.ts';
import { validateAnnotations } from './object-meta.ts';
import { parseQuantity, quantityText } from './quantity.ts';
import { validateLabelName, validateLabels } from './selectors.ts';

/** How a pod spec is being validated: inside a Pod, or as a template of a workload. */
export interface PodSpecContext {
  /** The spec belongs to a Pod (not a template): pod-only checks apply. */
  isPod: boolean;
}

const maxInt32 = 2147483647;

/**
 * Every volume source, in the order validateVolumeSource checks them, with the path name its "more than 1 volume
 * type" error uses (Kubernetes misspells two of them).
 */
const volumeSources: ReadonlyArray<[jsonKey: string, errorName: string]> = [
  ['emptyDir', 'emptyDir'],
  ['hostPath', 'hostPath'],
  ['gitRepo', 'gitRepo'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['secret', 'secret'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['persistentVolumeClaim', 'persistentVolumeClaim'],
  ['rbd', 'rbd'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephFS'],
  ['quobyte', 'quobyte'],
  ['downwardAPI', 'downwarAPI'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['configMap', 'configMap'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'],
  ['projected', 'projected'],
  ['scaleIO', 'scaleIO'],
  ['csi', 'csi'],
  ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

const hostPathTypes = [
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
];
const fileModeErrorMsg = 'must be a number between 0 and 0777 (octal), both inclusive';

function dnsLabelErrors(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((msg) => invalid(path, value, msg));
}

function validatePathNoBacksteps(value: string, path: string): FieldError[] {
  return value.split('/').includes('..') ? [invalid(path, value, "must not contain '..'")] : [];
}

/** validateLocalDescendingPath: relative and never climbing out. */
function validateLocalDescendingPath(value: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value.startsWith('/')) errs.push(invalid(path, value, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(value, path));
  return errs;
}

function validateMode(mode: unknown, path: string): FieldError[] {
  const value = numberAt(mode);
  return value !== undefined && (value > 0o777 || value < 0) ? [invalid(path, value, fileModeErrorMsg)] : [];
}

function validateKeyToPaths(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arrayAt(items).forEach((raw, i) => {
    const item = objectAt(raw) ?? {};
    const itemPath = index(path, i);
    if (stringAt(item['key']) === '') errs.push(required(child(itemPath, 'key')));
    const target = stringAt(item['path']);
    if (target === '') errs.push(required(child(itemPath, 'path')));
    else errs.push(...validateLocalDescendingPath(target, child(itemPath, 'path')));
    errs.push(...validateMode(item['mode'], child(itemPath, 'mode')));
  });
  return errs;
}

function validateSourceDetails(kind: string, source: JsonObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'hostPath': {
      const target = stringAt(source['path']);
      if (target === '') return [required(child(path, 'path'))];
      errs.push(...validatePathNoBacksteps(target, child(path, 'path')));
      const type = source['type'];
      if (typeof type === 'string' && !hostPathTypes.includes(type))
        errs.push(notSupported(child(path, 'type'), type, hostPathTypes));
      break;
    }
    case 'secret':
      if (stringAt(source['secretName']) === '') errs.push(required(child(path, 'secretName')));
      errs.push(...validateMode(source['defaultMode'], child(path, 'defaultMode')));
      errs.push(...validateKeyToPaths(source['items'], child(path, 'items')));
      break;
    case 'configMap':
      if (stringAt(source['name']) === '') errs.push(required(child(path, 'name')));
      errs.push(...validateMode(source['defaultMode'], child(path, 'defaultMode')));
      errs.push(...validateKeyToPaths(source['items'], child(path, 'items')));
      break;
    case 'persistentVolumeClaim':
      if (stringAt(source['claimName']) === '') errs.push(required(child(path, 'claimName')));
      break;
    case 'nfs':
      if (stringAt(source['server']) === '') errs.push(required(child(path, 'server')));
      if (stringAt(source['path']) === '') errs.push(required(child(path, 'path')));
      else if (!stringAt(source['path']).startsWith('/'))
        errs.push(invalid(child(path, 'path'), source['path'], 'must be an absolute path'));
      break;
    case 'csi':
      if (stringAt(source['driver']) === '') errs.push(required(child(path, 'driver')));
      break;
    case 'gitRepo':
      if (stringAt(source['repository']) === '') errs.push(required(child(path, 'repository')));
      errs.push(...validateLocalDescendingPath(stringAt(source['directory']), child(path, 'directory')));
      break;
  }
  return errs;
}

/** ValidateVolumes: the errors, and the names of the volumes that are valid (mounts may refer only to those). */
export function validateVolumes(volumes: unknown, path: string): { names: Set<string>; errs: FieldError[] } {
  const names = new Set<string>();
  const errs: FieldError[] = [];
  arrayAt(volumes).forEach((raw, i) => {
    const volume = objectAt(raw) ?? {};
    const volumePath = index(path, i);
    const name = stringAt(volume['name']);
    const own: FieldError[] = [];
    let count = 0;
    for (const [jsonKey, errorName] of volumeSources) {
      const source = volume[jsonKey];
      if (source === undefined || source === null) continue;
      if (count > 0) {
        own.push(forbidden(child(volumePath, errorName), 'may not specify more than 1 volume type'));
        continue;
      }
      count++;
      own.push(...validateSourceDetails(jsonKey, objectAt(source) ?? {}, child(volumePath, jsonKey)));
    }
    if (count === 0) own.push(required(volumePath, 'must specify a volume type'));
    if (name === '') own.push(required(child(volumePath, 'name')));
    else own.push(...dnsLabelErrors(name, child(volumePath, 'name')));
    if (names.has(name)) own.push(duplicate(child(volumePath, 'name'), name));
    if (own.length === 0) names.add(name);
    else errs.push(...own);
  });
  return { names, errs };
}

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arrayAt(ports).forEach((raw, i) => {
    const port = objectAt(raw) ?? {};
    const portPath = index(path, i);
    const name = stringAt(port['name']);
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const msg of msgs) errs.push(invalid(child(portPath, 'name'), name, msg));
      else if (seen.has(name)) errs.push(duplicate(child(portPath, 'name'), name));
      else seen.add(name);
    }
    const containerPort = numberAt(port['containerPort']) ?? 0;
    if (containerPort === 0) errs.push(required(child(portPath, 'containerPort')));
    else
      for (const msg of isValidPortNum(containerPort))
        errs.push(invalid(child(portPath, 'containerPort'), containerPort, msg));
    const hostPort = numberAt(port['hostPort']) ?? 0;
    if (hostPort !== 0)
      for (const msg of isValidPortNum(hostPort))
        errs.push(invalid(child(portPath, 'hostPort'), hostPort, msg));
    errs.push(...validateProtocol(port['protocol'], child(portPath, 'protocol')));
  });
  return errs;
}

/** Protocol of a container or service port: required, one of SCTP, TCP, UDP. */
export function validateProtocol(protocol: unknown, path: string): FieldError[] {
  const value = stringAt(protocol);
  if (value === '') return [required(path)];
  return ['TCP', 'UDP', 'SCTP'].includes(value) ? [] : [notSupported(path, value, ['SCTP', 'TCP', 'UDP'])];
}

function validateEnvVarSource(env: JsonObject, path: string): FieldError[] {
  const from = objectAt(env['valueFrom']);
  if (from === undefined) return [];
  const errs: FieldError[] = [];
  let sources = 0;
  const fieldRef = objectAt(from['fieldRef']);
  if (fieldRef !== undefined) {
    sources++;
    if (stringAt(fieldRef['apiVersion']) === '') errs.push(required(child(path, 'fieldRef', 'apiVersion')));
    else if (stringAt(fieldRef['fieldPath']) === '')
      errs.push(required(child(path, 'fieldRef', 'fieldPath')));
  }
  const resourceFieldRef = objectAt(from['resourceFieldRef']);
  if (resourceFieldRef !== undefined) {
    sources++;
    if (stringAt(resourceFieldRef['resource']) === '')
      errs.push(required(child(path, 'resourceFieldRef', 'resource')));
  }
  for (const selectorKey of ['configMapKeyRef', 'secretKeyRef']) {
    const ref = objectAt(from[selectorKey]);
    if (ref === undefined) continue;
    sources++;
    const refPath = child(path, selectorKey);
    const name = stringAt(ref['name']);
    for (const msg of nameIsDNSSubdomain(name, false)) errs.push(invalid(child(refPath, 'name'), name, msg));
    const refKey = stringAt(ref['key']);
    if (refKey === '') errs.push(required(child(refPath, 'key')));
    else for (const msg of isConfigMapKey(refKey)) errs.push(invalid(child(refPath, 'key'), refKey, msg));
  }
  if (sources === 0) {
    errs.push(
      invalid(
        path,
        '',
        'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      ),
    );
  } else if (stringAt(env['value']) !== '') {
    errs.push(invalid(path, '', 'may not be specified when `value` is not empty'));
  } else if (sources > 1) {
    errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  }
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arrayAt(env).forEach((raw, i) => {
    const variable = objectAt(raw) ?? {};
    const varPath = index(path, i);
    const name = stringAt(variable['name']);
    if (name === '') errs.push(required(child(varPath, 'name')));
    else for (const msg of isRelaxedEnvVarName(name)) errs.push(invalid(child(varPath, 'name'), name, msg));
    errs.push(...validateEnvVarSource(variable, child(varPath, 'valueFrom')));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arrayAt(envFrom).forEach((raw, i) => {
    const source = objectAt(raw) ?? {};
    const sourcePath = index(path, i);
    const prefix = stringAt(source['prefix']);
    if (prefix !== '')
      for (const msg of isRelaxedEnvVarName(prefix))
        errs.push(invalid(child(sourcePath, 'prefix'), prefix, msg));
    let sources = 0;
    for (const refKey of ['configMapRef', 'secretRef']) {
      const ref = objectAt(source[refKey]);
      if (ref === undefined) continue;
      sources++;
      const name = stringAt(ref['name']);
      if (name === '') errs.push(required(child(sourcePath, refKey, 'name')));
      else
        for (const msg of nameIsDNSSubdomain(name, true))
          errs.push(invalid(child(sourcePath, refKey, 'name'), name, msg));
    }
    if (sources === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1)
      errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(
  mounts: unknown,
  volumes: Set<string>,
  devices: Map<string, string>,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  const devicePaths = new Set(devices.values());
  arrayAt(mounts).forEach((raw, i) => {
    const mount = objectAt(raw) ?? {};
    const mountPath = index(path, i);
    const name = stringAt(mount['name']);
    const target = stringAt(mount['mountPath']);
    if (name === '') errs.push(required(child(mountPath, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(mountPath, 'name'), name));
    if (target === '') errs.push(required(child(mountPath, 'mountPath')));
    if (mountPoints.has(target)) errs.push(invalid(child(mountPath, 'mountPath'), target, 'must be unique'));
    mountPoints.add(target);
    if (devices.has(name))
      errs.push(invalid(child(mountPath, 'name'), name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(target))
      errs.push(
        invalid(child(mountPath, 'mountPath'), target, 'must not already exist as a path in volumeDevices'),
      );
    const subPath = stringAt(mount['subPath']);
    if (subPath !== '') errs.push(...validateLocalDescendingPath(subPath, child(path, 'subPath')));
    const subPathExpr = stringAt(mount['subPathExpr']);
    if (subPathExpr !== '') {
      if (subPath !== '')
        errs.push(
          invalid(
            child(mountPath, 'subPathExpr'),
            subPathExpr,
            'subPathExpr and subPath are mutually exclusive',
          ),
        );
      errs.push(...validateLocalDescendingPath(subPathExpr, child(path, 'subPathExpr')));
    }
  });
  return errs;
}

function validateVolumeDevices(devices: unknown, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arrayAt(devices).forEach((raw, i) => {
    const device = objectAt(raw) ?? {};
    const devicePath = index(path, i);
    const name = stringAt(device['name']);
    if (name === '') errs.push(required(child(devicePath, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(devicePath, 'name'), name));
    if (stringAt(device['devicePath']) === '') errs.push(required(child(devicePath, 'devicePath')));
  });
  return errs;
}

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const standardResources = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);

function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.startsWith('kubernetes.io/');
}

function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !name.startsWith('hugepages-');
}

function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => invalid(path, name, msg));
  if (errs.length > 0) return errs;
  if (!name.includes('/')) {
    const hugePages = name.startsWith('hugepages-');
    if (!standardResources.has(name) && !hugePages)
      return [invalid(path, name, 'must be a standard resource type or fully qualified')];
    if (!standardContainerResources.has(name) && !hugePages)
      return [invalid(path, name, 'must be a standard resource for containers')];
  } else if (
    !isNativeResource(name) &&
    (name.startsWith('requests.') || isQualifiedName(`requests.${name}`).length > 0)
  ) {
    return [invalid(path, name, "doesn't follow extended resource name standard")];
  }
  return [];
}

function validateQuantityValue(name: string, value: unknown, path: string): FieldError[] {
  const amount = parseQuantity(value);
  if (amount === undefined) return [];
  if (amount < 0) return [invalid(path, quantityText(value), 'must be greater than or equal to 0')];
  if (!isNativeResource(name) && !Number.isInteger(amount))
    return [invalid(path, quantityText(value), 'must be an integer')];
  return [];
}

/** ValidateContainerResourceRequirements: names, values, and requests within limits. */
export function validateResourceRequirements(resources: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const requirements = objectAt(resources) ?? {};
  const limits = objectAt(requirements['limits']) ?? {};
  const requests = objectAt(requirements['requests']) ?? {};
  const limitsPath = child(path, 'limits');
  const requestsPath = child(path, 'requests');
  for (const [name, value] of Object.entries(limits)) {
    errs.push(...validateContainerResourceName(name, key(limitsPath, name)));
    errs.push(...validateQuantityValue(name, value, key(limitsPath, name)));
  }
  for (const [name, value] of Object.entries(requests)) {
    errs.push(...validateContainerResourceName(name, key(requestsPath, name)));
    errs.push(...validateQuantityValue(name, value, key(requestsPath, name)));
    const request = parseQuantity(value);
    if (Object.hasOwn(limits, name)) {
      const limit = parseQuantity(limits[name]);
      if (request === undefined || limit === undefined) continue;
      if (request !== limit && !isOvercommitAllowed(name)) {
        errs.push(
          invalid(
            requestsPath,
            quantityText(value),
            `must be equal to ${name} limit of ${quantityText(limits[name])}`,
          ),
        );
      } else if (request > limit) {
        errs.push(
          invalid(
            requestsPath,
            quantityText(value),
            `must be less than or equal to ${name} limit of ${quantityText(limits[name])}`,
          ),
        );
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limitsPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((msg) => invalid(path, port, msg));
  const name = stringAt(port);
  return isValidPortName(name).map((msg) => invalid(path, name, msg));
}

function validateHandler(handler: JsonObject, path: string, kinds: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of kinds) {
    const action = objectAt(handler[kind]);
    if (action === undefined) continue;
    if (count > 0) {
      errs.push(forbidden(child(path, kind), 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    const actionPath = child(path, kind);
    switch (kind) {
      case 'exec':
        if (arrayAt(action['command']).length === 0) errs.push(required(child(actionPath, 'command')));
        break;
      case 'httpGet': {
        if (stringAt(action['path']) === '') errs.push(required(child(actionPath, 'path')));
        errs.push(...validatePortNumOrName(action['port'], child(actionPath, 'port')));
        const scheme = stringAt(action['scheme']);
        if (scheme !== 'HTTP' && scheme !== 'HTTPS')
          errs.push(notSupported(child(actionPath, 'scheme'), scheme, ['HTTP', 'HTTPS']));
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(action['port'], child(actionPath, 'port')));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(numberAt(action['port']) ?? 0, child(actionPath, 'port')));
        break;
    }
  }
  if (count === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

const probeHandlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const lifecycleHandlers = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

function validateProbe(
  probe: unknown,
  path: string,
  kind: 'liveness' | 'readiness' | 'startup',
): FieldError[] {
  const spec = objectAt(probe);
  if (spec === undefined) return [];
  const errs = validateHandler(spec, path, probeHandlers);
  for (const field of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ]) {
    const value = numberAt(spec[field]);
    if (value !== undefined && value < 0)
      errs.push(invalid(child(path, field), value, 'must be greater than or equal to 0'));
  }
  const grace = numberAt(spec['terminationGracePeriodSeconds']);
  if (grace !== undefined && grace <= 0)
    errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), grace, 'must be greater than 0'));
  if (kind !== 'readiness') {
    const success = numberAt(spec['successThreshold']) ?? 0;
    if (success !== 1) errs.push(invalid(child(path, 'successThreshold'), success, 'must be 1'));
  } else if (grace !== undefined) {
    errs.push(
      invalid(child(path, 'terminationGracePeriodSeconds'), grace, 'must not be set for readinessProbes'),
    );
  }
  return errs;
}

function validateLifecycle(lifecycle: unknown, path: string): FieldError[] {
  const spec = objectAt(lifecycle);
  if (spec === undefined) return [];
  const errs: FieldError[] = [];
  for (const hook of ['postStart', 'preStop']) {
    const handler = objectAt(spec[hook]);
    if (handler !== undefined) errs.push(...validateHandler(handler, child(path, hook), lifecycleHandlers));
  }
  return errs;
}

/** validateContainerCommon: what every kind of container needs. */
function validateContainerCommon(container: JsonObject, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = stringAt(container['name']);
  if (name === '') errs.push(required(child(path, 'name')));
  else errs.push(...dnsLabelErrors(name, child(path, 'name')));
  if (stringAt(container['image']) === '') errs.push(required(child(path, 'image')));

  const policy = stringAt(container['terminationMessagePolicy']);
  if (policy === '') errs.push(required(child(path, 'terminationMessagePolicy')));
  else if (policy !== 'File' && policy !== 'FallbackToLogsOnError') {
    errs.push(
      notSupported(child(path, 'terminationMessagePolicy'), policy, ['File', 'FallbackToLogsOnError']),
    );
  }
  const devices = new Map<string, string>();
  for (const raw of arrayAt(container['volumeDevices'])) {
    const device = objectAt(raw) ?? {};
    devices.set(stringAt(device['name']), stringAt(device['devicePath']));
  }
  errs.push(...validateContainerPorts(container['ports'], child(path, 'ports')));
  errs.push(...validateEnv(container['env'], child(path, 'env')));
  errs.push(...validateEnvFrom(container['envFrom'], child(path, 'envFrom')));
  errs.push(
    ...validateVolumeMounts(container['volumeMounts'], volumes, devices, child(path, 'volumeMounts')),
  );
  errs.push(...validateVolumeDevices(container['volumeDevices'], volumes, child(path, 'volumeDevices')));

  const pullPolicy = stringAt(container['imagePullPolicy']);
  if (pullPolicy === '') errs.push(required(child(path, 'imagePullPolicy')));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pullPolicy)) {
    errs.push(notSupported(child(path, 'imagePullPolicy'), pullPolicy, ['Always', 'IfNotPresent', 'Never']));
  }
  errs.push(...validateResourceRequirements(container['resources'], child(path, 'resources')));
  return errs;
}

function hostPortConflicts(containers: readonly JsonObject[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((container, i) => {
    arrayAt(container['ports']).forEach((raw, j) => {
      const port = objectAt(raw) ?? {};
      const hostPort = numberAt(port['hostPort']) ?? 0;
      if (hostPort === 0) return;
      const entry = `${stringAt(port['protocol'])}/${stringAt(port['hostIP'])}/${hostPort}`;
      if (seen.has(entry))
        errs.push(duplicate(child(index(child(index(path, i), 'ports'), j), 'hostPort'), entry));
      else seen.add(entry);
    });
  });
  return errs;
}

function validateContainers(list: unknown, volumes: Set<string>, path: string): FieldError[] {
  const containers = arrayAt(list).map((c) => objectAt(c) ?? {});
  if (containers.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((container, i) => {
    const containerPath = index(path, i);
    errs.push(...validateContainerCommon(container, volumes, containerPath));
    const name = stringAt(container['name']);
    if (names.has(name)) errs.push(duplicate(child(containerPath, 'name'), name));
    else names.add(name);
    errs.push(...validateLifecycle(container['lifecycle'], child(containerPath, 'lifecycle')));
    errs.push(
      ...validateProbe(container['livenessProbe'], child(containerPath, 'livenessProbe'), 'liveness'),
    );
    errs.push(
      ...validateProbe(container['readinessProbe'], child(containerPath, 'readinessProbe'), 'readiness'),
    );
    errs.push(...validateProbe(container['startupProbe'], child(containerPath, 'startupProbe'), 'startup'));
    if (container['restartPolicy'] !== undefined && container['restartPolicy'] !== null) {
      errs.push(forbidden(child(containerPath, 'restartPolicy'), 'may not be set for non-init containers'));
    }
  });
  errs.push(...hostPortConflicts(containers, path));
  return errs;
}

function validateInitContainers(
  list: unknown,
  regular: unknown,
  volumes: Set<string>,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(arrayAt(regular).map((c) => stringAt(objectAt(c)?.['name'])));
  arrayAt(list).forEach((raw, i) => {
    const container = objectAt(raw) ?? {};
    const containerPath = index(path, i);
    errs.push(...validateContainerCommon(container, volumes, containerPath));
    const restartPolicy = container['restartPolicy'];
    const restartable = restartPolicy === 'Always';
    if (restartPolicy !== undefined && restartPolicy !== null && !restartable) {
      errs.push(notSupported(child(containerPath, 'restartPolicy'), restartPolicy, ['Always']));
    }
    const name = stringAt(container['name']);
    if (names.has(name)) errs.push(duplicate(child(containerPath, 'name'), name));
    else if (name !== '') names.add(name);
    errs.push(...hostPortConflicts([container], path));
    if (restartable) {
      errs.push(...validateLifecycle(container['lifecycle'], child(containerPath, 'lifecycle')));
      errs.push(
        ...validateProbe(container['livenessProbe'], child(containerPath, 'livenessProbe'), 'liveness'),
      );
      errs.push(
        ...validateProbe(container['readinessProbe'], child(containerPath, 'readinessProbe'), 'readiness'),
      );
      errs.push(...validateProbe(container['startupProbe'], child(containerPath, 'startupProbe'), 'startup'));
    } else {
      for (const field of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (container[field] !== undefined && container[field] !== null) {
          errs.push(
            forbidden(
              child(containerPath, field),
              'may not be set for init containers without restartPolicy=Always',
            ),
          );
        }
      }
    }
  });
  return errs;
}

/** ValidateTolerations. */
export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arrayAt(tolerations).forEach((raw, i) => {
    const toleration = objectAt(raw) ?? {};
    const tolerationPath = index(path, i);
    const tolerationKey = stringAt(toleration['key']);
    const operator = stringAt(toleration['operator']);
    const effect = stringAt(toleration['effect']);
    const value = stringAt(toleration['value']);
    if (tolerationKey !== '') errs.push(...validateLabelName(tolerationKey, child(tolerationPath, 'key')));
    if (tolerationKey === '' && operator !== 'Exists') {
      errs.push(
        invalid(
          child(tolerationPath, 'operator'),
          operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (
      toleration['tolerationSeconds'] !== undefined &&
      toleration['tolerationSeconds'] !== null &&
      effect !== 'NoExecute'
    ) {
      errs.push(
        invalid(
          child(tolerationPath, 'effect'),
          effect,
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    if (operator === 'Equal' || operator === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length > 0) errs.push(invalid(child(tolerationPath, 'operator'), value, msgs.join(';')));
    } else if (operator === 'Exists') {
      if (value !== '')
        errs.push(
          invalid(
            child(tolerationPath, 'operator'),
            value,
            "value must be empty when `operator` is 'Exists'",
          ),
        );
    } else {
      errs.push(notSupported(child(tolerationPath, 'operator'), operator, ['Equal', 'Exists']));
    }
    if (effect !== '' && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(
        notSupported(child(tolerationPath, 'effect'), effect, [
          'NoSchedule',
          'PreferNoSchedule',
          'NoExecute',
        ]),
      );
    }
  });
  return errs;
}

function validateTopologySpreadConstraints(constraints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arrayAt(constraints).forEach((raw, i) => {
    const constraint = objectAt(raw) ?? {};
    const constraintPath = index(path, i);
    const maxSkew = numberAt(constraint['maxSkew']) ?? 0;
    if (maxSkew <= 0)
      errs.push(invalid(child(constraintPath, 'maxSkew'), maxSkew, 'must be greater than zero'));
    if (stringAt(constraint['topologyKey']) === '')
      errs.push(required(child(constraintPath, 'topologyKey'), 'can not be empty'));
    const action = stringAt(constraint['whenUnsatisfiable']);
    if (action !== 'DoNotSchedule' && action !== 'ScheduleAnyway') {
      errs.push(
        notSupported(child(constraintPath, 'whenUnsatisfiable'), action, ['DoNotSchedule', 'ScheduleAnyway']),
      );
    }
  });
  return errs;
}

/** ValidatePodSpec. */
export function validatePodSpec(specValue: unknown, path: string, context: PodSpecContext): FieldError[] {
  const spec = objectAt(specValue) ?? {};
  const errs: FieldError[] = [];
  if (spec['terminationGracePeriodSeconds'] === undefined || spec['terminationGracePeriodSeconds'] === null) {
    errs.push(required(child(path, 'terminationGracePeriodSeconds')));
  }
  const volumes = validateVolumes(spec['volumes'], child(path, 'volumes'));
  errs.push(...volumes.errs);
  errs.push(...validateContainers(spec['containers'], volumes.names, child(path, 'containers')));
  errs.push(
    ...validateInitContainers(
      spec['initContainers'],
      spec['containers'],
      volumes.names,
      child(path, 'initContainers'),
    ),
  );

  const restartPolicy = stringAt(spec['restartPolicy']);
  if (restartPolicy === '') errs.push(required(child(path, 'restartPolicy')));
  else if (!['Always', 'OnFailure', 'Never'].includes(restartPolicy)) {
    errs.push(notSupported(child(path, 'restartPolicy'), restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  const dnsPolicy = stringAt(spec['dnsPolicy']);
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (dnsPolicy === '') errs.push(required(child(path, 'dnsPolicy')));
  else if (!dnsPolicies.includes(dnsPolicy))
    errs.push(notSupported(child(path, 'dnsPolicy'), dnsPolicy, dnsPolicies));
  errs.push(...validateLabels(spec['nodeSelector'], child(path, 'nodeSelector')));

  arrayAt(spec['imagePullSecrets']).forEach((raw, i) => {
    const secret = objectAt(raw) ?? {};
    if (Object.keys(secret).some((k) => k !== 'name'))
      errs.push(invalid(index(child(path, 'imagePullSecrets'), i), secret, 'only name may be set'));
  });
  const dnsConfig = objectAt(spec['dnsConfig']);
  if (dnsPolicy === 'None') {
    if (dnsConfig === undefined)
      errs.push(required(child(path, 'dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'));
    else if (arrayAt(dnsConfig['nameservers']).length === 0) {
      errs.push(
        required(
          child(path, 'dnsConfig', 'nameservers'),
          'must provide at least one DNS nameserver when `dnsPolicy` is None',
        ),
      );
    }
  }
  arrayAt(spec['readinessGates']).forEach((raw, i) => {
    const conditionType = stringAt(objectAt(raw)?.['conditionType']);
    const gatePath = child(index(child(path, 'readinessGates'), i), 'conditionType');
    for (const msg of isQualifiedName(conditionType)) errs.push(invalid(gatePath, conditionType, msg));
  });
  errs.push(
    ...validateTopologySpreadConstraints(
      spec['topologySpreadConstraints'],
      child(path, 'topologySpreadConstraints'),
    ),
  );

  for (const field of ['serviceAccountName', 'nodeName', 'priorityClassName']) {
    const value = stringAt(spec[field]);
    if (value !== '')
      for (const msg of isDNS1123Subdomain(value)) errs.push(invalid(child(path, field), value, msg));
  }
  const deadline = numberAt(spec['activeDeadlineSeconds']);
  if (deadline !== undefined && (deadline < 1 || deadline > maxInt32)) {
    errs.push(invalid(child(path, 'activeDeadlineSeconds'), deadline, inclusiveRangeError(1, maxInt32)));
  }
  for (const field of ['hostname', 'subdomain']) {
    const value = stringAt(spec[field]);
    if (value !== '') errs.push(...dnsLabelErrors(value, child(path, field)));
  }
  errs.push(...validateTolerations(spec['tolerations'], child(path, 'tolerations')));
  const preemption = spec['preemptionPolicy'];
  if (typeof preemption === 'string' && preemption !== 'PreemptLowerPriority' && preemption !== 'Never') {
    if (preemption === '') errs.push(required(child(path, 'preemptionPolicy')));
    else
      errs.push(notSupported(child(path, 'preemptionPolicy'), preemption, ['PreemptLowerPriority', 'Never']));
  }
  const os = objectAt(spec['os']);
  if (os !== undefined) {
    const osName = stringAt(os['name']);
    if (osName === '') errs.push(required(child(path, 'os', 'name'), 'cannot be empty'));
    else if (osName !== 'linux' && osName !== 'windows')
      errs.push(notSupported(child(path, 'os'), osName, ['linux', 'windows']));
  }
  if (context.isPod) {
    for (const list of ['containers', 'initContainers']) {
      arrayAt(spec[list]).forEach((raw, i) => {
        const image = stringAt(objectAt(raw)?.['image']);
        if (image !== image.trim()) {
          errs.push(
            invalid(
              child(index(child(path, list), i), 'image'),
              image,
              'must not have leading or trailing whitespace',
            ),
          );
        }
      });
    }
  }
  return errs;
}

/** ValidatePodTemplateSpec; note Kubernetes reports template labels at `<path>.labels`, not `.metadata.labels`. */
export function validatePodTemplateSpec(templateValue: unknown, path: string): FieldError[] {
  const template = objectAt(templateValue) ?? {};
  const meta = objectAt(template['metadata']) ?? {};
  const errs = validateLabels(meta['labels'], child(path, 'labels'));
  errs.push(...validateAnnotations(meta['annotations'], child(path, 'annotations')));
  errs.push(...validatePodSpec(template['spec'], child(path, 'spec'), { isPod: false }));
  if (arrayAt(objectAt(template['spec'])?.['ephemeralContainers']).length > 0) {
    errs.push(
      forbidden(
        child(path, 'spec', 'ephemeralContainers'),
        'ephemeral containers not allowed in pod template',
      ),
    );
  }
  return errs;
}

const podUpdateMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The top-level spec fields an update changed, for the end of the pod update message. */
function changedFields(
  before: JsonObject,
  after: JsonObject,
  equal: (a: unknown, b: unknown) => boolean,
): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !equal(before[k], after[k])).sort();
}

/**
 * ValidatePodUpdate's spec rule: only images, activeDeadlineSeconds, added tolerations, terminationGracePeriodSeconds
 * and removed scheduling gates may change. Kubernetes ends the message with a go-cmp diff; this lists the fields.
 */
export function validatePodSpecUpdate(
  specValue: unknown,
  oldValue: unknown,
  equal: (a: unknown, b: unknown) => boolean,
): FieldError[] {
  const spec = structuredClone(objectAt(specValue) ?? {});
  const old = objectAt(oldValue) ?? {};
  for (const list of ['containers', 'initContainers']) {
    const oldList = arrayAt(old[list]);
    arrayAt(spec[list]).forEach((raw, i) => {
      const container = objectAt(raw);
      const oldContainer = objectAt(oldList[i]);
      if (container !== undefined && oldContainer !== undefined) container['image'] = oldContainer['image'];
    });
  }
  const errs: FieldError[] = [];
  const deadline = numberAt(spec['activeDeadlineSeconds']);
  const oldDeadline = numberAt(old['activeDeadlineSeconds']);
  if (oldDeadline !== undefined) {
    if (deadline === undefined) {
      errs.push(
        invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'),
      );
    } else if (deadline > oldDeadline) {
      errs.push(
        invalid('spec.activeDeadlineSeconds', deadline, 'must be less than or equal to previous value'),
      );
    }
  }
  spec['activeDeadlineSeconds'] = old['activeDeadlineSeconds'];
  const oldTolerations = arrayAt(old['tolerations']);
  const tolerations = arrayAt(spec['tolerations']);
  if (oldTolerations.every((t) => tolerations.some((n) => equal(t, n))))
    spec['tolerations'] = old['tolerations'];
  spec['terminationGracePeriodSeconds'] = old['terminationGracePeriodSeconds'];
  const gates = arrayAt(spec['schedulingGates']);
  const oldGates = arrayAt(old['schedulingGates']);
  if (gates.every((g) => oldGates.some((o) => equal(g, o)))) spec['schedulingGates'] = old['schedulingGates'];
  if (!equal(spec, old)) {
    errs.push(
      forbidden('spec', `${podUpdateMessage}\n  changed: ${changedFields(old, spec, equal).join(', ')}\n`),
    );
  }
  return errs;
}

/** The QoS class of a pod (qos.GetPodQOS): BestEffort, Guaranteed or Burstable. */
export function podQOSClass(specValue: unknown): 'BestEffort' | 'Guaranteed' | 'Burstable' {
  const spec = objectAt(specValue) ?? {};
  const containers = [...arrayAt(spec['containers']), ...arrayAt(spec['initContainers'])].map(
    (c) => objectAt(c) ?? {},
  );
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const container of containers) {
    const resources = objectAt(container['resources']) ?? {};
    for (const [field, totals] of [
      ['requests', requests],
      ['limits', limits],
    ] as const) {
      for (const [name, value] of Object.entries(objectAt(resources[field]) ?? {})) {
        if (name !== 'cpu' && name !== 'memory') continue;
        const amount = parseQuantity(value) ?? 0;
        if (amount > 0) totals.set(name, (totals.get(name) ?? 0) + amount);
      }
    }
    const containerLimits = objectAt(resources['limits']) ?? {};
    const found = ['cpu', 'memory'].filter((name) => (parseQuantity(containerLimits[name]) ?? 0) > 0);
    if (found.length < 2) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) for (const [name, amount] of requests) if (limits.get(name) !== amount) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
