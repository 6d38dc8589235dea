/**
 * The JSONPath subset CRD printer columns use, evaluated as client-go's jsonpath does with
 * AllowMissingKeys(true): `.spec.size`, `.metadata.labels.app\.kubernetes\.io/name`,
 * `.spec.items[0].name`, `.items[-1]`, `.items[1:3]`, `.items[*].name`, `['key']`, `..name`,
 * `.status.conditions[?(@.type=="Ready")].status` (filters compare with == != < > <= >= or test
 * existence). The path may be wrapped in `{}` and may start with `$`.
 */

import { KeelsonError } from '../../base/errors.ts';

/** A JSONPath that does not parse; CRD validation reports it as Invalid. */
export class JsonPathError extends KeelsonError {
  constructor(message: string) {
    super('KEELSON_INVALID', message);
    this.name = 'JsonPathError';
  }
}

type Literal = string | number | boolean;
type Operand = { path: JsonPathStep[] } | { literal: Literal };
type Operator = '==' | '!=' | '<' | '>' | '<=' | '>=';

/** One step of a parsed path. */
export type JsonPathStep =
  | { kind: 'field'; name: string }
  | { kind: 'fields'; names: string[] }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; left: Operand; operator?: Operator; right?: Operand };

/** Evaluation cannot go on (index out of range, incomparable values): the path selects nothing. */
class NoMatch extends Error {}

const terminators = new Set([' ', '.', ',', '{', '}', '[', ']', '(', ')', '=', '!', '<', '>', '@']);

class Parser {
  private position = 0;

  constructor(private readonly source: string) {}

  parse(): JsonPathStep[] {
    let text = this.source.trim();
    if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
    this.position = this.source.indexOf(text);
    const end = this.position + text.length;
    if (text.startsWith('$')) this.position++;
    const steps = this.steps(end, false);
    if (this.position < end) this.fail(`unexpected ${JSON.stringify(this.source[this.position])}`);
    if (steps.length === 0 && !text.startsWith('$')) this.fail('empty path');
    return steps;
  }

  private fail(message: string): never {
    throw new JsonPathError(
      `invalid JSONPath ${JSON.stringify(this.source)} at ${this.position}: ${message}`,
    );
  }

  private peek(offset = 0): string | undefined {
    return this.source[this.position + offset];
  }

  /** Steps up to `end`; inside a filter, stops at the first character that cannot continue a path. */
  private steps(end: number, inFilter: boolean): JsonPathStep[] {
    const steps: JsonPathStep[] = [];
    while (this.position < end) {
      const char = this.peek();
      if (char === '.') {
        if (this.peek(1) === '.') {
          this.position += 2;
          steps.push({ kind: 'recursive' });
          if (this.peek() === '[') continue;
          steps.push(this.field(end));
        } else {
          this.position++;
          steps.push(this.field(end));
        }
      } else if (char === '[') {
        steps.push(this.bracket(end));
      } else {
        if (inFilter) break;
        this.fail(`unexpected ${JSON.stringify(char)}`);
      }
    }
    return steps;
  }

  private field(end: number): JsonPathStep {
    if (this.peek() === '*') {
      this.position++;
      return { kind: 'wildcard' };
    }
    let name = '';
    while (this.position < end) {
      const char = this.peek() ?? '';
      if (char === '\\' && this.position + 1 < end) {
        name += this.peek(1);
        this.position += 2;
        continue;
      }
      if (terminators.has(char)) break;
      name += char;
      this.position++;
    }
    if (name === '') this.fail('missing field name');
    return { kind: 'field', name };
  }

  private bracket(end: number): JsonPathStep {
    const close = this.closingBracket(end);
    const inner = this.source.slice(this.position + 1, close).trim();
    const start = this.position;
    let step: JsonPathStep;
    if (inner.startsWith('?(') && inner.endsWith(')')) {
      this.position = this.source.indexOf('?(', start) + 2;
      step = this.filter(this.source.lastIndexOf(')', close));
    } else if (inner === '*') {
      step = { kind: 'wildcard' };
    } else if (inner.startsWith("'") || inner.startsWith('"')) {
      step = { kind: 'fields', names: this.quotedNames(inner) };
    } else {
      step = this.slice(inner);
    }
    this.position = close + 1;
    return step;
  }

  private closingBracket(end: number): number {
    let depth = 0;
    let quote: string | undefined;
    for (let i = this.position; i < end; i++) {
      const char = this.source[i];
      if (quote !== undefined) {
        if (char === '\\') i++;
        else if (char === quote) quote = undefined;
      } else if (char === "'" || char === '"') quote = char;
      else if (char === '[' || char === '(') depth++;
      else if (char === ']' || char === ')') {
        depth--;
        if (depth === 0 && char === ']') return i;
      }
    }
    return this.fail('unterminated [');
  }

  private quotedNames(inner: string): string[] {
    const names: string[] = [];
    const pattern = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(,|$)/y;
    let match: RegExpExecArray | null;
    while (pattern.lastIndex < inner.length && (match = pattern.exec(inner)) !== null) {
      names.push((match[1] ?? match[2] ?? '').replace(/\\(.)/g, '$1'));
      if (match[3] === '') break;
    }
    if (pattern.lastIndex !== inner.length || names.length === 0) this.fail(`invalid field list [${inner}]`);
    return names;
  }

  private slice(inner: string): JsonPathStep {
    const parts = inner.split(':').map((part) => part.trim());
    if (parts.length > 3 || parts.some((part) => part !== '' && !/^-?\d+$/.test(part)))
      this.fail(`invalid array index [${inner}]`);
    const numbers = parts.map((part) => (part === '' ? undefined : Number(part)));
    if (parts.length === 1) {
      if (numbers[0] === undefined) this.fail('empty array index');
      return { kind: 'index', index: numbers[0] };
    }
    const step: JsonPathStep = { kind: 'slice' };
    if (numbers[0] !== undefined) step.start = numbers[0];
    if (numbers[1] !== undefined) step.end = numbers[1];
    if (numbers[2] !== undefined) step.step = numbers[2];
    return step;
  }

  private filter(end: number): JsonPathStep {
    const left = this.operand(end);
    this.skipSpaces();
    if (this.position >= end) return { kind: 'filter', left };
    const operator = /^(==|!=|<=|>=|<|>)/.exec(this.source.slice(this.position, end))?.[1] as
      Operator | undefined;
    if (operator === undefined) this.fail('unrecognized filter operator');
    this.position += operator.length;
    const right = this.operand(end);
    this.skipSpaces();
    if (this.position < end) this.fail('unexpected text after filter');
    return { kind: 'filter', left, operator, right };
  }

  private skipSpaces(): void {
    while (this.peek() === ' ') this.position++;
  }

  private operand(end: number): Operand {
    this.skipSpaces();
    const rest = this.source.slice(this.position, end);
    if (rest.startsWith('@')) {
      this.position++;
      return { path: this.steps(end, true) };
    }
    const quoted = /^(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/.exec(rest);
    if (quoted !== null) {
      this.position += quoted[0].length;
      return { literal: (quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1') };
    }
    const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(rest);
    if (number !== null) {
      this.position += number[0].length;
      return { literal: Number(number[0]) };
    }
    const bool = /^(true|false)\b/.exec(rest);
    if (bool !== null) {
      this.position += bool[0].length;
      return { literal: bool[0] === 'true' };
    }
    return this.fail('invalid filter operand');
  }
}

/** Parses a path; throws JsonPathError when it is not of the supported forms. */
export function parseJsonPath(path: string): JsonPathStep[] {
  return new Parser(path).parse();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function descendants(value: unknown, into: unknown[]): void {
  into.push(value);
  if (Array.isArray(value)) for (const item of value) descendants(item, into);
  else if (isRecord(value)) for (const item of Object.values(value)) descendants(item, into);
}

function compare(left: unknown, right: unknown, operator: Operator): boolean {
  const sameType =
    typeof left === typeof right &&
    (typeof left === 'string' || typeof left === 'number' || typeof left === 'boolean');
  if (!sameType) throw new NoMatch();
  if (operator === '==') return left === right;
  if (operator === '!=') return left !== right;
  if (typeof left === 'boolean') throw new NoMatch();
  const [a, b] = [left, right as string | number];
  switch (operator) {
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
  }
}

function single(operand: Operand, element: unknown): { found: false } | { found: true; value: unknown } {
  if ('literal' in operand) return { found: true, value: operand.literal };
  const values = evaluateSteps([element], operand.path);
  if (values.length > 1) throw new NoMatch();
  return values.length === 0 ? { found: false } : { found: true, value: values[0] };
}

function applyStep(inputs: unknown[], step: JsonPathStep): unknown[] {
  const results: unknown[] = [];
  for (const value of inputs) {
    switch (step.kind) {
      case 'field':
        if (isRecord(value) && Object.hasOwn(value, step.name)) results.push(value[step.name]);
        break;
      case 'fields':
        if (isRecord(value))
          for (const name of step.names) if (Object.hasOwn(value, name)) results.push(value[name]);
        break;
      case 'wildcard':
        if (Array.isArray(value)) results.push(...value);
        else if (isRecord(value)) results.push(...Object.values(value));
        break;
      case 'recursive':
        descendants(value, results);
        break;
      case 'index': {
        if (!Array.isArray(value)) throw new NoMatch();
        const index = step.index < 0 ? step.index + value.length : step.index;
        if (index < 0 || index >= value.length) throw new NoMatch();
        results.push(value[index]);
        break;
      }
      case 'slice': {
        if (!Array.isArray(value)) throw new NoMatch();
        const length = value.length;
        const clamp = (n: number): number => Math.min(Math.max(n < 0 ? n + length : n, 0), length);
        const start = clamp(step.start ?? 0);
        const end = clamp(step.end ?? length);
        const stride = step.step ?? 1;
        if (stride <= 0) throw new NoMatch();
        for (let i = start; i < end; i += stride) results.push(value[i]);
        break;
      }
      case 'filter': {
        if (!Array.isArray(value)) throw new NoMatch();
        for (const element of value) {
          const left = single(step.left, element);
          if (step.operator === undefined || step.right === undefined) {
            if (left.found) results.push(element);
            continue;
          }
          const right = single(step.right, element);
          if (left.found && right.found && compare(left.value, right.value, step.operator))
            results.push(element);
        }
        break;
      }
    }
  }
  return results;
}

function evaluateSteps(inputs: unknown[], steps: JsonPathStep[]): unknown[] {
  let values = inputs;
  for (const step of steps) values = applyStep(values, step);
  return values;
}

/**
 * Every value the path selects in `object`, in order; empty when nothing matches, a key is missing
 * or evaluation fails (an index out of range, values of different types compared), which is what a
 * CRD column shows as an empty cell. Throws JsonPathError only for a path that does not parse.
 */
export function evaluateJsonPath(object: unknown, path: string | JsonPathStep[]): unknown[] {
  const steps = typeof path === 'string' ? parseJsonPath(path) : path;
  try {
    return evaluateSteps([object], steps);
  } catch (error) {
    if (error instanceof NoMatch) return [];
    throw error;
  }
}
