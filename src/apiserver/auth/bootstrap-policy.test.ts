import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { RbacAuthorizer, nonResourceRequest, type RequestAttributes, type UserInfo } from './authorizer.ts';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapPolicy } from './bootstrap-policy.ts';

const authenticated: UserInfo = { name: 'alice', groups: ['system:authenticated'] };
const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

function path(user: UserInfo, urlPath: string, verb = 'get'): RequestAttributes {
  return nonResourceRequest(user, verb, urlPath);
}

function create(user: UserInfo, apiGroup: string, resource: string): RequestAttributes {
  return {
    user,
    verb: 'create',
    resourceRequest: true,
    apiGroup,
    resource,
    subresource: '',
    namespace: '',
    name: '',
    path: '',
  };
}

describe('bootstrap policy', () => {
  it('labels and annotates every object as Kubernetes does', () => {
    for (const object of [...bootstrapClusterRoles(), ...bootstrapClusterRoleBindings()]) {
      assert.equal(object.apiVersion, 'rbac.authorization.k8s.io/v1');
      assert.equal(
        object.metadata.labels?.['kubernetes.io/bootstrapping'],
        'rbac-defaults',
        object.metadata.name,
      );
      assert.deepEqual(object.metadata.annotations, {
        'rbac.authorization.kubernetes.io/autoupdate': 'true',
      });
    }
  });

  it('has the user-facing roles with their aggregation labels and selectors', () => {
    const roles = new Map(bootstrapClusterRoles().map((role) => [role.metadata.name, role]));
    for (const name of [
      'cluster-admin',
      'admin',
      'edit',
      'view',
      'system:discovery',
      'system:basic-user',
      'system:public-info-viewer',
    ]) {
      assert.ok(roles.has(name), name);
    }
    assert.deepEqual(roles.get('admin')?.['aggregationRule'], {
      clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }],
    });
    assert.equal(
      roles.get('edit')?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-admin'],
      'true',
    );
    assert.equal(roles.get('view')?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
    assert.deepEqual(roles.get('cluster-admin')?.['rules'], [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ]);
    assert.deepEqual(roles.get('system:basic-user')?.['rules'], [
      {
        verbs: ['create'],
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ]);
  });

  it('binds the system roles to the groups Kubernetes binds them to', () => {
    const subjects = Object.fromEntries(
      bootstrapClusterRoleBindings().map((binding) => [
        binding.metadata.name,
        (binding['subjects'] as Array<{ kind: string; name: string }>).map((s) => `${s.kind}:${s.name}`),
      ]),
    );
    assert.deepEqual(subjects['cluster-admin'], ['Group:system:masters']);
    assert.deepEqual(subjects['system:discovery'], ['Group:system:authenticated']);
    assert.deepEqual(subjects['system:basic-user'], ['Group:system:authenticated']);
    assert.deepEqual(subjects['system:public-info-viewer'], [
      'Group:system:authenticated',
      'Group:system:unauthenticated',
    ]);
  });

  it('lets any authenticated user discover the API and review itself, and anonymous users only see health and version', () => {
    const authorizer = new RbacAuthorizer(bootstrapPolicy(), { privilegedGroups: [] });
    assert.equal(authorizer.authorize(path(authenticated, '/apis/apps/v1')).allowed, true);
    assert.equal(authorizer.authorize(path(authenticated, '/openapi/v3')).allowed, true);
    assert.equal(authorizer.authorize(path(authenticated, '/metrics')).allowed, false);
    assert.equal(
      authorizer.authorize(create(authenticated, 'authorization.k8s.io', 'selfsubjectaccessreviews')).allowed,
      true,
    );
    assert.equal(
      authorizer.authorize(create(authenticated, 'authentication.k8s.io', 'selfsubjectreviews')).allowed,
      true,
    );
    assert.equal(
      authorizer.authorize(create(authenticated, 'authorization.k8s.io', 'subjectaccessreviews')).allowed,
      false,
    );

    assert.equal(authorizer.authorize(path(anonymous, '/version')).allowed, true);
    assert.equal(authorizer.authorize(path(anonymous, '/readyz')).allowed, true);
    assert.equal(authorizer.authorize(path(anonymous, '/api')).allowed, false);
    assert.equal(
      authorizer.authorize(create(anonymous, 'authorization.k8s.io', 'selfsubjectaccessreviews')).allowed,
      false,
    );
  });

  it('gives system:masters everything through the cluster-admin binding alone', () => {
    const authorizer = new RbacAuthorizer(bootstrapPolicy(), { privilegedGroups: [] });
    const admin: UserInfo = { name: 'keelson-admin', groups: ['system:masters', 'system:authenticated'] };
    assert.deepEqual(authorizer.authorize(create(admin, 'apps', 'deployments')), {
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    });
    assert.equal(authorizer.authorize(path(admin, '/metrics')).allowed, true);
  });

  it('returns fresh objects on every call', () => {
    const first = bootstrapClusterRoles();
    first[0]!.metadata.name = 'changed';
    assert.notEqual(bootstrapClusterRoles()[0]?.metadata.name, 'changed');
  });
});
