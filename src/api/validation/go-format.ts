/**
 * Bad values as kube-apiserver prints them. field.Error formats most values with Go's `%q` or `%#v`, so an
 * error about a map or a struct reads `map[string]string{"app":"web"}`, never JSON. These render the few values
 * that appear in messages users hit.
 */

import { isObject, stringMap } from './access.ts';

/** strconv.Quote: `%q` of a string. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code < 0xa0) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (code >= 0xd800 && code < 0xe000) out += '\\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

/** `%#v` of a map[string]string: keys sorted, `map[string]string(nil)` when absent. */
export function goStringMap(value: unknown): string {
  if (value === undefined || value === null) return 'map[string]string(nil)';
  const map = stringMap(value) ?? {};
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(map[k] ?? '')}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** `%#v` of a []string. */
export function goStringSlice(value: unknown): string {
  if (!Array.isArray(value)) return '[]string(nil)';
  return `[]string{${value.map((v) => goQuote(String(v))).join(', ')}}`;
}

/** `%#v` of a metav1.LabelSelector (as a dereferenced *LabelSelector); `null` for a nil selector. */
export function goLabelSelector(value: unknown): string {
  if (!isObject(value)) return 'null';
  const expressions = value['matchExpressions'];
  let shownExpressions: string;
  if (!Array.isArray(expressions)) shownExpressions = '[]v1.LabelSelectorRequirement(nil)';
  else {
    const items = expressions.map((e) => {
      const r = isObject(e) ? e : {};
      const key = typeof r['key'] === 'string' ? r['key'] : '';
      const operator = typeof r['operator'] === 'string' ? r['operator'] : '';
      return `v1.LabelSelectorRequirement{Key:${goQuote(key)}, Operator:${goQuote(operator)}, Values:${goStringSlice(r['values'])}}`;
    });
    shownExpressions = `[]v1.LabelSelectorRequirement{${items.join(', ')}}`;
  }
  return `v1.LabelSelector{MatchLabels:${goStringMap(value['matchLabels'])}, MatchExpressions:${shownExpressions}}`;
}

/** `%#v` of an intstr.IntOrString. */
export function goIntOrString(value: unknown): string {
  if (typeof value === 'number') return `intstr.IntOrString{Type:0, IntVal:${value}, StrVal:""}`;
  return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(typeof value === 'string' ? value : '')}}`;
}

/** time.Time.String() of a metav1.Time: `2024-01-02 03:04:05 +0000 UTC`; the zero time when absent. */
export function goTime(value: unknown): string {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) return '0001-01-01 00:00:00 +0000 UTC';
  const iso = date.toISOString();
  const millis = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${millis === '' ? '' : `.${millis}`} +0000 UTC`;
}
