/**
 * The credentials a GitRepository's `spec.secretRef` names, read as Flux reads them: a Secret with
 * `username` and `password` (HTTP basic) or `bearerToken`, both in `data` (base64). No I/O: the
 * reconciler hands in the Secret from its cache.
 */
import type { KubeObject } from '../../api/meta.ts';
import type { GitAuth } from './source.ts';

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** A Secret that cannot be turned into credentials; retrying will not help until it changes. */
export class InvalidCredentialsError extends Error {
  readonly code = 'KEELSON_INVALID_CREDENTIALS';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCredentialsError';
  }
}

/**
 * The GitAuth in `secret`. Both basic and bearer keys at once is refused, as Flux refuses it;
 * `password` may be empty (a token passed as the user name). Messages name keys, never values.
 */
export function authFromSecret(secret: Secret): GitAuth {
  const name = `${secret.metadata.namespace ?? ''}/${secret.metadata.name ?? ''}`;
  const value = (key: string): string | undefined => {
    const encoded = secret.data?.[key];
    return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
  };
  const username = value('username');
  const password = value('password');
  const bearerToken = value('bearerToken');
  if (bearerToken !== undefined && (username !== undefined || password !== undefined)) {
    throw new InvalidCredentialsError(
      `secret ${name} sets both bearerToken and username/password: keep only one`,
    );
  }
  if (bearerToken !== undefined) {
    if (bearerToken === '') throw new InvalidCredentialsError(`secret ${name} has an empty bearerToken`);
    return { bearerToken };
  }
  if (username !== undefined && username !== '') return { username, password: password ?? '' };
  if (password !== undefined)
    throw new InvalidCredentialsError(`secret ${name} has a password but no username`);
  throw new InvalidCredentialsError(
    `secret ${name} has neither username and password nor bearerToken in its data`,
  );
}
