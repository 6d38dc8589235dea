import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envsubst, EnvsubstSyntaxError, UnsetVariablesError } from './envsubst.ts';

function expand(template: string, variables: Record<string, string>, strict = false): string {
  return envsubst(template, (name) => variables[name], { strict });
}

test('expressions expand as in Flux', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['plain text', {}, 'plain text'],
    ['${v}', { v: 'abcDEF' }, 'abcDEF'],
    ['a-${v}-b', { v: 'x' }, 'a-x-b'],
    ['${#v}', { v: 'abcdEFGH28ij' }, '12'],
    ['${v^}', { v: 'abc' }, 'Abc'],
    ['${v^^}', { v: 'abc' }, 'ABC'],
    ['${v,}', { v: 'ABC' }, 'aBC'],
    ['${v,,}', { v: 'ABC' }, 'abc'],
    ['${p:11}', { p: '/home/bozo/ideas/thoughts.for.today' }, 'ideas/thoughts.for.today'],
    ['${p:11:5}', { p: '/home/bozo/ideas/thoughts.for.today' }, 'ideas'],
    ['${p:1:-1}', { p: '[x]' }, 'x'],
    ['${v=xyz}', { v: 'abc' }, 'abc'],
    ['${v=xyz}', {}, 'xyz'],
    ['${v:=xyz}', {}, 'xyz'],
    ['${v:-xyz}', {}, 'xyz'],
    ['${v:-xyz}', { v: '' }, 'xyz'],
    ['${v:=${d}}', { d: 'foo' }, 'foo'],
    ['${v=prefix${d}-suffix}', { d: 'foo1' }, 'prefixfoo1-suffix'],
    ['${v=${w^^}}', { w: 'up' }, 'UP'],
    ['${s/%abc/XYZ}', { s: 'abcABC123ABCabc' }, 'abcABC123ABCXYZ'],
    ['${s/#abc/XYZ}', { s: 'abcABC123ABCabc' }, 'XYZABC123ABCabc'],
    ['${s/#/prefix-}', { s: 'value' }, 'prefix-value'],
    ['${s/%/-suffix}', { s: 'value' }, 'value-suffix'],
    ['${s//abc/xyz}', { s: 'abcABC123ABCabc' }, 'xyzABC123ABCxyz'],
    ['${s/abc/xyz}', { s: 'abcABC123ABCabc' }, 'xyzABC123ABCabc'],
    ['${s/./}', { s: 'foo.bar' }, 'foobar'],
    ['${s/\\//-}', { s: 'foo/bar' }, 'foo-bar'],
    ['${s//\\//-}', { s: 'foo/bar/baz' }, 'foo-bar-baz'],
    ['${f#*.}', { f: 'bash.string.txt' }, 'string.txt'],
    ['${f##*.}', { f: 'bash.string.txt' }, 'txt'],
    ['${f##*/}', { f: 'path/to/file' }, 'file'],
    ['${f%.*}', { f: 'bash.string.txt' }, 'bash.string'],
    ['${f%%.*}', { f: 'bash.string.txt' }, 'bash'],
    ['${f#[a-c]}', { f: 'bash' }, 'ash'],
  ];
  for (const [template, variables, expected] of cases) {
    assert.equal(expand(template, variables), expected, template);
  }
});

test('only ${…} is an expression; $$ escapes a dollar', () => {
  const v = { v: 'abc' };
  assert.equal(expand('$v and $v_x', v), '$v and $v_x');
  assert.equal(expand('$${v}', v), '${v}');
  assert.equal(expand('some ${v}$${v$${v}$v${v}', v), 'some abc${v${v}$vabc');
  assert.equal(expand('$${v=${d}}', { d: 'foo' }), '${v=foo}');
  assert.equal(expand('echo $$ $$$${v}', v), 'echo $ $${v}');
  assert.equal(expand('cost: 5$', v), 'cost: 5$');
  assert.equal(expand('\\\\ ${v}', v), '\\\\ abc');
});

test('unset variables read as empty, or fail in strict mode unless a default applies', () => {
  assert.equal(expand('[${missing}] [${#missing}]', {}), '[] [0]');
  assert.equal(expand('${set}', { set: '' }, true), '');
  for (const template of ['${missing:-d}', '${missing:=d}', '${missing=d}']) {
    assert.equal(expand(template, {}, true), 'd', template);
  }
  for (const template of [
    '${missing}',
    '${#missing}',
    '${missing^^}',
    '${missing:0:2}',
    '${missing/a/b}',
    '${missing%x}',
  ]) {
    assert.throws(() => expand(template, {}, true), UnsetVariablesError, template);
  }
  assert.throws(
    () => expand('${a} ${b:=x} ${c} ${a}', {}, true),
    (error: unknown) =>
      error instanceof UnsetVariablesError && error.message === 'variables "a", "c" are not set',
  );
});

test('malformed expressions are syntax errors with Flux wording', () => {
  const cases: [string, string][] = [
    ['${v', 'missing closing brace'],
    ['${v-default}', 'missing closing brace'],
    ['${v.x}', 'missing closing brace'],
    ['${}', 'unable to parse variable name'],
    ['${ v}', 'unable to parse variable name'],
    ['${v:=abc', 'unable to parse substitution within function'],
    ['${v#}', 'unable to parse substitution within function'],
    ['${v/x}', 'bad substitution'],
    ['${v^^^}', 'bad substitution'],
  ];
  for (const [template, message] of cases) {
    assert.throws(
      () => expand(`key: ${template}`, { v: 'x' }),
      (error: unknown) => error instanceof EnvsubstSyntaxError && error.message === message,
      template,
    );
  }
});
