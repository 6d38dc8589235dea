/**
 * metav1.LabelSelector: validation (metav1/validation.ValidateLabelSelector), conversion checks
 * (LabelSelectorAsSelector) and matching against a label set.
 */

import type { FieldError } from '../../base/errors.ts';
import { arrayAt, isObject, stringAt, stringMap } from './access.ts';
import { child, forbidden, index, invalid, required } from './field.ts';
import { isQualifiedName, isValidLabelValue } from './names.ts';

/** metav1/validation.ValidateLabelName: every problem is reported on `path` itself. */
export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((msg) => invalid(path, name, msg));
}

/** metav1/validation.ValidateLabels: keys and values, all reported on `path`. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  const map = stringMap(labels);
  if (map === undefined) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(map)) {
    errs.push(...validateLabelName(k, path));
    errs.push(...isValidLabelValue(v).map((msg) => invalid(path, v, msg)));
  }
  return errs;
}

/** ValidateLabelSelector; a nil selector is valid here (callers decide whether it is required). */
export function validateLabelSelector(
  selector: unknown,
  path: string,
  allowInvalidLabelValue = false,
): FieldError[] {
  if (!isObject(selector)) return [];
  const errs = validateLabels(selector['matchLabels'], child(path, 'matchLabels'));
  arrayAt(selector['matchExpressions']).forEach((raw, i) => {
    const expr = isObject(raw) ? raw : {};
    const exprPath = index(child(path, 'matchExpressions'), i);
    const values = arrayAt(expr['values']);
    const operator = stringAt(expr['operator']);
    switch (operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(
            required(child(exprPath, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            forbidden(
              child(exprPath, 'values'),
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        break;
      default:
        errs.push(invalid(child(exprPath, 'operator'), operator, 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(stringAt(expr['key']), child(exprPath, 'key')));
    if (!allowInvalidLabelValue) {
      values.forEach((value, j) => {
        const text = stringAt(value);
        for (const msg of isValidLabelValue(text))
          errs.push(invalid(index(child(exprPath, 'values'), j), text, msg));
      });
    }
  });
  return errs;
}

/** What metav1.LabelSelectorAsSelector turns a selector into. */
export type SelectorKind = 'nothing' | 'everything' | 'requirements' | 'invalid';

/**
 * The kind of labels.Selector a LabelSelector converts to: nil selects nothing, an empty one everything, and a
 * malformed requirement makes the conversion fail.
 */
export function selectorKind(selector: unknown): SelectorKind {
  if (!isObject(selector)) return 'nothing';
  const matchLabels = stringMap(selector['matchLabels']) ?? {};
  const expressions = arrayAt(selector['matchExpressions']);
  if (Object.keys(matchLabels).length + expressions.length === 0) return 'everything';
  for (const [k, v] of Object.entries(matchLabels)) {
    if (isQualifiedName(k).length > 0 || isValidLabelValue(v).length > 0) return 'invalid';
  }
  for (const raw of expressions) {
    const expr = isObject(raw) ? raw : {};
    const values = arrayAt(expr['values']);
    const operator = stringAt(expr['operator']);
    if (isQualifiedName(stringAt(expr['key'])).length > 0) return 'invalid';
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) return 'invalid';
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) return 'invalid';
    } else return 'invalid';
    if (values.some((v) => typeof v !== 'string' || isValidLabelValue(v).length > 0)) return 'invalid';
  }
  return 'requirements';
}

/** Whether the selector matches the label set; a nil selector matches nothing. */
export function selectorMatches(selector: unknown, labels: unknown): boolean {
  if (!isObject(selector)) return false;
  const set = stringMap(labels) ?? {};
  for (const [k, v] of Object.entries(stringMap(selector['matchLabels']) ?? {}))
    if (set[k] !== v) return false;
  for (const raw of arrayAt(selector['matchExpressions'])) {
    const expr = isObject(raw) ? raw : {};
    const k = stringAt(expr['key']);
    const values = arrayAt(expr['values']);
    const has = Object.hasOwn(set, k);
    switch (stringAt(expr['operator'])) {
      case 'In':
        if (!has || !values.includes(set[k])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(set[k])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
