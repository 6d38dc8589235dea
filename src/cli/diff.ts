/**
 * `keelson diff sync NAME`, as `flux diff kustomization`: builds what the Sync would apply now (the
 * source's current revision, fetched with git, or a local `--path`), asks the target for a
 * server-side dry-run apply of each object as Keelson's field manager, and prints what would be
 * created, what drifted (a unified diff of live against the dry-run result) and what pruning
 * would delete. Nothing is written. Exit code: 0 no changes, 1 changes, 2 an error (as flux).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { KubeConfig } from '@kubernetes/client-node';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';

import { authFromSecret, GitCli, type GitAuth, type GitRef, type Secret } from '../adapters/git/index.ts';
import { buildManifests, substitute } from '../adapters/manifests/index.ts';
import type { GitRepository, Sync } from '../api/crds/index.ts';
import type { KubeObject } from '../api/meta.ts';
import {
  entryOf,
  fieldManager,
  isOwnedBy,
  kubeConfigSecretKeys,
  prepareObjects,
  refOfEntry,
  staleEntries,
  substitutionVariables,
} from '../api/sync-objects.ts';
import { KeelsonError } from '../base/errors.ts';
import { KubeClient, refOf, type ObjectRef } from '../runtime/client.ts';
import { impersonatingClient, logicalClusterClient } from '../runtime/derived-clients.ts';
import type { CliDeps } from './context.ts';
import { sourceKind, syncKind } from './kinds.ts';

export interface DiffRequest {
  namespace: string;
  name: string;
  /** A local directory to build instead of the source's revision (flux's `--path`). */
  path?: string | undefined;
}

type Change = 'created' | 'drifted' | 'deleted';

/** Prints the changes a reconcile of the Sync would make now; returns the exit code. */
export async function diffSync(client: KubeClient, deps: CliDeps, request: DiffRequest): Promise<number> {
  const sync = await client.get<Sync>({
    apiVersion: syncKind.apiVersion,
    kind: syncKind.kind,
    namespace: request.namespace,
    name: request.name,
  });
  const scratch = mkdtempSync(join(tmpdir(), 'keelson-diff-'));
  const target = await targetClient(client, sync);
  try {
    const built = await build(client, deps, sync, request.path, scratch);
    const objects = await prepareObjects(sync, built, (apiVersion, kind) =>
      target.resource(apiVersion, kind).then(
        (info) => info.namespaced,
        () => undefined,
      ),
    );
    let changes = 0;
    let unchanged = 0;
    for (const object of objects) {
      const change = await diffObject(target, object);
      if (change === undefined) unchanged++;
      else {
        changes++;
        deps.stdout(`► ${describe(object)} ${change.kind}\n${change.patch ?? ''}`);
      }
    }
    if (sync.spec.prune) {
      for (const entry of staleEntries(sync.status?.inventory?.entries ?? [], objects.map(entryOf))) {
        const live = await target.tryGet(refOfEntry(entry));
        if (live === undefined || !isOwnedBy(live, sync)) continue;
        changes++;
        deps.stdout(`► ${describe(live)} ${'deleted' satisfies Change}\n`);
      }
    }
    deps.stderr(
      changes === 0
        ? `✔ no changes: ${unchanged} objects as they would be applied\n`
        : `✗ ${changes} changes, ${unchanged} objects unchanged\n`,
    );
    return changes === 0 ? 0 : 1;
  } finally {
    target.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The Sync's objects as the controller would build them, before ownership labels and namespaces. */
async function build(
  client: KubeClient,
  deps: CliDeps,
  sync: Sync,
  localPath: string | undefined,
  scratch: string,
): Promise<KubeObject[]> {
  let dir: string;
  let path: string;
  if (localPath !== undefined) {
    deps.stderr(`► building ${localPath}\n`);
    dir = localPath;
    path = '.';
  } else {
    dir = await fetchSource(client, deps, sync, scratch);
    path = sync.spec.path ?? '.';
  }
  const { objects } = await buildManifests(dir, path);
  const variables = await substitutionVariables(sync, (kind, name) =>
    client.tryGet<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind,
      namespace: sync.metadata.namespace,
      name,
    }),
  );
  return (variables === undefined ? objects : substitute(objects, variables)).map((b) => b.object);
}

/** Fetches the commit of the source's current artifact, with the source's credentials. */
async function fetchSource(client: KubeClient, deps: CliDeps, sync: Sync, scratch: string): Promise<string> {
  const namespace = sync.spec.sourceRef.namespace ?? sync.metadata.namespace;
  const sourceName = `GitRepository ${namespace ?? ''}/${sync.spec.sourceRef.name}`;
  const source = await client.tryGet<GitRepository>({
    apiVersion: sourceKind.apiVersion,
    kind: sourceKind.kind,
    namespace,
    name: sync.spec.sourceRef.name,
  });
  if (source === undefined) throw new KeelsonError('KEELSON_NOT_FOUND', `${sourceName} not found`);
  const revision = source.status?.artifact?.revision;
  const commit = revision?.match(/(?:^|@)sha1:([0-9a-f]{40})$/)?.[1];
  if (revision === undefined || commit === undefined) {
    throw new KeelsonError(
      'KEELSON_NOT_FOUND',
      `${sourceName} has no artifact yet; pass --path DIR to diff a local directory`,
    );
  }
  let auth: GitAuth | undefined;
  if (source.spec.secretRef !== undefined) {
    const secret = await client.get<Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace,
      name: source.spec.secretRef.name,
    });
    auth = authFromSecret(secret);
  }
  deps.stderr(`► fetching ${source.spec.url} at ${revision}\n`);
  const git = new GitCli({ cacheDir: scratch, clock: { now: deps.now }, log: () => {} });
  const ref: GitRef = { ...branchOf(source), commit };
  const artifact = await git.fetch(source.spec.url, ref, auth, {
    ...(source.spec.ignore !== undefined && { ignore: source.spec.ignore }),
  });
  return artifact.dir;
}

function branchOf(source: GitRepository): GitRef {
  const branch = source.spec.ref?.branch;
  return branch === undefined ? {} : { branch };
}

/**
 * The client the controller would write with: the management cluster, a logical cluster, or the
 * kubeconfig in `spec.target.kubeConfig`'s Secret; impersonating `spec.serviceAccountName`.
 */
async function targetClient(client: KubeClient, sync: Sync): Promise<KubeClient> {
  let target = new KubeClient(client.config);
  const cluster = sync.spec.target?.cluster;
  const secretRef = sync.spec.target?.kubeConfig?.secretRef;
  if (cluster !== undefined) target = logicalClusterClient(client, cluster);
  else if (secretRef !== undefined) {
    const secret = await client.get<Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: sync.metadata.namespace,
      name: secretRef.name,
    });
    const keys = secretRef.key === undefined ? kubeConfigSecretKeys : [secretRef.key];
    const value = keys.map((k) => secret.data?.[k]).find((v) => v !== undefined);
    if (value === undefined) {
      throw new KeelsonError(
        'KEELSON_BAD_REQUEST',
        `spec.target.kubeConfig: Secret ${sync.metadata.namespace ?? ''}/${secretRef.name} has no key ${keys.join(' or ')}`,
      );
    }
    const config = new KubeConfig();
    config.loadFromString(Buffer.from(value, 'base64').toString('utf8'));
    target = new KubeClient(config);
  }
  const account = sync.spec.serviceAccountName;
  if (account === undefined || account === '') return target;
  const impersonating = impersonatingClient(
    target,
    `system:serviceaccount:${sync.metadata.namespace ?? 'default'}:${account}`,
  );
  target.close();
  return impersonating;
}

/** What applying `object` would change: undefined when nothing. */
async function diffObject(
  target: KubeClient,
  object: KubeObject,
): Promise<{ kind: Change; patch?: string } | undefined> {
  const ref: ObjectRef = refOf(object);
  const live = await target.tryGet(ref);
  let merged: KubeObject;
  try {
    merged = await target.apply(object, { fieldManager, force: true, dryRun: true });
  } catch (error) {
    throw new KeelsonError(
      'KEELSON_BAD_REQUEST',
      `${describe(object)}: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
  if (live === undefined) return { kind: 'created' };
  const before = comparable(live);
  const after = comparable(merged);
  maskSecretData(before, after);
  if (isDeepStrictEqual(before, after)) return undefined;
  const name = describe(object);
  const patch = createTwoFilesPatch(
    `${name} (live)`,
    `${name} (merged)`,
    stringify(before, { sortMapEntries: true }),
    stringify(after, { sortMapEntries: true }),
    undefined,
    undefined,
    { context: 3 },
  );
  return { kind: 'drifted', patch: patch.split('\n').slice(1).join('\n') };
}

/** What a reader compares: no server bookkeeping (versions, managedFields, status). */
function comparable(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  const metadata = copy.metadata as Record<string, unknown>;
  for (const field of [
    'managedFields',
    'resourceVersion',
    'generation',
    'uid',
    'creationTimestamp',
    'selfLink',
  ])
    delete metadata[field];
  const annotations = copy.metadata.annotations;
  if (annotations !== undefined) {
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
    if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
  }
  delete (copy as Record<string, unknown>)['status'];
  return copy;
}

/** Secret values never reach the terminal: `***`, or `*** (before)` / `*** (after)` where they differ (kubectl diff's masking). */
function maskSecretData(before: KubeObject, after: KubeObject): void {
  if (before.kind !== 'Secret') return;
  for (const field of ['data', 'stringData']) {
    const a = (before as Record<string, unknown>)[field] as Record<string, string> | undefined;
    const b = (after as Record<string, unknown>)[field] as Record<string, string> | undefined;
    for (const key of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) {
      const same = a?.[key] === b?.[key];
      if (a?.[key] !== undefined) a[key] = same ? '***' : '*** (before)';
      if (b?.[key] !== undefined) b[key] = same ? '***' : '*** (after)';
    }
  }
}

function describe(object: KubeObject): string {
  const { namespace, name = '' } = object.metadata;
  return `${object.kind}/${namespace ? `${namespace}/` : ''}${name}`;
}
