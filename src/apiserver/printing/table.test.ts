import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/meta.ts';
import { builtinResources, type ResourceType } from '../../api/resources.ts';
import { KeelsonError } from '../../base/errors.ts';
import { parseIncludeObject, toTable, type PrinterColumn } from './table.ts';

const now = new Date('2025-03-01T12:00:00Z');

function builtin(group: string, kind: string): ResourceType {
  const type = builtinResources.find((candidate) => candidate.group === group && candidate.kind === kind);
  assert.ok(type !== undefined, `${group}/${kind} is served`);
  return type;
}

/** A CRD-defined type: no schemaName, as the CRD registry builds it. */
const widgets: ResourceType = {
  group: 'conformance.example.com',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  plural: 'widgets',
  singular: 'widget',
  namespaced: true,
  shortNames: ['wd'],
  categories: [],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: { status: true },
};

function widget(
  name: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'conformance.example.com/v1',
    kind: 'Widget',
    metadata: {
      name,
      namespace: 'conf',
      uid: `uid-${name}`,
      resourceVersion: '41',
      generation: 1,
      creationTimestamp: '2025-03-01T11:57:30Z',
    },
    spec,
    status,
  };
}

const configMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'app-config',
    namespace: 'shop',
    uid: 'c0ffee',
    resourceVersion: '17',
    creationTimestamp: '2025-02-28T12:00:00Z',
    labels: { app: 'shop' },
  },
  data: { greeting: 'hello' },
};

describe('toTable', () => {
  it('answers as kube-apiserver: kind, apiVersion, list metadata, columns, rows', () => {
    const table = toTable(builtin('', 'ConfigMap'), [configMap], {
      now,
      includeObject: 'None',
      resourceVersion: '120',
      continue: 'token-2',
      remainingItemCount: 5,
    });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '120', continue: 'token-2', remainingItemCount: 5 });
    assert.deepEqual(
      table.columnDefinitions.map((column) => column.name),
      ['Name', 'Data', 'Age'],
    );
    assert.deepEqual(table.rows, [{ cells: ['app-config', 1, '24h'] }]);
    assert.deepEqual(Object.keys(table), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
    assert.deepEqual(Object.keys(table.columnDefinitions[0] ?? {}), [
      'name',
      'type',
      'format',
      'description',
      'priority',
    ]);
  });

  it('leaves out empty list metadata and keeps the columns of an empty list', () => {
    const table = toTable(builtin('apps', 'Deployment'), [], {
      now,
      includeObject: 'Metadata',
      resourceVersion: '',
    });
    assert.deepEqual(table.metadata, {});
    assert.equal(table.columnDefinitions.length, 8);
    assert.deepEqual(table.rows, []);
  });

  it('includes PartialObjectMetadata for Metadata, the object for Object, nothing for None', () => {
    const type = builtin('', 'ConfigMap');
    const metadata = toTable(type, [configMap], { now, includeObject: 'Metadata' });
    assert.deepEqual(metadata.rows[0]?.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: configMap.metadata,
    });
    const full = toTable(type, [configMap], { now, includeObject: 'Object' });
    assert.deepEqual(full.rows[0]?.object, configMap);
    const none = toTable(type, [configMap], { now, includeObject: 'None' });
    assert.equal(none.rows[0] !== undefined && 'object' in none.rows[0], false);
  });

  it('answers in meta.k8s.io/v1beta1 when that is the version asked for', () => {
    const table = toTable(builtin('', 'ConfigMap'), [configMap], {
      now,
      includeObject: 'Metadata',
      apiVersion: 'meta.k8s.io/v1beta1',
    });
    assert.equal(table.apiVersion, 'meta.k8s.io/v1beta1');
    assert.equal(
      (table.rows[0]?.object as { apiVersion?: string } | undefined)?.apiVersion,
      'meta.k8s.io/v1beta1',
    );
  });

  it('prints kinds without a printer in the default table: NAME, CREATED AT', () => {
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'reader', namespace: 'shop', creationTimestamp: '2025-02-14T08:30:00Z' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    };
    const table = toTable(builtin('rbac.authorization.k8s.io', 'Role'), [role], {
      now,
      includeObject: 'None',
    });
    assert.deepEqual(
      table.columnDefinitions.map((column) => [column.name, column.type, column.format]),
      [
        ['Name', 'string', 'name'],
        ['Created At', 'date', ''],
      ],
    );
    assert.deepEqual(table.rows[0]?.cells, ['reader', '2025-02-14T08:30:00Z']);
    for (const [group, kind] of [
      ['rbac.authorization.k8s.io', 'ClusterRole'],
      ['apiextensions.k8s.io', 'CustomResourceDefinition'],
    ] as const) {
      assert.deepEqual(
        toTable(builtin(group, kind), [], { now, includeObject: 'None' }).columnDefinitions.map(
          (column) => column.name,
        ),
        ['Name', 'Created At'],
        kind,
      );
    }
  });

  it('writes CREATED AT in UTC, whole seconds', () => {
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: 'widgets.conformance.example.com',
        creationTimestamp: '2025-02-14T10:30:00.500+02:00',
      },
    };
    const table = toTable(builtin('apiextensions.k8s.io', 'CustomResourceDefinition'), [crd], {
      now,
      includeObject: 'None',
    });
    assert.deepEqual(table.rows[0]?.cells, ['widgets.conformance.example.com', '2025-02-14T08:30:00Z']);
  });
});

describe('custom resource tables', () => {
  const sizeColumn: PrinterColumn = { name: 'Size', type: 'integer', jsonPath: '.spec.size' };

  it('prints NAME and the printer columns, with an integer Size cell and no Age added', () => {
    const table = toTable(widgets, [widget('w1', { size: 3 })], {
      now,
      includeObject: 'Metadata',
      printerColumns: [sizeColumn],
    });
    assert.deepEqual(table.columnDefinitions, [
      {
        name: 'Name',
        type: 'string',
        format: 'name',
        description:
          'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
        priority: 0,
      },
      {
        name: 'Size',
        type: 'integer',
        format: '',
        description: 'Custom resource definition column (in JSONPath format): .spec.size',
        priority: 0,
      },
    ]);
    assert.deepEqual(table.rows[0]?.cells, ['w1', 3]);
    assert.equal((table.rows[0]?.object as { kind?: string } | undefined)?.kind, 'PartialObjectMetadata');
  });

  it('prints NAME, AGE when the version has no printer columns', () => {
    for (const printerColumns of [undefined, []]) {
      const table = toTable(widgets, [widget('w1', { size: 3 })], {
        now,
        includeObject: 'None',
        ...(printerColumns === undefined ? {} : { printerColumns }),
      });
      assert.deepEqual(
        table.columnDefinitions.map((column) => [column.name, column.type]),
        [
          ['Name', 'string'],
          ['Age', 'date'],
        ],
      );
      assert.deepEqual(table.rows[0]?.cells, ['w1', '2m30s']);
    }
  });

  it('types each cell by its column and leaves missing values null', () => {
    const printerColumns: PrinterColumn[] = [
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      {
        name: 'Replicas',
        type: 'integer',
        jsonPath: '.spec.replicas',
        priority: 1,
        description: 'Desired replicas.',
      },
      { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio' },
      { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused' },
      { name: 'Synced', type: 'date', format: 'date-time', jsonPath: '.status.lastSyncTime' },
      { name: 'Missing', type: 'string', jsonPath: '.status.nothing' },
      { name: 'Wrong type', type: 'integer', jsonPath: '.spec.label' },
      { name: 'First item', type: 'string', jsonPath: '.spec.items[0].name' },
    ];
    const object = widget(
      'w2',
      { replicas: 4.0, ratio: 0.25, paused: false, label: 'blue', items: [{ name: 'a' }, { name: 'b' }] },
      { conditions: [{ type: 'Ready', status: 'True' }], lastSyncTime: '2025-03-01T11:00:00Z' },
    );
    const table = toTable(widgets, [object], { now, includeObject: 'None', printerColumns });
    assert.deepEqual(table.rows[0]?.cells, ['w2', 'True', 4, 0.25, false, '60m', null, null, 'a']);
    assert.deepEqual(
      table.columnDefinitions.slice(2, 3).map((column) => [column.priority, column.description]),
      [[1, 'Desired replicas.']],
    );
    assert.equal(table.columnDefinitions[5]?.format, 'date-time');
  });

  it('prints string columns as client-go JSONPath does', () => {
    const printerColumns: PrinterColumn[] = [
      { name: 'Count', type: 'string', jsonPath: '.spec.count' },
      { name: 'Flag', type: 'string', jsonPath: '.spec.flag' },
      { name: 'Map', type: 'string', jsonPath: '.spec.map' },
      { name: 'Float', type: 'string', jsonPath: '.spec.float' },
      { name: 'Null', type: 'string', jsonPath: '.spec.none' },
    ];
    const object = widget('w3', {
      count: 7,
      flag: true,
      map: { z: 1, a: '<b>' },
      float: 1234567.5,
      none: null,
    });
    const table = toTable(widgets, [object], { now, includeObject: 'None', printerColumns });
    assert.deepEqual(table.rows[0]?.cells, [
      'w3',
      '7',
      'true',
      '{"a":"\\u003cb\\u003e","z":1}',
      '1.2345675e+06',
      '<no value>',
    ]);
  });

  it('renders unparseable dates as <invalid>', () => {
    const printerColumns: PrinterColumn[] = [{ name: 'When', type: 'date', jsonPath: '.spec.when' }];
    const table = toTable(widgets, [widget('w4', { when: 'yesterday' }), widget('w5', { when: '' })], {
      now,
      includeObject: 'None',
      printerColumns,
    });
    assert.deepEqual(
      table.rows.map((row) => row.cells),
      [
        ['w4', '<invalid>'],
        ['w5', '<unknown>'],
      ],
    );
  });

  it('keeps the columns before one whose JSONPath does not parse', () => {
    const printerColumns: PrinterColumn[] = [
      sizeColumn,
      { name: 'Bad', type: 'string', jsonPath: '.spec[' },
      { name: 'After', type: 'string', jsonPath: '.spec.after' },
    ];
    const table = toTable(widgets, [widget('w6', { size: 1, after: 'x' })], {
      now,
      includeObject: 'None',
      printerColumns,
    });
    assert.deepEqual(
      table.columnDefinitions.map((column) => column.name),
      ['Name', 'Size'],
    );
    assert.deepEqual(table.rows[0]?.cells, ['w6', 1]);
  });
});

describe('parseIncludeObject', () => {
  it('defaults to Metadata and accepts the three policies', () => {
    assert.equal(parseIncludeObject(undefined), 'Metadata');
    assert.equal(parseIncludeObject(null), 'Metadata');
    assert.equal(parseIncludeObject(''), 'Metadata');
    assert.equal(parseIncludeObject('None'), 'None');
    assert.equal(parseIncludeObject('Metadata'), 'Metadata');
    assert.equal(parseIncludeObject('Object'), 'Object');
  });

  it('rejects anything else as a BadRequest', () => {
    assert.throws(
      () => parseIncludeObject('object'),
      (error: unknown) =>
        error instanceof KeelsonError &&
        error.reason === 'BadRequest' &&
        error.message === 'unrecognized includeObject value: "object"',
    );
  });
});
