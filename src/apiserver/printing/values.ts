/**
 * Reading stored JSON without trusting its shape, and the small formatters the printers share
 * (ages, label selectors, container lists). Each mirrors the Go helper named in its doc.
 */

import { humanDuration } from './duration.ts';

export type Fields = Record<string, unknown>;

/** The value as an object, or an empty one. */
export function fields(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}

/** Whether `key` holds an object: a set Go pointer such as `state.waiting`. */
export function has(object: Fields, key: string): boolean {
  const value = object[key];
  return typeof value === 'object' && value !== null;
}

/** The value as an array, or an empty one. */
export function items(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The value as a string, or `''` (Go's zero value). */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The value as a number, or 0 (Go's zero value). */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Number of keys of a JSON map, as Go's `len(map)`. */
export function sizeOf(value: unknown): number {
  return Object.keys(fields(value)).length;
}

const rfc3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
/** Go's zero `time.Time`, 0001-01-01T00:00:00Z, which metav1.Time treats as unset. */
const goZeroTime = -62_135_596_800_000;

/** Whether text is an RFC 3339 timestamp as Go's `time.Parse(time.RFC3339, …)` reads one. */
export function isRfc3339(value: string): boolean {
  return rfc3339.test(value);
}

/** Milliseconds since the epoch of an RFC 3339 timestamp; undefined when absent, invalid or Go's zero time. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = rfc3339.exec(value);
  if (match === null) return undefined;
  const [
    ,
    year,
    month,
    day,
    hours,
    minutes,
    seconds,
    fraction = '',
    ,
    offsetSign,
    offsetHours,
    offsetMinutes,
  ] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(
    Number(hours),
    Number(minutes),
    Number(seconds),
    Number(fraction.slice(0, 3).padEnd(3, '0')),
  );
  let ms = date.getTime();
  if (offsetSign !== undefined) {
    const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
    ms += offsetSign === '+' ? -offset : offset;
  }
  return Number.isNaN(ms) || ms === goZeroTime ? undefined : ms;
}

/** translateTimestampSince: the age of a timestamp, `<unknown>` when it is unset. */
export function since(timestamp: unknown, now: Date): string {
  const time = parseTime(timestamp);
  return time === undefined ? '<unknown>' : humanDuration(now.getTime() - time);
}

/** `time.Time.UTC().Format(time.RFC3339)`: whole seconds, `Z`; Go's zero time when unset. */
export function formatRfc3339(timestamp: unknown): string {
  const time = parseTime(timestamp);
  if (time === undefined) return '0001-01-01T00:00:00Z';
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 19)}Z`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** labels.FormatLabels: `k=v` pairs sorted by key, `<none>` when empty. */
export function formatLabels(value: unknown): string {
  const pairs = Object.entries(fields(value))
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([key, label]) => `${key}=${text(label)}`);
  return pairs.length === 0 ? '<none>' : pairs.join(',');
}

/**
 * `LabelSelectorAsSelector(selector).String()`: requirements sorted by key, `in`/`notin` values
 * sorted; `''` for an empty or absent selector; undefined when the selector is invalid.
 */
export function labelSelectorString(value: unknown): string | undefined {
  if (value === undefined || value === null) return '';
  const selector = fields(value);
  const requirements: Array<{ key: string; text: string }> = [];
  for (const [key, label] of Object.entries(fields(selector['matchLabels']))) {
    requirements.push({ key, text: `${key}=${text(label)}` });
  }
  for (const entry of items(selector['matchExpressions'])) {
    const expression = fields(entry);
    const key = text(expression['key']);
    const values = items(expression['values']).map(text).sort(compareStrings);
    switch (expression['operator']) {
      case 'In':
        requirements.push({ key, text: `${key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        requirements.push({ key, text: `${key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        requirements.push({ key, text: key });
        break;
      case 'DoesNotExist':
        requirements.push({ key, text: `!${key}` });
        break;
      default:
        return undefined;
    }
  }
  return requirements
    .sort((a, b) => compareStrings(a.key, b.key))
    .map((requirement) => requirement.text)
    .join(',');
}

/** metav1.FormatLabelSelector: `<none>` for an empty selector, `<error>` for an invalid one. */
export function formatLabelSelector(value: unknown): string {
  const selector = labelSelectorString(value);
  if (selector === undefined) return '<error>';
  return selector === '' ? '<none>' : selector;
}

/** layoutContainerCells: container names and images, each joined with commas. */
export function containerCells(containers: unknown): [names: string, images: string] {
  const list = items(containers).map(fields);
  return [list.map((c) => text(c['name'])).join(','), list.map((c) => text(c['image'])).join(',')];
}

/** printBoolPtr: `True`, `False`, or `<unset>` when absent. */
export function formatBoolPointer(value: unknown): string {
  if (typeof value !== 'boolean') return '<unset>';
  return value ? 'True' : 'False';
}

/** intstr.IntOrString.String(). */
export function formatIntOrString(value: unknown): string {
  return typeof value === 'number' ? String(Math.trunc(value)) : text(value);
}
