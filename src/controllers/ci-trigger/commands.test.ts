import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadJobConfig } from '../../api/ci/index.ts';
import {
  formatResponse,
  isSkip,
  overridePlan,
  overrideUnknownMessage,
  parseOverride,
  skippedBySkip,
  type ContextStatus,
} from './commands.ts';

const pod = 'spec: {containers: [{image: a, command: [b]}]}';
const jobs =
  loadJobConfig({
    jobs: [
      {
        file: 'jobs.yaml',
        text: `presubmits:
  org/repo:
  - {name: unit, always_run: true, ${pod}}
  - {name: lint, always_run: true, optional: true, ${pod}}
  - {name: docs, run_if_changed: '^docs/', ${pod}}
  - {name: quiet, always_run: true, skip_report: true, ${pod}}
  - {name: e2e, optional: true, context: ci/e2e, ${pod}}
`,
      },
    ],
  }).presubmits['org/repo'] ?? [];
const names = (list: readonly { name: string }[]): string[] => list.map((j) => j.name).sort();

test('/skip is a line of its own, any case', () => {
  assert.equal(isSkip('/skip'), true);
  assert.equal(isSkip('looks fine\n/SKIP  \n'), true);
  assert.equal(isSkip('/skip please'), false);
  assert.equal(isSkip('please /skip'), false);
});

test('/skip marks only jobs that are not required and whose status is not success', () => {
  const statuses: ContextStatus[] = [
    { context: 'unit', state: 'failure' },
    { context: 'lint', state: 'failure' },
    { context: 'docs', state: 'pending' },
    { context: 'quiet', state: 'error' },
    { context: 'ci/e2e', state: 'success' },
  ];
  // unit and docs are required; e2e is green already
  assert.deepEqual(names(skippedBySkip(jobs, statuses, [])), ['lint', 'quiet']);
  // no status, nothing to skip
  assert.deepEqual(names(skippedBySkip(jobs, [], [])), []);
  // a job the same comment starts (`/test lint`) is left to the trigger
  const lint = jobs.filter((j) => j.name === 'lint');
  assert.deepEqual(names(skippedBySkip(jobs, statuses, lint)), ['quiet']);
});

test('/override takes contexts, several to a line and quoted; a bare /override names none', () => {
  assert.equal(parseOverride('/test unit'), undefined);
  assert.deepEqual(parseOverride('/override unit'), { contexts: ['unit'], missing: false });
  assert.deepEqual(parseOverride('/override unit "ci / e2e"\n/OVERRIDE lint\n/override unit'), {
    contexts: ['unit', 'ci / e2e', 'lint'],
    missing: false,
  });
  assert.deepEqual(parseOverride('/override'), { contexts: [], missing: true });
  assert.equal(parseOverride('/overrides unit'), undefined);
});

test('/override may name a failed or pending context, or the job that reports it', () => {
  const statuses: ContextStatus[] = [
    { context: 'unit', state: 'failure', targetUrl: 'http://logs/unit' },
    { context: 'ci/e2e', state: 'pending' },
    { context: 'lint', state: 'success' },
    { context: 'external', state: 'error' },
  ];
  const plan = overridePlan(statuses, jobs, ['e2e', 'external']);
  assert.deepEqual(plan.expected, ['ci/e2e', 'e2e', 'external', 'unit']);
  assert.deepEqual(plan.unknown, []);
  assert.deepEqual(
    plan.targets.map((t) => [t.status.context, t.job?.name]),
    [
      ['ci/e2e', 'e2e'],
      ['external', undefined],
    ],
  );
  const unknown = overridePlan(statuses, jobs, ['lint', 'unit', 'nope']);
  assert.deepEqual(unknown.unknown, ['lint', 'nope']);
  assert.match(overrideUnknownMessage(unknown), /unknown contexts were given:\n - `lint`\n - `nope`\n/);
  assert.match(
    overrideUnknownMessage(unknown),
    /expected:\n - `ci\/e2e`\n - `e2e`\n - `external`\n - `unit`\n/,
  );
});

test('a reply names the user and quotes the comment it answers', () => {
  const text = formatResponse('alice', 'done', { body: '/override unit\nthanks', url: 'http://c/1' });
  assert.match(text, /^@alice: done\n/);
  assert.match(text, /In response to \[this\]\(http:\/\/c\/1\):\n\n>\/override unit\n>thanks\n/);
});
