/**
 * Staged, change-only server-side apply (Flux's ssa.ResourceManager): CustomResourceDefinitions
 * and Namespaces first, then everything else; an object is written only when it differs from the
 * live one. "Differs" is decided cheaply first: when every field of the desired object already
 * has that value live (a subset match) nothing is sent; otherwise a server-side dry-run is compared
 * with the live object, so that defaulting alone never counts as a change.
 */
import { isDeepStrictEqual } from 'node:util';

import type { ObjectResult } from '../../api/crds/index.ts';
import type { KubeObject } from '../../api/meta.ts';
import { refOf, type KubeClient } from '../../runtime/client.ts';
import { sleep } from '../../runtime/informer.ts';
import { fieldPaths, objectPaths } from './drift.ts';
import { fieldManager, objectId } from '../../api/sync-objects.ts';

export type ApplyPolicy = 'atomic' | 'partial';

/** Objects compared (and dry-run) at once before the event loop gets a turn. */
const planSlice = 250;

export interface ApplyOptions {
  policy: ApplyPolicy;
  /** Live objects known without a request (the drift watcher's cache); read from the API otherwise. */
  live: (object: KubeObject) => KubeObject | undefined | 'unknown';
  /** Ids not to write (report-only drift): recorded as skipped. */
  skip?: ReadonlySet<string>;
  /** How long to wait for new CRDs to be Established. */
  timeoutMs: number;
  now: () => number;
  signal: AbortSignal;
}

export interface ApplyOutcome {
  results: ObjectResult[];
  /** Objects as the server returned them (or as live, when unchanged), by id. */
  applied: Map<string, KubeObject>;
  /** Failures; in atomic mode nothing of the failing stage was written. */
  failed: ObjectResult[];
}

/** Applies `objects` in two stages; see the module doc. */
export async function applyStaged(
  client: KubeClient,
  objects: KubeObject[],
  options: ApplyOptions,
): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { results: [], applied: new Map(), failed: [] };
  const first = objects.filter(isClusterDefinition);
  const rest = objects.filter((o) => !isClusterDefinition(o));
  await applyStage(client, first, options, outcome);
  if (outcome.failed.length > 0 && options.policy === 'atomic') {
    for (const object of rest) outcome.results.push({ id: objectId(object), action: 'skipped' });
    return outcome;
  }
  const crds = first.filter((o) => o.kind === 'CustomResourceDefinition');
  if (crds.length > 0) await waitEstablished(client, crds, options);
  await applyStage(client, rest, options, outcome);
  return outcome;
}

function isClusterDefinition(object: KubeObject): boolean {
  return object.kind === 'Namespace' || object.kind === 'CustomResourceDefinition';
}

interface Planned {
  object: KubeObject;
  id: string;
  live: KubeObject | undefined;
}

async function applyStage(
  client: KubeClient,
  objects: KubeObject[],
  options: ApplyOptions,
  outcome: ApplyOutcome,
): Promise<void> {
  const changed: Planned[] = [];
  const stageFailed: ObjectResult[] = [];
  const unchanged: { id: string; live: KubeObject }[] = [];
  const plan = async (object: KubeObject): Promise<void> => {
    const id = objectId(object);
    if (options.skip?.has(id)) {
      outcome.results.push({ id, action: 'skipped', message: 'drift reported, not reverted' });
      return;
    }
    try {
      let live = options.live(object);
      if (live === 'unknown') live = await client.tryGet(refOf(object));
      if (live !== undefined && contains(live, object) && ownsOnly(live, object)) {
        unchanged.push({ id, live });
        return;
      }
      // the dry-run validates the object and shows what the write would change
      const dry = await client.apply(object, { fieldManager, force: true, dryRun: true });
      if (live !== undefined && sameContent(live, dry)) unchanged.push({ id, live });
      else changed.push({ object, id, live });
    } catch (error) {
      stageFailed.push({ id, action: 'failed', message: messageOf(error) });
    }
  };
  // in slices, yielding between them: comparing thousands of cached objects needs no I/O, and would
  // otherwise hold the event loop long enough to miss lease renewals
  for (let i = 0; i < objects.length; i += planSlice) {
    await Promise.all(objects.slice(i, i + planSlice).map(plan));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  for (const { id, live } of unchanged) {
    outcome.results.push({ id, action: 'unchanged' });
    outcome.applied.set(id, live);
  }
  if (stageFailed.length > 0 && options.policy === 'atomic') {
    for (const { id } of changed) outcome.results.push({ id, action: 'skipped' });
    outcome.results.push(...stageFailed);
    outcome.failed.push(...stageFailed);
    return;
  }
  await Promise.all(
    changed.map(async ({ object, id, live }) => {
      try {
        const written = await client.apply(object, { fieldManager, force: true });
        outcome.applied.set(id, written);
        outcome.results.push({ id, action: live === undefined ? 'created' : 'configured' });
      } catch (error) {
        stageFailed.push({ id, action: 'failed', message: messageOf(error) });
      }
    }),
  );
  outcome.results.push(...stageFailed);
  outcome.failed.push(...stageFailed);
}

/** Whether every field set in `desired` has the same value in `live` (lists: same length, elementwise). */
export function contains(live: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) && live.length === desired.length && desired.every((d, i) => contains(live[i], d))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(desired).every(([k, v]) => contains(l[k], v));
  }
  return isDeepStrictEqual(live, desired);
}

/**
 * Whether every field Keelson's last apply owns is still in `desired`: a field dropped from the
 * source must be removed live, which a subset match alone cannot see.
 */
export function ownsOnly(live: KubeObject, desired: KubeObject): boolean {
  const ours = live.metadata.managedFields?.find(
    (m) => m.manager === fieldManager && m.operation === 'Apply',
  );
  if (ours === undefined) return false;
  const wanted = objectPaths(desired);
  return fieldPaths(ours.fieldsV1 ?? {}).every((owned) => {
    const p = owned.replace(/\[.*$/, '');
    return wanted.some((d) => d === p || d.startsWith(`${p}.`) || d.startsWith(`${p}[`));
  });
}

/** Equal but for the bookkeeping a write always changes. */
function sameContent(live: KubeObject, dry: KubeObject): boolean {
  const strip = (o: KubeObject): unknown => {
    const { resourceVersion, managedFields, generation, ...metadata } = o.metadata;
    void resourceVersion;
    void managedFields;
    void generation;
    const { status, ...rest } = o as KubeObject & { status?: unknown };
    void status;
    return { ...rest, metadata };
  };
  return isDeepStrictEqual(strip(live), strip(dry));
}

async function waitEstablished(client: KubeClient, crds: KubeObject[], options: ApplyOptions): Promise<void> {
  const deadline = options.now() + options.timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const got = await client.tryGet<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(refOf(crd));
      if (got?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (options.now() > deadline || options.signal.aborted) {
        throw new Error(`CustomResourceDefinition ${crd.metadata.name ?? ''} not Established in time`);
      }
      await sleep(200, options.signal);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
