import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  commitStatusFor,
  isReportComment,
  labelsForJobRun,
  reportCommentBody,
  slackMessageText,
} from './report.ts';

test('run states read as crier writes commit statuses', () => {
  assert.deepEqual(commitStatusFor('triggered'), { state: 'pending', description: 'Job triggered.' });
  assert.deepEqual(commitStatusFor('pending'), { state: 'pending', description: 'Job pending.' });
  assert.deepEqual(commitStatusFor('success'), { state: 'success', description: 'Job succeeded.' });
  assert.deepEqual(commitStatusFor('failure'), { state: 'failure', description: 'Job failed.' });
  assert.deepEqual(commitStatusFor('aborted'), { state: 'error', description: 'Job aborted.' });
  assert.equal(commitStatusFor('error').state, 'error');
  assert.equal(commitStatusFor('failure', 'x'.repeat(200)).description.length, 140);
});

test('labels of a run name its job, type, repository and pull; invalid values are left out', () => {
  assert.deepEqual(
    labelsForJobRun({
      type: 'presubmit',
      job: 'pull-app-unit',
      refs: { org: 'acme', repo: 'app', pulls: [{ number: 7, author: 'alice', sha: 'a'.repeat(40) }] },
    }),
    {
      'ci.keelson.dev/job': 'pull-app-unit',
      'ci.keelson.dev/type': 'presubmit',
      'ci.keelson.dev/org': 'acme',
      'ci.keelson.dev/repo': 'app',
      'ci.keelson.dev/pull': '7',
    },
  );
  assert.deepEqual(labelsForJobRun({ type: 'periodic', job: 'x'.repeat(64) }), {
    'ci.keelson.dev/type': 'periodic',
  });
});

test('the summary comment is Prow failure table, sorted by job, and marked as ours', () => {
  const body = reportCommentBody('alice', [
    { job: 'unit', sha: 'b'.repeat(40), url: 'http://logs/unit', required: true, rerunCommand: '/test unit' },
    { job: 'e2e', sha: 'c'.repeat(40), required: false, rerunCommand: '/test e2e' },
  ]);
  assert.match(body, /^@alice: The following tests \*\*failed\*\*, say `\/retest`/);
  assert.ok(body.includes('Test name | Commit | Details | Required | Rerun command'));
  assert.ok(
    body.indexOf('e2e | ccccccc |  | false | `/test e2e`') <
      body.indexOf('unit | bbbbbbb | [link](http://logs/unit) | true | `/test unit`'),
  );
  assert.ok(isReportComment(body));
  const passed = reportCommentBody('alice', []);
  assert.match(passed, /all tests passed/);
  assert.ok(isReportComment(passed));
  assert.ok(!isReportComment('/retest'));
});

test('the slack message is Prow default template', () => {
  assert.equal(
    slackMessageText({
      spec: { job: 'nightly', type: 'periodic' },
      status: { state: 'failure', url: 'http://l' },
    }),
    'Job nightly of type periodic ended with state failure. <http://l|View logs>',
  );
});
