/**
 * Composition root of `keelson apiserver`: storage, keys, certificates and the server, with the
 * kubeconfig written beside the data.
 */
import type { ServerResponse } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import {
  generateAdminToken,
  generateServiceAccountKey,
  type ServiceAccountKeyPair,
} from '../apiserver/auth/tokens.ts';
import { generateCertificateAuthority, issueServingCertificate } from '../apiserver/auth/tls.ts';
import { ApiServer } from '../apiserver/server.ts';
import { MemoryStorage } from '../apiserver/storage/memory-storage.ts';
import { SqliteStorage } from '../apiserver/storage/sqlite-storage.ts';
import { startEmbeddedNode, type EmbeddedNode } from '../node/node.ts';
import { KubeClient } from '../runtime/client.ts';

export interface ApiServerFlags {
  data?: string;
  port?: number;
  tls?: boolean;
  host?: string;
  /** Revisions kept for watch resumption (default 10,000). */
  history?: number;
  /** Run the embedded node (workload controllers, scheduler, simulated node); default true. */
  node?: boolean;
  /** Also run the process node for `runtimeClassName: process` pods. */
  processPods?: boolean;
  /** Delay before a simulated container is ready (ms). */
  simReadyDelayMs?: number;
}

export interface RunningApiServer {
  server: ApiServer;
  url: string;
  port: number;
  dataDir: string;
  kubeconfigPath: string;
  adminToken: string;
  caPem?: string;
  stop(): Promise<void>;
}

interface ServerState {
  adminToken: string;
  serviceAccountKey: ServiceAccountKeyPair;
  tls?: { caCert: string; caKey: string; cert: string; key: string };
}

function readOrCreate(dir: string, file: string, create: () => string): string {
  const path = join(dir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8');
  const value = create();
  writeFileSync(path, value, { mode: 0o600 });
  return value;
}

async function loadState(dir: string, tls: boolean): Promise<ServerState> {
  const adminToken = readOrCreate(dir, 'admin-token', generateAdminToken).trim();
  let saKey: ServiceAccountKeyPair;
  if (existsSync(join(dir, 'sa.key'))) {
    saKey = {
      privateKeyPem: readFileSync(join(dir, 'sa.key'), 'utf8'),
      publicKeyPem: readFileSync(join(dir, 'sa.pub'), 'utf8'),
    };
  } else {
    saKey = await generateServiceAccountKey();
    writeFileSync(join(dir, 'sa.key'), saKey.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'sa.pub'), saKey.publicKeyPem);
  }
  const state: ServerState = { adminToken, serviceAccountKey: saKey };
  if (tls) {
    if (!existsSync(join(dir, 'ca.crt'))) {
      const ca = await generateCertificateAuthority('keelson-ca');
      const serving = await issueServingCertificate(ca, {
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1', '::1'],
      });
      writeFileSync(join(dir, 'ca.crt'), ca.certPem);
      writeFileSync(join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, 'serving.crt'), serving.certPem);
      writeFileSync(join(dir, 'serving.key'), serving.keyPem, { mode: 0o600 });
    }
    state.tls = {
      caCert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
      caKey: readFileSync(join(dir, 'ca.key'), 'utf8'),
      cert: readFileSync(join(dir, 'serving.crt'), 'utf8'),
      key: readFileSync(join(dir, 'serving.key'), 'utf8'),
    };
  }
  return state;
}

/** A kubeconfig for one logical cluster of a running server. */
export function kubeconfigFor(options: {
  url: string;
  token: string;
  cluster: string;
  caPem?: string | undefined;
}): string {
  const server = options.cluster === 'default' ? options.url : `${options.url}/clusters/${options.cluster}`;
  const name = `keelson-${options.cluster}`;
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server,
          ...(options.caPem !== undefined && {
            'certificate-authority-data': Buffer.from(options.caPem).toString('base64'),
          }),
        },
      },
    ],
    users: [{ name: 'keelson-admin', user: { token: options.token } }],
    contexts: [{ name, context: { cluster: name, user: 'keelson-admin', namespace: 'default' } }],
    'current-context': name,
  });
}

export async function startApiServer(
  flags: ApiServerFlags,
  log: (message: string, fields?: Record<string, unknown>) => void = () => {},
): Promise<RunningApiServer> {
  const persistent = flags.data !== undefined;
  const dataDir = flags.data ?? mkdtempSync(join(tmpdir(), 'keelson-apiserver-'));
  mkdirSync(dataDir, { recursive: true });
  const state = await loadState(dataDir, flags.tls ?? false);
  const window = flags.history ?? 10_000;
  const storage = persistent
    ? new SqliteStorage(join(dataDir, 'state.db'), { window })
    : new MemoryStorage({ window });
  const withNode = flags.node ?? true;
  let node: EmbeddedNode | undefined;
  const server = new ApiServer({
    storage,
    adminToken: state.adminToken,
    serviceAccountKey: state.serviceAccountKey,
    log,
    gracefulPods: withNode,
    ...(withNode && {
      podLogs: (
        cluster: string,
        namespace: string,
        name: string,
        query: URLSearchParams,
        res: ServerResponse,
      ) => {
        if (node) return node.logs(cluster, namespace, name, query, res);
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'ServiceUnavailable',
            code: 503,
            message: 'the embedded node is starting',
          }),
        );
      },
    }),
  });
  const { port, url } = await server.listen({
    host: flags.host ?? '127.0.0.1',
    port: flags.port ?? 0,
    ...(state.tls && { tls: { cert: state.tls.cert, key: state.tls.key } }),
  });
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    kubeconfigFor({ url, token: state.adminToken, cluster: 'default', caPem: state.tls?.caCert }),
    { mode: 0o600 },
  );
  writeFileSync(join(dataDir, 'server.json'), JSON.stringify({ url, pid: process.pid }));
  let client: KubeClient | undefined;
  if (withNode) {
    client = KubeClient.fromFile(kubeconfigPath);
    node = await startEmbeddedNode({
      client,
      log,
      dataDir,
      ...(flags.processPods !== undefined && { processPods: flags.processPods }),
      ...(flags.simReadyDelayMs !== undefined && { simReadyDelayMs: flags.simReadyDelayMs }),
    });
  }
  return {
    server,
    url,
    port,
    dataDir,
    kubeconfigPath,
    adminToken: state.adminToken,
    ...(state.tls && { caPem: state.tls.caCert }),
    async stop() {
      await node?.stop();
      client?.close();
      await server.close();
      storage.close();
    },
  };
}

/** `keelson apiserver kubeconfig --data DIR --cluster NAME`: reads what a running server wrote. */
export function kubeconfigFromData(dataDir: string, cluster: string): string {
  const serverFile = join(dataDir, 'server.json');
  if (!existsSync(serverFile))
    throw new Error(`${serverFile} does not exist: start \`keelson apiserver --data ${dataDir}\` first`);
  const { url } = JSON.parse(readFileSync(serverFile, 'utf8')) as { url: string };
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const caPath = join(dataDir, 'ca.crt');
  const caPem = url.startsWith('https:') && existsSync(caPath) ? readFileSync(caPath, 'utf8') : undefined;
  return kubeconfigFor({ url, token, cluster, caPem });
}
