/**
 * Generates src/api/generated/builtin-schemas.json: the OpenAPI v3 component schemas of every built-in
 * kind the API server serves, named as kube-apiserver names them (`io.k8s.api.apps.v1.Deployment`).
 *
 *   node --import tsx scripts/generate-builtin-schemas.ts           # rewrite the JSON
 *   node --import tsx scripts/generate-builtin-schemas.ts --check   # exit 1 when the JSON is stale
 *
 * Source: the models of the installed @kubernetes/client-node, which openapi-generator made from
 * Kubernetes' own spec. Their `attributeTypeMap` gives each field's JSON name, type and format; their
 * .d.ts files give the descriptions (JSDoc) and which fields are required (not optional). What the
 * generator dropped is put back from tables below, each checked against the models so it cannot
 * silently name a field that does not exist:
 * - the package of each class (see `packageOf`),
 * - which fields hold a resource.Quantity (client-node types them as plain strings),
 * - what each `any` field really is (RawExtension, FieldsV1, apiextensions JSON, ...),
 * - the list and map markers strategic merge patch and server-side apply read, as Kubernetes 1.32's
 *   api/openapi-spec/v3 has them (see `fieldMarkers`).
 *
 * Fields that point at another type carry no description in client-node (openapi-generator drops
 * descriptions beside a `$ref`, or puts the referenced type's there); they get the referenced type's
 * description, so `kubectl explain` never shows "<no description>", and `metadata` the standard one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtinResources } from '../src/api/resources.ts';
import type { Schema, SchemaComponents } from '../src/api/schema.ts';
import { writeGenerated } from './generated-file.ts';

const outputPath = fileURLToPath(new URL('../src/api/generated/builtin-schemas.json', import.meta.url));
const refPrefix = '#/components/schemas/';

const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const core = 'io.k8s.api.core.v1';
const apps = 'io.k8s.api.apps.v1';
const batch = 'io.k8s.api.batch.v1';
const networking = 'io.k8s.api.networking.v1';
const rbac = 'io.k8s.api.rbac.v1';
const apiextensions = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
const autoscaling = 'io.k8s.api.autoscaling.v2';
const policy = 'io.k8s.api.policy.v1';
const authorization = 'io.k8s.api.authorization.v1';
const authentication = 'io.k8s.api.authentication.v1';

const time = `${meta}.Time`;
const microTime = `${meta}.MicroTime`;
const intOrString = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const quantity = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const rawExtension = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
const fieldsV1 = `${meta}.FieldsV1`;
const json = `${apiextensions}.JSON`;

// ---------------------------------------------------------------------------------------------
// Class name → Kubernetes package.
//
// client-node names a class `<Version><Kind>` (V1Deployment, V2HorizontalPodAutoscaler) and adds
// the group only where two groups share a version and kind (CoreV1Event, EventsV1Event). So:
// 1. a group prefix names the package (`groupPrefixes`);
// 2. apimachinery types and the few types a group's API borrows from another group are listed
//    (`explicitPackages`);
// 3. a class reachable from the models CoreV1Api uses is core/v1 (core types reference only core
//    and apimachinery types, and a non-core type that shared a name with a core one would carry a
//    group prefix);
// 4. anything else belongs to the group of the type that references it (DeploymentSpec is reached
//    from Deployment), and two referrers from different groups are an error.
// The roots come from builtinResources' schemaName, so their packages are known.
// ---------------------------------------------------------------------------------------------

const groupPrefixes: Record<string, string> = {
  Admissionregistration: 'io.k8s.api.admissionregistration',
  Apiextensions: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  Apiregistration: 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
  Authentication: 'io.k8s.api.authentication',
  Core: 'io.k8s.api.core',
  Discovery: 'io.k8s.api.discovery',
  Events: 'io.k8s.api.events',
  Flowcontrol: 'io.k8s.api.flowcontrol',
  Rbac: 'io.k8s.api.rbac',
  Resource: 'io.k8s.api.resource',
  Storage: 'io.k8s.api.storage',
};

const explicitPackages: Record<string, string> = {
  ...Object.fromEntries(
    [
      'APIGroup',
      'APIGroupList',
      'APIResource',
      'APIResourceList',
      'APIVersions',
      'Condition',
      'DeleteOptions',
      'FieldSelectorRequirement',
      'GroupVersionForDiscovery',
      'LabelSelector',
      'LabelSelectorRequirement',
      'ListMeta',
      'ManagedFieldsEntry',
      'ObjectMeta',
      'OwnerReference',
      'Preconditions',
      'ServerAddressByClientCIDR',
      'Status',
      'StatusCause',
      'StatusDetails',
      'WatchEvent',
    ].map((kind) => [`V1${kind}`, meta]),
  ),
  V1Scale: 'io.k8s.api.autoscaling.v1',
  V1ScaleSpec: 'io.k8s.api.autoscaling.v1',
  V1ScaleStatus: 'io.k8s.api.autoscaling.v1',
  V1Eviction: 'io.k8s.api.policy.v1',
};

/** Schemas the API documents reference besides the resources themselves. */
const extraRoots = [
  `${meta}.Status`,
  `${meta}.DeleteOptions`,
  `${meta}.WatchEvent`,
  'io.k8s.api.autoscaling.v1.Scale',
  `${authentication}.TokenRequest`,
];

// ---------------------------------------------------------------------------------------------
// What client-node flattened.
// ---------------------------------------------------------------------------------------------

/** Fields holding resource.Quantity values (scalars, or the values of a map). */
const quantityFields: Record<string, string[]> = {
  [`${core}.ResourceRequirements`]: ['limits', 'requests'],
  [`${core}.VolumeResourceRequirements`]: ['limits', 'requests'],
  [`${core}.EmptyDirVolumeSource`]: ['sizeLimit'],
  [`${core}.ResourceFieldSelector`]: ['divisor'],
  [`${core}.PodSpec`]: ['overhead'],
  [`${core}.ContainerStatus`]: ['allocatedResources'],
  [`${core}.NodeStatus`]: ['allocatable', 'capacity'],
  [`${core}.PersistentVolumeClaimStatus`]: ['allocatedResources', 'capacity'],
  [`${autoscaling}.MetricTarget`]: ['averageValue', 'value'],
  [`${autoscaling}.MetricValueStatus`]: ['averageValue', 'value'],
};

/** What each `any` field is (for arrays and maps: their items and values). */
const anyFields: Record<string, string> = {
  [`${apps}.ControllerRevision.data`]: rawExtension,
  [`${meta}.ManagedFieldsEntry.fieldsV1`]: fieldsV1,
  [`${meta}.WatchEvent.object`]: rawExtension,
  [`${apiextensions}.JSONSchemaProps.default`]: json,
  [`${apiextensions}.JSONSchemaProps.example`]: json,
  [`${apiextensions}.JSONSchemaProps.enum`]: json,
  [`${apiextensions}.JSONSchemaProps.items`]: `${apiextensions}.JSONSchemaPropsOrArray`,
  [`${apiextensions}.JSONSchemaProps.additionalItems`]: `${apiextensions}.JSONSchemaPropsOrBool`,
  [`${apiextensions}.JSONSchemaProps.additionalProperties`]: `${apiextensions}.JSONSchemaPropsOrBool`,
  [`${apiextensions}.JSONSchemaProps.dependencies`]: `${apiextensions}.JSONSchemaPropsOrStringArray`,
  [`${apiextensions}.CustomResourceSubresources.status`]: `${apiextensions}.CustomResourceSubresourceStatus`,
};

const preserve = { 'x-kubernetes-preserve-unknown-fields': true } as const;

/** Types serialised specially, which client-node has no class for. */
const specialComponents: SchemaComponents = {
  [time]: {
    description:
      'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
    type: 'string',
    format: 'date-time',
  },
  [microTime]: {
    description: 'MicroTime is version of Time with microsecond level precision.',
    type: 'string',
    format: 'date-time',
  },
  [intOrString]: {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  },
  [quantity]: {
    description:
      'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.\n\nThe serialization format is:\n\n``` <quantity>        ::= <signedNumber><suffix>\n\n\t(Note that <suffix> may be empty, from the "" case in <decimalSI>.)\n\n<digit>           ::= 0 | 1 | ... | 9 <digits>          ::= <digit> | <digit><digits> <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> <sign>            ::= "+" | "-" <signedNumber>    ::= <number> | <sign><number> <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei\n\n\t(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)\n\n<decimalSI>       ::= m | "" | k | M | G | T | P | E\n\n\t(Note that 1024 = 1Ki but 1000 = 1k; I didn\'t choose the capitalization.)\n\n<decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber> ```\n\nNo matter which of the three exponent forms is used, no quantity may represent a number greater than 2^63-1 in magnitude, nor may it have more than 3 decimal places. Numbers larger or more precise will be capped or rounded up. (E.g.: 0.1m will rounded up to 1m.) This may be extended in the future if we require larger or smaller quantities.\n\nWhen a Quantity is parsed from a string, it will remember the type of suffix it had, and will use the same type again when it is serialized.',
    oneOf: [{ type: 'string' }, { type: 'number' }],
    'x-kubernetes-int-or-string': true,
  },
  [rawExtension]: {
    description:
      'RawExtension is used to hold extensions in external versions. To use this, make a field which has RawExtension as its type in your external, versioned struct, and Object in your internal struct. You also need to register your various plugin types.',
    type: 'object',
    ...preserve,
  },
  [fieldsV1]: {
    description:
      "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map 'v:<value>', where <value> is the exact json formatted value of a list item 'i:<index>', where <index> is position of a item in a list 'k:<keys>', where <keys> is a map of  a list item's key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.\n\nThe exact format is defined in sigs.k8s.io/structured-merge-diff",
    type: 'object',
    ...preserve,
  },
  [`${meta}.Patch`]: {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  },
  [json]: {
    description:
      'JSON represents any valid JSON value. These types are supported: bool, int64, float64, string, []interface{}, map[string]interface{} and nil.',
    ...preserve,
  },
  [`${apiextensions}.JSONSchemaPropsOrArray`]: {
    description:
      'JSONSchemaPropsOrArray represents a value that can either be a JSONSchemaProps or an array of JSONSchemaProps. Mainly here for serialization purposes.',
    ...preserve,
  },
  [`${apiextensions}.JSONSchemaPropsOrBool`]: {
    description:
      'JSONSchemaPropsOrBool represents JSONSchemaProps or a boolean value. Defaults to true for the boolean property.',
    ...preserve,
  },
  [`${apiextensions}.JSONSchemaPropsOrStringArray`]: {
    description: 'JSONSchemaPropsOrStringArray represents a JSONSchemaProps or a string array.',
    ...preserve,
  },
  [`${apiextensions}.CustomResourceSubresourceStatus`]: {
    description:
      'CustomResourceSubresourceStatus defines how to serve the status subresource for CustomResources. Status is represented by the `.status` JSON path inside of a CustomResource. When set, * exposes a /status subresource for the custom resource * PUT requests to the /status subresource take a custom resource object, and ignore changes to anything except the status stanza * PUT/POST/PATCH requests to the custom resource ignore changes to the status stanza',
    type: 'object',
  },
};

// ---------------------------------------------------------------------------------------------
// List and map markers, as kubernetes/kubernetes api/openapi-spec/v3/*.json (1.32) has them: the
// `+listType`/`+listMapKey`/`+mapType`/`+structType` markers and `patchStrategy`/`patchMergeKey` tags
// of k8s.io/api. PodSpec and PodStatus were checked field by field against api__v1_openapi.json, and
// every strategic merge strategy against the patchStrategy struct tags compiled into kubectl 1.32.
// Lists without a marker are atomic, as in Kubernetes; the atomic ones are listed anyway where
// Kubernetes marks them, so the served documents say what kube-apiserver's say.
// ---------------------------------------------------------------------------------------------

type Markers = Pick<
  Schema,
  | 'x-kubernetes-list-type'
  | 'x-kubernetes-list-map-keys'
  | 'x-kubernetes-map-type'
  | 'x-kubernetes-patch-strategy'
  | 'x-kubernetes-patch-merge-key'
>;

const atomic: Markers = { 'x-kubernetes-list-type': 'atomic' };
const atomicMap: Markers = { 'x-kubernetes-map-type': 'atomic' };
const mergeSet: Markers = { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' };
const retainKeys: Markers = { 'x-kubernetes-patch-strategy': 'retainKeys' };

/** SSA map list keyed by `keys`, no strategic merge strategy. */
function mapList(...keys: string[]): Markers {
  return { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys };
}

/** Strategic merge on `mergeKey`, and an SSA map list on `keys` (default: the merge key). */
function mergeMap(mergeKey: string, keys: string[] = [mergeKey], strategy = 'merge'): Markers {
  return {
    ...mapList(...keys),
    'x-kubernetes-patch-merge-key': mergeKey,
    'x-kubernetes-patch-strategy': strategy,
  };
}

const conditions = { conditions: mergeMap('type') };

const fieldMarkers: Record<string, Record<string, Markers>> = {
  [`${meta}.ObjectMeta`]: { finalizers: mergeSet, ownerReferences: mergeMap('uid'), managedFields: atomic },
  [`${meta}.LabelSelector`]: { matchExpressions: atomic },
  [`${meta}.LabelSelectorRequirement`]: { values: atomic },
  [`${meta}.StatusDetails`]: { causes: atomic },
  [`${meta}.DeleteOptions`]: { dryRun: atomic },

  [`${core}.PodSpec`]: {
    containers: mergeMap('name'),
    initContainers: mergeMap('name'),
    ephemeralContainers: mergeMap('name'),
    volumes: mergeMap('name', ['name'], 'merge,retainKeys'),
    imagePullSecrets: mergeMap('name'),
    hostAliases: mergeMap('ip'),
    tolerations: atomic,
    topologySpreadConstraints: mergeMap('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
    readinessGates: atomic,
    schedulingGates: mergeMap('name'),
    resourceClaims: mergeMap('name', ['name'], 'merge,retainKeys'),
    nodeSelector: atomicMap,
  },
  [`${core}.Container`]: {
    args: atomic,
    command: atomic,
    env: mergeMap('name'),
    envFrom: atomic,
    ports: mergeMap('containerPort', ['containerPort', 'protocol']),
    volumeMounts: mergeMap('mountPath'),
    volumeDevices: mergeMap('devicePath'),
    resizePolicy: atomic,
    restartPolicyRules: atomic,
  },
  [`${core}.EphemeralContainer`]: {
    args: atomic,
    command: atomic,
    env: mergeMap('name'),
    envFrom: atomic,
    ports: mergeMap('containerPort', ['containerPort', 'protocol']),
    volumeMounts: mergeMap('mountPath'),
    volumeDevices: mergeMap('devicePath'),
    resizePolicy: atomic,
    restartPolicyRules: atomic,
  },
  [`${core}.PodStatus`]: {
    ...conditions,
    podIPs: mergeMap('ip'),
    hostIPs: { ...atomic, 'x-kubernetes-patch-merge-key': 'ip', 'x-kubernetes-patch-strategy': 'merge' },
    containerStatuses: atomic,
    initContainerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: mergeMap('name', ['name'], 'merge,retainKeys'),
  },
  [`${core}.ContainerStatus`]: {
    volumeMounts: { 'x-kubernetes-patch-merge-key': 'mountPath', 'x-kubernetes-patch-strategy': 'merge' },
    allocatedResourcesStatus: mergeMap('name'),
  },
  [`${core}.ResourceStatus`]: { resources: mapList('resourceID') },
  [`${core}.ResourceRequirements`]: { claims: mapList('name') },
  [`${core}.PodDNSConfig`]: { nameservers: atomic, searches: atomic, options: atomic },
  [`${core}.HostAlias`]: { hostnames: atomic },
  [`${core}.PodSecurityContext`]: { supplementalGroups: atomic, sysctls: atomic },
  [`${core}.Capabilities`]: { add: atomic, drop: atomic },
  [`${core}.ExecAction`]: { command: atomic },
  [`${core}.HTTPGetAction`]: { httpHeaders: atomic },
  [`${core}.NodeSelector`]: { nodeSelectorTerms: atomic },
  [`${core}.NodeSelectorTerm`]: { matchExpressions: atomic, matchFields: atomic },
  [`${core}.NodeSelectorRequirement`]: { values: atomic },
  [`${core}.NodeAffinity`]: { preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [`${core}.PodAffinity`]: {
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  [`${core}.PodAntiAffinity`]: {
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  [`${core}.PodAffinityTerm`]: { namespaces: atomic, matchLabelKeys: atomic, mismatchLabelKeys: atomic },
  [`${core}.TopologySpreadConstraint`]: { matchLabelKeys: atomic },
  [`${core}.ConfigMapVolumeSource`]: { items: atomic },
  [`${core}.SecretVolumeSource`]: { items: atomic },
  [`${core}.DownwardAPIVolumeSource`]: { items: atomic },
  [`${core}.ProjectedVolumeSource`]: { sources: atomic },
  [`${core}.ConfigMapProjection`]: { items: atomic },
  [`${core}.SecretProjection`]: { items: atomic },
  [`${core}.DownwardAPIProjection`]: { items: atomic },
  [`${core}.PersistentVolumeClaimSpec`]: { accessModes: atomic },
  [`${core}.PersistentVolumeClaimStatus`]: { ...conditions, accessModes: atomic },
  [`${core}.ServiceSpec`]: {
    ports: mergeMap('port', ['port', 'protocol']),
    selector: atomicMap,
    clusterIPs: atomic,
    externalIPs: atomic,
    ipFamilies: atomic,
    loadBalancerSourceRanges: atomic,
  },
  [`${core}.ServiceStatus`]: conditions,
  [`${core}.LoadBalancerStatus`]: { ingress: atomic },
  [`${core}.LoadBalancerIngress`]: { ports: atomic },
  [`${core}.ServiceAccount`]: { secrets: mergeMap('name'), imagePullSecrets: atomic },
  [`${core}.Endpoints`]: { subsets: atomic },
  [`${core}.EndpointSubset`]: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  [`${core}.NodeSpec`]: { taints: atomic, podCIDRs: mergeSet },
  [`${core}.NodeStatus`]: {
    ...conditions,
    addresses: mergeMap('type'),
    images: atomic,
    volumesInUse: atomic,
    volumesAttached: atomic,
    runtimeHandlers: atomic,
  },
  [`${core}.NamespaceSpec`]: { finalizers: atomic },
  [`${core}.NamespaceStatus`]: conditions,

  [`${apps}.DeploymentSpec`]: { strategy: retainKeys },
  [`${apps}.DeploymentStatus`]: conditions,
  [`${apps}.ReplicaSetStatus`]: conditions,
  [`${apps}.StatefulSetSpec`]: { volumeClaimTemplates: atomic },
  [`${apps}.StatefulSetStatus`]: conditions,
  [`${apps}.DaemonSetStatus`]: conditions,

  [`${batch}.JobStatus`]: {
    conditions: { ...atomic, 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-patch-strategy': 'merge' },
  },
  [`${batch}.CronJobStatus`]: { active: atomic },
  [`${batch}.PodFailurePolicy`]: { rules: atomic },
  [`${batch}.PodFailurePolicyRule`]: { onPodConditions: atomic },
  [`${batch}.PodFailurePolicyOnExitCodesRequirement`]: { values: { 'x-kubernetes-list-type': 'set' } },
  [`${batch}.SuccessPolicy`]: { rules: atomic },

  [`${networking}.IngressSpec`]: { rules: atomic, tls: atomic },
  [`${networking}.IngressTLS`]: { hosts: atomic },
  [`${networking}.HTTPIngressRuleValue`]: { paths: atomic },
  [`${networking}.IngressLoadBalancerStatus`]: { ingress: atomic },
  [`${networking}.IngressLoadBalancerIngress`]: { ports: atomic },

  [`${rbac}.Role`]: { rules: atomic },
  [`${rbac}.ClusterRole`]: { rules: atomic },
  [`${rbac}.RoleBinding`]: { subjects: atomic },
  [`${rbac}.ClusterRoleBinding`]: { subjects: atomic },
  [`${rbac}.PolicyRule`]: {
    apiGroups: atomic,
    nonResourceURLs: atomic,
    resourceNames: atomic,
    resources: atomic,
    verbs: atomic,
  },
  [`${rbac}.AggregationRule`]: { clusterRoleSelectors: atomic },

  [`${apiextensions}.CustomResourceDefinitionSpec`]: { versions: atomic },
  [`${apiextensions}.CustomResourceDefinitionNames`]: { categories: atomic, shortNames: atomic },
  [`${apiextensions}.CustomResourceDefinitionStatus`]: {
    conditions: mapList('type'),
    storedVersions: atomic,
  },
  [`${apiextensions}.CustomResourceDefinitionVersion`]: { additionalPrinterColumns: atomic },
  [`${apiextensions}.WebhookConversion`]: { conversionReviewVersions: atomic },
  [`${apiextensions}.JSONSchemaProps`]: {
    allOf: atomic,
    anyOf: atomic,
    oneOf: atomic,
    enum: atomic,
    required: atomic,
    'x-kubernetes-list-map-keys': atomic,
    'x-kubernetes-validations': mergeMap('rule'),
  },

  [`${autoscaling}.HorizontalPodAutoscalerSpec`]: { metrics: atomic },
  [`${autoscaling}.HorizontalPodAutoscalerStatus`]: { ...conditions, currentMetrics: atomic },
  [`${autoscaling}.HPAScalingRules`]: { policies: atomic },

  [`${policy}.PodDisruptionBudgetSpec`]: { selector: { 'x-kubernetes-patch-strategy': 'replace' } },
  [`${policy}.PodDisruptionBudgetStatus`]: conditions,

  [`${authorization}.SubjectAccessReviewSpec`]: { groups: atomic },
  [`${authorization}.FieldSelectorAttributes`]: { requirements: atomic },
  [`${authorization}.LabelSelectorAttributes`]: { requirements: atomic },
  [`${authentication}.TokenReviewSpec`]: { audiences: atomic },
  [`${authentication}.TokenReviewStatus`]: { audiences: atomic },
  [`${authentication}.UserInfo`]: { groups: atomic },
  [`${authentication}.TokenRequestSpec`]: { audiences: atomic },
};

/** Structs that server-side apply replaces whole (`+structType=atomic`). */
const atomicStructs = [
  `${meta}.LabelSelector`,
  `${meta}.OwnerReference`,
  `${core}.LocalObjectReference`,
  `${core}.ObjectReference`,
  `${core}.TypedLocalObjectReference`,
  `${core}.ConfigMapKeySelector`,
  `${core}.SecretKeySelector`,
  `${core}.ObjectFieldSelector`,
  `${core}.ResourceFieldSelector`,
  `${core}.NodeSelector`,
  `${core}.NodeSelectorTerm`,
  `${core}.EndpointAddress`,
  `${rbac}.RoleRef`,
];

const standardMetadata: Record<string, string> = {
  [`${meta}.ObjectMeta`]:
    "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  [`${meta}.ListMeta`]:
    'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

// ---------------------------------------------------------------------------------------------
// Reading client-node.
// ---------------------------------------------------------------------------------------------

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface Declaration {
  description: string | undefined;
  /** By TypeScript property name (`_default` for `default`). */
  fields: Map<string, { description: string | undefined; optional: boolean }>;
}

interface Model {
  className: string;
  attributes: Attribute[];
  declaration: Declaration;
}

function modelsDirectory(): string {
  const entry = createRequire(import.meta.url).resolve('@kubernetes/client-node');
  return join(dirname(entry), 'gen', 'models');
}

/** openapi-generator escapes JSDoc like a string literal and breaks up comment delimiters. */
function unescapeDoc(text: string): string {
  return text.replaceAll('*_/', '*/').replaceAll('/_*', '/*').replace(/\\(.)/g, '$1');
}

function parseDeclaration(source: string, className: string): Declaration {
  const classAt = source.indexOf(`export declare class ${className} {`);
  if (classAt < 0) throw new Error(`no class ${className} in its declaration file`);
  const docs = [...source.slice(0, classAt).matchAll(/\/\*\*\n([\s\S]*?)\*\//g)];
  const classDoc = docs.at(-1);
  const description =
    classDoc !== undefined && classDoc.index + classDoc[0].length + 1 >= classAt
      ? docText(classDoc[1] ?? '')
      : undefined;
  const fields: Declaration['fields'] = new Map();
  const body = source.slice(classAt);
  const field = /^(?: {4}\/\*\*\n((?: {4}\*.*\n)*?) {4}\*\/\n)? {4}'([^']+)'(\?)?:/gm;
  for (const match of body.matchAll(field)) {
    fields.set(match[2] ?? '', {
      description: match[1] === undefined ? undefined : docText(match[1]),
      optional: match[3] === '?',
    });
  }
  return { description, fields };
}

function docText(block: string): string | undefined {
  const text = block
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
  return text === '' ? undefined : unescapeDoc(text);
}

async function loadModels(): Promise<Map<string, Model>> {
  const directory = modelsDirectory();
  const exports = (await import(pathToFileURL(join(directory, 'all.js')).href)) as Record<string, unknown>;
  const models = new Map<string, Model>();
  for (const file of readdirSync(directory)) {
    if (!file.endsWith('.d.ts') || file === 'all.d.ts' || file === 'ObjectSerializer.d.ts') continue;
    const className = file.slice(0, -'.d.ts'.length);
    const attributes = (exports[className] as { attributeTypeMap?: Attribute[] } | undefined)
      ?.attributeTypeMap;
    if (attributes === undefined) continue;
    const declaration = parseDeclaration(readFileSync(join(directory, file), 'utf8'), className);
    models.set(className, { className, attributes, declaration });
  }
  return models;
}

/** The api classes' imports: the models each group-version's operations name. */
function modelsUsedByApi(apiClass: string): string[] {
  const source = readFileSync(join(modelsDirectory(), '..', 'apis', `${apiClass}.d.ts`), 'utf8');
  return [...source.matchAll(/from '\.\.\/models\/(\w+)\.js'/g)].map((m) => m[1] ?? '');
}

// ---------------------------------------------------------------------------------------------
// Types.
// ---------------------------------------------------------------------------------------------

type TypeExpression =
  | { kind: 'array'; items: TypeExpression }
  | { kind: 'map'; values: TypeExpression }
  | { kind: 'named'; name: string };

function parseType(type: string): TypeExpression {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { kind: 'array', items: parseType(array[1] ?? '') };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { kind: 'map', values: parseType(map[1] ?? '') };
  return { kind: 'named', name: type };
}

function namedTypes(type: TypeExpression): string[] {
  if (type.kind === 'array') return namedTypes(type.items);
  if (type.kind === 'map') return namedTypes(type.values);
  return [type.name];
}

const classNamePattern = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;

function splitClassName(
  className: string,
): { prefix: string | undefined; version: string; kind: string } | undefined {
  const match = classNamePattern.exec(className);
  if (!match) return undefined;
  return { prefix: match[1], version: (match[2] ?? '').toLowerCase(), kind: match[3] ?? '' };
}

// ---------------------------------------------------------------------------------------------
// Generation.
// ---------------------------------------------------------------------------------------------

class Generator {
  readonly #models: Map<string, Model>;
  readonly #coreClosure = new Set<string>();
  /** class name → component name, and back. */
  readonly #names = new Map<string, string>();
  readonly #classes = new Map<string, string>();
  readonly #components: SchemaComponents = {};

  constructor(models: Map<string, Model>) {
    this.#models = models;
    this.#computeCoreClosure();
  }

  /** Models reachable from CoreV1Api's models without leaving core/v1. */
  #computeCoreClosure(): void {
    const pending = modelsUsedByApi('CoreV1Api').filter((c) => this.#isCoreCandidate(c));
    while (pending.length > 0) {
      const className = pending.pop() ?? '';
      if (this.#coreClosure.has(className)) continue;
      this.#coreClosure.add(className);
      for (const attribute of this.#model(className).attributes) {
        for (const name of namedTypes(parseType(attribute.type))) {
          if (this.#models.has(name) && this.#isCoreCandidate(name)) pending.push(name);
        }
      }
    }
  }

  #isCoreCandidate(className: string): boolean {
    const parts = splitClassName(className);
    if (parts === undefined || parts.version !== 'v1' || explicitPackages[className] !== undefined)
      return false;
    return parts.prefix === undefined || parts.prefix === 'Core';
  }

  #model(className: string): Model {
    const model = this.#models.get(className);
    if (model === undefined) throw new Error(`client-node has no model ${className}`);
    return model;
  }

  /** The class client-node generated for a component name (`io.k8s.api.core.v1.Event` → CoreV1Event). */
  classOf(componentName: string): string {
    const dot = componentName.lastIndexOf('.');
    const kind = componentName.slice(dot + 1);
    const pkg = componentName.slice(0, dot);
    const version = pkg.slice(pkg.lastIndexOf('.') + 1);
    const bare = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
    const prefix = Object.entries(groupPrefixes).find(([, p]) => pkg === `${p}.${version}`)?.[0];
    const candidates = prefix === undefined ? [bare] : [`${prefix}${bare}`, bare];
    const found = candidates.find((c) => this.#models.has(c));
    if (found === undefined)
      throw new Error(`client-node has no model for ${componentName} (tried ${candidates.join(', ')})`);
    return found;
  }

  /** Names a class in the package `inherited` of the type that references it, unless it has its own. */
  #name(className: string, inherited: string): string {
    const known = this.#names.get(className);
    const parts = splitClassName(className);
    if (parts === undefined) throw new Error(`cannot parse class name ${className}`);
    let pkg = explicitPackages[className];
    if (pkg === undefined && parts.prefix !== undefined) {
      const group = groupPrefixes[parts.prefix];
      if (group === undefined) throw new Error(`no package for group prefix ${parts.prefix} (${className})`);
      pkg = `${group}.${parts.version}`;
    }
    if (pkg === undefined && this.#coreClosure.has(className)) pkg = core;
    pkg ??= inherited;
    if (!pkg.endsWith(`.${parts.version}`))
      throw new Error(`${className} reached from ${inherited} but is not ${parts.version}`);
    const name = `${pkg}.${parts.kind}`;
    if (known !== undefined && known !== name)
      throw new Error(`${className} is reached as both ${known} and ${name}`);
    const other = this.#classes.get(name);
    if (other !== undefined && other !== className)
      throw new Error(`${className} and ${other} both map to ${name}`);
    this.#names.set(className, name);
    this.#classes.set(name, className);
    return name;
  }

  addRoot(componentName: string, gvk?: { group: string; version: string; kind: string }): void {
    if (specialComponents[componentName] !== undefined) {
      this.#components[componentName] = specialComponents[componentName];
      return;
    }
    const className = this.classOf(componentName);
    const pkg = componentName.slice(0, componentName.lastIndexOf('.'));
    const name = this.#name(className, pkg);
    if (name !== componentName) throw new Error(`${className} maps to ${name}, not ${componentName}`);
    this.#build(className);
    const schema = this.#components[name];
    if (gvk !== undefined && schema !== undefined) schema['x-kubernetes-group-version-kind'] = [gvk];
  }

  #build(className: string): void {
    const name = this.#names.get(className) ?? '';
    if (this.#components[name] !== undefined) return;
    const model = this.#model(className);
    const schema: Schema = { type: 'object' };
    if (model.declaration.description !== undefined) schema.description = model.declaration.description;
    this.#components[name] = schema;
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    const pkg = name.slice(0, name.lastIndexOf('.'));
    for (const attribute of model.attributes) {
      const field = model.declaration.fields.get(attribute.name);
      if (field === undefined) throw new Error(`${className}.${attribute.name} has no declaration`);
      if (!field.optional) required.push(attribute.baseName);
      const context = `${name}.${attribute.baseName}`;
      const isQuantity = quantityFields[name]?.includes(attribute.baseName) ?? false;
      const property = this.#schemaOf(parseType(attribute.type), attribute.format, context, pkg, isQuantity);
      properties[attribute.baseName] = withDescription(property, field.description, this.#components);
    }
    schema.properties = sortKeys(properties);
    if (required.length > 0) schema.required = required;
  }

  #schemaOf(type: TypeExpression, format: string, context: string, pkg: string, isQuantity: boolean): Schema {
    if (type.kind === 'array')
      return { type: 'array', items: this.#schemaOf(type.items, format, context, pkg, isQuantity) };
    if (type.kind === 'map') {
      return {
        type: 'object',
        additionalProperties: this.#schemaOf(type.values, format, context, pkg, isQuantity),
      };
    }
    if (isQuantity) {
      if (type.name !== 'string') throw new Error(`${context} is listed as a quantity but is ${type.name}`);
      return this.#ref(quantity);
    }
    switch (type.name) {
      case 'string':
        return format === '' ? { type: 'string' } : { type: 'string', format };
      case 'boolean':
        return { type: 'boolean' };
      case 'number':
        if (format === 'int32' || format === 'int64') return { type: 'integer', format };
        return format === '' ? { type: 'number' } : { type: 'number', format };
      case 'Date':
        return this.#ref(time);
      case 'V1MicroTime':
        return this.#ref(microTime);
      case 'IntOrString':
        return this.#ref(intOrString);
      case 'any': {
        const target = anyFields[context];
        if (target === undefined)
          throw new Error(`${context} is typed any and anyFields does not say what it is`);
        return this.#ref(target);
      }
    }
    const name = this.#name(type.name, pkg);
    this.#build(type.name);
    return { $ref: `${refPrefix}${name}` };
  }

  #ref(special: string): Schema {
    const schema = specialComponents[special];
    if (schema === undefined) throw new Error(`no special component ${special}`);
    this.#components[special] = schema;
    return { $ref: `${refPrefix}${special}` };
  }

  /** Applies the marker tables, failing on any entry that names nothing. */
  #applyMarkers(): void {
    for (const [name, fields] of Object.entries(fieldMarkers)) {
      const schema = this.#components[name];
      if (schema === undefined) throw new Error(`fieldMarkers names ${name}, which is not generated`);
      for (const [field, markers] of Object.entries(fields)) {
        const property = schema.properties?.[field];
        if (property === undefined)
          throw new Error(`fieldMarkers names ${name}.${field}, which does not exist`);
        const listMarkers =
          markers['x-kubernetes-list-type'] !== undefined ||
          markers['x-kubernetes-patch-merge-key'] !== undefined;
        const mapMarkers = markers['x-kubernetes-map-type'] !== undefined;
        if (property.type === 'array' ? mapMarkers : listMarkers) {
          throw new Error(`fieldMarkers gives ${name}.${field} markers of the wrong shape`);
        }
        if (property.$ref !== undefined) {
          property.allOf = [{ $ref: property.$ref }];
          delete property.$ref;
        }
        Object.assign(property, markers);
      }
    }
    for (const name of atomicStructs) {
      const schema = this.#components[name];
      if (schema === undefined) throw new Error(`atomicStructs names ${name}, which is not generated`);
      schema['x-kubernetes-map-type'] = 'atomic';
    }
    for (const [name, fields] of Object.entries(quantityFields)) {
      for (const field of fields) {
        if (this.#components[name]?.properties?.[field] === undefined)
          throw new Error(`quantityFields names ${name}.${field}, which does not exist`);
      }
    }
  }

  result(): SchemaComponents {
    this.#applyMarkers();
    const out: SchemaComponents = {};
    for (const name of Object.keys(this.#components).sort())
      out[name] = canonical(this.#components[name] ?? {});
    return out;
  }
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * A field's schema with its description. A reference with siblings is written `allOf: [{$ref}]`, as
 * the Kubernetes v3 spec writes it (OpenAPI 3.0 ignores siblings of `$ref`).
 */
function withDescription(
  schema: Schema,
  description: string | undefined,
  components: SchemaComponents,
): Schema {
  if (schema.$ref === undefined) return description === undefined ? schema : { ...schema, description };
  const target = schema.$ref.slice(refPrefix.length);
  const text = description ?? standardMetadata[target] ?? components[target]?.description;
  return text === undefined ? schema : { allOf: [{ $ref: schema.$ref }], description: text };
}

const keyOrder = [
  '$ref',
  'allOf',
  'description',
  'type',
  'format',
  'oneOf',
  'properties',
  'additionalProperties',
  'items',
  'required',
];

/** Deterministic key order: the usual keys first, then the x- markers alphabetically; nested too. */
function canonical(schema: Schema): Schema {
  const entries = Object.entries(schema).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => {
    const ia = keyOrder.indexOf(a);
    const ib = keyOrder.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? keyOrder.length : ia) - (ib < 0 ? keyOrder.length : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (key === 'properties')
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, canonical(v)]),
      );
    else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object')
      out[key] = canonical(value as Schema);
    else if (key === 'allOf' || key === 'oneOf') out[key] = (value as Schema[]).map(canonical);
    else out[key] = value;
  }
  return out;
}

/** Every component reachable from builtinResources, their lists, and what the API documents need. */
export async function generateBuiltinComponents(): Promise<SchemaComponents> {
  const generator = new Generator(await loadModels());
  for (const type of builtinResources) {
    if (type.schemaName === undefined) continue;
    const pkg = type.schemaName.slice(0, type.schemaName.lastIndexOf('.'));
    const { group, version } = type;
    generator.addRoot(type.schemaName, { group, version, kind: type.kind });
    if (!type.virtual) generator.addRoot(`${pkg}.${type.listKind}`, { group, version, kind: type.listKind });
  }
  generator.addRoot(`${meta}.Status`, { group: '', version: 'v1', kind: 'Status' });
  generator.addRoot('io.k8s.api.autoscaling.v1.Scale', {
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
  });
  generator.addRoot(`${authentication}.TokenRequest`, {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'TokenRequest',
  });
  for (const name of [...extraRoots, `${meta}.Patch`]) generator.addRoot(name);
  return generator.result();
}

async function main(): Promise<void> {
  const text = `${JSON.stringify(await generateBuiltinComponents(), null, 2)}\n`;
  writeGenerated(
    outputPath,
    text,
    process.argv.includes('--check'),
    'node --import tsx scripts/generate-builtin-schemas.ts',
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
