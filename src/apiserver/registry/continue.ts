/**
 * Continue tokens of paginated lists. Like kube-apiserver's, a token is base64url JSON naming the
 * revision of the first page (`rv`, which every later page is read at) and where the next page
 * starts; ours names the last key returned (`start`, exclusive) and, when the list counts them, the
 * keys left after it (`remaining`), so later pages need not count again. Clients treat it as opaque.
 */
import { BadRequestError, KeelsonError } from '../../base/errors.ts';

export interface ContinueToken {
  /** The revision every page is read at; -1: the current one (after the first page's was compacted). */
  rv: number;
  /** The key suffix (after the collection prefix) of the last item returned. */
  start: string;
  /** How many keys followed `start` at `rv`, when known. */
  remaining?: number;
}

/** The revision an expired token goes on at: the current one, as kube-apiserver's `-1`. */
export const currentRevision = -1;

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', ...token })).toString('base64url');
}

export function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { rv, start, remaining } = parsed;
    if (
      typeof rv === 'number' &&
      Number.isInteger(rv) &&
      (rv > 0 || rv === currentRevision) &&
      typeof start === 'string'
    ) {
      return {
        rv,
        start,
        ...(typeof remaining === 'number' && Number.isInteger(remaining) && remaining >= 0 && { remaining }),
      };
    }
  } catch {
    // reported below
  }
  throw new BadRequestError(`continue key is not valid: ${text}`);
}

/**
 * The 410 for a continue token whose revision was compacted away. As kube-apiserver's, its Status
 * carries `metadata.continue`: a token that goes on from the same place at the current revision,
 * for a client that accepts an inconsistent list.
 */
export class ContinueExpiredError extends KeelsonError {
  readonly continueToken: string;

  constructor(start: string, options?: { cause?: unknown }) {
    super(
      'KEELSON_EXPIRED',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      {},
      options,
    );
    this.continueToken = encodeContinue({ rv: currentRevision, start });
  }
}
