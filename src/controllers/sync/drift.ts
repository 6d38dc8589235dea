/**
 * Drift: a managed object changed by another field manager, or deleted. Watches only what Syncs
 * applied: one informer per (target, apiVersion, kind), selecting by the `sync.keelson.dev/name`
 * label, so unmanaged objects cost nothing. The field comparison is pure and exported.
 */
import type { DriftRecord } from '../../api/crds/index.ts';
import type { KubeObject, ManagedFieldsEntry } from '../../api/meta.ts';
import { parseTime, rfc3339 } from '../../base/time.ts';
import type { KubeClient } from '../../runtime/client.ts';
import { Informer } from '../../runtime/informer.ts';
import { fieldManager, nameLabel, objectId, ownerKeyOf } from '../../api/sync-objects.ts';

/** What a watcher saw: the owning Sync's key and the drift. */
export interface DriftEvent {
  sync: string;
  drift: Omit<DriftRecord, 'action'> & { deleted: boolean };
}

/** Leaf paths of a fieldsV1 set: `.data.key`, `.spec.template.spec.containers[name=app].image`. */
export function fieldPaths(fields: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (key === '.') continue;
    let segment: string;
    if (key.startsWith('f:')) segment = `.${key.slice(2)}`;
    else if (key.startsWith('k:')) {
      const parsed = JSON.parse(key.slice(2)) as Record<string, unknown>;
      segment = `[${Object.entries(parsed)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',')}]`;
    } else if (key.startsWith('v:')) segment = `[${key.slice(2)}]`;
    else if (key.startsWith('i:')) segment = `[${key.slice(2)}]`;
    else continue;
    const children =
      value !== null && typeof value === 'object' && Object.keys(value).some((k) => k !== '.')
        ? fieldPaths(value as Record<string, unknown>, prefix + segment)
        : [];
    if (children.length === 0) out.push(prefix + segment);
    else out.push(...children);
  }
  return out;
}

/** Leaf paths of an object as it was applied; lists end the path (their elements are not addressed). */
export function objectPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return prefix ? [prefix] : [];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return prefix ? [prefix] : [];
  return entries.flatMap(([k, v]) =>
    prefix === '' && (k === 'apiVersion' || k === 'kind') ? [] : objectPaths(v, `${prefix}.${k}`),
  );
}

function overlaps(a: string, b: string): boolean {
  const within = (inner: string, outer: string): boolean =>
    inner === outer ||
    (inner.startsWith(outer) && (inner[outer.length] === '.' || inner[outer.length] === '['));
  return within(a, b) || within(b, a);
}

/**
 * The fields another manager took from what Keelson applied: entries not `keelson`, not on the
 * status subresource, written no earlier than Keelson's own apply, whose fields overlap the
 * applied object's. Undefined when there is none.
 */
export function foreignChange(
  live: KubeObject,
  applied: KubeObject,
): { manager: string; operation?: string; time: string; fields: string[] } | undefined {
  const managed = live.metadata.managedFields ?? [];
  const ours = managed.find((m) => m.manager === fieldManager && m.operation === 'Apply');
  const ourTime = parseTime(ours?.time) ?? 0;
  const desired = objectPaths(applied).filter((p) => !p.startsWith('.metadata.labels.sync.keelson.dev'));
  let found: { manager: string; operation?: string; time: string; fields: string[] } | undefined;
  for (const entry of managed) {
    if (!isForeign(entry) || (parseTime(entry.time) ?? 0) < ourTime) continue;
    const fields = fieldPaths(entry.fieldsV1 ?? {}).filter((f) => desired.some((d) => overlaps(f, d)));
    if (fields.length === 0) continue;
    if (found === undefined || (entry.time ?? '') > found.time) {
      found = {
        manager: entry.manager ?? '',
        ...(entry.operation !== undefined && { operation: entry.operation }),
        time: entry.time ?? '',
        fields,
      };
    }
  }
  return found;
}

function isForeign(entry: ManagedFieldsEntry): boolean {
  return entry.manager !== fieldManager && (entry.subresource ?? '') === '';
}

/**
 * Informers over managed objects, started on demand as Syncs apply new kinds to a target. The
 * `applied` lookup gives what a Sync last applied for an object id (undefined: not in its
 * inventory); `onDrift` is called for each drift found.
 */
export class DriftWatcher {
  readonly #informers = new Map<string, Informer>();
  readonly #applied: (sync: string, id: string) => KubeObject | undefined;
  readonly #onDrift: (event: DriftEvent) => void;
  readonly #log: (message: string, fields?: Record<string, unknown>) => void;
  readonly #now: () => number;

  constructor(deps: {
    applied: (sync: string, id: string) => KubeObject | undefined;
    onDrift: (event: DriftEvent) => void;
    log: (message: string, fields?: Record<string, unknown>) => void;
    now: () => number;
  }) {
    this.#now = deps.now;
    this.#applied = deps.applied;
    this.#onDrift = deps.onDrift;
    this.#log = deps.log;
  }

  /** The informer over managed objects of this kind on `target` (started, maybe not yet synced). */
  watch(target: string, client: KubeClient, apiVersion: string, kind: string): Informer {
    const key = `${target}|${apiVersion}|${kind}`;
    let informer = this.#informers.get(key);
    if (informer === undefined) {
      informer = new Informer(client, apiVersion, kind, { labelSelector: nameLabel, log: this.#log });
      informer.on({
        update: (_old, object) => this.#check(object, false),
        delete: (object) => this.#check(object, true),
      });
      this.#informers.set(key, informer);
      informer.start();
    }
    return informer;
  }

  /** The cached live object, `undefined` when the synced cache lacks it, 'unknown' when not watched or synced. */
  live(target: string, object: KubeObject): KubeObject | undefined | 'unknown' {
    const informer = this.#informers.get(`${target}|${object.apiVersion}|${object.kind}`);
    if (informer === undefined || !informer.synced) return 'unknown';
    const { namespace, name = '' } = object.metadata;
    return informer.get(namespace ? `${namespace}/${name}` : name);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
    this.#informers.clear();
  }

  /** Stops the informers of one target (its client was replaced); the next apply starts new ones. */
  async stopTarget(target: string): Promise<void> {
    const stopping: Promise<void>[] = [];
    for (const [key, informer] of this.#informers)
      if (key.startsWith(`${target}|`)) {
        this.#informers.delete(key);
        stopping.push(informer.stop());
      }
    await Promise.all(stopping);
  }

  #check(object: KubeObject, deleted: boolean): void {
    const sync = ownerKeyOf(object);
    if (sync === undefined) return;
    const id = objectId(object);
    const applied = this.#applied(sync, id);
    if (applied === undefined) return;
    if (deleted) {
      this.#onDrift({
        sync,
        drift: { id, fields: [], manager: '', operation: 'Delete', time: rfc3339(this.#now()), deleted },
      });
      return;
    }
    const change = foreignChange(object, applied);
    if (change !== undefined) this.#onDrift({ sync, drift: { id, ...change, deleted } });
  }
}
