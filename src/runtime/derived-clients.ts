/**
 * Clients derived from another client's kubeconfig: the same credentials against a logical
 * cluster of the same server, or acting as another user through impersonation.
 */
import { KubeConfig } from '@kubernetes/client-node';

import { KubeClient } from './client.ts';

/** A client for the logical cluster NAME: the management kubeconfig with `/clusters/NAME` after each server URL. */
export function logicalClusterClient(management: KubeClient, cluster: string): KubeClient {
  return derivedClient(management, (config) => ({
    ...config,
    clusters: config.clusters.map((c) => ({
      ...c,
      server: `${c.server.replace(/\/$/, '')}/clusters/${encodeURIComponent(cluster)}`,
    })),
  }));
}

/** `client`'s credentials, acting as `user` (the Impersonate-User header). */
export function impersonatingClient(client: KubeClient, user: string): KubeClient {
  return derivedClient(client, (config) => ({
    ...config,
    users: config.users.map((u) => ({ ...u, impersonateUser: user })),
  }));
}

type ConfigOptions = Pick<KubeConfig, 'clusters' | 'users' | 'contexts' | 'currentContext'>;

function derivedClient(client: KubeClient, change: (config: ConfigOptions) => ConfigOptions): KubeClient {
  const source = client.config;
  const config = new KubeConfig();
  config.loadFromOptions(
    change({
      clusters: source.clusters,
      users: source.users,
      contexts: source.contexts,
      currentContext: source.currentContext,
    }),
  );
  return new KubeClient(config);
}
