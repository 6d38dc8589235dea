import { parseDocument, stringify } from 'yaml';
import type { KubeObject } from '../../api/meta.ts';
import { isObject } from '../../base/json.ts';
import { envsubst, EnvsubstSyntaxError, UnsetVariablesError } from './envsubst.ts';
import { BuildError, type BuildErrorLocation } from './errors.ts';
import { describeObject, shortYamlMessage, type BuiltObject } from './objects.ts';

/** Keelson's opt-out: an object labelled or annotated `sync.keelson.dev/substitute: disabled` is left as built. */
export const SUBSTITUTE_ANNOTATION = 'sync.keelson.dev/substitute';
/** Flux's opt-out, honoured too so Flux repositories work unchanged. */
export const FLUX_SUBSTITUTE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/substitute';

/** Flux's rule for variable names (POSIX classes, ASCII only as in Go's RE2). */
const variableName = /^[_A-Za-z][_A-Za-z0-9]*$/;

export interface SubstituteOptions {
  /**
   * Fail when an object uses a variable that is not given and has no default (Flux's
   * `StrictPostBuildSubstitutions`). Otherwise such a variable reads as the empty string.
   */
  strict?: boolean;
}

/**
 * Flux's postBuild substitution over built objects. Each object is written out as YAML, every
 * `${…}` expression is expanded (see envsubst.ts for the forms), and the text is parsed again, so
 * `replicas: ${REPLICAS}` becomes a number and `enabled: ${FLAG}` a boolean. Newlines are removed
 * from values, as Flux does. Objects opted out (see SUBSTITUTE_ANNOTATION) and objects without
 * expressions come back unchanged, with their source.
 *
 * Unlike Flux, which skips substitution entirely when no variable is defined, this always runs:
 * the caller decides whether postBuild substitution applies. Errors name the object, never a value.
 */
export function substitute(
  objects: readonly BuiltObject[],
  variables: Readonly<Record<string, string>>,
  options: SubstituteOptions = {},
): BuiltObject[] {
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(variables)) {
    if (!variableName.test(name)) {
      throw new BuildError(
        'INVALID_VARIABLE_NAME',
        `variable name "${name}" is invalid: it must match ${variableName.source}`,
      );
    }
    values.set(name, value.replaceAll('\n', ''));
  }
  return objects.map((built) => {
    const location =
      built.source === undefined ? {} : { file: built.source.file, document: built.source.document };
    const object = substituteObject(built.object, values, options, location);
    return object === built.object ? built : { ...built, object };
  });
}

/** True when the object carries either opt-out as a label or an annotation. */
export function substitutionDisabled(object: KubeObject): boolean {
  const { labels = {}, annotations = {} } = object.metadata;
  return [SUBSTITUTE_ANNOTATION, FLUX_SUBSTITUTE_ANNOTATION].some(
    (key) => labels[key] === 'disabled' || annotations[key] === 'disabled',
  );
}

function substituteObject(
  object: KubeObject,
  values: ReadonlyMap<string, string>,
  options: SubstituteOptions,
  location: BuildErrorLocation,
): KubeObject {
  if (substitutionDisabled(object)) return object;
  // never fold a long line (which could split an expression) nor share repeated values through aliases
  const text = stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
  if (!text.includes('$')) return object;
  const who = describeObject(object);
  const identity = {
    kind: object.kind,
    ...(object.metadata.name === undefined ? {} : { name: object.metadata.name }),
  };
  let output: string;
  try {
    output = envsubst(text, (name) => values.get(name), options.strict === true ? { strict: true } : {});
  } catch (error) {
    if (error instanceof UnsetVariablesError) {
      throw new BuildError(
        'VARIABLE_NOT_SET',
        `substitute ${who}: ${error.message} (strict mode)`,
        location,
        { cause: error, ...identity },
      );
    }
    if (error instanceof EnvsubstSyntaxError) {
      throw new BuildError(
        'BAD_SUBSTITUTION',
        `substitute ${who}: ${error.message} in "${error.expression}"`,
        location,
        { cause: error, ...identity },
      );
    }
    throw error;
  }
  if (output === text) return object;
  const document = parseDocument(output);
  const [problem] = document.errors;
  if (problem !== undefined) {
    // the line is in the substituted object, not in a file; the message is enough to find the value
    throw new BuildError(
      'BAD_SUBSTITUTION',
      `substitute ${who}: the substituted object is not valid YAML: ${shortYamlMessage(problem.message)}`,
      location,
      identity,
    );
  }
  const result: unknown = document.toJS();
  if (!isObject(result) || typeof result.apiVersion !== 'string' || typeof result.kind !== 'string') {
    throw new BuildError(
      'BAD_SUBSTITUTION',
      `substitute ${who}: the result has no apiVersion or kind`,
      location,
      identity,
    );
  }
  if (!isObject(result.metadata)) result.metadata = {};
  return result as KubeObject;
}
