/**
 * Composition root of Keelson's GitOps controllers (GitRepository, Sync), the git push webhook and
 * the metrics endpoint, over any Kubernetes API; with a forge, also CI: the JobRun runner, the
 * trigger (forge webhooks at `/hooks/ci`, periodics while leading), the reporter, and the artifact
 * store at `/artifacts/` where job pods upload logs. `keelson up` runs them beside its embedded
 * server; `keelson controllers --kubeconfig K` runs them against any cluster, with leader election
 * on a Lease so that of several processes only one reconciles.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { GitCli } from '../adapters/git/index.ts';
import { keelsonCrds } from '../api/crds/index.ts';
import { systemClock } from '../base/clock.ts';
import { gitRepositoryController } from '../controllers/git-repository/watches.ts';
import { gitRepositoryPushReceiver } from '../controllers/git-repository/webhook.ts';
import { syncController } from '../controllers/sync/watches.ts';
import { isAlreadyExists, KubeClient } from '../runtime/client.ts';
import { Manager, type Logger } from '../runtime/controller.ts';
import { InformerFactory } from '../runtime/informer.ts';
import { GitRepoReader, type Forge, type GitTokenSource } from '../adapters/forge/index.ts';
import { ciReportController } from '../controllers/ci-report/index.ts';
import {
  ciWebhookHandler,
  ciWebhookPath,
  JobSource,
  PeriodicScheduler,
  Trigger,
  type HttpHandler,
} from '../controllers/ci-trigger/index.ts';
import { jobRunController } from '../controllers/jobrun/watches.ts';
import { ArtifactStore, defaultMaxAgeMs, type RunArtifacts } from '../controllers/ci-artifacts/store.ts';
import type { JobRun } from '../api/crds/ci.ts';
import { artifactsHandler, artifactsPathPrefix } from '../controllers/ci-artifacts/http.ts';
import { applyCrds } from '../runtime/crds.ts';
import { Metrics, metricsHandler } from '../runtime/metrics.ts';

export interface ControllersOptions {
  client: KubeClient;
  /** Git cache and the webhook secret live here. */
  dataDir: string;
  log: Logger;
  /** Port for `/hooks/git`, `/hooks/ci`, `/artifacts/` and `/metrics` (0 picks one). */
  port?: number;
  /** Address to listen on (default 127.0.0.1; job pods in a cluster must reach `/artifacts/`). */
  address?: string;
  /** The URL job pods upload artifacts to (default this server's own URL). */
  artifactsUrl?: string;
  /** Stored runs older than this are deleted, checked hourly (default 30 days; 0 keeps them). */
  artifactsMaxAgeMs?: number;
  /** Elect a leader on Lease `keelson-controllers` in this namespace. */
  leaderElectionNamespace?: string;
  identity?: string;
  /** Called when another process took the Lease (not on a clean stop). */
  onLostLease?: () => void;
  /** Runs CI against this forge (as its bot); without it only the GitOps controllers run. */
  ci?: CiOptions;
}

export interface CiOptions {
  forge: Forge;
  /**
   * The bot's token, to read in-repo job config with git: a string, or a function asked before each
   * fetch (a GitHub App's installation token expires after an hour: `() => forge.gitToken()`).
   */
  token?: GitTokenSource;
  /** Where JobRuns and their pods live (default `keelson-ci`). */
  namespace?: string;
  /** Clone URLs of refs without clone_uri: `<cloneBase><org>/<repo>.git`. */
  cloneBase?: string;
  /** A Secret (username, password) in the JobRun namespace for cloning. */
  cloneSecret?: string;
  trustedOrg?: string;
  trustedUsers?: readonly string[];
}

export interface RunningControllers {
  manager: Manager;
  url: string;
  /** Where CI runs' logs and artifacts are kept (with CI only). */
  artifactsDir?: string;
  webhookSecretPath: string;
  stop(): Promise<void>;
}

/** Applies Keelson's CRDs and waits until they are Established. */
export async function installCrds(client: KubeClient): Promise<void> {
  await applyCrds(client, keelsonCrds, { fieldManager: 'keelson' });
}

export async function startControllers(options: ControllersOptions): Promise<RunningControllers> {
  mkdirSync(options.dataDir, { recursive: true });
  await installCrds(options.client);
  const webhookSecretPath = join(options.dataDir, 'webhook-secret');
  if (!existsSync(webhookSecretPath))
    writeFileSync(webhookSecretPath, randomBytes(24).toString('hex'), { mode: 0o600 });
  const secret = readFileSync(webhookSecretPath, 'utf8').trim();
  const { client, log } = options;
  const informers = new InformerFactory(client, log);
  const git = new GitCli({ cacheDir: join(options.dataDir, 'git-cache'), clock: systemClock, log });
  const metrics = new Metrics();
  // eslint-disable-next-line prefer-const -- read by onStartedLeading, which runs after it is set
  let ci: { hook: HttpHandler; scheduler: PeriodicScheduler } | undefined;
  // its own connections: renewals must not queue behind thousands of applies on the shared agent
  const leaseClient = new KubeClient(client.config);
  const manager = new Manager({
    metrics,
    ...(options.leaderElectionNamespace !== undefined && {
      leaderElection: {
        client: leaseClient,
        namespace: options.leaderElectionNamespace,
        name: 'keelson-controllers',
        ...(options.identity !== undefined && { identity: options.identity }),
        log,
        onStartedLeading: () => {
          log('leading: controllers start', {});
          ci?.scheduler.start();
        },
        onStoppedLeading: (reason) => {
          if (reason === 'lost') options.onLostLease?.();
        },
      },
    }),
  });
  const sources = gitRepositoryController({ client, informers, git, clock: systemClock, log });
  manager.add(sources).add(syncController({ client, informers, clock: systemClock, log }));
  const receiver = gitRepositoryPushReceiver({ controller: sources, informers, secret, log });
  const store =
    options.ci === undefined ? undefined : new ArtifactStore({ dir: join(options.dataDir, 'artifacts') });
  const serveArtifacts = store === undefined ? undefined : artifactsHandler({ store, log });
  const pruning =
    store === undefined ? undefined : pruneHourly(store, options.artifactsMaxAgeMs ?? defaultMaxAgeMs, log);
  const serveMetrics = metricsHandler(metrics);
  const server: Server = createServer((req, res) => {
    const path = req.url?.split('?')[0] ?? '';
    if (path === '/hooks/git') return void receiver(req, res);
    if (path === ciWebhookPath && ci !== undefined) return void ci.hook(req, res);
    if (path.startsWith(artifactsPathPrefix) && serveArtifacts !== undefined)
      return void serveArtifacts(req, res);
    if (path === '/metrics') return void serveMetrics(req, res);
    res.writeHead(404).end();
  });
  const address = options.address ?? '127.0.0.1';
  await new Promise<void>((done) => server.listen(options.port ?? 0, address, done));
  const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
  const artifactsUrl = options.artifactsUrl ?? url;
  ci =
    options.ci === undefined
      ? undefined
      : await wireCi(options.ci, {
          client,
          informers,
          manager,
          log,
          secret,
          workDir: join(options.dataDir, 'ci-repos'),
          ...(store !== undefined && { artifacts: (run: JobRun) => store.forRun(run, artifactsUrl) }),
        });
  await manager.start();
  if (options.leaderElectionNamespace === undefined) ci?.scheduler.start();
  return {
    manager,
    url,
    ...(store !== undefined && { artifactsDir: store.dir }),
    webhookSecretPath,
    async stop() {
      if (pruning !== undefined) clearInterval(pruning);
      await ci?.scheduler.stop();
      await manager.stop();
      await informers.stopAll();
      leaseClient.close();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Deletes stored runs older than `maxAgeMs` now and every hour (every replica prunes its own disk). */
function pruneHourly(store: ArtifactStore, maxAgeMs: number, log: Logger): NodeJS.Timeout | undefined {
  if (maxAgeMs <= 0) return undefined;
  const prune = () =>
    void store
      .prune(maxAgeMs, Date.now())
      .then((removed) => removed > 0 && log('artifacts pruned', { runs: removed, maxAgeMs }))
      .catch((error: unknown) => log('artifacts prune failed', { error: String(error) }));
  prune();
  const timer = setInterval(prune, 3_600_000);
  timer.unref();
  return timer;
}

/**
 * CI as Prow splits it: the runner (plank) and the reporter (crier) as controllers; the trigger
 * (hook) answering forge webhooks in every process, as Prow's hook replicas do; periodics
 * (horologium) only while this process leads, so two processes never start one twice.
 */
async function wireCi(
  options: CiOptions,
  deps: {
    client: KubeClient;
    informers: InformerFactory;
    manager: Manager;
    log: Logger;
    secret: string;
    workDir: string;
    /** Where decorated runs upload their logs and artifacts. */
    artifacts?: (run: JobRun) => RunArtifacts;
  },
): Promise<{ hook: HttpHandler; scheduler: PeriodicScheduler }> {
  const { client, informers, manager, log } = deps;
  const namespace = options.namespace ?? 'keelson-ci';
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const jobs = new JobSource({
    client,
    repoReader: new GitRepoReader({ workDir: deps.workDir, token: options.token }),
    log,
  });
  const trigger = new Trigger({
    client,
    forge: options.forge,
    jobs,
    clock: systemClock,
    log,
    namespace,
    trustedOrg: options.trustedOrg,
    trustedUsers: options.trustedUsers,
  });
  const scheduler = new PeriodicScheduler({ client, jobs, trigger, clock: systemClock, log, namespace });
  manager
    .add(
      jobRunController({
        client,
        informers,
        clock: systemClock,
        log,
        ...(options.cloneBase !== undefined && { cloneBase: options.cloneBase }),
        ...(options.cloneSecret !== undefined && { cloneSecret: options.cloneSecret }),
        ...(deps.artifacts !== undefined && { artifacts: deps.artifacts }),
      }),
    )
    .add(ciReportController({ client, informers, forge: options.forge, log }));
  return { hook: ciWebhookHandler({ trigger, secret: deps.secret, log }), scheduler };
}
