/**
 * Sets of field paths, as sigs.k8s.io/structured-merge-diff's `fieldpath.Set`, and their FieldsV1
 * encoding in `metadata.managedFields`.
 *
 * A path is a list of elements: `f:<name>` selects a field of a map or struct, `k:<json>` an item of a
 * list-map by its key fields, `v:<json>` an item of a set by its value and `i:<n>` an item by position.
 * A set holds paths as a trie; FieldsV1 writes the trie as nested JSON objects whose keys are the
 * serialized elements, `{}` for a leaf and `.` for "this node is itself in the set". The ordering and
 * escaping below are structured-merge-diff's, so sets we write are byte-for-byte what kube-apiserver
 * writes and sets it wrote decode here.
 */
import { isObject } from '../../base/json.ts';

export interface KeyField {
  readonly name: string;
  readonly value: unknown;
}

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: readonly KeyField[] }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'index'; readonly index: number };

export type FieldPath = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return { kind: 'field', name };
}

/** A list-map item selected by its key fields; the fields are kept sorted by name, as Kubernetes does. */
export function keyElement(fields: Readonly<Record<string, unknown>>): PathElement {
  const sorted = Object.entries(fields)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => compareStrings(a.name, b.name));
  return { kind: 'key', fields: sorted };
}

export function valueElement(value: unknown): PathElement {
  return { kind: 'value', value };
}

export function indexElement(index: number): PathElement {
  return { kind: 'index', index };
}

/** Builds a path from field names, for callers that only address fields (`['spec', 'replicas']`). */
export function fieldPath(names: readonly string[]): FieldPath {
  return names.map(fieldElement);
}

// ---------------------------------------------------------------------------------------------
// Serialization of path elements

const serialized = new WeakMap<PathElement, string>();

/** The FieldsV1 key of an element: `f:name`, `k:{"name":"web"}`, `v:"x"` or `i:0`. */
export function serializePathElement(element: PathElement): string {
  if (element.kind === 'field') return `f:${element.name}`;
  let text = serialized.get(element);
  if (text === undefined) {
    text = serializeUncached(element);
    serialized.set(element, text);
  }
  return text;
}

function serializeUncached(element: PathElement): string {
  switch (element.kind) {
    case 'field':
      return `f:${element.name}`;
    case 'key':
      return `k:{${element.fields.map((f) => `${goJson(f.name)}:${goJson(f.value)}`).join(',')}}`;
    case 'value':
      return `v:${goJson(element.value)}`;
    case 'index':
      return `i:${element.index}`;
  }
}

/**
 * Parses a FieldsV1 key. Returns undefined for an element type this version does not know, which
 * structured-merge-diff skips rather than rejects; throws for a malformed key.
 */
export function parsePathElement(text: string): PathElement | undefined {
  if (text.length < 2) throw new Error(`key must be 2 characters long: ${text}`);
  if (text[1] !== ':') throw new Error(`missing colon: ${text}`);
  const body = text.slice(2);
  switch (text.charAt(0)) {
    case 'f':
      return fieldElement(body);
    case 'v':
      return valueElement(parseJson(body));
    case 'k': {
      const parsed = parseJson(body);
      if (!isObject(parsed)) throw new Error(`expected an object of key fields: ${text}`);
      return keyElement(parsed);
    }
    case 'i':
      if (!/^[+-]?\d+$/.test(body)) throw new Error(`invalid index: ${text}`);
      return indexElement(Number.parseInt(body, 10));
    default:
      return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`invalid JSON in path element: ${text}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// Ordering

/** structured-merge-diff's order: fields, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const rank = elementRank[a.kind] - elementRank[b.kind];
  if (rank !== 0) return Math.sign(rank);
  switch (a.kind) {
    case 'field':
      return compareStrings(a.name, (b as typeof a).name);
    case 'key':
      return compareKeyFields(a.fields, (b as typeof a).fields);
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return Math.sign(a.index - (b as typeof a).index);
  }
}

const elementRank: Record<PathElement['kind'], number> = { field: 0, key: 1, value: 2, index: 3 };

function compareKeyFields(a: readonly KeyField[], b: readonly KeyField[]): number {
  for (let i = 0; ; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return y === undefined ? 0 : -1;
    if (y === undefined) return 1;
    const byName = compareStrings(x.name, y.name);
    if (byName !== 0) return byName;
    const byValue = compareValues(x.value, y.value);
    if (byValue !== 0) return byValue;
  }
}

/** Go's string order: by UTF-8 bytes, which is code point order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** structured-merge-diff's total order of values: numbers, strings, booleans, lists, maps, null. */
export function compareValues(a: unknown, b: unknown): number {
  const rank = valueRank(a) - valueRank(b);
  if (rank !== 0) return Math.sign(rank);
  if (typeof a === 'number') return Math.sign(a - (b as number));
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    for (let i = 0; ; i++) {
      if (i >= a.length) return i >= other.length ? 0 : -1;
      if (i >= other.length) return 1;
      const c = compareValues(a[i], other[i]);
      if (c !== 0) return c;
    }
  }
  if (isObject(a)) {
    const left = Object.keys(a).sort(compareStrings);
    const other = b as Record<string, unknown>;
    const right = Object.keys(other).sort(compareStrings);
    for (let i = 0; ; i++) {
      const x = left[i];
      const y = right[i];
      if (x === undefined) return y === undefined ? 0 : -1;
      if (y === undefined) return 1;
      const byKey = compareStrings(x, y);
      if (byKey !== 0) return byKey;
      const byValue = compareValues(a[x], other[y]);
      if (byValue !== 0) return byValue;
    }
  }
  return 0;
}

function valueRank(value: unknown): number {
  if (typeof value === 'number') return 0;
  if (typeof value === 'string') return 1;
  if (typeof value === 'boolean') return 2;
  if (Array.isArray(value)) return 3;
  if (isObject(value)) return 4;
  return 5;
}

// ---------------------------------------------------------------------------------------------
// Human-readable paths

/** One element as conflicts show it: `.name`, `[name="web"]`, `[="x"]` or `[0]`. */
export function formatPathElement(element: PathElement): string {
  switch (element.kind) {
    case 'field':
      return `.${element.name}`;
    case 'key':
      return `[${element.fields.map((f) => `${f.name}=${formatValue(f.value)}`).join(',')}]`;
    case 'value':
      return `[=${formatValue(element.value)}]`;
    case 'index':
      return `[${element.index}]`;
  }
}

/** A path as kube-apiserver prints it in conflicts: `.spec.containers[name="web"].image`. */
export function formatFieldPath(path: FieldPath): string {
  return path.map(formatPathElement).join('');
}

/** structured-merge-diff's `value.ToString`: Go's `%q` for strings, `%v` for the rest. */
function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(',')}]`;
  if (isObject(value)) {
    return Object.keys(value)
      .sort(compareStrings)
      .map((k) => `${k}=${formatValue(value[k])}`)
      .join('');
  }
  return String(value);
}

/** Go's `%v` of a number decoded from JSON: integers as int64, the rest as float64 (`%g`, shortest). */
function goNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 21) {
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  return String(value);
}

/** Go's `strconv.Quote` (`%q`) for the characters that occur in Kubernetes names and keys. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    const named = goEscapes[ch];
    if (named !== undefined) out += named;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (
      (code >= 0x80 && code <= 0x9f) ||
      code === 0xad ||
      code === 0x2028 ||
      code === 0x2029 ||
      code === 0xfeff
    ) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

const goEscapes: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/**
 * JSON as Go's encoding/json (and json-iterator's standard-compatible mode) writes it: map keys sorted,
 * no spaces, and `<`, `>`, `&`, U+2028 and U+2029 escaped. Used inside `k:` and `v:` keys, where the
 * bytes are part of the identity of the element.
 */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort(compareStrings);
    return `{${keys.map((k) => `${goJsonString(k)}:${goJson(value[k])}`).join(',')}}`;
  }
  return 'null';
}

export function goJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    const code = text.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || ch === '<' || ch === '>' || ch === '&' || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

// ---------------------------------------------------------------------------------------------
// The set

interface Child {
  readonly element: PathElement;
  readonly set: FieldSet;
}

export interface FieldSetBuilder {
  add(path: FieldPath): void;
  build(): FieldSet;
}

/**
 * An immutable set of field paths. Operations return new sets that may share unchanged subtrees with
 * their inputs, which is safe because no set changes once built; build one with `fromPaths` or
 * `FieldSet.builder()`.
 */
export class FieldSet {
  readonly #members = new Map<string, PathElement>();
  /** Children are never empty. */
  readonly #children = new Map<string, Child>();

  private constructor() {}

  static readonly empty = new FieldSet();

  static fromPaths(paths: Iterable<FieldPath>): FieldSet {
    const builder = FieldSet.builder();
    for (const path of paths) builder.add(path);
    return builder.build();
  }

  /**
   * Collects paths into a new set; `build` hands the set over and ends the builder. The empty path
   * names the whole object and is not tracked.
   */
  static builder(): FieldSetBuilder {
    let set: FieldSet | undefined = new FieldSet();
    return {
      add(path) {
        if (set === undefined) throw new Error('the field set was already built');
        set.#insert(path);
      },
      build() {
        const built = set ?? FieldSet.empty;
        set = undefined;
        return built;
      },
    };
  }

  /**
   * Decodes a FieldsV1 object. Keys of unknown element types are dropped, as structured-merge-diff
   * does; anything else that is not FieldsV1 throws.
   */
  static fromFieldsV1(fields: unknown): FieldSet {
    if (fields === null || fields === undefined) return FieldSet.empty;
    if (!isObject(fields)) throw new Error('fieldsV1 must be a JSON object');
    return FieldSet.#read(fields).children ?? FieldSet.empty;
  }

  /** A node built from its members and the sets below its children; empty child sets are dropped. */
  static node(
    members: Iterable<PathElement>,
    children: Iterable<readonly [PathElement, FieldSet]>,
  ): FieldSet {
    const out = new FieldSet();
    for (const element of members) out.#members.set(serializePathElement(element), element);
    for (const [element, set] of children) {
      if (!set.isEmpty()) out.#children.set(serializePathElement(element), { element, set });
    }
    return out;
  }

  /** The set with every path put below `element`. */
  static under(element: PathElement, set: FieldSet): FieldSet {
    return FieldSet.node([], [[element, set]]);
  }

  has(path: FieldPath): boolean {
    const last = path[path.length - 1];
    if (last === undefined) return false;
    const parent = path
      .slice(0, -1)
      .reduce<FieldSet | undefined>(
        (node, element) =>
          node === undefined ? undefined : node.#children.get(serializePathElement(element))?.set,
        this,
      );
    return parent !== undefined && parent.#members.has(serializePathElement(last));
  }

  isEmpty(): boolean {
    return this.#members.size === 0 && this.#children.size === 0;
  }

  /** The number of paths in the set. */
  get size(): number {
    let count = this.#members.size;
    for (const child of this.#children.values()) count += child.set.size;
    return count;
  }

  hasMember(element: PathElement): boolean {
    return this.#members.has(serializePathElement(element));
  }

  /** The paths below an element, without the element itself; empty when there are none. */
  withPrefix(element: PathElement): FieldSet {
    return this.#children.get(serializePathElement(element))?.set ?? FieldSet.empty;
  }

  /** The members of this node, in structured-merge-diff order. */
  members(): PathElement[] {
    return [...this.#members.values()].sort(comparePathElements);
  }

  /** The non-empty child nodes, in structured-merge-diff order. */
  children(): Array<[PathElement, FieldSet]> {
    return [...this.#children.values()]
      .sort((a, b) => comparePathElements(a.element, b.element))
      .map((c) => [c.element, c.set]);
  }

  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const out = new FieldSet();
    for (const [key, element] of this.#members) out.#members.set(key, element);
    for (const [key, element] of other.#members) out.#members.set(key, element);
    for (const [key, child] of this.#children) out.#children.set(key, child);
    for (const [key, child] of other.#children) {
      const mine = out.#children.get(key);
      out.#children.set(
        key,
        mine === undefined ? child : { element: child.element, set: mine.set.union(child.set) },
      );
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, element] of this.#members) if (other.#members.has(key)) out.#members.set(key, element);
    for (const [key, child] of this.#children) {
      const theirs = other.#children.get(key);
      if (theirs === undefined) continue;
      const both = child.set.intersection(theirs.set);
      if (!both.isEmpty()) out.#children.set(key, { element: child.element, set: both });
    }
    return out;
  }

  /** Paths in this set and not in the other. Removing a node does not remove the paths below it. */
  difference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const out = new FieldSet();
    for (const [key, element] of this.#members) if (!other.#members.has(key)) out.#members.set(key, element);
    for (const [key, child] of this.#children) {
      const theirs = other.#children.get(key);
      const rest = theirs === undefined ? child.set : child.set.difference(theirs.set);
      if (!rest.isEmpty())
        out.#children.set(key, rest === child.set ? child : { element: child.element, set: rest });
    }
    return out;
  }

  /** Paths in this set that are neither in the other nor below a path of the other. */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const out = new FieldSet();
    for (const [key, element] of this.#members) if (!other.#members.has(key)) out.#members.set(key, element);
    for (const [key, child] of this.#children) {
      if (other.#members.has(key)) continue;
      const theirs = other.#children.get(key);
      const rest = theirs === undefined ? child.set : child.set.recursiveDifference(theirs.set);
      if (!rest.isEmpty())
        out.#children.set(key, rest === child.set ? child : { element: child.element, set: rest });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this === other) return true;
    if (this.#members.size !== other.#members.size || this.#children.size !== other.#children.size)
      return false;
    for (const key of this.#members.keys()) if (!other.#members.has(key)) return false;
    for (const [key, child] of this.#children) {
      const theirs = other.#children.get(key);
      if (theirs === undefined || !child.set.equals(theirs.set)) return false;
    }
    return true;
  }

  /** Every path, in structured-merge-diff's iteration order: a node's members, then its children. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    this.#collect([], out);
    return out;
  }

  /** The FieldsV1 object kube-apiserver stores in `managedFields[].fieldsV1`. */
  toFieldsV1(): Record<string, unknown> {
    return this.#emit(false);
  }

  toString(): string {
    return this.paths().map(formatFieldPath).join('\n');
  }

  #insert(path: FieldPath): void {
    const last = path[path.length - 1];
    if (last === undefined) return;
    const parent = path.slice(0, -1).reduce((node: FieldSet, element) => node.#childFor(element), this);
    parent.#members.set(serializePathElement(last), last);
  }

  /** The child node at `element`, created when missing; only while building. */
  #childFor(element: PathElement): FieldSet {
    const key = serializePathElement(element);
    let child = this.#children.get(key);
    if (child === undefined) {
      child = { element, set: new FieldSet() };
      this.#children.set(key, child);
    }
    return child.set;
  }

  #collect(prefix: PathElement[], out: FieldPath[]): void {
    for (const element of this.members()) out.push([...prefix, element]);
    for (const [element, set] of this.children()) set.#collect([...prefix, element], out);
  }

  #emit(includeSelf: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // kube-apiserver writes "." before the node's own entries
    if (includeSelf && !this.isEmpty()) out['.'] = {};
    const keys = new Map<string, PathElement>(this.#members);
    for (const [key, child] of this.#children) keys.set(key, child.element);
    const ordered = [...keys].sort((a, b) => comparePathElements(a[1], b[1]));
    for (const [key] of ordered) {
      const child = this.#children.get(key);
      out[key] = child === undefined ? {} : child.set.#emit(this.#members.has(key));
    }
    return out;
  }

  /** Reads one FieldsV1 node: the set below it (if any) and whether the node itself is a member. */
  static #read(object: Record<string, unknown>): { children: FieldSet | undefined; isMember: boolean } {
    let isMember = false;
    const node = new FieldSet();
    for (const [key, value] of Object.entries(object)) {
      if (key === '.') {
        isMember = true;
        continue;
      }
      const element = parsePathElement(key);
      if (element === undefined) continue;
      if (value !== null && !isObject(value)) throw new Error(`fieldsV1 value at ${key} must be an object`);
      const inner = FieldSet.#read(value ?? {});
      const canonical = serializePathElement(element);
      if (inner.isMember) node.#members.set(canonical, element);
      if (inner.children !== undefined) {
        const existing = node.#children.get(canonical);
        node.#children.set(canonical, {
          element,
          set: existing ? existing.set.union(inner.children) : inner.children,
        });
      }
    }
    // a node with nothing below it is a leaf: `{}` and `{".": {}}` both mean "this field"
    if (node.isEmpty()) return { children: undefined, isMember: true };
    return { children: node, isMember };
  }
}
