/**
 * Impersonation (`kubectl --as`, `--as-group`, `--as-uid`; client-go's Impersonate-* headers), as
 * k8s.io/apiserver's WithImpersonation filter does it: the requester must be allowed the
 * `impersonate` verb on each impersonated users / serviceaccounts, groups, uids and userextras;
 * the request then runs as the impersonated user, who also gets system:authenticated (and the
 * service account groups for a service account).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { BadRequestError } from '../../base/errors.ts';
import type { RequestAttributes, UserInfo } from './authorizer.ts';

const serviceAccountPrefix = 'system:serviceaccount:';

function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * The user a request runs as: the authenticated one, or the one it impersonates once `authorize`
 * allows every impersonation. `authorize` throws when an attribute is not allowed.
 */
export function impersonatedUser(
  requester: UserInfo,
  headers: IncomingHttpHeaders,
  authorize: (attrs: RequestAttributes) => void,
): UserInfo {
  const name = headerValues(headers, 'impersonate-user')[0];
  const groups = headerValues(headers, 'impersonate-group');
  const uid = headerValues(headers, 'impersonate-uid')[0];
  const extra: Record<string, string[]> = {};
  for (const header of Object.keys(headers)) {
    if (!header.startsWith('impersonate-extra-')) continue;
    extra[decodeURIComponent(header.slice('impersonate-extra-'.length))] = headerValues(headers, header);
  }
  if (name === undefined) {
    if (groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0)
      throw new BadRequestError('requested impersonation without a user: Impersonate-User is required');
    return requester;
  }
  const check = (resource: string, resourceName: string, apiGroup = '', namespace = '', subresource = '') =>
    authorize({
      user: requester,
      verb: 'impersonate',
      resourceRequest: true,
      apiGroup,
      resource,
      subresource,
      namespace,
      name: resourceName,
      path: '',
    });
  const impersonated: UserInfo = { name, groups: [] };
  if (name.startsWith(serviceAccountPrefix)) {
    const [namespace = '', account = ''] = name.slice(serviceAccountPrefix.length).split(':');
    check('serviceaccounts', account, '', namespace);
    impersonated.groups.push('system:serviceaccounts', `system:serviceaccounts:${namespace}`);
  } else {
    check('users', name);
  }
  for (const group of groups) {
    check('groups', group);
    if (!impersonated.groups.includes(group)) impersonated.groups.push(group);
  }
  if (uid !== undefined) {
    check('uids', uid, 'authentication.k8s.io');
    impersonated.uid = uid;
  }
  for (const [key, values] of Object.entries(extra)) {
    for (const value of values) check('userextras', value, 'authentication.k8s.io', '', key);
  }
  if (Object.keys(extra).length > 0) impersonated.extra = extra;
  if (name !== 'system:anonymous' && !impersonated.groups.includes('system:authenticated'))
    impersonated.groups.push('system:authenticated');
  return impersonated;
}
