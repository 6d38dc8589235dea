import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  patchTypeOfContentType,
} from './index.ts';

it('maps the patch Content-Types kube-apiserver serves, ignoring parameters and case', () => {
  assert.equal(patchTypeOfContentType('application/json-patch+json'), 'json');
  assert.equal(patchTypeOfContentType('application/merge-patch+json; charset=utf-8'), 'merge');
  assert.equal(patchTypeOfContentType('Application/Strategic-Merge-Patch+JSON'), 'strategic');
  assert.equal(patchTypeOfContentType(' application/apply-patch+yaml ;charset=utf-8'), 'apply');
});

it('refuses the Content-Types kube-apiserver answers 415 to', () => {
  for (const contentType of [
    'application/json',
    'application/apply-patch+cbor',
    'application/apply-patch+json',
    'text/plain',
    '',
    'constructor',
  ]) {
    assert.equal(patchTypeOfContentType(contentType), undefined, contentType);
  }
});

it('exports the three patch functions', () => {
  const live = { metadata: { labels: { a: '1' } } };
  assert.deepEqual(applyJsonPatch(live, [{ op: 'add', path: '/metadata/labels/b', value: '2' }]), {
    metadata: { labels: { a: '1', b: '2' } },
  });
  assert.deepEqual(applyMergePatch(live, { metadata: { labels: { a: null } } }), {
    metadata: { labels: {} },
  });
  assert.deepEqual(
    applyStrategicMergePatch(live, { metadata: { labels: { $patch: 'replace', c: '3' } } }, undefined),
    {
      metadata: { labels: { c: '3' } },
    },
  );
});
