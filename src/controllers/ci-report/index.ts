/** The CI reporter (Prow's crier). See README.md. */
export {
  CiReportReconciler,
  githubReporter,
  slackReporter,
  type CiReportDeps,
  type CiReportReconcilerDeps,
  type SlackReporterOptions,
} from './reconciler.ts';
export { ciReportController, type CiReportControllerDeps } from './watches.ts';
