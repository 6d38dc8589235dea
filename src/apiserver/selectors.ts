/**
 * Label and field selectors with the grammar of k8s.io/apimachinery/pkg/labels and pkg/fields:
 * `a=b,c!=d,e in (x,y),f notin (z),g,!h` and `metadata.name=x,status.phase!=Running`.
 */
import { BadRequestError } from '../base/errors.ts';
import type { KubeObject } from '../api/meta.ts';
import { getPath, isObject } from '../base/json.ts';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: '=' | '!='; values: [string] };

export type Selector = Requirement[];

export function parseLabelSelector(text: string): Selector {
  const requirements: Selector = [];
  let i = 0;
  const s = text.trim();
  const skipSpace = () => {
    while (s[i] === ' ') i++;
  };
  const readToken = (): string => {
    skipSpace();
    const start = i;
    while (i < s.length && !' ,=!()'.includes(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipSpace();
    if (s[i] === '!') {
      i++;
      const key = readToken();
      if (!key)
        throw new BadRequestError(`unable to parse requirement: found '!' without a key in "${text}"`);
      requirements.push({ key, op: '!' });
    } else {
      const key = readToken();
      if (!key) throw new BadRequestError(`unable to parse requirement: expected a key in "${text}" at ${i}`);
      skipSpace();
      if (i >= s.length || s[i] === ',') {
        requirements.push({ key, op: 'exists' });
      } else if (s.startsWith('!=', i)) {
        i += 2;
        requirements.push({ key, op: '!=', values: [readToken()] });
      } else if (s.startsWith('==', i) || s[i] === '=') {
        i += s.startsWith('==', i) ? 2 : 1;
        requirements.push({ key, op: '=', values: [readToken()] });
      } else {
        const word = readToken();
        if (word !== 'in' && word !== 'notin') {
          throw new BadRequestError(
            `unable to parse requirement: found '${word}', expected: in, notin, =, ==, !=, or end of string`,
          );
        }
        skipSpace();
        if (s[i] !== '(')
          throw new BadRequestError(`unable to parse requirement: found '${s[i] ?? ''}', expected: '('`);
        i++;
        const close = s.indexOf(')', i);
        if (close < 0) throw new BadRequestError(`unable to parse requirement: missing ')' in "${text}"`);
        const values = s
          .slice(i, close)
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== '');
        i = close + 1;
        requirements.push({ key, op: word, values });
      }
    }
    skipSpace();
    if (i < s.length) {
      if (s[i] !== ',')
        throw new BadRequestError(`unable to parse requirement: found '${s[i]}', expected: ','`);
      i++;
    }
  }
  return requirements;
}

export function parseFieldSelector(text: string): Selector {
  if (text.trim() === '') return [];
  return text.split(',').map((term): Requirement => {
    const ne = term.indexOf('!=');
    if (ne > 0) return { key: term.slice(0, ne).trim(), op: '!=', values: [term.slice(ne + 2).trim()] };
    const eq = term.indexOf('=');
    if (eq <= 0) throw new BadRequestError(`invalid selector: '${text}'; can't understand '${term}'`);
    const value = term.slice(term.startsWith('==', eq) ? eq + 2 : eq + 1).trim();
    return { key: term.slice(0, eq).trim(), op: '=', values: [value] };
  });
}

export function matches(selector: Selector, lookup: (key: string) => string | undefined): boolean {
  return selector.every((r) => {
    const value = lookup(r.key);
    switch (r.op) {
      case 'exists':
        return value !== undefined;
      case '!':
        return value === undefined;
      case '=':
        return value === r.values[0];
      case '!=':
        return value !== r.values[0];
      case 'in':
        return value !== undefined && r.values.includes(value);
      case 'notin':
        return value === undefined || !r.values.includes(value);
    }
  });
}

export function matchesLabels(selector: Selector, object: KubeObject): boolean {
  const labels = object.metadata.labels ?? {};
  return matches(selector, (key) => labels[key]);
}

/**
 * The fields a field selector can name: metadata.name and metadata.namespace everywhere, plus the
 * per-kind ones kube-apiserver registers (involvedObject.*, status.phase, spec.nodeName, type, …).
 */
export function fieldValue(
  object: KubeObject,
  key: string,
  allowed: ReadonlySet<string>,
): string | undefined {
  if (key !== 'metadata.name' && key !== 'metadata.namespace' && !allowed.has(key)) {
    throw new BadRequestError(`field label not supported: ${key}`);
  }
  if (key === 'metadata.namespace') return object.metadata.namespace ?? '';
  const value = getPath(object, key.split('.'));
  if (value === undefined || value === null || isObject(value)) return '';
  return String(value);
}

export function matchesFields(selector: Selector, object: KubeObject, allowed: ReadonlySet<string>): boolean {
  return matches(selector, (key) => fieldValue(object, key, allowed));
}

/** Field selectors per kind, as kube-apiserver registers them (kind → extra field labels). */
export const fieldLabels: Record<string, ReadonlySet<string>> = {
  Pod: new Set([
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ]),
  Event: new Set([
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
    'regarding.kind',
    'regarding.namespace',
    'regarding.name',
    'regarding.uid',
    'reportingController',
  ]),
  Secret: new Set(['type']),
  Namespace: new Set(['status.phase']),
  Node: new Set(['spec.unschedulable']),
  ReplicaSet: new Set(['status.replicas']),
  Job: new Set(['status.successful']),
  CustomResourceDefinition: new Set(),
};

/** A LabelSelector object (matchLabels + matchExpressions) as a Selector. */
export function selectorFromLabelSelector(value: unknown): Selector {
  if (!isObject(value)) return [];
  const out: Selector = [];
  const matchLabels = value['matchLabels'];
  if (isObject(matchLabels)) {
    for (const [k, v] of Object.entries(matchLabels)) out.push({ key: k, op: '=', values: [String(v)] });
  }
  const expressions = value['matchExpressions'];
  if (Array.isArray(expressions)) {
    for (const e of expressions) {
      if (!isObject(e)) continue;
      const key = String(e['key']);
      const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
      switch (e['operator']) {
        case 'In':
          out.push({ key, op: 'in', values });
          break;
        case 'NotIn':
          out.push({ key, op: 'notin', values });
          break;
        case 'Exists':
          out.push({ key, op: 'exists' });
          break;
        case 'DoesNotExist':
          out.push({ key, op: '!' });
          break;
      }
    }
  }
  return out;
}

/** The string form of a selector, as Scale.status.selector carries it. */
export function formatSelector(selector: Selector): string {
  return selector
    .map((r) => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case '=':
        case '!=':
          return `${r.key}${r.op}${r.values[0]}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.op} (${r.values.join(',')})`;
      }
    })
    .join(',');
}
