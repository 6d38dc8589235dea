import type { UserInfo } from '../auth/authorizer.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** What one API request carries into the store. */
export interface RequestContext {
  user: UserInfo;
  dryRun: boolean;
  /** The field manager: `?fieldManager=` or derived from the user agent. */
  fieldManager: string;
  fieldValidation: FieldValidation;
  /** Warnings returned in `Warning: 299 - "…"` headers. */
  warnings: string[];
  now: Date;
}

/** kube-apiserver derives the default field manager from the user agent's first token (`kubectl/v1.32 …` → `kubectl`). */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const first = (userAgent ?? '').split(' ')[0] ?? '';
  const name = first.split('/')[0] ?? '';
  return name.slice(0, 128) || 'unknown';
}

/** RFC 3339 with whole seconds, as Kubernetes writes timestamps. */
export function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}
