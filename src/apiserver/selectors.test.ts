import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import {
  fieldLabels,
  formatSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  selectorFromLabelSelector,
} from './selectors.ts';

const obj = (labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'x', labels },
});

it('parses equality and set-based label selectors', () => {
  const s = parseLabelSelector('env=a, tier!=db,app in (web, api),track notin (canary),owner,!legacy');
  assert.equal(s.length, 6);
  assert.equal(matchesLabels(s, obj({ env: 'a', app: 'web', owner: 'me' })), true);
  assert.equal(matchesLabels(s, obj({ env: 'a', app: 'web', owner: 'me', legacy: '1' })), false);
  assert.equal(matchesLabels(s, obj({ env: 'a', app: 'db', owner: 'me' })), false);
  assert.equal(matchesLabels(s, obj({ env: 'a', app: 'web', owner: 'me', track: 'canary' })), false);
  assert.equal(matchesLabels(parseLabelSelector('env==a'), obj({ env: 'a' })), true);
});

it('rejects malformed label selectors', () => {
  assert.throws(() => parseLabelSelector('env in a'), { code: 'KEELSON_BAD_REQUEST' });
  assert.throws(() => parseLabelSelector('env foo'), { code: 'KEELSON_BAD_REQUEST' });
});

it('matches field selectors and refuses unknown field labels', () => {
  const event: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e', namespace: 'n' },
    involvedObject: { kind: 'Pod', name: 'p' },
  };
  const allowed = fieldLabels['Event']!;
  assert.equal(
    matchesFields(parseFieldSelector('involvedObject.kind=Pod,metadata.namespace=n'), event, allowed),
    true,
  );
  assert.equal(matchesFields(parseFieldSelector('involvedObject.name!=p'), event, allowed), false);
  assert.throws(
    () => matchesFields(parseFieldSelector('spec.foo=bar'), event, allowed),
    /field label not supported: spec.foo/,
  );
});

it('turns a LabelSelector object into its string form', () => {
  const s = selectorFromLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
  });
  assert.equal(formatSelector(s), 'app=web,tier in (a,b)');
});
