/**
 * Kind-specific behaviour that needs the store: namespace lifecycle checks, Service IP and node port
 * allocation, Job selectors, Pod and Namespace status on create, graceful deletion.
 */
import { KeelsonError, NotFoundError, type FieldError } from '../../base/errors.ts';
import { isObject } from '../../base/json.ts';
import type { KubeObject } from '../../api/meta.ts';
import { applySchemaDefaults, validateCustomResource } from '../custom-resources.ts';
import type { ObjectStore } from './store.ts';
import type { ServedType } from './types.ts';

export interface KindHooks {
  checkNamespaceAcceptsContent(store: ObjectStore, namespace: string, type: ServedType, name: string): void;
  beforeCreate(store: ObjectStore, type: ServedType, object: KubeObject): void;
  beforeUpdate(store: ObjectStore, type: ServedType, next: KubeObject, old: KubeObject): void;
  validate(
    store: ObjectStore,
    type: ServedType,
    object: KubeObject,
    old: KubeObject | undefined,
  ): FieldError[];
  /** Seconds an object stays after DELETE before it is removed (pods on a node); 0 = at once. */
  gracePeriod(type: ServedType, object: KubeObject, requested: number | undefined): number;
  gracePending(type: ServedType, object: KubeObject, now: Date): boolean;
  hasSpecFinalizers(type: ServedType, object: KubeObject): boolean;
  markDeleting(type: ServedType, object: KubeObject): void;
  /** Finalizers DELETE adds (a CRD waits for its objects to be removed). */
  deletionFinalizers(type: ServedType, object: KubeObject): string[];
}

export const crdCleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io';

const serviceRange = { base: ipToNumber('10.96.0.0'), size: 1 << 20 };
const nodePortRange = { min: 30000, max: 32767 };

function is(type: ServedType, group: string, kind: string): boolean {
  return type.group === group && type.kind === kind && type.crd === undefined;
}

export interface HookOptions {
  /** Pods bound to a node wait for the node to confirm deletion (true once a node agent runs). */
  gracefulPods: boolean;
}

export function createKindHooks(options: HookOptions): KindHooks {
  return {
    checkNamespaceAcceptsContent(store, namespace, type, name) {
      const nsType = store.types.lookup('', 'v1', 'namespaces')!;
      const ns = store.storage.get(store.key(nsType, '', namespace));
      if (!ns)
        throw new NotFoundError(`namespaces "${namespace}" not found`, {
          name: namespace,
          kind: 'namespaces',
        });
      if (
        ns.value.metadata.deletionTimestamp !== undefined &&
        !(type.kind === 'Event' && type.crd === undefined)
      ) {
        throw new KeelsonError(
          'KEELSON_FORBIDDEN',
          `${type.group === '' ? type.plural : `${type.plural}.${type.group}`} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
          {
            kind: type.plural,
            group: type.group,
            causes: [
              {
                reason: 'NamespaceTerminating',
                message: `namespace ${namespace} is being terminated`,
                field: 'metadata.namespace',
              },
            ],
          },
        );
      }
    },

    beforeCreate(store, type, object) {
      if (type.crd) applySchemaDefaults(object, type.crd.openApiSchema);
      if (is(type, '', 'Service')) allocateServiceAddresses(store, type, object);
      if (is(type, '', 'Namespace')) object['status'] = { phase: 'Active' };
      if (is(type, '', 'Pod')) {
        const status = isObject(object['status']) ? object['status'] : {};
        object['status'] = { phase: 'Pending', qosClass: qosClass(object), ...status };
      }
      if (is(type, 'batch', 'Job')) defaultJobSelector(object);
    },

    beforeUpdate(store, type, next, old) {
      if (type.crd) applySchemaDefaults(next, type.crd.openApiSchema);
      if (is(type, '', 'Service')) {
        const spec = next['spec'] as Record<string, unknown> | undefined;
        const oldSpec = old['spec'] as Record<string, unknown> | undefined;
        if (spec && oldSpec && (spec['clusterIP'] === undefined || spec['clusterIP'] === '')) {
          if (oldSpec['clusterIP'] !== undefined) spec['clusterIP'] = oldSpec['clusterIP'];
          if (oldSpec['clusterIPs'] !== undefined && spec['clusterIPs'] === undefined)
            spec['clusterIPs'] = oldSpec['clusterIPs'];
        }
        if (spec && oldSpec) carryNodePorts(spec, oldSpec);
        allocateServiceAddresses(store, type, next);
      }
    },

    validate(_store, type, object) {
      return type.crd ? validateCustomResource(type, object) : [];
    },

    deletionFinalizers(type) {
      return is(type, 'apiextensions.k8s.io', 'CustomResourceDefinition') ? [crdCleanupFinalizer] : [];
    },

    gracePeriod(type, object, requested) {
      if (!is(type, '', 'Pod') || !options.gracefulPods) return 0;
      const spec = (object['spec'] ?? {}) as Record<string, unknown>;
      if (!spec['nodeName']) return 0;
      const phase = (object['status'] as Record<string, unknown> | undefined)?.['phase'];
      if (phase === 'Succeeded' || phase === 'Failed') return 0;
      return requested ?? Number(spec['terminationGracePeriodSeconds'] ?? 30);
    },

    gracePending(type, object) {
      return (
        options.gracefulPods && is(type, '', 'Pod') && (object.metadata.deletionGracePeriodSeconds ?? 0) > 0
      );
    },

    hasSpecFinalizers(type, object) {
      if (!is(type, '', 'Namespace')) return false;
      const finalizers = (object['spec'] as Record<string, unknown> | undefined)?.['finalizers'];
      return Array.isArray(finalizers) && finalizers.length > 0;
    },

    markDeleting(type, object) {
      if (is(type, '', 'Namespace'))
        object['status'] = { ...(object['status'] as object), phase: 'Terminating' };
      if (is(type, 'apiextensions.k8s.io', 'CustomResourceDefinition')) {
        const status = (object['status'] ?? {}) as Record<string, unknown>;
        const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []) as Array<
          Record<string, unknown>
        >;
        object['status'] = {
          ...status,
          conditions: [
            ...conditions.filter((c) => c['type'] !== 'Terminating'),
            {
              type: 'Terminating',
              status: 'True',
              reason: 'InstanceDeletionInProgress',
              message: 'CustomResource deletion is in progress',
              lastTransitionTime: object.metadata.deletionTimestamp,
            },
          ],
        };
      }
    },
  };
}

function allocateServiceAddresses(store: ObjectStore, type: ServedType, object: KubeObject): void {
  const spec = (object['spec'] ?? {}) as Record<string, unknown>;
  object['spec'] = spec;
  const serviceType = spec['type'] ?? 'ClusterIP';
  const services = () => store.storage.list(`/${store.cluster}/core/services/`).items.map((i) => i.value);
  if (serviceType !== 'ExternalName' && (spec['clusterIP'] === undefined || spec['clusterIP'] === '')) {
    const used = new Set(
      services().map((s) => (s['spec'] as Record<string, unknown> | undefined)?.['clusterIP']),
    );
    for (let offset = 1; offset < serviceRange.size - 1; offset++) {
      const ip = numberToIp(serviceRange.base + offset);
      if (!used.has(ip)) {
        spec['clusterIP'] = ip;
        spec['clusterIPs'] = [ip];
        break;
      }
    }
  } else if (typeof spec['clusterIP'] === 'string' && spec['clusterIPs'] === undefined) {
    spec['clusterIPs'] = [spec['clusterIP']];
  }
  if ((serviceType === 'NodePort' || serviceType === 'LoadBalancer') && Array.isArray(spec['ports'])) {
    const used = new Set<number>();
    for (const s of services()) {
      const ports = (s['spec'] as Record<string, unknown> | undefined)?.['ports'];
      if (Array.isArray(ports))
        for (const p of ports) if (isObject(p) && typeof p['nodePort'] === 'number') used.add(p['nodePort']);
    }
    for (const port of spec['ports']) {
      if (!isObject(port) || typeof port['nodePort'] === 'number') continue;
      for (let n = nodePortRange.min; n <= nodePortRange.max; n++) {
        if (!used.has(n)) {
          port['nodePort'] = n;
          used.add(n);
          break;
        }
      }
    }
  }
  void type;
}

function carryNodePorts(spec: Record<string, unknown>, oldSpec: Record<string, unknown>): void {
  const ports = spec['ports'];
  const oldPorts = oldSpec['ports'];
  if (!Array.isArray(ports) || !Array.isArray(oldPorts)) return;
  for (const port of ports) {
    if (!isObject(port) || port['nodePort'] !== undefined) continue;
    const match = oldPorts.find(
      (o) =>
        isObject(o) && o['port'] === port['port'] && (o['protocol'] ?? 'TCP') === (port['protocol'] ?? 'TCP'),
    );
    if (isObject(match) && match['nodePort'] !== undefined) port['nodePort'] = match['nodePort'];
  }
}

function defaultJobSelector(job: KubeObject): void {
  const spec = (job['spec'] ?? {}) as Record<string, unknown>;
  if (spec['manualSelector'] === true) return;
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const template = (spec['template'] ?? {}) as Record<string, unknown>;
  spec['template'] = template;
  const meta = (template['metadata'] ?? {}) as Record<string, unknown>;
  template['metadata'] = meta;
  meta['labels'] = {
    ...(meta['labels'] as Record<string, string> | undefined),
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  if (spec['selector'] === undefined)
    spec['selector'] = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

function qosClass(pod: KubeObject): string {
  const containers = ((pod['spec'] as Record<string, unknown> | undefined)?.['containers'] ?? []) as Array<
    Record<string, unknown>
  >;
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const r = (c['resources'] ?? {}) as {
      requests?: Record<string, unknown>;
      limits?: Record<string, unknown>;
    };
    const requests = r.requests ?? {};
    const limits = r.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const res of ['cpu', 'memory']) {
      if (limits[res] === undefined || (requests[res] !== undefined && requests[res] !== limits[res]))
        guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}
