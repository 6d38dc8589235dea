/**
 * The contract every Storage passes. Each implementation's test file calls `storageContract` with a
 * factory; `reopen` (when the implementation persists) checks what survives a restart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/meta.ts';
import type { Storage, StorageEvent } from './storage.ts';

export interface ContractFactory {
  name: string;
  open(options?: { window?: number }): Storage;
  /** Closes the storage and opens the same data again; absent for storage that does not persist. */
  reopen?: (storage: Storage, options?: { window?: number }) => Storage;
}

function cm(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

const key = (name: string) => `/c/core/configmaps/default/${name}`;

export function storageContract(factory: ContractFactory): void {
  describe(`${factory.name} storage contract`, () => {
    it('assigns one global revision as resourceVersion', () => {
      const s = factory.open();
      const a = s.create(key('a'), cm('a'));
      const b = s.create('/c/apps/deployments/default/b', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'b' },
      });
      assert.equal(b.modRevision, a.modRevision + 1);
      assert.equal(a.value.metadata.resourceVersion, String(a.modRevision));
      assert.equal(s.get(key('a'))?.value.metadata.resourceVersion, String(a.modRevision));
      assert.equal(s.revision, b.modRevision);
      s.close();
    });

    it('rejects a duplicate create, a stale update and a missing key', () => {
      const s = factory.open();
      const a = s.create(key('a'), cm('a'));
      assert.throws(() => s.create(key('a'), cm('a')), { code: 'KEELSON_ALREADY_EXISTS' });
      const a2 = s.update(key('a'), cm('a', { x: '1' }), a.modRevision);
      assert.equal(a2.createRevision, a.modRevision);
      assert.throws(() => s.update(key('a'), cm('a', { x: '2' }), a.modRevision), {
        code: 'KEELSON_CONFLICT',
      });
      assert.throws(() => s.update(key('zz'), cm('zz')), { code: 'KEELSON_NOT_FOUND' });
      assert.throws(() => s.delete(key('a'), a.modRevision), { code: 'KEELSON_CONFLICT' });
      assert.deepEqual(s.get(key('a'))?.value.data, { x: '1' });
      s.close();
    });

    it('lists a prefix in key order with limit and continuation', () => {
      const s = factory.open();
      for (const n of ['c', 'a', 'e', 'b', 'd']) s.create(key(n), cm(n));
      s.create('/c/core/configmaps/other/x', cm('x'));
      const prefix = '/c/core/configmaps/default/';
      assert.deepEqual(
        s.list(prefix).items.map((i) => i.value.metadata.name),
        ['a', 'b', 'c', 'd', 'e'],
      );
      const first = s.list(prefix, { limit: 2, countRemaining: true });
      assert.deepEqual(
        first.items.map((i) => i.value.metadata.name),
        ['a', 'b'],
      );
      assert.equal(first.more, true);
      assert.equal(first.remaining, 3);
      const rest = s.list(prefix, { startAfter: first.items[1]!.key, limit: 10 });
      assert.deepEqual(
        rest.items.map((i) => i.value.metadata.name),
        ['c', 'd', 'e'],
      );
      assert.equal(rest.more, false);
      assert.equal(s.count('/c/core/configmaps/'), 6);
      s.close();
    });

    it('lists the state as of a past revision, page by page', () => {
      const s = factory.open();
      for (const n of ['a', 'b', 'c', 'd', 'e']) s.create(key(n), cm(n, { v: '1' }));
      const prefix = '/c/core/configmaps/default/';
      const first = s.list(prefix, { limit: 2, countRemaining: true });
      const snapshot = first.revision;
      // after the first page: change, delete and add on both sides of where the next page starts
      s.update(key('a'), cm('a', { v: '2' }));
      s.update(key('c'), cm('c', { v: '2' }));
      s.update(key('c'), cm('c', { v: '3' }));
      s.delete(key('d'));
      s.create(key('bb'), cm('bb'));
      s.create(key('f'), cm('f'));
      s.delete(key('e'));
      s.create(key('e'), cm('e', { v: 'again' }));
      s.create('/c/core/configmaps/other/x', cm('x'));
      const rest = s.list(prefix, {
        startAfter: first.items[1]!.key,
        limit: 2,
        revision: snapshot,
        countRemaining: true,
      });
      assert.equal(rest.revision, snapshot);
      assert.deepEqual(
        rest.items.map((i) => [i.value.metadata.name, i.value.data, i.modRevision]),
        [
          ['c', { v: '1' }, 3],
          ['d', { v: '1' }, 4],
        ],
      );
      assert.equal(rest.items[1]!.value.metadata.resourceVersion, '4');
      assert.equal(rest.items[1]!.createRevision, 4);
      assert.equal(rest.more, true);
      assert.equal(rest.remaining, 1);
      const last = s.list(prefix, {
        startAfter: rest.items[1]!.key,
        revision: snapshot,
        countRemaining: true,
      });
      assert.deepEqual(
        last.items.map((i) => [i.value.metadata.name, i.value.data]),
        [['e', { v: '1' }]],
      );
      assert.equal(last.more, false);
      assert.equal(last.remaining, 0);
      assert.deepEqual(
        s.list(prefix, { revision: snapshot }).items.map((i) => i.value.metadata.name),
        ['a', 'b', 'c', 'd', 'e'],
      );
      const now = s.list(prefix, { limit: 3, countRemaining: true });
      assert.deepEqual(
        now.items.map((i) => [i.value.metadata.name, i.value.data]),
        [
          ['a', { v: '2' }],
          ['b', { v: '1' }],
          ['bb', {}],
        ],
      );
      assert.equal(now.remaining, 3);
      assert.equal(s.count(prefix), 6);
      s.close();
    });

    it('reads a past revision of a key whose version was older than the window', () => {
      const s = factory.open({ window: 5 });
      s.create(key('old'), cm('old', { v: '1' }));
      s.create(key('gone'), cm('gone', { v: '1' }));
      for (let i = 0; i < 20; i++) s.create(`/c/core/configmaps/other/k${i}`, cm(`k${i}`));
      s.compact();
      const snapshot = s.revision;
      s.update(key('old'), cm('old', { v: '2' }));
      s.delete(key('gone'));
      s.compact();
      assert.deepEqual(
        s
          .list('/c/core/configmaps/default/', { revision: snapshot })
          .items.map((i) => [i.value.metadata.name, i.value.data, i.modRevision]),
        [
          ['gone', { v: '1' }, 2],
          ['old', { v: '1' }, 1],
        ],
      );
      for (let i = 0; i < 10; i++) s.update(key('old'), cm('old', { v: String(i) }));
      s.compact();
      assert.throws(() => s.list('/c/', { revision: snapshot }), { code: 'KEELSON_EXPIRED' });
      assert.throws(() => s.list('/c/', { revision: s.revision + 1 }), { code: 'KEELSON_EXPIRED' });
      assert.deepEqual(s.eventsSince('/c/core/configmaps/default/', s.compactedRevision).length, 5);
      s.close();
    });

    it('replays events after a revision and notifies subscribers in order', () => {
      const s = factory.open();
      const seen: StorageEvent[] = [];
      const stop = s.subscribe((e) => seen.push(e));
      const a = s.create(key('a'), cm('a'));
      s.update(key('a'), cm('a', { v: '2' }));
      const d = s.delete(key('a'));
      stop();
      s.create(key('b'), cm('b'));
      assert.deepEqual(
        seen.map((e) => e.type),
        ['ADDED', 'MODIFIED', 'DELETED'],
      );
      assert.equal(seen[2]!.value.metadata.resourceVersion, String(d.modRevision));
      assert.deepEqual(seen[2]!.value.data, { v: '2' });
      const replay = s.eventsSince('/c/core/configmaps/', a.modRevision);
      assert.deepEqual(
        replay.map((e) => [e.type, e.value.metadata.name]),
        [
          ['MODIFIED', 'a'],
          ['DELETED', 'a'],
          ['ADDED', 'b'],
        ],
      );
      assert.deepEqual(s.eventsSince('/c/apps/', 0), []);
      s.close();
    });

    it('answers Gone for revisions compacted away', () => {
      const s = factory.open({ window: 5 });
      for (let i = 0; i < 20; i++) s.create(key(`k${i}`), cm(`k${i}`));
      s.compact();
      assert.equal(s.compactedRevision, s.revision - 5);
      assert.throws(() => s.eventsSince('/c/', 1), { code: 'KEELSON_EXPIRED' });
      assert.equal(s.eventsSince('/c/', s.revision - 5).length, 5);
      assert.equal(s.list('/c/').items.length, 20);
      s.close();
    });

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('keeps objects, revisions and history across a restart', () => {
        let s = factory.open({ window: 100 });
        const a = s.create(key('a'), cm('a'));
        s.update(key('a'), cm('a', { v: '2' }));
        const b = s.create(key('b'), cm('b'));
        s.delete(key('b'));
        const before = s.revision;
        s = reopen(s, { window: 100 });
        assert.equal(s.revision, before);
        assert.equal(s.get(key('a'))?.value.metadata.resourceVersion, String(a.modRevision + 1));
        assert.equal(s.get(key('b')), undefined);
        assert.deepEqual(
          s.eventsSince('/c/', b.modRevision).map((e) => e.type),
          ['DELETED'],
        );
        const c = s.create(key('c'), cm('c'));
        assert.equal(c.modRevision, before + 1);
        assert.deepEqual(
          s.list('/c/', { revision: b.modRevision }).items.map((i) => [i.value.metadata.name, i.value.data]),
          [
            ['a', { v: '2' }],
            ['b', {}],
          ],
        );
        s.close();
      });

      it('keeps the revision counter when the whole log is compacted', () => {
        let s = factory.open({ window: 1 });
        for (let i = 0; i < 5; i++) s.create(key(`k${i}`), cm(`k${i}`));
        s.delete(key('k4'));
        s.compact();
        const before = s.revision;
        s = reopen(s, { window: 1 });
        assert.equal(s.revision, before);
        assert.equal(s.create(key('z'), cm('z')).modRevision, before + 1);
        s.close();
      });
    }
  });
}
