/**
 * The GitOps core end to end, run the way a user runs it: `keelson apiserver` (with its embedded
 * node) and `keelson controllers` as separate processes, real git repositories (a bare repository
 * and a working clone, `git push`), and after every push a GitHub-format push webhook signed with
 * the controllers' secret. GitRepositories poll only hourly, so what a test sees after a push came
 * from the webhook. Everything is checked through kubectl, as a user would.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify as toYaml } from 'yaml';
import {
  eventually,
  freePort,
  kubectl,
  repoRoot,
  startServer,
  tempDir,
  type ServerProcess,
} from './harness.ts';

const run = promisify(execFile);
const podinfoFixture = join(repoRoot, '..', 'shared', 'fixtures', 'gitops', 'podinfo');
const ownerLabel = 'sync.keelson.dev/name';

let server: ServerProcess;
let controllers: ControllersProcess;
const controllersData = tempDir('keelson-gitops-controllers-');
const controllersLog = join(controllersData, 'controllers.log');
let controllersPort: number;
const scratch = tempDir('keelson-gitops-');

// ---------------------------------------------------------------- processes

interface ControllersProcess {
  child: ChildProcess;
  hooksUrl: string;
  secret: string;
  /** kill -9, and wait for the exit */
  kill(): Promise<void>;
}

/** `keelson controllers` against the server, on the given port and data directory; resolves once it serves. */
async function startControllers(): Promise<ControllersProcess> {
  const log = openSync(controllersLog, 'a');
  const child = spawn(
    join(repoRoot, 'bin', 'keelson'),
    [
      'controllers',
      '--kubeconfig',
      server.kubeconfig,
      '--data',
      controllersData,
      '--port',
      String(controllersPort),
    ],
    { stdio: ['ignore', 'pipe', log] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hooksUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`keelson controllers did not serve in 60s: ${out}${logTail()}`)),
      60_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving (\S+\/hooks\/git)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`keelson controllers exited: ${out}${logTail()}`));
    });
  });
  return {
    child,
    hooksUrl,
    secret: readFileSync(join(controllersData, 'webhook-secret'), 'utf8').trim(),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function logTail(): string {
  try {
    return `\n--- controllers log (tail) ---\n${readFileSync(controllersLog, 'utf8').slice(-3000)}`;
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- kubectl

const k = (...args: string[]) => kubectl(server.kubeconfig, args);
async function ok(...args: string[]): Promise<string> {
  const out = await k(...args);
  assert.equal(out.code, 0, `kubectl ${args.join(' ')}: ${out.stderr}${out.stdout}`);
  return out.stdout;
}
async function json(...args: string[]): Promise<any> {
  return JSON.parse(await ok(...args, '-o', 'json'));
}
/** The object, or undefined when kubectl says it is not found. */
async function find(...args: string[]): Promise<any> {
  const out = await k(...args, '-o', 'json');
  if (out.code !== 0 && /NotFound|not found/.test(out.stderr)) return undefined;
  assert.equal(out.code, 0, `kubectl ${args.join(' ')}: ${out.stderr}`);
  return JSON.parse(out.stdout);
}
async function apply(...objects: object[]): Promise<void> {
  const input = objects.map((o) => toYaml(o)).join('---\n');
  const out = await kubectl(server.kubeconfig, ['apply', '-f', '-'], input);
  assert.equal(out.code, 0, out.stderr);
}

async function namespace(name: string): Promise<void> {
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

function gitRepository(ns: string, name: string, repo: GitRepo): object {
  return {
    apiVersion: 'source.keelson.dev/v1',
    kind: 'GitRepository',
    metadata: { name, namespace: ns },
    spec: { url: repo.bare, ref: { branch: 'main' }, interval: '1h' },
  };
}

function sync(ns: string, name: string, spec: Record<string, unknown>): object {
  return {
    apiVersion: 'sync.keelson.dev/v1',
    kind: 'Sync',
    metadata: { name, namespace: ns },
    spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, interval: '1h', prune: true, ...spec },
  };
}

const getSync = (ns: string, name: string) => json('-n', ns, 'get', 'syncs.sync.keelson.dev', name);
const condition = (object: any, type: string) =>
  object?.status?.conditions?.find((c: any) => c.type === type);
const revision = (sha: string) => `main@sha1:${sha}`;

/** Waits until the Sync satisfies `accept`; a timeout shows the Sync's last status. */
async function waitForSync(
  ns: string,
  name: string,
  what: string,
  accept: (sync: any) => boolean,
  timeoutMs = 60_000,
): Promise<any> {
  let last: any;
  try {
    return await eventually(
      `Sync ${ns}/${name}: ${what}`,
      async () => {
        last = await getSync(ns, name);
        return accept(last) ? last : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nlast status: ${JSON.stringify(last?.status, null, 1)}${logTail()}`,
      { cause: error },
    );
  }
}

/** Ready=True for its generation, with `sha` applied. */
function readyAt(ns: string, name: string, sha: string, timeoutMs?: number): Promise<any> {
  return waitForSync(
    ns,
    name,
    `Ready at ${sha}`,
    (s) => {
      const ready = condition(s, 'Ready');
      return (
        ready?.status === 'True' &&
        s.status.observedGeneration === s.metadata.generation &&
        s.status.lastAppliedRevision === revision(sha)
      );
    },
    timeoutMs,
  );
}

/** Ready=False with `reason`, having attempted `sha`. */
function notReady(ns: string, name: string, reason: string, accept: (s: any) => boolean = () => true) {
  return waitForSync(ns, name, `Ready=False ${reason}`, (s) => {
    const ready = condition(s, 'Ready');
    return ready?.status === 'False' && ready.reason === reason && accept(s);
  });
}

/** Asks for a reconcile the way `keelson reconcile sync` does, and waits until it was handled. */
async function reconcileNow(ns: string, name: string): Promise<any> {
  const at = `${Date.now()}-${randomUUID().slice(0, 8)}`;
  await ok(
    '-n',
    ns,
    'annotate',
    '--overwrite',
    'syncs.sync.keelson.dev',
    name,
    `reconcile.keelson.dev/requestedAt=${at}`,
  );
  return waitForSync(ns, name, `reconcile ${at} handled`, (s) => s.status?.lastHandledReconcileAt === at);
}

// ---------------------------------------------------------------- git

/** A bare repository (what GitRepositories point at) and a working clone to commit and push from. */
class GitRepo {
  readonly bare: string;
  readonly work: string;

  private constructor(name: string) {
    this.bare = join(scratch, `${name}.git`);
    this.work = join(scratch, `${name}-work`);
  }

  static async create(name: string): Promise<GitRepo> {
    const repo = new GitRepo(name);
    await run('git', ['init', '-q', '--bare', '--initial-branch=main', repo.bare]);
    await run('git', ['clone', '-q', repo.bare, repo.work]);
    await repo.git('checkout', '-q', '-B', 'main');
    return repo;
  }

  /** A repository `create` made earlier in this file. */
  static reopen(name: string): GitRepo {
    return new GitRepo(name);
  }

  async git(...args: string[]): Promise<string> {
    const { stdout } = await run('git', args, {
      cwd: this.work,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Keelson Test',
        GIT_AUTHOR_EMAIL: 'test@keelson.test',
        GIT_COMMITTER_NAME: 'Keelson Test',
        GIT_COMMITTER_EMAIL: 'test@keelson.test',
      },
    });
    return stdout.trim();
  }

  write(path: string, content: string): this {
    mkdirSync(dirname(join(this.work, path)), { recursive: true });
    writeFileSync(join(this.work, path), content);
    return this;
  }

  remove(path: string): this {
    rmSync(join(this.work, path), { recursive: true });
    return this;
  }

  /** Commits everything and pushes it with `git push`; returns the commit. */
  async push(message: string): Promise<string> {
    await this.git('add', '-A');
    await this.git('commit', '-q', '-m', message);
    await this.git('push', '-q', 'origin', 'main');
    return this.git('rev-parse', 'HEAD');
  }

  /**
   * Pushes, then sends the controllers a signed GitHub `push` webhook for it, as a forge would, and
   * checks that it triggered the GitRepository `expect` (`namespace/name`).
   */
  async pushAndNotify(message: string, expect: string): Promise<string> {
    const before = await this.git('rev-parse', '--verify', '-q', 'HEAD').catch(() => '0'.repeat(40));
    const sha = await this.push(message);
    const triggered = await sendPushWebhook(this, before, sha);
    assert.ok(triggered.includes(expect), `the webhook triggered ${expect}: ${JSON.stringify(triggered)}`);
    return sha;
  }
}

/** A GitHub-format push delivery, signed with X-Hub-Signature-256; returns what it triggered. */
async function sendPushWebhook(repo: GitRepo, before: string, after: string): Promise<string[]> {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before,
    after,
    repository: {
      name: repo.bare.split('/').pop(),
      full_name: repo.bare,
      clone_url: `file://${repo.bare}`,
      url: `file://${repo.bare}`,
    },
    head_commit: { id: after },
  });
  const signature = `sha256=${createHmac('sha256', controllers.secret).update(body).digest('hex')}`;
  const res = await fetch(controllers.hooksUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': 'push',
      'X-GitHub-Delivery': randomUUID(),
      'X-Hub-Signature-256': signature,
    },
    body,
  });
  const text = await res.text();
  assert.equal(res.status, 200, `push webhook: ${res.status} ${text}`);
  return (JSON.parse(text) as { triggered: string[] }).triggered;
}

// ---------------------------------------------------------------- manifests

function configMap(name: string, data: Record<string, string>): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
  .join('\n')}
`;
}

function deployment(image: string, annotations: Record<string, string> = {}): string {
  const extra = Object.entries(annotations)
    .map(([k, v]) => `\n        ${k}: ${JSON.stringify(v)}`)
    .join('');
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations:
        example.com/image: ${JSON.stringify(image)}${extra}
    spec:
      containers:
        - name: web
          image: ${image}
`;
}

// ---------------------------------------------------------------- setup

before(async () => {
  server = await startServer({ tls: true, args: ['--sim-ready-delay', '300ms'] });
  await namespace('keelson-system');
  controllersPort = await freePort();
  controllers = await startControllers();
});

after(async () => {
  await controllers?.kill();
  await server?.stop();
});

describe('GitOps on the embedded control plane', { concurrency: true }, () => {
  test('a push is applied, and a file removed from git is pruned', async () => {
    const ns = 'gitops-apply';
    const repo = await GitRepo.create('apply');
    repo.write('app/settings.yaml', configMap('settings', { greeting: 'hello' }));
    repo.write('app/old.yaml', configMap('old', { keep: 'no' }));
    const first = await repo.push('settings and old');
    await namespace(ns);
    await apply(gitRepository(ns, 'repo', repo), sync(ns, 'app', { path: './app', targetNamespace: ns }));
    await readyAt(ns, 'app', first);
    assert.equal((await json('-n', ns, 'get', 'cm', 'settings')).data.greeting, 'hello');
    const old = await json('-n', ns, 'get', 'cm', 'old');
    assert.equal(old.metadata.labels[ownerLabel], 'app');

    // a changed field and a new object
    repo.write('app/settings.yaml', configMap('settings', { greeting: 'bonjour' }));
    repo.write('app/added.yaml', configMap('added', { new: 'yes' }));
    const second = await repo.pushAndNotify('greet in French, add a ConfigMap', `${ns}/repo`);
    const applied = await readyAt(ns, 'app', second);
    assert.equal((await json('-n', ns, 'get', 'cm', 'settings')).data.greeting, 'bonjour');
    assert.equal((await json('-n', ns, 'get', 'cm', 'added')).data.new, 'yes');
    assert.deepEqual(
      applied.status.objects
        .filter((o: any) => o.action !== 'unchanged')
        .sort((a: any, b: any) => a.id.localeCompare(b.id)),
      [
        { id: `${ns}_added__ConfigMap`, action: 'created' },
        { id: `${ns}_settings__ConfigMap`, action: 'configured' },
      ],
    );

    // a file removed from git: its object is pruned
    repo.remove('app/old.yaml');
    const third = await repo.pushAndNotify('drop old', `${ns}/repo`);
    const pruned = await readyAt(ns, 'app', third);
    assert.equal(await find('-n', ns, 'get', 'cm', 'old'), undefined, 'the removed ConfigMap is pruned');
    assert.ok(await find('-n', ns, 'get', 'cm', 'settings'), 'the others stay');
    assert.deepEqual(pruned.status.inventory.entries.map((e: any) => e.id).sort(), [
      `${ns}_added__ConfigMap`,
      `${ns}_settings__ConfigMap`,
    ]);
    assert.ok(
      pruned.status.objects.some((o: any) => o.id === `${ns}_old__ConfigMap` && o.action === 'deleted'),
      JSON.stringify(pruned.status.objects),
    );
  });

  test('kubectl edit of a managed field: reverted under revert, reported and kept under report', async () => {
    const ns = 'gitops-drift';
    const repo = await GitRepo.create('drift');
    repo.write('revert/settings.yaml', configMap('settings', { mode: 'git', other: 'x' }));
    repo.write('report/settings.yaml', configMap('settings', { mode: 'git', other: 'x' }));
    const sha = await repo.push('settings');
    for (const n of [ns, 'drift-revert', 'drift-report']) await namespace(n);
    await apply(
      gitRepository(ns, 'repo', repo),
      sync(ns, 'revert', { path: './revert', targetNamespace: 'drift-revert', driftPolicy: 'revert' }),
      sync(ns, 'report', { path: './report', targetNamespace: 'drift-report', driftPolicy: 'report' }),
    );
    await readyAt(ns, 'revert', sha);
    await readyAt(ns, 'report', sha);

    const editor = join(scratch, 'edit-mode.sh');
    writeFileSync(editor, `#!/bin/sh\nsed -i 's/mode: git/mode: edited/' "$1"\n`);
    chmodSync(editor, 0o755);
    const edit = async (target: string) => {
      const out = await new Promise<{ code: number; stderr: string }>((resolve) => {
        const child = spawn(
          'kubectl',
          ['--kubeconfig', server.kubeconfig, '-n', target, 'edit', 'configmap', 'settings'],
          { env: { ...process.env, HOME: dirname(server.kubeconfig), KUBE_EDITOR: editor, EDITOR: editor } },
        );
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
      });
      assert.equal(out.code, 0, `kubectl edit: ${out.stderr}`);
    };
    const driftOf = (s: any, id: string) => (s.status?.drift ?? []).find((d: any) => d.id === id);

    // revert: the field goes back to git's value, and status.drift says who changed what
    await edit('drift-revert');
    const revertId = 'drift-revert_settings__ConfigMap';
    const reverted = await waitForSync(ns, 'revert', 'drift recorded', (s) => !!driftOf(s, revertId));
    const record = driftOf(reverted, revertId);
    assert.equal(record.manager, 'kubectl-edit');
    assert.equal(record.action, 'reverted');
    assert.ok(record.fields.includes('.data.mode'), JSON.stringify(record));
    assert.ok(!record.fields.includes('.data.other'), 'only the edited field is named');
    await eventually(
      'the edited field back at git value',
      async () => (await json('-n', 'drift-revert', 'get', 'cm', 'settings')).data.mode === 'git',
      30_000,
    );

    // report: the field stays edited; status.drift and a Warning event say so
    await edit('drift-report');
    const reportId = 'drift-report_settings__ConfigMap';
    const reported = await waitForSync(ns, 'report', 'drift recorded', (s) => !!driftOf(s, reportId));
    const report = driftOf(reported, reportId);
    assert.equal(report.manager, 'kubectl-edit');
    assert.equal(report.action, 'reported');
    assert.ok(report.fields.includes('.data.mode'), JSON.stringify(report));
    assert.equal(condition(reported, 'Ready').status, 'True');
    // a later reconcile of the same revision leaves it alone too
    const again = await reconcileNow(ns, 'report');
    assert.ok(driftOf(again, reportId), 'the drift record is kept');
    assert.equal((await json('-n', 'drift-report', 'get', 'cm', 'settings')).data.mode, 'edited');
    const warning = await eventually(
      'a DriftDetected Warning event for the report Sync',
      async () =>
        (await json('-n', ns, 'get', 'events')).items.find(
          (e: any) =>
            e.involvedObject?.kind === 'Sync' &&
            e.involvedObject?.name === 'report' &&
            e.type === 'Warning' &&
            e.reason === 'DriftDetected',
        ),
      30_000,
    );
    assert.match(warning.message, /drift-report_settings__ConfigMap/);
    assert.match(warning.message, /kubectl-edit/);
    assert.match(warning.message, /reported/);
  });

  test('malformed YAML and a kustomize error: Ready=False naming the file, nothing applied', async () => {
    const ns = 'gitops-broken';
    const repo = await GitRepo.create('broken');
    repo.write('app/settings.yaml', configMap('settings', { version: 'v1' }));
    const good = await repo.push('v1');
    await namespace(ns);
    await apply(gitRepository(ns, 'repo', repo), sync(ns, 'app', { path: './app', targetNamespace: ns }));
    await readyAt(ns, 'app', good);

    // malformed YAML beside a valid change: the whole revision is refused
    repo.write('app/settings.yaml', configMap('settings', { version: 'v2' }));
    repo.write(
      'app/broken.yaml',
      ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: broken', 'data:', '  a: [1, 2'].join('\n'),
    );
    const malformed = await repo.pushAndNotify('v2 and a malformed file', `${ns}/repo`);
    const failed = await notReady(
      ns,
      'app',
      'BuildFailed',
      (s) => s.status.lastAttemptedRevision === revision(malformed),
    );
    assert.match(condition(failed, 'Ready').message, /app\/broken\.yaml:\d+:\d+/);
    assert.equal(failed.status.lastAppliedRevision, revision(good));
    assert.equal((await json('-n', ns, 'get', 'cm', 'settings')).data.version, 'v1', 'live object untouched');
    assert.equal(await find('-n', ns, 'get', 'cm', 'broken'), undefined);

    // a kustomization naming a resource that does not exist
    repo.remove('app/broken.yaml');
    repo.write('app/settings.yaml', configMap('settings', { version: 'v3' }));
    repo.write('app/kustomization.yaml', 'resources:\n  - settings.yaml\n  - missing.yaml\n');
    const missing = await repo.pushAndNotify('kustomize with a missing resource', `${ns}/repo`);
    const kustomizeFailed = await notReady(
      ns,
      'app',
      'BuildFailed',
      (s) => s.status.lastAttemptedRevision === revision(missing),
    );
    const message = condition(kustomizeFailed, 'Ready').message;
    assert.match(
      message,
      /^kustomize build app: app\/kustomization\.yaml: resources "missing\.yaml" not found/,
      'names the kustomization file',
    );
    assert.match(message, /app\/missing\.yaml: no such file/, 'names the missing file');
    assert.equal((await json('-n', ns, 'get', 'cm', 'settings')).data.version, 'v1', 'live object untouched');

    // fixed: applied again
    repo.write('app/kustomization.yaml', 'resources:\n  - settings.yaml\n');
    const fixed = await repo.pushAndNotify('fix the kustomization', `${ns}/repo`);
    await readyAt(ns, 'app', fixed);
    assert.equal((await json('-n', ns, 'get', 'cm', 'settings')).data.version, 'v3');
  });

  test('an unhealthy rollout fails the health check, and with rollback: true is rolled back', async () => {
    const ns = 'gitops-rollout';
    const repo = await GitRepo.create('rollout');
    repo.write('plain/web.yaml', deployment('example.com/web:1'));
    repo.write('rollback/web.yaml', deployment('example.com/web:1'));
    const healthy = await repo.push('web 1');
    for (const n of [ns, 'rollout-plain', 'rollout-back']) await namespace(n);
    const spec = { wait: true, timeout: '10s' };
    await apply(
      gitRepository(ns, 'repo', repo),
      sync(ns, 'plain', { ...spec, path: './plain', targetNamespace: 'rollout-plain' }),
      sync(ns, 'rollback', { ...spec, path: './rollback', targetNamespace: 'rollout-back', rollback: true }),
    );
    await readyAt(ns, 'plain', healthy);
    const first = await readyAt(ns, 'rollback', healthy);
    assert.equal(first.status.lastHealthyRevision, revision(healthy));

    // web 2 never becomes ready
    const neverReady = { 'sim.keelson.dev/never-ready': 'true' };
    repo.write('plain/web.yaml', deployment('example.com/web:2', neverReady));
    repo.write('rollback/web.yaml', deployment('example.com/web:2', neverReady));
    const bad = await repo.pushAndNotify('web 2', `${ns}/repo`);

    const plain = await notReady(
      ns,
      'plain',
      'HealthCheckFailed',
      (s) => s.status.lastAttemptedRevision === revision(bad),
    );
    assert.match(condition(plain, 'Ready').message, /Deployment rollout-plain\/web/);
    assert.equal(plain.status.lastAppliedRevision, revision(bad), 'applied, but not healthy');
    const plainWeb = await json('-n', 'rollout-plain', 'get', 'deploy', 'web');
    assert.equal(plainWeb.spec.template.spec.containers[0].image, 'example.com/web:2');

    const rolledBack = await notReady(
      ns,
      'rollback',
      'HealthCheckFailed',
      (s) => s.status.lastAttemptedRevision === revision(bad),
    );
    const message = condition(rolledBack, 'Ready').message;
    assert.match(message, /Deployment rollout-back\/web/);
    assert.ok(message.includes(`rolled back to revision ${revision(healthy)}`), message);
    assert.equal(rolledBack.status.lastAppliedRevision, revision(healthy));
    assert.equal(condition(rolledBack, 'Stalled')?.status, 'True');
    const web = await json('-n', 'rollout-back', 'get', 'deploy', 'web', '--show-managed-fields');
    const events = (await json('-n', ns, 'get', 'events')).items
      .filter((e: any) => e.involvedObject?.name === 'rollback')
      .map(
        (e: any) => `${e.lastTimestamp ?? e.eventTime} ${e.type} ${e.reason} x${e.count ?? 1}: ${e.message}`,
      );
    assert.equal(
      web.spec.template.spec.containers[0].image,
      'example.com/web:1',
      `the template is the healthy one; Sync status ${JSON.stringify(rolledBack.status)}; events:\n${events.join('\n')}\nmanagedFields: ${JSON.stringify(web.metadata.managedFields)}`,
    );
    assert.equal(web.spec.template.metadata.annotations['sim.keelson.dev/never-ready'], undefined);
    await ok('-n', 'rollout-back', 'rollout', 'status', 'deploy/web', '--timeout=60s');
  });

  test('dependsOn: a Sync waits for its dependency, says why, and proceeds once it is Ready', async () => {
    const ns = 'gitops-deps';
    const repo = await GitRepo.create('deps');
    repo.write(
      'infra/settings.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: infra\ndata: {a: [\n',
    );
    repo.write('app/settings.yaml', configMap('app', { needs: 'infra' }));
    await repo.push('broken infra, app');
    await namespace(ns);
    await apply(
      gitRepository(ns, 'repo', repo),
      sync(ns, 'infra', { path: './infra', targetNamespace: ns }),
      sync(ns, 'app', { path: './app', targetNamespace: ns, dependsOn: [{ name: 'infra' }] }),
    );
    // at first the dependency has no Ready condition; once it has failed, the message quotes why
    const infra = await notReady(ns, 'infra', 'BuildFailed');
    const why = condition(infra, 'Ready').message;
    assert.match(why, /^infra\/settings\.yaml:\d+:\d+: /);
    const blocked = await notReady(ns, 'app', 'DependencyNotReady', (s) =>
      condition(s, 'Ready').message.includes(why),
    );
    assert.equal(condition(blocked, 'Ready').message, `dependency 'gitops-deps/infra' not ready: ${why}`);
    assert.equal(blocked.status.lastAppliedRevision, undefined);
    assert.equal(await find('-n', ns, 'get', 'cm', 'app'), undefined, 'nothing applied while blocked');

    repo.write('infra/settings.yaml', configMap('infra', { a: 'fixed' }));
    const fixed = await repo.pushAndNotify('fix infra', `${ns}/repo`);
    await readyAt(ns, 'infra', fixed);
    await readyAt(ns, 'app', fixed);
    assert.equal((await json('-n', ns, 'get', 'cm', 'app')).data.needs, 'infra');
  });

  test('the podinfo overlays, one Sync each with wait: true, all become Ready', async () => {
    const ns = 'gitops-podinfo';
    const repo = await GitRepo.create('podinfo');
    cpSync(podinfoFixture, repo.work, { recursive: true });
    await run('chmod', ['-R', 'u+w', repo.work]);
    const sha = await repo.push('podinfo, as published');
    await namespace(ns);
    const overlays = ['dev', 'staging', 'production'];
    await apply(
      gitRepository(ns, 'repo', repo),
      ...overlays.map((overlay) =>
        sync(ns, overlay, { path: `./deploy/overlays/${overlay}`, wait: true, timeout: '3m' }),
      ),
    );
    for (const overlay of overlays) {
      const ready = await readyAt(ns, overlay, sha, 150_000);
      assert.equal(ready.status.lastHealthyRevision, revision(sha));
      // each overlay in its own namespace, which it names itself
      const deployments = await json('-n', overlay, 'get', 'deploy', '-l', `${ownerLabel}=${overlay}`);
      assert.deepEqual(deployments.items.map((d: any) => d.metadata.name).sort(), [
        'backend',
        'cache',
        'database-replica',
        'frontend',
      ]);
      for (const d of deployments.items) {
        assert.equal(d.metadata.labels['app.kubernetes.io/environment'], overlay);
        assert.ok(d.status.readyReplicas >= 1, `${overlay}/${d.metadata.name} has ready pods`);
        assert.equal(d.status.updatedReplicas, d.spec.replicas);
      }
      const primary = await json('-n', overlay, 'get', 'statefulset', 'database-primary');
      assert.equal(primary.status.readyReplicas, primary.spec.replicas);
    }
  });
});

// ---------------------------------------------------------------- restart

/** Every object in the inventories of `syncs`, with what would show a write. */
async function managedObjects(syncs: any[]): Promise<Map<string, any>> {
  const ids = new Set<string>();
  const resources = new Set<string>();
  for (const s of syncs) {
    for (const entry of s.status.inventory.entries) {
      ids.add(entry.id);
      const [, , group, kind] = (entry.id as string).split('_');
      resources.add(group ? `${kind!.toLowerCase()}.${group}` : kind!.toLowerCase());
    }
  }
  const list = await json('get', [...resources].join(','), '-A', '-l', ownerLabel, '--show-managed-fields');
  const objects = new Map<string, any>();
  for (const o of list.items) {
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    const id = `${o.metadata.namespace ?? ''}_${o.metadata.name}_${group}_${o.kind}`;
    if (ids.has(id)) objects.set(id, o);
  }
  assert.equal(objects.size, ids.size, 'every inventory entry is live');
  return objects;
}

test(
  'restarting the controllers resumes without re-applying unchanged objects',
  { timeout: 150_000 },
  async () => {
    const all = (await json('get', 'syncs.sync.keelson.dev', '-A')).items;
    const ready = all.filter((s: any) => condition(s, 'Ready')?.status === 'True');
    const names = ready.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`).sort();
    for (const expected of ['gitops-apply/app', 'gitops-drift/report', 'gitops-podinfo/production'])
      assert.ok(names.includes(expected), `${expected} is Ready before the restart: ${names.join(', ')}`);
    const before = await managedObjects(ready);

    await controllers.kill();
    controllers = await startControllers();
    // a reconcile of every Ready Sync by the new process
    const after = [];
    for (const s of ready) after.push(await reconcileNow(s.metadata.namespace, s.metadata.name));
    for (const s of after) {
      const key = `${s.metadata.namespace}/${s.metadata.name}`;
      const was = ready.find((r: any) => r.metadata.uid === s.metadata.uid);
      assert.equal(condition(s, 'Ready')?.status, 'True', `${key} stays Ready`);
      assert.equal(s.status.lastAppliedRevision, was.status.lastAppliedRevision, `${key} same revision`);
    }

    const now = await managedObjects(ready);
    for (const [id, was] of before) {
      const is = now.get(id);
      assert.ok(is, `${id} still exists`);
      assert.equal(is.metadata.uid, was.metadata.uid, `${id} was not recreated`);
      if (is.metadata.resourceVersion === was.metadata.resourceVersion) continue;
      // moved by someone else's status write (a CronJob firing, an HPA): never by an apply
      const changed = is.metadata.managedFields.filter(
        (m: any) => !was.metadata.managedFields.some((w: any) => JSON.stringify(w) === JSON.stringify(m)),
      );
      assert.ok(
        changed.every((m: any) => m.subresource === 'status' && m.manager !== 'keelson'),
        `${id} was written after the restart: ${JSON.stringify(changed)}`,
      );
      assert.equal(is.metadata.generation, was.metadata.generation, `${id} spec unchanged`);
    }

    // and the new process serves the webhook and applies pushes
    const repo = GitRepo.reopen('apply');
    repo.write('app/settings.yaml', configMap('settings', { greeting: 'hallo' }));
    const sha = await repo.pushAndNotify('greet in German', 'gitops-apply/repo');
    await readyAt('gitops-apply', 'app', sha);
    assert.equal((await json('-n', 'gitops-apply', 'get', 'cm', 'settings')).data.greeting, 'hallo');
    assert.equal(
      (await json('-n', 'gitops-apply', 'get', 'cm', 'added')).metadata.resourceVersion,
      before.get('gitops-apply_added__ConfigMap').metadata.resourceVersion,
      'the unchanged ConfigMap of that push is not written',
    );
  },
);
