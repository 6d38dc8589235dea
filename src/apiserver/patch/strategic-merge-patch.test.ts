import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Schema, SchemaCursor } from '../../api/schema.ts';
import { KeelsonError, type ErrorCode } from '../../base/errors.ts';
import { getPath, type JsonObject } from '../../base/json.ts';
import { applyMergePatch } from './merge-patch.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

// A hand-built slice of the apps/v1 Deployment schema, with the markers Kubernetes publishes.
const string: Schema = { type: 'string' };
const labels: Schema = { type: 'object', additionalProperties: string };
const objectMeta: Schema = {
  type: 'object',
  properties: {
    name: string,
    namespace: string,
    labels,
    annotations: labels,
    finalizers: { type: 'array', items: string, 'x-kubernetes-patch-strategy': 'merge' },
  },
};
const container: Schema = {
  type: 'object',
  properties: {
    name: string,
    image: string,
    args: { type: 'array', items: string },
    env: {
      type: 'array',
      items: { type: 'object', properties: { name: string, value: string } },
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'name',
    },
    ports: {
      type: 'array',
      items: { type: 'object', properties: { containerPort: { type: 'integer' }, protocol: string } },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'containerPort',
    },
  },
};
const volume: Schema = {
  type: 'object',
  properties: {
    name: string,
    emptyDir: { type: 'object', properties: { medium: string } },
    hostPath: { type: 'object', properties: { path: string } },
  },
};
const podSpec: Schema = {
  type: 'object',
  properties: {
    containers: {
      type: 'array',
      items: container,
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'name',
    },
    volumes: {
      type: 'array',
      items: volume,
      'x-kubernetes-patch-strategy': 'merge,retainKeys',
      'x-kubernetes-patch-merge-key': 'name',
    },
    tolerations: { type: 'array', items: { type: 'object', properties: { key: string, effect: string } } },
    nodeSelector: labels,
  },
};
const deploymentSchema: SchemaCursor = {
  components: {},
  schema: {
    type: 'object',
    properties: {
      apiVersion: string,
      kind: string,
      metadata: objectMeta,
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer' },
          strategy: {
            type: 'object',
            'x-kubernetes-patch-strategy': 'retainKeys',
            properties: {
              type: string,
              rollingUpdate: { type: 'object', properties: { maxSurge: string, maxUnavailable: string } },
            },
          },
          template: { type: 'object', properties: { metadata: objectMeta, spec: podSpec } },
        },
      },
    },
  },
};

function liveDeployment(): JsonObject {
  return deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', tier: 'front' },
      finalizers: ['example.com/a', 'example.com/b'],
    },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              args: ['--port=80'],
              env: [{ name: 'A', value: '1' }],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
            },
            { name: 'sidecar', image: 'envoy:1.30' },
          ],
          volumes: [{ name: 'data', hostPath: { path: '/srv/data' } }],
          tolerations: [{ key: 'dedicated', effect: 'NoSchedule' }],
        },
      },
    },
  });
}

/** Frozen inputs make any mutation by the patch functions throw. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function patch(live: JsonObject, body: unknown): JsonObject {
  const result = applyStrategicMergePatch(live, deepFreeze(body), deploymentSchema);
  assert.ok(typeof result === 'object' && result !== null && !Array.isArray(result));
  return result as JsonObject;
}

function containers(result: unknown): JsonObject[] {
  return getPath(result, ['spec', 'template', 'spec', 'containers']) as JsonObject[];
}

function names(list: unknown): unknown[] {
  return (list as JsonObject[]).map((item) => item.name);
}

function assertRejects(run: () => unknown, code: ErrorCode, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof KeelsonError, `expected a KeelsonError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe('lists with patch strategy merge', () => {
  it('adds an env var the way `kubectl patch --type=strategic` does, new item first', () => {
    const live = liveDeployment();
    const result = patch(live, {
      spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '2' }] }] } } },
    });
    const web = containers(result)[0];
    // kube-apiserver orders patch items it cannot place from the live list before the live items
    assert.deepEqual(web?.env, [
      { name: 'B', value: '2' },
      { name: 'A', value: '1' },
    ]);
    assert.equal(web?.image, 'nginx:1.25');
    assert.deepEqual(names(containers(result)), ['web', 'sidecar']);
    assert.deepEqual(live, liveDeployment());
  });

  it('keeps the order $setElementOrder gives, as `kubectl apply` sends it', () => {
    const result = patch(liveDeployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }],
                env: [{ name: 'B', value: '2' }],
              },
            ],
          },
        },
      },
    });
    assert.deepEqual(names(containers(result)[0]?.env), ['A', 'B']);
  });

  it('merges an existing item by its merge key and keeps the live order', () => {
    const result = patch(liveDeployment(), {
      spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'envoy:1.31' }] } } },
    });
    assert.deepEqual(containers(result), [
      containers(liveDeployment())[0],
      { name: 'sidecar', image: 'envoy:1.31' },
    ]);
  });

  it('merges on an integer merge key', () => {
    const result = patch(liveDeployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'web', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] },
            ],
          },
        },
      },
    });
    assert.deepEqual(containers(result)[0]?.ports, [
      { containerPort: 80, protocol: 'TCP', name: 'http' },
      { containerPort: 443 },
    ]);
  });

  it('deletes an item with $patch: delete', () => {
    const result = patch(liveDeployment(), {
      spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } },
    });
    assert.deepEqual(names(containers(result)), ['web']);
  });

  it('replaces the whole list with a $patch: replace item', () => {
    const result = patch(liveDeployment(), {
      spec: {
        template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'busybox' }] } },
      },
    });
    assert.deepEqual(containers(result), [{ name: 'only', image: 'busybox' }]);
  });

  it('accepts $patch: merge on an item as the default', () => {
    const result = patch(liveDeployment(), {
      spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'merge', image: 'envoy:2' }] } } },
    });
    assert.deepEqual(containers(result)[1], { name: 'sidecar', image: 'envoy:2' });
  });

  it('reorders items with $setElementOrder alone', () => {
    const result = patch(liveDeployment(), {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }] } } },
    });
    assert.deepEqual(names(containers(result)), ['sidecar', 'web']);
    assert.deepEqual(containers(result)[1], containers(liveDeployment())[0]);
  });

  it('interleaves items missing from $setElementOrder by their live positions', () => {
    const live = liveDeployment();
    const three = patch(live, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }, { name: 'log' }],
            containers: [{ name: 'log', image: 'fluentbit' }],
          },
        },
      },
    });
    assert.deepEqual(names(containers(three)), ['web', 'sidecar', 'log']);
    const result = patch(three, {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'log' }, { name: 'web' }] } } },
    });
    // kube's mergeSortedSlice: live-only sidecar precedes log, which the live list has after it
    assert.deepEqual(names(containers(result)), ['sidecar', 'log', 'web']);
  });
});

describe('lists of scalars', () => {
  it('takes the union of a merge list such as finalizers', () => {
    const result = patch(liveDeployment(), { metadata: { finalizers: ['example.com/c', 'example.com/b'] } });
    assert.deepEqual(getPath(result, ['metadata', 'finalizers']), [
      'example.com/c',
      'example.com/a',
      'example.com/b',
    ]);
  });

  it('removes finalizers with $deleteFromPrimitiveList', () => {
    const result = patch(liveDeployment(), {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a', 'example.com/x'] },
    });
    assert.deepEqual(getPath(result, ['metadata', 'finalizers']), ['example.com/b']);
  });

  it('applies $setElementOrder, the list and $deleteFromPrimitiveList together', () => {
    const result = patch(liveDeployment(), {
      metadata: {
        '$setElementOrder/finalizers': ['example.com/b', 'example.com/c'],
        finalizers: ['example.com/c'],
        '$deleteFromPrimitiveList/finalizers': ['example.com/a'],
      },
    });
    assert.deepEqual(getPath(result, ['metadata', 'finalizers']), ['example.com/b', 'example.com/c']);
  });

  it('replaces a list without a merge strategy', () => {
    const result = patch(liveDeployment(), {
      spec: {
        template: {
          spec: {
            tolerations: [{ key: 'gpu', effect: 'NoExecute' }],
            containers: [{ name: 'web', args: ['--port=8080'] }],
          },
        },
      },
    });
    assert.deepEqual(getPath(result, ['spec', 'template', 'spec', 'tolerations']), [
      { key: 'gpu', effect: 'NoExecute' },
    ]);
    assert.deepEqual(containers(result)[0]?.args, ['--port=8080']);
  });
});

describe('maps', () => {
  it('deletes a label with null and all labels with a null map', () => {
    const one = patch(liveDeployment(), { metadata: { labels: { tier: null, stage: 'prod' } } });
    assert.deepEqual(getPath(one, ['metadata', 'labels']), { app: 'web', stage: 'prod' });
    const all = patch(liveDeployment(), { metadata: { labels: null } });
    assert.equal(Object.hasOwn(all.metadata as JsonObject, 'labels'), false);
    assert.equal(getPath(all, ['metadata', 'name']), 'web');
  });

  it('replaces a map with $patch: replace and empties it with $patch: delete', () => {
    const replaced = patch(liveDeployment(), { metadata: { labels: { $patch: 'replace', fresh: 'yes' } } });
    assert.deepEqual(getPath(replaced, ['metadata', 'labels']), { fresh: 'yes' });
    const emptied = patch(liveDeployment(), { spec: { template: { metadata: { $patch: 'delete' } } } });
    assert.deepEqual(getPath(emptied, ['spec', 'template', 'metadata']), {});
    const merged = patch(liveDeployment(), { metadata: { labels: { $patch: 'merge', fresh: 'yes' } } });
    assert.deepEqual(getPath(merged, ['metadata', 'labels']), { app: 'web', tier: 'front', fresh: 'yes' });
  });

  it('switches the strategy from RollingUpdate to Recreate with $retainKeys', () => {
    const result = patch(liveDeployment(), {
      spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
    });
    assert.deepEqual(getPath(result, ['spec', 'strategy']), { type: 'Recreate' });
    // without the directive the stale rollingUpdate stays, which is why kubectl sends it
    const stale = patch(liveDeployment(), { spec: { strategy: { type: 'Recreate' } } });
    assert.deepEqual(getPath(stale, ['spec', 'strategy', 'rollingUpdate']), {
      maxSurge: '25%',
      maxUnavailable: '25%',
    });
  });

  it('clears a volume source with $retainKeys on a list item', () => {
    const result = patch(liveDeployment(), {
      spec: {
        template: { spec: { volumes: [{ name: 'data', $retainKeys: ['emptyDir', 'name'], emptyDir: {} }] } },
      },
    });
    assert.deepEqual(getPath(result, ['spec', 'template', 'spec', 'volumes']), [
      { name: 'data', emptyDir: {} },
    ]);
  });

  it('merges fields the schema does not know like a JSON merge patch', () => {
    const live = deepFreeze({ ...liveDeployment(), status: { extra: { keep: 1, drop: 2 }, list: [1, 2] } });
    const body = { status: { extra: { drop: null, add: { x: null, y: 1 } }, list: [3] } };
    const result = patch(live, body);
    assert.deepEqual(result.status, { extra: { keep: 1, add: { y: 1 } }, list: [3] });
    const withoutSchema = applyStrategicMergePatch(live, body, undefined);
    assert.deepEqual(withoutSchema, applyMergePatch(live, body));
  });

  it('follows $ref and allOf markers in component schemas', () => {
    const schema: SchemaCursor = {
      components: { Container: container, PodSpec: podSpec },
      schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: {
              workers: {
                type: 'array',
                items: { $ref: '#/components/schemas/Container' },
                'x-kubernetes-patch-strategy': 'merge',
                'x-kubernetes-patch-merge-key': 'name',
              },
              pod: { allOf: [{ $ref: '#/components/schemas/PodSpec' }] },
            },
          },
        },
      },
    };
    const live = {
      spec: {
        workers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }],
        pod: { containers: [{ name: 'c' }] },
      },
    };
    const result = applyStrategicMergePatch(
      live,
      {
        spec: {
          workers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }],
          pod: { containers: [{ name: 'd' }] },
        },
      },
      schema,
    );
    assert.deepEqual(result, {
      spec: {
        workers: [
          {
            name: 'a',
            env: [
              { name: 'Y', value: '2' },
              { name: 'X', value: '1' },
            ],
          },
        ],
        pod: { containers: [{ name: 'd' }, { name: 'c' }] },
      },
    });
  });
});

describe('directives never reach the result', () => {
  it('applies directives inside values the live object does not have', () => {
    const result = patch(liveDeployment(), {
      metadata: { annotations: { $patch: 'replace', note: 'new' }, ownerless: { $patch: 'delete' } },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'log',
                image: 'fluentbit',
                env: [
                  { name: 'X', value: '1' },
                  { name: 'Y', $patch: 'delete' },
                ],
                '$setElementOrder/env': [{ name: 'X' }],
                args: ['a'],
                '$deleteFromPrimitiveList/args': ['b'],
              },
            ],
          },
        },
      },
    });
    assert.deepEqual(getPath(result, ['metadata', 'annotations']), { note: 'new' });
    assert.equal(Object.hasOwn(result.metadata as JsonObject, 'ownerless'), false);
    assert.deepEqual(containers(result)[0], {
      name: 'log',
      image: 'fluentbit',
      env: [{ name: 'X', value: '1' }],
      args: ['a'],
    });
    assert.doesNotMatch(JSON.stringify(result), /\$/);
  });

  it('replaces the whole object with a top-level $patch: replace', () => {
    const result = patch(liveDeployment(), {
      $patch: 'replace',
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
    });
    assert.deepEqual(result, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } });
  });
});

describe('invalid patches', () => {
  it('rejects a patch that is not an object', () => {
    for (const body of [[], null, 'spec', 3]) {
      assertRejects(
        () => applyStrategicMergePatch(liveDeployment(), body, deploymentSchema),
        'KEELSON_BAD_REQUEST',
        /must be a JSON object/,
      );
    }
  });

  it('rejects an unknown $patch value with its path', () => {
    assertRejects(
      () => patch(liveDeployment(), { metadata: { labels: { $patch: 'remove' } } }),
      'KEELSON_BAD_REQUEST',
      /unknown patch type "remove" in \$patch at metadata\.labels/,
    );
    assertRejects(
      () =>
        patch(liveDeployment(), {
          spec: { template: { spec: { containers: [{ name: 'web', $patch: true }] } } },
        }),
      'KEELSON_BAD_REQUEST',
      /unknown patch type true in \$patch at spec\.template\.spec\.containers\[0\]/,
    );
  });

  it('rejects list items without the merge key', () => {
    assertRejects(
      () => patch(liveDeployment(), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }),
      'KEELSON_BAD_REQUEST',
      /spec\.template\.spec\.containers\[0\] does not contain the declared merge key "name"/,
    );
    assertRejects(
      () => patch(liveDeployment(), { spec: { template: { spec: { containers: [{ $patch: 'delete' }] } } } }),
      'KEELSON_BAD_REQUEST',
      /merge key "name"/,
    );
  });

  it('rejects a patch field missing from $retainKeys, and a $retainKeys that is not a list', () => {
    assertRejects(
      () =>
        patch(liveDeployment(), {
          spec: {
            strategy: { $retainKeys: ['type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
          },
        }),
      'KEELSON_BAD_REQUEST',
      /invalid patch format of retainKeys: field "rollingUpdate" is set at spec\.strategy but missing from \$retainKeys/,
    );
    assertRejects(
      () => patch(liveDeployment(), { spec: { strategy: { $retainKeys: 'type' } } }),
      'KEELSON_BAD_REQUEST',
      /invalid patch format of retainKeys/,
    );
  });

  it('rejects malformed list directives', () => {
    assertRejects(
      () => patch(liveDeployment(), { metadata: { $deleteFromPrimitiveList: ['example.com/a'] } }),
      'KEELSON_BAD_REQUEST',
      /invalid patch format of primitive list: "\$deleteFromPrimitiveList" at metadata must be \$deleteFromPrimitiveList\/<field>/,
    );
    assertRejects(
      () => patch(liveDeployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': 'example.com/a' } }),
      'KEELSON_BAD_REQUEST',
      /must be a list/,
    );
    assertRejects(
      () =>
        patch(liveDeployment(), {
          spec: { template: { spec: { '$deleteFromPrimitiveList/containers': ['web'] } } },
        }),
      'KEELSON_BAD_REQUEST',
      /only applies to lists of scalars/,
    );
    assertRejects(
      () => patch(liveDeployment(), { metadata: { '$setElementOrder/finalizers': 'example.com/a' } }),
      'KEELSON_BAD_REQUEST',
      /invalid patch format of setElementOrder list/,
    );
    assertRejects(
      () =>
        patch(liveDeployment(), {
          spec: {
            template: {
              spec: {
                '$setElementOrder/containers': [{ name: 'web' }],
                containers: [{ name: 'sidecar', image: 'x' }],
              },
            },
          },
        }),
      'KEELSON_BAD_REQUEST',
      /the order of the items in spec\.template\.spec\.containers does not match \$setElementOrder\/containers/,
    );
  });

  it('rejects mixed element types with 400 and lists of lists with 422', () => {
    assertRejects(
      () => patch(liveDeployment(), { metadata: { finalizers: [{ $patch: 'replace' }, 'example.com/z'] } }),
      'KEELSON_BAD_REQUEST',
      /list element types are not identical in metadata\.finalizers/,
    );
    assertRejects(
      () => patch(liveDeployment(), { metadata: { finalizers: [['example.com/z']] } }),
      'KEELSON_INVALID',
      /lists of lists are not supported: metadata\.finalizers/,
    );
  });
});
