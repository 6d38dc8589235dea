/**
 * Watch streams: one JSON event per line over a chunked response, resumable from any retained
 * resourceVersion, with selector transitions (an object that stops matching is DELETED for the
 * watcher), bookmarks and timeouts — the behaviour client-go's reflector relies on.
 */
import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../api/meta.ts';
import { apiVersionOf } from '../api/meta.ts';
import type { ObjectStore } from './registry/store.ts';
import { collectionPrefix, type ServedType } from './registry/types.ts';
import type { Selector } from './selectors.ts';
import type { StorageEvent } from './storage/storage.ts';

export interface WatchRequest {
  store: ObjectStore;
  type: ServedType;
  namespace: string;
  labels: Selector;
  fields: Selector;
  /** Undefined, '' or '0': start with the current state as ADDED events. */
  resourceVersion: string | undefined;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  timeoutSeconds: number;
  bookmarkIntervalMs: number;
  contentType: string;
  /** Encodes an object for the wire (the object itself, or a Table row for kubectl get -w). */
  encode: (object: KubeObject) => unknown;
}

type WireType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Opens the stream. Throws (before any byte is written) when the resourceVersion is too old. */
export function serveWatch(res: ServerResponse, request: WatchRequest): void {
  const { store, type, namespace } = request;
  const prefix = collectionPrefix(store.cluster, type, namespace);
  const filtered = request.labels.length > 0 || request.fields.length > 0;
  // what this watcher last saw of each key: true when it matched the selectors
  const known = new Map<string, boolean>();
  const rv = request.resourceVersion;
  const initial = rv === undefined || rv === '' || rv === '0' || request.sendInitialEvents;
  // read history first: a too-old resourceVersion fails here with 410 before the stream starts
  const backlog: StorageEvent[] = initial ? [] : store.storage.eventsSince(prefix, Number(rv));

  res.writeHead(200, {
    'Content-Type': request.contentType,
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();

  let closed = false;
  const send = (wireType: WireType, object: unknown) => {
    if (closed) return;
    res.write(`${JSON.stringify({ type: wireType, object })}\n`);
    if (res.writableLength > 64 * 1024 * 1024) stop(); // a client that stopped reading
  };
  const bookmark = (annotations?: Record<string, string>) =>
    send('BOOKMARK', {
      kind: type.kind,
      apiVersion: apiVersionOf(type.group, type.version),
      metadata: { resourceVersion: String(store.storage.revision), ...(annotations && { annotations }) },
    });

  const deliver = (event: StorageEvent) => {
    if (!event.key.startsWith(prefix)) return;
    const object = store.toServed(type, event.value);
    if (!filtered) {
      send(event.type, request.encode(object));
      return;
    }
    const matchesNow =
      event.type !== 'DELETED' && store.matches(type, object, request.labels, request.fields);
    // a resumed watch never saw the objects' earlier states: assume they matched unless just created
    const matchedBefore = known.get(event.key) ?? (!initial && event.type !== 'ADDED');
    if (event.type === 'DELETED') {
      if (known.get(event.key) ?? store.matches(type, object, request.labels, request.fields))
        send('DELETED', request.encode(object));
      known.delete(event.key);
    } else if (matchesNow) {
      send(matchedBefore ? 'MODIFIED' : 'ADDED', request.encode(object));
      known.set(event.key, true);
    } else {
      if (matchedBefore) send('DELETED', request.encode(object));
      known.set(event.key, false);
    }
  };

  if (initial) {
    const list = store.storage.list(prefix);
    for (const item of list.items) {
      const object = store.toServed(type, item.value);
      const matching = !filtered || store.matches(type, object, request.labels, request.fields);
      if (filtered) known.set(item.key, matching);
      if (matching) send('ADDED', request.encode(object));
    }
    if (request.sendInitialEvents && request.allowBookmarks)
      bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    for (const event of backlog) deliver(event);
  }
  const unsubscribe = store.storage.subscribe(deliver);
  const timers: NodeJS.Timeout[] = [setTimeout(() => stop(), request.timeoutSeconds * 1000)];
  if (request.allowBookmarks) timers.push(setInterval(() => bookmark(), request.bookmarkIntervalMs));

  function stop(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    res.end();
  }
  res.on('close', stop);
}
