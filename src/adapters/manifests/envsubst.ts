/**
 * Flux's envsubst (fluxcd/pkg/envsubst, a fork of drone/envsubst), the language of postBuild
 * substitution. Only `${…}` is an expression: `$var` stays as it is, and `$$` is an escaped `$`
 * (so `$${var}` gives `${var}`). Inside the braces:
 *
 * `${var}` · `${#var}` (length) · `${var^}` `${var^^}` `${var,}` `${var,,}` (case) ·
 * `${var:n}` `${var:n:len}` (substring) · `${var#p}` `${var##p}` `${var%p}` `${var%%p}` (trim a glob) ·
 * `${var/p/r}` `${var//p/r}` `${var/#p/r}` `${var/%p/r}` (replace; `\/` is a literal slash) ·
 * `${var=d}` `${var:=d}` `${var:-d}` (default, used when the variable is unset *or empty*; a default
 * may hold `${…}`). Flux parses `${var:?d}` and `${var:+d}` as defaults too, and rejects
 * `${var-d}`, `${var+d}` and `${var?d}` with "missing closing brace"; so does this port.
 *
 * Lengths and offsets count characters (UTF-16 code units); Flux counts bytes. They differ only for
 * non-ASCII values.
 */

type Node = TextNode | FuncNode;
interface TextNode {
  type: 'text';
  value: string;
}
interface FuncNode {
  type: 'func';
  variable: string;
  operator: string;
  args: Node[];
}

/** A template that does not parse. `message` is Flux's wording ("bad substitution", …). */
export class EnvsubstSyntaxError extends Error {
  readonly expression: string;

  constructor(message: string, expression: string) {
    super(message);
    this.name = 'EnvsubstSyntaxError';
    this.expression = expression;
  }
}

/** How a template reads a variable: the value, or `undefined` when it is unset. */
export type VariableLookup = (name: string) => string | undefined;

export interface EnvsubstOptions {
  /** Fail on a variable that is unset and has no default (Flux's strict substitution). */
  strict?: boolean;
}

/** Thrown in strict mode; names every unset variable of the template, in order of appearance. */
export class UnsetVariablesError extends Error {
  readonly variables: string[];

  constructor(variables: string[]) {
    super(
      variables.length === 1
        ? `variable "${variables[0]}" is not set`
        : `variables ${variables.map((v) => `"${v}"`).join(', ')} are not set`,
    );
    this.name = 'UnsetVariablesError';
    this.variables = variables;
  }
}

/**
 * Expands every `${…}` of `template`. Without `strict`, an unset variable reads as the empty string;
 * with it, an unset variable without a default operator is an error listing all such variables.
 */
export function envsubst(template: string, lookup: VariableLookup, options: EnvsubstOptions = {}): string {
  const nodes = new Parser(template).parseTemplate();
  const unset: string[] = [];
  const output = nodes.map((node) => evaluate(node, lookup, options.strict === true, unset)).join('');
  if (unset.length > 0) throw new UnsetVariablesError([...new Set(unset)]);
  return output;
}

const defaultOperators = new Set(['=', ':=', ':-', ':?', ':+', '-', '+', '?']);

function evaluate(node: Node, lookup: VariableLookup, strict: boolean, unset: string[]): string {
  if (node.type === 'text') return node.value;
  const args = node.args.map((arg) => evaluate(arg, lookup, strict, unset));
  const value = lookup(node.variable);
  if (value === undefined && strict && !defaultOperators.has(node.operator)) unset.push(node.variable);
  return apply(node.operator, value ?? '', args);
}

function apply(operator: string, value: string, args: string[]): string {
  const [first, second] = args;
  switch (operator) {
    case ',':
      return value.slice(0, 1).toLowerCase() + value.slice(1);
    case ',,':
      return value.toLowerCase();
    case '^':
      return value.slice(0, 1).toUpperCase() + value.slice(1);
    case '^^':
      return value.toUpperCase();
    case '#':
      return first === undefined ? String(value.length) : trimPrefix(value, first, 'shortest');
    case '##':
      return first === undefined ? value : trimPrefix(value, first, 'longest');
    case '%':
      return first === undefined ? value : trimSuffix(value, first, 'shortest');
    case '%%':
      return first === undefined ? value : trimSuffix(value, first, 'longest');
    case ':':
      return substring(value, first, second);
    case '/#':
      if (first === undefined || second === undefined) return value;
      return value.startsWith(first) ? second + value.slice(first.length) : value;
    case '/%':
      if (first === undefined || second === undefined) return value;
      return value.endsWith(first) ? value.slice(0, value.length - first.length) + second : value;
    case '/':
      return first === undefined ? value : goReplace(value, first, second ?? '', 1);
    case '//':
      return first === undefined ? value : goReplace(value, first, second ?? '', -1);
    default:
      // `${var}` and every default operator: the value, or the joined arguments when it is empty
      return value === '' && args.length > 0 ? args.join('') : value;
  }
}

/** Go's `strconv.Atoi`: an optional sign and decimal digits, nothing else. */
function atoi(text: string | undefined): number | undefined {
  return text !== undefined && /^[+-]?\d+$/.test(text) ? Number.parseInt(text, 10) : undefined;
}

function substring(value: string, offsetText: string | undefined, lengthText: string | undefined): string {
  let offset = atoi(offsetText);
  if (offset === undefined) return value;
  if (offset < 0) offset = Math.max(0, value.length + offset);
  if (lengthText === undefined) return value.slice(offset);
  const length = atoi(lengthText);
  if (length === undefined) return value;
  if (length < 0) {
    const end = value.length + length;
    return end < offset ? '' : value.slice(offset, end);
  }
  return value.slice(offset, offset + length);
}

/** Go's `strings.Replace(s, old, new, n)`, including its rule for an empty `old`. */
function goReplace(value: string, old: string, replacement: string, count: number): string {
  if (old === '') {
    const chars = [...value];
    let out = '';
    let done = 0;
    for (let i = 0; i <= chars.length; i++) {
      if (count < 0 || done < count) {
        out += replacement;
        done++;
      }
      out += chars[i] ?? '';
    }
    return out;
  }
  if (count < 0) return value.split(old).join(replacement);
  const at = value.indexOf(old);
  return at < 0 ? value : value.slice(0, at) + replacement + value.slice(at + old.length);
}

/**
 * A shell glob as Flux matches it: `*` is any run of characters (slashes too), `?` one character,
 * `[…]` a class (`^` negates), `\` quotes the next character. A malformed pattern matches nothing.
 */
function globToRegExp(pattern: string): RegExp | undefined {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '\\') {
      const next = pattern[++i];
      if (next === undefined) return undefined;
      source += escapeRegExp(next);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      if (body === '') return undefined;
      source += `[${negated ? '^' : ''}${body.replace(/[\]\\[]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else source += escapeRegExp(c);
  }
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function trimPrefix(value: string, pattern: string, which: 'shortest' | 'longest'): string {
  const glob = globToRegExp(pattern);
  if (glob === undefined) return value;
  // like Flux, candidates run from the whole value down to one character; the empty prefix is never tried
  let match = -1;
  for (let length = value.length; length > 0; length--) {
    if (glob.test(value.slice(0, length))) {
      match = length;
      if (which === 'longest') break;
    }
  }
  return match < 0 ? value : value.slice(match);
}

function trimSuffix(value: string, pattern: string, which: 'shortest' | 'longest'): string {
  // Flux reverses the value and the pattern and trims a prefix; so does this, for the same results
  return reverse(trimPrefix(reverse(value), reverse(pattern), which));
}

function reverse(text: string): string {
  return [...text].reverse().join('');
}

const identifierChar = /^[\p{L}\p{Nd}_]$/u;
const syntaxErrors = {
  bad: 'bad substitution',
  brace: 'missing closing brace',
  name: 'unable to parse variable name',
  param: 'unable to parse substitution within function',
} as const;

/** A recursive-descent parser with the grammar of Flux's `parse` package. */
class Parser {
  private readonly src: string;
  private pos = 0;
  private expressionStart = 0;

  constructor(src: string) {
    this.src = src;
  }

  parseTemplate(): Node[] {
    const nodes: Node[] = [];
    let text = '';
    while (this.pos < this.src.length) {
      if (this.at('${')) {
        if (text !== '') nodes.push({ type: 'text', value: text });
        text = '';
        this.expressionStart = this.pos;
        this.pos += 2;
        nodes.push(this.parseExpression());
      } else if (this.at('$$')) {
        text += '$';
        this.pos += 2;
      } else {
        text += this.src[this.pos];
        this.pos++;
      }
    }
    if (text !== '') nodes.push({ type: 'text', value: text });
    return nodes;
  }

  private fail(message: string): never {
    const rest = this.src.slice(this.expressionStart);
    const end = rest.search(/[\n}]/);
    const length = end < 0 ? rest.length : rest[end] === '}' ? end + 1 : end;
    const expression = rest.slice(0, Math.min(length, 60));
    throw new EnvsubstSyntaxError(message, expression);
  }

  private at(text: string): boolean {
    return this.src.startsWith(text, this.pos);
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  /** Reads characters while `accept(char, index)` holds; index counts from 1 as in Flux's scanner. */
  private take(accept: (char: string, index: number) => boolean): string {
    let text = '';
    while (this.pos < this.src.length && accept(this.src[this.pos]!, text.length + 1)) {
      text += this.src[this.pos];
      this.pos++;
    }
    return text;
  }

  private identifier(): string {
    const start = this.pos;
    while (this.pos < this.src.length) {
      const char = String.fromCodePoint(this.src.codePointAt(this.pos)!);
      if (!identifierChar.test(char)) break;
      this.pos += char.length;
    }
    return this.src.slice(start, this.pos);
  }

  private closeBrace(message: string = syntaxErrors.bad): void {
    if (this.peek() !== '}') this.fail(message);
    this.pos++;
  }

  /** After `${`. */
  private parseExpression(): FuncNode {
    if (this.peek() === '#') {
      this.pos++;
      const variable = this.identifier();
      if (variable === '') this.fail(syntaxErrors.bad);
      this.closeBrace();
      return { type: 'func', variable, operator: '#', args: [] };
    }
    const variable = this.identifier();
    if (variable === '') this.fail(syntaxErrors.name);
    switch (this.peek()) {
      case ':':
        return '=-?+'.includes(this.src[this.pos + 1] ?? '.')
          ? this.parseDefault(variable)
          : this.parseSubstring(variable);
      case '=':
        return this.parseDefault(variable);
      case ',':
      case '^': {
        const operator = this.take((c, i) => (c === ',' || c === '^') && i < 3);
        this.closeBrace();
        return { type: 'func', variable, operator, args: [] };
      }
      case '/':
        return this.parseReplace(variable);
      case '#':
      case '%': {
        const mark = this.peek();
        const operator = this.take((c, i) => c === mark && i < 3);
        const args = [this.parseParameter((c) => c !== '}', false)];
        this.closeBrace();
        return { type: 'func', variable, operator, args };
      }
      case '}':
        this.pos++;
        return { type: 'func', variable, operator: '', args: [] };
      case undefined:
      default:
        return this.fail(syntaxErrors.brace);
    }
  }

  private parseDefault(variable: string): FuncNode {
    const operator = this.peek() === '=' ? '=' : this.src.slice(this.pos, this.pos + 2);
    this.pos += operator.length;
    const args: Node[] = [];
    while (this.peek() !== '}') args.push(this.parseParameter((c) => c !== '}', false));
    this.pos++;
    return { type: 'func', variable, operator, args };
  }

  private parseSubstring(variable: string): FuncNode {
    this.pos++;
    const args = [this.parseParameter((c) => c !== ':' && c !== '}', false)];
    if (this.peek() === '}') {
      this.pos++;
      return { type: 'func', variable, operator: ':', args };
    }
    if (this.take((c) => c === ':') === '') this.fail(syntaxErrors.bad);
    args.push(this.parseParameter((c) => c !== '}', false));
    this.closeBrace();
    return { type: 'func', variable, operator: ':', args };
  }

  private parseReplace(variable: string): FuncNode {
    const operator = this.take((c, i) => (i === 1 && c === '/') || (i === 2 && '/#%'.includes(c)));
    const args: Node[] = [
      this.peek() === '/' ? { type: 'text', value: '' } : this.parseParameter((c) => c !== '/', true),
    ];
    if (this.take((c) => c === '/') === '') this.fail(syntaxErrors.bad);
    if (this.peek() !== '}') args.push(this.parseParameter((c) => c !== '}', true));
    this.closeBrace();
    return { type: 'func', variable, operator, args };
  }

  /** One argument: a nested `${…}`, or text of accepted characters (with `$$`, `\/`, `\\` escapes if `escapes`). */
  private parseParameter(accept: (char: string) => boolean, escapes: boolean): Node {
    if (this.at('${')) {
      this.pos += 2;
      return this.parseExpression();
    }
    let text = '';
    while (this.pos < this.src.length && !this.at('${')) {
      if (escapes && (this.at('$$') || this.at('\\/') || this.at('\\\\'))) {
        text += this.src[this.pos + 1];
        this.pos += 2;
        continue;
      }
      const char = this.src[this.pos]!;
      if (!accept(char)) break;
      text += char;
      this.pos++;
    }
    if (text === '') this.fail(syntaxErrors.param);
    return { type: 'text', value: text };
  }
}
