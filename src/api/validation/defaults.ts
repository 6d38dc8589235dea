/**
 * Defaulting, as the v1 defaulters (pkg/apis/<group>/<version>/defaults.go and their declarative defaults) fill
 * objects on every decode, plus the zero-valued fields Kubernetes always serialises (`resources: {}`,
 * `status: {}`, template `creationTimestamp: null`), so objects read back as kube-apiserver returns them.
 *
 * prepareForCreate and prepareForUpdate are the registry strategies' PrepareForCreate/PrepareForUpdate and
 * rest.BeforeUpdate's metadata carry-over: status resets, generations, Namespace finalizers, Job selectors,
 * preserved cluster IPs.
 */

import type { KubeObject } from '../meta.ts';
import type { ResourceType } from '../resources.ts';
import {
  arrayAt,
  cloneJson,
  dig,
  ensureObject,
  isObject,
  objectAt,
  semanticEqual,
  setDefault,
  stringAt,
  stringMap,
  type JsonObject,
} from './access.ts';
import { podQOSClass } from './pod.ts';
import { generateJobSelector } from './workloads.ts';

const maxInt32 = 2147483647;
const rbacGroup = 'rbac.authorization.k8s.io';

/** Sets a number field when it is absent or 0, which Go cannot tell apart. */
function setDefaultNumber(target: JsonObject, key: string, value: number): void {
  const current = target[key];
  if (current === undefined || current === null || current === 0) target[key] = value;
}

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainPattern = new RegExp(`^${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?$`);
const pathComponentPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/**
 * The tag and digest of an image reference as docker's ParseNormalizedNamed reads them; undefined when the
 * reference does not parse.
 */
function parseImage(image: string): { tag: string | undefined; digest: string | undefined } | undefined {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) return undefined;
  }
  if (rest === '' || rest.length > 255) return undefined;
  const slash = rest.indexOf('/');
  let remainder = rest;
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    const isDomain = /[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first;
    if (isDomain) {
      if (!domainPattern.test(first)) return undefined;
      remainder = rest.slice(slash + 1);
    }
  }
  if (remainder.toLowerCase() !== remainder) return undefined;
  if (/^[a-f0-9]{64}$/.test(remainder)) return undefined;
  if (!remainder.split('/').every((c) => pathComponentPattern.test(c))) return undefined;
  return { tag, digest };
}

/** SetDefaults_Container's pull policy: Always for `:latest` or no tag, else IfNotPresent. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const parsed = parseImage(image);
  if (parsed === undefined) return 'IfNotPresent';
  const tag = parsed.tag ?? (parsed.digest === undefined ? 'latest' : '');
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(handler: unknown): void {
  const httpGet = objectAt(dig(handler, 'httpGet'));
  if (httpGet === undefined) return;
  setDefault(httpGet, 'path', '/');
  setDefault(httpGet, 'scheme', 'HTTP');
}

function defaultProbe(value: unknown): void {
  const probe = objectAt(value);
  if (probe === undefined) return;
  setDefaultNumber(probe, 'timeoutSeconds', 1);
  setDefaultNumber(probe, 'periodSeconds', 10);
  setDefaultNumber(probe, 'successThreshold', 1);
  setDefaultNumber(probe, 'failureThreshold', 3);
  defaultHTTPGet(probe);
}

function defaultContainer(value: unknown): void {
  const container = objectAt(value);
  if (container === undefined) return;
  setDefault(container, 'imagePullPolicy', defaultPullPolicy(stringAt(container['image'])));
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  if (!isObject(container['resources'])) container['resources'] = {};
  for (const port of arrayAt(container['ports'])) if (isObject(port)) setDefault(port, 'protocol', 'TCP');
  for (const env of arrayAt(container['env'])) {
    const fieldRef = objectAt(dig(env, 'valueFrom', 'fieldRef'));
    if (fieldRef !== undefined) setDefault(fieldRef, 'apiVersion', 'v1');
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(container[probe]);
  const lifecycle = objectAt(container['lifecycle']);
  if (lifecycle !== undefined) for (const hook of ['postStart', 'preStop']) defaultHTTPGet(lifecycle[hook]);
}

const volumeSourceKeys = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

function defaultVolume(value: unknown): void {
  const volume = objectAt(value);
  if (volume === undefined) return;
  if (volumeSourceKeys.every((k) => volume[k] === undefined || volume[k] === null)) volume['emptyDir'] = {};
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const spec = objectAt(volume[source]);
    if (spec !== undefined) setDefault(spec, 'defaultMode', 0o644);
  }
  const hostPath = objectAt(volume['hostPath']);
  if (hostPath !== undefined && hostPath['type'] === undefined) hostPath['type'] = '';
  for (const item of arrayAt(dig(volume, 'downwardAPI', 'items'))) {
    const fieldRef = objectAt(dig(item, 'fieldRef'));
    if (fieldRef !== undefined) setDefault(fieldRef, 'apiVersion', 'v1');
  }
  for (const source of arrayAt(dig(volume, 'projected', 'sources'))) {
    const token = objectAt(dig(source, 'serviceAccountToken'));
    if (token !== undefined) setDefault(token, 'expirationSeconds', 3600);
    for (const item of arrayAt(dig(source, 'downwardAPI', 'items'))) {
      const fieldRef = objectAt(dig(item, 'fieldRef'));
      if (fieldRef !== undefined) setDefault(fieldRef, 'apiVersion', 'v1');
    }
  }
  const claimTemplate = objectAt(dig(volume, 'ephemeral', 'volumeClaimTemplate'));
  if (claimTemplate !== undefined)
    setDefault(ensureObject(claimTemplate, 'spec'), 'volumeMode', 'Filesystem');
}

/** SetDefaults_PodSpec and what it reaches: containers, volumes, probes. */
function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  if (!isObject(spec['securityContext'])) spec['securityContext'] = {};
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'])
    for (const c of arrayAt(spec[list])) defaultContainer(c);
  for (const volume of arrayAt(spec['volumes'])) defaultVolume(volume);
}

/** Template metadata serialises `creationTimestamp: null` in Kubernetes 1.32. */
function defaultTemplateMetadata(template: JsonObject): JsonObject {
  const meta = ensureObject(template, 'metadata');
  if (!('creationTimestamp' in meta)) meta['creationTimestamp'] = null;
  return meta;
}

/**
 * A pod template's defaults. Like SetDefaults_PodSpec, this sets restartPolicy Always in Job templates too: a Job
 * must choose OnFailure or Never, and its validation then reports the defaulted Always exactly as Kubernetes does.
 */
function defaultPodTemplate(parent: JsonObject, key: string): void {
  const template = ensureObject(parent, key);
  defaultTemplateMetadata(template);
  defaultPodSpec(ensureObject(template, 'spec'));
}

function defaultPod(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  defaultPodSpec(spec);
  for (const list of ['containers', 'initContainers']) {
    for (const raw of arrayAt(spec[list])) {
      const resources = objectAt(dig(raw, 'resources'));
      const limits = objectAt(resources?.['limits']);
      if (resources === undefined || limits === undefined) continue;
      const requests = ensureObject(resources, 'requests');
      for (const [name, value] of Object.entries(limits))
        if (!Object.hasOwn(requests, name)) requests[name] = value;
    }
  }
  setDefault(spec, 'enableServiceLinks', true);
  if (spec['hostNetwork'] === true) {
    for (const list of ['containers', 'initContainers']) {
      for (const container of arrayAt(spec[list])) {
        for (const port of arrayAt(dig(container, 'ports'))) {
          if (isObject(port))
            setDefaultNumber(
              port,
              'hostPort',
              typeof port['containerPort'] === 'number' ? port['containerPort'] : 0,
            );
        }
      }
    }
  }
  ensureObject(obj, 'status');
}

function defaultDeployment(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObject(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const rollingUpdate = ensureObject(strategy, 'rollingUpdate');
    setDefault(rollingUpdate, 'maxUnavailable', '25%');
    setDefault(rollingUpdate, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec, 'template');
}

function defaultReplicaSet(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(spec, 'template');
}

function defaultClaimSpec(spec: JsonObject): void {
  setDefault(spec, 'volumeMode', 'Filesystem');
}

function defaultStatefulSet(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = ensureObject(spec, 'updateStrategy');
  if (stringAt(strategy['type']) === '') {
    strategy['type'] = 'RollingUpdate';
    ensureObject(strategy, 'rollingUpdate');
  }
  const rollingUpdate = objectAt(strategy['rollingUpdate']);
  if (strategy['type'] === 'RollingUpdate' && rollingUpdate !== undefined)
    setDefault(rollingUpdate, 'partition', 0);
  const retention = ensureObject(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec, 'template');
  for (const raw of arrayAt(spec['volumeClaimTemplates'])) {
    const claim = objectAt(raw);
    if (claim === undefined) continue;
    defaultTemplateMetadata(claim);
    defaultClaimSpec(ensureObject(claim, 'spec'));
    setDefault(ensureObject(claim, 'status'), 'phase', 'Pending');
  }
}

function defaultDaemonSet(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  const strategy = ensureObject(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const rollingUpdate = ensureObject(strategy, 'rollingUpdate');
    setDefault(rollingUpdate, 'maxUnavailable', 1);
    setDefault(rollingUpdate, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec, 'template');
}

function defaultPodFailurePolicy(spec: JsonObject): void {
  for (const rule of arrayAt(dig(spec, 'podFailurePolicy', 'rules'))) {
    for (const pattern of arrayAt(dig(rule, 'onPodConditions')))
      if (isObject(pattern)) setDefault(pattern, 'status', 'True');
  }
}

function defaultJob(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  const unset = (key: string): boolean => spec[key] === undefined || spec[key] === null;
  if (unset('completions') && unset('parallelism')) {
    spec['completions'] = 1;
    spec['parallelism'] = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', unset('backoffLimitPerIndex') ? 6 : maxInt32);
  const templateLabels = stringMap(dig(spec, 'template', 'metadata', 'labels'));
  if (templateLabels !== undefined && Object.keys(obj.metadata.labels ?? {}).length === 0)
    obj.metadata.labels = templateLabels;
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  defaultPodFailurePolicy(spec);
  setDefault(
    spec,
    'podReplacementPolicy',
    isObject(spec['podFailurePolicy']) ? 'Failed' : 'TerminatingOrFailed',
  );
  defaultPodTemplate(spec, 'template');
}

function defaultCronJob(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobTemplate = ensureObject(spec, 'jobTemplate');
  defaultTemplateMetadata(jobTemplate);
  const jobSpec = ensureObject(jobTemplate, 'spec');
  defaultPodFailurePolicy(jobSpec);
  defaultPodTemplate(jobSpec, 'template');
}

/**
 * SetDefaults_Service, with the IP family fields the ClusterIP allocator fills in a single-stack IPv4 cluster.
 * Cluster IPs and node ports are allocated by the API server, not here.
 */
function defaultService(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec['sessionAffinity'] === 'None') delete spec['sessionAffinityConfig'];
  if (
    spec['sessionAffinity'] === 'ClientIP' &&
    typeof dig(spec, 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds') !== 'number'
  ) {
    spec['sessionAffinityConfig'] = { clientIP: { timeoutSeconds: 10800 } };
  }
  setDefault(spec, 'type', 'ClusterIP');
  for (const raw of arrayAt(spec['ports'])) {
    const port = objectAt(raw);
    if (port === undefined) continue;
    setDefault(port, 'protocol', 'TCP');
    if (
      port['targetPort'] === undefined ||
      port['targetPort'] === null ||
      port['targetPort'] === 0 ||
      port['targetPort'] === ''
    ) {
      port['targetPort'] = port['port'];
    }
  }
  const type = spec['type'];
  const accessible =
    type === 'LoadBalancer' ||
    type === 'NodePort' ||
    (type === 'ClusterIP' && arrayAt(spec['externalIPs']).length > 0);
  if (accessible) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP')
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (type !== 'ExternalName') {
    const headlessWithoutSelector =
      (stringAt(spec['clusterIP']) === 'None' || dig(spec, 'clusterIPs', '0') === 'None') &&
      Object.keys(objectAt(spec['selector']) ?? {}).length === 0;
    setDefault(spec, 'ipFamilyPolicy', headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack');
    if (arrayAt(spec['ipFamilies']).length === 0) spec['ipFamilies'] = ['IPv4'];
  }
  const loadBalancer = ensureObject(ensureObject(obj, 'status'), 'loadBalancer');
  if (type === 'LoadBalancer') {
    for (const ingress of arrayAt(loadBalancer['ingress'])) {
      if (isObject(ingress) && stringAt(ingress['ip']) !== '') setDefault(ingress, 'ipMode', 'VIP');
    }
  }
}

/** The conversion of v1 Secrets: stringData is written over data, base64-encoded, and never stored. */
function defaultSecret(obj: KubeObject): void {
  setDefault(obj, 'type', 'Opaque');
  const stringData = objectAt(obj['stringData']);
  if (stringData !== undefined) {
    const data = ensureObject(obj, 'data');
    for (const [k, v] of Object.entries(stringData))
      data[k] = Buffer.from(stringAt(v), 'utf8').toString('base64');
  }
  delete obj['stringData'];
}

function defaultNamespace(obj: KubeObject): void {
  const name = stringAt(obj.metadata.name);
  if (name !== '')
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
  setDefault(ensureObject(obj, 'status'), 'phase', 'Active');
}

function defaultPersistentVolumeClaim(obj: KubeObject): void {
  defaultClaimSpec(ensureObject(obj, 'spec'));
  setDefault(ensureObject(obj, 'status'), 'phase', 'Pending');
}

function defaultNode(obj: KubeObject): void {
  const status = objectAt(obj['status']);
  if (status !== undefined && isObject(status['capacity']) && status['allocatable'] === undefined) {
    status['allocatable'] = cloneJson(status['capacity']);
  }
}

function defaultEndpoints(obj: KubeObject): void {
  for (const subset of arrayAt(obj['subsets'])) {
    for (const port of arrayAt(dig(subset, 'ports'))) if (isObject(port)) setDefault(port, 'protocol', 'TCP');
  }
}

function defaultBinding(obj: KubeObject): void {
  setDefault(ensureObject(obj, 'roleRef'), 'apiGroup', rbacGroup);
  for (const raw of arrayAt(obj['subjects'])) {
    const subject = objectAt(raw);
    if (subject === undefined || stringAt(subject['apiGroup']) !== '') continue;
    if (subject['kind'] === 'User' || subject['kind'] === 'Group') subject['apiGroup'] = rbacGroup;
  }
}

function scalingRules(value: unknown, defaults: JsonObject): JsonObject {
  const rules = cloneJson(defaults);
  const given = objectAt(value);
  if (given !== undefined) {
    for (const field of ['selectPolicy', 'stabilizationWindowSeconds', 'policies', 'tolerance']) {
      if (given[field] !== undefined && given[field] !== null) rules[field] = given[field];
    }
  }
  return rules;
}

function defaultHorizontalPodAutoscaler(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (arrayAt(spec['metrics']).length === 0) {
    spec['metrics'] = [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ];
  }
  const behavior = objectAt(spec['behavior']);
  if (behavior !== undefined) {
    behavior['scaleUp'] = scalingRules(behavior['scaleUp'], {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    });
    behavior['scaleDown'] = scalingRules(behavior['scaleDown'], {
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    });
  }
  setDefault(ensureObject(obj, 'status'), 'desiredReplicas', 0);
}

function defaultCustomResourceDefinition(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  const names = ensureObject(spec, 'names');
  const kind = stringAt(names['kind']);
  setDefault(names, 'singular', kind.toLowerCase());
  if (kind !== '') setDefault(names, 'listKind', `${kind}List`);
  if (!isObject(spec['conversion'])) spec['conversion'] = { strategy: 'None' };
  const service = objectAt(dig(spec, 'conversion', 'webhook', 'clientConfig', 'service'));
  if (service !== undefined) setDefault(service, 'port', 443);
  const status = ensureObject(obj, 'status');
  const accepted = ensureObject(status, 'acceptedNames');
  setDefault(accepted, 'kind', '');
  setDefault(accepted, 'plural', '');
  if (arrayAt(status['storedVersions']).length === 0) {
    const storageVersion = arrayAt(spec['versions']).find((v) => dig(v, 'storage') === true);
    status['storedVersions'] = storageVersion === undefined ? [] : [stringAt(dig(storageVersion, 'name'))];
  }
}

/** The status fields Kubernetes serialises even at their zero value. */
const statusShapes: Record<string, JsonObject> = {
  'apps/Deployment': {},
  'apps/ReplicaSet': { replicas: 0 },
  'apps/StatefulSet': { replicas: 0, availableReplicas: 0 },
  'apps/DaemonSet': {
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    desiredNumberScheduled: 0,
    numberReady: 0,
  },
  'batch/Job': {},
  'batch/CronJob': {},
  'networking.k8s.io/Ingress': { loadBalancer: {} },
  'policy/PodDisruptionBudget': {
    disruptionsAllowed: 0,
    currentHealthy: 0,
    desiredHealthy: 0,
    expectedPods: 0,
  },
};

function applyStatusShape(typeKey: string, obj: KubeObject): void {
  const shape = statusShapes[typeKey];
  if (shape === undefined) return;
  const status = ensureObject(obj, 'status');
  for (const [k, v] of Object.entries(shape)) if (status[k] === undefined) status[k] = cloneJson(v);
}

const defaulters: Record<string, (obj: KubeObject) => void> = {
  '/Pod': defaultPod,
  '/Service': defaultService,
  '/Secret': defaultSecret,
  '/Namespace': defaultNamespace,
  '/PersistentVolumeClaim': defaultPersistentVolumeClaim,
  '/Node': defaultNode,
  '/Endpoints': defaultEndpoints,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/StatefulSet': defaultStatefulSet,
  'apps/DaemonSet': defaultDaemonSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'rbac.authorization.k8s.io/RoleBinding': defaultBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': defaultBinding,
  'autoscaling/HorizontalPodAutoscaler': defaultHorizontalPodAutoscaler,
  'apiextensions.k8s.io/CustomResourceDefinition': defaultCustomResourceDefinition,
};

function typeKey(type: Pick<ResourceType, 'group' | 'kind'>): string {
  return `${type.group}/${type.kind}`;
}

/**
 * Fills in what kube-apiserver's defaulting fills for a built-in kind, in place: Deployment replicas and rollout
 * strategy, pod template DNS/restart/grace/scheduler settings, container pull policies, Service session affinity,
 * traffic policies and IP families, Job completions and backoff, and so on. Custom resources are left alone
 * (their CRD's structural defaults are applied elsewhere). Idempotent.
 */
export function applyDefaults(type: ResourceType, obj: KubeObject): void {
  if (type.schemaName === undefined) return;
  if (!isObject(obj.metadata)) obj.metadata = {};
  defaulters[typeKey(type)]?.(obj);
  applyStatusShape(typeKey(type), obj);
}

/** Kinds whose registry sets `metadata.generation` to 1 on create and bumps it when the spec changes. */
const generationKinds = new Set([
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
  'networking.k8s.io/Ingress',
  'policy/PodDisruptionBudget',
  'apiextensions.k8s.io/CustomResourceDefinition',
]);

/** Kinds whose registry discards any status sent with a create. */
const statusResetKinds = new Set([
  ...generationKinds,
  '/Service',
  '/PersistentVolumeClaim',
  'autoscaling/HorizontalPodAutoscaler',
]);

function tracksGeneration(type: ResourceType): boolean {
  return type.schemaName === undefined || generationKinds.has(typeKey(type));
}

/**
 * The create half of the registry strategies, after the name and uid are assigned and defaults applied:
 * generation 1 where tracked, a fresh status (Pods Pending with their QoS class, Namespaces Active with the
 * `kubernetes` finalizer), and the generated selector of a Job.
 */
export function prepareForCreate(type: ResourceType, obj: KubeObject): void {
  if (type.virtual) return;
  const key = typeKey(type);
  if (tracksGeneration(type)) obj.metadata.generation = 1;
  if (type.schemaName === undefined) {
    if (type.subresources.status) delete obj['status'];
    return;
  }
  if (statusResetKinds.has(key)) {
    obj['status'] = {};
    applyDefaults(type, obj);
  }
  switch (key) {
    case '/Pod':
      obj['status'] = { phase: 'Pending', qosClass: podQOSClass(obj['spec']) };
      break;
    case '/Namespace': {
      const spec = ensureObject(obj, 'spec');
      const finalizers = arrayAt(spec['finalizers']);
      if (!finalizers.includes('kubernetes')) spec['finalizers'] = [...finalizers, 'kubernetes'];
      obj['status'] = { phase: 'Active' };
      break;
    }
    case 'batch/Job':
      generateJobSelector(obj);
      break;
  }
}

function needsNodePorts(spec: JsonObject): boolean {
  return (
    spec['type'] === 'NodePort' ||
    (spec['type'] === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] !== false)
  );
}

/** The Service registry's patchAllocatedValues and NormalizeClusterIPs for an update that omits them. */
function preserveServiceAllocations(obj: KubeObject, old: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  const oldSpec = objectAt(old['spec']) ?? {};
  if (spec['type'] !== 'ExternalName' && oldSpec['type'] !== 'ExternalName') {
    if (stringAt(spec['clusterIP']) === '' && stringAt(oldSpec['clusterIP']) !== '')
      spec['clusterIP'] = oldSpec['clusterIP'];
    if (arrayAt(spec['clusterIPs']).length === 0 && arrayAt(oldSpec['clusterIPs']).length > 0) {
      if (stringAt(spec['clusterIP']) === stringAt(oldSpec['clusterIP']))
        spec['clusterIPs'] = cloneJson(oldSpec['clusterIPs']);
      else spec['clusterIPs'] = [spec['clusterIP']];
    }
    if (arrayAt(spec['ipFamilies']).length === 0 && arrayAt(oldSpec['ipFamilies']).length > 0)
      spec['ipFamilies'] = cloneJson(oldSpec['ipFamilies']);
    if (spec['ipFamilyPolicy'] === undefined && oldSpec['ipFamilyPolicy'] !== undefined)
      spec['ipFamilyPolicy'] = oldSpec['ipFamilyPolicy'];
  }
  if (needsNodePorts(spec) && needsNodePorts(oldSpec)) {
    const byName = new Map<string, unknown>();
    for (const port of arrayAt(oldSpec['ports']))
      byName.set(stringAt(dig(port, 'name')), dig(port, 'nodePort'));
    const used = new Set(
      arrayAt(spec['ports'])
        .map((p) => dig(p, 'nodePort'))
        .filter((n) => typeof n === 'number' && n !== 0),
    );
    for (const port of arrayAt(spec['ports'])) {
      if (!isObject(port) || (typeof port['nodePort'] === 'number' && port['nodePort'] !== 0)) continue;
      const previous = byName.get(stringAt(port['name']));
      if (typeof previous === 'number' && !used.has(previous)) port['nodePort'] = previous;
    }
  }
  if (
    spec['type'] === 'LoadBalancer' &&
    spec['externalTrafficPolicy'] === 'Local' &&
    !spec['healthCheckNodePort']
  ) {
    if (oldSpec['type'] === 'LoadBalancer' && oldSpec['externalTrafficPolicy'] === 'Local')
      spec['healthCheckNodePort'] = oldSpec['healthCheckNodePort'];
  }
}

/** The content a custom resource's generation follows: everything but metadata and (with the subresource) status. */
function contentOf(type: ResourceType, obj: KubeObject): JsonObject {
  const content: JsonObject = { ...obj };
  delete content['metadata'];
  if (type.subresources.status) delete content['status'];
  return content;
}

/** Options of prepareForUpdate. */
export interface UpdateOptions {
  /** The write is to the status subresource: only status may change. */
  subresource?: 'status';
}

/**
 * The update half of the registry strategies and rest.BeforeUpdate: generation, uid, creation and deletion
 * timestamps carried over from `old`; status kept from `old` (or, for a status write, everything but status);
 * Namespace finalizers kept; allocated cluster IPs and node ports kept when the update omits them; the
 * generation bumped when the spec (or a Deployment's annotations) changed.
 */
export function prepareForUpdate(
  type: ResourceType,
  obj: KubeObject,
  old: KubeObject,
  options: UpdateOptions = {},
): void {
  if (type.virtual) return;
  const meta: JsonObject = obj.metadata;
  const oldMeta: JsonObject = old.metadata;
  const carry = (field: string): void => {
    if (oldMeta[field] === undefined) delete meta[field];
    else meta[field] = cloneJson(oldMeta[field]);
  };
  carry('generation');
  if (stringAt(meta['uid']) === '') carry('uid');
  if (oldMeta['creationTimestamp'] !== undefined) carry('creationTimestamp');
  if (oldMeta['deletionTimestamp'] !== undefined) carry('deletionTimestamp');
  if (meta['deletionGracePeriodSeconds'] === undefined) carry('deletionGracePeriodSeconds');
  if (options.subresource === 'status') {
    for (const k of Object.keys(obj))
      if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') delete obj[k];
    for (const [k, v] of Object.entries(old)) if (k !== 'metadata' && k !== 'status') obj[k] = cloneJson(v);
    for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences']) carry(field);
    return;
  }
  if (type.subresources.status) {
    if (old['status'] === undefined) delete obj['status'];
    else obj['status'] = cloneJson(old['status']);
  }
  const key = typeKey(type);
  if (key === '/Namespace') {
    const finalizers = dig(old, 'spec', 'finalizers');
    const spec = ensureObject(obj, 'spec');
    if (finalizers === undefined) delete spec['finalizers'];
    else spec['finalizers'] = cloneJson(finalizers);
  }
  if (key === '/Service') preserveServiceAllocations(obj, old);
  if (!tracksGeneration(type)) return;
  const changed =
    type.schemaName === undefined
      ? !semanticEqual(contentOf(type, obj), contentOf(type, old))
      : !semanticEqual(obj['spec'], old['spec']) ||
        (key === 'apps/Deployment' && !semanticEqual(meta['annotations'], oldMeta['annotations']));
  if (changed)
    meta['generation'] = (typeof oldMeta['generation'] === 'number' ? oldMeta['generation'] : 0) + 1;
}
