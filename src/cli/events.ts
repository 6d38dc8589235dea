/** `keelson events`: the core/v1 Events of a namespace, oldest first, as `kubectl events` shows them. */
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../runtime/client.ts';
import type { CliDeps } from './context.ts';
import { age, table } from './format.ts';
import { kindNamed } from './kinds.ts';

interface CoreEvent extends KubeObject {
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { lastObservedTime?: string; count?: number };
}

/** When an event was last seen: lastTimestamp, else its series or eventTime, else its creation. */
function lastSeen(event: CoreEvent): string | undefined {
  return (
    event.lastTimestamp ??
    event.series?.lastObservedTime ??
    event.eventTime ??
    event.firstTimestamp ??
    event.metadata.creationTimestamp
  );
}

function time(value: string | undefined): number {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * Parses `--for KIND/NAME`; the kind may be any word the CLI knows (`sync`, `source`) or any other
 * kind's name, compared without case.
 */
export function parseFor(value: string): { kind: string; name: string } | undefined {
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1) return undefined;
  const word = value.slice(0, slash);
  return { kind: kindNamed(word)?.kind ?? word, name: value.slice(slash + 1) };
}

/** Prints the namespace's events, oldest first, optionally only those about one object. */
export async function events(
  client: KubeClient,
  deps: CliDeps,
  request: { namespace: string; for?: { kind: string; name: string } | undefined },
): Promise<void> {
  const { namespace } = request;
  let items = (await client.list<CoreEvent>('v1', 'Event', { namespace })).items;
  const only = request.for;
  if (only) {
    items = items.filter(
      (e) =>
        e.involvedObject?.name === only.name &&
        e.involvedObject.kind?.toLowerCase() === only.kind.toLowerCase(),
    );
  }
  if (items.length === 0) {
    deps.stderr(`No events found in ${namespace} namespace.\n`);
    return;
  }
  items.sort((a, b) => time(lastSeen(a)) - time(lastSeen(b)));
  const now = deps.now();
  deps.stdout(
    table(
      ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
      items.map((e) => [
        age(lastSeen(e), now),
        e.type ?? '',
        e.reason ?? '',
        `${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
        (e.message ?? '').replace(/\s*\n\s*/g, ' ').trim(),
      ]),
    ),
  );
}
