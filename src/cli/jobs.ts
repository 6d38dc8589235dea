/**
 * CI history in the terminal: `keelson jobs` lists JobRuns newest first (what Prow's deck shows),
 * `keelson logs RUN [-f]` prints a run's log from its pod, through the Kubernetes API like
 * `kubectl logs`.
 */
import type { JobRun } from '../api/crds/ci.ts';
import { ciGroup } from '../api/crds/ci.ts';
import type { KubeObject } from '../api/meta.ts';
import { KeelsonError } from '../base/errors.ts';
import type { KubeClient } from '../runtime/client.ts';
import type { CliDeps } from './context.ts';
import { age, humanDuration, table } from './format.ts';

export const jobRunApiVersion = `${ciGroup}/v1`;
/** Where `keelson up` keeps JobRuns and their pods. */
export const defaultCiNamespace = 'keelson-ci';

export interface JobsRequest {
  namespace: string;
  /** `org/repo`: only runs of this repository. */
  repo?: string | undefined;
  job?: string | undefined;
  state?: string | undefined;
  /** At most this many rows (newest first). */
  limit: number;
}

/** Prints the JobRuns that match, newest first. */
export async function jobs(client: KubeClient, deps: CliDeps, request: JobsRequest): Promise<void> {
  const runs = (await client.list<JobRun>(jobRunApiVersion, 'JobRun', { namespace: request.namespace })).items
    .filter((run) => request.job === undefined || run.spec.job === request.job)
    .filter((run) => request.state === undefined || (run.status?.state ?? 'triggered') === request.state)
    .filter(
      (run) =>
        request.repo === undefined ||
        `${run.spec.refs?.org ?? ''}/${run.spec.refs?.repo ?? ''}` === request.repo,
    )
    .sort((a, b) => startOf(b) - startOf(a) || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? ''))
    .slice(0, request.limit);
  if (runs.length === 0) {
    deps.stderr(`No job runs found in ${request.namespace} namespace.\n`);
    return;
  }
  const now = deps.now();
  deps.stdout(
    table(
      ['NAME', 'JOB', 'TYPE', 'REPO', 'PULL', 'STATE', 'STARTED', 'DURATION'],
      runs.map((run) => {
        const refs = run.spec.refs;
        const started = run.status?.startTime ?? run.metadata.creationTimestamp;
        const end = run.status?.completionTime === undefined ? now : Date.parse(run.status.completionTime);
        const began = started === undefined ? Number.NaN : Date.parse(started);
        return [
          run.metadata.name ?? '',
          run.spec.job,
          run.spec.type,
          refs === undefined ? '' : `${refs.org}/${refs.repo}`,
          (refs?.pulls ?? []).map((p) => `#${p.number}`).join(','),
          run.status?.state ?? 'triggered',
          age(started, now),
          Number.isNaN(began) ? '' : humanDuration(end - began),
        ];
      }),
    ),
  );
}

function startOf(run: JobRun): number {
  const at = Date.parse(run.status?.startTime ?? run.metadata.creationTimestamp ?? '');
  return Number.isNaN(at) ? 0 : at;
}

interface Pod extends KubeObject {
  spec?: { containers?: { name: string }[] };
}

/** Streams the log of a run's test container to stdout; with `follow`, until the pod ends. */
export async function logs(
  client: KubeClient,
  deps: CliDeps,
  request: { namespace: string; name: string; follow: boolean },
): Promise<void> {
  const run = await client.get<JobRun>({
    apiVersion: jobRunApiVersion,
    kind: 'JobRun',
    namespace: request.namespace,
    name: request.name,
  });
  const podName = run.status?.pod_name;
  if (podName === undefined) {
    throw new KeelsonError(
      'KEELSON_NOT_FOUND',
      `JobRun ${request.namespace}/${request.name} has no pod yet (state ${run.status?.state ?? 'triggered'})`,
    );
  }
  const podNamespace = run.spec.namespace ?? request.namespace;
  const pod = await client.tryGet<Pod>({
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: podNamespace,
    name: podName,
  });
  if (pod === undefined) {
    throw new KeelsonError(
      'KEELSON_NOT_FOUND',
      `the pod ${podNamespace}/${podName} of JobRun ${request.name} is gone (runs are garbage-collected with their pods)`,
    );
  }
  const containers = pod.spec?.containers?.map((c) => c.name) ?? [];
  const container = containers.includes('test') ? 'test' : (containers[0] ?? 'test');
  const path = `/api/v1/namespaces/${encodeURIComponent(podNamespace)}/pods/${encodeURIComponent(podName)}/log`;
  const response = await client.open('GET', path, {
    query: { container, ...(request.follow && { follow: 'true' }) },
  });
  if ((response.statusCode ?? 500) >= 400) {
    let body = '';
    for await (const chunk of response) body += String(chunk);
    throw new KeelsonError(
      'KEELSON_UNAVAILABLE',
      `reading the log of pod ${podNamespace}/${podName}: ${body}`,
    );
  }
  for await (const chunk of response) deps.stdout(String(chunk));
}
