import { KeelsonError, type ErrorCode } from '../../base/errors.ts';

/**
 * What went wrong in a build or a substitution. Stable: the Sync controller and tests match on it.
 * Every code is a problem in the source (retrying the same revision gives the same error) except
 * `KUSTOMIZE_NOT_FOUND` (the machine lacks a tool) and `KUSTOMIZE_TIMEOUT`.
 */
export type BuildErrorCode =
  | 'ARTIFACT_NOT_FOUND'
  | 'PATH_NOT_FOUND'
  | 'PATH_OUTSIDE_ROOT'
  | 'YAML_PARSE'
  | 'NOT_AN_OBJECT'
  | 'REMOTE_RESOURCE'
  | 'KUSTOMIZE_FAILED'
  | 'KUSTOMIZE_NOT_FOUND'
  | 'KUSTOMIZE_TIMEOUT'
  | 'INVALID_VARIABLE_NAME'
  | 'BAD_SUBSTITUTION'
  | 'VARIABLE_NOT_SET';

const keelsonCodeOf: Record<BuildErrorCode, ErrorCode> = {
  ARTIFACT_NOT_FOUND: 'KEELSON_NOT_FOUND',
  PATH_NOT_FOUND: 'KEELSON_INVALID',
  PATH_OUTSIDE_ROOT: 'KEELSON_INVALID',
  YAML_PARSE: 'KEELSON_INVALID',
  NOT_AN_OBJECT: 'KEELSON_INVALID',
  REMOTE_RESOURCE: 'KEELSON_INVALID',
  KUSTOMIZE_FAILED: 'KEELSON_INVALID',
  KUSTOMIZE_NOT_FOUND: 'KEELSON_UNAVAILABLE',
  KUSTOMIZE_TIMEOUT: 'KEELSON_TIMEOUT',
  INVALID_VARIABLE_NAME: 'KEELSON_INVALID',
  BAD_SUBSTITUTION: 'KEELSON_INVALID',
  VARIABLE_NOT_SET: 'KEELSON_INVALID',
};

/** Where in the artifact an error was found. `file` is relative to the artifact root, with `/`. */
export interface BuildErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  /** The YAML document in the file, counted from 1. */
  document?: number;
}

/**
 * A build or substitution failure. `code` is the Keelson code of src/base/errors.ts (so the usual
 * code → Status table applies: most are `KEELSON_INVALID`); `buildCode` says which problem it is.
 * Messages start with the place (`production/deployment.yaml:12:3: …`) and never carry variable values.
 */
export class BuildError extends KeelsonError {
  readonly buildCode: BuildErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly document: number | undefined;

  constructor(
    buildCode: BuildErrorCode,
    message: string,
    location: BuildErrorLocation = {},
    options: { cause?: unknown; kind?: string; name?: string } = {},
  ) {
    const details = {
      ...(options.kind === undefined ? {} : { kind: options.kind }),
      ...(options.name === undefined ? {} : { name: options.name }),
      causes: [
        { reason: buildCode, message, ...(location.file === undefined ? {} : { field: location.file }) },
      ],
    };
    super(keelsonCodeOf[buildCode], message, details, 'cause' in options ? { cause: options.cause } : {});
    this.name = 'BuildError';
    this.buildCode = buildCode;
    this.file = location.file;
    this.line = location.line;
    this.column = location.column;
    this.document = location.document;
  }
}

export function isBuildError(error: unknown): error is BuildError {
  return error instanceof BuildError;
}
