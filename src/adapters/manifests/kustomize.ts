import { execFile, type ExecFileException } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { isObject } from '../../base/json.ts';
import { BuildError } from './errors.ts';
import { parseManifests, shortYamlMessage, type BuiltObject } from './objects.ts';
import { isInside, nameInArtifact, resolveReference, type ArtifactRoot } from './paths.ts';

/** The names kustomize recognises, in its order of preference. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

export type LoadRestrictor = 'LoadRestrictionsRootOnly' | 'LoadRestrictionsNone';

export interface KustomizeOptions {
  loadRestrictor: LoadRestrictor;
  timeoutMs: number;
  searchPath: string;
  signal: AbortSignal | undefined;
}

/** The kustomization file in `dir` (a real path), or undefined. */
export async function findKustomizationFile(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    try {
      if ((await stat(join(dir, name))).isFile()) return join(dir, name);
    } catch {
      // not this name
    }
  }
  return undefined;
}

/**
 * Builds the kustomization in `dir` (a real path inside the root). Before kustomize runs, the
 * kustomization graph is read to refuse what kustomize itself would allow: bases and files outside
 * the artifact, and remote resources (the build has no network). Kustomize runs with plugins off, a
 * load restrictor, a timeout and an environment whose proxies and git protocols lead nowhere.
 */
export async function kustomizeBuild(
  root: ArtifactRoot,
  dir: string,
  kustomizationFile: string,
  options: KustomizeOptions,
): Promise<BuiltObject[]> {
  const label = `kustomize build ${nameInArtifact(root, dir)}`;
  const graph: Graph = { yamlFiles: [], missing: [], seen: new Set() };
  await scanKustomization(root, dir, kustomizationFile, graph);

  const tool = await findTool(options.searchPath);
  if (tool === undefined) {
    throw new BuildError('KUSTOMIZE_NOT_FOUND', 'kustomize build needs `kustomize` or `kubectl` on PATH');
  }
  const args = [
    ...(tool.kind === 'kustomize' ? ['build'] : ['kustomize']),
    '--load-restrictor',
    options.loadRestrictor,
    dir,
  ];
  const location = { file: nameInArtifact(root, kustomizationFile) };
  let stdout: string;
  try {
    stdout = await run(tool.path, args, root.real, options);
  } catch (error) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    if (!(error instanceof RunFailure)) throw error;
    if (error.code === 'ENOENT') {
      throw new BuildError(
        'KUSTOMIZE_NOT_FOUND',
        'kustomize build needs `kustomize` or `kubectl` on PATH',
        {},
        { cause: error },
      );
    }
    if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
      throw new BuildError(
        'KUSTOMIZE_FAILED',
        `${label}: the output exceeds ${maxOutputBytes} bytes`,
        location,
        { cause: error },
      );
    }
    if (error.killed) {
      throw new BuildError(
        'KUSTOMIZE_TIMEOUT',
        `${label}: timed out after ${options.timeoutMs} ms`,
        location,
        { cause: error },
      );
    }
    const message = kustomizeMessage(error.stderr, root) || error.message;
    if (/yaml|json/i.test(message)) await diagnoseYaml(root, graph.yamlFiles, error);
    const [missing] = graph.missing;
    // kustomize names the path it could not read, not the kustomization that asked for it
    const where =
      missing === undefined ? '' : `${missing.file}: ${missing.field} "${missing.value}" not found: `;
    throw new BuildError('KUSTOMIZE_FAILED', `${label}: ${where}${message}`, missing ?? location, {
      cause: error,
    });
  }
  return parseManifests(stdout, label);
}

const maxOutputBytes = 256 * 1024 * 1024;
const nowhere = 'http://127.0.0.1:9';

/** A failed kustomize run: how it ended, and what it said. */
class RunFailure extends Error {
  readonly code: string | number | undefined;
  readonly killed: boolean;
  readonly stderr: string;

  constructor(error: ExecFileException, stderr: string) {
    super(error.message, { cause: error });
    this.name = 'RunFailure';
    this.code = error.code ?? undefined;
    this.killed = error.killed === true || error.signal === 'SIGKILL';
    this.stderr = stderr;
  }
}

function run(file: string, args: string[], cwd: string, options: KustomizeOptions): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    PATH: options.searchPath,
    HOME: process.env.HOME ?? homedir(),
    LANG: 'C',
    // no network: kustomize fetches remote resources over HTTP(S) and with git
    HTTP_PROXY: nowhere,
    HTTPS_PROXY: nowhere,
    http_proxy: nowhere,
    https_proxy: nowhere,
    ALL_PROXY: nowhere,
    NO_PROXY: '',
    no_proxy: '',
    GIT_ALLOW_PROTOCOL: 'none',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd,
        env,
        encoding: 'utf8',
        maxBuffer: maxOutputBytes,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else reject(new RunFailure(error, stderr));
      },
    );
  });
}

async function findTool(
  searchPath: string,
): Promise<{ kind: 'kustomize' | 'kubectl'; path: string } | undefined> {
  for (const kind of ['kustomize', 'kubectl'] as const) {
    for (const dir of searchPath.split(delimiter)) {
      if (dir === '') continue;
      const path = join(dir, kind);
      try {
        await access(path, constants.X_OK);
        if ((await stat(path)).isFile()) return { kind, path };
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * kustomize's error without the wrapping: `Error: …` (kustomize), `error: …` (kubectl) or klog's
 * `"command failed" err="…"`; absolute paths made root-relative, whitespace folded, length capped.
 */
export function kustomizeMessage(stderr: string, root: ArtifactRoot): string {
  let text = stderr.trim();
  const quoted = /"command failed" err="((?:[^"\\]|\\.)*)"/.exec(text);
  const block = /err=<\n([\s\S]*?)\n\s*>/.exec(text);
  if (quoted?.[1] !== undefined) {
    try {
      text = JSON.parse(`"${quoted[1]}"`) as string;
    } catch {
      text = quoted[1];
    }
  } else if (block?.[1] !== undefined) {
    text = block[1];
  } else {
    text = text.replace(/^(Error|error): /, '');
  }
  text = text
    .replaceAll(`${root.real}/`, '')
    .replaceAll(root.real, '.')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

interface Graph {
  /** Real paths of the YAML files the kustomizations name (resources, patches, …), for diagnosis. */
  yamlFiles: string[];
  /** Local references that do not exist, with the kustomization naming them. */
  /** References to files that do not exist: the kustomization naming each, and how. */
  missing: { file: string; field: string; value: string }[];
  seen: Set<string>;
}

interface Reference {
  field: string;
  value: string;
  /** The reference may be a directory holding a kustomization. */
  directory: boolean;
  /** The file is YAML kustomize parses (not a generator's env or data file). */
  yaml: boolean;
}

/** Fields that may name a kustomization directory, a file, or (for the first three) a remote. */
const directoryFields = ['resources', 'bases', 'components', 'generators', 'transformers', 'validators'];
const yamlFileFields = ['crds', 'configurations', 'patchesStrategicMerge'];
const pathEntryFields = ['patches', 'patchesJson6902', 'replacements'];
const generatorFields = ['configMapGenerator', 'secretGenerator'];

function referencesOf(kustomization: Record<string, unknown>): Reference[] {
  const references: Reference[] = [];
  const strings = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  for (const field of directoryFields) {
    for (const value of strings(kustomization[field]))
      references.push({ field, value, directory: true, yaml: true });
  }
  for (const field of yamlFileFields) {
    for (const value of strings(kustomization[field]))
      references.push({ field, value, directory: false, yaml: true });
  }
  for (const field of pathEntryFields) {
    const entries = Array.isArray(kustomization[field]) ? kustomization[field] : [];
    for (const entry of entries) {
      if (isObject(entry) && typeof entry.path === 'string') {
        references.push({ field, value: entry.path, directory: false, yaml: true });
      }
    }
  }
  for (const field of generatorFields) {
    const entries = Array.isArray(kustomization[field]) ? kustomization[field] : [];
    for (const entry of entries) {
      if (!isObject(entry)) continue;
      const files = [...strings(entry.files), ...strings(entry.envs), ...strings([entry.env])];
      for (const file of files) {
        // `files` entries may be `key=path`
        const value = file.includes('=') ? file.slice(file.indexOf('=') + 1) : file;
        references.push({ field, value, directory: false, yaml: false });
      }
    }
  }
  const openapi = kustomization.openapi;
  if (isObject(openapi) && typeof openapi.path === 'string') {
    references.push({ field: 'openapi', value: openapi.path, directory: false, yaml: false });
  }
  // inline patches and inline transformer configs are text, not paths
  return references.filter((reference) => !reference.value.includes('\n') && reference.value.trim() !== '');
}

/** `https://…`, `ssh://…`, `git::…`, `git@host:…`, or kustomize's bare `host.tld/org/repo…`. */
function isRemote(reference: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(reference) ||
    /^git(::|@)/.test(reference) ||
    /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?\/[^/]+\/[^/]+/i.test(reference)
  );
}

async function scanKustomization(root: ArtifactRoot, dir: string, file: string, graph: Graph): Promise<void> {
  if (graph.seen.has(dir)) return;
  graph.seen.add(dir);
  const name = nameInArtifact(root, file);
  const text = await readFile(file, 'utf8');
  const document = parseDocument(text, { merge: true });
  const [problem] = document.errors;
  if (problem !== undefined) {
    const at = problem.linePos?.[0] ?? { line: 1, col: 1 };
    throw new BuildError(
      'YAML_PARSE',
      `${name}:${at.line}:${at.col}: ${shortYamlMessage(problem.message)}`,
      { file: name, line: at.line, column: at.col, document: 1 },
      { cause: problem },
    );
  }
  const kustomization: unknown = document.toJS();
  if (!isObject(kustomization)) return; // kustomize says what is wrong with it

  for (const reference of referencesOf(kustomization)) {
    const real = await resolveReference(dir, reference.value);
    if (real === undefined) {
      if (isRemote(reference.value)) {
        throw new BuildError(
          'REMOTE_RESOURCE',
          `${name}: ${reference.field} "${reference.value}" is remote, and builds do not use the network: ` +
            'add it to the repository instead',
          { file: name },
        );
      }
      graph.missing.push({ file: name, field: reference.field, value: reference.value });
      continue;
    }
    if (!isInside(root, real)) {
      throw new BuildError(
        'PATH_OUTSIDE_ROOT',
        `${name}: ${reference.field} "${reference.value}" is outside the artifact`,
        { file: name },
      );
    }
    const isDirectory = (await stat(real)).isDirectory();
    if (isDirectory && reference.directory) {
      const nested = await findKustomizationFile(real);
      if (nested !== undefined) await scanKustomization(root, real, nested, graph);
    } else if (!isDirectory && reference.yaml) {
      graph.yamlFiles.push(real);
    }
  }
}

/** When kustomize failed on YAML, find the file and the line with our parser, which gives both. */
async function diagnoseYaml(root: ArtifactRoot, files: readonly string[], cause: unknown): Promise<void> {
  for (const file of new Set(files)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const documents = parseAllDocuments(text);
    let number = 0;
    for (const document of documents) {
      number++;
      const problem = document.errors[0];
      if (problem?.linePos === undefined) continue;
      const name = nameInArtifact(root, file);
      const at = problem.linePos[0];
      throw new BuildError(
        'YAML_PARSE',
        `${name}:${at.line}:${at.col}: ${shortYamlMessage(problem.message)}`,
        { file: name, line: at.line, column: at.col, document: number },
        { cause },
      );
    }
  }
}
