/**
 * Errors with stable codes. One table maps every code to the Kubernetes Status reason and HTTP code,
 * so the API server, the runtime and the CLI agree on what an error means.
 */

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'Timeout'
  | 'InternalError'
  | 'ServiceUnavailable';

export type ErrorCode =
  | 'KEELSON_NOT_FOUND'
  | 'KEELSON_ALREADY_EXISTS'
  | 'KEELSON_CONFLICT'
  | 'KEELSON_INVALID'
  | 'KEELSON_BAD_REQUEST'
  | 'KEELSON_UNAUTHORIZED'
  | 'KEELSON_FORBIDDEN'
  | 'KEELSON_GONE'
  | 'KEELSON_EXPIRED'
  | 'KEELSON_METHOD_NOT_ALLOWED'
  | 'KEELSON_NOT_ACCEPTABLE'
  | 'KEELSON_UNSUPPORTED_MEDIA_TYPE'
  | 'KEELSON_TOO_LARGE'
  | 'KEELSON_TIMEOUT'
  | 'KEELSON_INTERNAL'
  | 'KEELSON_UNAVAILABLE';

/** The single code → Status table. */
export const statusOfCode: Record<ErrorCode, { reason: StatusReason; httpCode: number }> = {
  KEELSON_NOT_FOUND: { reason: 'NotFound', httpCode: 404 },
  KEELSON_ALREADY_EXISTS: { reason: 'AlreadyExists', httpCode: 409 },
  KEELSON_CONFLICT: { reason: 'Conflict', httpCode: 409 },
  KEELSON_INVALID: { reason: 'Invalid', httpCode: 422 },
  KEELSON_BAD_REQUEST: { reason: 'BadRequest', httpCode: 400 },
  KEELSON_UNAUTHORIZED: { reason: 'Unauthorized', httpCode: 401 },
  KEELSON_FORBIDDEN: { reason: 'Forbidden', httpCode: 403 },
  KEELSON_GONE: { reason: 'Gone', httpCode: 410 },
  KEELSON_EXPIRED: { reason: 'Expired', httpCode: 410 },
  KEELSON_METHOD_NOT_ALLOWED: { reason: 'MethodNotAllowed', httpCode: 405 },
  KEELSON_NOT_ACCEPTABLE: { reason: 'NotAcceptable', httpCode: 406 },
  KEELSON_UNSUPPORTED_MEDIA_TYPE: { reason: 'UnsupportedMediaType', httpCode: 415 },
  KEELSON_TOO_LARGE: { reason: 'RequestEntityTooLarge', httpCode: 413 },
  KEELSON_TIMEOUT: { reason: 'Timeout', httpCode: 504 },
  KEELSON_INTERNAL: { reason: 'InternalError', httpCode: 500 },
  KEELSON_UNAVAILABLE: { reason: 'ServiceUnavailable', httpCode: 503 },
};

/** One field-level cause, as in metav1.StatusCause. */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

/** The object a failed error refers to, as in metav1.StatusDetails. */
export interface ErrorDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class KeelsonError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeelsonError';
    this.code = code;
    this.details = details;
  }

  get reason(): StatusReason {
    return statusOfCode[this.code].reason;
  }

  get httpCode(): number {
    return statusOfCode[this.code].httpCode;
  }
}

export class NotFoundError extends KeelsonError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KEELSON_NOT_FOUND', message, details);
  }
}

export class AlreadyExistsError extends KeelsonError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KEELSON_ALREADY_EXISTS', message, details);
  }
}

export class ConflictError extends KeelsonError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KEELSON_CONFLICT', message, details);
  }
}

export class InvalidError extends KeelsonError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KEELSON_INVALID', message, details);
  }
}

export class BadRequestError extends KeelsonError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KEELSON_BAD_REQUEST', message, details);
  }
}

export class GoneError extends KeelsonError {
  constructor(message: string) {
    super('KEELSON_EXPIRED', message);
  }
}

/** A field error: a path such as `metadata.labels` and a message. */
export interface FieldError {
  field: string;
  type: FieldErrorType;
  message: string;
  value?: unknown;
}

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTypeInvalid'
  | 'FieldValueUnknown';

const fieldErrorWords: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueUnknown: 'unknown field',
};

/** Renders one field error the way kube-apiserver does: `spec.size: Invalid value: "big": must be …`. */
export function formatFieldError(error: FieldError): string {
  const words = fieldErrorWords[error.type];
  if (error.type === 'FieldValueRequired' || error.type === 'FieldValueForbidden') {
    return `${error.field}: ${words}${error.message ? `: ${error.message}` : ''}`;
  }
  if (error.type === 'FieldValueUnknown') return `${words} "${error.field}"`;
  const shown = error.value === undefined ? '' : `: ${JSON.stringify(error.value)}`;
  return `${error.field}: ${words}${shown}${error.message ? `: ${error.message}` : ''}`;
}

/**
 * The Invalid error kube-apiserver returns: `Kind "name" is invalid: [a, b]` with one cause per field.
 */
export function invalidError(kind: string, name: string, errors: FieldError[], group = ''): InvalidError {
  const parts = errors.map(formatFieldError);
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const qualified = group === '' ? kind : `${kind}.${group}`;
  return new InvalidError(`${qualified} "${name}" is invalid: ${joined}`, {
    name,
    group,
    kind,
    // a cause's message leaves out the field, which the cause names separately (kubectl prints both)
    causes: errors.map((e) => ({
      reason: e.type,
      message: formatFieldError(e).replace(`${e.field}: `, ''),
      field: e.field,
    })),
  });
}

export function isKeelsonError(error: unknown): error is KeelsonError {
  return error instanceof KeelsonError;
}
