import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import ignore from 'ignore';

import { defaultExclusions, ignoreRules, ruleLines, scopeRule, vcsExclusions } from './ignore-rules.ts';

describe('scopeRule', () => {
  it('anchors a .sourceignore rule at its directory', () => {
    assert.equal(scopeRule('', '*.md'), '*.md');
    assert.equal(scopeRule('deploy', '*.md'), 'deploy/**/*.md');
    assert.equal(scopeRule('deploy', '/tmp/'), 'deploy/tmp/');
    assert.equal(scopeRule('deploy', 'a/b'), 'deploy/a/b');
    assert.equal(scopeRule('deploy/x', '!keep.md'), '!deploy/x/**/keep.md');
    assert.equal(scopeRule('deploy', 'cache/'), 'deploy/**/cache/');
  });

  it('means the same from the root as from the directory', () => {
    const matcher = ignore().add(['*.md', '/only-here.txt'].map((rule) => scopeRule('deploy', rule)));
    assert.equal(matcher.ignores('deploy/a.md'), true);
    assert.equal(matcher.ignores('deploy/sub/b.md'), true);
    assert.equal(matcher.ignores('README.md'), false);
    assert.equal(matcher.ignores('deploy/only-here.txt'), true);
    assert.equal(matcher.ignores('deploy/sub/only-here.txt'), false);
  });
});

describe('ignoreRules', () => {
  it('uses the default list only while nobody gives rules', () => {
    assert.deepEqual(ignoreRules([], undefined), [...vcsExclusions, ...defaultExclusions]);
    assert.deepEqual(ignoreRules([], '# just a comment\n\n'), [...vcsExclusions, ...defaultExclusions]);
    assert.deepEqual(ignoreRules(['deploy/**/*.md'], '/*\n!/deploy\n'), [
      ...vcsExclusions,
      'deploy/**/*.md',
      '/*',
      '!/deploy',
    ]);
  });

  it('drops comments and blank lines', () => {
    assert.deepEqual(ruleLines('# c\n\na\r\n  \n!b\n'), ['a', '!b']);
  });
});
