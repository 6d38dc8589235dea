/**
 * YAML text with positions: the value (as `yaml` converts it) and, for every map key and list item,
 * the line and column it starts at, keyed by the field path the validators use.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { ConfigIssue } from './errors.ts';

/** One file to load: its name (as messages show it) and its text. */
export interface SourceFile {
  file: string;
  text: string;
}

export interface Position {
  line: number;
  column: number;
}

export interface ParsedYaml {
  file: string;
  value: unknown;
  /** The position of the field at `path`, or of its nearest ancestor that has one. */
  at(path: string): Position;
}

/** `parent.key`, `parent["org/repo"]` or `parent[3]`: the field paths messages name. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Parses one YAML document; syntax errors come back as issues naming file:line:col. */
export function parseYaml(source: SourceFile): { parsed?: ParsedYaml; errors: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => {
        const at = e.linePos?.[0] ?? { line: 1, col: 1 };
        return {
          file: source.file,
          line: at.line,
          column: at.col,
          field: '',
          message: `invalid YAML: ${e.message.split('\n')[0] ?? e.message}`,
        };
      }),
    };
  }
  const positions = new Map<string, Position>();
  const record = (path: string, offset: number | undefined): void => {
    if (offset === undefined) return;
    const { line, col } = lineCounter.linePos(offset);
    positions.set(path, { line, column: col });
  };
  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        const child = childPath(path, key);
        record(child, (pair.key as Node | null)?.range?.[0]);
        walk(pair.value, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const child = childPath(path, index);
        record(child, (item as Node | null)?.range?.[0]);
        walk(item, child);
      });
    }
  };
  record('', doc.contents?.range?.[0] ?? 0);
  walk(doc.contents, '');
  const value: unknown = doc.toJS({ maxAliasCount: 1000 });
  return {
    parsed: {
      file: source.file,
      value,
      at(path: string): Position {
        for (let p = path; ;) {
          const found = positions.get(p);
          if (found !== undefined) return found;
          if (p === '') return { line: 1, column: 1 };
          p = parentPath(p);
        }
      },
    },
    errors: [],
  };
}

function parentPath(path: string): string {
  const bracket = path.endsWith(']') ? path.lastIndexOf('[') : -1;
  const dot = path.lastIndexOf('.');
  const cut = Math.max(bracket, dot);
  return cut <= 0 ? '' : path.slice(0, cut);
}
