import { lstat, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { BuildError } from './errors.ts';

/** An artifact directory, with symlinks resolved once; every path read must resolve inside `real`. */
export interface ArtifactRoot {
  real: string;
}

export async function openArtifact(dir: string): Promise<ArtifactRoot> {
  try {
    const real = await realpath(dir);
    if (!(await stat(real)).isDirectory()) throw new Error('not a directory');
    return { real };
  } catch (error) {
    throw new BuildError(
      'ARTIFACT_NOT_FOUND',
      `artifact directory ${dir} does not exist`,
      {},
      { cause: error },
    );
  }
}

export function isInside(root: ArtifactRoot, real: string): boolean {
  return real === root.real || real.startsWith(root.real.endsWith(sep) ? root.real : root.real + sep);
}

/** The root-relative name of a path inside the root, with `/`; `.` for the root itself. */
export function nameInArtifact(root: ArtifactRoot, real: string): string {
  const rel = relative(root.real, real);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/**
 * Resolves a user-given path (a Sync's `path`) inside the artifact. `..` that would climb above the
 * root is rejected rather than clamped, and so is a path whose symlinks lead outside. A leading `/`
 * means the root, as in Flux.
 */
export async function resolveInArtifact(
  root: ArtifactRoot,
  path: string,
): Promise<{ real: string; name: string; directory: boolean }> {
  const segments: string[] = [];
  for (const segment of path.split(/[\\/]+/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) {
        throw new BuildError('PATH_OUTSIDE_ROOT', `path "${path}" leaves the artifact`);
      }
      segments.pop();
    } else segments.push(segment);
  }
  const joined = join(root.real, ...segments);
  let real: string;
  try {
    await lstat(joined);
    real = await realpath(joined);
  } catch (error) {
    throw new BuildError(
      'PATH_NOT_FOUND',
      `path "${path}" does not exist in the artifact`,
      {},
      { cause: error },
    );
  }
  if (!isInside(root, real)) {
    throw new BuildError('PATH_OUTSIDE_ROOT', `path "${path}" leads outside the artifact through a symlink`);
  }
  const directory = (await stat(real)).isDirectory();
  return { real, name: nameInArtifact(root, real), directory };
}

/**
 * Resolves a path a file refers to (relative to `base`, or absolute). `undefined` when nothing is
 * there; otherwise the real path, which the caller must check with isInside.
 */
export async function resolveReference(base: string, reference: string): Promise<string | undefined> {
  const joined = isAbsolute(reference) ? reference : join(base, reference);
  try {
    return await realpath(joined);
  } catch {
    return undefined;
  }
}
