import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseRequestInfo } from './request-info.ts';

const q = (s = '') => new URLSearchParams(s);

it('parses namespaced, cluster-scoped, subresource and watch paths', () => {
  const a = parseRequestInfo('GET', '/apis/apps/v1/namespaces/ns1/deployments/web/scale', q());
  assert.deepEqual(
    [a.group, a.version, a.namespace, a.resource, a.name, a.subresource, a.verb],
    ['apps', 'v1', 'ns1', 'deployments', 'web', 'scale', 'get'],
  );
  const b = parseRequestInfo('GET', '/api/v1/namespaces', q('watch=1'));
  assert.deepEqual([b.resource, b.verb, b.namespace], ['namespaces', 'watch', '']);
  const c = parseRequestInfo('PUT', '/api/v1/namespaces/ns1/finalize', q());
  assert.deepEqual(
    [c.resource, c.name, c.subresource, c.verb, c.namespace],
    ['namespaces', 'ns1', 'finalize', 'update', ''],
  );
  const d = parseRequestInfo('DELETE', '/api/v1/namespaces/ns1/configmaps', q());
  assert.deepEqual([d.resource, d.verb, d.namespace], ['configmaps', 'deletecollection', 'ns1']);
  const e = parseRequestInfo('GET', '/api/v1/watch/namespaces/ns1/pods', q());
  assert.deepEqual([e.resource, e.verb, e.namespace], ['pods', 'watch', 'ns1']);
});

it('strips the logical cluster prefix', () => {
  const a = parseRequestInfo('GET', '/clusters/staging/api/v1/namespaces/default/configmaps/x', q());
  assert.deepEqual([a.cluster, a.path, a.name], ['staging', '/api/v1/namespaces/default/configmaps/x', 'x']);
  const b = parseRequestInfo('GET', '/clusters/staging/version', q());
  assert.deepEqual([b.cluster, b.path, b.resourceRequest], ['staging', '/version', false]);
  assert.equal(parseRequestInfo('GET', '/clusters/Bad_Name/api', q()).cluster, '');
});
