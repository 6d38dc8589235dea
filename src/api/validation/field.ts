/**
 * Field paths and field errors built the way k8s.io/apimachinery/pkg/util/validation/field builds them, so
 * formatFieldError renders them exactly as kube-apiserver does.
 */

import type { FieldError } from '../../base/errors.ts';
import { goQuote } from './go-format.ts';

/** `spec` + `template` → `spec.template`; the empty path is the root. */
export function child(path: string, ...names: string[]): string {
  let out = path;
  for (const name of names) out = out === '' ? name : `${out}.${name}`;
  return out;
}

/** `spec.containers` + 0 → `spec.containers[0]`. */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** `data` + `a.b` → `data[a.b]` (field.Path.Key never quotes). */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** field.Required: `path: Required value[: detail]`. */
export function required(field: string, detail = ''): FieldError {
  return { field, type: 'FieldValueRequired', message: detail };
}

/** field.Forbidden: `path: Forbidden: detail`. */
export function forbidden(field: string, detail: string): FieldError {
  return { field, type: 'FieldValueForbidden', message: detail };
}

/**
 * field.Invalid with a bad value JSON can show as Go does: strings (quoted), numbers, booleans, null. An absent
 * value is a nil pointer, which Go prints as `null`.
 */
export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { field, type: 'FieldValueInvalid', value: value ?? null, message: detail };
}

/**
 * field.Invalid whose bad value Go prints with `%#v` (`map[string]string{"app":"web"}`), which no JSON value
 * renders: the Go text leads the message and `value` stays unset, so formatFieldError prints
 * `path: Invalid value: <shown>: detail`.
 */
export function invalidShown(field: string, shown: string, detail: string): FieldError {
  return { field, type: 'FieldValueInvalid', message: detail === '' ? shown : `${shown}: ${detail}` };
}

/** field.NotSupported: `path: Unsupported value: "x": supported values: "a", "b"`. */
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const detail = supported.length > 0 ? `supported values: ${supported.map(goQuote).join(', ')}` : '';
  return { field, type: 'FieldValueNotSupported', value: value ?? null, message: detail };
}

/** field.NotSupported for a value Go prints with `%#v`. */
export function notSupportedShown(field: string, shown: string, supported: readonly string[]): FieldError {
  return {
    field,
    type: 'FieldValueNotSupported',
    message: `${shown}: supported values: ${supported.map(goQuote).join(', ')}`,
  };
}

/** field.Duplicate: `path: Duplicate value: "x"`. */
export function duplicate(field: string, value: unknown): FieldError {
  return { field, type: 'FieldValueDuplicate', value: value ?? null, message: '' };
}

/** field.Duplicate for a value Go prints with `%#v`, optionally with a detail. */
export function duplicateShown(field: string, shown: string, detail = ''): FieldError {
  return { field, type: 'FieldValueDuplicate', message: detail === '' ? shown : `${shown}: ${detail}` };
}

/** field.TooLong: `path: Too long: must have at most N bytes` (the value is never shown). */
export function tooLong(field: string, maxLength: number): FieldError {
  return { field, type: 'FieldValueTooLong', message: `must have at most ${maxLength} bytes` };
}

/**
 * field.TooMany (`path: Too many: N: must have at most M items`). FieldErrorType has no FieldValueTooMany yet, so
 * this is reported as an Invalid value until src/base/errors.ts gains the type.
 */
export function tooMany(field: string, actual: number, max: number): FieldError {
  return { field, type: 'FieldValueInvalid', message: `${actual}: must have at most ${max} items` };
}

/**
 * field.NotFound (`path: Not found: "x"`). FieldErrorType has no FieldValueNotFound yet, so this is reported as
 * an Invalid value with the detail `not found` until src/base/errors.ts gains the type.
 */
export function notFound(field: string, value: unknown): FieldError {
  return { field, type: 'FieldValueInvalid', value: value ?? null, message: 'not found' };
}

/** field.Invalid(path, value, "field is immutable"). */
export function immutable(field: string, value: unknown): FieldError {
  return invalid(field, value, 'field is immutable');
}

/** field.Invalid with the value omitted (field.OmitValueType): `path: Invalid value: detail`. */
export function invalidOmitted(field: string, detail: string): FieldError {
  return { field, type: 'FieldValueInvalid', message: detail };
}

/** ValidateNonnegativeField for an optional number: nothing when absent. */
export function nonNegative(value: unknown, field: string): FieldError[] {
  return typeof value === 'number' && value < 0
    ? [invalid(field, value, 'must be greater than or equal to 0')]
    : [];
}
