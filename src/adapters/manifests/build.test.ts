import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildManifests } from './build.ts';
import { BuildError, type BuildErrorCode } from './errors.ts';
import { kustomizeMessage } from './kustomize.ts';

const podinfo = '/work/shared/fixtures/gitops/podinfo/deploy';
let scratch: string;
let artifact: string;
/** A PATH holding only kubectl: CI machines have kubectl, not necessarily kustomize. */
let kubectlOnly: string;

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(join(artifact, path)), { recursive: true });
  await writeFile(join(artifact, path), text);
}

async function rejectsWith(
  promise: Promise<unknown>,
  code: BuildErrorCode,
  message: RegExp,
): Promise<BuildError> {
  const error = await promise.then(
    () => assert.fail('expected a BuildError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof BuildError, `not a BuildError: ${String(error)}`);
  assert.equal(error.buildCode, code, error.message);
  assert.match(error.message, message);
  return error;
}

function kindCounts(objects: { object: { kind: string } }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { object } of objects) counts[object.kind] = (counts[object.kind] ?? 0) + 1;
  return counts;
}

before(async () => {
  scratch = await realpath(await mkdtemp(join(tmpdir(), 'keelson-manifests-')));
  artifact = join(scratch, 'repo');
  await cp(podinfo, artifact, { recursive: true });
  const kubectl = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  assert.ok(kubectl !== '', 'kubectl must be on PATH: the kustomize tests run it');
  kubectlOnly = join(scratch, 'bin-kubectl');
  await mkdir(kubectlOnly);
  await symlink(await realpath(kubectl), join(kubectlOnly, 'kubectl'));
});

after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

test('the podinfo production overlay builds through kubectl kustomize', async () => {
  const result = await buildManifests(artifact, 'overlays/production', { searchPath: kubectlOnly });
  assert.deepEqual(kindCounts(result.objects), {
    Deployment: 4,
    Service: 5,
    ConfigMap: 4,
    CronJob: 4,
    HorizontalPodAutoscaler: 3,
    StatefulSet: 1,
    PersistentVolumeClaim: 1,
    ServiceAccount: 2,
    Namespace: 1,
  });
  assert.deepEqual(result.kustomizations, ['overlays/production']);
  const backend = result.objects.find(
    (o) => o.object.kind === 'Deployment' && o.object.metadata.name === 'backend',
  );
  assert.equal(backend?.object.metadata.namespace, 'production');
  assert.equal(backend?.object.metadata.labels?.['app.kubernetes.io/environment'], 'production');
  assert.equal(backend?.source, undefined, 'kustomize does not say where an object came from');
  assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);

  const again = await buildManifests(artifact, './overlays/production/', { searchPath: kubectlOnly });
  assert.equal(again.digest, result.digest, 'the same input gives the same digest');
  const staging = await buildManifests(artifact, 'overlays/staging', { searchPath: kubectlOnly });
  assert.notEqual(staging.digest, result.digest);
});

test('a plain directory gives every document of every file, sorted, with its source', async () => {
  await write(
    'plain/b-app.yaml',
    [
      '# leading comment',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: one }',
      '---',
      '---',
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: two',
      '---',
      '# only a comment',
      '',
    ].join('\n'),
  );
  await write(
    'plain/a-list.yml',
    'apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: sa}}\n',
  );
  await write('plain/nested/c.json', '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}}');
  await write('plain/README.md', 'not read');
  await write('plain/.github/workflows/ci.yml', 'on: push\njobs: {}\n');
  await write('plain/cloudbuild.yaml', 'steps: []\n');

  const result = await buildManifests(artifact, 'plain');
  assert.deepEqual(
    result.objects.map((o) => [o.object.kind, o.object.metadata.name, o.source]),
    [
      ['ServiceAccount', 'sa', { file: 'plain/a-list.yml', document: 1, line: 1 }],
      ['ConfigMap', 'one', { file: 'plain/b-app.yaml', document: 1, line: 2 }],
      ['Secret', 'two', { file: 'plain/b-app.yaml', document: 3, line: 7 }],
      ['Namespace', 'ns', { file: 'plain/nested/c.json', document: 1, line: 1 }],
    ],
  );
  assert.deepEqual(result.kustomizations, []);

  const single = await buildManifests(artifact, 'plain/b-app.yaml');
  assert.deepEqual(
    single.objects.map((o) => o.object.metadata.name),
    ['one', 'two'],
  );
});

test('a kustomization below a plain directory is built with kustomize, in its place', async () => {
  await write('mixed/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
  await write('mixed/b/kustomization.yaml', 'namePrefix: kz-\nresources: [cm.yaml]\n');
  await write('mixed/b/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n');
  await write('mixed/c.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
  const result = await buildManifests(artifact, 'mixed', { searchPath: kubectlOnly });
  assert.deepEqual(
    result.objects.map((o) => o.object.metadata.name),
    ['a', 'kz-b', 'c'],
  );
  assert.deepEqual(result.kustomizations, ['mixed/b']);
});

test('malformed YAML is an error naming file, line and column', async () => {
  await write(
    'bad-yaml/deployment.yaml',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n labels: {}\n',
  );
  const error = await rejectsWith(
    buildManifests(artifact, 'bad-yaml'),
    'YAML_PARSE',
    /^bad-yaml\/deployment\.yaml:5:1: all mapping items must start at the same column$/,
  );
  assert.equal(error.code, 'KEELSON_INVALID');
  assert.deepEqual(
    [error.file, error.line, error.column, error.document],
    ['bad-yaml/deployment.yaml', 5, 1, 1],
  );
});

test('malformed YAML under a kustomization is found with its line', async () => {
  await write('kz-bad-yaml/kustomization.yaml', 'resources:\n  - cm.yaml\n');
  await write(
    'kz-bad-yaml/cm.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [1, 2\n',
  );
  await rejectsWith(
    buildManifests(artifact, 'kz-bad-yaml', { searchPath: kubectlOnly }),
    'YAML_PARSE',
    /^kz-bad-yaml\/cm\.yaml:\d+:\d+: /,
  );
  await write('kz-bad-kustomization/kustomization.yaml', 'resources:\n  - a.yaml\n bases: []\n');
  await rejectsWith(
    buildManifests(artifact, 'kz-bad-kustomization', { searchPath: kubectlOnly }),
    'YAML_PARSE',
    /^kz-bad-kustomization\/kustomization\.yaml:3:1: /,
  );
});

test('a document without kind is an error naming file, line and document', async () => {
  await write(
    'no-kind/objects.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n---\napiVersion: v1\nmetadata: {name: nameless}\n',
  );
  const error = await rejectsWith(
    buildManifests(artifact, 'no-kind'),
    'NOT_AN_OBJECT',
    /^no-kind\/objects\.yaml:5:1: document 2 is not a Kubernetes object: it has no kind$/,
  );
  assert.equal(error.document, 2);
  await write('not-mapping/list.yaml', '- a\n- b\n');
  await rejectsWith(
    buildManifests(artifact, 'not-mapping'),
    'NOT_AN_OBJECT',
    /list\.yaml:1:1: document 1 .*not a mapping/,
  );
});

test('a broken kustomization surfaces kustomize, names the kustomization, and hides local paths', async () => {
  await write('broken/kustomization.yaml', 'resources:\n  - present.yaml\n  - missing.yaml\n');
  await write('broken/present.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\n');
  const error = await rejectsWith(
    buildManifests(artifact, 'broken', { searchPath: kubectlOnly }),
    'KUSTOMIZE_FAILED',
    /^kustomize build broken: broken\/kustomization.yaml: resources "missing.yaml" not found: accumulating resources: .*missing\.yaml.*no such file/,
  );
  assert.equal(error.file, 'broken/kustomization.yaml');
  assert.ok(!error.message.includes(scratch), `an absolute path leaked: ${error.message}`);
  assert.ok(!error.message.includes('\n'));
});

test('a path leaving the artifact is refused', async () => {
  await rejectsWith(
    buildManifests(artifact, '../repo/plain'),
    'PATH_OUTSIDE_ROOT',
    /^path "\.\.\/repo\/plain" leaves/,
  );
  await rejectsWith(buildManifests(artifact, 'plain/../../x'), 'PATH_OUTSIDE_ROOT', /leaves the artifact/);
  await rejectsWith(buildManifests(artifact, 'nowhere'), 'PATH_NOT_FOUND', /^path "nowhere" does not exist/);

  const outside = join(scratch, 'outside');
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'secret.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n');
  await symlink(outside, join(artifact, 'escape-dir'));
  await rejectsWith(buildManifests(artifact, 'escape-dir'), 'PATH_OUTSIDE_ROOT', /through a symlink/);

  await write('links/ok.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n');
  await symlink(join(outside, 'secret.yaml'), join(artifact, 'links/z-secret.yaml'));
  await rejectsWith(
    buildManifests(artifact, 'links'),
    'PATH_OUTSIDE_ROOT',
    /^links\/z-secret\.yaml: symlink leads outside/,
  );

  await write('kz-escape/kustomization.yaml', 'resources:\n  - ../../outside\n');
  const error = await rejectsWith(
    buildManifests(artifact, 'kz-escape', { searchPath: kubectlOnly }),
    'PATH_OUTSIDE_ROOT',
    /^kz-escape\/kustomization\.yaml: resources "\.\.\/\.\.\/outside" is outside the artifact$/,
  );
  assert.equal(error.file, 'kz-escape/kustomization.yaml');
});

test('a remote kustomize resource is refused before kustomize runs', async () => {
  await write(
    'remote/kustomization.yaml',
    'resources:\n  - https://github.com/stefanprodan/podinfo//kustomize?ref=6.0.0\n',
  );
  await rejectsWith(
    buildManifests(artifact, 'remote', { searchPath: kubectlOnly }),
    'REMOTE_RESOURCE',
    /^remote\/kustomization\.yaml: resources "https:\/\/github\.com\/.*" is remote/,
  );
});

test('without kustomize or kubectl a kustomization cannot be built', async () => {
  const error = await rejectsWith(
    buildManifests(artifact, 'overlays/dev', { searchPath: join(scratch, 'no-such-bin') }),
    'KUSTOMIZE_NOT_FOUND',
    /^kustomize build needs `kustomize` or `kubectl` on PATH$/,
  );
  assert.equal(error.code, 'KEELSON_UNAVAILABLE');
});

test('a kustomize binary is preferred, run with a load restrictor, and its stderr cleaned', async () => {
  const bin = join(scratch, 'bin-fake-kustomize');
  await mkdir(bin);
  const script = join(bin, 'kustomize');
  // a stand-in for the kustomize CLI: prints its arguments as a ConfigMap, or fails like kustomize
  await writeFile(
    script,
    [
      '#!/bin/sh',
      'case "$4" in',
      `  */fail) echo "Error: accumulating resources: $4/x.yaml: no such file" >&2; exit 1 ;;`,
      '  */hang) read never ;;',
      'esac',
      'printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: args\\ndata:\\n  args: \\"%s\\"\\n" "$*"',
      '',
    ].join('\n'),
  );
  await chmod(script, 0o755);
  await symlink(join(kubectlOnly, 'kubectl'), join(bin, 'kubectl'));
  for (const dir of ['fake/ok', 'fake/fail', 'fake/hang'])
    await write(`${dir}/kustomization.yaml`, 'resources: []\n');

  const ok = await buildManifests(artifact, 'fake/ok', {
    searchPath: bin,
    loadRestrictor: 'LoadRestrictionsNone',
  });
  assert.equal(
    ok.objects[0]?.object.data && (ok.objects[0].object.data as { args: string }).args,
    `build --load-restrictor LoadRestrictionsNone ${join(artifact, 'fake/ok')}`,
  );

  const failed = await rejectsWith(
    buildManifests(artifact, 'fake/fail', { searchPath: bin }),
    'KUSTOMIZE_FAILED',
    /^kustomize build fake\/fail: accumulating resources: fake\/fail\/x\.yaml: no such file$/,
  );
  assert.equal(failed.file, 'fake/fail/kustomization.yaml');

  await rejectsWith(
    buildManifests(artifact, 'fake/hang', { searchPath: bin, timeoutMs: 200 }),
    'KUSTOMIZE_TIMEOUT',
    /^kustomize build fake\/hang: timed out after 200 ms$/,
  );

  const controller = new AbortController();
  const building = buildManifests(artifact, 'fake/hang', { searchPath: bin, signal: controller.signal });
  setTimeout(() => controller.abort(new Error('stop')), 50);
  await assert.rejects(building, /stop/);
});

test('kustomize errors are unwrapped from kustomize, kubectl and klog output', () => {
  const root = { real: '/srv/artifact' };
  assert.equal(
    kustomizeMessage('Error: bad thing in /srv/artifact/a/b.yaml\n', root),
    'bad thing in a/b.yaml',
  );
  assert.equal(kustomizeMessage('error: accumulating resources: x\n', root), 'accumulating resources: x');
  assert.equal(
    kustomizeMessage(
      'E1122 04:32:46.211414   32650 run.go:72] "command failed" err="accumulating \\"x\\" /srv/artifact"',
      root,
    ),
    'accumulating "x" .',
  );
  assert.equal(
    kustomizeMessage('E1122 run.go:72] "command failed" err=<\n\tline one\n\t: exit status 128\n >\n', root),
    'line one : exit status 128',
  );
});
