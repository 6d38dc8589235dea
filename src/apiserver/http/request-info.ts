/**
 * Parses a request path the way k8s.io/apiserver's RequestInfoFactory does, after stripping a
 * logical-cluster prefix `/clusters/<name>`.
 */

export interface RequestInfo {
  cluster: string;
  /** The path without the cluster prefix. */
  path: string;
  resourceRequest: boolean;
  /** get, list, watch, create, update, patch, delete, deletecollection (or the HTTP verb, lowercased, for non-resource paths). */
  verb: string;
  apiPrefix: 'api' | 'apis' | '';
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after the subresource (pods/log has none; proxy paths would). */
  rest: string[];
}

export const defaultCluster = 'default';
const clusterName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function parseRequestInfo(method: string, rawPath: string, query: URLSearchParams): RequestInfo {
  let path = rawPath;
  let cluster = defaultCluster;
  if (path.startsWith('/clusters/')) {
    const end = path.indexOf('/', '/clusters/'.length);
    cluster = path.slice('/clusters/'.length, end < 0 ? undefined : end);
    path = end < 0 ? '/' : path.slice(end);
    if (!clusterName.test(cluster) || cluster.length > 63) cluster = '';
  }
  const info: RequestInfo = {
    cluster,
    path,
    resourceRequest: false,
    verb: method.toLowerCase(),
    apiPrefix: '',
    group: '',
    version: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    rest: [],
  };
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  let i = 1;
  if (prefix === 'apis') {
    if (parts.length < 3) return info;
    info.group = parts[i++]!;
  } else if (parts.length < 2) {
    return info;
  }
  info.version = parts[i++]!;
  if (i >= parts.length) return info;
  info.resourceRequest = true;
  let watchPath = false;
  if (parts[i] === 'watch') {
    watchPath = true;
    i++;
  }
  let rest = parts.slice(i);
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    info.namespace = rest[1]!;
    if (rest.length === 2) {
      info.resource = 'namespaces';
      info.name = rest[1]!;
      rest = [];
    } else if (rest.length >= 3 && isNamespaceSubresource(rest)) {
      info.resource = 'namespaces';
      info.name = rest[1]!;
      info.subresource = rest[2]!;
      rest = rest.slice(3);
    } else {
      rest = rest.slice(2);
    }
  }
  if (info.resource === '') {
    info.resource = rest[0] ?? '';
    info.name = rest[1] ?? '';
    info.subresource = rest[2] ?? '';
    info.rest = rest.slice(3);
  }
  if (info.resource === 'namespaces' && info.name !== '') info.namespace = '';
  const method_ = method.toUpperCase();
  const isWatch = watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
  switch (method_) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name === '' ? (isWatch ? 'watch' : 'list') : isWatch ? 'watch' : 'get';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name === '' ? 'deletecollection' : 'delete';
      break;
    default:
      info.verb = method.toLowerCase();
  }
  return info;
}

function isNamespaceSubresource(rest: string[]): boolean {
  return rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
}
