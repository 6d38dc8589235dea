/**
 * The contract between the GitRepository controller and a git implementation: resolve a ref
 * without fetching, fetch a revision into a content-addressed artifact directory, and
 * garbage-collect artifacts nobody references. Every implementation passes
 * `git-source.contract.ts`.
 */

/**
 * Which revision to follow, as in Flux's `GitRepository.spec.ref`. When several fields are set the
 * most specific wins: `commit` > `name` > `semver` > `tag` > `branch`. `commit` may be combined with
 * `branch`, and then the commit must be on that branch. With no field set, the remote's default
 * branch (what its HEAD points at, else `main`) is followed.
 */
export interface GitRef {
  /** A branch name such as `main` (not `refs/heads/main`). */
  branch?: string;
  /** A tag name such as `v1.2.3`. */
  tag?: string;
  /** A semver range over the remote's tags (`>=1.0.0 <2.0.0`, `^1.2`, `~1.2.3`); tags may carry a `v`. */
  semver?: string;
  /** A full ref name such as `refs/pull/1/head`. */
  name?: string;
  /** A full 40-hex commit sha. */
  commit?: string;
}

/** Credentials for http(s) remotes; ignored for local ones. Never logged nor put on a command line. */
export type GitAuth = { username: string; password: string } | { bearerToken: string };

/** What a ref points at now on the remote. */
export interface ResolvedRevision {
  /** The remote's URL, without credentials. */
  url: string;
  /**
   * Flux's revision string: `<branch|tag|ref name>@sha1:<sha>`, or `sha1:<sha>` for a commit given
   * without a branch.
   */
  revision: string;
  /** The commit sha (annotated tags are peeled to their commit). */
  commit: string;
  /** The full ref name followed (`refs/heads/main`, `refs/tags/v1.0.0`); absent for a bare commit. */
  refName?: string;
}

/** A revision's tree, materialised on disk. */
export interface GitArtifact extends ResolvedRevision {
  /**
   * The directory holding the files (no `.git`, ignored paths removed). It is shared by every fetch
   * whose content is the same, so treat it as read-only.
   */
  dir: string;
  /** `sha256:<hex>` over the sorted file paths, their executable bits and their contents. */
  digest: string;
  /** When this fetch finished, RFC 3339. */
  fetchedAt: string;
  /** True when an artifact of this revision (and ignore rules) already existed and no objects were fetched. */
  reused: boolean;
}

export interface ResolveOptions {
  signal?: AbortSignal;
}

export interface FetchOptions {
  /**
   * Extra exclusions in `.gitignore` syntax, as Flux's `spec.ignore`. When set, or when the tree
   * holds `.sourceignore` files, they replace the default exclusion list (VCS files are always
   * excluded).
   */
  ignore?: string;
  signal?: AbortSignal;
}

export interface PruneResult {
  /** Digests of the artifacts removed. */
  removed: string[];
}

/** A git implementation the GitRepository controller reads remotes through. */
export interface GitSource {
  /**
   * What `ref` points at on the remote now, without fetching objects, so a caller can skip the fetch
   * when the revision has not moved. Throws a KeelsonError whose code says what to do:
   * `KEELSON_INVALID` for a ref or URL that can never work (terminal); a GitError with
   * `KEELSON_NOT_FOUND` (missing ref or repository), `KEELSON_UNAUTHORIZED`, `KEELSON_TIMEOUT`, or
   * `KEELSON_UNAVAILABLE` for anything else the remote said (worth a retry).
   */
  resolve(url: string, ref: GitRef, auth?: GitAuth, options?: ResolveOptions): Promise<ResolvedRevision>;
  /**
   * Fetches the revision `ref` points at (shallow where possible) and materialises its tree. Two
   * fetches of the same commit with the same ignore rules return the same directory, the second
   * without fetching objects.
   */
  fetch(url: string, ref: GitRef, auth?: GitAuth, options?: FetchOptions): Promise<GitArtifact>;
  /**
   * Removes every artifact whose digest is not in `keep`, except those a fetch handed out within the
   * implementation's grace period (so a fetch whose caller has not yet recorded it survives).
   */
  prune(keep: Iterable<string>): Promise<PruneResult>;
}

/** Milliseconds since the epoch; injected so tests control time. */
export interface GitClock {
  now(): number;
}

/** Structured log sink, the same shape as the runtime's `Logger`. */
export type GitLog = (message: string, fields?: Record<string, unknown>) => void;
