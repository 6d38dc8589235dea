/**
 * Prow's hook for the trigger plugin: a node:http handler for GitHub-format webhooks (GitHub's, or
 * the built-in forge's), checked with `X-Hub-Signature-256` before anything is read from the body.
 * The composition root mounts it at `ciWebhookPath`.
 */
import type { IncomingMessage } from 'node:http';
import { isKeelsonError } from '../../base/errors.ts';
import { verifyWebhook, WebhookError, type ForgeWebhook } from '../../adapters/forge/webhooks.ts';
import type { Logger } from '../../runtime/controller.ts';
import type { Trigger } from './trigger.ts';
import { replyJson, type HttpHandler } from '../../runtime/http.ts';

/** Where the composition root is expected to mount the handler (POST). */
export const ciWebhookPath = '/hooks/ci';

/** GitHub's own cap on a webhook payload. */
const maxBodyBytes = 25 * 1024 * 1024;

export type { HttpHandler } from '../../runtime/http.ts';

/**
 * Answers 405 for anything but POST; 401 when the signature is missing or wrong (nothing is
 * triggered); 400 for a body that is not a JSON event; 413 past 25 MiB; otherwise it handles the
 * event, then answers 200 with `{ triggered }` (the JobRuns created), or 500 when handling failed
 * (the forge may redeliver).
 */
export function ciWebhookHandler(deps: { trigger: Trigger; secret: string; log: Logger }): HttpHandler {
  if (deps.secret === '') throw new Error('ci webhook: the secret must not be empty');
  return function handleCiWebhook(request, response) {
    if (request.method !== 'POST') {
      replyJson(response, 405, { message: 'only POST is accepted' }, { Allow: 'POST' });
      return;
    }
    void (async () => {
      const body = await readBody(request);
      if (body === undefined) return replyJson(response, 413, { message: 'payload too large' });
      let hook: ForgeWebhook;
      try {
        hook = await verifyWebhook(deps.secret, request.headers, body);
      } catch (error) {
        if (error instanceof WebhookError) {
          deps.log('ci webhook refused: bad or missing signature', {
            event: request.headers['x-github-event'],
            delivery: request.headers['x-github-delivery'],
          });
          return replyJson(response, 401, { message: error.message });
        }
        return replyJson(response, 400, { message: (error as Error).message });
      }
      try {
        const triggered = await dispatch(deps.trigger, hook);
        deps.log('ci webhook handled', { event: hook.name, delivery: hook.id, triggered: triggered.length });
        return replyJson(response, 200, { triggered });
      } catch (error) {
        deps.log('ci webhook failed', { event: hook.name, delivery: hook.id, error: String(error) });
        const status = isKeelsonError(error) && error.code === 'KEELSON_BAD_REQUEST' ? 400 : 500;
        return replyJson(response, status, { message: (error as Error).message });
      }
    })().catch((error: unknown) => {
      deps.log('ci webhook failed', { error: String(error) });
      if (!response.headersSent) replyJson(response, 500, { message: 'internal error' });
    });
  };
}

async function dispatch(trigger: Trigger, hook: ForgeWebhook): Promise<string[]> {
  switch (hook.name) {
    case 'pull_request':
      return trigger.pullRequest(hook.payload);
    case 'issue_comment':
      return trigger.issueComment(hook.payload);
    case 'push':
      return trigger.push(hook.payload);
    case 'pull_request_review':
    case 'status':
    case 'other':
      return [];
  }
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= maxBodyBytes) chunks.push(chunk as Buffer);
    else chunks.length = 0;
  }
  return size > maxBodyBytes ? undefined : Buffer.concat(chunks).toString('utf8');
}
