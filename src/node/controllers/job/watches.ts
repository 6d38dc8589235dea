import { Controller } from '../../../runtime/controller.ts';
import { reconcilerDeps, type NodeContext } from '../../context.ts';
import { Expectations } from '../expectations.ts';
import { byControllerUid, type Pod } from '../pods.ts';
import { JobReconciler, type Job } from './reconciler.ts';

export interface JobControllerOptions {
  /** First pod-failure backoff (ms; kube: 10 s), doubling per failure. Tests make it short. */
  backoffBase?: number;
  /** Backoff ceiling (ms; 6 minutes). */
  backoffMax?: number;
}

/**
 * The Job controller: wakes on Jobs and on the pods they control (shared Pod informer with the
 * `controller-uid` index). Pod events also settle its create/delete and finalizer expectations.
 */
export function jobController(ctx: NodeContext, options: JobControllerOptions = {}): Controller {
  const jobs = ctx.informers.for<Job>('batch/v1', 'Job');
  const pods = ctx.informers.for<Pod>('v1', 'Pod');
  pods.addIndex('controller-uid', byControllerUid);
  const reconciler = new JobReconciler({
    ...reconcilerDeps(ctx, 'job-controller'),
    jobs,
    pods,
    expectations: new Expectations({ now: () => ctx.clock.now() }),
    ...(options.backoffBase !== undefined && { backoffBase: options.backoffBase }),
    ...(options.backoffMax !== undefined && { backoffMax: options.backoffMax }),
  });
  pods.on({
    add: (pod) => reconciler.observePodCreated(pod),
    update: (_old, pod) => reconciler.observePod(pod, false),
    delete: (pod) => reconciler.observePod(pod, true),
  });
  return new Controller({ name: 'job', reconciler, log: ctx.log }).for(jobs).owns(pods, 'Job');
}
