/** Failures of a forge call, as KeelsonErrors whose message names the call and never a token. */
import { KeelsonError, type ErrorCode } from '../../base/errors.ts';

export class ForgeError extends KeelsonError {
  /** The HTTP status the forge answered with, 0 when it could not be reached. */
  readonly status: number;
  constructor(code: ErrorCode, message: string, status: number, options?: { cause?: unknown }) {
    super(code, message, {}, options);
    this.name = 'ForgeError';
    this.status = status;
  }
}

export function isForgeError(error: unknown): error is ForgeError {
  return error instanceof ForgeError;
}

/** The Keelson code for a forge's HTTP status. */
export function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'KEELSON_BAD_REQUEST';
    case 401:
      return 'KEELSON_UNAUTHORIZED';
    case 403:
      return 'KEELSON_FORBIDDEN';
    case 404:
      return 'KEELSON_NOT_FOUND';
    case 405:
    case 409:
      return 'KEELSON_CONFLICT';
    case 422:
      return 'KEELSON_INVALID';
    case 0:
    case 502:
    case 503:
    case 504:
      return 'KEELSON_UNAVAILABLE';
    default:
      return 'KEELSON_INTERNAL';
  }
}
