import { Controller } from '../../../runtime/controller.ts';
import { reconcilerDeps, type NodeContext } from '../../context.ts';
import type { Job } from '../job/reconciler.ts';
import { byControllerUid } from '../pods.ts';
import { CronJobReconciler, type CronJob } from './reconciler.ts';

/**
 * The CronJob controller: wakes on CronJobs, on the Jobs they own (shared Job informer with the
 * `controller-uid` index), and at each CronJob's next scheduled time (its reconcile asks for it).
 */
export function cronJobController(ctx: NodeContext): Controller {
  const cronJobs = ctx.informers.for<CronJob>('batch/v1', 'CronJob');
  const jobs = ctx.informers.for<Job>('batch/v1', 'Job');
  jobs.addIndex('controller-uid', byControllerUid);
  const reconciler = new CronJobReconciler({
    ...reconcilerDeps(ctx, 'cronjob-controller'),
    cronJobs,
    jobs,
  });
  return new Controller({ name: 'cronjob', reconciler, log: ctx.log }).for(cronJobs).owns(jobs, 'CronJob');
}
