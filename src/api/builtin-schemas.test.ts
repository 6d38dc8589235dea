import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinComponents, builtinSchemaCursor } from './builtin-schemas.ts';
import { builtinResources } from './resources.ts';
import {
  fieldSchema,
  isAtomicMap,
  itemSchema,
  listStrategy,
  preservesUnknownFields,
  resolve,
  type SchemaCursor,
} from './schema.ts';
import { generateBuiltinComponents } from '../../scripts/generate-builtin-schemas.ts';

function cursorAt(schemaName: string, ...path: string[]): SchemaCursor {
  let cursor = builtinSchemaCursor(schemaName);
  for (const step of path) {
    assert.ok(cursor, `no schema before ${step} in ${schemaName}.${path.join('.')}`);
    cursor = step === '[]' ? itemSchema(cursor) : fieldSchema(cursor, step);
  }
  assert.ok(cursor, `no schema at ${schemaName}.${path.join('.')}`);
  return cursor;
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

describe('builtin schemas', () => {
  it('has the schema of every built-in resource, tagged with its group-version-kind', () => {
    for (const type of builtinResources) {
      assert.ok(type.schemaName, `${type.kind} has no schemaName`);
      const schema = builtinComponents[type.schemaName];
      assert.ok(schema, `${type.schemaName} is missing`);
      assert.deepEqual(schema['x-kubernetes-group-version-kind'], [
        { group: type.group, version: type.version, kind: type.kind },
      ]);
      assert.ok(schema.properties?.['metadata'], `${type.schemaName} has no metadata`);
    }
  });

  it('resolves every reference', () => {
    for (const ref of refsIn(builtinComponents)) {
      assert.match(ref, /^#\/components\/schemas\//);
      assert.ok(builtinComponents[ref.slice('#/components/schemas/'.length)], `${ref} does not resolve`);
    }
  });

  it('names client-node classes by their Kubernetes packages', () => {
    assert.ok(
      builtinComponents['io.k8s.api.core.v1.PodTemplateSpec'],
      'PodTemplateSpec is core/v1 though apps references it',
    );
    assert.ok(builtinComponents['io.k8s.api.apps.v1.RollingUpdateDeployment']);
    assert.ok(builtinComponents['io.k8s.api.autoscaling.v2.MetricSpec']);
    assert.ok(builtinComponents['io.k8s.api.autoscaling.v1.Scale']);
    assert.ok(builtinComponents['io.k8s.api.networking.v1.IngressLoadBalancerStatus']);
    assert.ok(builtinComponents['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
    assert.ok(builtinComponents['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps']);
    assert.ok(
      fieldSchema(cursorAt('io.k8s.api.core.v1.Event'), 'involvedObject'),
      'core Event is CoreV1Event',
    );
    assert.ok(
      fieldSchema(cursorAt('io.k8s.api.events.v1.Event'), 'regarding'),
      'events.k8s.io Event is EventsV1Event',
    );
    assert.ok(
      builtinComponents['io.k8s.api.core.v1.EventSeries'] &&
        builtinComponents['io.k8s.api.events.v1.EventSeries'],
    );
    for (const name of Object.keys(builtinComponents))
      assert.match(name, /^io\.k8s\.[a-z-]+(\.[a-z0-9-]+)*\.[A-Z]\w*$/);
  });

  it('types fields as Kubernetes does', () => {
    const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
    assert.deepEqual(pick(resolve(cursorAt(meta, 'creationTimestamp')).schema), {
      type: 'string',
      format: 'date-time',
    });
    assert.deepEqual(pick(cursorAt(meta, 'generation').schema), { type: 'integer', format: 'int64' });
    assert.deepEqual(pick(cursorAt('io.k8s.api.apps.v1.DeploymentSpec', 'replicas').schema), {
      type: 'integer',
      format: 'int32',
    });
    assert.deepEqual(pick(cursorAt(meta, 'labels', 'anything').schema), { type: 'string' });
    assert.deepEqual(pick(cursorAt('io.k8s.api.core.v1.Secret', 'data', 'key').schema), {
      type: 'string',
      format: 'byte',
    });
    assert.deepEqual(pick(cursorAt('io.k8s.api.core.v1.Secret', 'stringData', 'key').schema), {
      type: 'string',
    });
    const maxSurge = resolve(cursorAt('io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge')).schema;
    assert.equal(maxSurge['x-kubernetes-int-or-string'], true);
    const cpu = resolve(cursorAt('io.k8s.api.core.v1.ResourceRequirements', 'limits', 'cpu')).schema;
    assert.equal(cpu['x-kubernetes-int-or-string'], true, 'quantities are int-or-string');
    assert.ok(
      preservesUnknownFields(
        cursorAt('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps', 'default'),
      ),
    );
    assert.ok(preservesUnknownFields(cursorAt('io.k8s.api.apps.v1.ControllerRevision', 'data')));
    assert.ok(preservesUnknownFields(cursorAt(meta, 'managedFields', '[]', 'fieldsV1')));
    assert.deepEqual(builtinComponents['io.k8s.api.core.v1.PodSpec']?.required, ['containers']);
    assert.deepEqual(builtinComponents['io.k8s.api.apps.v1.DeploymentSpec']?.required, [
      'selector',
      'template',
    ]);
    assert.ok(
      cursorAt('io.k8s.api.apps.v1.Deployment', 'spec').schema.description,
      'reference fields carry a description',
    );
  });

  it('carries the list markers strategic merge patch and server-side apply need', () => {
    const pod = 'io.k8s.api.core.v1.PodSpec';
    const container = 'io.k8s.api.core.v1.Container';
    const mapOn = (mergeKey: string, keys = [mergeKey], patchStrategy = 'merge') => ({
      listType: 'map',
      mapKeys: keys,
      patchStrategy,
      patchMergeKey: mergeKey,
    });
    assert.deepEqual(listStrategy(cursorAt(pod, 'containers')), mapOn('name'));
    assert.deepEqual(listStrategy(cursorAt(pod, 'initContainers')), mapOn('name'));
    assert.deepEqual(listStrategy(cursorAt(pod, 'volumes')), mapOn('name', ['name'], 'merge,retainKeys'));
    assert.deepEqual(
      listStrategy(cursorAt(pod, 'topologySpreadConstraints')),
      mapOn('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
    );
    assert.equal(listStrategy(cursorAt(pod, 'tolerations')).listType, 'atomic');
    assert.deepEqual(listStrategy(cursorAt(container, 'env')), mapOn('name'));
    assert.deepEqual(
      listStrategy(cursorAt(container, 'ports')),
      mapOn('containerPort', ['containerPort', 'protocol']),
    );
    assert.deepEqual(listStrategy(cursorAt(container, 'volumeMounts')), mapOn('mountPath'));
    assert.equal(listStrategy(cursorAt(container, 'args')).listType, 'atomic');
    assert.deepEqual(
      listStrategy(cursorAt('io.k8s.api.core.v1.ServiceSpec', 'ports')),
      mapOn('port', ['port', 'protocol']),
    );
    assert.equal(
      listStrategy(cursorAt('io.k8s.api.core.v1.PodStatus', 'containerStatuses')).listType,
      'atomic',
    );
    assert.deepEqual(
      listStrategy(cursorAt('io.k8s.api.apps.v1.DeploymentStatus', 'conditions')),
      mapOn('type'),
    );
    assert.deepEqual(
      listStrategy(cursorAt('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'finalizers')),
      {
        listType: 'set',
        mapKeys: [],
        patchStrategy: 'merge',
        patchMergeKey: undefined,
      },
    );
    assert.deepEqual(
      listStrategy(cursorAt('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'ownerReferences')),
      mapOn('uid'),
    );
    assert.equal(
      cursorAt('io.k8s.api.apps.v1.DeploymentSpec', 'strategy').schema['x-kubernetes-patch-strategy'],
      'retainKeys',
    );
    assert.equal(listStrategy(cursorAt('io.k8s.api.rbac.v1.Role', 'rules')).listType, 'atomic');
    assert.ok(
      isAtomicMap(cursorAt('io.k8s.api.apps.v1.DeploymentSpec', 'selector')),
      'LabelSelector is an atomic struct',
    );
    assert.ok(isAtomicMap(cursorAt(pod, 'nodeSelector')));
    assert.ok(!isAtomicMap(cursorAt('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'labels')));
  });

  it('returns no cursor for an unknown schema', () => {
    assert.equal(builtinSchemaCursor('io.k8s.api.core.v1.Nope'), undefined);
  });

  it('is frozen, as every request shares it', () => {
    assert.throws(() => {
      (builtinComponents['io.k8s.api.core.v1.Pod'] as { description?: string }).description = 'changed';
    }, TypeError);
  });

  it('matches what the generator produces from the installed client-node', async () => {
    assert.deepEqual(
      await generateBuiltinComponents(),
      builtinComponents,
      'run node --import tsx scripts/generate-builtin-schemas.ts',
    );
  });
});

function pick(schema: { type?: string; format?: string }): { type?: string; format?: string } {
  const out: { type?: string; format?: string } = {};
  if (schema.type !== undefined) out.type = schema.type;
  if (schema.format !== undefined) out.format = schema.format;
  return out;
}
