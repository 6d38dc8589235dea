/**
 * The built-in forge on a real embedded API server, through both Forge implementations: the forge
 * contract through GithubForge (so @octokit/rest talks to it as to GitHub Enterprise), with every
 * REST exchange and every webhook checked against GitHub's published OpenAPI description
 * (@octokit/openapi), and the same contract through BuiltinForge in process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { startServer, tempDir, type ServerProcess } from '../../test/e2e/harness.ts';
import { forgeContract } from '../adapters/forge/forge.contract.ts';
import { GithubForge, type Forge } from '../adapters/forge/index.ts';
import { keelsonCrds } from '../api/crds/index.ts';
import { KubeClient } from '../runtime/client.ts';
import { applyCrds } from '../runtime/crds.ts';
import { startForge, type RunningForge } from './server.ts';
import {
  description,
  forAjv,
  operationOf,
  recordingProxy,
  rooted,
  validator,
  type Exchange,
} from './test-fixtures.ts';

const exchanges: Exchange[] = [];
const webhooks: { event: string; payload: Record<string, unknown> }[] = [];

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

/** One embedded API server (with the CRDs) and one webhook recorder for both contract runs. */
interface Environment {
  apiServer: ServerProcess;
  client: KubeClient;
  recorder: { url: string; server: Server };
}

let environment: Promise<Environment> | undefined;
const servers: Server[] = [];

function sharedEnvironment(): Promise<Environment> {
  environment ??= (async () => {
    const apiServer = await startServer({ args: ['--no-node'] });
    const client = KubeClient.fromFile(apiServer.kubeconfig);
    await applyCrds(client, keelsonCrds, { fieldManager: 'keelson' });
    const recorder = await webhookRecorder();
    servers.push(recorder.server);
    return { apiServer, client, recorder };
  })();
  return environment;
}

/**
 * A forge of its own for each run (namespace and data directory), on the shared API server: the
 * contract creates fixed names (org acme, users reviewer, member, ...), so the runs cannot share
 * one forge's state.
 */
async function startRunForge(namespace: string): Promise<RunningForge> {
  const { client, recorder } = await sharedEnvironment();
  return startForge({
    client,
    namespace,
    dataDir: tempDir('keelson-forge-'),
    log: () => {},
    globalHook: { url: recorder.url, secret: 'global-secret' },
  });
}

forgeContract({
  name: 'GithubForge against the built-in forge',
  async start() {
    const running = await startRunForge('keelson-forge');
    const proxy = await recordingProxy(running.url, exchanges);
    servers.push(proxy.server);
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
      stop: () => running.stop(),
    };
  },
});

forgeContract({
  name: 'BuiltinForge in process',
  async start() {
    const running = await startRunForge('keelson-forge-in-process');
    return {
      admin: running.forgeFor(running.adminToken),
      adminLogin: running.adminLogin,
      adminToken: running.adminToken,
      async user(login, orgs) {
        const token = await running.createUser(login, { orgs });
        return { forge: running.forgeFor(token), token };
      },
      settled: () => running.webhooksIdle(),
      stop: () => running.stop(),
    };
  },
});

/** What a call did, comparable across implementations: its result, or its error's code, status and message. */
async function outcome(call: Promise<unknown>): Promise<unknown> {
  try {
    return { resolved: await call };
  } catch (error) {
    const { name, code, status, message } = error as Error & { code?: unknown; status?: unknown };
    return { rejected: { name, code, status, message } };
  }
}

test('GithubForge and BuiltinForge give the same answers and the same errors on one forge', async () => {
  const running = await startRunForge('keelson-forge-parity');
  try {
    // straight to the forge, not through the recording proxy: the OpenAPI checks are the contract's
    const baseUrl = running.apiUrl;
    const strangerToken = await running.createUser('stranger', { orgs: [] });
    const both = {
      admin: [new GithubForge({ token: running.adminToken, baseUrl }), running.forgeFor(running.adminToken)],
      stranger: [new GithubForge({ token: strangerToken, baseUrl }), running.forgeFor(strangerToken)],
      revoked: [new GithubForge({ token: 'kfp_revoked', baseUrl }), running.forgeFor('kfp_revoked')],
    } satisfies Record<string, [Forge, Forge]>;

    const [admin] = both.admin;
    const created = await admin.createRepository({ owner: 'acme', name: 'parity' });
    const dir = tempDir('keelson-forge-parity-');
    const git = (...args: string[]) =>
      promisify(execFile)('git', args, {
        cwd: dir,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      });
    const auth = Buffer.from(`x-access-token:${running.adminToken}`).toString('base64');
    await git('init', '-q', '-b', 'main', '.');
    await git('config', 'http.extraHeader', `Authorization: Basic ${auth}`);
    await git(
      '-c',
      'user.name=p',
      '-c',
      'user.email=p@example.com',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'base',
    );
    await git('push', '-q', created.cloneUrl, 'main');
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    await git('checkout', '-q', '-b', 'feature');
    await git('add', '-A');
    await git('-c', 'user.name=p', '-c', 'user.email=p@example.com', 'commit', '-q', '-m', 'a');
    await git('push', '-q', created.cloneUrl, 'feature');
    const repo = { owner: 'acme', name: 'parity' };
    const absent = { owner: 'acme', name: 'absent' };
    const pr = await admin.createPullRequest(repo, { title: 'Parity', head: 'feature', base: 'main' });
    await admin.addLabels(repo, pr.number, ['lgtm']);
    await admin.createStatus(repo, pr.head.sha, { state: 'success', context: 'unit' });
    await admin.createComment(repo, pr.number, 'hello');

    const calls: [keyof typeof both, string, (f: Forge) => Promise<unknown>][] = [
      ['admin', 'current user', (f) => f.currentUser()],
      ['revoked', 'a token nobody has', (f) => f.currentUser()],
      ['admin', 'get repository', (f) => f.getRepository(repo)],
      ['admin', 'get a missing repository', (f) => f.getRepository(absent)],
      [
        'admin',
        'create an existing repository',
        (f) => f.createRepository({ owner: 'acme', name: 'parity' }),
      ],
      ['admin', 'create an invalid name', (f) => f.createRepository({ owner: 'acme', name: 'Not Valid' })],
      ['stranger', 'create in an org not joined', (f) => f.createRepository({ owner: 'acme', name: 'x' })],
      ['admin', 'get pull request', (f) => f.getPullRequest(repo, pr.number)],
      ['admin', 'get pull request 99', (f) => f.getPullRequest(repo, 99)],
      ['admin', 'get pull request 0', (f) => f.getPullRequest(repo, 0)],
      ['admin', 'list pull requests', (f) => f.listPullRequests(repo, { state: 'all' })],
      ['admin', 'list pull requests of a missing repository', (f) => f.listPullRequests(absent)],
      ['admin', 'list changed files', (f) => f.listChangedFiles(repo, pr.number)],
      [
        'admin',
        'open from a missing branch',
        (f) => f.createPullRequest(repo, { title: 't', head: 'no', base: 'main' }),
      ],
      [
        'admin',
        'open a second from the same branch',
        (f) => f.createPullRequest(repo, { title: 't', head: 'feature', base: 'main' }),
      ],
      ['admin', 'list comments', (f) => f.listComments(repo, pr.number)],
      ['admin', 'update a missing comment', (f) => f.updateComment(repo, 424242, 'x')],
      ['stranger', 'label without access', (f) => f.addLabels(repo, pr.number, ['x'])],
      ['admin', 'label with no labels', (f) => f.addLabels(repo, pr.number, [])],
      ['admin', 'remove an absent label', (f) => f.removeLabel(repo, pr.number, 'absent')],
      [
        'stranger',
        'set a status without access',
        (f) => f.createStatus(repo, pr.head.sha, { state: 'success', context: 'x' }),
      ],
      [
        'admin',
        'set a status on an unknown sha',
        (f) => f.createStatus(repo, 'abc123', { state: 'success', context: 'x' }),
      ],
      [
        'admin',
        'set a status on a branch name',
        (f) => f.createStatus(repo, 'main', { state: 'success', context: 'x' }),
      ],
      ['admin', 'get the combined status', (f) => f.getCombinedStatus(repo, 'feature')],
      ['admin', 'get the status of a missing ref', (f) => f.getCombinedStatus(repo, 'nope')],
      [
        'admin',
        'review their own pull request',
        (f) => f.createReview(repo, pr.number, { event: 'APPROVE' }),
      ],
      [
        'stranger',
        'comment-review without a body',
        (f) => f.createReview(repo, pr.number, { event: 'COMMENT' }),
      ],
      ['admin', 'list reviews', (f) => f.listReviews(repo, pr.number)],
      ['admin', 'org membership', (f) => f.isOrgMember('acme', 'stranger')],
      ['admin', 'collaborator of a missing repository', (f) => f.isCollaborator(absent, 'admin')],
      [
        'stranger',
        'add a webhook without access',
        (f) => f.createWebhook(repo, { url: 'http://x/', secret: 's', events: ['*'] }),
      ],
      ['stranger', 'merge without access', (f) => f.mergePullRequest(repo, pr.number, { method: 'merge' })],
      [
        'admin',
        'merge a moved head',
        (f) => f.mergePullRequest(repo, pr.number, { method: 'merge', sha: pr.base.sha }),
      ],
      ['stranger', 'close without access', (f) => f.closePullRequest(repo, pr.number)],
    ];
    const differences: string[] = [];
    for (const [who, what, call] of calls) {
      const [github, builtin] = both[who];
      const overHttp = await outcome(call(github));
      const inProcess = await outcome(call(builtin));
      try {
        assert.deepEqual(inProcess, overHttp);
      } catch {
        differences.push(
          `${what}: ${JSON.stringify(overHttp)} over HTTP, ${JSON.stringify(inProcess)} in process`,
        );
      }
    }
    assert.deepEqual(differences, []);
  } finally {
    await running.stop();
  }
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((done) => s.close(() => done()));
  }
  const env = await environment;
  env?.client.close();
  await env?.apiServer.stop();
});

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
