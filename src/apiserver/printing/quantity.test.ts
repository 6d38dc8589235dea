import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatQuantity } from './quantity.ts';

describe('formatQuantity', () => {
  const cases: Array<[unknown, string]> = [
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['100Mi', '100Mi'],
    ['1000Ki', '1000Ki'],
    ['512', '512'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1500m', '1500m'],
    ['0.5', '500m'],
    ['100m', '100m'],
    ['1k', '1k'],
    ['10G', '10G'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['0', '0'],
    ['0Gi', '0'],
    ['-1Gi', '-1Gi'],
    ['0.1n', '1n'],
    ['500Mi', '500Mi'],
    [2, '2'],
    [undefined, '<nil>'],
  ];
  for (const [input, want] of cases) {
    it(`${String(input)} prints ${want}`, () => assert.equal(formatQuantity(input), want));
  }

  it('returns text that is no quantity unchanged', () => {
    assert.equal(formatQuantity('lots'), 'lots');
  });
});
