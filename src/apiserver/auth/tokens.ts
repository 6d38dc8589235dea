/**
 * Bearer-token authentication: static tokens (the admin token) and ServiceAccount tokens issued
 * through TokenRequest, as kube-apiserver's token-file and service-account JWT authenticators do.
 *
 * ServiceAccount tokens are RS256 JWTs carrying the claims of pkg/serviceaccount/claims.go, so a
 * token minted here decodes like one from Kubernetes and anything that verifies Kubernetes tokens
 * against the published JWKS verifies ours.
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';

import { InvalidError, KeelsonError, formatFieldError, type FieldError } from '../../base/errors.ts';
import { isObject, type JsonObject } from '../../base/json.ts';
import { serviceAccountUsername, type UserInfo } from './authorizer.ts';

export const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';
export const adminUsername = 'keelson-admin';

/** The groups kube-apiserver gives every ServiceAccount, before `system:authenticated`. */
export const serviceAccountsGroup = 'system:serviceaccounts';

/** user.Info extra keys kube-apiserver sets for ServiceAccount tokens. */
export const credentialIdKey = 'authentication.kubernetes.io/credential-id';
export const podNameKey = 'authentication.kubernetes.io/pod-name';
export const podUidKey = 'authentication.kubernetes.io/pod-uid';
export const nodeNameKey = 'authentication.kubernetes.io/node-name';
export const nodeUidKey = 'authentication.kubernetes.io/node-uid';

/** go-jose's DefaultLeeway, which Kubernetes applies to exp, nbf, iat and deletion times. */
const leewayMs = 60_000;
const minExpirationSeconds = 10 * 60;
const maxExpirationSeconds = 2 ** 32;
const defaultExpirationSeconds = 60 * 60;

export interface ServiceAccountKeyPair {
  /** PKCS#8 PEM of an RSA private key. */
  privateKeyPem: string;
  /** SPKI PEM of the matching public key. */
  publicKeyPem: string;
}

export interface StaticToken {
  token: string;
  user: UserInfo;
}

export interface TokenAuthenticatorOptions {
  /** The key ServiceAccount tokens are signed with; the server persists it across restarts. */
  serviceAccountKey: ServiceAccountKeyPair;
  /** Authenticates as `keelson-admin` in `system:masters`. */
  adminToken?: string;
  staticTokens?: StaticToken[];
  /** The `iss` of issued tokens and the only one accepted. Defaults to {@link defaultIssuer}. */
  issuer?: string;
  /**
   * The audiences the API server accepts (`--api-audiences`), and the default audience of a
   * TokenRequest that names none. Defaults to `[issuer]`.
   */
  apiAudiences?: string[];
  /** Source of `jti` values; injectable so tests are deterministic. */
  randomUUID?: () => string;
}

export interface BoundObjectRef {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

export interface TokenRequestSpec {
  /** Namespace, name and uid of the ServiceAccount the token is for. */
  namespace: string;
  name: string;
  uid: string;
  /** Defaults to the API audiences. */
  audiences?: string[];
  /** Defaults to 3600; Kubernetes accepts 600 to 2^32. */
  expirationSeconds?: number;
  /** The token stops authenticating when this object is deleted or replaced. */
  boundObjectRef?: BoundObjectRef;
}

export interface IssuedToken {
  token: string;
  /** RFC 3339 in UTC to the second, as TokenRequest's `status.expirationTimestamp`. */
  expirationTimestamp: string;
}

/** What the authenticator needs to know of a live object: its uid and whether it is being deleted. */
export interface LiveObject {
  uid: string;
  deletionTimestamp?: string;
}

export type ServiceAccountLookup = (namespace: string, name: string) => LiveObject | undefined;

/** Finds the Pod, Secret or Node a token is bound to; Nodes are cluster-scoped, so namespace is ''. */
export type BoundObjectLookup = (
  kind: BoundObjectRef['kind'],
  namespace: string,
  name: string,
) => LiveObject | undefined;

export interface JsonWebKey {
  use: 'sig';
  kty: 'RSA';
  kid: string;
  alg: 'RS256';
  n: string;
  e: string;
}

/**
 * Authenticates bearer tokens and issues ServiceAccount tokens. Stateless apart from its key and
 * static tokens: a ServiceAccount token stays valid only while the ServiceAccount (and any object it
 * is bound to) exists with the uid in the token, which `authenticate` asks the caller about.
 */
export class TokenAuthenticator {
  readonly issuer: string;
  readonly apiAudiences: readonly string[];
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #keyId: string;
  readonly #staticTokens = new Map<string, UserInfo>();
  readonly #randomUUID: () => string;

  constructor(options: TokenAuthenticatorOptions) {
    this.issuer = options.issuer ?? defaultIssuer;
    this.apiAudiences = options.apiAudiences ?? [this.issuer];
    this.#randomUUID = options.randomUUID ?? randomUUID;
    this.#privateKey = createPrivateKey(options.serviceAccountKey.privateKeyPem);
    this.#publicKey = createPublicKey(options.serviceAccountKey.publicKeyPem);
    if (this.#privateKey.asymmetricKeyType !== 'rsa' || this.#publicKey.asymmetricKeyType !== 'rsa') {
      throw new KeelsonError('KEELSON_INTERNAL', 'the service account signing key must be an rsa key');
    }
    const derived = spki(createPublicKey(this.#privateKey));
    const given = spki(this.#publicKey);
    if (!derived.equals(given)) {
      throw new KeelsonError(
        'KEELSON_INTERNAL',
        'the service account public key does not match the private key',
      );
    }
    this.#keyId = createHash('sha256').update(given).digest('base64url');

    if (options.adminToken !== undefined) {
      this.#addStaticToken(options.adminToken, { name: adminUsername, groups: ['system:masters'] });
    }
    for (const { token, user } of options.staticTokens ?? []) this.#addStaticToken(token, user);
  }

  /**
   * Issues a TokenRequest token. Throws InvalidError, worded as kube-apiserver's, when
   * expirationSeconds is outside [600, 2^32].
   */
  issue(spec: TokenRequestSpec, now: Date): IssuedToken {
    const expirationSeconds = spec.expirationSeconds ?? defaultExpirationSeconds;
    const errors = expirationErrors(expirationSeconds);
    if (errors.length > 0) {
      throw new InvalidError(
        `TokenRequest.authentication.k8s.io "" is invalid: ${errors.map(formatFieldError).join(', ')}`,
        {
          name: '',
          group: 'authentication.k8s.io',
          kind: 'TokenRequest',
          causes: errors.map((e) => ({ reason: e.type, message: formatFieldError(e), field: e.field })),
        },
      );
    }
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiry = issuedAt + expirationSeconds;
    const kubernetes: JsonObject = { namespace: spec.namespace };
    const ref = spec.boundObjectRef;
    if (ref?.kind === 'Node') kubernetes['node'] = { name: ref.name, uid: ref.uid };
    if (ref?.kind === 'Pod') kubernetes['pod'] = { name: ref.name, uid: ref.uid };
    if (ref?.kind === 'Secret') kubernetes['secret'] = { name: ref.name, uid: ref.uid };
    kubernetes['serviceaccount'] = { name: spec.name, uid: spec.uid };

    // Keys in the order go-jose writes them (sorted), so tokens decode exactly like Kubernetes' own.
    const claims = {
      aud:
        spec.audiences !== undefined && spec.audiences.length > 0 ? spec.audiences : [...this.apiAudiences],
      exp: expiry,
      iat: issuedAt,
      iss: this.issuer,
      jti: this.#randomUUID(),
      'kubernetes.io': kubernetes,
      nbf: issuedAt,
      sub: serviceAccountUsername(spec.namespace, spec.name),
    };
    const header = { alg: 'RS256', kid: this.#keyId };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), this.#privateKey).toString('base64url');
    return {
      token: `${signingInput}.${signature}`,
      expirationTimestamp: new Date(expiry * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  }

  /**
   * The user a bearer token authenticates as, or undefined when the token is unknown, malformed,
   * signed by another key, issued by another issuer or for another audience, expired or not yet
   * valid (with Kubernetes' one-minute leeway), or when its ServiceAccount or bound object is gone
   * or has been replaced. Tokens bound to an object need `lookupBoundObject`; without it they fail.
   */
  authenticate(
    token: string,
    now: Date,
    lookupServiceAccount: ServiceAccountLookup,
    lookupBoundObject?: BoundObjectLookup,
  ): UserInfo | undefined {
    const staticUser = this.#staticTokens.get(tokenDigest(token));
    if (staticUser) return structuredClone(staticUser);

    const claims = this.#verifiedClaims(token);
    if (!claims || !this.#claimsValid(claims, now)) return undefined;
    const kubernetes = claims['kubernetes.io'];
    if (!isObject(kubernetes)) return undefined;
    const namespace = kubernetes['namespace'];
    const serviceAccount = readRef(kubernetes['serviceaccount']);
    if (typeof namespace !== 'string' || namespace === '' || !serviceAccount) return undefined;
    if (claims['sub'] !== serviceAccountUsername(namespace, serviceAccount.name)) return undefined;

    if (!isLive(lookupServiceAccount(namespace, serviceAccount.name), serviceAccount.uid, now))
      return undefined;

    const extra: Record<string, string[]> = {};
    for (const kind of ['Pod', 'Secret', 'Node'] as const) {
      const claim = kubernetes[kind.toLowerCase()];
      if (claim === undefined) continue;
      const ref = readRef(claim);
      if (!ref || !lookupBoundObject) return undefined;
      const object = lookupBoundObject(kind, kind === 'Node' ? '' : namespace, ref.name);
      if (!isLive(object, ref.uid, now)) return undefined;
      if (kind === 'Pod') {
        extra[podNameKey] = [ref.name];
        extra[podUidKey] = [ref.uid];
      }
      if (kind === 'Node') {
        extra[nodeNameKey] = [ref.name];
        extra[nodeUidKey] = [ref.uid];
      }
    }
    const jti = claims['jti'];
    if (typeof jti === 'string' && jti !== '') extra[credentialIdKey] = [`JTI=${jti}`];

    const user: UserInfo = {
      name: serviceAccountUsername(namespace, serviceAccount.name),
      uid: serviceAccount.uid,
      groups: [serviceAccountsGroup, `${serviceAccountsGroup}:${namespace}`, 'system:authenticated'],
    };
    if (Object.keys(extra).length > 0) user.extra = sortedKeys(extra);
    return user;
  }

  /** The JWKS served at `/openid/v1/jwks`, so others can verify ServiceAccount tokens. */
  jwks(): { keys: JsonWebKey[] } {
    const jwk = this.#publicKey.export({ format: 'jwk' });
    return {
      keys: [{ use: 'sig', kty: 'RSA', kid: this.#keyId, alg: 'RS256', n: jwk.n ?? '', e: jwk.e ?? '' }],
    };
  }

  /** The document served at `/.well-known/openid-configuration`. */
  openIdConfiguration(jwksUri = `${this.issuer}/openid/v1/jwks`): JsonObject {
    return {
      issuer: this.issuer,
      jwks_uri: jwksUri,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    };
  }

  #addStaticToken(token: string, user: UserInfo): void {
    const groups = user.groups.includes('system:authenticated')
      ? user.groups
      : [...user.groups, 'system:authenticated'];
    this.#staticTokens.set(tokenDigest(token), { ...structuredClone(user), groups: [...groups] });
  }

  /** The payload of a compact RS256 JWT whose signature verifies with our key. */
  #verifiedClaims(token: string): JsonObject | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [encodedHeader = '', encodedPayload = '', encodedSignature = ''] = parts;
    const header = parseSegment(encodedHeader);
    if (!header || header['alg'] !== 'RS256') return undefined;
    const signature = Buffer.from(encodedSignature, 'base64url');
    const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`);
    if (!verify('sha256', signed, this.#publicKey, signature)) return undefined;
    return parseSegment(encodedPayload);
  }

  #claimsValid(claims: JsonObject, now: Date): boolean {
    if (claims['iss'] !== this.issuer) return false;
    const audiences = typeof claims['aud'] === 'string' ? [claims['aud']] : claims['aud'];
    if (!Array.isArray(audiences) || !audiences.some((aud) => this.apiAudiences.includes(aud))) return false;
    const time = now.getTime();
    const exp = claims['exp'];
    if (typeof exp !== 'number' || time - leewayMs > exp * 1000) return false;
    for (const notAfterNow of [claims['nbf'], claims['iat']]) {
      if (notAfterNow === undefined) continue;
      if (typeof notAfterNow !== 'number' || time + leewayMs < notAfterNow * 1000) return false;
    }
    return true;
  }
}

/** A fresh RSA 2048 key pair for signing ServiceAccount tokens, as PEMs to persist. */
export async function generateServiceAccountKey(): Promise<ServiceAccountKeyPair> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** A random 256-bit admin token, URL-safe so it fits a kubeconfig or a header as is. */
export function generateAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The user the admin token authenticates as. */
export function adminUser(): UserInfo {
  return { name: adminUsername, groups: ['system:masters', 'system:authenticated'] };
}

function expirationErrors(expirationSeconds: number): FieldError[] {
  const field = 'spec.expirationSeconds';
  if (!Number.isInteger(expirationSeconds)) {
    return [{ field, type: 'FieldValueInvalid', value: expirationSeconds, message: 'must be an integer' }];
  }
  if (expirationSeconds < minExpirationSeconds) {
    return [
      {
        field,
        type: 'FieldValueInvalid',
        value: expirationSeconds,
        message: 'may not specify a duration less than 10 minutes',
      },
    ];
  }
  if (expirationSeconds > maxExpirationSeconds) {
    return [
      {
        field,
        type: 'FieldValueInvalid',
        value: expirationSeconds,
        message: 'may not specify a duration larger than 2^32 seconds',
      },
    ];
  }
  return [];
}

function isLive(object: LiveObject | undefined, uid: string, now: Date): boolean {
  if (!object || object.uid !== uid) return false;
  if (object.deletionTimestamp === undefined) return true;
  const deletedAt = Date.parse(object.deletionTimestamp);
  return Number.isNaN(deletedAt) || deletedAt >= now.getTime() - leewayMs;
}

function readRef(value: unknown): { name: string; uid: string } | undefined {
  if (!isObject(value)) return undefined;
  const { name, uid } = value;
  if (typeof name !== 'string' || name === '' || typeof uid !== 'string') return undefined;
  return { name, uid };
}

function parseSegment(segment: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function spki(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

/** Static tokens are held by digest, so the table never keeps a secret and lookups leak no prefix. */
function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function sortedKeys(record: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
