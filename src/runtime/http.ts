/** What the controllers' HTTP endpoints (webhooks, the artifact store) share: the handler type and JSON replies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** Answers `status` with `body` as JSON (and a Content-Length), plus `headers`. */
export function replyJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
