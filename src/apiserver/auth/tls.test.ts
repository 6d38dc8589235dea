import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import {
  generateCertificateAuthority,
  issueServingCertificate,
  type CertificateAuthority,
  type ServingCertificate,
} from './tls.ts';

const versionBody = JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0-keelson' });

let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
let serving: ServingCertificate;
let server: Server;
let port: number;
let workDir: string;

before(async () => {
  [ca, otherCa] = await Promise.all([
    generateCertificateAuthority('keelson-ca'),
    generateCertificateAuthority('other-ca'),
  ]);
  serving = await issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] });
  server = createServer({ cert: serving.certPem, key: serving.keyPem }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(versionBody);
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  port = (server.address() as AddressInfo).port;
  workDir = await mkdtemp(join(tmpdir(), 'keelson-tls-'));
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(workDir, { recursive: true, force: true });
});

/** GETs /version over TLS trusting only `trusted`, resolving to the body or rejecting with the TLS error. */
function get(host: string, trusted: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, path: '/version', ...(trusted === undefined ? {} : { ca: trusted }) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('certificates', () => {
  it('make a CA and a serving certificate it signed, for the requested names', () => {
    const caCert = new X509Certificate(ca.certPem);
    const leaf = new X509Certificate(serving.certPem);
    assert.equal(caCert.ca, true);
    assert.equal(caCert.subject, 'CN=keelson-ca');
    assert.equal(leaf.ca, false);
    assert.equal(leaf.checkIssued(caCert), true);
    assert.equal(leaf.verify(caCert.publicKey), true);
    assert.equal(leaf.verify(new X509Certificate(otherCa.certPem).publicKey), false);
    assert.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(serving.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('honour the validity and clock they are given', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const leaf = new X509Certificate(
      (await issueServingCertificate(ca, { dnsNames: ['a.example'], ipAddresses: [], now, validityDays: 30 }))
        .certPem,
    );
    assert.ok(new Date(leaf.validFrom) <= now);
    assert.equal(new Date(leaf.validTo).toISOString(), '2030-01-31T00:00:00.000Z');
    assert.equal(leaf.subject, 'CN=a.example');
  });
});

describe('TLS handshake', () => {
  it('succeeds for every served name when the client trusts only the CA', async () => {
    assert.equal(await get('127.0.0.1', ca.certPem), versionBody);
    assert.equal(await get('localhost', ca.certPem), versionBody);
  });

  it('succeeds over IPv6 loopback when the host has it', async (t) => {
    try {
      assert.equal(await get('::1', ca.certPem), versionBody);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRNOTAVAIL' || code === 'ECONNREFUSED' || code === 'ENETUNREACH')
        t.skip('no IPv6 loopback');
      else throw error;
    }
  });

  it('fails for a client that does not trust the CA', async () => {
    await assert.rejects(get('127.0.0.1', otherCa.certPem), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await assert.rejects(get('127.0.0.1', undefined), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('is accepted by kubectl through certificate-authority-data', async (t) => {
    const run = async (authority: CertificateAuthority, name: string): Promise<string> => {
      const kubeconfig = join(workDir, `${name}.kubeconfig`);
      await writeFile(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '- name: keelson',
          '  cluster:',
          `    server: https://127.0.0.1:${port}`,
          `    certificate-authority-data: ${Buffer.from(authority.certPem).toString('base64')}`,
          'users:',
          '- name: admin',
          '  user:',
          '    token: not-checked-here',
          'contexts:',
          '- name: keelson',
          '  context:',
          '    cluster: keelson',
          '    user: admin',
          'current-context: keelson',
          '',
        ].join('\n'),
      );
      const { stdout } = await promisify(execFile)(
        'kubectl',
        ['--kubeconfig', kubeconfig, '--cache-dir', join(workDir, 'cache'), 'get', '--raw', '/version'],
        { env: { ...process.env, HOME: workDir } },
      );
      return stdout;
    };
    try {
      await promisify(execFile)('kubectl', ['version', '--client']);
    } catch {
      t.skip('kubectl is not on PATH');
      return;
    }
    assert.deepEqual(JSON.parse(await run(ca, 'trusted')), JSON.parse(versionBody));
    await assert.rejects(run(otherCa, 'untrusted'), (error: Error & { stderr?: string }) =>
      /certificate signed by unknown authority/.test(error.stderr ?? ''),
    );
  });
});
