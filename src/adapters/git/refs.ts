/**
 * Flux's ref semantics over a `git ls-remote` listing: which refs to ask for, and which one wins.
 * Pure: no I/O, so every rule is testable without a remote.
 */
import semver from 'semver';

import { InvalidError } from '../../base/errors.ts';
import { GitError } from './git-error.ts';
import type { GitRef, ResolvedRevision } from './source.ts';

/** The branch followed when the remote's HEAD names none. */
export const fallbackBranch = 'main';

export type RefKind = 'commit' | 'name' | 'semver' | 'tag' | 'branch' | 'default';

/** The field of `ref` that decides, in Flux's precedence order; throws InvalidError for values git would refuse. */
export function refKind(ref: GitRef): RefKind {
  if (ref.branch !== undefined) checkRefName(`refs/heads/${ref.branch}`, 'branch', ref.branch);
  if (ref.tag !== undefined) checkRefName(`refs/tags/${ref.tag}`, 'tag', ref.tag);
  if (ref.name !== undefined) {
    if (!ref.name.startsWith('refs/')) {
      throw new InvalidError(`ref name "${ref.name}" must be a full ref name starting with refs/`);
    }
    checkRefName(ref.name, 'ref name', ref.name);
  }
  if (ref.semver !== undefined && semverRange(ref.semver) === null) {
    throw new InvalidError(`semver range "${ref.semver}" is invalid`);
  }
  if (ref.commit !== undefined && !/^[0-9a-f]{40}$/.test(ref.commit)) {
    throw new InvalidError(`commit "${ref.commit}" must be a full 40-hex sha1 in lowercase`);
  }
  if (ref.commit !== undefined) return 'commit';
  if (ref.name !== undefined) return 'name';
  if (ref.semver !== undefined) return 'semver';
  if (ref.tag !== undefined) return 'tag';
  if (ref.branch !== undefined) return 'branch';
  return 'default';
}

/** The rules of `git check-ref-format`, plus no leading `-` (it would read as an option). */
function checkRefName(full: string, what: string, value: string): void {
  const bad =
    value === '' ||
    value.startsWith('-') ||
    full.endsWith('/') ||
    full.endsWith('.') ||
    full.includes('..') ||
    full.includes('//') ||
    full.includes('@{') ||
    // eslint-disable-next-line no-control-regex
    /[\x00-\x20\x7f~^:?*[\\]/.test(full) ||
    full.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'));
  if (bad) throw new InvalidError(`${what} "${value}" is not a valid git ref name`);
}

/**
 * Parses a range as Flux (Masterminds semver) writes it: commas mean AND, as spaces do in npm's
 * syntax. Returns null for a range that can never parse.
 */
export function semverRange(range: string): semver.Range | null {
  try {
    return new semver.Range(range.replace(/,/g, ' '));
  } catch {
    return null;
  }
}

/** What `git ls-remote` is asked for a ref: only what the decision needs, so big remotes stay cheap. */
export interface LsRemoteQuery {
  symref: boolean;
  tags: boolean;
  patterns: string[];
}

export function lsRemoteQuery(ref: GitRef): LsRemoteQuery {
  const kind = refKind(ref);
  switch (kind) {
    case 'commit':
      return ref.branch === undefined
        ? { symref: false, tags: false, patterns: ['HEAD'] }
        : { symref: false, tags: false, patterns: [`refs/heads/${ref.branch}`] };
    case 'name':
      return { symref: false, tags: false, patterns: [ref.name!, `${ref.name!}^{}`] };
    case 'semver':
      return { symref: false, tags: true, patterns: [] };
    case 'tag':
      return { symref: false, tags: false, patterns: [`refs/tags/${ref.tag!}`, `refs/tags/${ref.tag!}^{}`] };
    case 'branch':
      return { symref: false, tags: false, patterns: [`refs/heads/${ref.branch!}`] };
    case 'default':
      return { symref: true, tags: false, patterns: ['HEAD', `refs/heads/${fallbackBranch}`] };
  }
}

/** A parsed `git ls-remote [--symref]` listing. */
export interface RefListing {
  /** Ref name → the object it points at (for annotated tags, the tag object). */
  refs: Map<string, string>;
  /** Ref name → the commit an annotated tag peels to (from the `^{}` lines). */
  peeled: Map<string, string>;
  /** The branch HEAD names, from `ref: refs/heads/main\tHEAD`. */
  head?: string;
}

export function parseLsRemote(output: string): RefListing {
  const listing: RefListing = { refs: new Map(), peeled: new Map() };
  for (const line of output.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const left = line.slice(0, tab);
    const name = line.slice(tab + 1).trim();
    if (left.startsWith('ref: ')) {
      if (name === 'HEAD') listing.head = left.slice('ref: '.length);
    } else if (name.endsWith('^{}')) {
      listing.peeled.set(name.slice(0, -3), left);
    } else {
      listing.refs.set(name, left);
    }
  }
  return listing;
}

/** Flux's revision string. */
export function formatRevision(refLabel: string | undefined, commit: string): string {
  return refLabel === undefined ? `sha1:${commit}` : `${refLabel}@sha1:${commit}`;
}

/**
 * Picks what `ref` points at in `listing`, or throws a NotFound GitError naming the ref and the
 * remote. For `commit` the listing only proves the branch exists: whether the commit does is known
 * only once it is fetched.
 */
export function selectRevision(ref: GitRef, listing: RefListing, url: string): ResolvedRevision {
  const kind = refKind(ref);
  const tip = (name: string): string | undefined => listing.peeled.get(name) ?? listing.refs.get(name);
  const found = (refName: string, label: string): ResolvedRevision => {
    const commit = tip(refName);
    if (commit === undefined) throw refNotFound(refName, url);
    return { url, revision: formatRevision(label, commit), commit, refName };
  };
  switch (kind) {
    case 'commit': {
      const commit = ref.commit!;
      if (ref.branch === undefined) return { url, revision: formatRevision(undefined, commit), commit };
      const refName = `refs/heads/${ref.branch}`;
      if (tip(refName) === undefined) throw refNotFound(refName, url);
      return { url, revision: formatRevision(ref.branch, commit), commit, refName };
    }
    case 'name':
      return found(ref.name!, ref.name!);
    case 'semver': {
      const tag = highestTag(listing, ref.semver!);
      if (tag === undefined) {
        throw new GitError(
          'KEELSON_NOT_FOUND',
          `no tag in ${url} matches semver range "${ref.semver!}"`,
          url,
        );
      }
      return found(`refs/tags/${tag}`, tag);
    }
    case 'tag':
      return found(`refs/tags/${ref.tag!}`, ref.tag!);
    case 'branch':
      return found(`refs/heads/${ref.branch!}`, ref.branch!);
    case 'default': {
      const head = listing.head;
      if (head !== undefined && head.startsWith('refs/heads/')) {
        const commit = listing.refs.get('HEAD') ?? tip(head);
        if (commit === undefined) throw refNotFound(head, url);
        return {
          url,
          revision: formatRevision(head.slice('refs/heads/'.length), commit),
          commit,
          refName: head,
        };
      }
      return found(`refs/heads/${fallbackBranch}`, fallbackBranch);
    }
  }
}

/** The tag with the highest version satisfying `range`; prereleases only when the range names one. */
export function highestTag(listing: RefListing, range: string): string | undefined {
  const parsed = semverRange(range);
  if (parsed === null) return undefined;
  let best: { tag: string; version: semver.SemVer } | undefined;
  for (const name of listing.refs.keys()) {
    if (!name.startsWith('refs/tags/')) continue;
    const tag = name.slice('refs/tags/'.length);
    const version = semver.parse(tag);
    if (version === null || !parsed.test(version)) continue;
    const order = best === undefined ? 1 : version.compare(best.version);
    // equal versions (`v1.0.0` and `1.0.0`) fall to the name, so the choice never depends on listing order
    if (order > 0 || (order === 0 && best !== undefined && tag > best.tag)) best = { tag, version };
  }
  return best?.tag;
}

export function refNotFound(refName: string, url: string): GitError {
  return new GitError('KEELSON_NOT_FOUND', `ref "${refName}" not found in ${url}`, url);
}
