/**
 * The built-in forge's state in the management cluster: Repository, PullRequest and CommitStatus
 * objects (forge.keelson.dev/v1) and users as Secrets, all in one namespace. Every write goes
 * through the API with optimistic concurrency; the forge serializes its own writes per repository.
 */
import { createHash, randomBytes } from 'node:crypto';
import { KeelsonError } from '../base/errors.ts';
import {
  forgeApiVersion,
  forgeNamePattern,
  type ForgeCommitStatus,
  type ForgePullRequest,
  type ForgeRepository,
  type ForgeStatusEntry,
} from '../api/crds/index.ts';
import { isAlreadyExists, isNotFound, type KubeClient } from '../runtime/client.ts';
import type { KubeObject } from '../api/meta.ts';

export const repositoryLabel = 'forge.keelson.dev/repository';
export const userLabel = 'forge.keelson.dev/user';
export const userSecretType = 'forge.keelson.dev/user';
export const appLabel = 'forge.keelson.dev/app';
export const appSecretType = 'forge.keelson.dev/app';
export const installationLabel = 'forge.keelson.dev/installation';
export const installationSecretType = 'forge.keelson.dev/installation';

/** A forge user: a Secret `user-<login>` holding the sha256 of the token, never the token. */
export interface ForgeUserRecord {
  login: string;
  id: number;
  siteAdmin: boolean;
  orgs: string[];
  email: string;
  createdAt: string;
  /** Set for an app's bot user `<slug>[bot]`: the app's slug. */
  app?: string;
  /** Set when authenticated by an installation token: the account whose repositories it may write. */
  installationAccount?: string;
}

/** A GitHub App: a Secret `app-<slug>` holding its id, name, owner and PUBLIC key, never the private one. */
export interface ForgeAppRecord {
  id: number;
  slug: string;
  name: string;
  /** The user or organization that owns the app. */
  owner: string;
  publicKey: string;
  createdAt: string;
}

/** An installation token: its sha256 and when it stops working. */
export interface InstallationToken {
  sha256: string;
  expiresAt: string;
}

/**
 * An app installed on an account (all its repositories): a Secret `installation-<slug>-<account>`
 * holding the hashes of the installation tokens issued and not yet expired.
 */
export interface ForgeInstallationRecord {
  id: number;
  appSlug: string;
  account: string;
  tokens: InstallationToken[];
  createdAt: string;
  /** The Secret's name, for updates. */
  name: string;
}

/** `<slug>[bot]` → `<slug>`. */
export function botApp(login: string): string | undefined {
  return /^(.+)\[bot\]$/.exec(login)?.[1];
}

interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A stable GitHub-style numeric id from an object's uid. */
export function numericId(uid: string | undefined): number {
  return Number.parseInt((uid ?? '0').replace(/-/g, '').slice(0, 12) || '0', 16) % 2 ** 48;
}

export function checkNamePart(what: string, value: string): void {
  if (!new RegExp(forgeNamePattern).test(value) || value.length > 100)
    throw new KeelsonError(
      'KEELSON_INVALID',
      `${what} ${JSON.stringify(value)} is invalid: use lower-case letters, digits and '-' (at most 100), starting and ending with a letter or digit`,
    );
}

export function repositoryObjectName(owner: string, name: string): string {
  return `${owner}.${name}`;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

export class ForgeStore {
  readonly client: KubeClient;
  readonly namespace: string;

  constructor(deps: { client: KubeClient; namespace: string }) {
    this.client = deps.client;
    this.namespace = deps.namespace;
  }

  async ensureNamespace(): Promise<void> {
    try {
      await this.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  #user(secret: Secret): ForgeUserRecord {
    const data = secret.data ?? {};
    return {
      login: unb64(data['login']),
      id: numericId(secret.metadata.uid),
      siteAdmin: unb64(data['siteAdmin']) === 'true',
      orgs: unb64(data['orgs'])
        .split(',')
        .filter((o) => o !== ''),
      email: unb64(data['email']),
      createdAt: secret.metadata.creationTimestamp ?? new Date(0).toISOString(),
    };
  }

  /**
   * Creates a user with a new token (or `token`, e.g. to keep the admin's across restarts) and
   * resolves with the token, which is not stored.
   */
  async createUser(
    login: string,
    options: { siteAdmin?: boolean; orgs?: string[]; email?: string; token?: string } = {},
  ): Promise<{ user: ForgeUserRecord; token: string }> {
    checkNamePart('user login', login);
    for (const org of options.orgs ?? []) checkNamePart('organization', org);
    const token = options.token ?? `kfp_${randomBytes(20).toString('hex')}`;
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: userSecretType,
      metadata: { name: `user-${login}`, namespace: this.namespace, labels: { [userLabel]: login } },
      data: {
        login: b64(login),
        tokenSha256: b64(tokenDigest(token)),
        siteAdmin: b64(String(options.siteAdmin ?? false)),
        orgs: b64((options.orgs ?? []).join(',')),
        email: b64(options.email ?? `${login}@users.noreply.keelson.local`),
      },
    };
    try {
      return { user: this.#user(await this.client.create(secret)), token };
    } catch (error) {
      if (isAlreadyExists(error))
        throw new KeelsonError('KEELSON_ALREADY_EXISTS', `forge user ${login} already exists`);
      throw error;
    }
  }

  async getUser(login: string): Promise<ForgeUserRecord | undefined> {
    const slug = botApp(login);
    if (slug !== undefined) {
      const app = await this.getApp(slug);
      return app && this.botUser(app);
    }
    const secret = await this.client.tryGet<Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: this.namespace,
      name: `user-${login}`,
    });
    return secret?.type === userSecretType ? this.#user(secret) : undefined;
  }

  async userByToken(token: string): Promise<ForgeUserRecord | undefined> {
    const digest = b64(tokenDigest(token));
    const secrets = await this.client.list<Secret>('v1', 'Secret', {
      namespace: this.namespace,
      labelSelector: userLabel,
    });
    const found = secrets.items.find((s) => s.type === userSecretType && s.data?.['tokenSha256'] === digest);
    return found ? this.#user(found) : undefined;
  }

  /** The bot user an app's installation tokens act as: `<slug>[bot]`, with an id of its own. */
  botUser(app: ForgeAppRecord): ForgeUserRecord {
    return {
      login: `${app.slug}[bot]`,
      id: app.id + 1,
      siteAdmin: false,
      orgs: [],
      email: `${app.id + 1}+${app.slug}[bot]@users.noreply.keelson.local`,
      createdAt: app.createdAt,
      app: app.slug,
    };
  }

  #app(secret: Secret): ForgeAppRecord {
    const data = secret.data ?? {};
    return {
      id: numericId(secret.metadata.uid) % 10 ** 9,
      slug: unb64(data['slug']),
      name: unb64(data['name']),
      owner: unb64(data['owner']),
      publicKey: unb64(data['publicKey']),
      createdAt: secret.metadata.creationTimestamp ?? new Date(0).toISOString(),
    };
  }

  /** Registers an app with its public key; its id, like a user's, comes from the Secret's uid. */
  async createApp(
    slug: string,
    input: { name: string; owner: string; publicKey: string },
  ): Promise<ForgeAppRecord> {
    checkNamePart('app slug', slug);
    const name = `app-${slug}`;
    try {
      const created = await this.client.create<Secret>({
        apiVersion: 'v1',
        kind: 'Secret',
        type: appSecretType,
        metadata: { name, namespace: this.namespace, labels: { [appLabel]: slug } },
        data: {
          slug: b64(slug),
          name: b64(input.name),
          owner: b64(input.owner),
          publicKey: b64(input.publicKey),
        },
      });
      return this.#app(created);
    } catch (error) {
      if (isAlreadyExists(error))
        throw new KeelsonError('KEELSON_ALREADY_EXISTS', `forge app ${slug} already exists`);
      throw error;
    }
  }

  async getApp(slug: string): Promise<ForgeAppRecord | undefined> {
    if (!new RegExp(forgeNamePattern).test(slug)) return undefined;
    const secret = await this.client.tryGet<Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: this.namespace,
      name: `app-${slug}`,
    });
    return secret?.type === appSecretType ? this.#app(secret) : undefined;
  }

  async appById(id: number): Promise<ForgeAppRecord | undefined> {
    const secrets = await this.client.list<Secret>('v1', 'Secret', {
      namespace: this.namespace,
      labelSelector: appLabel,
    });
    return secrets.items
      .filter((s) => s.type === appSecretType)
      .map((s) => this.#app(s))
      .find((a) => a.id === id);
  }

  #installation(secret: Secret): ForgeInstallationRecord {
    const data = secret.data ?? {};
    return {
      id: numericId(secret.metadata.uid) % 10 ** 9,
      appSlug: unb64(data['appSlug']),
      account: unb64(data['account']),
      tokens: JSON.parse(unb64(data['tokens']) || '[]') as InstallationToken[],
      createdAt: secret.metadata.creationTimestamp ?? new Date(0).toISOString(),
      name: secret.metadata.name ?? '',
    };
  }

  /** Installs an app on an account (a user or an organization), for all its repositories. */
  async createInstallation(app: ForgeAppRecord, account: string): Promise<ForgeInstallationRecord> {
    checkNamePart('installation account', account);
    try {
      return this.#installation(
        await this.client.create<Secret>({
          apiVersion: 'v1',
          kind: 'Secret',
          type: installationSecretType,
          metadata: {
            name: `installation-${app.slug}-${account}`,
            namespace: this.namespace,
            labels: { [installationLabel]: account, [appLabel]: app.slug },
          },
          data: { appSlug: b64(app.slug), account: b64(account), tokens: b64('[]') },
        }),
      );
    } catch (error) {
      if (isAlreadyExists(error))
        throw new KeelsonError(
          'KEELSON_ALREADY_EXISTS',
          `forge app ${app.slug} is already installed on ${account}`,
        );
      throw error;
    }
  }

  /** Installations, of one app or of all. */
  async listInstallations(appSlug?: string): Promise<ForgeInstallationRecord[]> {
    const secrets = await this.client.list<Secret>('v1', 'Secret', {
      namespace: this.namespace,
      labelSelector:
        appSlug === undefined ? installationLabel : `${installationLabel},${appLabel}=${appSlug}`,
    });
    return secrets.items.filter((s) => s.type === installationSecretType).map((s) => this.#installation(s));
  }

  async getInstallation(appSlug: string, account: string): Promise<ForgeInstallationRecord | undefined> {
    const secret = await this.client.tryGet<Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: this.namespace,
      name: `installation-${appSlug}-${account}`,
    });
    return secret?.type === installationSecretType ? this.#installation(secret) : undefined;
  }

  /** Records a new token's hash on an installation, dropping the hashes of expired ones. */
  async addInstallationToken(
    installation: ForgeInstallationRecord,
    token: InstallationToken,
    now: Date,
  ): Promise<void> {
    for (;;) {
      const live = await this.client.get<Secret>({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: this.namespace,
        name: installation.name,
      });
      const tokens = this.#installation(live).tokens.filter((t) => Date.parse(t.expiresAt) > now.getTime());
      live.data = { ...live.data, tokens: b64(JSON.stringify([...tokens, token])) };
      try {
        await this.client.update(live);
        return;
      } catch (error) {
        if (!(error instanceof KeelsonError && error.code === 'KEELSON_CONFLICT')) throw error;
      }
    }
  }

  /** The installation a token was issued for, and when the token expires (expired ones included). */
  async installationByToken(
    token: string,
  ): Promise<{ installation: ForgeInstallationRecord; expiresAt: string } | undefined> {
    const digest = tokenDigest(token);
    for (const installation of await this.listInstallations()) {
      const found = installation.tokens.find((t) => t.sha256 === digest);
      if (found) return { installation, expiresAt: found.expiresAt };
    }
    return undefined;
  }

  async getRepository(owner: string, name: string): Promise<ForgeRepository | undefined> {
    if (!new RegExp(forgeNamePattern).test(owner) || !new RegExp(forgeNamePattern).test(name))
      return undefined;
    return this.client.tryGet<ForgeRepository>({
      apiVersion: forgeApiVersion,
      kind: 'Repository',
      namespace: this.namespace,
      name: repositoryObjectName(owner, name),
    });
  }

  async listRepositories(): Promise<ForgeRepository[]> {
    return (
      await this.client.list<ForgeRepository>(forgeApiVersion, 'Repository', { namespace: this.namespace })
    ).items;
  }

  async createRepository(spec: ForgeRepository['spec']): Promise<ForgeRepository> {
    checkNamePart('repository owner', spec.owner);
    checkNamePart('repository name', spec.name);
    try {
      const created = await this.client.create<ForgeRepository>({
        apiVersion: forgeApiVersion,
        kind: 'Repository',
        metadata: { name: repositoryObjectName(spec.owner, spec.name), namespace: this.namespace },
        spec,
      });
      created.status = { id: numericId(created.metadata.uid), nextNumber: 1, nextId: 1 };
      return await this.client.update(created, { subresource: 'status' });
    } catch (error) {
      if (isAlreadyExists(error))
        throw new KeelsonError(
          'KEELSON_ALREADY_EXISTS',
          `repository ${spec.owner}/${spec.name} already exists`,
        );
      throw error;
    }
  }

  /** Takes `count` numbers from the repository's `nextNumber` or `nextId` counter. */
  async allocate(repo: ForgeRepository, counter: 'nextNumber' | 'nextId'): Promise<number> {
    for (;;) {
      const live = await this.client.get<ForgeRepository>({
        apiVersion: forgeApiVersion,
        kind: 'Repository',
        namespace: this.namespace,
        name: repo.metadata.name ?? '',
      });
      const value = live.status?.[counter] ?? 1;
      live.status = { ...live.status, [counter]: value + 1 };
      try {
        await this.client.update(live, { subresource: 'status' });
        return value;
      } catch (error) {
        if (!(error instanceof KeelsonError && error.code === 'KEELSON_CONFLICT')) throw error;
      }
    }
  }

  async updateRepository(repo: ForgeRepository): Promise<ForgeRepository> {
    return this.client.update(repo);
  }

  async getPull(repo: ForgeRepository, number: number): Promise<ForgePullRequest | undefined> {
    if (!Number.isInteger(number) || number < 1) return undefined;
    return this.client.tryGet<ForgePullRequest>({
      apiVersion: forgeApiVersion,
      kind: 'PullRequest',
      namespace: this.namespace,
      name: `${repo.metadata.name ?? ''}.${number}`,
    });
  }

  async listPulls(repo: ForgeRepository): Promise<ForgePullRequest[]> {
    const list = await this.client.list<ForgePullRequest>(forgeApiVersion, 'PullRequest', {
      namespace: this.namespace,
      labelSelector: `${repositoryLabel}=${repo.metadata.name ?? ''}`,
    });
    return list.items.sort((a, b) => a.spec.number - b.spec.number);
  }

  async createPull(
    repo: ForgeRepository,
    spec: ForgePullRequest['spec'],
    status: NonNullable<ForgePullRequest['status']>,
  ): Promise<ForgePullRequest> {
    const created = await this.client.create<ForgePullRequest>({
      apiVersion: forgeApiVersion,
      kind: 'PullRequest',
      metadata: {
        name: `${repo.metadata.name ?? ''}.${spec.number}`,
        namespace: this.namespace,
        labels: { [repositoryLabel]: repo.metadata.name ?? '' },
      },
      spec,
    });
    created.status = status;
    return this.client.update(created, { subresource: 'status' });
  }

  /** Writes a pull request whose spec and/or status changed (spec first, then status). */
  async savePull(before: ForgePullRequest, after: ForgePullRequest): Promise<ForgePullRequest> {
    let saved = after;
    if (JSON.stringify(before.spec) !== JSON.stringify(after.spec)) {
      saved = await this.client.update(after);
      if (after.status) saved.status = after.status;
    }
    if (JSON.stringify(before.status) !== JSON.stringify(after.status))
      saved = await this.client.update(saved, { subresource: 'status' });
    return saved;
  }

  async getStatuses(repo: ForgeRepository, sha: string): Promise<ForgeStatusEntry[]> {
    const object = await this.client.tryGet<ForgeCommitStatus>({
      apiVersion: forgeApiVersion,
      kind: 'CommitStatus',
      namespace: this.namespace,
      name: `${repo.metadata.name ?? ''}.${sha}`,
    });
    return object?.spec.statuses ?? [];
  }

  async addStatus(repo: ForgeRepository, sha: string, entry: ForgeStatusEntry): Promise<void> {
    const ref = {
      apiVersion: forgeApiVersion,
      kind: 'CommitStatus',
      namespace: this.namespace,
      name: `${repo.metadata.name ?? ''}.${sha}`,
    };
    for (;;) {
      const live = await this.client.tryGet<ForgeCommitStatus>(ref);
      try {
        if (live === undefined) {
          await this.client.create<ForgeCommitStatus>({
            apiVersion: forgeApiVersion,
            kind: 'CommitStatus',
            metadata: {
              name: ref.name,
              namespace: this.namespace,
              labels: { [repositoryLabel]: repo.metadata.name ?? '' },
            },
            spec: { repository: repo.metadata.name ?? '', sha, statuses: [entry] },
          });
        } else {
          // GitHub keeps at most 1000 statuses per sha and context; keep the newest 100 per sha here
          live.spec.statuses = [...live.spec.statuses, entry].slice(-100);
          await this.client.update(live);
        }
        return;
      } catch (error) {
        const retry =
          isAlreadyExists(error) || (error instanceof KeelsonError && error.code === 'KEELSON_CONFLICT');
        if (!retry) throw error;
      }
    }
  }

  async readSecretKey(name: string, key: string): Promise<string | undefined> {
    try {
      const secret = await this.client.get<Secret>({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: this.namespace,
        name,
      });
      const value = secret.data?.[key];
      return value === undefined ? undefined : unb64(value);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async writeSecret(
    name: string,
    data: Record<string, string>,
    labels: Record<string, string>,
  ): Promise<void> {
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)]));
    await this.client.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: this.namespace, labels },
        data: encoded,
      },
      { fieldManager: 'keelson-forge', force: true },
    );
  }
}
