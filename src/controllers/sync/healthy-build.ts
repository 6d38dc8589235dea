/**
 * The last healthy build of a Sync, kept across restarts for rollback: the objects exactly as they
 * were applied (after substitution), gzipped in a Secret beside the Sync and owned by it, the way
 * Helm keeps releases in Secrets. A Secret because substituted values may be secret.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

import type { Sync } from '../../api/crds/index.ts';
import { syncGroup } from '../../api/crds/sync.ts';
import type { KubeObject } from '../../api/meta.ts';
import { refOf, type KubeClient } from '../../runtime/client.ts';
import { fieldManager } from '../../api/sync-objects.ts';

export const healthyBuildType = 'sync.keelson.dev/healthy-build';
/** Names the Sync a healthy-build Secret belongs to. */
export const healthyBuildLabel = 'sync.keelson.dev/healthy-build-of';
/** Below the 1 MiB a Secret may hold, with room for metadata. */
const maxBytes = 900 * 1024;

export interface HealthyBuild {
  revision: string;
  objects: KubeObject[];
}

interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export function healthyBuildName(sync: Sync): string {
  return `keelson.sync.${sync.metadata.name ?? ''}.healthy`;
}

/** Writes the build; false when it is too large to keep (rollback then works until a restart only). */
export async function saveHealthyBuild(
  client: KubeClient,
  sync: Sync,
  build: HealthyBuild,
): Promise<boolean> {
  const packed = gzipSync(JSON.stringify(build.objects));
  if (packed.length > maxBytes) return false;
  const secret: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: healthyBuildName(sync),
      namespace: sync.metadata.namespace ?? 'default',
      labels: { [healthyBuildLabel]: sync.metadata.name ?? '' },
      ownerReferences: [
        {
          apiVersion: `${syncGroup}/v1`,
          kind: 'Sync',
          name: sync.metadata.name ?? '',
          uid: sync.metadata.uid ?? '',
        },
      ],
    },
    type: healthyBuildType,
    data: {
      revision: Buffer.from(build.revision).toString('base64'),
      'objects.json.gz': packed.toString('base64'),
    },
  };
  await client.apply(secret, { fieldManager, force: true });
  return true;
}

/** The kept build, if there is one written for this very Sync (same uid). */
export async function loadHealthyBuild(client: KubeClient, sync: Sync): Promise<HealthyBuild | undefined> {
  const secret = await client.tryGet<Secret>({
    ...refOf(sync),
    apiVersion: 'v1',
    kind: 'Secret',
    name: healthyBuildName(sync),
  });
  if (secret === undefined || secret.type !== healthyBuildType) return undefined;
  if (!secret.metadata.ownerReferences?.some((o) => o.uid === sync.metadata.uid)) return undefined;
  const revision = secret.data?.['revision'];
  const packed = secret.data?.['objects.json.gz'];
  if (revision === undefined || packed === undefined) return undefined;
  return {
    revision: Buffer.from(revision, 'base64').toString('utf8'),
    objects: JSON.parse(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8')) as KubeObject[],
  };
}
