import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeProtobuf, isProtobuf } from './protobuf.ts';
import { captured } from './testdata/kubectl-protobuf.ts';
import { capturedKinds, capturedOther } from './testdata/kubectl-protobuf-kinds.ts';

function hex(value: string): Uint8Array {
  return Buffer.from(value, 'hex');
}

/** Go writes `null` for a nil slice, map or Time; protobuf has no null, and absent means the same. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

// Protobuf wire encoding, for the bodies kubectl does not send.

function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let rest = BigInt.asUintN(64, value);
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return Buffer.from(bytes);
}

/** A length-delimited field: a string, bytes or a message. */
function field(number: number, value: string | Uint8Array): Buffer {
  const bytes = Buffer.from(value);
  return Buffer.concat([varint(BigInt((number << 3) | 2)), varint(BigInt(bytes.length)), bytes]);
}

function number(field: number, value: number | bigint | boolean): Buffer {
  const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
  return Buffer.concat([varint(BigInt(field << 3)), varint(n)]);
}

function double(field: number, value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return Buffer.concat([varint(BigInt((field << 3) | 1)), bytes]);
}

function message(...fields: Buffer[]): Buffer {
  return Buffer.concat(fields);
}

function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from('k8s\0'),
    field(1, Buffer.concat([field(1, apiVersion), field(2, kind)])),
    field(2, raw),
  ]);
}

/** metav1.Time and MicroTime: seconds 1, nanos 2. */
function time(seconds: number, nanos = 0): Buffer {
  return message(number(1, seconds), number(2, nanos));
}

describe('decodeProtobuf of what kubectl sends', () => {
  for (const [name, { command, body, json }] of Object.entries(capturedKinds)) {
    it(`decodes ${name} to the JSON kubectl would send: ${command}`, () => {
      assert.deepEqual(decodeProtobuf(hex(body)), withoutNulls(json));
    });
  }

  it('keeps what kubectl create job --from=cronjob copies of the whole pod template', () => {
    const job = decodeProtobuf(hex(capturedKinds['jobFromCronJob']!.body));
    const spec = (job['spec'] as { template: { spec: Record<string, unknown> } }).template.spec;
    const [container] = spec['containers'] as Array<Record<string, unknown>>;
    assert.deepEqual(container?.['livenessProbe'], {
      httpGet: {
        path: '/healthz',
        port: 'metrics',
        scheme: 'HTTP',
        httpHeaders: [{ name: 'X', value: 'y' }],
      },
      initialDelaySeconds: 5,
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.deepEqual(container?.['resources'], {
      limits: { cpu: '1', 'ephemeral-storage': '1Gi', memory: '128Mi' },
      requests: { cpu: '250m', memory: '64Mi' },
    });
    assert.equal(spec['automountServiceAccountToken'], false);
    assert.equal(spec['terminationGracePeriodSeconds'], 0);
    assert.deepEqual(
      (spec['securityContext'] as Record<string, unknown>)['supplementalGroups'],
      [3000, 4000],
    );
    assert.deepEqual((spec['volumes'] as unknown[])[0], {
      name: 'data',
      emptyDir: { medium: 'Memory', sizeLimit: '256Mi' },
    });
  });

  it('decodes kubectl create configmap, secret, namespace and serviceaccount', () => {
    assert.deepEqual(decodeProtobuf(hex(captured.createConfigMap)), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data: { empty: '', mode: 'fast' },
    });
    assert.deepEqual(decodeProtobuf(hex(captured.createSecret)), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { password: Buffer.from('s3cr3t').toString('base64') },
      type: 'Opaque',
    });
    assert.deepEqual(decodeProtobuf(hex(captured.createNamespace)), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team' },
      spec: {},
      status: {},
    });
    assert.deepEqual(decodeProtobuf(hex(captured.createServiceAccount)), {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'robot' },
    });
  });

  it('decodes kubectl auth can-i, auth whoami and create token', () => {
    assert.deepEqual(decodeProtobuf(hex(captured.canIGetVersion)), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { nonResourceAttributes: { path: '/version', verb: 'get' } },
      status: { allowed: false },
    });
    assert.deepEqual(decodeProtobuf(hex(captured.canIGetPodLog))['spec'], {
      resourceAttributes: {
        namespace: 'team',
        verb: 'get',
        resource: 'pods',
        subresource: 'log',
        name: 'log',
      },
    });
    assert.deepEqual(decodeProtobuf(hex(captured.canIList))['spec'], { namespace: 'team' });
    assert.deepEqual(decodeProtobuf(hex(captured.whoami)), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: {},
      status: { userInfo: {} },
    });
    assert.deepEqual(decodeProtobuf(hex(capturedOther.token.body)), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: {
        audiences: ['api'],
        boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'creds' },
        expirationSeconds: 600,
      },
      status: { token: '' },
    });
  });

  it('refuses kinds in versions the server does not serve, such as kubectl autoscale’s autoscaling/v1', () => {
    assert.throws(() => decodeProtobuf(hex(capturedOther.autoscale.body)), {
      code: 'KEELSON_UNSUPPORTED_MEDIA_TYPE',
      message: /HorizontalPodAutoscaler autoscaling\/v1/,
    });
  });
});

describe('decodeProtobuf as Go marshals JSON', () => {
  it('keeps false and zero in fields Go holds as pointers and in required fields, and drops other zeros', () => {
    const serviceAccount = envelope(
      'v1',
      'ServiceAccount',
      message(field(1, field(1, 'robot')), number(4, false)),
    );
    assert.equal(decodeProtobuf(serviceAccount)['automountServiceAccountToken'], false);
    const owner = message(field(1, 'ReplicaSet'), field(3, 'rs'), number(6, false));
    assert.deepEqual(decodeProtobuf(envelope('v1', 'ConfigMap', field(1, field(13, owner)))).metadata, {
      ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', controller: false }],
    });
    // Lease: leaseDurationSeconds is a pointer, holderIdentity too; ObjectMeta.generation is not.
    const lease = envelope(
      'coordination.k8s.io/v1',
      'Lease',
      message(
        field(1, message(field(1, 'leader'), number(7, 0))),
        field(2, message(field(1, ''), number(2, 0))),
      ),
    );
    assert.deepEqual(decodeProtobuf(lease), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'leader' },
      spec: { holderIdentity: '', leaseDurationSeconds: 0 },
    });
  });

  it('keeps map keys JSON.parse would keep, __proto__ included', () => {
    const label = (key: string): Buffer => field(11, message(field(1, key), field(2, 'v')));
    const labels = decodeProtobuf(
      envelope('v1', 'ConfigMap', field(1, message(label('__proto__'), label('app')))),
    ).metadata.labels;
    assert.deepEqual(labels, JSON.parse('{"__proto__":"v","app":"v"}'));
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  });

  it('writes Time to the second and MicroTime to the microsecond, and drops a zero Time', () => {
    const event = envelope(
      'events.k8s.io/v1',
      'Event',
      message(
        field(1, message(field(1, 'e1'), field(8, ''))),
        field(2, time(1_700_000_000, 123_456_789)),
        field(7, 'Started'),
        field(13, time(1_700_000_000, 500_000_000)),
        field(14, time(0)),
      ),
    );
    assert.deepEqual(decodeProtobuf(event), {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e1' },
      eventTime: '2023-11-14T22:13:20.123456Z',
      reason: 'Started',
      deprecatedFirstTimestamp: '2023-11-14T22:13:20Z',
      deprecatedLastTimestamp: '1970-01-01T00:00:00Z',
    });
  });

  it('reads packed and unpacked repeated numbers, and negative ones', () => {
    const packed = field(4, Buffer.concat([varint(1000n), varint(2000n)]));
    const podSpec = message(field(14, message(packed, number(4, 3000), number(2, -1))));
    const pod = decodeProtobuf(envelope('v1', 'Pod', field(2, podSpec)));
    assert.deepEqual((pod['spec'] as Record<string, unknown>)['securityContext'], {
      supplementalGroups: [1000, 2000, 3000],
      runAsUser: -1,
    });
  });

  it('parses RawExtension and FieldsV1, also when they hold a protobuf object', () => {
    const configMap = envelope(
      'v1',
      'ConfigMap',
      message(field(1, field(1, 'inner')), field(2, field(1, 'k'))),
    );
    const managed = message(
      field(1, 'kubectl'),
      field(2, 'Update'),
      field(3, 'apps/v1'),
      field(4, time(1_700_000_000)),
      field(6, 'FieldsV1'),
      field(7, field(1, '{"f:data":{}}')),
    );
    const revision = (data: Uint8Array): Buffer =>
      envelope(
        'apps/v1',
        'ControllerRevision',
        message(field(1, field(17, managed)), field(2, field(1, data)), number(3, 0)),
      );
    assert.deepEqual(decodeProtobuf(revision(Buffer.from('{"spec":{"replicas":3}}'))), {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        managedFields: [
          {
            manager: 'kubectl',
            operation: 'Update',
            apiVersion: 'apps/v1',
            time: '2023-11-14T22:13:20Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:data': {} },
          },
        ],
      },
      data: { spec: { replicas: 3 } },
      revision: 0,
    });
    assert.deepEqual(decodeProtobuf(revision(configMap))['data'], {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'inner' },
      data: { k: '' },
    });
    assert.throws(() => decodeProtobuf(revision(Buffer.from('{oops'))), { code: 'KEELSON_BAD_REQUEST' });
  });

  it('decodes a CustomResourceDefinition with its JSON-schema unions and raw JSON values', () => {
    const props = (...fields: Buffer[]): Buffer => message(...fields);
    const entry = (key: string, value: Buffer): Buffer => message(field(1, key), field(2, value));
    const schema = props(
      field(5, 'object'),
      field(29, entry('replicas', props(field(5, 'integer'), double(9, 10.5), double(11, 0)))),
      field(
        29,
        entry(
          'mode',
          props(
            field(5, 'string'),
            field(8, field(1, '"fast"')),
            field(20, field(1, '"fast"')),
            field(20, field(1, '"slow"')),
          ),
        ),
      ),
      field(29, entry('tags', props(field(5, 'array'), field(24, field(1, props(field(5, 'string'))))))),
      field(29, entry('extra', props(field(5, 'object'), number(38, true), field(30, number(1, false))))),
      field(29, entry('labels', props(field(5, 'object'), field(30, field(2, props(field(5, 'string'))))))),
      field(32, entry('mode', field(2, 'replicas'))),
      field(3, '#/definitions/x'),
      field(44, message(field(1, 'self.replicas >= 0'), field(3, '"bad: " + self'), number(6, false))),
    );
    const version = message(
      field(1, 'v1'),
      number(2, true),
      number(3, false),
      field(4, field(1, schema)),
      field(9, field(1, '.spec.mode')),
    );
    const spec = message(
      field(1, 'example.com'),
      field(3, message(field(1, 'widgets'), field(4, 'Widget'))),
      field(4, 'Namespaced'),
      field(7, version),
    );
    const crd = decodeProtobuf(
      envelope(
        'apiextensions.k8s.io/v1',
        'CustomResourceDefinition',
        message(field(1, field(1, 'widgets.example.com')), field(2, spec)),
      ),
    );
    assert.deepEqual(crd['spec'], {
      group: 'example.com',
      names: { plural: 'widgets', kind: 'Widget' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: false,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                replicas: { type: 'integer', maximum: 10.5, minimum: 0 },
                mode: { type: 'string', default: 'fast', enum: ['fast', 'slow'] },
                tags: { type: 'array', items: { type: 'string' } },
                extra: {
                  type: 'object',
                  'x-kubernetes-preserve-unknown-fields': true,
                  additionalProperties: false,
                },
                labels: { type: 'object', additionalProperties: { type: 'string' } },
              },
              dependencies: { mode: ['replicas'] },
              $ref: '#/definitions/x',
              'x-kubernetes-validations': [
                { rule: 'self.replicas >= 0', messageExpression: '"bad: " + self', optionalOldSelf: false },
              ],
            },
          },
          selectableFields: [{ jsonPath: '.spec.mode' }],
        },
      ],
    });
  });

  it('decodes DELETE options in any served group version', () => {
    const options = message(number(1, 0), field(4, 'Foreground'), field(5, 'All'));
    assert.deepEqual(decodeProtobuf(envelope('apps/v1', 'DeleteOptions', options)), {
      apiVersion: 'apps/v1',
      kind: 'DeleteOptions',
      metadata: {},
      gracePeriodSeconds: 0,
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
  });

  it('decodes a SubjectAccessReview with groups and extra', () => {
    const spec = message(
      field(2, message(field(1, '/healthz'), field(2, 'get'))),
      field(3, 'carol'),
      field(4, 'devs'),
      field(4, 'system:authenticated'),
      field(5, message(field(1, 'scopes'), field(2, message(field(1, 'a'), field(1, 'b'))))),
      field(6, 'uid-1'),
    );
    const body = envelope(
      'authorization.k8s.io/v1',
      'SubjectAccessReview',
      message(field(1, field(3, 'ns')), field(2, spec)),
    );
    assert.deepEqual(decodeProtobuf(body), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: { namespace: 'ns' },
      spec: {
        nonResourceAttributes: { path: '/healthz', verb: 'get' },
        user: 'carol',
        groups: ['devs', 'system:authenticated'],
        extra: { scopes: ['a', 'b'] },
        uid: 'uid-1',
      },
    });
  });
});

describe('decodeProtobuf refusals', () => {
  it('refuses kinds it does not know and malformed bodies', () => {
    const unknown = envelope('v1', 'PodTemplate', Buffer.alloc(0));
    assert.throws(() => decodeProtobuf(unknown), { code: 'KEELSON_UNSUPPORTED_MEDIA_TYPE' });
    const oldVersion = envelope('apps/v1beta1', 'Deployment', Buffer.alloc(0));
    assert.throws(() => decodeProtobuf(oldVersion), { code: 'KEELSON_UNSUPPORTED_MEDIA_TYPE' });
    assert.throws(() => decodeProtobuf(Buffer.from('{"kind":"x"}')), { code: 'KEELSON_BAD_REQUEST' });
    const truncated = hex(captured.canIListPods).subarray(0, 60);
    assert.throws(() => decodeProtobuf(truncated), { code: 'KEELSON_BAD_REQUEST' });
    const badUtf8 = envelope(
      'authorization.k8s.io/v1',
      'SelfSubjectRulesReview',
      field(2, field(1, Buffer.from([0xff, 0xfe]))),
    );
    assert.throws(() => decodeProtobuf(badUtf8), { code: 'KEELSON_BAD_REQUEST' });
    const wrongWireType = envelope('v1', 'ConfigMap', field(1, number(1, 7)));
    assert.throws(() => decodeProtobuf(wrongWireType), { code: 'KEELSON_BAD_REQUEST' });
  });

  it('refuses a body nested deeper than any object', () => {
    let schema = message(field(5, 'string'));
    for (let i = 0; i < 600; i++) schema = field(28, schema);
    const version = message(field(1, 'v1'), field(4, field(1, schema)));
    const body = envelope('apiextensions.k8s.io/v1', 'CustomResourceDefinition', field(2, field(7, version)));
    assert.throws(() => decodeProtobuf(body), { code: 'KEELSON_BAD_REQUEST', message: /nested too deeply/ });
  });

  it('recognises the protobuf content type', () => {
    assert.equal(isProtobuf('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isProtobuf('application/vnd.kubernetes.protobuf; charset=utf-8'), true);
    assert.equal(isProtobuf('application/json'), false);
  });
});
