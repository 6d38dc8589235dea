/**
 * RBAC as kube-apiserver evaluates it (k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac and
 * pkg/registry/rbac/validation/rule.go), plus the Forbidden message its HTTP layer renders.
 *
 * Pure: the caller hands in the Role, RoleBinding, ClusterRole and ClusterRoleBinding objects it read.
 * Build one {@link RbacAuthorizer} per RBAC generation and rebuild it when any of those objects
 * change; the constructor does the indexing so that `authorize` only touches the bindings that name
 * the user or one of its groups.
 */

import { KeelsonError } from '../../base/errors.ts';
import { isObject, type JsonObject } from '../../base/json.ts';
import type { KubeObject } from '../../api/meta.ts';

/** Who is making a request, as in k8s.io/apiserver/pkg/authentication/user.Info. */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a request wants to do, as in k8s.io/apiserver/pkg/authorization/authorizer.Attributes. */
export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  /** False for non-resource paths such as `/version` or `/metrics`; then only `verb` and `path` count. */
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  /** Empty for cluster-scoped requests and for lists across all namespaces. */
  namespace: string;
  name: string;
  path: string;
}

/** The attributes of a request for a non-resource path such as `/version`. */
export function nonResourceRequest(user: UserInfo, verb: string, path: string): RequestAttributes {
  return {
    user,
    verb,
    resourceRequest: false,
    apiGroup: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    path,
  };
}

export interface RbacObjects {
  roles: KubeObject[];
  roleBindings: KubeObject[];
  clusterRoles: KubeObject[];
  clusterRoleBindings: KubeObject[];
}

/**
 * `allowed: false` means "no opinion", which kube-apiserver turns into 403: RBAC never denies.
 * `reason` is what kube-apiserver reports: `RBAC: allowed by …` on success, and on failure either
 * empty or `RBAC: <errors resolving the bindings that name this user>`.
 */
export interface AuthorizationDecision {
  allowed: boolean;
  reason: string;
}

export interface Authorizer {
  authorize(attrs: RequestAttributes): AuthorizationDecision;
}

/** A PolicyRule of rbac.authorization.k8s.io/v1, with absent lists read as empty. */
export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}

export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}

/** What SelfSubjectRulesReview reports: every rule that applies to a user in a namespace. */
export interface UserRules {
  resourceRules: ResourceRuleInfo[];
  nonResourceRules: NonResourceRuleInfo[];
  incomplete: boolean;
  /** Errors met resolving the user's bindings (a binding to a missing role); empty when none. */
  evaluationError: string;
}

export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): UserRules;
}

export interface RbacAuthorizerOptions {
  /**
   * Groups allowed everything before RBAC is consulted, as kube-apiserver does for `system:masters`
   * so that an administrator cannot lock themselves out by deleting the cluster-admin binding.
   * Defaults to `['system:masters']`; pass `[]` for pure RBAC.
   */
  privilegedGroups?: string[];
}

export const serviceAccountUsernamePrefix = 'system:serviceaccount:';

/** `system:serviceaccount:NS:NAME`, the user name a ServiceAccount authenticates as. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${serviceAccountUsernamePrefix}${namespace}:${name}`;
}

const rbacGroup = 'rbac.authorization.k8s.io';

/** A rule with its lists turned into sets, so matching a request is a few lookups. */
interface CompiledRule {
  rule: PolicyRule;
  allVerbs: boolean;
  verbs: Set<string>;
  allGroups: boolean;
  apiGroups: Set<string>;
  allResources: boolean;
  resources: Set<string>;
  /** Subresources named by `*\/sub` entries. */
  anyResourceSubresources: Set<string>;
  /** Undefined when the rule names no resourceNames, which means every name. */
  resourceNames: Set<string> | undefined;
  allUrls: boolean;
  urls: Set<string>;
  urlPrefixes: string[];
}

interface RoleRef {
  kind: string;
  name: string;
}

interface Subject {
  kind: string;
  name: string;
  namespace: string;
}

interface Binding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  name: string;
  namespace: string;
  roleRef: RoleRef;
  subjects: Subject[];
  /** Position among the bindings of its kind, so that matches are visited in input order. */
  ordinal: number;
  rules: CompiledRule[];
  /** Set when the role reference cannot be resolved; Kubernetes reports it in the denial reason. */
  error: string | undefined;
}

/** One binding naming one subject: the unit the subject indexes hold. */
interface Grant {
  binding: Binding;
  subjectIndex: number;
}

interface SubjectIndex {
  byUser: Map<string, Grant[]>;
  byGroup: Map<string, Grant[]>;
}

/**
 * RBAC over one snapshot of the RBAC objects. Construction resolves role references and ClusterRole
 * aggregation and indexes bindings by subject; `authorize` then costs a few map lookups plus the
 * rules of the bindings that name the user.
 */
export class RbacAuthorizer implements Authorizer, RuleResolver {
  readonly #privilegedGroups: Set<string>;
  readonly #clusterIndex: SubjectIndex = newSubjectIndex();
  readonly #namespaceIndexes = new Map<string, SubjectIndex>();

  constructor(rbac: RbacObjects, options: RbacAuthorizerOptions = {}) {
    this.#privilegedGroups = new Set(options.privilegedGroups ?? ['system:masters']);

    const clusterRoleRules = new Map<string, CompiledRule[]>();
    for (const role of aggregateClusterRoles(rbac.clusterRoles)) {
      clusterRoleRules.set(role.metadata.name ?? '', readRules(role).map(compileRule));
    }
    const roleRules = new Map<string, CompiledRule[]>();
    for (const role of rbac.roles) {
      roleRules.set(
        roleKey(role.metadata.namespace ?? '', role.metadata.name ?? ''),
        readRules(role).map(compileRule),
      );
    }
    const resolve = (
      ref: RoleRef,
      namespace: string,
    ): { rules: CompiledRule[]; error: string | undefined } => {
      if (ref.kind === 'ClusterRole') {
        const rules = clusterRoleRules.get(ref.name);
        return rules ? { rules, error: undefined } : { rules: [], error: notFound('clusterrole', ref.name) };
      }
      if (ref.kind === 'Role') {
        const rules = namespace === '' ? undefined : roleRules.get(roleKey(namespace, ref.name));
        return rules ? { rules, error: undefined } : { rules: [], error: notFound('role', ref.name) };
      }
      return { rules: [], error: `unsupported role reference kind: ${goQuote(ref.kind)}` };
    };

    rbac.clusterRoleBindings.forEach((object, ordinal) => {
      const binding = readBinding(object, 'ClusterRoleBinding', ordinal);
      Object.assign(binding, resolve(binding.roleRef, ''));
      indexBinding(this.#clusterIndex, binding, '');
    });
    rbac.roleBindings.forEach((object, ordinal) => {
      const binding = readBinding(object, 'RoleBinding', ordinal);
      if (binding.namespace === '') return;
      Object.assign(binding, resolve(binding.roleRef, binding.namespace));
      let index = this.#namespaceIndexes.get(binding.namespace);
      if (!index) {
        index = newSubjectIndex();
        this.#namespaceIndexes.set(binding.namespace, index);
      }
      indexBinding(index, binding, binding.namespace);
    });
  }

  authorize(attrs: RequestAttributes): AuthorizationDecision {
    if (attrs.user.groups.some((group) => this.#privilegedGroups.has(group))) {
      return { allowed: true, reason: '' };
    }
    const errors: string[] = [];
    for (const grant of this.#grantsFor(attrs.user, attrs.namespace)) {
      const { binding } = grant;
      if (binding.error !== undefined) {
        errors.push(binding.error);
        continue;
      }
      for (const rule of binding.rules) {
        if (compiledRuleAllows(attrs, rule))
          return { allowed: true, reason: `RBAC: allowed by ${describeGrant(grant)}` };
      }
    }
    return { allowed: false, reason: errors.length === 0 ? '' : `RBAC: ${aggregateErrors(errors)}` };
  }

  /** Every rule that applies to the user in the namespace, as RBAC's RulesFor lists them. */
  rulesFor(user: UserInfo, namespace: string): UserRules {
    const resourceRules: ResourceRuleInfo[] = [];
    const nonResourceRules: NonResourceRuleInfo[] = [];
    const errors: string[] = [];
    for (const { binding } of this.#grantsFor(user, namespace)) {
      if (binding.error !== undefined) errors.push(binding.error);
      for (const { rule } of binding.rules) {
        if (rule.resources.length > 0) {
          resourceRules.push({
            verbs: [...rule.verbs],
            apiGroups: [...rule.apiGroups],
            resources: [...rule.resources],
            resourceNames: [...rule.resourceNames],
          });
        }
        if (rule.nonResourceURLs.length > 0) {
          nonResourceRules.push({ verbs: [...rule.verbs], nonResourceURLs: [...rule.nonResourceURLs] });
        }
      }
    }
    return { resourceRules, nonResourceRules, incomplete: false, evaluationError: aggregateErrors(errors) };
  }

  /**
   * The bindings that apply to the user, ClusterRoleBindings first and then the RoleBindings of the
   * namespace, each in input order and once, with the first of its subjects that names the user.
   */
  #grantsFor(user: UserInfo, namespace: string): Grant[] {
    const grants = collectGrants(this.#clusterIndex, user);
    if (namespace !== '') {
      const index = this.#namespaceIndexes.get(namespace);
      if (index) grants.push(...collectGrants(index, user));
    }
    return grants;
  }
}

/**
 * One-off RBAC check. It indexes `rbac` on every call; a server checking many requests should build
 * an {@link RbacAuthorizer} once per RBAC generation instead.
 */
export function authorize(attrs: RequestAttributes, rbac: RbacObjects): AuthorizationDecision {
  return new RbacAuthorizer(rbac).authorize(attrs);
}

/**
 * Fills the rules of every ClusterRole that has an aggregationRule, as the clusterrole-aggregation
 * controller would: the rules of the ClusterRoles its selectors match (sorted by name, itself
 * excluded, aggregated roles resolved first), without duplicates. Other roles are returned as given.
 * A cycle of aggregated roles contributes nothing to itself.
 */
export function aggregateClusterRoles(clusterRoles: KubeObject[]): KubeObject[] {
  const sorted = [...clusterRoles].sort((a, b) =>
    compareStrings(a.metadata.name ?? '', b.metadata.name ?? ''),
  );
  const resolved = new Map<KubeObject, PolicyRule[]>();
  const inProgress = new Set<KubeObject>();

  const effectiveRules = (role: KubeObject): PolicyRule[] => {
    const done = resolved.get(role);
    if (done) return done;
    const aggregation = role['aggregationRule'];
    if (!isObject(aggregation)) return readRules(role);
    if (inProgress.has(role)) return [];
    inProgress.add(role);
    const rules: PolicyRule[] = [];
    const seen = new Set<string>();
    for (const selector of arrayOf(aggregation['clusterRoleSelectors'])) {
      const matches = selectorMatcher(selector);
      for (const candidate of sorted) {
        if (candidate === role || candidate.metadata.name === role.metadata.name) continue;
        if (!matches(candidate.metadata.labels ?? {})) continue;
        for (const rule of effectiveRules(candidate)) {
          const key = ruleKey(rule);
          if (seen.has(key)) continue;
          seen.add(key);
          rules.push(rule);
        }
      }
    }
    inProgress.delete(role);
    resolved.set(role, rules);
    return rules;
  };

  return clusterRoles.map((role) =>
    isObject(role['aggregationRule']) ? { ...role, rules: effectiveRules(role).map(ruleToJson) } : role,
  );
}

/** Reads the `rules` of a Role or ClusterRole, tolerating absent or malformed lists. */
export function readRules(role: KubeObject): PolicyRule[] {
  return arrayOf(role['rules']).map((rule) => ({
    verbs: stringsOf(rule['verbs']),
    apiGroups: stringsOf(rule['apiGroups']),
    resources: stringsOf(rule['resources']),
    resourceNames: stringsOf(rule['resourceNames']),
    nonResourceURLs: stringsOf(rule['nonResourceURLs']),
  }));
}

/** Whether one rule allows a request: rbac.RuleAllows. */
export function ruleAllows(attrs: RequestAttributes, rule: PolicyRule): boolean {
  return compiledRuleAllows(attrs, compileRule(rule));
}

function compiledRuleAllows(attrs: RequestAttributes, rule: CompiledRule): boolean {
  if (!rule.allVerbs && !rule.verbs.has(attrs.verb)) return false;
  if (!attrs.resourceRequest) {
    if (rule.allUrls || rule.urls.has(attrs.path)) return true;
    return rule.urlPrefixes.some((prefix) => attrs.path.startsWith(prefix));
  }
  if (!rule.allGroups && !rule.apiGroups.has(attrs.apiGroup)) return false;
  if (!rule.allResources) {
    const combined = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
    const subresourceWildcard =
      attrs.subresource !== '' && rule.anyResourceSubresources.has(attrs.subresource);
    if (!rule.resources.has(combined) && !subresourceWildcard) return false;
  }
  return rule.resourceNames === undefined || rule.resourceNames.has(attrs.name);
}

/**
 * The Status message kube-apiserver sends with a 403, e.g.
 * `pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"`
 * or, for a path, `forbidden: User "x" cannot get path "/metrics"`. A non-empty authorizer reason
 * is appended after `: `, as kube-apiserver does (`…: RBAC: role.rbac.authorization.k8s.io "x" not found`).
 */
export function forbiddenMessage(attrs: RequestAttributes, reason = ''): string {
  const message = sanitizeHtml(userCannot(attrs));
  const detail = reason === '' ? message : `${message}: ${reason}`;
  const group = attrs.resourceRequest ? attrs.apiGroup : '';
  const resource = attrs.resourceRequest ? attrs.resource : '';
  if (group === '' && resource === '') return `forbidden: ${detail}`;
  const qualified = group === '' ? resource : `${resource}.${group}`;
  if (attrs.name === '') return `${qualified} is forbidden: ${detail}`;
  return `${qualified} ${goQuote(attrs.name)} is forbidden: ${detail}`;
}

/** The KEELSON_FORBIDDEN error carrying {@link forbiddenMessage} and the Status details kube-apiserver sets. */
export function forbiddenError(attrs: RequestAttributes, reason = ''): KeelsonError {
  const group = attrs.resourceRequest ? attrs.apiGroup : '';
  const resource = attrs.resourceRequest ? attrs.resource : '';
  return new KeelsonError('KEELSON_FORBIDDEN', forbiddenMessage(attrs, reason), {
    ...(attrs.name === '' ? {} : { name: attrs.name }),
    ...(group === '' ? {} : { group }),
    ...(resource === '' ? {} : { kind: resource }),
  });
}

function userCannot(attrs: RequestAttributes): string {
  const user = goQuote(attrs.user.name);
  if (!attrs.resourceRequest) return `User ${user} cannot ${attrs.verb} path ${goQuote(attrs.path)}`;
  const resource = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const what = `User ${user} cannot ${attrs.verb} resource ${goQuote(resource)} in API group ${goQuote(attrs.apiGroup)}`;
  if (attrs.namespace !== '') return `${what} in the namespace ${goQuote(attrs.namespace)}`;
  return `${what} at the cluster scope`;
}

/** Go's `%q`: strconv.Quote, which is how every quoted value in these messages is rendered. */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0xfffd;
    const escape = goEscapes[char];
    if (escape !== undefined) out += escape;
    else if (code >= 0xd800 && code <= 0xdfff) out += '\ufffd';
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (printable.test(char)) out += char;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `${out}"`;
}

const goEscapes: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** kube-apiserver escapes these so an error body never reads as HTML; quotes stay. */
function sanitizeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function notFound(resource: string, name: string): string {
  return `${resource}.${rbacGroup} ${goQuote(name)} not found`;
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several deduplicated inside `[…]`. */
function aggregateErrors(errors: string[]): string {
  const unique = [...new Set(errors)];
  if (unique.length === 0) return '';
  if (unique.length === 1) return unique[0] ?? '';
  return `[${unique.join(', ')}]`;
}

function describeGrant({ binding, subjectIndex }: Grant): string {
  const subject = binding.subjects[subjectIndex];
  let described = '';
  if (subject) {
    if (subject.kind === 'ServiceAccount') {
      const namespace = subject.namespace === '' ? binding.namespace : subject.namespace;
      described = `${subject.kind} ${goQuote(`${subject.name}/${namespace}`)}`;
    } else {
      described = `${subject.kind} ${goQuote(subject.name)}`;
    }
  }
  const name = binding.kind === 'RoleBinding' ? `${binding.name}/${binding.namespace}` : binding.name;
  return `${binding.kind} ${goQuote(name)} of ${binding.roleRef.kind} ${goQuote(binding.roleRef.name)} to ${described}`;
}

function newSubjectIndex(): SubjectIndex {
  return { byUser: new Map(), byGroup: new Map() };
}

/**
 * Files the binding under each subject it names. A ServiceAccount subject is filed under its user
 * name, which is exactly how Kubernetes matches it; without a namespace it takes the RoleBinding's,
 * and in a ClusterRoleBinding it matches nobody.
 */
function indexBinding(index: SubjectIndex, binding: Binding, bindingNamespace: string): void {
  binding.subjects.forEach((subject, subjectIndex) => {
    const grant = { binding, subjectIndex };
    switch (subject.kind) {
      case 'User':
        push(index.byUser, subject.name, grant);
        break;
      case 'Group':
        push(index.byGroup, subject.name, grant);
        break;
      case 'ServiceAccount': {
        const namespace = subject.namespace === '' ? bindingNamespace : subject.namespace;
        if (namespace !== '') push(index.byUser, serviceAccountUsername(namespace, subject.name), grant);
        break;
      }
      default:
        break;
    }
  });
}

function collectGrants(index: SubjectIndex, user: UserInfo): Grant[] {
  const found: Grant[] = [...(index.byUser.get(user.name) ?? [])];
  for (const group of user.groups) found.push(...(index.byGroup.get(group) ?? []));
  if (found.length <= 1) return found;
  found.sort((a, b) => a.binding.ordinal - b.binding.ordinal || a.subjectIndex - b.subjectIndex);
  return found.filter((grant, i) => i === 0 || found[i - 1]?.binding !== grant.binding);
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function readBinding(object: KubeObject, kind: Binding['kind'], ordinal: number): Binding {
  const roleRef = isObject(object['roleRef']) ? object['roleRef'] : {};
  return {
    kind,
    name: object.metadata.name ?? '',
    namespace: kind === 'RoleBinding' ? (object.metadata.namespace ?? '') : '',
    roleRef: { kind: stringOf(roleRef['kind']), name: stringOf(roleRef['name']) },
    subjects: arrayOf(object['subjects']).map((subject) => ({
      kind: stringOf(subject['kind']),
      name: stringOf(subject['name']),
      namespace: stringOf(subject['namespace']),
    })),
    ordinal,
    rules: [],
    error: undefined,
  };
}

function roleKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function compileRule(rule: PolicyRule): CompiledRule {
  const anyResourceSubresources = new Set<string>();
  for (const resource of rule.resources) {
    if (resource.startsWith('*/')) anyResourceSubresources.add(resource.slice(2));
  }
  const urlPrefixes = rule.nonResourceURLs
    .filter((url) => url.endsWith('*'))
    .map((url) => url.replace(/\*+$/, ''));
  return {
    rule,
    allVerbs: rule.verbs.includes('*'),
    verbs: new Set(rule.verbs),
    allGroups: rule.apiGroups.includes('*'),
    apiGroups: new Set(rule.apiGroups),
    allResources: rule.resources.includes('*'),
    resources: new Set(rule.resources),
    anyResourceSubresources,
    resourceNames: rule.resourceNames.length === 0 ? undefined : new Set(rule.resourceNames),
    allUrls: rule.nonResourceURLs.includes('*'),
    urls: new Set(rule.nonResourceURLs),
    urlPrefixes,
  };
}

function ruleKey(rule: PolicyRule): string {
  return JSON.stringify([
    rule.verbs,
    rule.apiGroups,
    rule.resources,
    rule.resourceNames,
    rule.nonResourceURLs,
  ]);
}

/** The rule as the API serves it: Go field order, empty lists omitted (verbs always present). */
function ruleToJson(rule: PolicyRule): JsonObject {
  const json: JsonObject = { verbs: rule.verbs };
  if (rule.apiGroups.length > 0) json['apiGroups'] = rule.apiGroups;
  if (rule.resources.length > 0) json['resources'] = rule.resources;
  if (rule.resourceNames.length > 0) json['resourceNames'] = rule.resourceNames;
  if (rule.nonResourceURLs.length > 0) json['nonResourceURLs'] = rule.nonResourceURLs;
  return json;
}

/**
 * metav1.LabelSelectorAsSelector for aggregation selectors: matchLabels and matchExpressions
 * (In, NotIn, Exists, DoesNotExist) ANDed; an empty selector matches every role. A malformed
 * selector matches none, as the controller gives up on it.
 */
function selectorMatcher(selector: JsonObject): (labels: Record<string, string>) => boolean {
  const requirements: Array<(labels: Record<string, string>) => boolean> = [];
  const matchLabels = selector['matchLabels'];
  if (isObject(matchLabels)) {
    for (const [key, value] of Object.entries(matchLabels)) {
      requirements.push((labels) => Object.hasOwn(labels, key) && labels[key] === value);
    }
  }
  for (const expression of arrayOf(selector['matchExpressions'])) {
    const key = stringOf(expression['key']);
    const values = stringsOf(expression['values']);
    switch (expression['operator']) {
      case 'In':
        requirements.push((labels) => Object.hasOwn(labels, key) && values.includes(labels[key] ?? ''));
        break;
      case 'NotIn':
        requirements.push((labels) => !Object.hasOwn(labels, key) || !values.includes(labels[key] ?? ''));
        break;
      case 'Exists':
        requirements.push((labels) => Object.hasOwn(labels, key));
        break;
      case 'DoesNotExist':
        requirements.push((labels) => !Object.hasOwn(labels, key));
        break;
      default:
        return () => false;
    }
  }
  return (labels) => requirements.every((requirement) => requirement(labels));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function arrayOf(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
