import { createHash } from 'node:crypto';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../api/meta.ts';
import { isObject } from '../../base/json.ts';
import { BuildError } from './errors.ts';

/** Where a built object came from. Known for plain manifests, not for kustomize output. */
export interface ManifestSource {
  /** Relative to the artifact root, with `/`. */
  file: string;
  /** The YAML document in the file, counted from 1 (a `kind: List` gives several objects one document). */
  document: number;
  /** The line the document's content starts on, counted from 1. */
  line: number;
}

export interface BuiltObject {
  object: KubeObject;
  source?: ManifestSource;
}

/** `Deployment production/podinfo`, `Namespace production`: how messages name an object. */
export function describeObject(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  const id = name === undefined ? '(unnamed)' : namespace === undefined ? name : `${namespace}/${name}`;
  return `${object.kind} ${id}`;
}

/**
 * `sha256:<hex>` over the objects in order, each in canonical JSON (keys sorted): equal output gives
 * an equal digest whatever the YAML formatting, so builds can be cached and compared by it.
 */
export function manifestDigest(objects: readonly KubeObject[]): string {
  const hash = createHash('sha256');
  for (const object of objects) hash.update(canonicalJson(object)).update('\n');
  return `sha256:${hash.digest('hex')}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The `yaml` package's message without its " at line L, column C:" and the quoted context, lowercased. */
export function shortYamlMessage(message: string): string {
  const short = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
  return short.charAt(0).toLowerCase() + short.slice(1);
}

/**
 * Parses a YAML stream into objects. Empty documents are skipped; a `…List` with `items` gives its
 * items (as kubectl and kustomize do). A syntax error, or a document that is not a mapping with a
 * string `apiVersion` and `kind`, is a BuildError naming `label:line:column` (label is the file, or
 * e.g. `kustomize build production` for kustomize's output). `file` also goes into each object's source.
 */
export function parseManifests(text: string, label: string, file?: string): BuiltObject[] {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines, merge: true });
  const objects: BuiltObject[] = [];
  let number = 0;
  for (const document of documents) {
    number++;
    const [problem] = document.errors;
    if (problem !== undefined) {
      const at = problem.linePos?.[0] ?? lines.linePos(problem.pos[0]);
      throw new BuildError(
        'YAML_PARSE',
        `${label}:${at.line}:${at.col}: ${shortYamlMessage(problem.message)}`,
        { ...(file === undefined ? {} : { file }), line: at.line, column: at.col, document: number },
        { cause: problem },
      );
    }
    if (document.contents === null) continue;
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    const start = lines.linePos(document.contents.range[0]);
    const where = {
      ...(file === undefined ? {} : { file }),
      line: start.line,
      column: start.col,
      document: number,
    };
    const invalid = (what: string): BuildError =>
      new BuildError(
        'NOT_AN_OBJECT',
        `${label}:${start.line}:${start.col}: document ${number} ${what}`,
        where,
      );
    const source = file === undefined ? undefined : { file, document: number, line: start.line };
    for (const item of listItems(value, invalid)) {
      objects.push(source === undefined ? { object: item } : { object: item, source });
    }
  }
  return objects;
}

function listItems(value: unknown, invalid: (what: string) => BuildError): KubeObject[] {
  const object = asKubeObject(value, invalid, '');
  if (!object.kind.endsWith('List') || !Array.isArray(object.items)) return [object];
  return object.items.map((item, index) => asKubeObject(item, invalid, ` (items[${index}])`));
}

function asKubeObject(value: unknown, invalid: (what: string) => BuildError, where: string): KubeObject {
  if (!isObject(value)) throw invalid(`is not a Kubernetes object${where}: it is not a mapping`);
  const missing = ['apiVersion', 'kind'].filter((key) => typeof value[key] !== 'string' || value[key] === '');
  if (missing.length > 0) {
    throw invalid(`is not a Kubernetes object${where}: it has no ${missing.join(' or ')}`);
  }
  if (value.metadata === undefined || value.metadata === null) value.metadata = {};
  if (!isObject(value.metadata))
    throw invalid(`is not a Kubernetes object${where}: its metadata is not a mapping`);
  return value as KubeObject;
}
