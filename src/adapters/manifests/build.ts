import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { BuildError } from './errors.ts';
import {
  findKustomizationFile,
  KUSTOMIZATION_FILE_NAMES,
  kustomizeBuild,
  type KustomizeOptions,
  type LoadRestrictor,
} from './kustomize.ts';
import { manifestDigest, parseManifests, type BuiltObject } from './objects.ts';
import { isInside, nameInArtifact, openArtifact, resolveInArtifact, type ArtifactRoot } from './paths.ts';

export interface BuildOptions {
  /** kustomize's `--load-restrictor`. Default `LoadRestrictionsRootOnly`. */
  loadRestrictor?: LoadRestrictor;
  /** How long one kustomize run may take. Default 60 s. */
  timeoutMs?: number;
  /** Cancels a running build (kustomize is killed); the build then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Where to look for `kustomize`, then `kubectl`. Default `process.env.PATH`. */
  searchPath?: string;
}

export interface BuildResult {
  /** In build order: files sorted by name, depth first; kustomize's own order within a kustomization. */
  objects: BuiltObject[];
  /** manifestDigest of the objects: `sha256:<hex>`. */
  digest: string;
  /** The directories built with kustomize, root-relative (`.` for the root); empty for plain manifests. */
  kustomizations: string[];
}

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);
/** Files Flux's source-controller leaves out of every artifact, beyond dot-files (which are all skipped). */
const ignoredNames = new Set([
  'appveyor.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
]);

/**
 * Builds the manifests at `path` inside the artifact directory `dir` (a git checkout), the way
 * Flux's kustomize-controller does:
 *
 * - a directory with a kustomization file (kustomization.yaml, kustomization.yml, Kustomization) is
 *   built by `kustomize build`, or `kubectl kustomize` when there is no kustomize binary;
 * - any other directory is read as plain manifests: every *.yaml, *.yml and *.json below it, sorted,
 *   depth first, each YAML document one object (a `…List` gives its items); dot-files and
 *   dot-directories are skipped; a subdirectory holding a kustomization is built with kustomize
 *   and not read further (Flux's generated kustomization does the same);
 * - a file is read as plain manifests.
 *
 * Nothing outside `dir` is read: `..` above the root, symlinks leading out, and kustomize bases or
 * files outside it are errors, and so are remote kustomize resources. Errors are BuildErrors naming
 * the file, and the line and column when known.
 */
export async function buildManifests(
  dir: string,
  path: string,
  options: BuildOptions = {},
): Promise<BuildResult> {
  options.signal?.throwIfAborted();
  const root = await openArtifact(dir);
  const target = await resolveInArtifact(root, path);
  const kustomize: KustomizeOptions = {
    loadRestrictor: options.loadRestrictor ?? 'LoadRestrictionsRootOnly',
    timeoutMs: options.timeoutMs ?? 60_000,
    searchPath: options.searchPath ?? process.env.PATH ?? '',
    signal: options.signal,
  };
  const kustomizations: string[] = [];
  const objects: BuiltObject[] = [];

  const build = async (directory: string, kustomizationFile: string): Promise<void> => {
    kustomizations.push(nameInArtifact(root, directory));
    for (const built of await kustomizeBuild(root, directory, kustomizationFile, kustomize))
      objects.push(built);
  };

  if (target.directory) {
    const kustomizationFile = await findKustomizationFile(target.real);
    if (kustomizationFile !== undefined) await build(target.real, kustomizationFile);
    else {
      for (const entry of await walk(root, target.real, new Set())) {
        options.signal?.throwIfAborted();
        if (entry.kustomizationFile !== undefined) await build(entry.real, entry.kustomizationFile);
        else for (const built of await readManifests(entry.name, entry.real)) objects.push(built);
      }
    }
  } else if ((KUSTOMIZATION_FILE_NAMES as readonly string[]).includes(basename(target.real))) {
    await build(dirname(target.real), target.real);
  } else {
    objects.push(...(await readManifests(target.name, target.real)));
  }
  return { objects, digest: manifestDigest(objects.map((built) => built.object)), kustomizations };
}

async function readManifests(name: string, file: string): Promise<BuiltObject[]> {
  return parseManifests(await readFile(file, 'utf8'), name, name);
}

interface WalkEntry {
  /** Root-relative, as found (a symlink keeps its own name). */
  name: string;
  real: string;
  /** Set when the entry is a directory to build with kustomize. */
  kustomizationFile?: string;
}

async function walk(root: ArtifactRoot, directory: string, seen: Set<string>): Promise<WalkEntry[]> {
  seen.add(directory);
  const entries: WalkEntry[] = [];
  const names = (await readdir(directory)).sort();
  for (const name of names) {
    if (name.startsWith('.') || ignoredNames.has(name)) continue;
    const path = join(directory, name);
    const isManifest = manifestExtensions.has(extname(name).toLowerCase());
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      // a dangling symlink: fine unless it was to be read
      if (isManifest) {
        const file = nameInArtifact(root, path);
        throw new BuildError('PATH_NOT_FOUND', `${file}: symlink points to nothing`, { file });
      }
      continue;
    }
    const stats = await stat(real);
    if (!stats.isDirectory() && !(stats.isFile() && isManifest)) continue;
    if (!isInside(root, real)) {
      const file = nameInArtifact(root, path);
      throw new BuildError('PATH_OUTSIDE_ROOT', `${file}: symlink leads outside the artifact`, { file });
    }
    if (stats.isFile()) {
      entries.push({ name: nameInArtifact(root, path), real });
      continue;
    }
    if (seen.has(real)) continue; // a symlink loop, or a directory reached twice
    const kustomizationFile = await findKustomizationFile(real);
    if (kustomizationFile !== undefined) {
      seen.add(real);
      entries.push({ name: nameInArtifact(root, path), real, kustomizationFile });
    } else entries.push(...(await walk(root, real, seen)));
  }
  return entries;
}
