/**
 * sync.keelson.dev/v1 Sync: a path of a source, built and applied to a target cluster and kept
 * equal to it. Flux's Kustomization fields where they mean the same; Keelson's own where they do
 * more (target logical clusters, driftPolicy, applyPolicy, rollback).
 */
import type { Condition, KubeObject } from '../meta.ts';
import {
  conditionsSchema,
  customResourceDefinition,
  durationSchema,
  namespacedReferenceSchema,
  readyColumns,
} from './common.ts';

export const syncGroup = 'sync.keelson.dev';

export interface InventoryEntry {
  /** Flux's object id: `<namespace>_<name>_<group>_<kind>`. */
  id: string;
  /** The object's version (apiVersion's version part). */
  v: string;
}

export interface ObjectResult {
  id: string;
  action: 'created' | 'configured' | 'unchanged' | 'deleted' | 'failed' | 'skipped';
  message?: string;
}

export interface DriftRecord {
  id: string;
  fields: string[];
  manager: string;
  operation?: string;
  time: string;
  action: 'reverted' | 'reported' | 'recreated';
}

export interface Sync extends KubeObject {
  spec: {
    sourceRef: { kind: 'GitRepository'; name: string; namespace?: string };
    path?: string;
    interval: string;
    retryInterval?: string;
    timeout?: string;
    target?: { cluster?: string; kubeConfig?: { secretRef: { name: string; key?: string } } };
    targetNamespace?: string;
    prune: boolean;
    wait?: boolean;
    healthChecks?: { apiVersion: string; kind: string; name: string; namespace?: string }[];
    dependsOn?: { name: string; namespace?: string }[];
    suspend?: boolean;
    serviceAccountName?: string;
    postBuild?: {
      substitute?: Record<string, string>;
      substituteFrom?: { kind: 'ConfigMap' | 'Secret'; name: string; optional?: boolean }[];
    };
    driftPolicy?: 'revert' | 'report';
    applyPolicy?: 'atomic' | 'partial';
    rollback?: boolean;
    force?: boolean;
  };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    lastHealthyRevision?: string;
    inventory?: { entries: InventoryEntry[] };
    objects?: ObjectResult[];
    drift?: DriftRecord[];
    lastHandledReconcileAt?: string;
  };
}

export const syncCrd = customResourceDefinition({
  group: syncGroup,
  kind: 'Sync',
  plural: 'syncs',
  singular: 'sync',
  printerColumns: readyColumns([
    { name: 'Revision', type: 'string', jsonPath: '.status.lastAppliedRevision', priority: 1 },
  ]),
  schema: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['sourceRef', 'interval', 'prune'],
        properties: {
          sourceRef: {
            type: 'object',
            required: ['kind', 'name'],
            properties: {
              kind: { type: 'string', enum: ['GitRepository'] },
              name: { type: 'string' },
              namespace: { type: 'string' },
            },
          },
          path: { type: 'string' },
          interval: durationSchema,
          retryInterval: durationSchema,
          timeout: durationSchema,
          target: {
            type: 'object',
            properties: {
              cluster: { type: 'string' },
              kubeConfig: {
                type: 'object',
                required: ['secretRef'],
                properties: {
                  secretRef: {
                    type: 'object',
                    required: ['name'],
                    properties: { name: { type: 'string' }, key: { type: 'string' } },
                  },
                },
              },
            },
          },
          targetNamespace: { type: 'string' },
          prune: { type: 'boolean' },
          wait: { type: 'boolean' },
          healthChecks: {
            type: 'array',
            items: {
              type: 'object',
              required: ['apiVersion', 'kind', 'name'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                name: { type: 'string' },
                namespace: { type: 'string' },
              },
            },
          },
          dependsOn: { type: 'array', items: namespacedReferenceSchema },
          suspend: { type: 'boolean' },
          serviceAccountName: { type: 'string' },
          postBuild: {
            type: 'object',
            properties: {
              substitute: { type: 'object', additionalProperties: { type: 'string' } },
              substituteFrom: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['kind', 'name'],
                  properties: {
                    kind: { type: 'string', enum: ['ConfigMap', 'Secret'] },
                    name: { type: 'string' },
                    optional: { type: 'boolean' },
                  },
                },
              },
            },
          },
          driftPolicy: { type: 'string', enum: ['revert', 'report'], default: 'revert' },
          applyPolicy: { type: 'string', enum: ['atomic', 'partial'], default: 'atomic' },
          rollback: { type: 'boolean' },
          force: { type: 'boolean' },
        },
      },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer', format: 'int64' },
          conditions: conditionsSchema,
          lastAppliedRevision: { type: 'string' },
          lastAttemptedRevision: { type: 'string' },
          lastHealthyRevision: { type: 'string' },
          inventory: {
            type: 'object',
            properties: {
              entries: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'v'],
                  properties: { id: { type: 'string' }, v: { type: 'string' } },
                },
              },
            },
          },
          objects: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'action'],
              properties: {
                id: { type: 'string' },
                action: { type: 'string' },
                message: { type: 'string' },
              },
            },
          },
          drift: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'fields', 'manager', 'time', 'action'],
              properties: {
                id: { type: 'string' },
                fields: { type: 'array', items: { type: 'string' } },
                manager: { type: 'string' },
                operation: { type: 'string' },
                time: { type: 'string', format: 'date-time' },
                action: { type: 'string' },
              },
            },
          },
          lastHandledReconcileAt: { type: 'string' },
        },
      },
    },
  },
});
