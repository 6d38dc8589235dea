/** `keelson get sources|syncs [NAME]`: a kubectl-like table, or the objects as YAML or JSON. */
import { stringify } from 'yaml';
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../runtime/client.ts';
import { age, table } from './format.ts';
import { readiness, type CliKind } from './kinds.ts';
import type { CliDeps } from './context.ts';

export type OutputFormat = 'table' | 'yaml' | 'json';

/** Prints the objects of `kind` in `namespace` (or only `name`) in `format`. */
export async function get(
  client: KubeClient,
  deps: CliDeps,
  request: { kind: CliKind; namespace: string; name?: string | undefined; output: OutputFormat },
): Promise<void> {
  const { kind, namespace, name } = request;
  const objects =
    name !== undefined
      ? [await client.get({ apiVersion: kind.apiVersion, kind: kind.kind, namespace, name })]
      : (await client.list(kind.apiVersion, kind.kind, { namespace })).items;
  objects.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const object of objects) {
    delete object.metadata.managedFields;
    object.apiVersion ??= kind.apiVersion;
    object.kind ??= kind.kind;
  }
  switch (request.output) {
    case 'json':
      deps.stdout(`${JSON.stringify(name !== undefined ? objects[0] : asList(objects), null, 2)}\n`);
      return;
    case 'yaml':
      deps.stdout(stringify(name !== undefined ? objects[0] : asList(objects)));
      return;
    case 'table':
      if (objects.length === 0) {
        deps.stderr(`No resources found in ${namespace} namespace.\n`);
        return;
      }
      deps.stdout(
        table(
          ['NAME', 'READY', 'STATUS', 'REVISION', 'AGE'],
          objects.map((object) => {
            const { ready, message } = readiness(object);
            return [
              object.metadata.name ?? '',
              ready,
              message,
              kind.revision(object) ?? '',
              age(object.metadata.creationTimestamp, deps.now()),
            ];
          }),
        ),
      );
      return;
  }
}

function asList(items: KubeObject[]): KubeObject {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
}
