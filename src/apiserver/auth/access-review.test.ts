import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { KeelsonError } from '../../base/errors.ts';
import type { KubeObject } from '../../api/meta.ts';
import {
  localSubjectAccessReview,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
} from './access-review.ts';
import { RbacAuthorizer, type UserInfo } from './authorizer.ts';
import { bootstrapPolicy } from './bootstrap-policy.ts';
import { decodeProtobuf, protobufContentType } from '../http/protobuf.ts';
import { generateCertificateAuthority, issueServingCertificate } from './tls.ts';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

function policy(): RbacAuthorizer {
  const base = bootstrapPolicy();
  return new RbacAuthorizer({
    ...base,
    roleBindings: [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { namespace: 'team', name: 'alice-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { namespace: 'team', name: 'broken' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'missing' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }],
      },
    ],
  });
}

function review(kind: string, spec: unknown, metadata: KubeObject['metadata'] = {}): KubeObject {
  return { apiVersion: 'authorization.k8s.io/v1', kind, metadata, spec };
}

function isInvalid(message: string): (error: unknown) => boolean {
  return (error) =>
    error instanceof KeelsonError && error.code === 'KEELSON_INVALID' && error.message === message;
}

describe('SelfSubjectAccessReview', () => {
  it('answers for the requesting user with the allowing binding as reason', () => {
    const body = review('SelfSubjectAccessReview', {
      resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods', unknownField: 'dropped' },
    });
    assert.deepEqual(selfSubjectAccessReview(body, alice, policy()), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods' } },
      status: {
        allowed: true,
        reason: 'RBAC: allowed by RoleBinding "alice-view/team" of ClusterRole "view" to User "alice"',
      },
    });
  });

  it('reports a denial with the resolution errors kube-apiserver reports', () => {
    const body = review('SelfSubjectAccessReview', {
      resourceAttributes: { namespace: 'team', verb: 'delete', resource: 'pods' },
    });
    assert.deepEqual(selfSubjectAccessReview(body, alice, policy())['status'], {
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "missing" not found',
    });
    const elsewhere = review('SelfSubjectAccessReview', {
      resourceAttributes: { namespace: 'other', verb: 'list', resource: 'pods' },
    });
    assert.deepEqual(selfSubjectAccessReview(elsewhere, alice, policy())['status'], { allowed: false });
  });

  it('checks non-resource paths', () => {
    const body = review('SelfSubjectAccessReview', {
      nonResourceAttributes: { path: '/version', verb: 'get' },
    });
    assert.equal(
      (selfSubjectAccessReview(body, alice, policy())['status'] as { allowed: boolean }).allowed,
      true,
    );
  });

  it('rejects a spec with neither or both kinds of attributes, or with metadata', () => {
    assert.throws(
      () => selfSubjectAccessReview(review('SelfSubjectAccessReview', {}), alice, policy()),
      isInvalid(
        'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ),
    );
    const both = review('SelfSubjectAccessReview', {
      resourceAttributes: { verb: 'get' },
      nonResourceAttributes: { path: '/x', verb: 'get' },
    });
    assert.throws(
      () => selfSubjectAccessReview(both, alice, policy()),
      /cannot be specified in combination with resourceAttributes/,
    );
    const named = review(
      'SelfSubjectAccessReview',
      { nonResourceAttributes: { path: '/x', verb: 'get' } },
      { name: 'x' },
    );
    assert.throws(
      () => selfSubjectAccessReview(named, alice, policy()),
      /metadata: Invalid value: must be empty/,
    );
  });
});

describe('SubjectAccessReview', () => {
  it('answers for the user and groups in the spec, without adding system:authenticated', () => {
    const forCarol = review('SubjectAccessReview', {
      user: 'carol',
      groups: ['system:authenticated'],
      nonResourceAttributes: { path: '/api', verb: 'get' },
    });
    assert.deepEqual(subjectAccessReview(forCarol, policy())['status'], {
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
    });
    const ungrouped = review('SubjectAccessReview', {
      user: 'carol',
      nonResourceAttributes: { path: '/api', verb: 'get' },
    });
    assert.deepEqual(subjectAccessReview(ungrouped, policy())['status'], { allowed: false });
  });

  it('requires a user or a group', () => {
    assert.throws(
      () =>
        subjectAccessReview(
          review('SubjectAccessReview', { nonResourceAttributes: { path: '/api', verb: 'get' } }),
          policy(),
        ),
      isInvalid(
        'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
      ),
    );
  });
});

describe('LocalSubjectAccessReview', () => {
  it('answers within the request namespace', () => {
    const body = review('LocalSubjectAccessReview', {
      user: 'alice',
      resourceAttributes: { namespace: 'team', verb: 'get', resource: 'pods', name: 'p' },
    });
    const answered = localSubjectAccessReview(body, 'team', policy());
    assert.deepEqual(answered.metadata, { namespace: 'team' });
    assert.equal((answered['status'] as { allowed: boolean }).allowed, true);
  });

  it('rejects attributes for another namespace and non-resource attributes', () => {
    const other = review('LocalSubjectAccessReview', {
      user: 'alice',
      resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' },
    });
    assert.throws(
      () => localSubjectAccessReview(other, 'team', policy()),
      /spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace/,
    );
    const path = review('LocalSubjectAccessReview', {
      user: 'alice',
      nonResourceAttributes: { path: '/api', verb: 'get' },
    });
    assert.throws(
      () => localSubjectAccessReview(path, 'team', policy()),
      /disallowed on this kind of request/,
    );
    const mismatched = review(
      'LocalSubjectAccessReview',
      { user: 'alice', resourceAttributes: { namespace: 'team' } },
      { namespace: 'x' },
    );
    assert.throws(() => localSubjectAccessReview(mismatched, 'team', policy()), {
      code: 'KEELSON_BAD_REQUEST',
    });
  });
});

describe('SelfSubjectRulesReview', () => {
  it('lists the rules that apply in the namespace', () => {
    const answered = selfSubjectRulesReview(
      review('SelfSubjectRulesReview', { namespace: 'team' }),
      alice,
      policy(),
    );
    const status = answered['status'] as {
      resourceRules: Array<Record<string, string[]>>;
      nonResourceRules: Array<Record<string, string[]>>;
      incomplete: boolean;
      evaluationError?: string;
    };
    assert.equal(answered['kind'], 'SelfSubjectRulesReview');
    assert.deepEqual(answered['spec'], {});
    assert.equal(status.incomplete, false);
    assert.equal(status.evaluationError, 'role.rbac.authorization.k8s.io "missing" not found');
    assert.ok(
      status.resourceRules.some(
        (rule) => rule['resources']?.includes('pods') && rule['verbs']?.includes('watch'),
      ),
    );
    assert.ok(
      status.resourceRules.every(
        (rule) => !('resourceNames' in rule) || (rule['resourceNames']?.length ?? 0) > 0,
      ),
    );
    assert.ok(status.nonResourceRules.some((rule) => rule['nonResourceURLs']?.includes('/api/*')));
  });

  it('needs a namespace', () => {
    assert.throws(() => selfSubjectRulesReview(review('SelfSubjectRulesReview', {}), alice, policy()), {
      code: 'KEELSON_BAD_REQUEST',
      message: 'no namespace on request',
    });
  });
});

describe('SelfSubjectReview', () => {
  it('reports the user attributes', () => {
    const robot: UserInfo = {
      name: 'system:serviceaccount:ci:deployer',
      uid: 'u-1',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j-1'] },
    };
    assert.deepEqual(selfSubjectReview(robot, { now: new Date('2025-03-01T12:00:00.123Z') }), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: { creationTimestamp: '2025-03-01T12:00:00Z' },
      status: {
        userInfo: {
          username: 'system:serviceaccount:ci:deployer',
          uid: 'u-1',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
          extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j-1'] },
        },
      },
    });
    assert.deepEqual(selfSubjectReview({ name: 'x', groups: [] })['status'], { userInfo: { username: 'x' } });
  });
});

/**
 * kubectl against a minimal server that serves only the review endpoints and discovery for pods,
 * so the request decoding and the responses above are checked by the client that uses them.
 */
describe('kubectl auth', () => {
  let server: Server;
  let kubeconfig: string;
  let workDir: string;
  let kubectlMissing = false;

  before(async () => {
    try {
      await promisify(execFile)('kubectl', ['version', '--client']);
    } catch {
      kubectlMissing = true;
      return;
    }
    const ca = await generateCertificateAuthority('keelson-ca');
    const serving = await issueServingCertificate(ca, {
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    const authorizer = policy();
    server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const send = (code: number, value: unknown): void => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        const path = (req.url ?? '').split('?')[0];
        try {
          // kubectl's typed clients post protobuf and read JSON replies.
          const raw = Buffer.concat(chunks);
          const body =
            raw.length === 0
              ? undefined
              : (req.headers['content-type'] ?? '').startsWith(protobufContentType)
                ? decodeProtobuf(raw)
                : (JSON.parse(raw.toString('utf8')) as KubeObject);
          if (path === '/api')
            return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
          if (path === '/apis') return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
          if (path === '/api/v1') {
            return send(200, {
              kind: 'APIResourceList',
              groupVersion: 'v1',
              resources: [
                { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'] },
              ],
            });
          }
          if (body && path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
            return send(201, selfSubjectAccessReview(body, alice, authorizer));
          }
          if (body && path === '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews') {
            return send(201, selfSubjectRulesReview(body, alice, authorizer));
          }
          if (path === '/apis/authentication.k8s.io/v1/selfsubjectreviews')
            return send(201, selfSubjectReview(alice));
          return send(404, {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'NotFound',
            code: 404,
            message: 'not found',
          });
        } catch (error) {
          return send(500, {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            code: 500,
            message: String(error),
          });
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    workDir = await mkdtemp(join(tmpdir(), 'keelson-auth-'));
    kubeconfig = join(workDir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'k',
            cluster: {
              server: `https://127.0.0.1:${port}`,
              'certificate-authority-data': Buffer.from(ca.certPem).toString('base64'),
            },
          },
        ],
        users: [{ name: 'alice', user: { token: 'unused' } }],
        contexts: [{ name: 'k', context: { cluster: 'k', user: 'alice', namespace: 'team' } }],
        'current-context': 'k',
      }),
    );
  });

  after(async () => {
    if (kubectlMissing) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(workDir, { recursive: true, force: true });
  });

  async function kubectl(...args: string[]): Promise<{ code: number; stdout: string }> {
    try {
      const { stdout } = await promisify(execFile)(
        'kubectl',
        ['--kubeconfig', kubeconfig, '--cache-dir', join(workDir, 'cache'), ...args],
        {
          env: { ...process.env, HOME: workDir },
        },
      );
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
    }
  }

  it('can-i answers yes and no', async (t) => {
    if (kubectlMissing) return t.skip('kubectl is not on PATH');
    assert.deepEqual(await kubectl('auth', 'can-i', 'list', 'pods'), { code: 0, stdout: 'yes\n' });
    assert.deepEqual(await kubectl('auth', 'can-i', 'list', 'pods', '-n', 'other'), {
      code: 1,
      stdout: 'no\n',
    });
    assert.deepEqual(await kubectl('auth', 'can-i', 'delete', 'pods'), {
      code: 1,
      stdout: 'no - RBAC: role.rbac.authorization.k8s.io "missing" not found\n',
    });
    assert.deepEqual(await kubectl('auth', 'can-i', 'get', '/version'), { code: 0, stdout: 'yes\n' });
    assert.deepEqual(await kubectl('auth', 'can-i', 'get', '/metrics'), { code: 1, stdout: 'no\n' });
  });

  it('can-i --list prints the rules', async (t) => {
    if (kubectlMissing) return t.skip('kubectl is not on PATH');
    const { code, stdout } = await kubectl('auth', 'can-i', '--list');
    assert.equal(code, 0);
    assert.match(stdout, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    assert.match(stdout, /\npods\s+\[\]\s+\[\]\s+\[get list watch\]\n/);
    assert.match(stdout, /\n\s+\[\/version\]\s+\[\]\s+\[get\]\n/);
  });

  it('whoami prints the user', async (t) => {
    if (kubectlMissing) return t.skip('kubectl is not on PATH');
    const { code, stdout } = await kubectl('auth', 'whoami');
    assert.equal(code, 0);
    assert.match(stdout, /Username\s+alice\n/);
    assert.match(stdout, /Groups\s+\[system:authenticated\]\n/);
  });
});
