/**
 * `keelson reconcile`, `suspend` and `resume`, as `flux` does them: a reconcile is asked for by
 * setting the requestedAt annotation, and is done when the controller copies that value to
 * status.lastHandledReconcileAt and says whether the object is Ready.
 */
import type { KubeObject } from '../api/meta.ts';
import { KeelsonError } from '../base/errors.ts';
import type { KubeClient, ObjectRef } from '../runtime/client.ts';
import { findCondition, type HasConditions } from '../runtime/conditions.ts';
import type { CliDeps } from './context.ts';
import type { CliKind } from './kinds.ts';
import { requestedAtAnnotation } from '../api/crds/index.ts';

export { requestedAtAnnotation };

/** How often a waiting verb reads the object again (flux polls too). */
const pollIntervalMs = 500;

export interface Target {
  kind: CliKind;
  namespace: string;
  name: string;
}

function refOf(target: Target): ObjectRef {
  return {
    apiVersion: target.kind.apiVersion,
    kind: target.kind.kind,
    namespace: target.namespace,
    name: target.name,
  };
}

function describe(target: Target): string {
  return `${target.kind.kind} ${target.namespace}/${target.name}`;
}

/**
 * Asks for a reconcile and waits for its outcome; returns the exit code (1 when the object ends
 * up not Ready). A suspended object is refused, since its controller would never answer.
 */
export async function reconcile(
  client: KubeClient,
  deps: CliDeps,
  target: Target,
  timeoutMs: number,
): Promise<number> {
  const object = await client.get(refOf(target));
  if ((object.spec as { suspend?: boolean } | undefined)?.suspend === true) {
    throw new KeelsonError(
      'KEELSON_BAD_REQUEST',
      `${describe(target)} is suspended; run 'keelson resume ${target.kind.word} ${target.name}' to resume it`,
    );
  }
  return requestAndWait(client, deps, target, timeoutMs);
}

async function requestAndWait(
  client: KubeClient,
  deps: CliDeps,
  target: Target,
  timeoutMs: number,
): Promise<number> {
  const requestedAt = new Date(deps.now()).toISOString();
  deps.stderr(`► annotating ${describe(target)}\n`);
  await client.patch(refOf(target), { metadata: { annotations: { [requestedAtAnnotation]: requestedAt } } });
  deps.stderr(`◎ waiting for ${target.kind.kind} reconciliation\n`);
  const deadline = deps.now() + timeoutMs;
  for (;;) {
    const object = await client.get(refOf(target));
    const status = object.status as (HasConditions & { lastHandledReconcileAt?: string }) | undefined;
    const ready = findCondition(status, 'Ready');
    if (status?.lastHandledReconcileAt === requestedAt && ready && ready.status !== 'Unknown') {
      if (ready.status === 'True') {
        deps.stdout(`✔ ${target.kind.verb} revision ${target.kind.revision(object) ?? '(none)'}\n`);
        return 0;
      }
      deps.stderr(`✗ ${describe(target)} is not ready: ${ready.message}\n`);
      return 1;
    }
    if (deps.now() >= deadline) {
      throw new KeelsonError(
        'KEELSON_TIMEOUT',
        `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${describe(target)} to be reconciled`,
      );
    }
    await deps.sleep(Math.min(pollIntervalMs, Math.max(0, deadline - deps.now())));
  }
}

/** Sets spec.suspend, so the controller leaves the object alone until it is resumed. */
export async function suspend(client: KubeClient, deps: CliDeps, target: Target): Promise<void> {
  deps.stderr(`► suspending ${describe(target)}\n`);
  await client.patch<KubeObject>(refOf(target), { spec: { suspend: true } });
  deps.stdout(`✔ ${target.kind.kind} ${target.name} suspended\n`);
}

/** Clears spec.suspend, then asks for a reconcile and waits for it, as `flux resume` does. */
export async function resume(
  client: KubeClient,
  deps: CliDeps,
  target: Target,
  timeoutMs: number,
): Promise<number> {
  deps.stderr(`► resuming ${describe(target)}\n`);
  await client.patch<KubeObject>(refOf(target), { spec: { suspend: false } });
  deps.stderr(`✔ ${target.kind.kind} ${target.name} resumed\n`);
  return requestAndWait(client, deps, target, timeoutMs);
}
