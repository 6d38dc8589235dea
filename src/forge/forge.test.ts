/**
 * The built-in forge on a real embedded API server: the forge contract through GithubForge (so
 * @octokit/rest talks to it as to GitHub Enterprise), with every REST exchange and every webhook
 * checked against GitHub's published OpenAPI description (@octokit/openapi).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { startServer, tempDir, type ServerProcess } from '../../test/e2e/harness.ts';
import { forgeContract } from '../adapters/forge/forge.contract.ts';
import { GithubForge } from '../adapters/forge/index.ts';
import { keelsonCrds } from '../api/crds/index.ts';
import { KubeClient } from '../runtime/client.ts';
import { applyCrds } from '../runtime/crds.ts';
import { startForge, type RunningForge } from './server.ts';

interface Exchange {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

const exchanges: Exchange[] = [];
const webhooks: { event: string; payload: Record<string, unknown> }[] = [];

/** Forwards to the forge and records each API exchange. */
async function recordingProxy(target: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          exchanges.push({
            method: req.method ?? 'GET',
            path: new URL(req.url ?? '/', target).pathname.replace(/^\/api\/v3/, ''),
            status: up.statusCode ?? 0,
            body: text === '' ? undefined : JSON.parse(text),
          });
          res.writeHead(up.statusCode ?? 502, up.headers).end(text);
        });
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function webhookRecorder(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      webhooks.push({
        event: String(req.headers['x-github-event']),
        payload: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

let apiServer: ServerProcess | undefined;
let forge: RunningForge | undefined;
const servers: Server[] = [];

forgeContract({
  name: 'GithubForge against the built-in forge',
  async start() {
    apiServer = await startServer({ args: ['--no-node'] });
    const client = KubeClient.fromFile(apiServer.kubeconfig);
    await applyCrds(client, keelsonCrds, { fieldManager: 'keelson' });
    const recorder = await webhookRecorder();
    forge = await startForge({
      client,
      dataDir: tempDir('keelson-forge-'),
      log: () => {},
      globalHook: { url: recorder.url, secret: 'global-secret' },
    });
    const proxy = await recordingProxy(forge.url);
    servers.push(recorder.server, proxy.server);
    const running = forge;
    const baseUrl = `${proxy.url}/api/v3`;
    return {
      admin: new GithubForge({ token: running.adminToken, baseUrl }),
      adminLogin: running.adminLogin,
      adminToken: running.adminToken,
      async user(login, orgs) {
        const token = await running.createUser(login, { orgs });
        return { forge: new GithubForge({ token, baseUrl }), token };
      },
      settled: () => running.webhooksIdle(),
      async stop() {
        await running.stop();
        client.close();
      },
    };
  },
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((done) => s.close(() => done()));
  }
  await apiServer?.stop();
});

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const require = createRequire(import.meta.url);
const description = require('@octokit/openapi/generated/ghes-3.19.json') as {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
  'x-webhooks': Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
};

/**
 * OpenAPI 3.0 → what Ajv takes: `nullable` without `type` becomes `anyOf [schema, null]`, and a
 * `oneOf` with a discriminator (which Ajv cannot map) becomes `anyOf`.
 */
function forAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forAjv);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = forAjv(v);
  if (out['discriminator'] !== undefined) {
    delete out['discriminator'];
    if (out['oneOf']) {
      out['anyOf'] = out['oneOf'];
      delete out['oneOf'];
    }
  }
  if (out['nullable'] === true && out['type'] === undefined) {
    delete out['nullable'];
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

const components = forAjv(description.components);

function validator(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  ajv.addSchema({ components }, 'gh');
  return ajv;
}

/** Rewrites `#/components/...` refs to the registered document. */
function rooted(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"gh#/components/'));
}

function operationOf(method: string, path: string): { template: string; operation: Operation } | undefined {
  for (const [template, item] of Object.entries(description.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = item[method.toLowerCase()];
    if (operation && pattern.test(path)) return { template, operation };
  }
  return undefined;
}

test('every REST exchange of the contract matches GitHub OpenAPI description', () => {
  assert.ok(exchanges.length > 50, `the contract ran through the API (${exchanges.length} exchanges)`);
  const ajv = validator();
  const failures: string[] = [];
  const seen = new Set<string>();
  for (const ex of exchanges) {
    const found = operationOf(ex.method, ex.path);
    if (!found) {
      failures.push(`${ex.method} ${ex.path}: not an operation of GitHub's API`);
      continue;
    }
    // GitHub does not document every error of every operation; undocumented ones must still be its basic-error
    const response =
      found.operation.responses[String(ex.status)] ??
      (ex.status >= 400
        ? { content: { 'application/json': { schema: { $ref: '#/components/schemas/basic-error' } } } }
        : undefined);
    if (!response) {
      failures.push(`${ex.method} ${found.template}: status ${ex.status} is not documented`);
      continue;
    }
    seen.add(`${ex.method} ${found.template}`);
    const schema = response.content?.['application/json']?.schema;
    if (schema === undefined || ex.body === undefined) continue;
    const validate = ajv.compile(rooted(forAjv(schema)) as object);
    if (!validate(ex.body))
      failures.push(
        `${ex.method} ${found.template} ${ex.status}: ${ajv.errorsText(validate.errors?.slice(0, 5))}`,
      );
  }
  assert.deepEqual([...new Set(failures)], []);
  assert.ok(seen.has('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge'), 'merges were checked');
});

test('every webhook the forge sent matches GitHub webhook schemas', () => {
  const ajv = validator();
  const failures: string[] = [];
  const events = new Set<string>();
  for (const { event, payload } of webhooks) {
    const action = typeof payload['action'] === 'string' ? `-${payload['action'].replace(/_/g, '-')}` : '';
    const key = `${event.replace(/_/g, '-')}${action}`;
    const hook = description['x-webhooks'][key];
    if (!hook) {
      failures.push(`${key}: not a webhook of GitHub's description`);
      continue;
    }
    events.add(key);
    const schema = hook.post.requestBody.content['application/json']?.schema;
    const validate = ajv.compile(rooted(forAjv(schema)) as object);
    if (!validate(payload)) failures.push(`${key}: ${ajv.errorsText(validate.errors?.slice(0, 5))}`);
  }
  for (const key of [
    'push',
    'pull-request-opened',
    'pull-request-synchronize',
    'pull-request-closed',
    'issue-comment-created',
    'pull-request-review-submitted',
    'status',
  ])
    assert.ok(events.has(key), `a ${key} webhook was sent`);
  assert.deepEqual([...new Set(failures)], []);
});
