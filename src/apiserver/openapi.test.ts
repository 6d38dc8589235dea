import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinComponents } from '../api/builtin-schemas.ts';
import { builtinResources, type ResourceType } from '../api/resources.ts';
import type { Schema } from '../api/schema.ts';
import {
  customResourceSchemaName,
  groupVersionPath,
  openApiV2Document,
  openApiV3Document,
  openApiV3Root,
  type GroupVersion,
  type OpenApiV3Document,
} from './openapi.ts';

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const widget: ResourceType = {
  group: 'conformance.example.com',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  plural: 'widgets',
  singular: 'widget',
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: {
    status: true,
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
  },
};
const widgetSchema: Schema = {
  type: 'object',
  properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
};

function groupVersions(resources: readonly ResourceType[]): GroupVersion[] {
  const byPath = new Map<string, GroupVersion>();
  for (const r of resources) byPath.set(groupVersionPath(r), { group: r.group, version: r.version });
  return [...byPath.values()];
}

/** Every document, as a client receives it (through JSON). */
function documents(): OpenApiV3Document[] {
  const resources = [...builtinResources, widget];
  return groupVersions(resources).map(
    (gv) =>
      JSON.parse(
        JSON.stringify(
          openApiV3Document(gv, resources, builtinComponents, new Map([['widgets', widgetSchema]])),
        ),
      ) as OpenApiV3Document,
  );
}

function documentOf(group: string, version: string): OpenApiV3Document {
  const found = documents().find((d) =>
    Object.keys(d.paths).some((p) => p.startsWith(`/${groupVersionPath({ group, version })}/`)),
  );
  assert.ok(found, `no document for ${group}/${version}`);
  return found;
}

/**
 * kubectl 1.32's supportsQueryParamV3 (k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go):
 * the first PATCH operation whose x-kubernetes-group-version-kind is the kind decides, by whether
 * its own parameters (not the path's) name the query parameter. Go ranges over the paths map in
 * random order, so every such operation must agree.
 */
function patchOperationsSupport(doc: OpenApiV3Document, gvk: Gvk, queryParam: string): boolean[] {
  const answers: boolean[] = [];
  for (const path of Object.values(doc.paths)) {
    const op = path.patch;
    if (op === undefined) continue;
    const ext = op['x-kubernetes-group-version-kind'] as Partial<Gvk> | undefined;
    if (ext?.group !== gvk.group || ext.version !== gvk.version || ext.kind !== gvk.kind) continue;
    answers.push((op.parameters ?? []).some((p) => p.name === queryParam));
  }
  return answers;
}

function refsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') into.push(child);
      else refsIn(child, into);
    }
  }
  return into;
}

describe('openapi documents', () => {
  it('lists each group-version in the /openapi/v3 index with a hashed URL', () => {
    const root = openApiV3Root(['api/v1', 'apis/apps/v1'], (gv) => `H${gv.length}`);
    assert.deepEqual(root, {
      paths: {
        'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=H6' },
        'apis/apps/v1': { serverRelativeURL: '/openapi/v3/apis/apps/v1?hash=H12' },
      },
    });
  });

  it('satisfies kubectl QueryParamVerifierV3 for fieldValidation on every patchable kind', () => {
    const apps = documentOf('apps', 'v1');
    const deployments = patchOperationsSupport(
      apps,
      { group: 'apps', version: 'v1', kind: 'Deployment' },
      'fieldValidation',
    );
    assert.deepEqual(deployments, [true, true], 'the deployment and its status');
    for (const doc of documents()) {
      const kinds = new Map<string, Gvk>();
      for (const path of Object.values(doc.paths)) {
        const gvk = path.patch?.['x-kubernetes-group-version-kind'];
        if (gvk) kinds.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, gvk);
      }
      for (const gvk of kinds.values()) {
        for (const param of ['fieldValidation', 'dryRun', 'fieldManager', 'force']) {
          const answers = patchOperationsSupport(doc, gvk, param);
          assert.ok(answers.length > 0 && answers.every(Boolean), `${gvk.kind} PATCH lacks ${param}`);
        }
      }
    }
  });

  it('covers custom resources as kube-apiserver does', () => {
    const doc = documentOf('conformance.example.com', 'v1');
    const gvk = { group: 'conformance.example.com', version: 'v1', kind: 'Widget' };
    assert.deepEqual(
      patchOperationsSupport(doc, gvk, 'fieldValidation'),
      [true, true],
      'the widget and its status',
    );
    const name = customResourceSchemaName(gvk);
    assert.equal(name, 'com.example.conformance.v1.Widget');
    const schema = doc.components.schemas[name];
    assert.ok(schema);
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [gvk]);
    assert.deepEqual(schema.properties?.['metadata']?.allOf, [
      { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
    ]);
    assert.equal(schema.properties?.['kind']?.type, 'string');
    assert.equal(schema.properties?.['spec']?.properties?.['size']?.type, 'integer');
    assert.ok(doc.components.schemas['com.example.conformance.v1.WidgetList']);
    assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
    const patchBody =
      doc.paths['/apis/conformance.example.com/v1/namespaces/{namespace}/widgets/{name}']?.patch?.requestBody;
    assert.ok(
      patchBody && !('application/strategic-merge-patch+json' in patchBody.content),
      'no strategic merge for custom resources',
    );
    const scalePatch =
      doc.paths['/apis/conformance.example.com/v1/namespaces/{namespace}/widgets/{name}/scale']?.patch;
    assert.deepEqual(scalePatch?.['x-kubernetes-group-version-kind'], {
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
  });

  it('resolves every reference within its own document', () => {
    for (const doc of documents()) {
      for (const ref of refsIn(doc)) {
        assert.match(ref, /^#\/components\/schemas\//);
        assert.ok(
          doc.components.schemas[ref.slice('#/components/schemas/'.length)],
          `${ref} does not resolve`,
        );
      }
    }
  });

  it('publishes every built-in schema in its group-version document', () => {
    for (const type of builtinResources) {
      const doc = documentOf(type.group, type.version);
      assert.ok(type.schemaName && doc.components.schemas[type.schemaName], `${type.schemaName} is missing`);
      assert.deepEqual(doc.components.schemas[type.schemaName]?.['x-kubernetes-group-version-kind'], [
        { group: type.group, version: type.version, kind: type.kind },
      ]);
    }
  });

  it('carries the list markers of PodSpec.containers and Container.env', () => {
    const { schemas } = documentOf('apps', 'v1').components;
    assert.deepEqual(markers(schemas['io.k8s.api.core.v1.PodSpec']?.properties?.['containers']), {
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    assert.deepEqual(markers(schemas['io.k8s.api.core.v1.Container']?.properties?.['env']), {
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
  });

  it('serves the paths and operations of each scope', () => {
    const apps = documentOf('apps', 'v1');
    assert.deepEqual(Object.keys(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments'] ?? {}), [
      'parameters',
      'get',
      'post',
      'delete',
    ]);
    assert.deepEqual(
      Object.keys(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'] ?? {}),
      ['parameters', 'get', 'put', 'patch', 'delete'],
    );
    assert.equal(
      apps.paths['/apis/apps/v1/deployments']?.get?.operationId,
      'listAppsV1DeploymentForAllNamespaces',
    );
    const patchOp = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
    assert.equal(patchOp?.operationId, 'patchAppsV1NamespacedDeployment');
    assert.equal(patchOp?.['x-kubernetes-action'], 'patch');
    assert.deepEqual(
      patchOp?.parameters?.map((p) => [p.name, p.in, p.schema.type]),
      [
        ['dryRun', 'query', 'string'],
        ['fieldManager', 'query', 'string'],
        ['fieldValidation', 'query', 'string'],
        ['force', 'query', 'boolean'],
      ],
    );
    const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']?.get;
    assert.deepEqual(scale?.responses['200']?.content?.['application/json']?.schema, {
      $ref: '#/components/schemas/io.k8s.api.autoscaling.v1.Scale',
    });

    const core = documentOf('', 'v1');
    assert.ok(core.paths['/api/v1/nodes/{name}/status']?.patch);
    assert.equal(core.paths['/api/v1/namespaces']?.delete, undefined, 'namespaces have no deletecollection');
    assert.equal(
      core.paths['/api/v1/namespaces/{namespace}/pods/{name}/log']?.get?.operationId,
      'readCoreV1NamespacedPodLog',
    );
    assert.ok(core.paths['/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token']?.post);

    const reviews = documentOf('authorization.k8s.io', 'v1');
    assert.deepEqual(
      Object.keys(reviews.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'] ?? {}),
      ['parameters', 'post'],
    );
    assert.equal(reviews.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/{name}'], undefined);
    assert.equal(
      documentOf('rbac.authorization.k8s.io', 'v1').paths['/apis/rbac.authorization.k8s.io/v1/roles']?.get
        ?.tags[0],
      'rbacAuthorization_v1',
    );
  });

  it('converts to swagger 2.0 with definitions', () => {
    const v2 = JSON.parse(JSON.stringify(openApiV2Document(documents()))) as {
      swagger: string;
      paths: Record<
        string,
        Record<string, { parameters?: Array<{ name: string; in: string; type?: string; schema?: unknown }> }>
      >;
      definitions: Record<string, Schema>;
    };
    assert.equal(v2.swagger, '2.0');
    for (const ref of refsIn(v2)) {
      assert.match(ref, /^#\/definitions\//);
      assert.ok(v2.definitions[ref.slice('#/definitions/'.length)], `${ref} does not resolve`);
    }
    assert.ok(refsIn(v2).length > 0);
    assert.deepEqual(pickType(v2.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']), {
      type: 'string',
      format: 'int-or-string',
    });
    const strategy = v2.definitions['io.k8s.api.apps.v1.DeploymentSpec']?.properties?.['strategy'];
    assert.equal(strategy?.$ref, '#/definitions/io.k8s.api.apps.v1.DeploymentStrategy');
    assert.equal(strategy?.['x-kubernetes-patch-strategy'], 'retainKeys');
    const patchOp = v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.['patch'];
    assert.deepEqual(
      patchOp?.parameters?.map((p) => [p.name, p.in, p.type]),
      [
        ['body', 'body', undefined],
        ['dryRun', 'query', 'string'],
        ['fieldManager', 'query', 'string'],
        ['fieldValidation', 'query', 'string'],
        ['force', 'query', 'boolean'],
      ],
    );
    assert.ok(v2.definitions['com.example.conformance.v1.Widget']);
  });
});

function markers(schema: Schema | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema ?? {}).filter(([key]) => key.startsWith('x-kubernetes-')));
}

function pickType(schema: Schema | undefined): { type?: string; format?: string } {
  const out: { type?: string; format?: string } = {};
  if (schema?.type !== undefined) out.type = schema.type;
  if (schema?.format !== undefined) out.format = schema.format;
  return out;
}
