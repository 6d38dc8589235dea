/**
 * Bad input gets a Kubernetes Status that says what is wrong and where; the server keeps serving
 * and nothing stored changes.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { api, startServer, type ServerProcess } from './harness.ts';

let server: ServerProcess;
let revision: string;
before(async () => {
  server = await startServer();
  await api(server, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'bad' },
  });
  await api(server, 'POST', '/api/v1/namespaces/bad/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'keep' },
    data: { a: '1' },
  });
  await api(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: { size: { type: 'integer', minimum: 1 } },
                },
              },
            },
          },
        },
      ],
    },
  });
  await new Promise((r) => setTimeout(r, 300));
  revision = await currentRevision();
});
after(async () => server.stop());

async function currentRevision(): Promise<string> {
  return (await api(server, 'GET', '/api/v1/namespaces/bad/configmaps')).json.metadata.resourceVersion;
}

function assertStatus(
  res: { status: number; json: any },
  code: number,
  reason: string,
  message: RegExp,
): void {
  assert.equal(res.status, code, JSON.stringify(res.json));
  assert.equal(res.json.kind, 'Status');
  assert.equal(res.json.status, 'Failure');
  assert.equal(res.json.reason, reason);
  assert.equal(res.json.code, code);
  assert.match(res.json.message, message);
}

const cm = '/api/v1/namespaces/bad/configmaps';

it('rejects malformed JSON and YAML bodies, naming the problem', async () => {
  assertStatus(await api(server, 'POST', cm, '{"apiVersion": "v1", "kind": '), 400, 'BadRequest', /JSON/);
  assertStatus(
    await api(
      server,
      'POST',
      cm,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n',
      'application/yaml',
    ),
    400,
    'BadRequest',
    /yaml: line \d+/,
  );
});

it('rejects unknown resources and kinds that do not match the URL', async () => {
  assertStatus(
    await api(server, 'GET', '/apis/example.com/v1/namespaces/bad/doodads'),
    404,
    'NotFound',
    /could not find the requested resource/,
  );
  assertStatus(
    await api(server, 'POST', cm, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }),
    400,
    'BadRequest',
    /kind in the data \(Secret\)/,
  );
});

it('rejects bodies over 3 MiB', async () => {
  const big = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'big' },
    data: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) },
  };
  assertStatus(await api(server, 'POST', cm, big), 413, 'RequestEntityTooLarge', /larger than the limit/);
});

it('rejects invalid names and labels with field causes', async () => {
  const bad = await api(server, 'POST', cm, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'Bad_Name' },
  });
  assertStatus(
    bad,
    422,
    'Invalid',
    /metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
  );
  assert.equal(bad.json.details.causes[0].field, 'metadata.name');
  const label = await api(server, 'POST', cm, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'ok', labels: { 'bad key!': 'v' } },
  });
  assertStatus(label, 422, 'Invalid', /metadata\.labels/);
});

it('rejects schema violations of custom resources with the field', async () => {
  const res = await api(server, 'POST', '/apis/example.com/v1/namespaces/bad/gadgets', {
    apiVersion: 'example.com/v1',
    kind: 'Gadget',
    metadata: { name: 'g' },
    spec: { size: 'big' },
  });
  assertStatus(
    res,
    422,
    'Invalid',
    /spec\.size: Invalid value: "string": spec\.size in body must be of type integer/,
  );
  const missing = await api(server, 'POST', '/apis/example.com/v1/namespaces/bad/gadgets', {
    apiVersion: 'example.com/v1',
    kind: 'Gadget',
    metadata: { name: 'g' },
    spec: {},
  });
  assertStatus(missing, 422, 'Invalid', /spec\.size: Required value/);
});

it('rejects patches that do not apply', async () => {
  assertStatus(
    await api(
      server,
      'PATCH',
      `${cm}/keep`,
      '[{"op":"test","path":"/data/a","value":"2"}]',
      'application/json-patch+json',
    ),
    422,
    'Invalid',
    /test/,
  );
  assertStatus(
    await api(server, 'PATCH', `${cm}/keep`, '{"data": ', 'application/merge-patch+json'),
    400,
    'BadRequest',
    /JSON/,
  );
  assertStatus(
    await api(server, 'PATCH', `${cm}/keep`, '{"data":{"a":"2"}}', 'text/plain'),
    415,
    'UnsupportedMediaType',
    /accepted media types/,
  );
  assertStatus(
    await api(
      server,
      'PATCH',
      `${cm}/keep`,
      '{"metadata":{"name":"Other_Name"}}',
      'application/merge-patch+json',
    ),
    400,
    'BadRequest',
    /does not match the name/,
  );
});

it('stored nothing for any of it and keeps serving', async () => {
  assert.equal(await currentRevision(), revision);
  const keep = await api(server, 'GET', `${cm}/keep`);
  assert.deepEqual(keep.json.data, { a: '1' });
  const list = await api(server, 'GET', cm);
  assert.deepEqual(
    list.json.items.map((i: any) => i.metadata.name),
    ['keep'],
  );
});
