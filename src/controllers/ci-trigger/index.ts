/** The CI trigger (Prow's hook + trigger plugin + horologium). See README.md. */
export { ciWebhookHandler, ciWebhookPath, type HttpHandler } from './webhook.ts';
export { isInRepoConfigPath, JobSource, type JobSourceDeps } from './jobs.ts';
export { PeriodicScheduler, type PeriodicSchedulerDeps } from './periodics.ts';
export {
  inRepoConfigContext,
  needsOkToTestLabel,
  okToTestLabel,
  overriddenByAnnotation,
  Trigger,
  type TriggerDeps,
} from './trigger.ts';
