/** The pure parts of the reconcile: which updates wake the controller. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { GitRepository } from '../../api/crds/index.ts';
import { gitRepositoryFinalizer, requestedAtAnnotation } from './reconciler.ts';
import { asksForWork } from './watches.ts';

test('only spec, requestedAt, deletion and a lost finalizer ask for work', () => {
  const base: GitRepository = {
    apiVersion: 'source.keelson.dev/v1',
    kind: 'GitRepository',
    metadata: { name: 'a', namespace: 'ns', generation: 1, finalizers: [gitRepositoryFinalizer] },
    spec: { url: 'https://example.com/a.git', interval: '1m' },
  };
  const changed = (metadata: Partial<GitRepository['metadata']>, status?: GitRepository['status']) =>
    asksForWork(base, { ...base, metadata: { ...base.metadata, ...metadata }, ...(status && { status }) });
  assert.equal(changed({}, { observedGeneration: 1 }), false, 'a status write');
  assert.equal(changed({ labels: { x: 'y' } }), false);
  assert.equal(changed({ generation: 2 }), true);
  assert.equal(changed({ annotations: { [requestedAtAnnotation]: 'now' } }), true);
  assert.equal(changed({ deletionTimestamp: '2026-01-01T00:00:00Z' }), true);
  assert.equal(changed({ finalizers: [] }), true);
});
