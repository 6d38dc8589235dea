/**
 * Composition root of Keelson's GitOps controllers (GitRepository, Sync), the git push webhook and
 * the metrics endpoint, over any Kubernetes API. `keelson up` runs them beside its embedded
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
import type { KubeClient } from '../runtime/client.ts';
import { Manager, type Logger } from '../runtime/controller.ts';
import { InformerFactory } from '../runtime/informer.ts';
import { applyCrds } from '../runtime/crds.ts';
import { Metrics, metricsHandler } from '../runtime/metrics.ts';

export interface ControllersOptions {
  client: KubeClient;
  /** Git cache and the webhook secret live here. */
  dataDir: string;
  log: Logger;
  /** Port on 127.0.0.1 for `/hooks/git` and `/metrics` (0 picks one). */
  port?: number;
  /** Elect a leader on Lease `keelson-controllers` in this namespace. */
  leaderElectionNamespace?: string;
  identity?: string;
  /** Called when another process took the Lease (not on a clean stop). */
  onLostLease?: () => void;
}

export interface RunningControllers {
  manager: Manager;
  url: string;
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
  const manager = new Manager({
    metrics,
    ...(options.leaderElectionNamespace !== undefined && {
      leaderElection: {
        client,
        namespace: options.leaderElectionNamespace,
        name: 'keelson-controllers',
        ...(options.identity !== undefined && { identity: options.identity }),
        log,
        onStartedLeading: () => log('leading: controllers start', {}),
        onStoppedLeading: (reason) => {
          if (reason === 'lost') options.onLostLease?.();
        },
      },
    }),
  });
  const sources = gitRepositoryController({ client, informers, git, clock: systemClock, log });
  manager.add(sources).add(syncController({ client, informers, clock: systemClock, log }));
  const receiver = gitRepositoryPushReceiver({ controller: sources, informers, secret, log });
  const serveMetrics = metricsHandler(metrics);
  const server: Server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/hooks/git') return void receiver(req, res);
    if (path === '/metrics') return void serveMetrics(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(options.port ?? 0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await manager.start();
  return {
    manager,
    url,
    webhookSecretPath,
    async stop() {
      await manager.stop();
      await informers.stopAll();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
