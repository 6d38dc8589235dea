/**
 * The resource model of the API server: what each resource is called, where it is served and which
 * verbs and subresources it has. Built-in kinds are listed here; CRDs produce the same shape.
 */

export const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: {
    status?: boolean;
    scale?: ScaleSubresource;
    /** pods/log, served by the embedded node. */
    log?: boolean;
    /** serviceaccounts/token (TokenRequest). */
    token?: boolean;
    /** pods/binding, used by schedulers. */
    binding?: boolean;
  };
  /** Name of the schema in the built-in components (`io.k8s.api.apps.v1.Deployment`); absent for CRDs. */
  schemaName?: string;
  /** Only `create` is served: reviews and requests that are never stored. */
  virtual?: boolean;
}

interface Entry {
  kind: string;
  plural: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  status?: boolean;
  scale?: boolean;
  log?: boolean;
  token?: boolean;
  binding?: boolean;
  virtual?: boolean;
  schemaPackage: string;
}

const all = ['all'];
const replicasScale: ScaleSubresource = {
  specReplicasPath: '.spec.replicas',
  statusReplicasPath: '.status.replicas',
  labelSelectorPath: '.status.selector',
};

const groups: Array<{ group: string; version: string; entries: Entry[] }> = [
  {
    group: '',
    version: 'v1',
    entries: [
      {
        kind: 'Namespace',
        plural: 'namespaces',
        namespaced: false,
        shortNames: ['ns'],
        status: true,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        schemaPackage: 'io.k8s.api.core.v1',
      },
      { kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'], schemaPackage: 'io.k8s.api.core.v1' },
      { kind: 'Secret', plural: 'secrets', schemaPackage: 'io.k8s.api.core.v1' },
      {
        kind: 'Service',
        plural: 'services',
        shortNames: ['svc'],
        categories: all,
        status: true,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        schemaPackage: 'io.k8s.api.core.v1',
      },
      {
        kind: 'ServiceAccount',
        plural: 'serviceaccounts',
        shortNames: ['sa'],
        token: true,
        schemaPackage: 'io.k8s.api.core.v1',
      },
      {
        kind: 'Pod',
        plural: 'pods',
        shortNames: ['po'],
        categories: all,
        status: true,
        log: true,
        binding: true,
        schemaPackage: 'io.k8s.api.core.v1',
      },
      { kind: 'Event', plural: 'events', shortNames: ['ev'], schemaPackage: 'io.k8s.api.core.v1' },
      { kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'], schemaPackage: 'io.k8s.api.core.v1' },
      {
        kind: 'Node',
        plural: 'nodes',
        namespaced: false,
        shortNames: ['no'],
        status: true,
        schemaPackage: 'io.k8s.api.core.v1',
      },
      {
        kind: 'PersistentVolumeClaim',
        plural: 'persistentvolumeclaims',
        shortNames: ['pvc'],
        status: true,
        schemaPackage: 'io.k8s.api.core.v1',
      },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    entries: [
      {
        kind: 'Deployment',
        plural: 'deployments',
        shortNames: ['deploy'],
        categories: all,
        status: true,
        scale: true,
        schemaPackage: 'io.k8s.api.apps.v1',
      },
      {
        kind: 'ReplicaSet',
        plural: 'replicasets',
        shortNames: ['rs'],
        categories: all,
        status: true,
        scale: true,
        schemaPackage: 'io.k8s.api.apps.v1',
      },
      {
        kind: 'StatefulSet',
        plural: 'statefulsets',
        shortNames: ['sts'],
        categories: all,
        status: true,
        scale: true,
        schemaPackage: 'io.k8s.api.apps.v1',
      },
      {
        kind: 'DaemonSet',
        plural: 'daemonsets',
        shortNames: ['ds'],
        categories: all,
        status: true,
        schemaPackage: 'io.k8s.api.apps.v1',
      },
      { kind: 'ControllerRevision', plural: 'controllerrevisions', schemaPackage: 'io.k8s.api.apps.v1' },
    ],
  },
  {
    group: 'batch',
    version: 'v1',
    entries: [
      { kind: 'Job', plural: 'jobs', categories: all, status: true, schemaPackage: 'io.k8s.api.batch.v1' },
      {
        kind: 'CronJob',
        plural: 'cronjobs',
        shortNames: ['cj'],
        categories: all,
        status: true,
        schemaPackage: 'io.k8s.api.batch.v1',
      },
    ],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    entries: [
      {
        kind: 'Ingress',
        plural: 'ingresses',
        shortNames: ['ing'],
        status: true,
        schemaPackage: 'io.k8s.api.networking.v1',
      },
    ],
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    entries: [
      { kind: 'Role', plural: 'roles', schemaPackage: 'io.k8s.api.rbac.v1' },
      { kind: 'RoleBinding', plural: 'rolebindings', schemaPackage: 'io.k8s.api.rbac.v1' },
      { kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, schemaPackage: 'io.k8s.api.rbac.v1' },
      {
        kind: 'ClusterRoleBinding',
        plural: 'clusterrolebindings',
        namespaced: false,
        schemaPackage: 'io.k8s.api.rbac.v1',
      },
    ],
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    entries: [{ kind: 'Lease', plural: 'leases', schemaPackage: 'io.k8s.api.coordination.v1' }],
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    entries: [
      {
        kind: 'CustomResourceDefinition',
        plural: 'customresourcedefinitions',
        namespaced: false,
        shortNames: ['crd', 'crds'],
        categories: ['api-extensions'],
        status: true,
        schemaPackage: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
      },
    ],
  },
  {
    group: 'autoscaling',
    version: 'v2',
    entries: [
      {
        kind: 'HorizontalPodAutoscaler',
        plural: 'horizontalpodautoscalers',
        shortNames: ['hpa'],
        categories: all,
        status: true,
        schemaPackage: 'io.k8s.api.autoscaling.v2',
      },
    ],
  },
  {
    group: 'policy',
    version: 'v1',
    entries: [
      {
        kind: 'PodDisruptionBudget',
        plural: 'poddisruptionbudgets',
        shortNames: ['pdb'],
        status: true,
        schemaPackage: 'io.k8s.api.policy.v1',
      },
    ],
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    entries: [{ kind: 'Event', plural: 'events', shortNames: ['ev'], schemaPackage: 'io.k8s.api.events.v1' }],
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    entries: [
      {
        kind: 'SelfSubjectAccessReview',
        plural: 'selfsubjectaccessreviews',
        namespaced: false,
        verbs: ['create'],
        virtual: true,
        schemaPackage: 'io.k8s.api.authorization.v1',
      },
      {
        kind: 'SubjectAccessReview',
        plural: 'subjectaccessreviews',
        namespaced: false,
        verbs: ['create'],
        virtual: true,
        schemaPackage: 'io.k8s.api.authorization.v1',
      },
      {
        kind: 'LocalSubjectAccessReview',
        plural: 'localsubjectaccessreviews',
        verbs: ['create'],
        virtual: true,
        schemaPackage: 'io.k8s.api.authorization.v1',
      },
      {
        kind: 'SelfSubjectRulesReview',
        plural: 'selfsubjectrulesreviews',
        namespaced: false,
        verbs: ['create'],
        virtual: true,
        schemaPackage: 'io.k8s.api.authorization.v1',
      },
    ],
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    entries: [
      {
        kind: 'TokenReview',
        plural: 'tokenreviews',
        namespaced: false,
        verbs: ['create'],
        virtual: true,
        schemaPackage: 'io.k8s.api.authentication.v1',
      },
      {
        kind: 'SelfSubjectReview',
        plural: 'selfsubjectreviews',
        namespaced: false,
        verbs: ['create'],
        virtual: true,
        schemaPackage: 'io.k8s.api.authentication.v1',
      },
    ],
  },
];

function singularOf(kind: string): string {
  return kind.toLowerCase();
}

/** Every built-in resource type, in discovery order. */
export const builtinResources: readonly ResourceType[] = groups.flatMap(({ group, version, entries }) =>
  entries.map((e): ResourceType => {
    const subresources: ResourceType['subresources'] = {};
    if (e.status) subresources.status = true;
    if (e.scale) subresources.scale = replicasScale;
    if (e.log) subresources.log = true;
    if (e.token) subresources.token = true;
    if (e.binding) subresources.binding = true;
    const type: ResourceType = {
      group,
      version,
      kind: e.kind,
      listKind: `${e.kind}List`,
      plural: e.plural,
      singular: singularOf(e.kind),
      namespaced: e.namespaced ?? true,
      shortNames: e.shortNames ?? [],
      categories: e.categories ?? [],
      verbs: e.verbs ?? allVerbs,
      subresources,
      schemaName: `${e.schemaPackage}.${e.kind}`,
    };
    if (e.virtual) type.virtual = true;
    return type;
  }),
);

/** `deployments.apps`, `pods` for the core group. */
export function groupResource(type: Pick<ResourceType, 'plural' | 'group'>): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}
