import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/meta.ts';
import { BuildError } from './errors.ts';
import type { BuiltObject } from './objects.ts';
import { FLUX_SUBSTITUTE_ANNOTATION, substitute, SUBSTITUTE_ANNOTATION } from './substitute.ts';

function deployment(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): BuiltObject {
  return {
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'podinfo', namespace: 'apps', ...metadata },
      spec,
    },
    source: { file: 'apps/deployment.yaml', document: 1, line: 1 },
  };
}

function specOf(built: BuiltObject | undefined): Record<string, unknown> {
  return built?.object.spec as Record<string, unknown>;
}

test('variables substitute in the YAML text, so numbers and booleans come out typed', () => {
  const [result] = substitute(
    [
      deployment({
        replicas: '${REPLICAS}',
        paused: '${PAUSED:=false}',
        image: 'ghcr.io/podinfo:${TAG}',
        cluster: '${CLUSTER:-local}',
        region: '${REGION=eu}',
        quoted: '"${TAG}"',
      }),
    ],
    { REPLICAS: '3', TAG: '6.0.1', CLUSTER: '' },
  );
  assert.deepEqual(specOf(result), {
    replicas: 3,
    paused: false,
    image: 'ghcr.io/podinfo:6.0.1',
    cluster: 'local',
    region: 'eu',
    quoted: '"6.0.1"',
  });
  assert.deepEqual(
    result?.source,
    { file: 'apps/deployment.yaml', document: 1, line: 1 },
    'the source is kept',
  );
});

test('$var is left alone and $${var} gives a literal ${var}', () => {
  const script = 'echo $HOME; echo $${TAG}; echo ${TAG}';
  const [result] = substitute([deployment({ command: script, long: `${'x'.repeat(200)} \${TAG}` })], {
    TAG: 'v1',
  });
  assert.equal(specOf(result).command, 'echo $HOME; echo ${TAG}; echo v1');
  assert.equal(specOf(result).long, `${'x'.repeat(200)} v1`, 'long lines are not folded apart');
});

test('an unset variable is empty, or an error in strict mode naming it and the object', () => {
  const [lenient] = substitute([deployment({ tag: 'v${TAG}' })], {});
  assert.equal(specOf(lenient).tag, 'v');
  assert.throws(
    () => substitute([deployment({ image: 'podinfo:${TAG}', other: '${OTHER:=ok}' })], {}, { strict: true }),
    (error: unknown) =>
      error instanceof BuildError &&
      error.buildCode === 'VARIABLE_NOT_SET' &&
      error.code === 'KEELSON_INVALID' &&
      error.message === 'substitute Deployment apps/podinfo: variable "TAG" is not set (strict mode)',
  );
  const [strictWithDefault] = substitute(
    [deployment({ image: 'podinfo:${TAG:=latest}' })],
    {},
    { strict: true },
  );
  assert.equal(specOf(strictWithDefault).image, 'podinfo:latest');
});

test('objects opted out by label or annotation, Keelson or Flux, are left as built', () => {
  const optedOut = [
    deployment({ image: '${TAG}' }, { annotations: { [SUBSTITUTE_ANNOTATION]: 'disabled' } }),
    deployment({ image: '${TAG}' }, { annotations: { [FLUX_SUBSTITUTE_ANNOTATION]: 'disabled' } }),
    deployment({ image: '${TAG}' }, { labels: { [FLUX_SUBSTITUTE_ANNOTATION]: 'disabled' } }),
  ];
  const results = substitute(optedOut, { TAG: 'v1' }, { strict: true });
  results.forEach((result, i) => assert.equal(result, optedOut[i]));
  const [enabled] = substitute(
    [deployment({ image: '${TAG}' }, { annotations: { [SUBSTITUTE_ANNOTATION]: 'enabled' } })],
    { TAG: 'v1' },
  );
  assert.equal(specOf(enabled).image, 'v1');
});

test('variable names follow Flux, values lose their newlines, and values stay out of errors', () => {
  assert.throws(
    () => substitute([], { 'bad-name': 'x' }),
    (error: unknown) => error instanceof BuildError && error.buildCode === 'INVALID_VARIABLE_NAME',
  );
  const [result] = substitute([deployment({ note: '${NOTE}' })], { NOTE: 'one\ntwo' });
  assert.equal(specOf(result).note, 'onetwo');

  assert.throws(
    () => substitute([deployment({ password: '${PASSWORD}' })], { PASSWORD: 'hunter2: [oops' }),
    (error: unknown) =>
      error instanceof BuildError &&
      error.buildCode === 'BAD_SUBSTITUTION' &&
      error.message.startsWith(
        'substitute Deployment apps/podinfo: the substituted object is not valid YAML',
      ) &&
      !error.message.includes('hunter2'),
  );
  assert.throws(
    () => substitute([deployment({ image: '${TAG' })], { TAG: 'v1' }),
    (error: unknown) =>
      error instanceof BuildError &&
      error.buildCode === 'BAD_SUBSTITUTION' &&
      error.message === 'substitute Deployment apps/podinfo: missing closing brace in "${TAG"',
  );
});

test('objects without expressions come back as they were', () => {
  const input = [deployment({ replicas: 2, image: 'podinfo:6' })];
  const output = substitute(input, { TAG: 'v1' });
  assert.equal(output[0], input[0]);
  const kinds: KubeObject[] = output.map((built) => built.object);
  assert.equal(kinds[0]?.kind, 'Deployment');
});
