/**
 * What wakes the CI reporter: every JobRun added or changed (its state, mostly). Its own writes of
 * `prev_report_states` wake it too, and then find nothing left to report.
 */
import type { JobRun } from '../../api/crds/ci.ts';
import { Controller, type Logger } from '../../runtime/controller.ts';
import type { InformerFactory } from '../../runtime/informer.ts';
import type { BackoffOptions } from '../../runtime/queue.ts';
import { CiReportReconciler, type CiReportDeps } from './reconciler.ts';
import { ciApiVersion } from '../../api/crds/ci.ts';

export interface CiReportControllerDeps extends CiReportDeps {
  informers: InformerFactory;
  log: Logger;
  /** JobRuns reported at once (default 4). */
  workers?: number | undefined;
  /** Retry backoff of failed reports (default 1 s doubling to 5 min). */
  backoff?: BackoffOptions | undefined;
}

/** The CI reporter (Prow's crier). Add it to a Manager, which starts the JobRun informer. */
export function ciReportController(deps: CiReportControllerDeps): Controller {
  const jobRuns = deps.informers.for<JobRun>(ciApiVersion, 'JobRun');
  return new Controller({
    name: 'ci-report',
    reconciler: new CiReportReconciler({ ...deps, runs: jobRuns }),
    workers: deps.workers ?? 4,
    backoff: deps.backoff ?? { base: 1000, max: 5 * 60_000 },
    log: deps.log,
  }).for(jobRuns);
}
