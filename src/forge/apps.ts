/**
 * GitHub Apps on the built-in forge, GitHub's way: an app is registered with its public key (the
 * private key is shown once), installed on an account, authenticates to `/app` endpoints with an
 * RS256 JWT it signs itself, and exchanges that JWT for an installation token that expires after
 * an hour and acts as the bot user `<slug>[bot]` on the installation's repositories.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import * as gh from './github-json.ts';
import { ApiFailure } from './rest-api.ts';
import {
  tokenDigest,
  type ForgeAppRecord,
  type ForgeInstallationRecord,
  type ForgeStore,
  type ForgeUserRecord,
} from './store.ts';

type Json = gh.Json;

/** How long an installation token lives, as on GitHub. */
export const installationTokenLifetimeMs = 60 * 60 * 1000;
/** GitHub's longest JWT: `exp` at most 10 minutes after `iat`. */
const maxJwtLifetimeSeconds = 10 * 60;
/** Clock difference tolerated between an app and the forge. */
const clockSkewSeconds = 60;

/** What an installation token may do: what Keelson's CI needs, on every repository of the account. */
const permissions = {
  contents: 'write',
  issues: 'write',
  metadata: 'read',
  pull_requests: 'write',
  statuses: 'write',
  repository_hooks: 'write',
  members: 'read',
  administration: 'write',
};
const events = ['push', 'pull_request', 'issue_comment', 'pull_request_review', 'status'];

// GitHub's messages: @octokit/auth-app recognizes the time ones and retries with the server's clock
const badIat =
  "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
const badExp =
  "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
const farExp = "'Expiration time' claim ('exp') is too far in the future";
const undecodable = 'A JSON web token could not be decoded';

function part(text: string | undefined): Json {
  try {
    const value: unknown = JSON.parse(Buffer.from(text ?? '', 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  } catch {
    // answered below
  }
  throw new ApiFailure(401, undecodable);
}

export class ForgeApps {
  readonly #store: ForgeStore;
  readonly #urls: gh.Urls;
  readonly #now: () => Date;

  constructor(deps: { store: ForgeStore; urls: gh.Urls; now: () => Date }) {
    this.#store = deps.store;
    this.#urls = deps.urls;
    this.#now = deps.now;
  }

  /** Registers an app owned by `owner` and resolves with it and its private key (PKCS#1 PEM, as GitHub hands it out). */
  async createApp(
    slug: string,
    input: { name?: string; owner: string },
  ): Promise<{ app: ForgeAppRecord; privateKey: string }> {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = await this.#store.createApp(slug, {
      name: input.name ?? slug,
      owner: input.owner,
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    return { app, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
  }

  async install(slug: string, account: string): Promise<ForgeInstallationRecord> {
    const app = await this.#store.getApp(slug);
    if (!app) throw new ApiFailure(404, `app ${slug} not found`);
    return this.#store.createInstallation(app, account);
  }

  /**
   * The app a `Bearer <jwt>` header speaks for. The JWT must be RS256, signed with the app's key,
   * name the app's id in `iss`, and be current: `iat` not in the future and `exp` in the future
   * and at most 10 minutes after `iat` (each with a minute of clock skew).
   */
  async authenticate(header: string | undefined): Promise<ForgeAppRecord> {
    const match = /^bearer\s+([^.\s]+)\.([^.\s]+)\.([^.\s]+)$/i.exec(header?.trim() ?? '');
    if (!match) throw new ApiFailure(401, undecodable);
    const [, head, body, signature] = match as unknown as [string, string, string, string];
    if (part(head)['alg'] !== 'RS256') throw new ApiFailure(401, undecodable);
    const claims = part(body);
    const iss = typeof claims['iss'] === 'string' ? Number(claims['iss']) : claims['iss'];
    const app = Number.isInteger(iss) ? await this.#store.appById(iss as number) : undefined;
    if (!app)
      throw new ApiFailure(401, "'Issuer' claim ('iss') must be the ID of an app registered on this forge");
    const valid = verify(
      'RSA-SHA256',
      Buffer.from(`${head}.${body}`),
      createPublicKey(app.publicKey),
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) throw new ApiFailure(401, undecodable);
    const { iat, exp } = claims;
    const now = Math.floor(this.#now().getTime() / 1000);
    if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + clockSkewSeconds)
      throw new ApiFailure(401, badIat);
    if (typeof exp !== 'number' || exp <= now - clockSkewSeconds) throw new ApiFailure(401, badExp);
    if (exp - iat > maxJwtLifetimeSeconds || exp > now + maxJwtLifetimeSeconds + clockSkewSeconds)
      throw new ApiFailure(401, farExp);
    return app;
  }

  /** The installation and bot user an installation token acts as; undefined if unknown or expired. */
  async userByInstallationToken(token: string): Promise<ForgeUserRecord | undefined> {
    const found = await this.#store.installationByToken(token);
    if (!found || Date.parse(found.expiresAt) <= this.#now().getTime()) return undefined;
    const app = await this.#store.getApp(found.installation.appSlug);
    return app && { ...this.#store.botUser(app), installationAccount: found.installation.account };
  }

  /** POST /app/installations/{id}/access_tokens: a new token, valid for an hour. */
  async createToken(app: ForgeAppRecord, installationId: number): Promise<Json> {
    const installation = (await this.#store.listInstallations(app.slug)).find((i) => i.id === installationId);
    if (!installation) throw new ApiFailure(404, 'Not Found');
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const now = this.#now();
    const expiresAt = new Date(now.getTime() + installationTokenLifetimeMs)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    await this.#store.addInstallationToken(installation, { sha256: tokenDigest(token), expiresAt }, now);
    return { token, expires_at: expiresAt, permissions, repository_selection: 'all' };
  }

  async appJson(app: ForgeAppRecord): Promise<Json> {
    const owner = gh.ownerOf(this.#urls, app.owner, await this.#store.getUser(app.owner));
    return {
      id: app.id,
      slug: app.slug,
      node_id: Buffer.from(`Integration:${app.id}`).toString('base64'),
      client_id: `Iv1.${app.id.toString(16).padStart(16, '0')}`,
      owner,
      name: app.name,
      description: null,
      external_url: `${this.#urls.html}/apps/${app.slug}`,
      html_url: `${this.#urls.html}/apps/${app.slug}`,
      created_at: app.createdAt,
      updated_at: app.createdAt,
      permissions,
      events,
      installations_count: (await this.#store.listInstallations(app.slug)).length,
    };
  }

  async installationsJson(app: ForgeAppRecord): Promise<Json[]> {
    const out: Json[] = [];
    for (const installation of await this.#store.listInstallations(app.slug)) {
      const user = await this.#store.getUser(installation.account);
      const account = gh.ownerOf(this.#urls, installation.account, user);
      out.push({
        id: installation.id,
        account,
        repository_selection: 'all',
        access_tokens_url: `${this.#urls.api}/app/installations/${installation.id}/access_tokens`,
        repositories_url: `${this.#urls.api}/installation/repositories`,
        html_url: `${this.#urls.html}/settings/installations/${installation.id}`,
        app_id: app.id,
        app_slug: app.slug,
        target_id: account['id'],
        target_type: account['type'],
        permissions,
        events,
        created_at: installation.createdAt,
        updated_at: installation.createdAt,
        single_file_name: null,
        suspended_by: null,
        suspended_at: null,
      });
    }
    return out;
  }
}
