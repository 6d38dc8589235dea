/**
 * The PATCH bodies kube-apiserver accepts, keyed by Content-Type: JSON patch (RFC 6902), JSON merge
 * patch (RFC 7386) and strategic merge patch. Server-side apply (`apply`) is recognised here but
 * applied elsewhere, by the field manager. Every function takes parsed JSON and returns a new value
 * without touching its inputs; failures are KeelsonErrors carrying the status kube would answer.
 * Anything in the API server may import this folder; it imports only `base` and `api`.
 */
export { applyJsonPatch, maxJsonPatchOperations } from './json-patch.ts';
export { applyMergePatch } from './merge-patch.ts';
export { applyStrategicMergePatch } from './strategic-merge-patch.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const patchTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/**
 * The patch type of a PATCH request's Content-Type, ignoring parameters such as `; charset=utf-8`,
 * or undefined when kube-apiserver would answer 415. `application/apply-patch+cbor` is not served.
 */
export function patchTypeOfContentType(contentType: string): PatchType | undefined {
  const mediaType = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  return Object.hasOwn(patchTypes, mediaType) ? patchTypes[mediaType] : undefined;
}
