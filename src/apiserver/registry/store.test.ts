import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/meta.ts';
import { LogicalCluster } from '../cluster.ts';
import { MemoryStorage } from '../storage/memory-storage.ts';
import { ContinueExpiredError } from './continue.ts';
import type { RequestContext } from './context.ts';

function open(window?: number): LogicalCluster {
  const storage = new MemoryStorage(window === undefined ? {} : { window });
  const cluster = new LogicalCluster('c', storage, { gracefulPods: false });
  cluster.bootstrap(context('bootstrap'));
  return cluster;
}

function context(fieldManager: string, now = new Date('2026-01-02T03:04:05Z')): RequestContext {
  return {
    user: { name: 'admin', groups: ['system:masters'] },
    dryRun: false,
    fieldManager,
    fieldValidation: 'Strict',
    warnings: [],
    now,
  };
}

function configMap(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

/** Server-side apply of a ConfigMap `cm` in default with `data`, as `manager` at `now`. */
function applyConfigMap(cluster: LogicalCluster, manager: string, data: Record<string, string>, now?: Date) {
  const type = cluster.type('', 'v1', 'configmaps');
  return cluster.store.patch(context(manager, now), type, 'default', 'cm', 'apply', configMap('cm', data))
    .object;
}

describe('ObjectStore writes that change only managedFields', () => {
  it('persists a second applier that co-owns the same values', () => {
    const cluster = open();
    const type = cluster.type('', 'v1', 'configmaps');
    const first = applyConfigMap(cluster, 'first', { a: '1' });
    const second = applyConfigMap(cluster, 'second', { a: '1' }, new Date('2026-01-02T04:00:00Z'));
    assert.notEqual(second.metadata.resourceVersion, first.metadata.resourceVersion);
    const stored = cluster.store.get(type, 'default', 'cm');
    assert.equal(stored.metadata.resourceVersion, second.metadata.resourceVersion);
    // the second applier changed no value, so it gets no time and sorts first, as in kube-apiserver
    assert.deepEqual(
      stored.metadata.managedFields?.map((e) => [e.manager, e.operation, e.time, e.fieldsV1]),
      [
        ['second', 'Apply', undefined, { 'f:data': { 'f:a': {} } }],
        ['first', 'Apply', '2026-01-02T03:04:05Z', { 'f:data': { 'f:a': {} } }],
      ],
    );
  });

  it('writes nothing when an applier applies the same configuration again', () => {
    const cluster = open();
    const first = applyConfigMap(cluster, 'first', { a: '1' });
    const revision = cluster.store.storage.revision;
    const again = applyConfigMap(cluster, 'first', { a: '1' }, new Date('2026-01-03T00:00:00Z'));
    assert.equal(again.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.equal(cluster.store.storage.revision, revision);
  });

  it('keeps the object and its timestamps when only managedFields timestamps change', () => {
    const cluster = open();
    const type = cluster.type('', 'v1', 'configmaps');
    const created = cluster.store.create(context('writer'), type, 'default', configMap('cm', { a: '1' }));
    const sent = structuredClone(created);
    sent.metadata.managedFields = created.metadata.managedFields!.map((e) => ({
      ...e,
      time: '2030-01-01T00:00:00Z',
    }));
    const result = cluster.store.update(context('writer'), type, 'default', 'cm', sent).object;
    assert.equal(result.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.deepEqual(
      cluster.store.get(type, 'default', 'cm').metadata.managedFields,
      created.metadata.managedFields,
    );
  });

  it('persists managedFields whose fieldsV1 the client changed', () => {
    const cluster = open();
    const type = cluster.type('', 'v1', 'configmaps');
    const created = cluster.store.create(
      context('writer'),
      type,
      'default',
      configMap('cm', { a: '1', b: '2' }),
    );
    const sent = structuredClone(created);
    sent.metadata.managedFields = [
      { ...created.metadata.managedFields![0]!, fieldsV1: { 'f:data': { 'f:a': {} } } },
    ];
    const result = cluster.store.update(context('writer'), type, 'default', 'cm', sent).object;
    assert.notEqual(result.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.deepEqual(cluster.store.get(type, 'default', 'cm').metadata.managedFields?.[0]?.fieldsV1, {
      'f:data': { 'f:a': {} },
    });
  });
});

describe('ObjectStore paginated lists', () => {
  function fill(cluster: LogicalCluster, names: string[]): void {
    const type = cluster.type('', 'v1', 'configmaps');
    for (const name of names)
      cluster.store.create(context('writer'), type, 'default', {
        ...configMap(name, { v: '1' }),
        metadata: { name, labels: { app: name < 'c' ? 'early' : 'late' } },
      });
  }

  it('reads every page at the revision of the first', () => {
    const cluster = open();
    const type = cluster.type('', 'v1', 'configmaps');
    fill(cluster, ['a', 'b', 'c', 'd', 'e']);
    const first = cluster.store.list(type, 'default', { limit: 2 });
    assert.deepEqual(
      first.items.map((i) => i.metadata.name),
      ['a', 'b'],
    );
    assert.equal(first.metadata.remainingItemCount, 3);
    cluster.store.delete(context('writer'), type, 'default', 'c');
    cluster.store.create(context('writer'), type, 'default', configMap('cc', {}));
    cluster.store.update(context('writer'), type, 'default', 'd', configMap('d', { v: '2' }));
    const second = cluster.store.list(type, 'default', { limit: 2, continue: first.metadata.continue! });
    assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.deepEqual(
      second.items.map((i) => [i.metadata.name, i['data']]),
      [
        ['c', { v: '1' }],
        ['d', { v: '1' }],
      ],
    );
    assert.equal(second.metadata.remainingItemCount, 1);
    const third = cluster.store.list(type, 'default', { limit: 2, continue: second.metadata.continue! });
    assert.deepEqual(
      third.items.map((i) => i.metadata.name),
      ['e'],
    );
    assert.equal(third.metadata.continue, undefined);
    assert.equal(third.metadata.remainingItemCount, undefined);
    assert.deepEqual(
      cluster.store.list(type, 'default').items.map((i) => i.metadata.name),
      ['a', 'b', 'cc', 'd', 'e'],
    );
  });

  it('counts the remaining items only without selectors', () => {
    const cluster = open();
    const type = cluster.type('', 'v1', 'configmaps');
    fill(cluster, ['a', 'b', 'c', 'd', 'e']);
    const page = cluster.store.list(type, 'default', { limit: 1, labelSelector: 'app=late' });
    assert.deepEqual(
      page.items.map((i) => i.metadata.name),
      ['c'],
    );
    assert.notEqual(page.metadata.continue, undefined);
    assert.equal(page.metadata.remainingItemCount, undefined);
  });

  it('answers 410 with a token that goes on at the current revision once the snapshot is compacted', () => {
    const cluster = open(20);
    const type = cluster.type('', 'v1', 'configmaps');
    fill(cluster, ['a', 'b', 'c', 'd']);
    const first = cluster.store.list(type, 'default', { limit: 2 });
    cluster.store.delete(context('writer'), type, 'default', 'c');
    for (let i = 0; i < 30; i++)
      cluster.store.create(context('writer'), type, 'kube-public', configMap(`x${i}`, {}));
    cluster.store.storage.compact();
    let expired: unknown;
    try {
      cluster.store.list(type, 'default', { limit: 2, continue: first.metadata.continue! });
    } catch (error) {
      expired = error;
    }
    assert.ok(expired instanceof ContinueExpiredError);
    assert.equal(expired.code, 'KEELSON_EXPIRED');
    assert.match(expired.message, /^The provided continue parameter is too old/);
    const rest = cluster.store.list(type, 'default', { limit: 2, continue: expired.continueToken });
    assert.deepEqual(
      rest.items.map((i) => i.metadata.name),
      ['d'],
    );
    assert.equal(rest.metadata.resourceVersion, String(cluster.store.storage.revision));
  });

  it('refuses a token it did not write', () => {
    const cluster = open();
    const type = cluster.type('', 'v1', 'configmaps');
    for (const token of ['not-base64-json', Buffer.from('{"rv":0,"start":"a"}').toString('base64url')])
      assert.throws(() => cluster.store.list(type, 'default', { limit: 1, continue: token }), {
        code: 'KEELSON_BAD_REQUEST',
      });
  });
});

describe('ObjectStore core and events.k8s.io Events', () => {
  const eventsV1Event: KubeObject = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web.1' },
    eventTime: '2026-01-02T03:04:05.000000Z',
    reportingController: 'keelson.dev/sync',
    reportingInstance: 'sync-0',
    action: 'Apply',
    reason: 'Applied',
    type: 'Normal',
    regarding: { kind: 'Deployment', namespace: 'default', name: 'web', apiVersion: 'apps/v1' },
    note: 'applied revision 3',
    deprecatedCount: 2,
    deprecatedSource: { component: 'sync' },
  };

  it('lists an Event created through events.k8s.io through core, renamed as kube-apiserver converts it', () => {
    const cluster = open();
    const events = cluster.type('events.k8s.io', 'v1', 'events');
    const core = cluster.type('', 'v1', 'events');
    const created = cluster.store.create(context('sync'), events, 'default', eventsV1Event);
    assert.equal(created.apiVersion, 'events.k8s.io/v1');
    assert.equal(created['note'], 'applied revision 3');
    const [listed, ...others] = cluster.store.list(core, 'default').items;
    assert.equal(others.length, 0);
    assert.equal(listed?.apiVersion, 'v1');
    assert.equal(listed?.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.deepEqual(
      {
        involvedObject: listed?.['involvedObject'],
        message: listed?.['message'],
        source: listed?.['source'],
        count: listed?.['count'],
        reportingComponent: listed?.['reportingComponent'],
        reportingInstance: listed?.['reportingInstance'],
        eventTime: listed?.['eventTime'],
        regarding: listed?.['regarding'],
        note: listed?.['note'],
      },
      {
        involvedObject: eventsV1Event['regarding'],
        message: 'applied revision 3',
        source: { component: 'sync' },
        count: 2,
        reportingComponent: 'keelson.dev/sync',
        reportingInstance: 'sync-0',
        eventTime: '2026-01-02T03:04:05.000000Z',
        regarding: undefined,
        note: undefined,
      },
    );
    const patched = cluster.store.patch(context('kubectl'), events, 'default', 'web.1', 'merge', {
      metadata: { labels: { seen: 'yes' } },
    }).object;
    assert.equal(patched.apiVersion, 'events.k8s.io/v1');
    assert.equal(patched['note'], 'applied revision 3');
    const updated = cluster.store.get(core, 'default', 'web.1');
    assert.deepEqual(updated.metadata.labels, { seen: 'yes' });
    assert.equal(updated['message'], 'applied revision 3');
  });

  it('serves a core Event through events.k8s.io, with its field selectors and deletion', () => {
    const cluster = open();
    const events = cluster.type('events.k8s.io', 'v1', 'events');
    const core = cluster.type('', 'v1', 'events');
    cluster.store.create(context('kubelet'), core, 'default', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'pod.1' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1' },
      reason: 'Started',
      message: 'started container',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2026-01-02T03:04:05Z',
      lastTimestamp: '2026-01-02T03:04:06Z',
      count: 1,
      type: 'Normal',
    });
    const seen = cluster.store.get(events, 'default', 'pod.1');
    assert.equal(seen.apiVersion, 'events.k8s.io/v1');
    assert.deepEqual(seen['regarding'], { kind: 'Pod', namespace: 'default', name: 'web-1' });
    assert.equal(seen['note'], 'started container');
    assert.deepEqual(seen['deprecatedSource'], { component: 'kubelet', host: 'node-1' });
    assert.equal(seen['deprecatedFirstTimestamp'], '2026-01-02T03:04:05Z');
    assert.equal(seen['deprecatedLastTimestamp'], '2026-01-02T03:04:06Z');
    assert.equal(seen['deprecatedCount'], 1);
    assert.equal(seen['involvedObject'], undefined);

    const byRegarding = cluster.store.list(events, 'default', { fieldSelector: 'regarding.name=web-1' });
    assert.deepEqual(
      byRegarding.items.map((i) => i.metadata.name),
      ['pod.1'],
    );

    cluster.store.delete(context('kubectl'), events, 'default', 'pod.1');
    assert.deepEqual(cluster.store.list(core, 'default').items, []);
    assert.deepEqual(
      cluster.types
        .storedTypes()
        .filter((t) => t.kind === 'Event')
        .map((t) => t.group),
      [''],
    );
  });
});
