/** The Pod a JobRun gets (pure; the behaviour with real pods is in jobrun.test.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { JobRun } from '../../api/crds/ci.ts';
import { cloneUrl, clonePath, podForRun, timeouts } from './pod.ts';

function run(spec: Partial<JobRun['spec']> = {}, namespace = 'ci'): JobRun {
  return {
    apiVersion: 'ci.keelson.dev/v1',
    kind: 'JobRun',
    metadata: { name: 'unit-1', namespace, uid: 'u1' },
    spec: {
      type: 'postsubmit',
      job: 'unit',
      refs: { org: 'acme', repo: 'app', base_ref: 'main', base_sha: 'abc' },
      pod_spec: { containers: [{ image: 'golang', command: ['make'], args: ['test'] }] },
      ...spec,
    },
    status: { build_id: '123' },
  };
}

const env = (pod: ReturnType<typeof podForRun>): Record<string, unknown> =>
  Object.fromEntries((pod.spec.containers?.[0]?.env ?? []).map((e) => [e.name, e['value']]));

describe('podForRun', () => {
  test('an undecorated run keeps its pod spec and gets Prow env without ARTIFACTS', () => {
    const pod = podForRun(run(), { runtimeClassName: 'process' });
    assert.equal(pod.metadata.name, 'unit-1');
    assert.equal(pod.metadata.namespace, 'ci');
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.equal(pod.spec.runtimeClassName, 'process');
    assert.deepEqual(pod.spec.containers?.[0]?.command, ['make']);
    assert.equal(pod.spec.initContainers, undefined);
    assert.equal(env(pod)['JOB_NAME'], 'unit');
    assert.equal(env(pod)['BUILD_ID'], '123');
    assert.equal(env(pod)['ARTIFACTS'], undefined);
    assert.equal(pod.metadata.labels['prow.k8s.io/build-id'], '123');
  });

  test('a decorated run clones into the workspace, works there, and has its timeout as a deadline', () => {
    const pod = podForRun(run({ decoration_config: { timeout: '90s', grace_period: '10s' } }), {
      runtimeClassName: 'process',
      cloneBase: 'http://127.0.0.1:3000',
    });
    const clone = pod.spec.initContainers?.[0] as { name: string; command: string[]; workingDir: string };
    assert.equal(clone.name, 'clonerefs');
    assert.equal(clone.workingDir, '/home/prow/go');
    assert.match(clone.command[2] ?? '', /http:\/\/127\.0\.0\.1:3000\/acme\/app\.git/);
    const test = pod.spec.containers?.[0];
    assert.equal(test?.name, 'test');
    assert.equal(test?.['workingDir'], '/home/prow/go/src/github.com/acme/app');
    // on the process runtime a wrapper points ARTIFACTS at the volume, then runs the command
    assert.deepEqual(test?.command?.slice(-2), ['make', 'test']);
    assert.equal(test?.args, undefined);
    assert.equal(env(pod)['ARTIFACTS'], '/logs/artifacts');
    assert.equal(pod.spec['activeDeadlineSeconds'], 90);
    assert.equal(pod.spec['terminationGracePeriodSeconds'], 10);
  });

  test('a pod spec naming its RuntimeClass keeps it; its command runs under the entrypoint', () => {
    const pod = podForRun(
      run({
        decoration_config: {},
        pod_spec: { runtimeClassName: 'runc', containers: [{ command: ['make'] }] },
      }),
      {
        runtimeClassName: 'process',
      },
    );
    assert.equal(pod.spec.runtimeClassName, 'runc');
    const command = pod.spec.containers?.[0]?.command ?? [];
    assert.deepEqual([command[0], command[1], ...command.slice(3)], ['/bin/sh', '-c', 'entrypoint', 'make']);
    // kubelet expands $(VAR) in commands: every $ of the script is written $$ so it arrives as written
    assert.match(command[2] ?? '', /exec tee "\$\$logs\/build-log.txt"/);
    assert.doesNotMatch((command[2] ?? '').replaceAll('$$', ''), /\$/);
    assert.deepEqual(
      pod.spec.containers?.map((c) => c.name),
      ['test'],
      'no sidecar without an artifact store',
    );
  });

  test('with an artifact store a sidecar uploads /logs with the run token', () => {
    const pod = podForRun(run({ decoration_config: {} }), {
      runtimeClassName: 'process',
      artifacts: { uploadUrl: 'http://store/artifacts/logs/unit/123/', token: 'tok' },
    });
    const sidecar = pod.spec.containers?.[1];
    assert.equal(sidecar?.name, 'sidecar');
    assert.deepEqual(sidecar?.volumeMounts, [{ name: 'logs', mountPath: '/logs' }]);
    assert.deepEqual(Object.fromEntries((sidecar?.env ?? []).map((e) => [e.name, e['value']])), {
      KEELSON_ARTIFACTS_URL: 'http://store/artifacts/logs/unit/123/',
      KEELSON_ARTIFACTS_TOKEN: 'tok',
    });
    assert.match(
      sidecar?.command?.[2] ?? '',
      /curl .* -X PUT --data-binary "@\$\$archive" "\$\$KEELSON_ARTIFACTS_URL"/,
    );
    // an undecorated run is not wrapped and uploads nothing
    const plain = podForRun(run(), { artifacts: { uploadUrl: 'http://store/', token: 'tok' } });
    assert.deepEqual(
      plain.spec.containers?.map((c) => c.name),
      ['test'],
    );
  });

  test('a pod in another namespace has no owner reference', () => {
    const owner = {
      apiVersion: 'ci.keelson.dev/v1',
      kind: 'JobRun',
      name: 'unit-1',
      uid: 'u1',
      controller: true,
    };
    assert.deepEqual(podForRun(run(), { ownerReference: owner }).metadata.ownerReferences, [owner]);
    const elsewhere = run({ namespace: 'test-pods' });
    assert.equal(podForRun(elsewhere).metadata.namespace, 'test-pods');
  });

  test('clone paths and URLs follow Prow', () => {
    const refs = { org: 'acme', repo: 'app' };
    assert.equal(clonePath(refs), 'src/github.com/acme/app');
    assert.equal(clonePath({ ...refs, path_alias: 'k8s.io/app' }), 'src/k8s.io/app');
    assert.equal(cloneUrl(refs, undefined), 'https://github.com/acme/app.git');
    assert.equal(cloneUrl({ ...refs, clone_uri: '/srv/git/app' }, 'http://x/'), '/srv/git/app');
    assert.deepEqual(timeouts(run({ decoration_config: {} })), {
      timeoutMs: 7_200_000,
      gracePeriodMs: 15_000,
    });
  });

  test('a decorated job with two containers is invalid', () => {
    assert.throws(
      () =>
        podForRun(
          run({ decoration_config: {}, pod_spec: { containers: [{ command: ['a'] }, { command: ['b'] }] } }),
        ),
      /exactly one container/,
    );
  });
});
