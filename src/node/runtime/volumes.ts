/**
 * Pod volumes as files, for the process runtime. Processes cannot mount, so each volume is a
 * directory under the pod's directory (configMap, secret, downwardAPI and projected volumes written
 * the way kubelet's AtomicWriter writes them: a timestamped directory, a `..data` symlink swapped
 * atomically, one symlink per top-level key), and each volumeMount is a symlink at `mountPath` inside
 * the container's root directory. `volumeProblems` is pure and serves the simulated runtime too: a
 * missing ConfigMap or Secret keeps the pod in ContainerCreating on both.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  renameSync,
  writeFileSync,
  chmodSync,
  readlinkSync,
} from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import type {
  V1Container,
  V1DownwardAPIVolumeFile,
  V1KeyToPath,
  V1Pod,
  V1Volume,
} from '@kubernetes/client-node';
import { expand, podFieldValue, resourceFieldValue, type EnvironmentContext } from './environment.ts';
import type { PodInputs } from './pod-runtime.ts';
import { ContainerWaitingError } from './pod-supervisor.ts';

const defaultMode = 0o644;

interface FileContent {
  data: Buffer;
  mode: number;
}

function mountError(volume: string, message: string): ContainerWaitingError {
  return new ContainerWaitingError(
    'ContainerCreating',
    `MountVolume.SetUp failed for volume "${volume}" : ${message}`,
  );
}

function configError(message: string): ContainerWaitingError {
  return new ContainerWaitingError('CreateContainerConfigError', message);
}

/** A relative path without `..`, as volume item paths and subPaths must be. */
function checkRelative(path: string, what: string): string {
  const normal = normalize(path);
  if (
    isAbsolute(path) ||
    normal === '..' ||
    normal.startsWith(`..${sep}`) ||
    normal.split(sep).includes('..')
  ) {
    throw configError(`${what} ${JSON.stringify(path)} must be a relative path without '..'`);
  }
  return normal;
}

/**
 * The files of a configMap or secret volume source: every key, or the `items` it names. A missing
 * object or key fails the mount unless the source is optional.
 */
function keyFiles(
  volume: string,
  kind: 'configmap' | 'secret',
  sourceName: string,
  source: { items?: readonly V1KeyToPath[] | undefined; optional?: boolean | undefined },
  mode: number,
  inputs: PodInputs,
): Map<string, FileContent> {
  const optional = source.optional === true;
  const data = kind === 'configmap' ? configMapBytes(inputs, sourceName) : secretBytes(inputs, sourceName);
  if (data === undefined && !optional) throw mountError(volume, `${kind} "${sourceName}" not found`);
  const files = new Map<string, FileContent>();
  const items = source.items ?? [];
  if (items.length === 0) {
    for (const [key, value] of Object.entries(data ?? {})) files.set(key, { data: value, mode });
    return files;
  }
  for (const item of items) {
    const value = data?.[item.key];
    if (value === undefined) {
      if (optional) continue;
      throw mountError(
        volume,
        kind === 'configmap'
          ? `configmap references non-existent config key: ${item.key}`
          : `references non-existent secret key: ${item.key}`,
      );
    }
    files.set(checkRelative(item.path, 'volume item path'), { data: value, mode: item.mode ?? mode });
  }
  return files;
}

function configMapBytes(inputs: PodInputs, name: string): Record<string, Buffer> | undefined {
  const configMap = inputs.configMaps?.[name];
  if (configMap === undefined) return undefined;
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(configMap.data ?? {})) data[key] = Buffer.from(value, 'utf8');
  for (const [key, value] of Object.entries(configMap.binaryData ?? {}))
    data[key] = Buffer.from(value, 'base64');
  return data;
}

function secretBytes(inputs: PodInputs, name: string): Record<string, Buffer> | undefined {
  const secret = inputs.secrets?.[name];
  if (secret === undefined) return undefined;
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, 'base64');
  for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] = Buffer.from(value, 'utf8');
  return data;
}

/** Go's %q of a string, as the downward API writes label and annotation values. */
function goQuoted(value: string): string {
  return JSON.stringify(value);
}

function downwardFiles(
  volume: string,
  items: readonly V1DownwardAPIVolumeFile[] | undefined,
  mode: number,
  context: Omit<EnvironmentContext, 'container'>,
): Map<string, FileContent> {
  const files = new Map<string, FileContent>();
  const pod = context.pod;
  for (const item of items ?? []) {
    let text: string;
    if (item.fieldRef !== undefined) {
      const path = item.fieldRef.fieldPath;
      if (path === 'metadata.labels' || path === 'metadata.annotations') {
        const map = (path === 'metadata.labels' ? pod.metadata?.labels : pod.metadata?.annotations) ?? {};
        text = Object.keys(map)
          .sort()
          .map((key) => `${key}=${goQuoted(map[key] ?? '')}`)
          .join('\n');
      } else {
        text = podFieldValue(pod, path, {
          ...(context.podIP !== undefined && { podIP: context.podIP }),
          ...(context.hostIP !== undefined && { hostIP: context.hostIP }),
        });
      }
    } else if (item.resourceFieldRef !== undefined) {
      const ref = item.resourceFieldRef;
      const container = pod.spec?.containers.find((c) => c.name === ref.containerName);
      if (container === undefined) throw mountError(volume, `container ${ref.containerName ?? ''} not found`);
      text = resourceFieldValue(
        pod,
        container,
        { resource: ref.resource, ...(ref.divisor !== undefined && { divisor: String(ref.divisor) }) },
        context.allocatable,
      );
    } else continue;
    files.set(checkRelative(item.path, 'downward API path'), {
      data: Buffer.from(text, 'utf8'),
      mode: item.mode ?? mode,
    });
  }
  return files;
}

/** What a volume holds: files to write, a directory of its own, or a directory elsewhere. */
type VolumeContent =
  | { kind: 'files'; files: Map<string, FileContent> }
  | { kind: 'dir' }
  | { kind: 'host'; path: string; type: string }
  | { kind: 'claim'; claim: string };

/** The contents of one volume given the inputs; throws ContainerCreating when something is missing. */
function volumeContent(volume: V1Volume, context: Omit<EnvironmentContext, 'container'>): VolumeContent {
  const inputs = context.inputs;
  const name = volume.name;
  if (volume.emptyDir !== undefined) return { kind: 'dir' };
  if (volume.configMap !== undefined) {
    const source = volume.configMap;
    const mode = source.defaultMode ?? defaultMode;
    return { kind: 'files', files: keyFiles(name, 'configmap', source.name ?? '', source, mode, inputs) };
  }
  if (volume.secret !== undefined) {
    const source = volume.secret;
    const mode = source.defaultMode ?? defaultMode;
    return { kind: 'files', files: keyFiles(name, 'secret', source.secretName ?? '', source, mode, inputs) };
  }
  if (volume.downwardAPI !== undefined) {
    return {
      kind: 'files',
      files: downwardFiles(
        name,
        volume.downwardAPI.items,
        volume.downwardAPI.defaultMode ?? defaultMode,
        context,
      ),
    };
  }
  if (volume.projected !== undefined) {
    const mode = volume.projected.defaultMode ?? defaultMode;
    const files = new Map<string, FileContent>();
    for (const source of volume.projected.sources ?? []) {
      let part = new Map<string, FileContent>();
      if (source.configMap !== undefined) {
        part = keyFiles(name, 'configmap', source.configMap.name ?? '', source.configMap, mode, inputs);
      } else if (source.secret !== undefined) {
        part = keyFiles(name, 'secret', source.secret.name ?? '', source.secret, mode, inputs);
      } else if (source.downwardAPI !== undefined) {
        part = downwardFiles(name, source.downwardAPI.items, mode, context);
      } else if (source.serviceAccountToken !== undefined) {
        if (inputs.serviceAccountToken === undefined)
          throw mountError(name, 'no service account token was provided');
        part.set(checkRelative(source.serviceAccountToken.path, 'token path'), {
          data: Buffer.from(inputs.serviceAccountToken, 'utf8'),
          mode,
        });
      }
      for (const [path, file] of part) files.set(path, file);
    }
    return { kind: 'files', files };
  }
  if (volume.hostPath !== undefined)
    return { kind: 'host', path: volume.hostPath.path, type: volume.hostPath.type ?? '' };
  if (volume.persistentVolumeClaim !== undefined)
    return { kind: 'claim', claim: volume.persistentVolumeClaim.claimName };
  const kind = Object.keys(volume).find((key) => key !== 'name') ?? 'unknown';
  throw mountError(name, `${kind} volumes are not supported by the embedded node`);
}

/** Throws what would keep the pod in ContainerCreating (a missing ConfigMap, Secret or key). */
export function volumeProblems(pod: V1Pod, inputs: PodInputs, addresses: { podIP?: string } = {}): void {
  for (const volume of pod.spec?.volumes ?? []) volumeContent(volume, { pod, inputs, ...addresses });
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:T]/g, '_').replace(/\..*$/, '');
}

function sameFiles(dir: string, files: Map<string, FileContent>): boolean {
  const data = join(dir, '..data');
  if (!existsSync(data)) return false;
  const present = new Set<string>();
  const walk = (at: string): void => {
    for (const entry of readdirSync(join(data, at), { withFileTypes: true })) {
      const path = at === '' ? entry.name : join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else present.add(path);
    }
  };
  walk('');
  if (present.size !== files.size) return false;
  for (const [path, file] of files) {
    const full = join(data, path);
    if (
      !present.has(path) ||
      (statSync(full).mode & 0o777) !== file.mode ||
      !readFileSync(full).equals(file.data)
    ) {
      return false;
    }
  }
  return true;
}

/**
 * kubelet's AtomicWriter: the files go to a fresh `..<time>.<random>` directory, `..data` is
 * switched to it with one rename, and each top-level name is a symlink through `..data`, so a reader
 * sees either the old contents or the new ones, never a mix.
 */
export function writeAtomically(dir: string, files: Map<string, FileContent>): void {
  mkdirSync(dir, { recursive: true });
  if (sameFiles(dir, files)) return;
  const fresh = mkdtempSync(join(dir, `..${stamp()}.`));
  for (const [path, file] of files) {
    const target = join(fresh, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.data);
    chmodSync(target, file.mode);
  }
  const temporary = join(dir, '..data_tmp');
  rmSync(temporary, { force: true });
  symlinkSync(relative(dir, fresh), temporary);
  renameSync(temporary, join(dir, '..data'));
  const names = new Set([...files.keys()].map((path) => path.split(sep)[0] ?? path));
  for (const name of names) {
    const link = join(dir, name);
    if (!existsSync(link) && !isSymlink(link)) symlinkSync(join('..data', name), link);
  }
  const current = relative(dir, fresh);
  for (const entry of readdirSync(dir)) {
    if (entry === '..data' || entry === current) continue;
    if (entry.startsWith('..') || !names.has(entry))
      rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export interface VolumeLayout {
  /** `<pod>/volumes`: one directory per pod-level volume. */
  volumesDir: string;
  /** `<runtime root>/claims`: persistentVolumeClaim volumes, kept across pods by namespace and claim. */
  claimsDir: string;
}

/**
 * Writes every volume of the pod (again, for new inputs: unchanged volumes are left alone) and
 * returns where each one is.
 */
export function setUpVolumes(
  pod: V1Pod,
  context: Omit<EnvironmentContext, 'container' | 'pod'>,
  layout: VolumeLayout,
): Map<string, string> {
  const paths = new Map<string, string>();
  const namespace = pod.metadata?.namespace ?? 'default';
  for (const volume of pod.spec?.volumes ?? []) {
    const content = volumeContent(volume, { ...context, pod });
    const dir = join(layout.volumesDir, volume.name);
    switch (content.kind) {
      case 'dir':
        mkdirSync(dir, { recursive: true });
        paths.set(volume.name, dir);
        break;
      case 'files':
        writeAtomically(dir, content.files);
        paths.set(volume.name, dir);
        break;
      case 'host':
        if (content.type === 'DirectoryOrCreate') mkdirSync(content.path, { recursive: true });
        else if (content.type === 'FileOrCreate' && !existsSync(content.path)) {
          mkdirSync(dirname(content.path), { recursive: true });
          writeFileSync(content.path, '');
        } else if (content.type !== '' && !existsSync(content.path)) {
          throw mountError(volume.name, `hostPath type check failed: ${content.path} does not exist`);
        }
        paths.set(volume.name, content.path);
        break;
      case 'claim': {
        const claimDir = join(layout.claimsDir, namespace, content.claim);
        mkdirSync(claimDir, { recursive: true });
        paths.set(volume.name, claimDir);
        break;
      }
    }
  }
  return paths;
}

/** `KEELSON_VOLUME_<NAME>`: the volume name upper-cased, other characters than letters and digits as `_`. */
export function volumeVariable(name: string): string {
  return `KEELSON_VOLUME_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Builds a fresh container root: every volumeMount becomes a symlink at `root + mountPath` to the
 * volume (or its subPath, created when missing). Returns the variables naming each mounted volume.
 */
export function mountVolumes(
  root: string,
  container: V1Container,
  volumes: ReadonlyMap<string, string>,
  env: Record<string, string>,
): Record<string, string> {
  const variables: Record<string, string> = {};
  const mounts = [...(container.volumeMounts ?? [])].sort((a, b) => a.mountPath.length - b.mountPath.length);
  for (const mount of mounts) {
    const source = volumes.get(mount.name);
    if (source === undefined)
      throw configError(`volume "${mount.name}" of container "${container.name}" is not defined`);
    variables[volumeVariable(mount.name)] = source;
    const subPath =
      mount.subPath !== undefined && mount.subPath !== ''
        ? mount.subPath
        : mount.subPathExpr !== undefined && mount.subPathExpr !== ''
          ? expand(mount.subPathExpr, (name) => (Object.hasOwn(env, name) ? env[name] : undefined))
          : '';
    let target = source;
    if (subPath !== '') {
      target = join(source, checkRelative(subPath, 'subPath'));
      if (!existsSync(target)) mkdirSync(target, { recursive: true });
    }
    const link = containerPath(root, mount.mountPath);
    if (link === root)
      throw configError(`mountPath ${mount.mountPath} of container "${container.name}" is the root`);
    mkdirSync(dirname(link), { recursive: true });
    if (isSymlink(link) && readlinkSync(link) === target) continue;
    rmSync(link, { recursive: true, force: true });
    symlinkSync(target, link);
  }
  return variables;
}

/** An absolute path of the container's filesystem, inside the container's root directory. */
export function containerPath(root: string, path: string): string {
  const inside = normalize(join(sep, path));
  return join(root, inside);
}
