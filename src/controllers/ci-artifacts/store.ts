/**
 * Where finished runs keep their logs and artifacts: a directory laid out as Prow lays out its GCS
 * bucket (`pr-logs/pull/<org>_<repo>/<pr>/<job>/<build>/` for presubmits, `logs/<job>/<build>/`
 * otherwise), so the paths Prow users know still hold. A run's pod uploads one tar.gz of its `/logs`
 * (build-log.txt, started.json, finished.json, artifacts/) with a token that is good for its own
 * path only: an HMAC of the path under a key kept beside the files. An upload is unpacked aside and
 * renamed into place, so readers never see half of one and a repeated upload replaces the first.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { x as untar } from 'tar';
import type { JobRun } from '../../api/crds/ci.ts';
import { KeelsonError } from '../../base/errors.ts';

/** How long a run's files are kept by default (30 days; Prow leaves this to the bucket's lifecycle rules). */
export const defaultMaxAgeMs = 30 * 24 * 3_600_000;

/** The files every upload holds at the top of its run directory. */
const runMarkers = ['finished.json', 'started.json', 'build-log.txt'];

/** GCS's own limit on an object is 5 TiB; a run's whole upload here is capped lower by default. */
export const defaultMaxUploadBytes = 1024 * 1024 * 1024;

/** A stored file: its path under the run's directory and its size. */
export interface ArtifactFile {
  path: string;
  size: number;
}

/** What a run's pod needs to upload, and where people read the result. */
export interface RunArtifacts {
  /** The run's page (`status.url`): a listing of its files, with the build log. */
  url: string;
  /** Where the pod PUTs its tar.gz. */
  uploadUrl: string;
  /** Bearer token for `uploadUrl` only. */
  token: string;
}

export interface ArtifactStoreOptions {
  /** Owned by the store. */
  dir: string;
  maxUploadBytes?: number;
}

const keyFile = '.upload-key';
const incomingDir = '.incoming';

/** One path segment as the store writes it: no separators, no dot-only names. */
function segment(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^\.*$/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/** Prow's bucket layout for a run (pod-utils `gcs.PathForSpec`), as segments. */
export function artifactPath(run: JobRun): string {
  const job = segment(run.spec.job);
  const build = segment(run.status?.build_id ?? run.metadata.name ?? '');
  const refs = run.spec.refs;
  if (run.spec.type === 'presubmit' && refs?.pulls?.[0] !== undefined)
    return [
      'pr-logs',
      'pull',
      segment(`${refs.org}_${refs.repo}`),
      String(refs.pulls[0].number),
      job,
      build,
    ].join('/');
  if (run.spec.type === 'batch') return ['pr-logs', 'pull', 'batch', job, build].join('/');
  return ['logs', job, build].join('/');
}

/** A path from a URL, checked: relative segments of safe characters, no `.` or `..`. */
export function checkedPath(path: string): string | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return '';
  for (const part of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (decoded === '.' || decoded === '..' || /[\\/\0]/.test(decoded) || decoded.startsWith('.'))
      return undefined;
  }
  return parts.map((p) => decodeURIComponent(p)).join('/');
}

export class ArtifactStore {
  readonly dir: string;
  readonly #key: Buffer;
  readonly #maxUploadBytes: number;

  constructor(options: ArtifactStoreOptions) {
    this.dir = options.dir;
    this.#maxUploadBytes = options.maxUploadBytes ?? defaultMaxUploadBytes;
    const keyPath = join(this.dir, keyFile);
    if (!existsSync(keyPath)) writeKey(this.dir, keyPath);
    this.#key = Buffer.from(readFileSync(keyPath, 'utf8').trim(), 'hex');
  }

  /** The token that lets a pod write `path` (and nothing else). */
  tokenFor(path: string): string {
    return createHmac('sha256', this.#key).update(`upload:${path}`).digest('hex');
  }

  authorized(path: string, token: string): boolean {
    const want = Buffer.from(this.tokenFor(path));
    const got = Buffer.from(token);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** The URLs and token of a run whose `status.build_id` is set, under `baseUrl` (`http://host:port`). */
  forRun(run: JobRun, baseUrl: string): RunArtifacts {
    const path = artifactPath(run);
    const url = `${baseUrl.replace(/\/$/, '')}/artifacts/${path}/`;
    return { url, uploadUrl: url, token: this.tokenFor(path) };
  }

  /**
   * Unpacks a tar(.gz) stream as the files of `path`, replacing what was there. Only regular files
   * and directories are kept (links are dropped, so nothing can point outside the store); an
   * archive with absolute or climbing (`..`) names is refused whole.
   */
  async upload(path: string, body: Readable): Promise<{ files: number; bytes: number }> {
    const incoming = join(this.dir, incomingDir, randomBytes(8).toString('hex'));
    await mkdir(incoming, { recursive: true });
    let received = 0;
    let files = 0;
    const limit = this.#maxUploadBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > limit)
          done(new KeelsonError('KEELSON_TOO_LARGE', `upload larger than ${limit} bytes`));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(
        body,
        counter,
        untar({
          cwd: incoming,
          strict: true,
          filter: (_path, entry) => {
            const type = 'type' in entry ? entry.type : entry.isDirectory() ? 'Directory' : 'File';
            const keep = type === 'File' || type === 'OldFile' || type === 'Directory';
            if (keep && type !== 'Directory') files++;
            return keep;
          },
        }),
      );
      const target = join(this.dir, ...path.split('/'));
      await mkdir(join(target, '..'), { recursive: true });
      const old = `${incoming}.old`;
      const replaced = existsSync(target);
      if (replaced) await rename(target, old);
      // the upload's time, whatever times the archive carried: prune() ages runs by it
      const uploaded = new Date();
      await utimes(incoming, uploaded, uploaded);
      await rename(incoming, target);
      if (replaced) await rm(old, { recursive: true, force: true });
      return { files, bytes: received };
    } catch (error) {
      await rm(incoming, { recursive: true, force: true });
      if (error instanceof KeelsonError) throw error;
      throw new KeelsonError('KEELSON_INVALID', `invalid tar archive: ${(error as Error).message}`);
    }
  }

  /** The files under `path` (a run's directory), sorted; undefined when nothing is stored there. */
  async list(path: string): Promise<ArtifactFile[] | undefined> {
    const root = join(this.dir, ...path.split('/').filter((p) => p !== ''));
    const info = await stat(root).catch(() => undefined);
    if (info === undefined || !info.isDirectory()) return undefined;
    const files: ArtifactFile[] = [];
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      const relative = full
        .slice(root.length + 1)
        .split(sep)
        .join('/');
      if (relative.startsWith('.')) continue;
      files.push({ path: relative, size: (await stat(full)).size });
    }
    return files.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** A stored file, or undefined (a directory or nothing). */
  async open(path: string): Promise<{ size: number; stream: Readable } | undefined> {
    const full = join(this.dir, ...path.split('/'));
    const info = await stat(full).catch(() => undefined);
    if (info === undefined || !info.isFile()) return undefined;
    return { size: info.size, stream: createReadStream(full) };
  }

  /**
   * Deletes the run directories uploaded more than `maxAgeMs` before `now` (by the directory's
   * mtime, set when the upload was unpacked), and the directories they leave empty. Returns how
   * many runs went.
   */
  async prune(maxAgeMs: number, now: number): Promise<number> {
    let removed = 0;
    const visit = async (dir: string, top: boolean): Promise<boolean> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
      if (!top && runMarkers.some((m) => names.has(m))) {
        const info = await stat(dir).catch(() => undefined);
        if (info !== undefined && now - info.mtimeMs > maxAgeMs) {
          await rm(dir, { recursive: true, force: true });
          removed++;
          return true;
        }
        return false;
      }
      let left = entries.length;
      for (const entry of entries)
        if (entry.isDirectory() && !entry.name.startsWith('.') && (await visit(join(dir, entry.name), false)))
          left--;
      if (!top && left === 0) {
        await rm(dir, { recursive: true, force: true });
        return true;
      }
      return false;
    };
    await visit(this.dir, true);
    return removed;
  }

  /** The text of a small stored file, or undefined. */
  readText(path: string): string | undefined {
    try {
      return readFileSync(join(this.dir, ...path.split('/')), 'utf8');
    } catch {
      return undefined;
    }
  }
}

function writeKey(dir: string, keyPath: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(keyPath, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
}
