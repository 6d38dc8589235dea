/**
 * source.keelson.dev/v1 GitRepository: where a desired state lives. Field names follow Flux's
 * source.toolkit.fluxcd.io GitRepository so Flux users read them at sight.
 */
import type { Condition, KubeObject } from '../meta.ts';
import {
  conditionsSchema,
  customResourceDefinition,
  durationSchema,
  localReferenceSchema,
  readyColumns,
} from './common.ts';

export const sourceGroup = 'source.keelson.dev';

export interface GitRepositoryRef {
  branch?: string;
  tag?: string;
  semver?: string;
  name?: string;
  commit?: string;
}

export interface Artifact {
  /** `main@sha1:<sha>`, `v1.2.3@sha1:<sha>` or `sha1:<sha>`. */
  revision: string;
  digest: string;
  lastUpdateTime: string;
  path?: string;
  size?: number;
}

export interface GitRepository extends KubeObject {
  spec: {
    url: string;
    ref?: GitRepositoryRef;
    interval: string;
    timeout?: string;
    secretRef?: { name: string };
    ignore?: string;
    suspend?: boolean;
  };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    artifact?: Artifact;
    lastHandledReconcileAt?: string;
  };
}

export const gitRepositoryCrd = customResourceDefinition({
  group: sourceGroup,
  kind: 'GitRepository',
  plural: 'gitrepositories',
  singular: 'gitrepository',
  shortNames: ['gitrepo'],
  printerColumns: readyColumns([{ name: 'URL', type: 'string', jsonPath: '.spec.url' }]),
  schema: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['url', 'interval'],
        properties: {
          url: { type: 'string', pattern: '^(https?://|file://|/|\\./|\\.\\./)' },
          ref: {
            type: 'object',
            properties: {
              branch: { type: 'string' },
              tag: { type: 'string' },
              semver: { type: 'string' },
              name: { type: 'string' },
              commit: { type: 'string', pattern: '^[0-9a-f]{40}$' },
            },
          },
          interval: durationSchema,
          timeout: { ...durationSchema, default: '60s' },
          secretRef: localReferenceSchema,
          ignore: { type: 'string' },
          suspend: { type: 'boolean' },
        },
      },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer', format: 'int64' },
          conditions: conditionsSchema,
          artifact: {
            type: 'object',
            required: ['revision', 'digest', 'lastUpdateTime'],
            properties: {
              revision: { type: 'string' },
              digest: { type: 'string' },
              lastUpdateTime: { type: 'string', format: 'date-time' },
              path: { type: 'string' },
              size: { type: 'integer', format: 'int64' },
            },
          },
          lastHandledReconcileAt: { type: 'string' },
        },
      },
    },
  },
});
