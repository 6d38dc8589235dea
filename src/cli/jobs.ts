/**
 * CI history in the terminal: `keelson jobs` lists JobRuns newest first (what Prow's deck shows),
 * `keelson logs RUN [-f]` prints a run's log from its pod, through the Kubernetes API like
 * `kubectl logs`, or once the pod is gone from the artifact store (the run's `status.url`), and
 * `keelson artifacts RUN [--out DIR]` lists or downloads what the run uploaded there.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { JobRun } from '../api/crds/ci.ts';
import { ciApiVersion } from '../api/crds/ci.ts';
import type { KubeObject } from '../api/meta.ts';
import { KeelsonError } from '../base/errors.ts';
import type { KubeClient } from '../runtime/client.ts';
import type { CliDeps } from './context.ts';
import { age, humanDuration, table } from './format.ts';

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
  const runs = (await client.list<JobRun>(ciApiVersion, 'JobRun', { namespace: request.namespace })).items
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

function getRun(client: KubeClient, request: { namespace: string; name: string }): Promise<JobRun> {
  return client.get<JobRun>({
    apiVersion: ciApiVersion,
    kind: 'JobRun',
    namespace: request.namespace,
    name: request.name,
  });
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
  const run = await getRun(client, request);
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
    const stored = storeUrl(run);
    if (stored === undefined)
      throw new KeelsonError(
        'KEELSON_NOT_FOUND',
        `the pod ${podNamespace}/${podName} of JobRun ${request.name} is gone, and the run kept no logs in an artifact store`,
      );
    const response = await fetchStored(new URL(buildLogFile, stored), `the stored log of ${request.name}`);
    deps.stdout(await response.text());
    return;
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

/** The file the entrypoint writes the command's output to, in the run's artifact directory. */
const buildLogFile = 'build-log.txt';

/** The run's directory in the artifact store, when it uploads there (`status.url` is then HTTP). */
function storeUrl(run: JobRun): URL | undefined {
  const url = run.status?.url;
  if (url === undefined || !/^https?:\/\//.test(url)) return undefined;
  return new URL(url.endsWith('/') ? url : `${url}/`);
}

async function fetchStored(url: URL, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (error) {
    throw new KeelsonError(
      'KEELSON_UNAVAILABLE',
      `reading ${what} at ${url.href}: ${(error as Error).message}`,
    );
  }
  if (response.status === 404)
    throw new KeelsonError(
      'KEELSON_NOT_FOUND',
      `${what} is not in the artifact store (${url.href}): not uploaded yet?`,
    );
  if (!response.ok)
    throw new KeelsonError('KEELSON_UNAVAILABLE', `reading ${what} at ${url.href}: HTTP ${response.status}`);
  return response;
}

/** Lists a run's stored files, or with `out` downloads them there (a progress bar on a terminal). */
export async function artifacts(
  client: KubeClient,
  deps: CliDeps & { isTty?: boolean },
  request: { namespace: string; name: string; out?: string | undefined },
): Promise<void> {
  const run = await getRun(client, request);
  const base = storeUrl(run);
  if (base === undefined)
    throw new KeelsonError(
      'KEELSON_NOT_FOUND',
      `JobRun ${request.namespace}/${request.name} has no artifacts: ${run.status?.url === undefined ? `it has not started (state ${run.status?.state ?? 'triggered'})` : 'it was run without an artifact store'}`,
    );
  const listing = (await (await fetchStored(base, `the artifacts of ${request.name}`)).json()) as {
    files: { path: string; size: number }[];
  };
  if (request.out === undefined) {
    deps.stdout(`${base.href}\n`);
    deps.stdout(
      table(
        ['PATH', 'SIZE'],
        listing.files.map((f) => [f.path, String(f.size)]),
      ),
    );
    return;
  }
  const total = listing.files.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  const progress = (final: boolean): void => {
    const width = 20;
    const share = total === 0 ? 1 : done / total;
    const line = `[${'#'.repeat(Math.round(share * width)).padEnd(width, '-')}] ${done}/${total} bytes`;
    if (deps.isTty) deps.stderr(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else if (final) deps.stderr(`${line}\n`);
  };
  for (const file of listing.files) {
    const target = resolve(request.out, ...file.path.split('/'));
    if (!target.startsWith(resolve(request.out) + sep))
      throw new KeelsonError(
        'KEELSON_INVALID',
        `the store listed ${JSON.stringify(file.path)}, outside ${request.out}`,
      );
    const url = new URL(file.path.split('/').map(encodeURIComponent).join('/'), base);
    const response = await fetchStored(url, `${file.path} of ${request.name}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, Buffer.from(await response.arrayBuffer()));
    done += file.size;
    progress(false);
  }
  progress(true);
  deps.stdout(
    `${listing.files.length} files (${total} bytes) of ${request.name} written to ${request.out}\n`,
  );
}
