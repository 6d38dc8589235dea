/**
 * kstatus-style health of applied objects (sigs.k8s.io/cli-utils kstatus, as Flux's wait uses it).
 * Pure: one live object in, a verdict out.
 */
import type { KubeObject } from '../../api/meta.ts';

export interface Health {
  healthy: boolean;
  /** Why not, when not healthy. */
  message?: string;
}

interface Workload extends KubeObject {
  spec?: { replicas?: number; completions?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: { type: string; status: string; message?: string; reason?: string }[];
  };
}

/** Whether `object`, as it is live, has settled. */
export function healthOf(object: KubeObject): Health {
  const o = object as Workload;
  const status = o.status ?? {};
  const generation = o.metadata.generation;
  const observed = status.observedGeneration;
  const stale = generation !== undefined && observed !== undefined && observed < generation;
  const notYet = (message: string): Health => ({ healthy: false, message });
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet': {
      if (observed === undefined || stale) return notYet('generation not observed yet');
      const want = o.spec?.replicas ?? 1;
      const updated = status.updatedReplicas ?? 0;
      const ready = o.kind === 'Deployment' ? (status.availableReplicas ?? 0) : (status.readyReplicas ?? 0);
      if (updated < want) return notYet(`${updated} of ${want} replicas updated`);
      const total = status.replicas ?? 0;
      if (total > want) return notYet(`${total - updated} old replicas pending termination`);
      if (ready < want)
        return notYet(`${ready} of ${want} replicas ${o.kind === 'Deployment' ? 'available' : 'ready'}`);
      return { healthy: true };
    }
    case 'DaemonSet': {
      if (observed === undefined || stale) return notYet('generation not observed yet');
      const want = status.desiredNumberScheduled ?? 0;
      const updated = status.updatedNumberScheduled ?? 0;
      const available = status.numberAvailable ?? 0;
      if (updated < want) return notYet(`${updated} of ${want} pods updated`);
      if (available < want) return notYet(`${available} of ${want} pods available`);
      return { healthy: true };
    }
    case 'Job': {
      const failed = status.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
      if (failed) return notYet(`job failed: ${failed.message ?? failed.reason ?? ''}`);
      if (status.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'))
        return { healthy: true };
      return notYet('job not complete');
    }
    default: {
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      if (ready === undefined) return { healthy: true };
      if (stale) return notYet('generation not observed yet');
      return ready.status === 'True'
        ? { healthy: true }
        : notYet(`Ready=${ready.status}${ready.message ? `: ${ready.message}` : ''}`);
    }
  }
}
