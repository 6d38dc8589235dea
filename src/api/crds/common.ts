/** Schema pieces every Keelson CRD shares: kstatus conditions, references, durations. */

/**
 * Set (to any new value, by convention a timestamp) to ask for a reconcile now, like Flux's
 * `reconcile.fluxcd.io/requestedAt`; the value handled last is copied to
 * `status.lastHandledReconcileAt`, so a client can wait for it.
 */
export const requestedAtAnnotation = 'reconcile.keelson.dev/requestedAt';
/**
 * Label that opts a ConfigMap or Secret into waking the Syncs that substitute from it when its data
 * changes (value `Enabled`), as Flux's `reconcile.fluxcd.io/watch`.
 */
export const watchLabel = 'reconcile.keelson.dev/watch';

export type JsonSchema = Record<string, unknown>;

/** A duration as Flux and Kubernetes write them: `30s`, `5m`, `1h30m`. */
export const durationSchema: JsonSchema = {
  type: 'string',
  pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$',
};

export const conditionsSchema: JsonSchema = {
  type: 'array',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  items: {
    type: 'object',
    required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    properties: {
      type: { type: 'string', maxLength: 316 },
      status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
      lastTransitionTime: { type: 'string', format: 'date-time' },
      reason: { type: 'string', maxLength: 1024 },
      message: { type: 'string', maxLength: 32768 },
    },
  },
};

export const localReferenceSchema: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' } },
};

export const namespacedReferenceSchema: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' }, namespace: { type: 'string' } },
};

/** The printer columns kstatus users expect: Ready, Status, Age. */
export function readyColumns(extra: JsonSchema[] = []): JsonSchema[] {
  return [
    ...extra,
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
}

export interface CrdDefinition {
  group: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  schema: JsonSchema;
  printerColumns: JsonSchema[];
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition with one served, stored version v1. */
export function customResourceDefinition(d: CrdDefinition): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${d.plural}.${d.group}` },
    spec: {
      group: d.group,
      scope: 'Namespaced',
      names: {
        kind: d.kind,
        listKind: `${d.kind}List`,
        plural: d.plural,
        singular: d.singular,
        ...(d.shortNames && { shortNames: d.shortNames }),
        categories: d.categories ?? ['keelson', 'all'],
      },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: d.printerColumns,
          schema: { openAPIV3Schema: d.schema },
        },
      ],
    },
  };
}
