/**
 * The RBAC objects a fresh cluster has, copied from Kubernetes' bootstrap policy
 * (plugin/pkg/auth/authorizer/rbac/bootstrappolicy, testdata/cluster-roles.yaml): the user-facing
 * roles cluster-admin, admin, edit and view, the aggregate-to-* roles that feed them, and the
 * system roles every client relies on for discovery, health checks and `kubectl auth`.
 *
 * Controller and node roles are left out: Keelson runs no kube-controller-manager, scheduler or
 * kubelet that would use them.
 */

import type { KubeObject } from '../../api/meta.ts';
import { aggregateClusterRoles, type RbacObjects } from './authorizer.ts';

const rbacApiVersion = 'rbac.authorization.k8s.io/v1';
const rbacGroup = 'rbac.authorization.k8s.io';

/** The label and annotation Kubernetes puts on every bootstrap RBAC object. */
export const bootstrapLabels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;
export const bootstrapAnnotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } as const;

export const aggregateToAdminLabel = 'rbac.authorization.k8s.io/aggregate-to-admin';
export const aggregateToEditLabel = 'rbac.authorization.k8s.io/aggregate-to-edit';
export const aggregateToViewLabel = 'rbac.authorization.k8s.io/aggregate-to-view';

/** A rule as a Role writes it: lists that are empty may be left out. */
export interface Rule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const read = ['get', 'list', 'watch'];
const write = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const readWrite = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceRule(verbs: string[], apiGroups: string[], resources: string[]): Rule {
  return { verbs, apiGroups, resources };
}

function urlRule(verbs: string[], nonResourceURLs: string[]): Rule {
  return { verbs, nonResourceURLs };
}

function clusterRole(
  name: string,
  rules: Rule[],
  extra: { labels?: Record<string, string>; aggregateLabel?: string } = {},
): KubeObject {
  const role: KubeObject = {
    apiVersion: rbacApiVersion,
    kind: 'ClusterRole',
    metadata: {
      name,
      labels: { ...bootstrapLabels, ...extra.labels },
      annotations: { ...bootstrapAnnotations },
    },
    rules,
  };
  if (extra.aggregateLabel !== undefined) {
    role['aggregationRule'] = { clusterRoleSelectors: [{ matchLabels: { [extra.aggregateLabel]: 'true' } }] };
  }
  return role;
}

function clusterRoleBinding(roleName: string, groups: string[]): KubeObject {
  return {
    apiVersion: rbacApiVersion,
    kind: 'ClusterRoleBinding',
    metadata: {
      name: roleName,
      labels: { ...bootstrapLabels },
      annotations: { ...bootstrapAnnotations },
    },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: roleName },
    subjects: groups.map((name) => ({ kind: 'Group', apiGroup: rbacGroup, name })),
  };
}

function aggregateToAdminRules(): Rule[] {
  return [
    resourceRule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
    resourceRule(readWrite, [rbacGroup], ['rolebindings', 'roles']),
  ];
}

function aggregateToEditRules(): Rule[] {
  return [
    resourceRule(
      read,
      [''],
      ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'],
    ),
    resourceRule(['impersonate'], [''], ['serviceaccounts']),
    resourceRule(write, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
    resourceRule(['create'], [''], ['pods/eviction']),
    resourceRule(
      write,
      [''],
      [
        'configmaps',
        'events',
        'persistentvolumeclaims',
        'replicationcontrollers',
        'replicationcontrollers/scale',
        'secrets',
        'serviceaccounts',
        'services',
        'services/proxy',
      ],
    ),
    resourceRule(['create'], [''], ['serviceaccounts/token']),
    resourceRule(
      write,
      ['apps'],
      [
        'daemonsets',
        'deployments',
        'deployments/rollback',
        'deployments/scale',
        'replicasets',
        'replicasets/scale',
        'statefulsets',
        'statefulsets/scale',
      ],
    ),
    resourceRule(write, ['autoscaling'], ['horizontalpodautoscalers']),
    resourceRule(write, ['batch'], ['cronjobs', 'jobs']),
    resourceRule(
      write,
      ['extensions'],
      [
        'daemonsets',
        'deployments',
        'deployments/rollback',
        'deployments/scale',
        'ingresses',
        'networkpolicies',
        'replicasets',
        'replicasets/scale',
        'replicationcontrollers/scale',
      ],
    ),
    resourceRule(write, ['policy'], ['poddisruptionbudgets']),
    resourceRule(write, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
    resourceRule(readWrite, ['coordination.k8s.io'], ['leases']),
  ];
}

function aggregateToViewRules(): Rule[] {
  return [
    resourceRule(
      read,
      [''],
      [
        'configmaps',
        'endpoints',
        'persistentvolumeclaims',
        'persistentvolumeclaims/status',
        'pods',
        'replicationcontrollers',
        'replicationcontrollers/scale',
        'serviceaccounts',
        'services',
        'services/status',
      ],
    ),
    resourceRule(
      read,
      [''],
      [
        'bindings',
        'events',
        'limitranges',
        'namespaces/status',
        'pods/log',
        'pods/status',
        'replicationcontrollers/status',
        'resourcequotas',
        'resourcequotas/status',
      ],
    ),
    resourceRule(read, [''], ['namespaces']),
    resourceRule(read, ['discovery.k8s.io'], ['endpointslices']),
    resourceRule(
      read,
      ['apps'],
      [
        'controllerrevisions',
        'daemonsets',
        'daemonsets/status',
        'deployments',
        'deployments/scale',
        'deployments/status',
        'replicasets',
        'replicasets/scale',
        'replicasets/status',
        'statefulsets',
        'statefulsets/scale',
        'statefulsets/status',
      ],
    ),
    resourceRule(read, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    resourceRule(read, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
    resourceRule(
      read,
      ['extensions'],
      [
        'daemonsets',
        'daemonsets/status',
        'deployments',
        'deployments/scale',
        'deployments/status',
        'ingresses',
        'ingresses/status',
        'networkpolicies',
        'replicasets',
        'replicasets/scale',
        'replicasets/status',
        'replicationcontrollers/scale',
      ],
    ),
    resourceRule(read, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    resourceRule(read, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
  ];
}

/**
 * The bootstrap ClusterRoles, sorted by name as Kubernetes lists them. admin, edit and view carry
 * their aggregationRule and, like on a running cluster, the rules the aggregation controller
 * would have filled in; call `aggregateClusterRoles` again when other ClusterRoles change.
 */
export function bootstrapClusterRoles(): KubeObject[] {
  const roles = [
    clusterRole('admin', [], { aggregateLabel: aggregateToAdminLabel }),
    clusterRole('cluster-admin', [resourceRule(['*'], ['*'], ['*']), urlRule(['*'], ['*'])]),
    clusterRole('edit', [], {
      labels: { [aggregateToAdminLabel]: 'true' },
      aggregateLabel: aggregateToEditLabel,
    }),
    clusterRole('system:aggregate-to-admin', aggregateToAdminRules(), {
      labels: { [aggregateToAdminLabel]: 'true' },
    }),
    clusterRole('system:aggregate-to-edit', aggregateToEditRules(), {
      labels: { [aggregateToEditLabel]: 'true' },
    }),
    clusterRole('system:aggregate-to-view', aggregateToViewRules(), {
      labels: { [aggregateToViewLabel]: 'true' },
    }),
    clusterRole('system:basic-user', [
      resourceRule(
        ['create'],
        ['authorization.k8s.io'],
        ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      ),
      resourceRule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    clusterRole('system:discovery', [
      urlRule(
        ['get'],
        [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
      ),
    ]),
    clusterRole('system:monitoring', [
      urlRule(
        ['get'],
        ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'],
      ),
    ]),
    clusterRole('system:public-info-viewer', [
      urlRule(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/']),
    ]),
    clusterRole('system:service-account-issuer-discovery', [
      urlRule(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks']),
    ]),
    clusterRole('view', [], {
      labels: { [aggregateToEditLabel]: 'true' },
      aggregateLabel: aggregateToViewLabel,
    }),
  ];
  return aggregateClusterRoles(roles);
}

/** The bootstrap ClusterRoleBindings, each named after the ClusterRole it binds. */
export function bootstrapClusterRoleBindings(): KubeObject[] {
  return [
    clusterRoleBinding('cluster-admin', ['system:masters']),
    clusterRoleBinding('system:basic-user', ['system:authenticated']),
    clusterRoleBinding('system:discovery', ['system:authenticated']),
    clusterRoleBinding('system:monitoring', ['system:monitoring']),
    clusterRoleBinding('system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
    clusterRoleBinding('system:service-account-issuer-discovery', ['system:serviceaccounts']),
  ];
}

/** Everything above in the shape the authorizer takes, for a server that has not stored RBAC yet. */
export function bootstrapPolicy(): RbacObjects {
  return {
    roles: [],
    roleBindings: [],
    clusterRoles: bootstrapClusterRoles(),
    clusterRoleBindings: bootstrapClusterRoleBindings(),
  };
}
