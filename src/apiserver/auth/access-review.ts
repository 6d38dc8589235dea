/**
 * The review APIs that answer "who am I" and "may I": SelfSubjectAccessReview,
 * SubjectAccessReview and LocalSubjectAccessReview (authorization.k8s.io), SelfSubjectRulesReview,
 * and SelfSubjectReview (authentication.k8s.io). `kubectl auth can-i` (with and without `--list`)
 * and `kubectl auth whoami` post these. Each function takes the decoded request body and returns
 * the response body, as pkg/registry/authorization/* does; nothing is stored.
 */

import { BadRequestError, InvalidError, formatFieldError, type FieldError } from '../../base/errors.ts';
import { isObject, type JsonObject } from '../../base/json.ts';
import type { KubeObject } from '../../api/meta.ts';
import {
  nonResourceRequest,
  type Authorizer,
  type RequestAttributes,
  type RuleResolver,
  type UserInfo,
} from './authorizer.ts';

const authorizationGroup = 'authorization.k8s.io';
const authenticationGroup = 'authentication.k8s.io';

/**
 * Checks what the requesting user may do. Throws InvalidError unless exactly one of
 * `spec.resourceAttributes` and `spec.nonResourceAttributes` is set or when metadata is not empty.
 */
export function selfSubjectAccessReview(
  body: KubeObject,
  user: UserInfo,
  authorizer: Authorizer,
): KubeObject {
  const kind = 'SelfSubjectAccessReview';
  const spec = specOf(body);
  const errors = [...attributeErrors(spec), ...emptyMetadataErrors(body, false)];
  if (errors.length > 0) throw invalid(kind, errors);
  return answer(body, kind, normalizeAttributes(spec), user, authorizer);
}

/**
 * Checks what the user named in the spec (`user`, `groups`, `uid`, `extra`; groups are taken as
 * given, with no `system:authenticated` added) may do.
 */
export function subjectAccessReview(body: KubeObject, authorizer: Authorizer): KubeObject {
  const kind = 'SubjectAccessReview';
  const spec = specOf(body);
  const errors = [...attributeErrors(spec), ...subjectErrors(spec), ...emptyMetadataErrors(body, false)];
  if (errors.length > 0) throw invalid(kind, errors);
  return answer(
    body,
    kind,
    { ...normalizeAttributes(spec), ...normalizeSubject(spec) },
    subjectOf(spec),
    authorizer,
  );
}

/**
 * SubjectAccessReview posted to a namespace: only resource attributes, and only in that namespace.
 * `metadata.namespace` defaults to the request's namespace, as the create handler does.
 */
export function localSubjectAccessReview(
  body: KubeObject,
  namespace: string,
  authorizer: Authorizer,
): KubeObject {
  const kind = 'LocalSubjectAccessReview';
  const objectNamespace = body.metadata.namespace ?? '';
  if (objectNamespace !== '' && objectNamespace !== namespace) {
    throw new BadRequestError(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  const reviewed: KubeObject = { ...body, metadata: { ...body.metadata, namespace } };
  const spec = specOf(reviewed);
  const errors = [...attributeErrors(spec), ...subjectErrors(spec), ...emptyMetadataErrors(reviewed, true)];
  const resourceAttributes = spec['resourceAttributes'];
  if (isObject(resourceAttributes) && stringOf(resourceAttributes['namespace']) !== namespace) {
    errors.push({
      field: 'spec.resourceAttributes.namespace',
      type: 'FieldValueInvalid',
      value: stringOf(resourceAttributes['namespace']),
      message: 'must match metadata.namespace',
    });
  }
  if (spec['nonResourceAttributes'] !== undefined && spec['nonResourceAttributes'] !== null) {
    errors.push({
      field: 'spec.nonResourceAttributes',
      type: 'FieldValueInvalid',
      message: 'disallowed on this kind of request',
    });
  }
  if (errors.length > 0) throw invalid(kind, errors);
  if (namespace === '') throw new BadRequestError(`namespace is required on this type: ${namespace}`);
  return answer(
    reviewed,
    kind,
    { ...normalizeAttributes(spec), ...normalizeSubject(spec) },
    subjectOf(spec),
    authorizer,
  );
}

/** Lists what the requesting user may do in `spec.namespace`, for `kubectl auth can-i --list`. */
export function selfSubjectRulesReview(body: KubeObject, user: UserInfo, resolver: RuleResolver): KubeObject {
  const namespace = stringOf(specOf(body)['namespace']);
  if (namespace === '') throw new BadRequestError('no namespace on request');
  const rules = resolver.rulesFor(user, namespace);
  const status: JsonObject = {
    resourceRules: rules.resourceRules.map((rule) =>
      withoutEmpty(
        {
          verbs: rule.verbs,
          apiGroups: rule.apiGroups,
          resources: rule.resources,
          resourceNames: rule.resourceNames,
        },
        ['verbs'],
      ),
    ),
    nonResourceRules: rules.nonResourceRules.map((rule) =>
      withoutEmpty({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs }, ['verbs']),
    ),
    incomplete: rules.incomplete,
  };
  if (rules.evaluationError !== '') status['evaluationError'] = rules.evaluationError;
  // kube-apiserver answers with a fresh object: the spec is not echoed.
  return {
    apiVersion: apiVersionOf(body, authorizationGroup),
    kind: 'SelfSubjectRulesReview',
    metadata: {},
    spec: {},
    status,
  };
}

export interface SelfSubjectReviewOptions {
  /** Defaults to authentication.k8s.io/v1; v1beta1 and v1alpha1 have the same shape. */
  apiVersion?: string;
  /** Sets `metadata.creationTimestamp` as kube-apiserver does; omitted when not given. */
  now?: Date;
}

/** The requesting user's attributes, for `kubectl auth whoami`. */
export function selfSubjectReview(user: UserInfo, options: SelfSubjectReviewOptions = {}): KubeObject {
  const userInfo: JsonObject = { username: user.name };
  if (user.uid !== undefined && user.uid !== '') userInfo['uid'] = user.uid;
  if (user.groups.length > 0) userInfo['groups'] = [...user.groups];
  if (user.extra !== undefined && Object.keys(user.extra).length > 0)
    userInfo['extra'] = structuredClone(user.extra);
  return {
    apiVersion: options.apiVersion ?? `${authenticationGroup}/v1`,
    kind: 'SelfSubjectReview',
    metadata:
      options.now === undefined
        ? {}
        : { creationTimestamp: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    status: { userInfo },
  };
}

/** The request attributes a review spec describes, for `user`: authorizationutil.*AttributesFrom. */
export function reviewAttributes(spec: JsonObject, user: UserInfo): RequestAttributes {
  const resource = spec['resourceAttributes'];
  if (isObject(resource)) {
    return {
      user,
      verb: stringOf(resource['verb']),
      resourceRequest: true,
      apiGroup: stringOf(resource['group']),
      resource: stringOf(resource['resource']),
      subresource: stringOf(resource['subresource']),
      namespace: stringOf(resource['namespace']),
      name: stringOf(resource['name']),
      path: '',
    };
  }
  const nonResource = isObject(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : {};
  return nonResourceRequest(user, stringOf(nonResource['verb']), stringOf(nonResource['path']));
}

function answer(
  body: KubeObject,
  kind: string,
  spec: JsonObject,
  user: UserInfo,
  authorizer: Authorizer,
): KubeObject {
  const decision = authorizer.authorize(reviewAttributes(spec, user));
  // RBAC has no deny decision, so `denied` (omitempty) never appears.
  const status: JsonObject = { allowed: decision.allowed };
  if (decision.reason !== '') status['reason'] = decision.reason;
  const metadata = { ...body.metadata };
  delete metadata.managedFields;
  return { apiVersion: apiVersionOf(body, authorizationGroup), kind, metadata, spec, status };
}

function specOf(body: KubeObject): JsonObject {
  return isObject(body['spec']) ? body['spec'] : {};
}

function attributeErrors(spec: JsonObject): FieldError[] {
  const hasResource = isObject(spec['resourceAttributes']);
  const hasNonResource = isObject(spec['nonResourceAttributes']);
  if (hasResource && hasNonResource) {
    return [
      {
        field: 'spec.nonResourceAttributes',
        type: 'FieldValueInvalid',
        value: spec['nonResourceAttributes'],
        message: 'cannot be specified in combination with resourceAttributes',
      },
    ];
  }
  if (!hasResource && !hasNonResource) {
    return [
      {
        field: 'spec.resourceAttributes',
        type: 'FieldValueInvalid',
        value: 'null',
        message: 'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    ];
  }
  return [];
}

function subjectErrors(spec: JsonObject): FieldError[] {
  if (stringOf(spec['user']) !== '' || stringsOf(spec['groups']).length > 0) return [];
  return [
    {
      field: 'spec.user',
      type: 'FieldValueInvalid',
      value: '',
      message: 'at least one of user or group must be specified',
    },
  ];
}

/** Reviews are never stored, so their metadata must be empty (except managedFields, and namespace when local). */
function emptyMetadataErrors(body: KubeObject, allowNamespace: boolean): FieldError[] {
  const meaningful = Object.entries(body.metadata).filter(
    ([key, value]) =>
      value !== undefined && key !== 'managedFields' && !(allowNamespace && key === 'namespace'),
  );
  if (meaningful.length === 0) return [];
  return [
    {
      field: 'metadata',
      type: 'FieldValueInvalid',
      message: allowNamespace ? 'must be empty except for namespace' : 'must be empty',
    },
  ];
}

function invalid(kind: string, errors: FieldError[]): InvalidError {
  const messages = errors.map(formatFieldError);
  const joined = messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
  return new InvalidError(`${kind}.${authorizationGroup} "" is invalid: ${joined}`, {
    name: '',
    group: authorizationGroup,
    kind,
    causes: errors.map((error, i) => ({
      reason: error.type,
      message: messages[i] ?? '',
      field: error.field,
    })),
  });
}

/** The attributes part of a spec as the API serves it back: known fields only, empty ones omitted. */
function normalizeAttributes(spec: JsonObject): JsonObject {
  const resource = spec['resourceAttributes'];
  if (isObject(resource)) {
    const attributes: JsonObject = {};
    for (const key of ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name']) {
      const value = stringOf(resource[key]);
      if (value !== '') attributes[key] = value;
    }
    for (const key of ['fieldSelector', 'labelSelector']) {
      if (isObject(resource[key])) attributes[key] = structuredClone(resource[key]);
    }
    return { resourceAttributes: attributes };
  }
  const nonResource = isObject(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : {};
  const attributes: JsonObject = {};
  for (const key of ['path', 'verb']) {
    const value = stringOf(nonResource[key]);
    if (value !== '') attributes[key] = value;
  }
  return { nonResourceAttributes: attributes };
}

function normalizeSubject(spec: JsonObject): JsonObject {
  const subject = subjectOf(spec);
  const normalized: JsonObject = {};
  if (subject.name !== '') normalized['user'] = subject.name;
  if (subject.groups.length > 0) normalized['groups'] = subject.groups;
  if (subject.extra !== undefined) normalized['extra'] = subject.extra;
  if (subject.uid !== undefined) normalized['uid'] = subject.uid;
  return normalized;
}

function subjectOf(spec: JsonObject): UserInfo {
  const user: UserInfo = { name: stringOf(spec['user']), groups: stringsOf(spec['groups']) };
  const uid = stringOf(spec['uid']);
  if (uid !== '') user.uid = uid;
  const extra = spec['extra'];
  if (isObject(extra)) {
    const entries = Object.entries(extra).map(([key, values]) => [key, stringsOf(values)] as const);
    if (entries.length > 0) user.extra = Object.fromEntries(entries);
  }
  return user;
}

function apiVersionOf(body: KubeObject, group: string): string {
  return typeof body.apiVersion === 'string' && body.apiVersion.startsWith(`${group}/`)
    ? body.apiVersion
    : `${group}/v1`;
}

function withoutEmpty(object: Record<string, string[]>, always: string[]): JsonObject {
  return Object.fromEntries(
    Object.entries(object).filter(([key, value]) => always.includes(key) || value.length > 0),
  );
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
