/**
 * The OpenAPI documents the server publishes, built as kube-apiserver builds them, as pure functions:
 * - `/openapi/v3`, the index of group-versions (`openApiV3Root`), which client-go's openapi3.Root reads;
 * - `/openapi/v3/apis/<group>/<version>`, one OpenAPI 3.0 document per group-version (`openApiV3Document`);
 * - `/openapi/v2`, Swagger 2.0 as JSON, merged from the v3 documents (`openApiV2Document`).
 *
 * kubectl relies on details here: `kubectl explain` finds a kind's schema by the
 * `x-kubernetes-group-version-kind` of the components, and kubectl's QueryParamVerifierV3 decides
 * that the server validates fields only if the PATCH operations tagged with the kind's
 * `x-kubernetes-group-version-kind` list a `fieldValidation` query parameter. It checks whichever
 * such PATCH operation it meets first, so every one of them (the resource's and its subresources')
 * carries the full parameter set.
 */
import type { ResourceType } from '../api/resources.ts';
import type { Schema, SchemaComponents } from '../api/schema.ts';

export interface GroupVersion {
  group: string;
  version: string;
}

interface GroupVersionKind extends GroupVersion {
  kind: string;
}

/** The `/openapi/v3` index. */
export interface OpenApiV3Root {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  description: string;
  required?: boolean;
  schema: Schema;
}

interface MediaTypes {
  content: Record<string, { schema: Schema }>;
}

export interface Operation {
  description: string;
  operationId: string;
  parameters?: Parameter[];
  requestBody?: MediaTypes & { required: boolean };
  responses: Record<string, { description: string } & Partial<MediaTypes>>;
  tags: string[];
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': GroupVersionKind;
}

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

export type PathItem = { parameters?: Parameter[] } & { [method in Method]?: Operation };

export interface OpenApiV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components: { schemas: SchemaComponents; securitySchemes: Record<string, unknown> };
}

/** Swagger 2.0, as `/openapi/v2` serves it (JSON). */
export interface OpenApiV2Document {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, unknown>;
  definitions: Record<string, Schema>;
  securityDefinitions: Record<string, unknown>;
  security: Array<Record<string, string[]>>;
}

const v3Prefix = '#/components/schemas/';
const v2Prefix = '#/definitions/';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const objectMeta = `${meta}.ObjectMeta`;
const listMeta = `${meta}.ListMeta`;
const status = `${meta}.Status`;
const deleteOptions = `${meta}.DeleteOptions`;
const patch = `${meta}.Patch`;
const scale = 'io.k8s.api.autoscaling.v1.Scale';
const tokenRequest = 'io.k8s.api.authentication.v1.TokenRequest';
const scaleGvk: GroupVersionKind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
const tokenRequestGvk: GroupVersionKind = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'TokenRequest',
};

const info = { title: 'Kubernetes', version: 'unversioned' };
const bearerToken = {
  description: 'Bearer Token authentication',
  in: 'header',
  name: 'authorization',
  type: 'apiKey',
};

/** `apis/apps/v1` for apps/v1, `api/v1` for the core group. */
export function groupVersionPath({ group, version }: GroupVersion): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/**
 * The `/openapi/v3` index: each group-version path (`api/v1`, `apis/apps/v1`) with the URL of its
 * document. The hash makes clients refetch when the document changes and cache it otherwise.
 */
export function openApiV3Root(
  groupVersions: readonly string[],
  hashOf: (groupVersion: string) => string,
): OpenApiV3Root {
  const paths: OpenApiV3Root['paths'] = {};
  for (const gv of groupVersions) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hashOf(gv)}` };
  return { paths };
}

/** The component name Kubernetes gives a custom kind: the group reversed (`com.example.conformance.v1.Widget`). */
export function customResourceSchemaName({ group, version, kind }: GroupVersionKind): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

// ---------------------------------------------------------------------------------------------
// Query parameters, worded as kube-apiserver words them.
// ---------------------------------------------------------------------------------------------

type ParameterType = 'string' | 'boolean' | 'integer';

const queryParameters: Record<string, [ParameterType, string]> = {
  allowWatchBookmarks: [
    'boolean',
    'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.',
  ],
  continue: [
    'string',
    'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize.',
  ],
  dryRun: [
    'string',
    'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  ],
  fieldManager: [
    'string',
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
  ],
  fieldSelector: [
    'string',
    'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  ],
  fieldValidation: [
    'string',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  ],
  force: [
    'boolean',
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  ],
  gracePeriodSeconds: [
    'integer',
    'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
  ],
  ignoreStoreReadErrorWithClusterBreakingPotential: [
    'boolean',
    'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error. The default value is false, and the user must opt in to enable it',
  ],
  labelSelector: [
    'string',
    'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  ],
  limit: [
    'integer',
    'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results. This field is not supported if watch is true.',
  ],
  orphanDependents: [
    'boolean',
    'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
  ],
  pretty: [
    'string',
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  ],
  propagationPolicy: [
    'string',
    "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  ],
  resourceVersion: [
    'string',
    'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset',
  ],
  resourceVersionMatch: [
    'string',
    'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset',
  ],
  sendInitialEvents: [
    'boolean',
    '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event  will be sent.',
  ],
  timeoutSeconds: [
    'integer',
    'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.',
  ],
  watch: [
    'boolean',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.',
  ],
  container: [
    'string',
    'The container for which to stream logs. Defaults to only container if there is one container in the pod.',
  ],
  follow: ['boolean', 'Follow the log stream of the pod. Defaults to false.'],
  limitBytes: [
    'integer',
    'If set, the number of bytes to read from the server before terminating the log output. This may not display a complete final line of logging, and may return slightly more or slightly less than the specified limit.',
  ],
  insecureSkipTLSVerifyBackend: [
    'boolean',
    'insecureSkipTLSVerifyBackend indicates that the apiserver should not confirm the validity of the serving certificate of the backend it is connecting to.  This will make the HTTPS connection between the apiserver and the backend insecure.',
  ],
  previous: ['boolean', 'Return previous terminated container logs. Defaults to false.'],
  sinceSeconds: [
    'integer',
    'A relative time in seconds before the current time from which to show logs. If this value precedes the time a pod was started, only logs since the pod start will be returned. If this value is in the future, no logs will be returned. Only one of sinceSeconds or sinceTime may be specified.',
  ],
  tailLines: [
    'integer',
    'If set, the number of lines from the end of the logs to show. If not specified, logs are shown from the creation of the container or sinceSeconds or sinceTime',
  ],
  timestamps: [
    'boolean',
    'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.',
  ],
};

const patchFieldManager =
  'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).';

function query(name: string, description?: string): Parameter {
  const [type, text] = queryParameters[name] ?? ['string', ''];
  return { name, in: 'query', description: description ?? text, schema: { type, uniqueItems: true } };
}

function queries(...names: string[]): Parameter[] {
  return names.map((name) => query(name));
}

const listParameters = [
  'allowWatchBookmarks',
  'continue',
  'fieldSelector',
  'labelSelector',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
  'watch',
];
const writeParameters = ['dryRun', 'fieldManager', 'fieldValidation'];
const deleteParameters = [
  'dryRun',
  'gracePeriodSeconds',
  'ignoreStoreReadErrorWithClusterBreakingPotential',
  'orphanDependents',
  'propagationPolicy',
];
const deleteCollectionParameters = [
  'continue',
  'dryRun',
  'fieldSelector',
  'gracePeriodSeconds',
  'ignoreStoreReadErrorWithClusterBreakingPotential',
  'labelSelector',
  'limit',
  'orphanDependents',
  'propagationPolicy',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
];
const logParameters = [
  'container',
  'follow',
  'insecureSkipTLSVerifyBackend',
  'limitBytes',
  'previous',
  'sinceSeconds',
  'tailLines',
  'timestamps',
];

/** The PATCH parameters, exactly kube-apiserver's: QueryParamVerifierV3 looks for `fieldValidation`. */
function patchParameters(): Parameter[] {
  return [
    query('dryRun'),
    query('fieldManager', patchFieldManager),
    query('fieldValidation'),
    query('force'),
  ];
}

function pathParameter(name: string, description: string): Parameter {
  return { name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } };
}

// ---------------------------------------------------------------------------------------------
// Paths.
// ---------------------------------------------------------------------------------------------

function ref(name: string): Schema {
  return { $ref: `${v3Prefix}${name}` };
}

/** `AppsV1`, `CoreV1`, `RbacAuthorizationV1`, `ConformanceExampleComV1`: operation ids name the group so. */
function groupToken({ group, version }: GroupVersion): string {
  const parts = group === '' ? ['core'] : group.replace(/\.k8s\.io$/, '').split(/[.-]/);
  return parts.map(capitalize).join('') + capitalize(version);
}

function tagOf({ group, version }: GroupVersion): string {
  const token = groupToken({ group, version: '' });
  return `${token.charAt(0).toLowerCase()}${token.slice(1)}_${version}`;
}

function capitalize(word: string): string {
  return `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
}

interface Names {
  kind: string;
  list: string;
}

class PathBuilder {
  readonly paths: Record<string, PathItem> = {};
  readonly #gv: GroupVersion;
  readonly #mediaTypes: string[];

  constructor(gv: GroupVersion, mediaTypes: string[]) {
    this.#gv = gv;
    this.#mediaTypes = mediaTypes;
  }

  #content(schema: Schema): Record<string, { schema: Schema }> {
    return Object.fromEntries(this.#mediaTypes.map((type) => [type, { schema }]));
  }

  #responses(schema: Schema, codes: Record<string, string>): Operation['responses'] {
    const responses: Operation['responses'] = {};
    for (const [code, description] of Object.entries(codes))
      responses[code] = { content: this.#content(schema), description };
    responses['401'] = { description: 'Unauthorized' };
    return responses;
  }

  #operation(
    action: string,
    operationId: string,
    description: string,
    gvk: GroupVersionKind,
    responses: Operation['responses'],
    parameters: Parameter[],
    requestBody?: Operation['requestBody'],
  ): Operation {
    const operation: Operation = {
      description,
      operationId,
      responses,
      tags: [tagOf(this.#gv)],
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    };
    if (parameters.length > 0) operation.parameters = parameters;
    if (requestBody !== undefined) operation.requestBody = requestBody;
    return operation;
  }

  #item(path: string, parameters: Parameter[]): PathItem {
    this.paths[path] ??= { parameters };
    return this.paths[path];
  }

  add(type: ResourceType, names: Names, supportsStrategicMerge: boolean): void {
    const { kind } = type;
    const gvk: GroupVersionKind = { group: type.group, version: type.version, kind };
    const prefix = `/${groupVersionPath(this.#gv)}`;
    const collection = type.namespaced
      ? `${prefix}/namespaces/{namespace}/${type.plural}`
      : `${prefix}/${type.plural}`;
    const item = `${collection}/{name}`;
    const scoped = type.namespaced ? 'Namespaced' : '';
    const id = groupToken(this.#gv);
    const can = (verb: string): boolean => type.verbs.includes(verb);
    const namespace = pathParameter(
      'namespace',
      'object name and auth scope, such as for teams and projects',
    );
    const name = pathParameter('name', `name of the ${kind}`);
    const scopeParameters = type.namespaced ? [namespace] : [];
    const body = (schema: Schema): Operation['requestBody'] => ({
      content: { '*/*': { schema } },
      required: true,
    });
    const patchBody: Operation['requestBody'] = {
      content: Object.fromEntries(
        [
          'application/apply-patch+yaml',
          'application/json-patch+json',
          'application/merge-patch+json',
          ...(supportsStrategicMerge ? ['application/strategic-merge-patch+json'] : []),
        ].map((t) => [t, { schema: ref(patch) }]),
      ),
      required: true,
    };

    if (can('list') && type.namespaced) {
      const all = this.#item(`${prefix}/${type.plural}`, queries(...[...listParameters, 'pretty'].sort()));
      all.get = this.#operation(
        'list',
        `list${id}${kind}ForAllNamespaces`,
        `list or watch objects of kind ${kind}`,
        gvk,
        this.#responses(ref(names.list), { '200': 'OK' }),
        [],
      );
    }
    if (can('list') || can('create') || can('deletecollection')) {
      const path = this.#item(collection, [...scopeParameters, query('pretty')]);
      if (can('list')) {
        path.get = this.#operation(
          'list',
          `list${id}${scoped}${kind}`,
          `list or watch objects of kind ${kind}`,
          gvk,
          this.#responses(ref(names.list), { '200': 'OK' }),
          queries(...listParameters),
        );
      }
      if (can('create')) {
        const codes = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
        path.post = this.#operation(
          'post',
          `create${id}${scoped}${kind}`,
          `create a ${kind}`,
          gvk,
          this.#responses(ref(names.kind), codes),
          queries(...writeParameters),
          body(ref(names.kind)),
        );
      }
      if (can('deletecollection')) {
        path.delete = this.#operation(
          'deletecollection',
          `delete${id}Collection${scoped}${kind}`,
          `delete collection of ${kind}`,
          gvk,
          this.#responses(ref(status), { '200': 'OK' }),
          queries(...deleteCollectionParameters),
          body(ref(deleteOptions)),
        );
      }
    }
    if (type.virtual) return;

    const itemParameters = [name, ...scopeParameters, query('pretty')];
    if (can('get') || can('update') || can('patch') || can('delete')) {
      const path = this.#item(item, itemParameters);
      if (can('get'))
        path.get = this.#operation(
          'get',
          `read${id}${scoped}${kind}`,
          `read the specified ${kind}`,
          gvk,
          this.#responses(ref(names.kind), { '200': 'OK' }),
          [],
        );
      if (can('update')) {
        path.put = this.#operation(
          'put',
          `replace${id}${scoped}${kind}`,
          `replace the specified ${kind}`,
          gvk,
          this.#responses(ref(names.kind), { '200': 'OK', '201': 'Created' }),
          queries(...writeParameters),
          body(ref(names.kind)),
        );
      }
      if (can('patch')) {
        path.patch = this.#operation(
          'patch',
          `patch${id}${scoped}${kind}`,
          `partially update the specified ${kind}`,
          gvk,
          this.#responses(ref(names.kind), { '200': 'OK', '201': 'Created' }),
          patchParameters(),
          patchBody,
        );
      }
      if (can('delete')) {
        path.delete = this.#operation(
          'delete',
          `delete${id}${scoped}${kind}`,
          `delete a ${kind}`,
          gvk,
          this.#responses(ref(status), { '200': 'OK', '202': 'Accepted' }),
          queries(...deleteParameters),
          body(ref(deleteOptions)),
        );
      }
    }

    const subresource = (sub: string, label: string, schemaName: string, subGvk: GroupVersionKind): void => {
      const path = this.#item(`${item}/${sub}`, itemParameters);
      const suffix = capitalize(sub);
      path.get = this.#operation(
        'get',
        `read${id}${scoped}${kind}${suffix}`,
        `read ${label} of the specified ${kind}`,
        subGvk,
        this.#responses(ref(schemaName), { '200': 'OK' }),
        [],
      );
      path.put = this.#operation(
        'put',
        `replace${id}${scoped}${kind}${suffix}`,
        `replace ${label} of the specified ${kind}`,
        subGvk,
        this.#responses(ref(schemaName), { '200': 'OK', '201': 'Created' }),
        queries(...writeParameters),
        body(ref(schemaName)),
      );
      path.patch = this.#operation(
        'patch',
        `patch${id}${scoped}${kind}${suffix}`,
        `partially update ${label} of the specified ${kind}`,
        subGvk,
        this.#responses(ref(schemaName), { '200': 'OK', '201': 'Created' }),
        patchParameters(),
        patchBody,
      );
    };
    if (type.subresources.status) subresource('status', 'status', names.kind, gvk);
    if (type.subresources.scale) subresource('scale', 'scale', scale, scaleGvk);
    if (type.subresources.log) {
      const path = this.#item(`${item}/log`, [...itemParameters, ...queries(...logParameters)]);
      const text: Record<string, { schema: Schema }> = {};
      for (const t of ['text/plain', 'application/json', 'application/yaml'])
        text[t] = { schema: { type: 'string' } };
      path.get = this.#operation(
        'get',
        `read${id}${scoped}${kind}Log`,
        `read log of the specified ${kind}`,
        gvk,
        { '200': { content: text, description: 'OK' }, '401': { description: 'Unauthorized' } },
        [],
      );
    }
    if (type.subresources.token) {
      const path = this.#item(`${item}/token`, itemParameters);
      path.post = this.#operation(
        'post',
        `create${id}${scoped}${kind}Token`,
        `create token of a ${kind}`,
        tokenRequestGvk,
        this.#responses(ref(tokenRequest), { '200': 'OK', '201': 'Created', '202': 'Accepted' }),
        queries(...writeParameters),
        body(ref(tokenRequest)),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Components.
// ---------------------------------------------------------------------------------------------

const apiVersionDescription =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const kindDescription =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** A CRD version's schema as kube-apiserver publishes it: metadata is ObjectMeta, apiVersion and kind are declared. */
function customResourceComponent(type: ResourceType, schema: Schema | undefined): Schema {
  const base: Schema = schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return {
    ...base,
    type: 'object',
    properties: {
      ...base.properties,
      apiVersion: { description: apiVersionDescription, type: 'string' },
      kind: { description: kindDescription, type: 'string' },
      metadata: {
        allOf: [ref(objectMeta)],
        description:
          "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
      },
    },
    'x-kubernetes-group-version-kind': [{ group: type.group, kind: type.kind, version: type.version }],
  };
}

function customResourceListComponent(type: ResourceType, itemName: string): Schema {
  return {
    description: `${type.listKind} is a list of ${type.kind}`,
    type: 'object',
    properties: {
      apiVersion: { description: apiVersionDescription, type: 'string' },
      items: {
        description: `List of ${type.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        type: 'array',
        items: ref(itemName),
      },
      kind: { description: kindDescription, type: 'string' },
      metadata: {
        allOf: [ref(listMeta)],
        description:
          'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
      },
    },
    required: ['items'],
    'x-kubernetes-group-version-kind': [{ group: type.group, kind: type.listKind, version: type.version }],
  };
}

/** Every `$ref` target in a JSON value. */
function refsIn(value: unknown, prefix: string, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) refsIn(item, prefix, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(prefix))
        into.add(child.slice(prefix.length));
      else refsIn(child, prefix, into);
    }
  }
}

/** The components `roots` reference, transitively, in name order; unknown names are left out. */
function closure(roots: Set<string>, components: SchemaComponents): SchemaComponents {
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop() ?? '';
    if (seen.has(name) || components[name] === undefined) continue;
    seen.add(name);
    const found = new Set<string>();
    refsIn(components[name], v3Prefix, found);
    pending.push(...found);
  }
  const out: SchemaComponents = {};
  for (const name of [...seen].sort()) out[name] = components[name] ?? {};
  return out;
}

// ---------------------------------------------------------------------------------------------
// Documents.
// ---------------------------------------------------------------------------------------------

/**
 * The OpenAPI 3.0 document of one group-version: the collection, item and subresource paths of each
 * of its resources, and the component schemas they reference. Built-in resources name their schema
 * in `components` (`schemaName`); custom resources (no `schemaName`) take theirs from `crdSchemas`
 * by plural, published as `com.example.conformance.v1.Widget` with ObjectMeta metadata.
 */
export function openApiV3Document(
  gv: GroupVersion,
  resources: readonly ResourceType[],
  components: SchemaComponents,
  crdSchemas?: ReadonlyMap<string, Schema>,
): OpenApiV3Document {
  const all: SchemaComponents = { ...components };
  const builtinMedia = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
  const types = resources.filter((t) => t.group === gv.group && t.version === gv.version);
  const custom = types.some((t) => t.schemaName === undefined);
  const builder = new PathBuilder(gv, custom ? ['application/json', 'application/yaml'] : builtinMedia);
  for (const type of types) {
    let names: Names;
    if (type.schemaName === undefined) {
      const kind = customResourceSchemaName(type);
      names = { kind, list: `${kind}List` };
      all[kind] = customResourceComponent(type, crdSchemas?.get(type.plural));
      all[names.list] = customResourceListComponent(type, kind);
    } else {
      names = {
        kind: type.schemaName,
        list: `${type.schemaName.slice(0, type.schemaName.lastIndexOf('.'))}.${type.listKind}`,
      };
    }
    builder.add(type, names, type.schemaName !== undefined);
  }
  const roots = new Set<string>();
  refsIn(builder.paths, v3Prefix, roots);
  return {
    openapi: '3.0.0',
    info,
    paths: sorted(builder.paths),
    components: { schemas: closure(roots, all), securitySchemes: { BearerToken: bearerToken } },
  };
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Swagger 2.0 for clients that still read `/openapi/v2` (as JSON): the group-version documents
 * merged, with `#/definitions/` references, body parameters, and IntOrString and Quantity written
 * as v2 writes them (`type: string`).
 */
export function openApiV2Document(documents: readonly OpenApiV3Document[]): OpenApiV2Document {
  const paths: Record<string, unknown> = {};
  const definitions: Record<string, Schema> = {};
  for (const document of documents) {
    for (const [path, item] of Object.entries(document.paths)) paths[path] = v2PathItem(item);
    for (const [name, schema] of Object.entries(document.components.schemas))
      definitions[name] = v2Schema(schema);
  }
  return {
    swagger: '2.0',
    info,
    paths: sorted(paths),
    definitions: sorted(definitions),
    securityDefinitions: { BearerToken: bearerToken },
    security: [{ BearerToken: [] }],
  };
}

function v2Parameter(parameter: Parameter): Record<string, unknown> {
  const { schema, ...rest } = parameter;
  return { ...rest, type: schema.type, uniqueItems: true };
}

function v2PathItem(item: PathItem): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (key === 'parameters') out[key] = (value as Parameter[]).map(v2Parameter);
    else out[key] = v2Operation(value as Operation);
  }
  return out;
}

function v2Operation(operation: Operation): Record<string, unknown> {
  const { requestBody, responses, parameters, ...rest } = operation;
  const out: Record<string, unknown> = { ...rest };
  const v2Parameters = (parameters ?? []).map(v2Parameter);
  if (requestBody !== undefined) {
    const [first] = Object.values(requestBody.content);
    v2Parameters.unshift({ in: 'body', name: 'body', required: true, schema: v2Schema(first?.schema ?? {}) });
    out['consumes'] = Object.keys(requestBody.content);
  }
  if (v2Parameters.length > 0) out['parameters'] = v2Parameters;
  const produces = new Set<string>();
  const v2Responses: Record<string, unknown> = {};
  for (const [code, response] of Object.entries(responses)) {
    const entries = Object.entries(response.content ?? {});
    for (const [type] of entries) produces.add(type);
    const schema = entries[0]?.[1].schema;
    v2Responses[code] =
      schema === undefined
        ? { description: response.description }
        : { description: response.description, schema: v2Schema(schema) };
  }
  out['produces'] = [...produces];
  out['responses'] = v2Responses;
  out['schemes'] = ['https'];
  return out;
}

/** A v3 schema in Swagger 2.0 terms. */
function v2Schema(schema: Schema): Schema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') out[key] = value.replace(v3Prefix, v2Prefix);
    else if (key === 'properties')
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, v2Schema(v)]),
      );
    else if (
      (key === 'items' || key === 'additionalProperties' || key === 'not') &&
      typeof value === 'object'
    )
      out[key] = v2Schema(value as Schema);
    else if (key === 'allOf') out[key] = (value as Schema[]).map(v2Schema);
    else if (key === 'oneOf' || key === 'anyOf' || key === 'nullable') continue;
    else out[key] = value;
  }
  // a reference with siblings: v2 keeps the siblings beside `$ref`
  const allOf = out['allOf'] as Schema[] | undefined;
  if (allOf?.length === 1 && allOf[0]?.$ref !== undefined) {
    delete out['allOf'];
    out['$ref'] = allOf[0].$ref;
  }
  // IntOrString and Quantity, which v3 writes as oneOf
  if (
    schema.oneOf !== undefined &&
    out['type'] === undefined &&
    schema.oneOf.some((s) => s.type === 'string')
  )
    out['type'] = 'string';
  return out;
}
