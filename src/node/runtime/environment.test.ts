import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerEnvironment, expand } from './environment.ts';

describe('$(VAR) expansion', () => {
  // the cases of kubernetes/third_party/forked/golang/expansion/expand_test.go
  const vars: Record<string, string> = {
    VAR_A: 'A',
    VAR_B: 'B',
    VAR_C: 'C',
    VAR_REF: '$(VAR_A)',
    VAR_EMPTY: '',
  };
  const lookup = (name: string): string | undefined => vars[name];
  const cases: [string, string][] = [
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_A)', 'A-A'],
    ['$(VAR_A)$(VAR_B)$(VAR_C)', 'ABC'],
    ['$(VAR_REF)', '$(VAR_A)'],
    ['foo$(VAR_EMPTY)bar', 'foobar'],
    ['$$(VAR_B)', '$(VAR_B)'],
    ['$$$(VAR_A)', '$A'],
    ['$$$$(VAR_A)', '$$(VAR_A)'],
    ['$(VAR_DNE)', '$(VAR_DNE)'],
    ['$(VAR_A', '$(VAR_A'],
    ['$VAR_A', '$VAR_A'],
    ['$', '$'],
    ['f00__(VAR_A)__', 'f00__(VAR_A)__'],
    ['$()', '$()'],
    ['$(VAR_A)$', 'A$'],
    ['$($(VAR_A))', '$($(VAR_A))'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () =>
      assert.equal(expand(input, lookup), expected));
  }
});

describe('container environment', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [{ name: 'c' }] } };

  it('reports missing references as kubelet does (CreateContainerConfigError)', () => {
    const container = (env: object[]) => ({ name: 'c', env }) as never;
    const inputs = {
      configMaps: { cm: { data: { a: '1' } } },
      secrets: { s: { data: { a: Buffer.from('1').toString('base64') } } },
    };
    const cases: [object, string][] = [
      [
        { name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'a' } } },
        'configmap "nope" not found',
      ],
      [
        { name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'b' } } },
        "couldn't find key b in ConfigMap ns/cm",
      ],
      [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'a' } } }, 'secret "nope" not found'],
      [
        { name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'b' } } },
        "couldn't find key b in Secret ns/s",
      ],
      [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } }, 'unsupported fieldRef spec.nope'],
    ];
    for (const [variable, message] of cases) {
      assert.throws(() => containerEnvironment({ pod, container: container([variable]), inputs }), {
        reason: 'CreateContainerConfigError',
        message,
      });
    }
    assert.deepEqual(
      containerEnvironment({
        pod,
        container: container([
          { name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'b', optional: true } } },
        ]),
        inputs,
      }),
      {},
    );
    assert.throws(
      () =>
        containerEnvironment({
          pod,
          container: { name: 'c', envFrom: [{ secretRef: { name: 'gone' } }] },
          inputs,
        }),
      { message: 'secret "gone" not found' },
    );
  });
});
