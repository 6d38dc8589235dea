/** Installing CustomResourceDefinitions the way an operator does at start: apply, then wait until served. */
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from './client.ts';

const crdApiVersion = 'apiextensions.k8s.io/v1';

/**
 * Server-side applies `crds` (forcing conflicts for `fieldManager`) and waits until every one is
 * Established, polling; throws naming the ones that were not within `timeoutMs` (default 30 s).
 */
export async function applyCrds(
  client: KubeClient,
  crds: readonly Record<string, unknown>[],
  options: { fieldManager: string; timeoutMs?: number },
): Promise<void> {
  for (const crd of crds)
    await client.apply(crd as KubeObject, { fieldManager: options.fieldManager, force: true });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const waiting: string[] = [];
    for (const crd of crds) {
      const name = (crd as KubeObject).metadata.name ?? '';
      const live = await client.get({ apiVersion: crdApiVersion, kind: 'CustomResourceDefinition', name });
      const conditions = (live['status'] as { conditions?: { type: string; status: string }[] } | undefined)
        ?.conditions;
      if (!conditions?.some((c) => c.type === 'Established' && c.status === 'True')) waiting.push(name);
    }
    if (waiting.length === 0) return;
    if (Date.now() > end)
      throw new Error(
        `CustomResourceDefinitions not Established within ${timeoutMs / 1000}s: ${waiting.join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
