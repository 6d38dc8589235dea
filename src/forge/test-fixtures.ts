/**
 * Test support for the forge's tests (not a test itself): a recording proxy in front of the forge's
 * REST API, and GitHub's published OpenAPI description (@octokit/openapi) made usable by Ajv, so
 * tests can check every recorded exchange against it.
 */
import { createRequire } from 'node:module';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

export interface Exchange {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/** Forwards to the forge and records each API exchange. */
export async function recordingProxy(
  target: string,
  exchanges: Exchange[],
): Promise<{ url: string; server: Server }> {
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

export interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const require = createRequire(import.meta.url);
export const description = require('@octokit/openapi/generated/ghes-3.19.json') as {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
  'x-webhooks': Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
};

/**
 * OpenAPI 3.0 → what Ajv takes: `nullable` without `type` becomes `anyOf [schema, null]`, and a
 * `oneOf` with a discriminator (which Ajv cannot map) becomes `anyOf`.
 */
export function forAjv(node: unknown): unknown {
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

export const components = forAjv(description.components);

export function validator(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  ajv.addSchema({ components }, 'gh');
  return ajv;
}

/** Rewrites `#/components/...` refs to the registered document. */
export function rooted(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"gh#/components/'));
}

export function operationOf(
  method: string,
  path: string,
): { template: string; operation: Operation } | undefined {
  for (const [template, item] of Object.entries(description.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = item[method.toLowerCase()];
    if (operation && pattern.test(path)) return { template, operation };
  }
  return undefined;
}
