/**
 * Tables for custom resources, as apiextensions-apiserver's tableconvertor builds them: a Name
 * column, then the version's additionalPrinterColumns, each a JSONPath evaluated on the object.
 * A version without printer columns gets one Age column (serveDefaultColumnsIfEmpty); a version
 * with columns gets exactly those, with no Age added.
 */

import type { KubeObject } from '../../api/meta.ts';
import * as describe from './descriptions.ts';
import { evaluateJsonPath, parseJsonPath, type JsonPathStep } from './jsonpath.ts';
import { isRfc3339, since } from './values.ts';
import type { PrinterColumn, Printer, TableCell, TableColumnDefinition } from './types.ts';

const defaultColumns: PrinterColumn[] = [
  {
    name: 'Age',
    type: 'date',
    description: describe.objectMetaCreationTimestamp,
    jsonPath: '.metadata.creationTimestamp',
  },
];

/** A JSON string as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. */
function goJsonString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (
      code < 0x20 ||
      char === '<' ||
      char === '>' ||
      char === '&' ||
      code === 0x2028 ||
      code === 0x2029
    ) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += char;
  }
  return `${out}"`;
}

/** `json.Marshal` of a decoded JSON value: object keys sorted, HTML characters escaped. */
function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((key) => `${goJsonString(key)}:${goJson(record[key])}`).join(',')}}`;
}

/**
 * A number as Go's `fmt.Print` writes it: JSON integers decode to int64 and print in full; other
 * numbers are float64, printed `%v` (shortest `%g`): an exponent below 1e-4 and from 1e6 up.
 */
function goNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) return BigInt(value).toString();
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/** What client-go's JSONPath PrintResults writes for one value: text for scalars, JSON for the rest. */
function jsonPathText(value: unknown): string {
  if (value === null || value === undefined) return '<no value>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return goJson(value);
}

/** cellForJSONValue: a value of the column's type, or null when it is of another. */
function typedCell(type: string, value: unknown, now: Date): TableCell {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'string':
      return typeof value === 'string' ? value : null;
    case 'date':
      if (typeof value !== 'string') return null;
      if (value === '' || value === 'null') return '<unknown>';
      return isRfc3339(value) ? since(value, now) : '<invalid>';
    default:
      return null;
  }
}

/**
 * The printer for a custom resource version. A column whose JSONPath does not parse ends the list
 * there, as the convertor kube-apiserver falls back to keeps the columns before it.
 */
export function customResourcePrinter(printerColumns: PrinterColumn[] | undefined): Printer {
  const definitions =
    printerColumns !== undefined && printerColumns.length > 0 ? printerColumns : defaultColumns;
  const columns: TableColumnDefinition[] = [
    { name: 'Name', type: 'string', format: 'name', description: describe.objectMetaName, priority: 0 },
  ];
  const paths: JsonPathStep[][] = [];
  for (const definition of definitions) {
    let path: JsonPathStep[];
    try {
      path = parseJsonPath(definition.jsonPath);
    } catch {
      break;
    }
    paths.push(path);
    columns.push({
      name: definition.name,
      type: definition.type,
      format: definition.format ?? '',
      description:
        definition.description ||
        `Custom resource definition column (in JSONPath format): ${definition.jsonPath}`,
      priority: definition.priority ?? 0,
    });
  }
  return {
    columns,
    row(object: KubeObject, now: Date) {
      const cells: TableCell[] = [object.metadata.name ?? ''];
      for (const [index, path] of paths.entries()) {
        const results = evaluateJsonPath(object, path);
        const type = columns[index + 1]?.type ?? 'string';
        if (results.length === 0) cells.push(null);
        else if (type === 'string') cells.push(jsonPathText(results[0]));
        else cells.push(typedCell(type, results[0], now));
      }
      return { cells };
    },
  };
}
