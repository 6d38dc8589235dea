/**
 * `GET …/pods/NAME/log` on the node side: PodLogOptions read from the query with kube's validation,
 * the container chosen as kubelet chooses it, and errors answered as Kubernetes Status objects.
 */
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { BadRequestError, KeelsonError, invalidError, type FieldError } from '../../base/errors.ts';
import type { LogOptions } from '../runtime/pod-runtime.ts';
import type { ApiPod } from './pod-status.ts';

/** PodLogOptions from the query string (container, follow, previous, tailLines, sinceSeconds, sinceTime, timestamps, limitBytes). */
export function parseLogQuery(
  podName: string,
  query: URLSearchParams,
): { container?: string; options: LogOptions } {
  const errors: FieldError[] = [];
  const bool = (name: string): boolean | undefined => {
    const value = query.get(name);
    if (value === null) return undefined;
    if (value === '' || value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new BadRequestError(`strconv.ParseBool: parsing "${value}": invalid syntax`);
  };
  const int = (name: string, min: number): number | undefined => {
    const value = query.get(name);
    if (value === null) return undefined;
    if (!/^-?\d+$/.test(value))
      throw new BadRequestError(`strconv.ParseInt: parsing "${value}": invalid syntax`);
    const n = Number(value);
    if (n < min)
      errors.push({
        field: name,
        type: 'FieldValueInvalid',
        value: n,
        message: min === 0 ? 'must be greater than or equal to 0' : 'must be greater than 0',
      });
    return n;
  };
  const options: LogOptions = {};
  const follow = bool('follow');
  if (follow !== undefined) options.follow = follow;
  const previous = bool('previous');
  if (previous !== undefined) options.previous = previous;
  const timestamps = bool('timestamps');
  if (timestamps !== undefined) options.timestamps = timestamps;
  const tailLines = int('tailLines', 0);
  if (tailLines !== undefined) options.tailLines = tailLines;
  const sinceSeconds = int('sinceSeconds', 1);
  if (sinceSeconds !== undefined) options.sinceSeconds = sinceSeconds;
  const limitBytes = int('limitBytes', 1);
  if (limitBytes !== undefined) options.limitBytes = limitBytes;
  const sinceTime = query.get('sinceTime');
  if (sinceTime !== null) {
    const at = Date.parse(sinceTime);
    if (Number.isNaN(at))
      throw new BadRequestError(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
    options.sinceTime = new Date(at);
  }
  if (sinceSeconds !== undefined && sinceTime !== null)
    errors.push({
      field: 'sinceSeconds',
      type: 'FieldValueForbidden',
      message: 'at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  if (errors.length > 0) throw invalidError('PodLogOptions', podName, errors);
  const container = query.get('container') ?? '';
  return container === '' ? { options } : { container, options };
}

/** kubelet's container choice: the named one, else the only one (or the default-container annotation). */
export function chooseContainer(pod: ApiPod, requested: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const inits = (pod.spec?.initContainers ?? []).map((c) => c.name);
  if (requested !== undefined) {
    if (containers.includes(requested) || inits.includes(requested)) return requested;
    throw new BadRequestError(`container ${requested} is not valid for pod ${name}`);
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated !== undefined && containers.includes(annotated)) return annotated;
  if (containers.length === 1) return containers[0]!;
  const choices = `[${containers.join(' ')}]`;
  throw new BadRequestError(
    inits.length > 0
      ? `a container name must be specified for pod ${name}, choose one of: ${choices} or one of the init containers: [${inits.join(' ')}]`
      : `a container name must be specified for pod ${name}, choose one of: ${choices}`,
  );
}

/** Answers with a Kubernetes Status for `error` (when nothing has been written yet) and ends the response. */
export function answerError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const keelson = error instanceof KeelsonError ? error : undefined;
  const code = keelson?.httpCode ?? 500;
  const body = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: keelson?.message ?? `internal error: ${(error as Error)?.message ?? String(error)}`,
    reason: keelson?.reason ?? 'InternalError',
    ...(keelson && Object.keys(keelson.details).length > 0 && { details: keelson.details }),
    code,
  };
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A Writable over the response that sends the 200 head only with the first byte (so an early error can still be a Status). */
export function logBody(res: ServerResponse): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!res.headersSent)
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      if (res.write(chunk)) callback();
      else res.once('drain', () => callback());
    },
  });
}
