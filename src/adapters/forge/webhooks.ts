/**
 * The receiving side of GitHub-format webhooks: the HMAC-SHA256 signature check
 * (`X-Hub-Signature-256`, through @octokit/webhooks-methods) and the typed events Keelson handles
 * (payload types from @octokit/webhooks-types). The built-in forge signs with `signWebhook`.
 */
import { sign, verify } from '@octokit/webhooks-methods';
import type {
  IssueCommentEvent,
  PullRequestEvent,
  PullRequestReviewEvent,
  PushEvent,
  StatusEvent,
} from '@octokit/webhooks-types';
import { KeelsonError } from '../../base/errors.ts';

/** The events Keelson's CI reacts to, by their `X-GitHub-Event` name. */
export interface ForgeEventMap {
  push: PushEvent;
  pull_request: PullRequestEvent;
  issue_comment: IssueCommentEvent;
  pull_request_review: PullRequestReviewEvent;
  status: StatusEvent;
}
export type ForgeEventName = keyof ForgeEventMap;
export const forgeEventNames: readonly ForgeEventName[] = [
  'push',
  'pull_request',
  'issue_comment',
  'pull_request_review',
  'status',
];

/** A verified delivery: `{ name: 'push', payload: PushEvent, … }` and so on; `ping` and others as `other`. */
export type ForgeWebhook =
  | { [K in ForgeEventName]: { name: K; id: string; payload: ForgeEventMap[K] } }[ForgeEventName]
  | { name: 'other'; event: string; id: string; payload: Record<string, unknown> };

export class WebhookError extends KeelsonError {
  constructor(message: string) {
    super('KEELSON_UNAUTHORIZED', message);
    this.name = 'WebhookError';
  }
}

/** `sha256=<hex>` of `body` under `secret`, as GitHub sends in X-Hub-Signature-256. */
export async function signWebhook(secret: string, body: string): Promise<string> {
  return sign(secret, body);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a delivery's signature and parses it. Rejects with a WebhookError (KEELSON_UNAUTHORIZED)
 * when the signature is missing or wrong, and KEELSON_BAD_REQUEST when the event header is missing
 * or the body is not a JSON object. `headers` are node:http's (lower-case names).
 */
export async function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): Promise<ForgeWebhook> {
  const signature = header(headers, 'x-hub-signature-256');
  if (signature === undefined) throw new WebhookError('webhook: no X-Hub-Signature-256 header');
  if (!/^sha256=[0-9a-f]{64}$/.test(signature))
    throw new WebhookError('webhook: X-Hub-Signature-256 is not sha256=<64 hex digits>');
  if (secret === '') throw new KeelsonError('KEELSON_INVALID', 'webhook: the secret is empty');
  if (body === '' || !(await verify(secret, body, signature)))
    throw new WebhookError('webhook: X-Hub-Signature-256 does not match the body');
  const event = header(headers, 'x-github-event');
  if (!event) throw new KeelsonError('KEELSON_BAD_REQUEST', 'webhook: no X-GitHub-Event header');
  const id = header(headers, 'x-github-delivery') ?? '';
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch (error) {
    throw new KeelsonError('KEELSON_BAD_REQUEST', `webhook ${event}: body is not JSON`, {}, { cause: error });
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new KeelsonError('KEELSON_BAD_REQUEST', `webhook ${event}: body is not a JSON object`);
  if ((forgeEventNames as readonly string[]).includes(event))
    return { name: event, id, payload } as ForgeWebhook;
  return { name: 'other', event, id, payload: payload as Record<string, unknown> };
}
