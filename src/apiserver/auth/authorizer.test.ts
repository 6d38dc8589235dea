import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../api/meta.ts';
import {
  RbacAuthorizer,
  aggregateClusterRoles,
  authorize,
  forbiddenError,
  forbiddenMessage,
  goQuote,
  readRules,
  type RbacObjects,
  type RequestAttributes,
  type UserInfo,
} from './authorizer.ts';
import { bootstrapPolicy, type Rule } from './bootstrap-policy.ts';

type SubjectSpec = { kind: 'User' | 'Group' | 'ServiceAccount'; name: string; namespace?: string };

function clusterRole(
  name: string,
  rules: Rule[],
  labels: Record<string, string> = {},
  aggregationRule?: unknown,
): KubeObject {
  const role: KubeObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels },
    rules,
  };
  if (aggregationRule !== undefined) role['aggregationRule'] = aggregationRule;
  return role;
}

function role(namespace: string, name: string, rules: Rule[]): KubeObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { namespace, name }, rules };
}

function clusterRoleBinding(name: string, roleName: string, subjects: SubjectSpec[]): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects,
  };
}

function roleBinding(
  namespace: string,
  name: string,
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string },
  subjects: SubjectSpec[],
): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { namespace, name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
    subjects,
  };
}

function rbac(objects: Partial<RbacObjects>): RbacObjects {
  return { roles: [], roleBindings: [], clusterRoles: [], clusterRoleBindings: [], ...objects };
}

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

function request(overrides: Partial<RequestAttributes> = {}): RequestAttributes {
  return {
    user: alice,
    verb: 'get',
    resourceRequest: true,
    apiGroup: '',
    resource: 'pods',
    subresource: '',
    namespace: 'default',
    name: '',
    path: '/api/v1/namespaces/default/pods',
    ...overrides,
  };
}

function nonResource(path: string, verb = 'get', user: UserInfo = alice): RequestAttributes {
  return request({ user, verb, path, resourceRequest: false, resource: '', namespace: '' });
}

/** An authorizer granting `rules` to alice everywhere through a ClusterRoleBinding. */
function grantingAlice(rules: Rule[]): RbacAuthorizer {
  return new RbacAuthorizer(
    rbac({
      clusterRoles: [clusterRole('r', rules)],
      clusterRoleBindings: [clusterRoleBinding('b', 'r', [{ kind: 'User', name: 'alice' }])],
    }),
  );
}

describe('rule matching', () => {
  it('honours * in verbs, apiGroups, resources and nonResourceURLs', () => {
    const authorizer = grantingAlice([
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ]);
    assert.equal(
      authorizer.authorize(request({ verb: 'deletecollection', apiGroup: 'apps', resource: 'deployments' }))
        .allowed,
      true,
    );
    assert.equal(
      authorizer.authorize(request({ resource: 'pods', subresource: 'exec', verb: 'create' })).allowed,
      true,
    );
    assert.equal(
      authorizer.authorize(request({ namespace: '', resource: 'nodes', verb: 'list' })).allowed,
      true,
    );
    assert.equal(authorizer.authorize(nonResource('/metrics', 'post')).allowed, true);
  });

  it('requires verb, group and resource to match together', () => {
    const authorizer = grantingAlice([
      { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments'] },
    ]);
    assert.equal(authorizer.authorize(request({ apiGroup: 'apps', resource: 'deployments' })).allowed, true);
    assert.equal(
      authorizer.authorize(request({ apiGroup: 'apps', resource: 'deployments', verb: 'delete' })).allowed,
      false,
    );
    assert.equal(authorizer.authorize(request({ apiGroup: '', resource: 'deployments' })).allowed, false);
    assert.equal(
      authorizer.authorize(request({ apiGroup: 'apps', resource: 'statefulsets' })).allowed,
      false,
    );
  });

  it('does not let resource rules grant paths or URL rules grant resources', () => {
    const authorizer = grantingAlice([
      { verbs: ['get'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['list'], nonResourceURLs: ['*'] },
    ]);
    assert.equal(authorizer.authorize(nonResource('/version', 'get')).allowed, false);
    assert.equal(authorizer.authorize(request({ verb: 'list' })).allowed, false);
  });

  it('limits a rule with resourceNames to those names, so it never grants list', () => {
    const authorizer = grantingAlice([
      {
        verbs: ['get', 'list', 'update'],
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['settings'],
      },
    ]);
    assert.equal(authorizer.authorize(request({ resource: 'configmaps', name: 'settings' })).allowed, true);
    assert.equal(
      authorizer.authorize(request({ resource: 'configmaps', name: 'other', verb: 'update' })).allowed,
      false,
    );
    assert.equal(
      authorizer.authorize(request({ resource: 'configmaps', name: '', verb: 'list' })).allowed,
      false,
    );
  });

  it('treats resource/subresource as its own resource, with */subresource matching any resource', () => {
    const authorizer = grantingAlice([
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
      { verbs: ['update'], apiGroups: ['*'], resources: ['*/scale'] },
    ]);
    assert.equal(authorizer.authorize(request({ name: 'web' })).allowed, true);
    assert.equal(authorizer.authorize(request({ name: 'web', subresource: 'log' })).allowed, true);
    assert.equal(authorizer.authorize(request({ name: 'web', subresource: 'exec' })).allowed, false);
    assert.equal(authorizer.authorize(request({ name: 'web', subresource: 'status' })).allowed, false);
    assert.equal(
      authorizer.authorize(
        request({ verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }),
      ).allowed,
      true,
    );
    assert.equal(
      authorizer.authorize(request({ verb: 'update', apiGroup: 'apps', resource: 'deployments' })).allowed,
      false,
    );
    assert.equal(
      authorizer.authorize(
        request({ verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'status' }),
      ).allowed,
      false,
    );
  });

  it('matches non-resource URLs exactly or by a trailing * prefix', () => {
    const authorizer = grantingAlice([
      { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*', '/logs*'] },
    ]);
    assert.equal(authorizer.authorize(nonResource('/healthz')).allowed, true);
    assert.equal(authorizer.authorize(nonResource('/healthz/etcd')).allowed, false);
    assert.equal(authorizer.authorize(nonResource('/apis/apps/v1')).allowed, true);
    assert.equal(authorizer.authorize(nonResource('/apis')).allowed, false);
    assert.equal(authorizer.authorize(nonResource('/logs')).allowed, true);
    assert.equal(authorizer.authorize(nonResource('/logsmore/x')).allowed, true);
    assert.equal(authorizer.authorize(nonResource('/healthz', 'post')).allowed, false);
  });
});

describe('bindings', () => {
  const podReader = clusterRole('pod-reader', [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
  ]);

  it('grants a ClusterRoleBinding in every namespace and at the cluster scope', () => {
    const authorizer = new RbacAuthorizer(
      rbac({
        clusterRoles: [podReader],
        clusterRoleBindings: [
          clusterRoleBinding('read-pods', 'pod-reader', [{ kind: 'User', name: 'alice' }]),
        ],
      }),
    );
    assert.equal(authorizer.authorize(request({ namespace: 'a' })).allowed, true);
    assert.equal(authorizer.authorize(request({ namespace: 'b', verb: 'list' })).allowed, true);
    assert.equal(authorizer.authorize(request({ namespace: '', verb: 'list' })).allowed, true);
    assert.equal(authorizer.authorize(request({ user: { name: 'bob', groups: [] } })).allowed, false);
  });

  it('scopes a RoleBinding to a ClusterRole to the binding namespace', () => {
    const authorizer = new RbacAuthorizer(
      rbac({
        clusterRoles: [podReader],
        roleBindings: [
          roleBinding('team-a', 'read-pods', { kind: 'ClusterRole', name: 'pod-reader' }, [
            { kind: 'User', name: 'alice' },
          ]),
        ],
      }),
    );
    assert.equal(authorizer.authorize(request({ namespace: 'team-a', verb: 'list' })).allowed, true);
    assert.equal(authorizer.authorize(request({ namespace: 'team-b', verb: 'list' })).allowed, false);
    assert.equal(authorizer.authorize(request({ namespace: '', verb: 'list' })).allowed, false);
  });

  it('resolves a RoleBinding to the Role of its own namespace only', () => {
    const authorizer = new RbacAuthorizer(
      rbac({
        roles: [
          role('team-a', 'editor', [{ verbs: ['create'], apiGroups: [''], resources: ['configmaps'] }]),
          role('team-b', 'editor', [{ verbs: ['delete'], apiGroups: [''], resources: ['configmaps'] }]),
        ],
        roleBindings: [
          roleBinding('team-a', 'edit', { kind: 'Role', name: 'editor' }, [{ kind: 'User', name: 'alice' }]),
        ],
      }),
    );
    assert.equal(
      authorizer.authorize(request({ namespace: 'team-a', resource: 'configmaps', verb: 'create' })).allowed,
      true,
    );
    assert.equal(
      authorizer.authorize(request({ namespace: 'team-a', resource: 'configmaps', verb: 'delete' })).allowed,
      false,
    );
    assert.equal(
      authorizer.authorize(request({ namespace: 'team-b', resource: 'configmaps', verb: 'delete' })).allowed,
      false,
    );
  });

  it('matches Group subjects against the user groups', () => {
    const authorizer = new RbacAuthorizer(
      rbac({
        clusterRoles: [podReader],
        clusterRoleBindings: [clusterRoleBinding('devs', 'pod-reader', [{ kind: 'Group', name: 'devs' }])],
      }),
    );
    assert.equal(authorizer.authorize(request({ user: { name: 'carol', groups: ['devs'] } })).allowed, true);
    assert.equal(authorizer.authorize(request({ user: { name: 'devs', groups: [] } })).allowed, false);
  });

  it('matches ServiceAccount subjects to system:serviceaccount:NS:NAME', () => {
    const robot: UserInfo = {
      name: 'system:serviceaccount:ci:deployer',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
    };
    const authorizer = new RbacAuthorizer(
      rbac({
        clusterRoles: [podReader],
        roleBindings: [
          // No namespace on the subject: it means the binding's namespace.
          roleBinding('ci', 'local', { kind: 'ClusterRole', name: 'pod-reader' }, [
            { kind: 'ServiceAccount', name: 'deployer' },
          ]),
          roleBinding('prod', 'cross', { kind: 'ClusterRole', name: 'pod-reader' }, [
            { kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' },
          ]),
          roleBinding('staging', 'other-ns', { kind: 'ClusterRole', name: 'pod-reader' }, [
            { kind: 'ServiceAccount', name: 'deployer' },
          ]),
        ],
      }),
    );
    assert.equal(authorizer.authorize(request({ user: robot, namespace: 'ci' })).allowed, true);
    assert.equal(authorizer.authorize(request({ user: robot, namespace: 'prod' })).allowed, true);
    assert.equal(authorizer.authorize(request({ user: robot, namespace: 'staging' })).allowed, false);
    // A user merely named like the account in another namespace gets nothing.
    const impostor: UserInfo = { name: 'system:serviceaccount:other:deployer', groups: [] };
    assert.equal(authorizer.authorize(request({ user: impostor, namespace: 'ci' })).allowed, false);
  });

  it('ignores a ServiceAccount subject without namespace in a ClusterRoleBinding', () => {
    const authorizer = new RbacAuthorizer(
      rbac({
        clusterRoles: [podReader],
        clusterRoleBindings: [
          clusterRoleBinding('sa', 'pod-reader', [{ kind: 'ServiceAccount', name: 'deployer' }]),
        ],
      }),
    );
    const robot: UserInfo = { name: 'system:serviceaccount:default:deployer', groups: [] };
    assert.equal(authorizer.authorize(request({ user: robot })).allowed, false);
  });

  it('grants system:serviceaccounts:NS group bindings to every account of the namespace', () => {
    const authorizer = new RbacAuthorizer(
      rbac({
        clusterRoles: [podReader],
        roleBindings: [
          roleBinding('ci', 'all-sas', { kind: 'ClusterRole', name: 'pod-reader' }, [
            { kind: 'Group', name: 'system:serviceaccounts:ci' },
          ]),
        ],
      }),
    );
    const robot: UserInfo = {
      name: 'system:serviceaccount:ci:x',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ci'],
    };
    assert.equal(authorizer.authorize(request({ user: robot, namespace: 'ci' })).allowed, true);
  });

  it('allows system:masters even without any binding, like kube-apiserver', () => {
    const admin: UserInfo = { name: 'keelson-admin', groups: ['system:masters', 'system:authenticated'] };
    assert.deepEqual(new RbacAuthorizer(rbac({})).authorize(request({ user: admin, verb: 'delete' })), {
      allowed: true,
      reason: '',
    });
    const pure = new RbacAuthorizer(rbac({}), { privilegedGroups: [] });
    assert.equal(pure.authorize(request({ user: admin })).allowed, false);
  });
});

describe('reasons', () => {
  it('names the binding, role and subject that allowed the request', () => {
    const authorizer = new RbacAuthorizer(
      rbac({
        clusterRoles: [clusterRole('pod-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])],
        roleBindings: [
          roleBinding('ci', 'read', { kind: 'ClusterRole', name: 'pod-reader' }, [
            { kind: 'User', name: 'nobody' },
            { kind: 'ServiceAccount', name: 'deployer' },
          ]),
        ],
        clusterRoleBindings: [clusterRoleBinding('devs', 'pod-reader', [{ kind: 'Group', name: 'devs' }])],
      }),
    );
    assert.deepEqual(authorizer.authorize(request({ user: { name: 'carol', groups: ['devs'] } })), {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "devs" of ClusterRole "pod-reader" to Group "devs"',
    });
    assert.deepEqual(
      authorizer.authorize(
        request({ user: { name: 'system:serviceaccount:ci:deployer', groups: [] }, namespace: 'ci' }),
      ),
      {
        allowed: true,
        reason:
          'RBAC: allowed by RoleBinding "read/ci" of ClusterRole "pod-reader" to ServiceAccount "deployer/ci"',
      },
    );
  });

  it('denies with no reason, or with the errors of bindings that name the user', () => {
    const objects = rbac({
      roleBindings: [
        roleBinding('default', 'broken', { kind: 'Role', name: 'missing' }, [
          { kind: 'User', name: 'alice' },
        ]),
        roleBinding('default', 'broken-too', { kind: 'ClusterRole', name: 'gone' }, [
          { kind: 'Group', name: 'system:authenticated' },
        ]),
        roleBinding('default', 'not-mine', { kind: 'Role', name: 'elsewhere' }, [
          { kind: 'User', name: 'bob' },
        ]),
      ],
    });
    assert.deepEqual(authorize(request({ namespace: 'other' }), objects), { allowed: false, reason: '' });
    assert.deepEqual(authorize(request(), objects), {
      allowed: false,
      reason:
        'RBAC: [role.rbac.authorization.k8s.io "missing" not found, clusterrole.rbac.authorization.k8s.io "gone" not found]',
    });
    const single = rbac({
      roleBindings: [
        roleBinding('default', 'broken', { kind: 'Role', name: 'missing' }, [
          { kind: 'User', name: 'alice' },
        ]),
      ],
    });
    assert.deepEqual(authorize(request(), single), {
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "missing" not found',
    });
  });
});

describe('aggregation', () => {
  it('gives bootstrap admin, edit and view the rules of the roles that aggregate into them', () => {
    const policy = bootstrapPolicy();
    const view = policy.clusterRoles.find((r) => r.metadata.name === 'view');
    assert.ok(view);
    assert.ok(readRules(view).some((rule) => rule.resources.includes('pods') && rule.verbs.includes('list')));

    const authorizer = new RbacAuthorizer({
      ...policy,
      roleBindings: [
        roleBinding('team', 'viewers', { kind: 'ClusterRole', name: 'view' }, [
          { kind: 'User', name: 'viewer' },
        ]),
        roleBinding('team', 'editors', { kind: 'ClusterRole', name: 'edit' }, [
          { kind: 'User', name: 'editor' },
        ]),
        roleBinding('team', 'admins', { kind: 'ClusterRole', name: 'admin' }, [
          { kind: 'User', name: 'admin' },
        ]),
      ],
    });
    const as = (name: string, overrides: Partial<RequestAttributes>): boolean =>
      authorizer.authorize(
        request({ user: { name, groups: ['system:authenticated'] }, namespace: 'team', ...overrides }),
      ).allowed;

    assert.equal(as('viewer', { verb: 'list', resource: 'pods' }), true);
    assert.equal(as('viewer', { verb: 'get', resource: 'secrets', name: 's' }), false);
    assert.equal(as('viewer', { verb: 'create', resource: 'configmaps' }), false);
    assert.equal(as('editor', { verb: 'create', resource: 'configmaps' }), true);
    assert.equal(as('editor', { verb: 'list', resource: 'pods' }), true);
    assert.equal(
      as('editor', { verb: 'create', apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings' }),
      false,
    );
    assert.equal(
      as('admin', { verb: 'create', apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings' }),
      true,
    );
    assert.equal(
      as('admin', { verb: 'patch', apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }),
      true,
    );
    assert.equal(as('admin', { verb: 'list', resource: 'pods', namespace: 'elsewhere' }), false);
  });

  it('folds a new labelled ClusterRole into view and, through view, into edit and admin', () => {
    const policy = bootstrapPolicy();
    const widgets = clusterRole(
      'widgets-view',
      [{ verbs: ['get', 'list'], apiGroups: ['example.com'], resources: ['widgets'] }],
      {
        'rbac.authorization.k8s.io/aggregate-to-view': 'true',
      },
    );
    const authorizer = new RbacAuthorizer({
      ...policy,
      clusterRoles: [...policy.clusterRoles, widgets],
      clusterRoleBindings: [clusterRoleBinding('alice-admin', 'admin', [{ kind: 'User', name: 'alice' }])],
    });
    assert.equal(
      authorizer.authorize(request({ verb: 'list', apiGroup: 'example.com', resource: 'widgets' })).allowed,
      true,
    );
  });

  it('supports matchExpressions and excludes the aggregating role itself', () => {
    const roles = aggregateClusterRoles([
      clusterRole('a', [{ verbs: ['get'], apiGroups: [''], resources: ['a'] }], { tier: 'gold' }),
      clusterRole('b', [{ verbs: ['get'], apiGroups: [''], resources: ['b'] }], { tier: 'silver' }),
      clusterRole('c', [{ verbs: ['get'], apiGroups: [''], resources: ['c'] }], {}),
      // Duplicates are dropped: a's rule arrives once even though both selectors match it.
      clusterRole(
        'combined',
        [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        { tier: 'gold' },
        {
          clusterRoleSelectors: [
            { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] },
            { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
          ],
        },
      ),
    ]);
    const combined = roles.find((r) => r.metadata.name === 'combined');
    assert.deepEqual(combined?.['rules'], [
      { verbs: ['get'], apiGroups: [''], resources: ['a'] },
      { verbs: ['get'], apiGroups: [''], resources: ['b'] },
    ]);
  });

  it('ends cycles between aggregated roles instead of recursing forever', () => {
    const roles = aggregateClusterRoles([
      clusterRole('x', [], { loop: 'true' }, { clusterRoleSelectors: [{ matchLabels: { loop: 'true' } }] }),
      clusterRole('y', [], { loop: 'true' }, { clusterRoleSelectors: [{ matchLabels: { loop: 'true' } }] }),
      clusterRole('z', [{ verbs: ['get'], apiGroups: [''], resources: ['z'] }], { loop: 'true' }),
    ]);
    for (const name of ['x', 'y']) {
      assert.deepEqual(roles.find((r) => r.metadata.name === name)?.['rules'], [
        { verbs: ['get'], apiGroups: [''], resources: ['z'] },
      ]);
    }
  });
});

describe('rulesFor', () => {
  it('lists the resource and non-resource rules that apply in a namespace, with resolution errors', () => {
    const authorizer = new RbacAuthorizer({
      ...bootstrapPolicy(),
      roles: [
        role('team', 'cm', [
          { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['x'] },
        ]),
      ],
      roleBindings: [
        roleBinding('team', 'cm', { kind: 'Role', name: 'cm' }, [{ kind: 'User', name: 'alice' }]),
        roleBinding('team', 'broken', { kind: 'Role', name: 'missing' }, [{ kind: 'User', name: 'alice' }]),
      ],
    });
    const rules = authorizer.rulesFor(alice, 'team');
    assert.equal(rules.incomplete, false);
    assert.equal(rules.evaluationError, 'role.rbac.authorization.k8s.io "missing" not found');
    assert.deepEqual(rules.resourceRules.at(-1), {
      verbs: ['get'],
      apiGroups: [''],
      resources: ['configmaps'],
      resourceNames: ['x'],
    });
    assert.ok(rules.resourceRules.some((rule) => rule.resources.includes('selfsubjectaccessreviews')));
    assert.ok(rules.nonResourceRules.some((rule) => rule.nonResourceURLs.includes('/version')));
    assert.equal(authorizer.rulesFor(alice, 'other').evaluationError, '');
  });
});

describe('forbiddenMessage', () => {
  it('renders a namespaced list', () => {
    assert.equal(
      forbiddenMessage(request({ verb: 'list' })),
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
    );
  });

  it('renders the cluster scope', () => {
    assert.equal(
      forbiddenMessage(request({ verb: 'list', resource: 'nodes', namespace: '' })),
      'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    );
  });

  it('renders a named object in a group', () => {
    assert.equal(
      forbiddenMessage(request({ apiGroup: 'apps', resource: 'deployments', name: 'web' })),
      'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "default"',
    );
  });

  it('renders a subresource', () => {
    assert.equal(
      forbiddenMessage(request({ name: 'web', subresource: 'log' })),
      'pods "web" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "default"',
    );
    assert.equal(
      forbiddenMessage(
        request({
          verb: 'update',
          apiGroup: 'example.com',
          resource: 'budgets',
          subresource: 'status',
          name: 'q3',
        }),
      ),
      'budgets.example.com "q3" is forbidden: User "alice" cannot update resource "budgets/status" in API group "example.com" in the namespace "default"',
    );
  });

  it('renders a non-resource path', () => {
    assert.equal(
      forbiddenMessage(nonResource('/metrics', 'get', { name: 'x', groups: [] })),
      'forbidden: User "x" cannot get path "/metrics"',
    );
  });

  it('appends the authorizer reason', () => {
    assert.equal(
      forbiddenMessage(request({ verb: 'list' }), 'RBAC: role.rbac.authorization.k8s.io "missing" not found'),
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "missing" not found',
    );
  });

  it('quotes like Go and escapes HTML in the user part', () => {
    const odd: UserInfo = { name: 'a"b<c>&\n', groups: [] };
    assert.equal(
      forbiddenMessage(nonResource('/x', 'get', odd)),
      'forbidden: User "a\\"b&lt;c&gt;&amp;\\n" cannot get path "/x"',
    );
    assert.equal(goQuote('tab\there é \u0000 \u200b'), '"tab\\there é \\x00 \\u200b"');
  });

  it('builds a KEELSON_FORBIDDEN error with Kubernetes status details', () => {
    const error = forbiddenError(request({ apiGroup: 'apps', resource: 'deployments', name: 'web' }));
    assert.equal(error.code, 'KEELSON_FORBIDDEN');
    assert.equal(error.httpCode, 403);
    assert.deepEqual(error.details, { name: 'web', group: 'apps', kind: 'deployments' });
    assert.deepEqual(forbiddenError(nonResource('/metrics')).details, {});
  });
});
