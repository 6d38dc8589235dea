/**
 * The volume binder of the embedded node. There is no storage on a simulated node, so every
 * PersistentVolumeClaim is bound at once, as a cluster with a default StorageClass and an
 * immediate-binding provisioner does: phase Bound, the requested capacity and access modes, and
 * kube's bind annotations. Workloads that wait for their claims then proceed.
 */
import type { KubeObject } from '../../../api/meta.ts';
import { Controller, type Reconciler, type Request } from '../../../runtime/controller.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import type { NodeContext } from '../../context.ts';

interface Claim extends KubeObject {
  spec?: { accessModes?: string[]; resources?: { requests?: { storage?: string } } };
  status?: { phase?: string };
}

export class VolumeBinder implements Reconciler {
  readonly #client: KubeClient;

  constructor(deps: { client: KubeClient }) {
    this.#client = deps.client;
  }

  async reconcile(request: Request): Promise<void> {
    const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...request };
    const claim = await this.#client.tryGet<Claim>(ref);
    if (!claim || claim.metadata.deletionTimestamp || claim.status?.phase === 'Bound') return;
    if (claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'] !== 'yes') {
      await this.#client.patch(ref, {
        metadata: {
          annotations: {
            'pv.kubernetes.io/bind-completed': 'yes',
            'pv.kubernetes.io/bound-by-controller': 'yes',
            'volume.kubernetes.io/storage-provisioner': 'keelson.dev/embedded',
          },
        },
      });
    }
    await this.#client.patchStatus(ref, {
      phase: 'Bound',
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
    });
  }
}

export function volumeBinderController(ctx: NodeContext): Controller {
  return new Controller({ name: 'volume-binder', reconciler: new VolumeBinder(ctx), log: ctx.log }).for(
    ctx.informers.for('v1', 'PersistentVolumeClaim'),
  );
}
