import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadInRepoConfig, loadJobConfig, jobsForRepo, type JobConfigSet } from './config.ts';
import { formatIssue, JobConfigError } from './errors.ts';

const root = new URL('../../../../shared/fixtures/prow/test-infra/config/', import.meta.url).pathname;
const jobDir = `${root}jobs/kubernetes/sig-testing/`;
const jobFiles = readdirSync(jobDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ file: `config/jobs/kubernetes/sig-testing/${f}`, text: readFileSync(jobDir + f, 'utf8') }));
const configFile = { file: 'config/prow/config.yaml', text: readFileSync(`${root}prow/config.yaml`, 'utf8') };

function loadErrors(input: Parameters<typeof loadJobConfig>[0]): string[] {
  try {
    loadJobConfig(input);
  } catch (error) {
    assert.ok(error instanceof JobConfigError, String(error));
    return error.issues.map(formatIssue);
  }
  assert.fail('expected the config to be refused');
}

function central(text: string): JobConfigSet {
  return loadJobConfig({ jobs: [{ file: 'jobs.yaml', text }] });
}

const pod = 'spec: {containers: [{image: alpine, command: [true]}]}';

test('every sig-testing job file and config.yaml from kubernetes/test-infra loads', () => {
  const config = loadJobConfig({ config: configFile, jobs: jobFiles });
  let expectedPresubmits = 0;
  let expectedPeriodics = 0;
  for (const { text } of jobFiles) {
    const doc = parse(text) as { presubmits?: Record<string, unknown[]>; periodics?: unknown[] };
    expectedPresubmits += Object.values(doc.presubmits ?? {}).flat().length;
    expectedPeriodics += (doc.periodics ?? []).length;
  }
  const presubmits = config.presubmits['kubernetes/kubernetes'] ?? [];
  assert.equal(presubmits.length, expectedPresubmits);
  assert.equal(config.periodics.length, expectedPeriodics);
  assert.ok(presubmits.length > 30 && config.periodics.length > 20);
  const names = new Set([...presubmits, ...config.periodics].map((j) => j.name));
  for (const name of [
    'pull-kubernetes-e2e-kind',
    'pull-kubernetes-typecheck',
    'pull-kubernetes-update',
    'ci-kubernetes-e2e-kind',
    'ci-kubernetes-cmd-master',
  ])
    assert.ok(names.has(name), name);

  const kind = presubmits.find((j) => j.name === 'pull-kubernetes-e2e-kind');
  assert.ok(kind);
  assert.equal(kind.context, 'pull-kubernetes-e2e-kind', 'context defaults to the name');
  assert.equal(kind.trigger, '(?m)^/test( | .* )pull-kubernetes-e2e-kind,?($|\\s.*)');
  assert.equal(kind.rerun_command, '/test pull-kubernetes-e2e-kind');
  assert.deepEqual(kind.skip_branches, ['release-\\d+\\.\\d+']);
  assert.deepEqual(
    kind.decoration_config,
    { pod_pending_timeout: '15m', pod_unscheduled_timeout: '5m', timeout: '60m', grace_period: '15m' },
    "job settings over plank's defaults (its entries, and under them its own pod timeouts)",
  );
  assert.equal(kind.source.file, 'config/jobs/kubernetes/sig-testing/kubernetes-kind-presubmits.yaml');
  assert.equal(kind.source.line, 6);

  const typecheck = presubmits.find((j) => j.name === 'pull-kubernetes-typecheck');
  assert.deepEqual(
    typecheck?.decoration_config,
    { pod_pending_timeout: '15m', pod_unscheduled_timeout: '5m', timeout: '2h', grace_period: '15m' },
    'plank default decoration',
  );
});

test('presets resolve into the pod spec of jobs whose labels select them', () => {
  const config = loadJobConfig({ config: configFile, jobs: jobFiles });
  const update = config.presubmits['kubernetes/kubernetes']?.find((j) => j.name === 'pull-kubernetes-update');
  const container = update?.spec?.containers?.[0];
  const env = new Map(container?.env?.map((e) => [e.name, e['value']]));
  assert.equal(
    env.get('GOOGLE_APPLICATION_CREDENTIALS'),
    '/etc/service-account/service-account.json',
    'preset-service-account',
  );
  assert.equal(env.get('DOCKER_IN_DOCKER_ENABLED'), 'true', 'preset-dind-enabled');
  assert.equal(env.get('GOPROXY'), 'https://proxy.golang.org', 'label-less preset applies to every job');
  assert.equal(env.get('EXCLUDE_TYPECHECK'), 'y', 'the job env is kept first');
  assert.deepEqual(
    update?.spec?.volumes?.map((v) => v.name),
    ['service', 'docker-graph', 'docker-root', 'modules'],
  );
  assert.ok(
    container?.volumeMounts?.some((m) => m.name === 'service' && m.mountPath === '/etc/service-account'),
  );
  const typecheck = config.presubmits['kubernetes/kubernetes']?.find(
    (j) => j.name === 'pull-kubernetes-typecheck',
  );
  const names = typecheck?.spec?.containers?.[0]?.env?.map((e) => e.name);
  assert.ok(
    names?.includes('GOPROXY') && !names.includes('GOOGLE_APPLICATION_CREDENTIALS'),
    'unselected presets stay out',
  );
});

test('fields Keelson cannot honour are reported with file, line, job and field', () => {
  const config = loadJobConfig({ config: configFile, jobs: jobFiles });
  const lines = config.warnings.map(formatIssue);
  assert.ok(
    lines.some((l) =>
      /^config\/jobs\/kubernetes\/sig-testing\/kubernetes-kind-ci\.yaml:584:3: job ci-kubernetes-e2e-kind-rootless: periodics\[\d+\]\.rerun_auth_config: not supported/.test(
        l,
      ),
    ),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => l.startsWith('config/prow/config.yaml:') && l.includes('tide: not read')));
  assert.ok(
    lines.some((l) =>
      l.includes('plank.default_decoration_config_entries[0].config.gcs_configuration: not supported'),
    ),
  );
});

test('unknown and unsupported job fields are warnings, not silent', () => {
  const config = central(`
periodics:
- name: nightly
  cron: "0 3 * * *"
  colour: blue
  retry: {attempts: 3}
  error_on_eviction: true
  decoration_config: {timeout: 1h, gcs_configuration: {bucket: b}}
  ${pod}
`);
  const lines = config.warnings.map(formatIssue);
  assert.deepEqual(lines, [
    "jobs.yaml:5:3: job nightly: periodics[0].colour: unknown field: Prow's periodic has no such field; ignored",
    'jobs.yaml:6:3: job nightly: periodics[0].retry: not supported: failed periodics are not retried; they run at the next schedule',
    'jobs.yaml:7:3: job nightly: periodics[0].error_on_eviction: not supported: an evicted job pod is replaced',
    "jobs.yaml:8:36: job nightly: periodics[0].decoration_config.gcs_configuration: not supported: Keelson decorates pods itself (clone, entrypoint, and a sidecar uploading logs and artifacts to Keelson's artifact store)",
  ]);
  assert.deepEqual(config.periodics[0]?.decoration_config, { timeout: '1h' });
});

test("Prow's validation errors name file, line, job and field", () => {
  const errors = loadErrors({
    jobs: [
      {
        file: 'bad.yaml',
        text: `presubmits:
  org/repo:
  - name: both-filters
    run_if_changed: '^docs/'
    skip_if_only_changed: '^src/'
    ${pod}
  - name: always-and-filter
    always_run: true
    run_if_changed: x
    ${pod}
  - name: bad-regex
    run_if_changed: '(unclosed'
    ${pod}
  - name: dup
    ${pod}
  - name: dup
    ${pod}
  - name: has spaces
    ${pod}
  - name: trigger-only
    trigger: '/go'
    ${pod}
  - name: no-match
    trigger: '^/go$'
    rerun_command: '/test no-match'
    ${pod}
  - name: ${'x'.repeat(64)}
    max_concurrency: -1
    ${pod}
periodics:
- name: both-schedules
  cron: '@daily'
  interval: 1h
  ${pod}
- name: no-schedule
  ${pod}
- name: bad-cron
  cron: '61 * * * *'
  ${pod}
- name: bad-interval
  interval: soon
  ${pod}
- name: branch-regex
  interval: 1h
`,
      },
    ],
  });
  const expect = (pattern: RegExp): void =>
    assert.ok(
      errors.some((e) => pattern.test(e)),
      `${pattern}\n${errors.join('\n')}`,
    );
  expect(
    /^bad\.yaml:5:5: job both-filters: presubmits\["org\/repo"\]\[0\]\.skip_if_only_changed: job both-filters declares run_if_changed and skip_if_only_changed, which are mutually exclusive$/,
  );
  expect(
    /^bad\.yaml:9:5: job always-and-filter: .*run_if_changed: job always-and-filter is set to always run but also declares run_if_changed targets/,
  );
  expect(/^bad\.yaml:12:5: job bad-regex: .*run_if_changed: could not compile run_if_changed regex/);
  expect(
    /^bad\.yaml:16:5: job dup: .*\.name: duplicated presubmit job dup for org\/repo \(also at bad\.yaml:14:5/,
  );
  expect(/job has spaces: .*name: must match regex/);
  expect(/job trigger-only: .*\.trigger: either both of trigger and rerun_command must be set/);
  expect(
    /job no-match: .*rerun_command: for job no-match, rerun command "\/test no-match" does not match trigger "\^\/go\$"/,
  );
  expect(/job x{64}: .*name: name is 64 characters; it is used as a label value, so at most 63/);
  expect(/job x{64}: .*max_concurrency: max_concurrency: -1 must be a non-negative number/);
  expect(
    /^bad\.yaml:33:3: job both-schedules: periodics\[0\]\.interval: cron, interval, and minimum_interval are mutually exclusive/,
  );
  expect(/job no-schedule: periodics\[1\]: at least one of cron, interval, or minimum_interval must be set/);
  expect(
    /^bad\.yaml:38:3: job bad-cron: periodics\[2\]\.cron: invalid cron string 61 \* \* \* \* in periodic bad-cron: /,
  );
  expect(/job bad-interval: .*interval: cannot parse duration for bad-interval/);
  expect(/job branch-regex: periodics\[4\]\.spec: kubernetes jobs require a spec/);
});

test('wrong types, YAML syntax errors and preset conflicts are errors', () => {
  assert.match(
    loadErrors({
      jobs: [
        {
          file: 'a.yaml',
          text: `periodics:\n- name: p\n  interval: 1h\n  always_run: yes-please\n  max_concurrency: two\n  ${pod}\n`,
        },
      ],
    }).join('\n'),
    /a\.yaml:5:3: job p: periodics\[0\]\.max_concurrency: must be an integer, got string "two"/,
  );
  assert.match(
    loadErrors({ jobs: [{ file: 'b.yaml', text: 'presubmits:\n  org/repo:\n  - name: [\n' }] })[0] ?? '',
    /^b\.yaml:\d+:\d+: invalid YAML/,
  );
  const conflict = loadErrors({
    jobs: [
      {
        file: 'c.yaml',
        text: `presets:
- labels: {p: "true"}
  env: [{name: FOO, value: preset}]
periodics:
- name: clash
  interval: 1h
  labels: {p: "true"}
  spec: {containers: [{image: a, command: [x], env: [{name: FOO, value: job}]}]}
`,
      },
    ],
  });
  assert.deepEqual(conflict, [
    'c.yaml:7:3: job clash: periodics[0].labels: job clash failed to merge presets for podspec: env var duplicated in pod spec: FOO',
  ]);
  const pairs = loadErrors({
    jobs: [{ file: 'd.yaml', text: 'presets:\n- labels: {a: b}\n- labels: {a: b}\n' }],
  });
  assert.deepEqual(pairs, ["d.yaml:3:3: presets[1].labels: duplicated preset 'label:value' pair : a:b"]);
});

test('duplicate names are allowed when the branches do not overlap, as in Prow', () => {
  const config = central(`presubmits:
  org/repo:
  - {name: unit, branches: [main], ${pod}}
  - {name: unit, branches: [release-1.0], context: unit-release, ${pod}}
`);
  assert.equal(config.presubmits['org/repo']?.length, 2);
});

const inRepoCentral = (): JobConfigSet =>
  loadJobConfig({
    config: {
      file: 'config.yaml',
      text: `in_repo_config:
  enabled: {"org": true}
  allowed_clusters: {"org/repo": [build]}
presets:
- labels: {preset-go: "true"}
  env: [{name: GOFLAGS, value: -mod=mod}]
presubmits:
  org/repo:
  - {name: central-unit, always_run: true, ${pod}}
`,
    },
  });

test('in-repo .prow.yaml: presubmits and postsubmits for that repo, merged after central jobs', () => {
  const result = loadInRepoConfig(inRepoCentral(), 'org/repo', [
    {
      file: '.prow.yaml',
      text: `presubmits:
- name: lint
  run_if_changed: '\\.go$'
  labels: {preset-go: "true"}
  ${pod}
postsubmits:
- name: publish
  cluster: build
  ${pod}
`,
    },
  ]);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  const jobs = jobsForRepo(inRepoCentral(), 'org/repo', result);
  assert.deepEqual(
    jobs.presubmits.map((j) => [j.name, j.inRepo]),
    [
      ['central-unit', false],
      ['lint', true],
    ],
  );
  assert.deepEqual(
    jobs.postsubmits.map((j) => j.name),
    ['publish'],
  );
  assert.deepEqual(
    jobs.presubmits[1]?.spec?.containers?.[0]?.env,
    [{ name: 'GOFLAGS', value: '-mod=mod' }],
    'central presets apply',
  );
});

test('in-repo .prow/ directory wins over .prow.yaml and its files are merged', () => {
  const result = loadInRepoConfig(inRepoCentral(), 'org/repo', [
    { file: '.prow.yaml', text: `presubmits:\n- {name: ignored, ${pod}}\n` },
    { file: '.prow/b.yaml', text: `presubmits:\n- {name: b, ${pod}}\n` },
    { file: '.prow/a.yml', text: `presubmits:\n- {name: a, ${pod}}\n` },
  ]);
  assert.ok(result.ok);
  assert.deepEqual(
    result.presubmits.map((j) => j.name),
    ['a', 'b'],
  );
});

test('an invalid in-repo config is an error value for a failing PR status, never a throw', () => {
  const result = loadInRepoConfig(inRepoCentral(), 'org/repo', [
    {
      file: '.prow.yaml',
      text: `periodics:
- {name: nightly, interval: 1h, ${pod}}
presubmits:
- {name: central-unit, ${pod}}
- {name: elsewhere, cluster: secret-cluster, ${pod}}
`,
    },
  ]);
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  const lines = result.error.issues.map(formatIssue);
  assert.ok(
    lines.includes(
      '.prow.yaml:1:1: periodics: periodics are not allowed in in-repo config: only presets, presubmits and postsubmits are read',
    ),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) =>
      /^\.prow\.yaml:4:4: job central-unit: presubmits\[0\]\.name: duplicated presubmit job central-unit for org\/repo \(also at config\.yaml:9:5/.test(
        l,
      ),
    ),
    lines.join('\n'),
  );
  assert.ok(
    lines.includes(
      '.prow.yaml:5:21: job elsewhere: presubmits[1].cluster: cluster "secret-cluster" is not allowed for repository "org/repo"',
    ),
    lines.join('\n'),
  );
  assert.ok(result.error.summary().length <= 140);
  assert.match(result.error.summary(), /^\.prow\.yaml:1:1: periodics: .*\(\+2 more\)$/);
});

test('in-repo config is not read where it is not enabled', () => {
  const result = loadInRepoConfig(inRepoCentral(), 'other/repo', [
    { file: '.prow.yaml', text: `presubmits:\n- {name: x, ${pod}}\n` },
  ]);
  assert.ok(result.ok);
  assert.equal(result.presubmits.length, 0);
  assert.match(result.warnings[0]?.message ?? '', /not enabled for other\/repo/);
});
