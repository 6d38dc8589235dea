/**
 * HorizontalPodAutoscaler (autoscaling/v2) with kube-controller-manager's order of decisions: a
 * target scaled to 0 disables autoscaling; replicas outside [minReplicas, maxReplicas] are moved
 * to the nearest bound without reading metrics; otherwise metrics decide. The embedded node serves
 * no resource metrics API (metrics.k8s.io), so in range the HPA reports ScalingActive=False with
 * FailedGetResourceMetric, exactly as a cluster without metrics-server does, and leaves replicas.
 */
import type { Condition, KubeObject } from '../../../api/meta.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import { isNotFound, resourcePath } from '../../../runtime/client.ts';
import type { Reconciler, Request, Result } from '../../../runtime/controller.ts';
import type { NodeClock } from '../../context.ts';

export interface HorizontalPodAutoscaler extends KubeObject {
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: { type: string; resource?: { name: string } }[];
  };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    lastScaleTime?: string;
    observedGeneration?: number;
    conditions?: Condition[];
  };
}

interface Scale {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

/** Resync period: kube's --horizontal-pod-autoscaler-sync-period. */
export const hpaSyncPeriodMs = 15_000;

export class HpaReconciler implements Reconciler {
  readonly #client: KubeClient;
  readonly #clock: NodeClock;

  constructor(deps: { client: KubeClient; clock: NodeClock }) {
    this.#client = deps.client;
    this.#clock = deps.clock;
  }

  async reconcile(request: Request): Promise<Result> {
    const ref = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', ...request };
    const hpa = await this.#client.tryGet<HorizontalPodAutoscaler>(ref);
    if (!hpa || hpa.metadata.deletionTimestamp) return {};
    const target = hpa.spec.scaleTargetRef;
    const now = new Date(this.#clock.now()).toISOString();
    const conditions: Condition[] = [];
    const status: NonNullable<HorizontalPodAutoscaler['status']> = {
      observedGeneration: hpa.metadata.generation ?? 1,
      currentReplicas: hpa.status?.currentReplicas ?? 0,
      desiredReplicas: hpa.status?.desiredReplicas ?? 0,
    };
    const targetRef = {
      apiVersion: target.apiVersion ?? 'apps/v1',
      kind: target.kind,
      namespace: hpa.metadata.namespace,
      name: target.name,
    };
    let scale: Scale;
    try {
      scale = await this.#client.request<Scale>('GET', await this.#scalePath(targetRef));
    } catch (error) {
      const message = isNotFound(error)
        ? `the HPA controller was unable to get the target's current scale: ${target.kind.toLowerCase()}s.${groupOf(targetRef.apiVersion)} "${target.name}" not found`
        : `the HPA controller was unable to get the target's current scale: ${(error as Error).message}`;
      conditions.push(condition('AbleToScale', 'False', 'FailedGetScale', message, now));
      await this.#writeStatus(hpa, status, conditions);
      return { requeueAfter: hpaSyncPeriodMs };
    }
    const current = scale.spec?.replicas ?? 0;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    status.currentReplicas = scale.status?.replicas ?? current;
    const gotScale = condition(
      'AbleToScale',
      'True',
      'SucceededGetScale',
      "the HPA controller was able to get the target's current scale",
      now,
    );
    let desired = current;
    if (current === 0 && min !== 0) {
      conditions.push(
        gotScale,
        condition(
          'ScalingActive',
          'False',
          'ScalingDisabled',
          'scaling is disabled since the replica count of the target is zero',
          now,
        ),
      );
    } else if (current > max || current < min) {
      desired = current > max ? max : min;
      conditions.push(
        condition(
          'AbleToScale',
          'True',
          'SucceededRescale',
          `the HPA controller was able to update the target scale to ${desired}`,
          now,
        ),
        condition(
          'ScalingLimited',
          'True',
          current > max ? 'TooManyReplicas' : 'TooFewReplicas',
          `the desired replica count is ${current > max ? 'more' : 'less'} than the ${current > max ? 'maximum' : 'minimum'} replica count`,
          now,
        ),
      );
    } else {
      const metric = hpa.spec.metrics?.[0];
      const what =
        metric?.type === 'Resource'
          ? `${metric.resource?.name ?? 'cpu'} utilization`
          : `${metric?.type ?? 'cpu'} metric`;
      conditions.push(
        gotScale,
        condition(
          'ScalingActive',
          'False',
          'FailedGetResourceMetric',
          `the HPA was unable to compute the replica count: failed to get ${what}: unable to get metrics for resource ${metric?.resource?.name ?? 'cpu'}: no metrics returned from resource metrics API`,
          now,
        ),
      );
    }
    if (desired !== current) {
      await this.#client.patch(targetRef, { spec: { replicas: desired } }, 'merge', { subresource: 'scale' });
      status.lastScaleTime = now;
    }
    status.desiredReplicas = desired;
    await this.#writeStatus(hpa, status, conditions);
    return { requeueAfter: hpaSyncPeriodMs };
  }

  async #scalePath(ref: {
    apiVersion: string;
    kind: string;
    namespace?: string | undefined;
    name: string;
  }): Promise<string> {
    const info = await this.#client.resource(ref.apiVersion, ref.kind);
    return resourcePath(info, ref.namespace ?? 'default', ref.name, 'scale');
  }

  async #writeStatus(
    hpa: HorizontalPodAutoscaler,
    status: NonNullable<HorizontalPodAutoscaler['status']>,
    conditions: Condition[],
  ): Promise<void> {
    // conditions persist across rounds (kube sets them in place); a round overrides those it sets
    const merged = [...(hpa.status?.conditions ?? [])];
    for (const c of conditions) {
      const at = merged.findIndex((p) => p.type === c.type);
      const old = merged[at];
      if (!old) merged.push(c);
      else
        merged[at] =
          old.status === c.status
            ? { ...c, lastTransitionTime: old.lastTransitionTime ?? c.lastTransitionTime! }
            : c;
    }
    status.conditions = merged;
    if (hpa.status?.lastScaleTime && !status.lastScaleTime) status.lastScaleTime = hpa.status.lastScaleTime;
    if (JSON.stringify(hpa.status ?? {}) === JSON.stringify(status)) return;
    await this.#client.patchStatus(
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        namespace: hpa.metadata.namespace,
        name: hpa.metadata.name ?? '',
      },
      status,
    );
  }
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function condition(
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  now: string,
): Condition {
  return { type, status, reason, message, lastTransitionTime: now };
}
