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

/** A forge user: a Secret `user-<login>` holding the sha256 of the token, never the token. */
export interface ForgeUserRecord {
  login: string;
  id: number;
  siteAdmin: boolean;
  orgs: string[];
  email: string;
  createdAt: string;
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
