/**
 * Composition root of `keelson up`: the embedded API server (SQLite, TLS), an embedded node for
 * the management cluster and for each fleet cluster, Keelson's CRDs and controllers, the git push
 * webhook, the built-in forge (data in `<data>/forge`), and on first start an example fleet
 * repository with its GitRepository and Syncs. A second `keelson up` on the same directory resumes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../api/meta.ts';
import type { Sync } from '../api/crds/index.ts';
import { startEmbeddedNode, type EmbeddedNode } from '../node/node.ts';
import { startForge, type RunningForge } from '../forge/server.ts';
import { KubeClient } from '../runtime/client.ts';
import type { Logger } from '../runtime/controller.ts';
import { kubeconfigFor, startApiServer, type RunningApiServer } from './apiserver.ts';
import { installCrds, startControllers } from './controllers.ts';
import { ciWebhookPath } from '../controllers/ci-trigger/index.ts';
import { createExampleFleet, fleetClusters } from './example-fleet.ts';

export interface UpFlags {
  data: string;
  port?: number;
  /** Port of the git webhook receiver (0 picks one). */
  webhookPort?: number;
  /** Port of the built-in forge (0 picks one; default {@link defaultForgePort}). */
  forgePort?: number;
}

/**
 * The built-in forge's port unless `--forge-port` says otherwise: fixed, so git remotes and the
 * CLI's saved URL stay valid across restarts; the API server's port is picked per start.
 */
export const defaultForgePort = 3080;

/** Where `keelson up` writes the forge's URL, relative to the data directory (read by the CLI). */
export const forgeUrlFile = join('forge', 'url');

export interface Up {
  server: RunningApiServer;
  webhookUrl: string;
  /** The built-in forge: git at `<url>/<owner>/<name>.git`, REST at `apiUrl`, admin token file. */
  forge: { url: string; apiUrl: string; adminLogin: string; adminTokenPath: string };
  kubeconfigs: Record<string, string>;
  stop(): Promise<void>;
}

/** Writes a line of what `keelson up` is doing (and redraws a progress line on a TTY). */
export interface Reporter {
  step(message: string): void;
  progress(done: number, total: number, what: string): void;
}

const namespace = 'keelson-system';

function clientForCluster(
  server: RunningApiServer,
  cluster: string,
): { client: KubeClient; kubeconfig: string } {
  const kubeconfig = kubeconfigFor({
    url: server.url,
    token: server.adminToken,
    cluster,
    caPem: server.caPem,
  });
  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  return { client: new KubeClient(config), kubeconfig };
}

async function ensure(client: KubeClient, object: KubeObject): Promise<void> {
  await client.apply(object, { fieldManager: 'keelson-up', force: true });
}

export async function up(flags: UpFlags, log: Logger, report: Reporter): Promise<Up> {
  const data = resolve(flags.data);
  mkdirSync(data, { recursive: true });
  const resumed = existsSync(join(data, 'state.db'));
  report.step(resumed ? `resuming from ${data}` : `starting a new control plane in ${data}`);
  const server = await startApiServer(
    { data, tls: true, processPods: true, ...(flags.port !== undefined && { port: flags.port }) },
    log,
  );
  report.step(`API server on ${server.url}; kubeconfig: ${server.kubeconfigPath}`);

  const management = KubeClient.fromFile(server.kubeconfigPath);
  const nodes: EmbeddedNode[] = [];
  const kubeconfigs: Record<string, string> = { default: server.kubeconfigPath };
  for (const cluster of fleetClusters) {
    const { client, kubeconfig } = clientForCluster(server, cluster);
    const path = join(data, `kubeconfig-${cluster}`);
    writeFileSync(path, kubeconfig, { mode: 0o600 });
    kubeconfigs[cluster] = path;
    nodes.push(await startEmbeddedNode({ client, log, dataDir: join(data, 'clusters', cluster) }));
    report.step(`logical cluster ${cluster} with its embedded node; kubeconfig: ${path}`);
  }

  // the forge's kinds must be served before it starts
  await installCrds(management);
  let forge: RunningForge;
  try {
    forge = await startBuiltInForge(management, data, flags.forgePort ?? defaultForgePort, log);
  } catch (error) {
    for (const node of nodes) await node.stop();
    management.close();
    await server.stop();
    throw error;
  }
  report.step(
    `forge on ${forge.url} (git: ${forge.url}/OWNER/NAME.git, REST API: ${forge.apiUrl}); ${forge.adminLogin}'s token: ${forge.adminTokenPath}`,
  );

  // CI acts on the forge as a bot user of its own (as Prow does), so people's comments count
  const bot = await ensureCiBot(forge, data);
  for (const namespace of ciCloneNamespaces) {
    await ensure(management, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await management.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: ciCloneSecret, namespace },
        stringData: { username: bot.login, password: bot.token },
      },
      { fieldManager: 'keelson', force: true },
    );
  }
  const controllers = await startControllers({
    client: management,
    dataDir: data,
    log,
    ...(flags.webhookPort !== undefined && { port: flags.webhookPort }),
    ci: {
      // the forge runs in this process: CI calls it directly, without an HTTP round trip
      forge: forge.forgeFor(bot.token),
      token: bot.token,
      cloneBase: `${forge.url}/`,
      cloneSecret: ciCloneSecret,
    },
  });
  const webhookUrl = `${controllers.url}/hooks/git`;
  const secret = readFileSync(controllers.webhookSecretPath, 'utf8').trim();
  forge.addGlobalHook({ url: `${controllers.url}${ciWebhookPath}`, secret });
  forge.addGlobalHook({ url: webhookUrl, secret });
  report.step(
    `CRDs installed; controllers and CI running; webhooks: ${webhookUrl} (git push), ${controllers.url}${ciWebhookPath} (CI; the forge sends both; secret in ${controllers.webhookSecretPath}); CI logs and artifacts: ${controllers.url}/artifacts/ (kept in ${controllers.artifactsDir ?? ''}); metrics: ${controllers.url}/metrics`,
  );

  const fleet = join(data, 'fleet');
  if (createExampleFleet(fleet)) report.step(`example fleet repository created at ${fleet}`);
  await ensure(management, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await ensure(management, {
    apiVersion: 'source.keelson.dev/v1',
    kind: 'GitRepository',
    metadata: { name: 'fleet', namespace },
    spec: { url: fleet, ref: { branch: 'main' }, interval: '1m' },
  });
  for (const cluster of fleetClusters) {
    await ensure(management, {
      apiVersion: 'sync.keelson.dev/v1',
      kind: 'Sync',
      metadata: { name: cluster, namespace },
      spec: {
        sourceRef: { kind: 'GitRepository', name: 'fleet' },
        path: `./clusters/${cluster}`,
        interval: '10m',
        prune: true,
        wait: true,
        timeout: '3m',
        target: { cluster },
      },
    });
  }
  report.step(`GitRepository ${namespace}/fleet and Syncs ${fleetClusters.join(', ')} applied`);

  const stop = async () => {
    await forge.stop();
    await controllers.stop();
    for (const node of nodes) await node.stop();
    management.close();
    await server.stop();
  };

  await waitFor(async () => {
    const syncs = await management.list<Sync>('sync.keelson.dev/v1', 'Sync', { namespace });
    const ready = syncs.items.filter((s) =>
      s.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    const waiting = syncs.items
      .filter((s) => !ready.includes(s))
      .map((s) => {
        const c = s.status?.conditions?.find((x) => x.type === 'Ready');
        return `${s.metadata.name ?? ''}: ${c?.message ?? 'waiting'}`;
      });
    report.progress(ready.length, fleetClusters.length, waiting.join('; ') || 'all clusters Ready');
    return ready.length === fleetClusters.length;
  }, 10 * 60_000).catch(() => report.step('not every cluster is Ready yet; see `keelson get syncs`'));
  report.step('fleet Ready: staging and production equal git (Ctrl-C stops everything)');
  const { url, apiUrl, adminLogin, adminTokenPath } = forge;
  return { server, webhookUrl, forge: { url, apiUrl, adminLogin, adminTokenPath }, kubeconfigs, stop };
}

/** The forge user CI acts as, and the Secret its job pods clone with (in Prow's default pod namespace and CI's). */
const ciBotLogin = 'keelson-ci-bot';
const ciCloneSecret = 'keelson-ci-clone';
const ciCloneNamespaces = ['default', 'keelson-ci'];

/** The CI bot's token, created on first start and kept in `<data>/forge/ci-bot-token` (0600). */
async function ensureCiBot(forge: RunningForge, data: string): Promise<{ login: string; token: string }> {
  const path = join(data, 'forge', 'ci-bot-token');
  const saved = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  if (saved !== '' && (await forge.store.userByToken(saved))?.login === ciBotLogin)
    return { login: ciBotLogin, token: saved };
  if ((await forge.store.getUser(ciBotLogin)) !== undefined) {
    await forge.store.client.delete({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: forge.store.namespace,
      name: `user-${ciBotLogin}`,
    });
  }
  const token = await forge.createUser(ciBotLogin, { siteAdmin: true });
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return { login: ciBotLogin, token };
}

/** Starts the forge on the management cluster and records its URL for the CLI. */
async function startBuiltInForge(
  client: KubeClient,
  data: string,
  port: number,
  log: Logger,
): Promise<RunningForge> {
  const dataDir = join(data, 'forge');
  let forge: RunningForge;
  try {
    forge = await startForge({ client, dataDir, port, log });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EADDRINUSE')
      throw new Error(`forge port ${port} is in use: pass --forge-port N (0 picks a free one)`, {
        cause: error,
      });
    throw error;
  }
  writeFileSync(join(data, forgeUrlFile), `${forge.url}\n`);
  return forge;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not there yet
    }
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}
