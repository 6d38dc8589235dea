import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { InvalidError } from '../../base/errors.ts';

/** A remote URL that has been checked: which transport, what to show, where its cache lives. */
export interface GitRemote {
  /** What git is given. */
  gitUrl: string;
  /** What messages and logs show; the same as gitUrl, as credentials are refused up front. */
  display: string;
  transport: 'local' | 'http';
  /** A stable file-name-safe key for the per-URL cache. */
  key: string;
}

/**
 * Accepts an absolute local path, a file:// URL, or an http(s):// URL without credentials (they go
 * in `auth`, so they never reach a command line). Anything else is invalid for good.
 */
export function parseRemote(url: string): GitRemote {
  if (url.startsWith('/')) {
    const local = path.resolve(url);
    return { gitUrl: local, display: local, transport: 'local', key: keyOf(`file://${local}`) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    let local: string;
    try {
      local = fileURLToPath(url);
    } catch {
      throw new InvalidError(`invalid git url "${withoutCredentials(url)}"`);
    }
    return { gitUrl: url, display: url, transport: 'local', key: keyOf(`file://${path.resolve(local)}`) };
  }
  if (scheme === 'http' || scheme === 'https') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidError(`invalid git url "${withoutCredentials(url)}"`);
    }
    if (parsed.username !== '' || parsed.password !== '') {
      throw new InvalidError(
        `git url "${withoutCredentials(url)}" carries credentials: pass them as auth instead of in the url`,
      );
    }
    return { gitUrl: url, display: url, transport: 'http', key: keyOf(url) };
  }
  throw new InvalidError(
    `unsupported git url "${withoutCredentials(url)}": use an absolute path, file://, http:// or https://`,
  );
}

/** Drops a `user:password@` part, wherever it stands in a URL-ish string. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1').replace(/^[^/:@]+(:[^/@]*)?@/, '');
}

function keyOf(identity: string): string {
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}
