/** Reading request bodies and writing JSON answers and Kubernetes Status errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { BadRequestError, KeelsonError, isKeelsonError, statusOfCode } from '../../base/errors.ts';
import { ContinueExpiredError } from '../registry/continue.ts';
import { decodeProtobuf, isProtobuf } from './protobuf.ts';

/** kube-apiserver's request body limit (3 MiB). */
export const maxBodyBytes = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function tooLarge(limit: number): KeelsonError {
  return new KeelsonError('KEELSON_TOO_LARGE', `the request body is larger than the limit of ${limit} bytes`);
}

/** Decodes a JSON or YAML body, naming the line and column of a syntax error. */
export function decodeBody(body: Buffer, contentType: string): unknown {
  if (isProtobuf(contentType)) return decodeProtobuf(body);
  const text = body.toString('utf8');
  if (text.trim() === '') throw new BadRequestError('the request body is empty');
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type.includes('yaml')) {
    try {
      return parseYaml(text, { version: '1.2' }) as unknown;
    } catch (error) {
      if (error instanceof YAMLParseError) {
        const at = error.linePos?.[0];
        throw new BadRequestError(
          `error converting YAML to JSON: yaml: line ${at?.line ?? '?'}: ${error.message.split('\n')[0]}`,
        );
      }
      throw new BadRequestError(`error decoding YAML: ${(error as Error).message}`);
    }
  }
  if (type !== '' && !type.includes('json') && type !== '*/*') {
    throw new KeelsonError(
      'KEELSON_UNSUPPORTED_MEDIA_TYPE',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BadRequestError(`error decoding request body as JSON: ${(error as Error).message}`);
  }
}

export function writeJson(
  res: ServerResponse,
  code: number,
  value: unknown,
  contentType = 'application/json',
  warnings: string[] = [],
): void {
  const body = JSON.stringify(value);
  const headers: Record<string, string | string[]> = {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-cache, private',
  };
  if (warnings.length > 0) headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(body);
}

/** A metav1.Status for an error. Unknown errors become InternalError without leaking details. */
export function statusOf(error: unknown): { code: number; status: Record<string, unknown> } {
  const known = isKeelsonError(error)
    ? error
    : new KeelsonError(
        'KEELSON_INTERNAL',
        `an error on the server has prevented the request from succeeding`,
      );
  const { reason, httpCode } = statusOfCode[known.code];
  const details = Object.keys(known.details).length > 0 ? known.details : undefined;
  return {
    code: httpCode,
    status: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: known instanceof ContinueExpiredError ? { continue: known.continueToken } : {},
      status: 'Failure',
      message: known.message,
      reason,
      ...(details && { details }),
      code: httpCode,
    },
  };
}

export function writeError(res: ServerResponse, error: unknown): void {
  const { code, status } = statusOf(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeJson(res, code, status);
}
