/**
 * JSON patch (RFC 6902, `application/json-patch+json`) with kube-apiserver's error mapping:
 * a body that is not a list of operation objects is 400 BadRequest (kube's `DecodePatch` failing),
 * more than 10000 operations is 413, and an operation that cannot be applied — unknown op, missing
 * path, failed `test` — is 422 Invalid, as kube's `NewGenericServerResponse(422, …)`. Unlike kube's
 * bare "the server rejected our request due to an error in our request", the message names the
 * operation: `json patch operation 2 (test /spec/replicas) failed: test failed`.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { BadRequestError, InvalidError, KeelsonError } from '../../base/errors.ts';
import { isObject, type JsonObject } from '../../base/json.ts';

/** kube-apiserver's `maxJSONPatchOperations`. */
export const maxJsonPatchOperations = 10000;

const operationNames = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * Applies an RFC 6902 patch to a copy of `original`; neither argument is mutated and the result
 * shares no structure with them.
 */
export function applyJsonPatch(original: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw new BadRequestError(`json patch must be a list of operations, got ${describe(patch)}`);
  }
  patch.forEach((operation: unknown, index) => {
    if (!isObject(operation)) {
      throw new BadRequestError(
        `json patch operation ${index} must be an object, got ${describe(operation)}`,
      );
    }
  });
  if (patch.length > maxJsonPatchOperations) {
    throw new KeelsonError(
      'KEELSON_TOO_LARGE',
      `the allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${patch.length}`,
    );
  }
  const operations = structuredClone(patch) as JsonObject[];
  let document = structuredClone(original);
  operations.forEach((operation, index) => {
    document = applyOperation(document, operation, index);
  });
  return document;
}

function applyOperation(document: unknown, operation: JsonObject, index: number): unknown {
  const fail = (reason: string): InvalidError => operationError(index, operation, reason);
  const { op, path, from } = operation;
  if (typeof op !== 'string' || !operationNames.has(op)) {
    throw fail(
      `unknown op ${JSON.stringify(op) ?? 'undefined'}, want add, remove, replace, move, copy or test`,
    );
  }
  if (!isPointer(path)) throw fail('path must be a JSON pointer: empty or starting with "/"');
  if ((op === 'move' || op === 'copy') && !isPointer(from)) {
    throw fail('from must be a JSON pointer: empty or starting with "/"');
  }
  if ((op === 'add' || op === 'replace' || op === 'test') && !Object.hasOwn(operation, 'value')) {
    throw fail('value is required');
  }
  if (pointerSegments(path).includes('__proto__')) throw fail('the path segment "__proto__" is not allowed');

  // Checked here with own-property lookups, since the library reads inherited properties too
  // (it would find `/metadata/constructor`).
  const target = resolvePointer(document, path);
  if ((op === 'remove' || op === 'replace') && !target.found) throw fail('the path does not exist');
  if ((op === 'move' || op === 'copy') && !resolvePointer(document, from as string).found) {
    throw fail('the from path does not exist');
  }
  if (op === 'test' && !target.found) {
    // kube's json-patch accepts a null test of a missing key whose parent exists
    if (operation.value === null && target.parentFound) return document;
    throw fail('test failed: the path does not exist');
  }

  try {
    return jsonpatch.applyOperation(document, operation as unknown as Operation, true, true, true, index)
      .newDocument;
  } catch (error) {
    if (error instanceof jsonpatch.JsonPatchError)
      throw fail(libraryReasons[error.name] ?? firstLine(error.message));
    if (error instanceof Error) throw fail(firstLine(error.message));
    throw error;
  }
}

const libraryReasons: Record<string, string> = {
  TEST_OPERATION_FAILED: 'test failed',
  OPERATION_PATH_UNRESOLVABLE: 'the path does not exist',
  OPERATION_FROM_UNRESOLVABLE: 'the from path does not exist',
  OPERATION_PATH_CANNOT_ADD: 'the parent of the path does not exist',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'an array index must be an unsigned base-10 integer or "-"',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'the array index is out of bounds',
};

function operationError(index: number, operation: JsonObject, reason: string): InvalidError {
  const op = typeof operation.op === 'string' ? operation.op : (JSON.stringify(operation.op) ?? 'undefined');
  const path =
    typeof operation.path === 'string' ? operation.path : (JSON.stringify(operation.path) ?? 'undefined');
  return new InvalidError(`json patch operation ${index} (${op} ${path}) failed: ${reason}`);
}

function isPointer(value: unknown): value is string {
  return typeof value === 'string' && (value === '' || value.startsWith('/'));
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

type Resolved = { found: true; value: unknown } | { found: false; parentFound: boolean };

function resolvePointer(document: unknown, pointer: string): Resolved {
  const segments = pointerSegments(pointer);
  let current = document;
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (Array.isArray(current)) {
      const position = /^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : -1;
      if (position < 0 || position >= current.length) return { found: false, parentFound: last };
      current = current[position];
    } else if (isObject(current)) {
      if (!Object.hasOwn(current, segment)) return { found: false, parentFound: last };
      current = current[segment];
    } else {
      return { found: false, parentFound: false };
    }
  }
  return { found: true, value: current };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
