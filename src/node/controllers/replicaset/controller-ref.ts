/**
 * Claiming dependents through ownerReferences, as kube's ControllerRefManager does: a controller
 * keeps what it owns and still selects, adopts orphans its selector matches and releases what it
 * owns but no longer selects. Written so the Deployment controller (ReplicaSets) and the ReplicaSet
 * controller (Pods) share it; it belongs beside pods.ts once that file can take it.
 */
import type { KubeObject } from '../../../api/meta.ts';
import { selectorMatches } from '../../../api/validation/selectors.ts';
import { KeelsonError } from '../../../base/errors.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import { isNotFound, refOf } from '../../../runtime/client.ts';
import { controllerOf } from '../../../runtime/controller.ts';
import { controllerRef } from '../pods.ts';
import type { LabelSelector } from './replica-set.ts';

/** The shared index of dependents by their controller's uid (pods.ts `byControllerUid`). */
export const controllerUidIndex = 'controller-uid';

/** The index of objects without a controller, by namespace: the orphans a controller may adopt. */
export const orphansIndex = 'orphans-by-namespace';

/** Index function for {@link orphansIndex}. */
export function orphansByNamespace(object: KubeObject): string[] {
  return controllerOf(object) ? [] : [object.metadata.namespace ?? ''];
}

export interface ClaimOptions<T extends KubeObject> {
  client: KubeClient;
  /** The controller claiming; its apiVersion, kind, name and uid go into the ownerReference. */
  owner: KubeObject;
  selector: LabelSelector;
  /** What it owns plus the orphans of its namespace (from the two indexes). */
  candidates: readonly T[];
}

/**
 * Returns the candidates the owner controls after adopting and releasing. Adoption first re-reads
 * the owner uncached (once), so an owner deleted and recreated under the same name never adopts
 * with a stale uid (kubernetes#42639). Patches carry the dependent's uid, so a dependent replaced
 * under the same name is not touched by a server that checks it.
 */
export async function claim<T extends KubeObject>(options: ClaimOptions<T>): Promise<T[]> {
  const { client, owner, selector } = options;
  const ownerUid = owner.metadata.uid ?? '';
  const ownerDeleting = owner.metadata.deletionTimestamp !== undefined;
  let canAdopt: Promise<void> | undefined;
  const claimed: T[] = [];
  const actions: Promise<void>[] = [];
  for (const object of options.candidates) {
    const ref = controllerOf(object);
    const matches = selectorMatches(selector, object.metadata.labels);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (matches) claimed.push(object);
      else if (!ownerDeleting) actions.push(release(client, owner, object));
      continue;
    }
    if (ownerDeleting || !matches || object.metadata.deletionTimestamp !== undefined) continue;
    if (object.metadata.namespace !== owner.metadata.namespace) continue;
    canAdopt ??= recheckOwner(client, owner);
    actions.push(
      adopt(client, owner, object, canAdopt).then((adopted) => {
        if (adopted) claimed.push(object);
      }),
    );
  }
  const results = await Promise.allSettled(actions);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return claimed;
}

async function recheckOwner(client: KubeClient, owner: KubeObject): Promise<void> {
  const fresh = await client.get({
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    namespace: owner.metadata.namespace,
    name: owner.metadata.name ?? '',
  });
  const name = `${owner.kind} ${owner.metadata.namespace}/${owner.metadata.name}`;
  if (fresh.metadata.uid !== owner.metadata.uid)
    throw new KeelsonError(
      'KEELSON_CONFLICT',
      `original ${name} is gone: got uid ${fresh.metadata.uid}, wanted ${owner.metadata.uid}`,
    );
  if (fresh.metadata.deletionTimestamp !== undefined)
    throw new KeelsonError(
      'KEELSON_CONFLICT',
      `${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`,
    );
}

async function adopt(
  client: KubeClient,
  owner: KubeObject,
  object: KubeObject,
  canAdopt: Promise<void>,
): Promise<boolean> {
  await canAdopt;
  try {
    await client.patch(
      refOf(object),
      { metadata: { ownerReferences: [controllerRef(owner)], uid: object.metadata.uid } },
      'strategic',
    );
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function release(client: KubeClient, owner: KubeObject, object: KubeObject): Promise<void> {
  try {
    await client.patch(
      refOf(object),
      {
        metadata: {
          ownerReferences: [{ $patch: 'delete', uid: owner.metadata.uid }],
          uid: object.metadata.uid,
        },
      },
      'strategic',
    );
  } catch (error) {
    // Gone, or (Invalid) no longer carrying the reference or replaced under the same name.
    if (isNotFound(error) || (error instanceof KeelsonError && error.code === 'KEELSON_INVALID')) return;
    throw error;
  }
}
