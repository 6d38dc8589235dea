/**
 * The push webhook: GitHub-format `push` events (GitHub, and the built-in forge, which sends the
 * same payloads) signed with `X-Hub-Signature-256`, turned into immediate reconciles of the
 * GitRepositories whose spec.url names the pushed repository. The composition root mounts
 * `gitRepositoryPushReceiver(...)` at `gitWebhookPath`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { posix } from 'node:path';

import type { GitRepository } from '../../api/crds/index.ts';
import type { Controller, Logger, Request } from '../../runtime/controller.ts';
import { requestOf } from '../../runtime/controller.ts';
import { keyOf, type InformerFactory } from '../../runtime/informer.ts';
import { gitRepositoryApiVersion } from './reconciler.ts';
import { replyJson, type HttpHandler } from '../../runtime/http.ts';

/** Where the composition root is expected to mount the receiver (POST). */
export const gitWebhookPath = '/hooks/git';

/** GitHub's own cap on a webhook payload. */
const maxBodyBytes = 25 * 1024 * 1024;

export type { HttpHandler } from '../../runtime/http.ts';

export interface PushWebhookOptions {
  /** The shared secret the sender signs with (HMAC-SHA256 of the raw body). Must not be empty. */
  secret: string;
  /**
   * Called once per verified push with every URL the payload gives for the repository (clone,
   * html, ssh, git) and the pushed ref (`refs/heads/main`). Returns what it triggered, which the
   * response lists.
   */
  onPush(repoUrls: string[], ref: string | undefined): readonly string[] | void;
  log?: Logger | undefined;
}

/**
 * A node:http handler for GitHub-format webhooks. Answers: 405 for anything but POST; 401 when
 * `X-Hub-Signature-256` is missing or wrong (checked in constant time, before the body is parsed;
 * nothing is triggered); 413 past 25 MiB; `ping` 200; `push` 200 with `{ triggered }`, or 400 when
 * its body is not a push payload; any other event 202, ignored.
 */
export function pushWebhookHandler(options: PushWebhookOptions): HttpHandler {
  if (options.secret === '') throw new Error('push webhook: the secret must not be empty');
  const log = options.log ?? (() => {});
  return function handlePushWebhook(request, response) {
    if (request.method !== 'POST') {
      replyJson(response, 405, { message: 'only POST is accepted' }, { Allow: 'POST' });
      return;
    }
    if (Number(header(request, 'content-length') ?? 0) > maxBodyBytes) {
      replyJson(response, 413, { message: 'payload too large' }, { Connection: 'close' });
      request.resume();
      return;
    }
    readBody(request, maxBodyBytes).then(
      (body) => {
        if (body === undefined) return replyJson(response, 413, { message: 'payload too large' });
        const signature = header(request, 'x-hub-signature-256');
        if (signature === undefined || !validSignature(options.secret, body, signature)) {
          log('push webhook refused: bad or missing signature', {
            event: header(request, 'x-github-event'),
            delivery: header(request, 'x-github-delivery'),
          });
          return replyJson(response, 401, { message: 'bad or missing X-Hub-Signature-256' });
        }
        const event = header(request, 'x-github-event');
        if (event === 'ping') return replyJson(response, 200, { message: 'pong' });
        if (event !== 'push')
          return replyJson(response, 202, { message: `event ${event ?? '(none)'} ignored` });
        const push = parsePush(body, header(request, 'content-type'));
        if (push === undefined) return replyJson(response, 400, { message: 'not a push payload' });
        const triggered = options.onPush(push.urls, push.ref) ?? [];
        log('push webhook received', { urls: push.urls, ref: push.ref, triggered: triggered.length });
        return replyJson(response, 200, { triggered });
      },
      (error: unknown) => {
        log('push webhook failed', { error: (error as Error).message });
        if (!response.headersSent) replyJson(response, 400, { message: 'could not read the request' });
      },
    );
  };
}

/** Whether `header` is `sha256=<hex HMAC-SHA256 of body with secret>`, compared in constant time. */
export function validSignature(secret: string, body: Buffer, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The repository's identity in a URL, for matching a push to spec.url: host (lowercase, default
 * port dropped) and path, without scheme, credentials, `.git` or trailing slashes. scp-style SSH
 * (`git@host:org/repo.git`) reads as `host/org/repo`. A repository on this machine (an absolute
 * path, or a `file://` URL, as the git adapter accepts both) reads as `file://<normalised path>`,
 * `.git` kept: locally `app` and `app.git` are different directories. Undefined for anything else.
 */
export function normaliseRepoUrl(url: string): string | undefined {
  const text = url.trim();
  if (text.startsWith('/')) return localIdentity(text);
  let host: string;
  let path: string;
  if (text.includes('://')) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return undefined;
    }
    if (parsed.protocol === 'file:') {
      if (parsed.hostname !== '' && parsed.hostname !== 'localhost') return undefined;
      return localIdentity(decodeURIComponent(parsed.pathname));
    }
    if (parsed.hostname === '') return undefined;
    const defaultPorts: Record<string, string> = {
      'http:': '80',
      'https:': '443',
      'ssh:': '22',
      'git:': '9418',
    };
    const port = parsed.port === defaultPorts[parsed.protocol] ? '' : parsed.port;
    host = port === '' ? parsed.hostname : `${parsed.hostname}:${port}`;
    path = decodeURIComponent(parsed.pathname);
  } else {
    const scp = /^(?:[^@/]+@)?([^/:]+):(.+)$/.exec(text);
    if (scp === null) return undefined;
    host = scp[1]!;
    path = scp[2]!;
  }
  path = path
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '')
    .replace(/^\/+/, '');
  return `${host.toLowerCase()}/${path}`;
}

function localIdentity(path: string): string {
  const normalised = posix.normalize(path).replace(/\/+$/, '');
  return `file://${normalised === '' ? '/' : normalised}`;
}

/**
 * Whether a push to `pushedRef` can move what `ref` follows. Unsure means yes: a repository with no
 * ref (the remote's default branch) or an unknown pushed ref is always reconciled.
 */
export function pushMayMove(ref: GitRepository['spec']['ref'], pushedRef: string | undefined): boolean {
  if (pushedRef === undefined || ref === undefined) return true;
  if (ref.commit !== undefined && ref.branch === undefined) return false;
  if (ref.name !== undefined) return ref.name === pushedRef;
  if (ref.semver !== undefined || ref.tag !== undefined) return pushedRef.startsWith('refs/tags/');
  if (ref.branch !== undefined) return pushedRef === `refs/heads/${ref.branch}`;
  return true;
}

/** The GitRepositories among `repositories` that a push of `pushedRef` to any of `urls` concerns. */
export function gitRepositoriesForPush(
  repositories: Iterable<GitRepository>,
  urls: readonly string[],
  pushedRef: string | undefined,
): Request[] {
  const pushed = new Set(urls.map(normaliseRepoUrl).filter((u) => u !== undefined));
  const matches: Request[] = [];
  for (const repository of repositories) {
    const identity = normaliseRepoUrl(repository.spec.url);
    if (identity === undefined || !pushed.has(identity)) continue;
    if (!pushMayMove(repository.spec.ref, pushedRef)) continue;
    matches.push(requestOf(repository));
  }
  return matches;
}

/**
 * The receiver the composition root mounts at `gitWebhookPath`: verified pushes enqueue the
 * matching GitRepositories (from the controller's own cache) on `controller` at once.
 */
export function gitRepositoryPushReceiver(deps: {
  controller: Controller;
  informers: InformerFactory;
  secret: string;
  log: Logger;
}): HttpHandler {
  const gitRepositories = deps.informers.for<GitRepository>(gitRepositoryApiVersion, 'GitRepository');
  return pushWebhookHandler({
    secret: deps.secret,
    log: deps.log,
    onPush(urls, ref) {
      const requests = gitRepositoriesForPush(gitRepositories.list(), urls, ref);
      for (const request of requests) deps.controller.enqueue(request);
      return requests.map((r) => keyOf({ metadata: r }));
    },
  });
}

interface Push {
  urls: string[];
  ref: string | undefined;
}

/** The repository URLs and ref of a push payload, sent as JSON or GitHub's form encoding. */
function parsePush(body: Buffer, contentType: string | undefined): Push | undefined {
  let text = body.toString('utf8');
  if (contentType?.startsWith('application/x-www-form-urlencoded') === true) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) return undefined;
    text = payload;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { repository, ref } = parsed as { repository?: Record<string, unknown>; ref?: unknown };
  if (typeof repository !== 'object' || repository === null) return undefined;
  const urls = ['clone_url', 'html_url', 'ssh_url', 'git_url', 'url']
    .map((field) => repository[field])
    .filter((u): u is string => typeof u === 'string' && u !== '');
  if (urls.length === 0) return undefined;
  return { urls, ref: typeof ref === 'string' ? ref : undefined };
}

/** The body, or undefined when it is over `limit` bytes (the rest is read and dropped). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
    else chunks.length = 0;
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
