import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRun } from '../crds/ci.ts';
import { loadJobConfig } from './config.ts';
import { goDurationString, jobRunSpecFor, jobSpecJson, prowEnv } from './env.ts';

const presubmitRun: JobRun = {
  apiVersion: 'ci.keelson.dev/v1',
  kind: 'JobRun',
  metadata: { name: '6b1e0c2a-1111-4e34-9d0f-2f1f3a5d7c10' },
  spec: {
    type: 'presubmit',
    job: 'pull-unit',
    refs: {
      org: 'org',
      repo: 'repo',
      base_ref: 'main',
      base_sha: 'abc123',
      pulls: [{ number: 5, author: 'ada', sha: 'qwe456', ref: 'pull/5/head', title: 'Fix it' }],
      path_alias: 'example.com/repo',
    },
    decoration_config: { timeout: '60m', grace_period: '15m', skip_cloning: false },
  },
  status: { state: 'pending', build_id: '1790000000000000000' },
};

test('JOB_SPEC is downwardapi.JobSpec as Go marshals it', () => {
  assert.equal(
    jobSpecJson(presubmitRun),
    '{"type":"presubmit","job":"pull-unit","buildid":"1790000000000000000","prowjobid":"6b1e0c2a-1111-4e34-9d0f-2f1f3a5d7c10",' +
      '"refs":{"org":"org","repo":"repo","base_ref":"main","base_sha":"abc123","pulls":[{"number":5,"author":"ada","sha":"qwe456","title":"Fix it","ref":"pull/5/head"}],"path_alias":"example.com/repo"},' +
      '"decoration_config":{"timeout":"1h0m0s","grace_period":"15m0s","skip_cloning":false}}',
  );
});

test('the Prow environment of a presubmit, a postsubmit and a periodic', () => {
  const env = prowEnv(presubmitRun, { artifacts: '/tmp/run/artifacts' });
  assert.deepEqual(
    { ...env, JOB_SPEC: undefined },
    {
      CI: 'true',
      JOB_NAME: 'pull-unit',
      JOB_TYPE: 'presubmit',
      JOB_SPEC: undefined,
      BUILD_ID: '1790000000000000000',
      BUILD_NUMBER: '1790000000000000000',
      PROW_JOB_ID: '6b1e0c2a-1111-4e34-9d0f-2f1f3a5d7c10',
      ARTIFACTS: '/tmp/run/artifacts',
      REPO_OWNER: 'org',
      REPO_NAME: 'repo',
      PULL_BASE_REF: 'main',
      PULL_BASE_SHA: 'abc123',
      PULL_REFS: 'main:abc123,5:qwe456:pull/5/head',
      PULL_NUMBER: '5',
      PULL_PULL_SHA: 'qwe456',
      PULL_HEAD_REF: '',
      PULL_TITLE: 'Fix it',
    },
  );
  const post = prowEnv({
    ...presubmitRun,
    spec: { type: 'postsubmit', job: 'push', refs: { org: 'o', repo: 'r', base_ref: 'main' } },
  });
  assert.equal(post['PULL_REFS'], 'main');
  assert.equal(post['PULL_NUMBER'], undefined);
  const periodic = prowEnv({ ...presubmitRun, spec: { type: 'periodic', job: 'nightly' } });
  assert.equal(periodic['REPO_OWNER'], undefined);
  assert.equal(
    periodic['JOB_SPEC'],
    '{"type":"periodic","job":"nightly","buildid":"1790000000000000000","prowjobid":"6b1e0c2a-1111-4e34-9d0f-2f1f3a5d7c10"}',
  );
});

test('Go duration strings', () => {
  assert.deepEqual(['2h', '90m', '15m', '1.5s', '500ms', '0'].map(goDurationString), [
    '2h0m0s',
    '1h30m0s',
    '15m0s',
    '1.5s',
    '500ms',
    '0s',
  ]);
});

test('a JobRun spec from a job carries its pod, decoration, context and rerun command', () => {
  const config = loadJobConfig({
    jobs: [
      {
        file: 'j.yaml',
        text: 'presubmits:\n  org/repo:\n  - {name: unit, decorate: true, max_concurrency: 2, path_alias: x.io/repo, decoration_config: {timeout: 10m}, spec: {containers: [{image: a, command: [b]}]}}\n',
      },
    ],
  });
  const job = config.presubmits['org/repo']?.[0];
  assert.ok(job);
  const spec = jobRunSpecFor(job, {
    org: 'org',
    repo: 'repo',
    base_ref: 'main',
    base_sha: 'b',
    pulls: [{ number: 1, author: 'a', sha: 's' }],
  });
  assert.equal(spec.context, 'unit');
  assert.equal(spec.rerun_command, '/test unit');
  assert.equal(spec.max_concurrency, 2);
  assert.equal(spec.refs?.path_alias, 'x.io/repo');
  assert.deepEqual(spec.decoration_config, { timeout: '10m' });
  assert.deepEqual(spec.pod_spec, { containers: [{ image: 'a', command: ['b'] }] });
});
