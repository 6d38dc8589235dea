/**
 * The API server's TLS material: a self-signed certificate authority, which kubeconfigs carry as
 * `certificate-authority-data`, and serving certificates it signs for the names and addresses the
 * server listens on. ECDSA P-256 throughout; keys are PKCS#8 PEM, which node:https takes as is.
 *
 * Go's crypto/x509 (kubectl, client-go) is strict: serial numbers must be positive, the leaf's
 * issuer must be byte-for-byte the CA's subject and host names are checked against the SANs only,
 * so each of those is arranged deliberately below.
 */

import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

import { installReflectMetadata } from './reflect-metadata.ts';

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}

export type CertificateAuthority = CertificateAndKey;
export type ServingCertificate = CertificateAndKey;

export interface CertificateAuthorityOptions {
  /** Defaults to 10 years, as kubeadm's CA. */
  validityDays?: number;
  now?: Date;
}

export interface ServingCertificateOptions {
  dnsNames: string[];
  /** IPv4 or IPv6 literals, e.g. `127.0.0.1` and `::1`. */
  ipAddresses: string[];
  /** Defaults to the first DNS name, or `keelson-apiserver`. */
  commonName?: string;
  /** Defaults to 1 year, as kube-apiserver's self-signed serving certificate. */
  validityDays?: number;
  now?: Date;
}

const crypto = webcrypto;
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ecdsaSha256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const rsaSha256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const dayMs = 24 * 60 * 60 * 1000;
/** Certificates start a little in the past so a client with a slow clock accepts them. */
const backdateMs = 5 * 60 * 1000;

/** A new self-signed CA able to sign serving certificates (and nothing below them). */
export async function generateCertificateAuthority(
  commonName: string,
  options: CertificateAuthorityOptions = {},
): Promise<CertificateAuthority> {
  const x509 = await loadX509();
  const now = options.now ?? new Date();
  const keys = await generateEcdsaKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: [{ CN: [commonName] }],
      notBefore: new Date(now.getTime() - backdateMs),
      notAfter: new Date(now.getTime() + (options.validityDays ?? 3650) * dayMs),
      keys,
      signingAlgorithm: ecdsaSha256,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKey(keys.privateKey) };
}

/** A serving certificate for the given names, signed by `ca`, with a fresh key. */
export async function issueServingCertificate(
  ca: CertificateAuthority,
  options: ServingCertificateOptions,
): Promise<ServingCertificate> {
  const x509 = await loadX509();
  const now = options.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importSigningKey(ca.keyPem);
  const keys = await generateEcdsaKeys();
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const names: X509.JsonGeneralName[] = [
    ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...options.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
    new x509.SubjectAlternativeNameExtension(names, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
  ];
  if (caKeyId !== undefined) extensions.push(new x509.AuthorityKeyIdentifierExtension(caKeyId, false));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: [{ CN: [options.commonName ?? options.dnsNames[0] ?? 'keelson-apiserver'] }],
      // The CA's own encoded Name, so the issuer bytes equal the CA's subject bytes exactly.
      issuer: caCert.subjectName,
      notBefore: new Date(now.getTime() - backdateMs),
      notAfter: new Date(now.getTime() + (options.validityDays ?? 365) * dayMs),
      publicKey: keys.publicKey,
      signingKey: caKey.key,
      signingAlgorithm: caKey.algorithm,
      extensions,
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKey(keys.privateKey) };
}

/** @peculiar/x509, loaded once tsyringe's metadata prerequisite is in place (see reflect-metadata.ts). */
async function loadX509(): Promise<typeof X509> {
  installReflectMetadata();
  return import('@peculiar/x509');
}

async function generateEcdsaKeys(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
}

async function exportPrivateKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

/** Imports a CA key, ECDSA P-256 or RSA, as a WebCrypto signing key with its signature algorithm. */
async function importSigningKey(
  pem: string,
): Promise<{ key: webcrypto.CryptoKey; algorithm: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams }> {
  const keyObject = createPrivateKey(pem);
  const der = keyObject.export({ format: 'der', type: 'pkcs8' });
  if (keyObject.asymmetricKeyType === 'rsa') {
    const key = await crypto.subtle.importKey('pkcs8', der, rsaSha256, false, ['sign']);
    return { key, algorithm: rsaSha256 };
  }
  const key = await crypto.subtle.importKey('pkcs8', der, ecdsa, false, ['sign']);
  return { key, algorithm: ecdsaSha256 };
}

/** 128 random bits with the top bit clear: positive, as Go requires, and never a leading zero byte. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}
