/**
 * `keelson controllers`' forge flags: `--forge-url` with either `--forge-token-file` or all three
 * `--github-app-*` flags. Every other combination, and a credential file that cannot be used, ends
 * the real `bin/keelson` with exit code 1 and a message naming the flag, before it reads the
 * kubeconfig (none exists here) or talks to anything.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot, tempDir } from './harness.ts';

const dir = tempDir('keelson-controllers-flags-');
const kubeconfig = join(dir, 'no-such-kubeconfig');
const forgeUrl = 'http://127.0.0.1:1/api/v3';
const tokenFile = join(dir, 'token');
const notAKey = join(dir, 'not-a-key.pem');
const keyFile = join(dir, 'app.pem');
writeFileSync(tokenFile, 'kfp_token\n');
writeFileSync(notAKey, '-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n');
writeFileSync(
  keyFile,
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey,
);

function controllers(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(repoRoot, 'bin', 'keelson'),
      ['controllers', '--kubeconfig', kubeconfig, '--data', join(dir, 'data'), ...args],
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** All three app flags, with the key in `key`. */
function app(key = keyFile): string[] {
  return ['--github-app-id', '12', '--github-app-key-file', key, '--github-app-installation-id', '34'];
}

const refused: [string, string[], RegExp][] = [
  [
    'a token file without a forge',
    ['--forge-token-file', tokenFile],
    /--forge-token-file: only with --forge-url/,
  ],
  [
    'a forge without credentials',
    ['--forge-url', forgeUrl],
    /--forge-url needs --forge-token-file, or --github-app-id, --github-app-key-file and --github-app-installation-id/,
  ],
  [
    'a token and an app',
    ['--forge-url', forgeUrl, '--forge-token-file', tokenFile, '--github-app-id', '12'],
    /--forge-token-file and --github-app-id: give a token or a GitHub App, not both/,
  ],
  [
    'an app without its installation',
    ['--forge-url', forgeUrl, '--github-app-id', '12', '--github-app-key-file', keyFile],
    /--github-app-id and --github-app-key-file need --github-app-installation-id too/,
  ],
  [
    'an app id that is not a number',
    ['--forge-url', forgeUrl, '--github-app-id', 'keelson-ci'],
    /option '--github-app-id <id>' argument 'keelson-ci' is invalid\. must be a positive integer/,
  ],
  [
    'a key file that does not exist',
    ['--forge-url', forgeUrl, ...app(join(dir, 'missing.pem'))],
    /--github-app-key-file \S+missing\.pem: cannot read it: ENOENT/,
  ],
  [
    'a key file that is not a private key',
    ['--forge-url', forgeUrl, ...app(notAKey)],
    /--github-app-key-file \S+not-a-key\.pem: not a PEM private key/,
  ],
];

// each run starts bin/keelson (a few seconds of TypeScript loading): one case per rule, side by side
describe('keelson controllers refuses incomplete or conflicting forge flags', { concurrency: true }, () => {
  for (const [what, args, message] of refused)
    test(what, async () => {
      const run = await controllers(args);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    });
});

test('keelson controllers accepts the three app flags with a readable key', async () => {
  // accepted, they give way to the next step: reading the kubeconfig, which does not exist
  const run = await controllers(['--forge-url', forgeUrl, ...app()]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^keelson: ENOENT: no such file or directory, open '\S+no-such-kubeconfig'/);
});
