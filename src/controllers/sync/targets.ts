/**
 * The cluster a Sync writes to, as Flux's kustomize-controller resolves it: the management cluster
 * by default; `spec.target.cluster` NAME, a logical cluster of the same server
 * (`<server>/clusters/NAME`, management credentials); or `spec.target.kubeConfig`, a kubeconfig in
 * a Secret of the Sync's namespace (key `value`, else `value.yaml`, as Flux reads it). With
 * `spec.serviceAccountName` every write is made as `system:serviceaccount:<namespace>:<name>`
 * through impersonation, so RBAC on the target bounds what a Sync may change.
 */
import { KubeConfig } from '@kubernetes/client-node';

import type { Sync } from '../../api/crds/index.ts';
import type { KubeObject } from '../../api/meta.ts';
import { KubeClient } from '../../runtime/client.ts';
import { impersonatingClient, logicalClusterClient } from '../../runtime/derived-clients.ts';
import { kubeConfigSecretKeys } from '../../api/sync-objects.ts';
import { InvalidSpec, SyncFailure, TargetFailed } from './reasons.ts';

/** Where a Sync's objects go. */
export interface Target {
  /** Names the cluster (not the identity): drift informers are shared per key. */
  key: string;
  /** Writes (apply, prune) and health reads, impersonating `spec.serviceAccountName` when set. */
  client: KubeClient;
  /** The controller's own identity on the same cluster, for drift watches. */
  watcher: KubeClient;
}

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

/** Resolves and caches target clients; a changed kubeconfig Secret replaces its client. */
export class TargetClients {
  readonly #management: KubeClient;
  readonly #onReplaced: (key: string) => void;
  readonly #clusters = new Map<string, KubeClient>();
  readonly #kubeConfigs = new Map<string, { version: string; client: KubeClient }>();
  readonly #impersonating = new Map<string, KubeClient>();

  /** `onReplaced` is told when a target key's client was replaced (its Secret changed). */
  constructor(deps: { management: KubeClient; onReplaced?: (key: string) => void }) {
    this.#management = deps.management;
    this.#onReplaced = deps.onReplaced ?? (() => {});
  }

  /** Failures are Ready=False and retried after `retryMs`: a Secret may appear or be fixed later. */
  async resolve(sync: Sync, retryMs: number): Promise<Target> {
    const { key, client } = await this.#cluster(sync, retryMs);
    const account = sync.spec.serviceAccountName;
    if (account === undefined || account === '') return { key, client, watcher: client };
    const namespace = sync.metadata.namespace ?? 'default';
    const user = `system:serviceaccount:${namespace}:${account}`;
    const cacheKey = `${key}|${user}`;
    let impersonating = this.#impersonating.get(cacheKey);
    if (impersonating === undefined) {
      impersonating = impersonatingClient(client, user);
      this.#impersonating.set(cacheKey, impersonating);
    }
    return { key, client: impersonating, watcher: client };
  }

  close(): void {
    for (const client of [
      ...this.#clusters.values(),
      ...[...this.#kubeConfigs.values()].map((c) => c.client),
      ...this.#impersonating.values(),
    ])
      client.close();
  }

  async #cluster(sync: Sync, retryMs: number): Promise<{ key: string; client: KubeClient }> {
    const target = sync.spec.target;
    if (target?.cluster !== undefined && target.kubeConfig !== undefined) {
      throw new SyncFailure(InvalidSpec, 'spec.target: cluster and kubeConfig are mutually exclusive', {
        stalled: true,
      });
    }
    if (target?.kubeConfig !== undefined) return this.#fromSecret(sync, target.kubeConfig.secretRef, retryMs);
    const cluster = target?.cluster;
    if (cluster === undefined) return { key: '', client: this.#management };
    let client = this.#clusters.get(cluster);
    if (client === undefined) {
      client = logicalClusterClient(this.#management, cluster);
      this.#clusters.set(cluster, client);
    }
    return { key: cluster, client };
  }

  async #fromSecret(
    sync: Sync,
    ref: { name: string; key?: string },
    retryMs: number,
  ): Promise<{ key: string; client: KubeClient }> {
    const namespace = sync.metadata.namespace ?? 'default';
    const where = `Secret ${namespace}/${ref.name}`;
    const secret = await this.#management.tryGet<Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace,
      name: ref.name,
    });
    if (secret === undefined) {
      throw new SyncFailure(TargetFailed, `spec.target.kubeConfig: ${where} not found`, {
        retryAfter: retryMs,
      });
    }
    const key = `kubeconfig:${namespace}/${ref.name}`;
    const version = `${secret.metadata.uid ?? ''}/${secret.metadata.resourceVersion ?? ''}/${ref.key ?? ''}`;
    const cached = this.#kubeConfigs.get(key);
    if (cached?.version === version) return { key, client: cached.client };

    const keys = ref.key === undefined ? kubeConfigSecretKeys : [ref.key];
    const dataKey = keys.find((k) => secret.data?.[k] !== undefined);
    if (dataKey === undefined) {
      throw new SyncFailure(
        TargetFailed,
        `spec.target.kubeConfig: ${where} has no key ${keys.join(' or ')}`,
        {
          retryAfter: retryMs,
        },
      );
    }
    const config = new KubeConfig();
    try {
      config.loadFromString(Buffer.from(secret.data?.[dataKey] ?? '', 'base64').toString('utf8'));
      if (config.getCurrentCluster() === null) throw new Error('no current context or cluster');
    } catch (error) {
      throw new SyncFailure(
        TargetFailed,
        `spec.target.kubeConfig: ${where} key ${dataKey} is not a usable kubeconfig: ${(error as Error).message}`,
        { retryAfter: retryMs },
      );
    }
    const client = new KubeClient(config);
    if (cached !== undefined) {
      cached.client.close();
      for (const [k, c] of this.#impersonating)
        if (k.startsWith(`${key}|`)) {
          c.close();
          this.#impersonating.delete(k);
        }
      this.#onReplaced(key);
    }
    this.#kubeConfigs.set(key, { version, client });
    return { key, client };
  }
}
