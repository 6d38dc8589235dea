/**
 * The GitRepository reconcile loop, Flux source-controller's shape: get → finalizer → suspend →
 * Reconciling → resolve the ref (`git ls-remote`) → fetch only when the revision moved → Ready →
 * status patch in a `finally` → requeue after the jittered interval.
 */
import { stat } from 'node:fs/promises';

import type { Artifact, GitRepository } from '../../api/crds/index.ts';
import { sourceGroup } from '../../api/crds/git-repository.ts';
import type { Clock } from '../../base/clock.ts';
import { KeelsonError } from '../../base/errors.ts';
import { rfc3339 } from '../../base/time.ts';
import { refKind, type GitAuth, type GitRef, type GitSource } from '../../adapters/git/index.ts';
import { isNotFound, refOf, type KubeClient } from '../../runtime/client.ts';
import { findCondition, markNotReady, markReady, markReconciling, Ready } from '../../runtime/conditions.ts';
import {
  requestKey,
  TerminalError,
  type Logger,
  type Reconciler,
  type Request,
  type Result,
} from '../../runtime/controller.ts';
import type { EventSink } from '../../runtime/events.ts';
import { keyOf, type Informer } from '../../runtime/informer.ts';
import { authFromSecret, InvalidCredentialsError, type Secret } from '../../adapters/git/credentials.ts';
import { parseDuration } from '../../base/duration.ts';
import {
  AuthenticationFailed,
  failureOf,
  InvalidRef,
  InvalidSpec,
  NewArtifact,
  Progressing,
  ProgressingWithRetry,
  ReconcileFailure,
  Succeeded,
} from './reasons.ts';
import { requestedAtAnnotation } from '../../api/crds/index.ts';
import { jittered, statusPatch } from '../../runtime/status.ts';

export const gitRepositoryApiVersion = `${sourceGroup}/v1`;
/** Held until the artifacts only this GitRepository referenced are released. */
export const gitRepositoryFinalizer = 'source.keelson.dev/finalizer';
export { requestedAtAnnotation };

/** How far a requeue strays from spec.interval, either way, so repositories do not poll in step. */
const defaultTimeoutMs = 60_000;

type GitRepositoryStatus = NonNullable<GitRepository['status']>;

export interface GitRepositoryReconcilerDeps {
  client: KubeClient;
  /** The cache of GitRepositories the controller watches. */
  gitRepositories: Informer<GitRepository>;
  /** The cache of Secrets that `spec.secretRef` is read from. */
  secrets: Informer<Secret>;
  git: GitSource;
  clock: Pick<Clock, 'now'>;
  log: Logger;
  events?: EventSink | undefined;
  /** In [0, 1); jitters the requeue. Math.random unless a test pins it. */
  random?: (() => number) | undefined;
}

/**
 * Keeps `status.artifact` at the revision `spec.ref` points at. Level-based: every call reads the
 * whole object, asks the remote where the ref is now (cheap), and fetches only when that differs
 * from the stored artifact or the artifact is gone. Transient failures (authentication, a missing
 * ref or Secret, an unreachable remote) are thrown and retried with backoff; an invalid spec is a
 * TerminalError with Stalled=True, retried once the object changes.
 */
export class GitRepositoryReconciler implements Reconciler {
  readonly #client: KubeClient;
  readonly #repositories: Informer<GitRepository>;
  readonly #secrets: Informer<Secret>;
  readonly #git: GitSource;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #log: Logger;
  readonly #events: EventSink | undefined;
  readonly #random: () => number;

  constructor(deps: GitRepositoryReconcilerDeps) {
    this.#client = deps.client;
    this.#repositories = deps.gitRepositories;
    this.#secrets = deps.secrets;
    this.#git = deps.git;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#events = deps.events;
    this.#random = deps.random ?? Math.random;
  }

  async reconcile(request: Request, signal: AbortSignal): Promise<Result> {
    let object = this.#repositories.get(requestKey(request));
    if (object === undefined) return {};
    if (object.metadata.deletionTimestamp !== undefined) return this.#finalize(object);
    if (!object.metadata.finalizers?.includes(gitRepositoryFinalizer)) {
      object = await this.#addFinalizer(object);
    }
    if (object.spec.suspend === true) {
      this.#log('gitrepository suspended; not reconciling', { gitrepository: keyOf(object) });
      return {};
    }
    return this.#reconcileArtifact(object, signal);
  }

  async #reconcileArtifact(object: GitRepository, signal: AbortSignal): Promise<Result> {
    const before: GitRepositoryStatus = structuredClone(object.status ?? {});
    const status: GitRepositoryStatus = structuredClone(before);
    const generation = object.metadata.generation;
    const requestedAt = object.metadata.annotations?.[requestedAtAnnotation];
    const { url } = object.spec;
    let timeout: { signal: AbortSignal; ms: number } | undefined;
    try {
      const { intervalMs, timeoutMs } = durationsOf(object);
      markReconciling(status, Progressing, `reconciling revision of ${url}`, this.#now(), generation);
      const ref = checkedRef(object);
      const auth = this.#credentials(object);
      timeout = { signal: AbortSignal.timeout(timeoutMs), ms: timeoutMs };
      const gitSignal = AbortSignal.any([signal, timeout.signal]);

      const resolved = await this.#git.resolve(url, ref, auth, { signal: gitSignal });
      if (!(await isUpToDate(object, resolved.revision))) {
        const fetched = await this.#git.fetch(url, ref, auth, {
          signal: gitSignal,
          ...(object.spec.ignore !== undefined && { ignore: object.spec.ignore }),
        });
        const previous = status.artifact;
        status.artifact = artifactOf(fetched, previous, this.#now());
        if (previous?.revision !== fetched.revision || previous.digest !== fetched.digest) {
          this.#log('stored git artifact', {
            gitrepository: keyOf(object),
            revision: fetched.revision,
            digest: fetched.digest,
            reused: fetched.reused,
          });
          this.#events?.event(object, 'Normal', NewArtifact, storedMessage(fetched.revision));
        }
      }
      markReady(status, Succeeded, storedMessage(status.artifact!.revision), this.#now(), generation);
      return { requeueAfter: this.#jitter(intervalMs) };
    } catch (error) {
      if (signal.aborted) throw error;
      const timedOut = timeout?.signal.aborted === true ? timeout.ms : undefined;
      const failure = failureOf(error, url, timedOut);
      const wasReady = findCondition(before, Ready);
      markNotReady(status, failure.reason, failure.message, this.#now(), {
        ...(generation !== undefined && { generation }),
        stalled: failure.terminal,
      });
      if (!failure.terminal) {
        markReconciling(status, ProgressingWithRetry, failure.message, this.#now(), generation);
      }
      if (wasReady?.status !== 'False' || wasReady.message !== failure.message) {
        this.#events?.event(object, 'Warning', failure.reason, failure.message);
      }
      if (failure.terminal) throw new TerminalError(failure.message, { cause: error });
      throw failure;
    } finally {
      if (!signal.aborted) {
        if (requestedAt !== undefined) status.lastHandledReconcileAt = requestedAt;
        await this.#writeStatus(object, before, status);
      }
    }
  }

  /** The credentials spec.secretRef names, read from the Secret cache. */
  #credentials(object: GitRepository): GitAuth | undefined {
    const secretRef = object.spec.secretRef;
    if (secretRef === undefined) return undefined;
    const key = `${object.metadata.namespace ?? ''}/${secretRef.name}`;
    const secret = this.#secrets.get(key);
    if (secret === undefined) {
      throw new ReconcileFailure(
        AuthenticationFailed,
        `cannot authenticate to ${object.spec.url}: secret ${key} (spec.secretRef) not found`,
        false,
      );
    }
    try {
      return authFromSecret(secret);
    } catch (error) {
      if (!(error instanceof InvalidCredentialsError)) throw error;
      throw new ReconcileFailure(
        AuthenticationFailed,
        `cannot authenticate to ${object.spec.url}: ${error.message}`,
        true,
      );
    }
  }

  /**
   * Releases what the object held: artifacts referenced by no other GitRepository are pruned (the
   * git adapter spares those handed out within its grace period), then the finalizer goes. There is
   * nothing on the cluster to clean.
   */
  async #finalize(object: GitRepository): Promise<Result> {
    const finalizers = object.metadata.finalizers ?? [];
    if (!finalizers.includes(gitRepositoryFinalizer)) return {};
    const key = keyOf(object);
    const keep = this.#repositories
      .list()
      .filter((other) => keyOf(other) !== key)
      .map((other) => other.status?.artifact?.digest)
      .filter((digest) => digest !== undefined);
    const { removed } = await this.#git.prune(keep);
    this.#log('released git artifacts of deleted gitrepository', {
      gitrepository: key,
      removed: removed.length,
    });
    try {
      await this.#client.patch(refOf(object), {
        metadata: {
          finalizers: finalizers.filter((f) => f !== gitRepositoryFinalizer),
          resourceVersion: object.metadata.resourceVersion,
        },
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return {};
  }

  /** Adds the finalizer before any work, so an artifact is never stored for an object that can vanish unseen. */
  async #addFinalizer(object: GitRepository): Promise<GitRepository> {
    return this.#client.patch<GitRepository>(refOf(object), {
      metadata: {
        finalizers: [...(object.metadata.finalizers ?? []), gitRepositoryFinalizer],
        resourceVersion: object.metadata.resourceVersion,
      },
    });
  }

  /** Merge-patches the status subresource with what changed, and nothing when nothing did. */
  async #writeStatus(
    object: GitRepository,
    before: GitRepositoryStatus,
    after: GitRepositoryStatus,
  ): Promise<void> {
    const patch = statusPatch(before, after);
    if (patch === undefined) return;
    try {
      await this.#client.patchStatus(refOf(object), patch);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  #now(): Date {
    return new Date(this.#clock.now());
  }

  #jitter(intervalMs: number): number {
    return jittered(intervalMs, this.#random);
  }
}

function storedMessage(revision: string): string {
  return `stored artifact for revision '${revision}'`;
}

/** spec.interval and spec.timeout in ms; a duration that cannot be used is a terminal failure. */
function durationsOf(object: GitRepository): { intervalMs: number; timeoutMs: number } {
  const positive = (field: string, text: string | undefined, fallback?: number): number => {
    if (text === undefined && fallback !== undefined) return fallback;
    const ms = text === undefined ? undefined : parseDuration(text);
    if (ms === undefined || ms <= 0) {
      throw new ReconcileFailure(
        InvalidSpec,
        `spec.${field} "${text ?? ''}" is not a positive duration such as 30s, 1m30s or 1h`,
        true,
      );
    }
    return ms;
  };
  return {
    intervalMs: positive('interval', object.spec.interval),
    timeoutMs: positive('timeout', object.spec.timeout, defaultTimeoutMs),
  };
}

/** spec.ref, checked up front so that a bad ref reads InvalidRef, not a git failure. */
function checkedRef(object: GitRepository): GitRef {
  const ref: GitRef = object.spec.ref ?? {};
  try {
    refKind(ref);
  } catch (error) {
    if (error instanceof KeelsonError && error.code === 'KEELSON_INVALID') {
      throw new ReconcileFailure(InvalidRef, `spec.ref of ${object.spec.url}: ${error.message}`, true);
    }
    throw error;
  }
  return ref;
}

/**
 * Whether the stored artifact already is `revision` for the current spec: same revision, Ready for
 * this generation (spec.ignore may have changed otherwise), and its directory still on disk.
 */
async function isUpToDate(object: GitRepository, revision: string): Promise<boolean> {
  const artifact = object.status?.artifact;
  if (artifact?.revision !== revision || artifact.path === undefined) return false;
  const ready = findCondition(object.status, Ready);
  if (ready?.status !== 'True' || ready.observedGeneration !== object.metadata.generation) return false;
  try {
    return (await stat(artifact.path)).isDirectory();
  } catch {
    return false;
  }
}

/** The status.artifact for a fetch; unchanged (lastUpdateTime included) when nothing moved. */
function artifactOf(
  fetched: { revision: string; digest: string; dir: string },
  previous: Artifact | undefined,
  now: Date,
): Artifact {
  if (
    previous !== undefined &&
    previous.revision === fetched.revision &&
    previous.digest === fetched.digest &&
    previous.path === fetched.dir
  ) {
    return previous;
  }
  return {
    revision: fetched.revision,
    digest: fetched.digest,
    lastUpdateTime: rfc3339(now.getTime()),
    path: fetched.dir,
  };
}
