import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadJobConfig } from './config.ts';
import { periodicDue } from './schedule.ts';
import {
  branchMatches,
  postsubmitsForPush,
  presubmitsForComment,
  presubmitsForPullRequest,
} from './select.ts';

const pod = 'spec: {containers: [{image: a, command: [b]}]}';
const config = loadJobConfig({
  jobs: [
    {
      file: 'jobs.yaml',
      text: `presubmits:
  org/repo:
  - {name: unit, always_run: true, ${pod}}
  - {name: docs, run_if_changed: '^docs/', ${pod}}
  - {name: code, skip_if_only_changed: '\\.md$', ${pod}}
  - {name: e2e, ${pod}}
  - {name: e2e-release, branches: ['^release-'], skip_branches: ['release-1\\.0'], always_run: true, ${pod}}
postsubmits:
  org/repo:
  - {name: publish, branches: [main], ${pod}}
  - {name: site, run_if_changed: '^docs/', ${pod}}
  - {name: off, always_run: false, ${pod}}
periodics:
- {name: hourly, interval: 1h, ${pod}}
- {name: settle, minimum_interval: 30m, ${pod}}
- {name: nightly, cron: '0 3 * * *', ${pod}}
`,
    },
  ],
});
const presubmits = config.presubmits['org/repo'] ?? [];
const names = (jobs: readonly { name: string }[]): string[] => jobs.map((j) => j.name);

test('branch regexes are unanchored and skip_branches wins, as in Prow', () => {
  const job = { branches: ['main'], skip_branches: ['old'] };
  assert.equal(branchMatches(job, 'main'), true);
  assert.equal(branchMatches(job, 'not-main-either'), true, 'Go MatchString finds main anywhere');
  assert.equal(branchMatches(job, 'main-old'), false);
  assert.equal(branchMatches({ branches: ['^main$'], skip_branches: [] }, 'main-2'), false);
  assert.equal(branchMatches({ branches: [], skip_branches: [] }, 'anything'), true);
});

test('a new PR runs always_run jobs and jobs whose file filters match', () => {
  const docsOnly = presubmitsForPullRequest(presubmits, { baseRef: 'main', changedFiles: ['docs/a.md'] });
  assert.deepEqual(names(docsOnly.run), ['unit', 'docs']);
  assert.deepEqual(names(docsOnly.skipped), ['code'], 'only .md changed: skip_if_only_changed skips');
  const code = presubmitsForPullRequest(presubmits, {
    baseRef: 'main',
    changedFiles: ['main.go', 'README.md'],
  });
  assert.deepEqual(names(code.run), ['unit', 'code']);
  const release = presubmitsForPullRequest(presubmits, { baseRef: 'release-2.0', changedFiles: ['x'] });
  assert.deepEqual(names(release.run), ['unit', 'code', 'e2e-release']);
  const skipped = presubmitsForPullRequest(presubmits, { baseRef: 'release-1.0', changedFiles: ['x'] });
  assert.ok(!names(skipped.run).includes('e2e-release'));
});

test('/test NAME runs that job whatever the files; /test all what a new PR runs', () => {
  const base = { baseRef: 'main', changedFiles: ['main.go'] };
  assert.deepEqual(names(presubmitsForComment(presubmits, { ...base, body: '/test e2e' })), ['e2e']);
  assert.deepEqual(names(presubmitsForComment(presubmits, { ...base, body: '/test docs' })), ['docs']);
  assert.deepEqual(
    names(presubmitsForComment(presubmits, { ...base, body: 'looks good\n/test unit e2e\nthanks' })),
    ['unit', 'e2e'],
  );
  assert.deepEqual(names(presubmitsForComment(presubmits, { ...base, body: '/test e2e-releasex' })), []);
  assert.deepEqual(names(presubmitsForComment(presubmits, { ...base, body: '/test all' })), ['unit', 'code']);
  assert.deepEqual(
    names(presubmitsForComment(presubmits, { ...base, body: 'please /test all' })),
    [],
    'commands start a line',
  );
  assert.deepEqual(
    names(presubmitsForComment(presubmits, { ...base, body: '/test e2e-release' })),
    [],
    'branch filters still apply',
  );
});

test('/retest reruns failed jobs and starts automatic jobs with no status yet', () => {
  const body = '/retest';
  const run = presubmitsForComment(presubmits, {
    baseRef: 'main',
    changedFiles: ['main.go'],
    body,
    failedContexts: ['e2e'],
    allContexts: ['unit', 'e2e', 'docs'],
  });
  assert.deepEqual(names(run), ['code', 'e2e'], 'code never reported; e2e failed; unit passed');
});

test('a push runs postsubmits on matching branches; always_run defaults to true', () => {
  assert.deepEqual(
    names(
      postsubmitsForPush(config.postsubmits['org/repo'] ?? [], {
        ref: 'refs/heads/main',
        changedFiles: ['x.go'],
      }),
    ),
    ['publish'],
  );
  assert.deepEqual(
    names(
      postsubmitsForPush(config.postsubmits['org/repo'] ?? [], {
        ref: 'refs/heads/dev',
        changedFiles: ['docs/i.md'],
      }),
    ),
    ['site'],
  );
});

test('periodics: interval from the last start, minimum_interval from the last end, cron at its times', () => {
  const [hourly, settle, nightly] = config.periodics;
  assert.ok(hourly && settle && nightly);
  const since = new Date('2024-05-01T00:00:00Z');
  const at = (iso: string): Date => new Date(iso);
  assert.equal(periodicDue(hourly, { now: since, since }).due, true, 'never ran');
  const previous = { startTime: at('2024-05-01T00:00:00Z'), completionTime: at('2024-05-01T00:50:00Z') };
  assert.equal(periodicDue(hourly, { now: at('2024-05-01T00:59:00Z'), since, previous }).due, false);
  assert.equal(periodicDue(hourly, { now: at('2024-05-01T01:00:00Z'), since, previous }).due, true);
  assert.equal(periodicDue(settle, { now: at('2024-05-01T01:10:00Z'), since, previous }).due, false);
  assert.equal(periodicDue(settle, { now: at('2024-05-01T01:20:00Z'), since, previous }).due, true);
  assert.equal(
    periodicDue(hourly, {
      now: at('2024-05-01T05:00:00Z'),
      since,
      previous: { startTime: previous.startTime },
    }).due,
    false,
    'still running',
  );
  assert.deepEqual(periodicDue(nightly, { now: at('2024-05-01T02:59:00Z'), since }), {
    due: false,
    next: at('2024-05-01T03:00:00Z'),
  });
  assert.equal(periodicDue(nightly, { now: at('2024-05-01T03:00:00Z'), since }).due, true);
  assert.equal(
    periodicDue(nightly, {
      now: at('2024-05-01T04:00:00Z'),
      since,
      previous: { startTime: at('2024-05-01T03:00:01Z'), completionTime: at('2024-05-01T03:30:00Z') },
    }).due,
    false,
  );
});
