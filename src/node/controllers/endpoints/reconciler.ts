/**
 * The endpoints controller (kube's pkg/controller/endpoint): for each Service with a selector, an
 * Endpoints object of the same name listing the pods the selector picks, ready ones under
 * `addresses` and the others under `notReadyAddresses`, with each service port resolved against the
 * pod (a named targetPort is looked up among the pod's container ports). Subsets are packed by port
 * set, as endpoints.RepackSubsets does. Where the server serves discovery.k8s.io/v1, the same pods
 * are also written as EndpointSlices (the EndpointSlice controller's shape, one slice per port set).
 */
import type { KubeObject } from '../../../api/meta.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import { isAlreadyExists, isNotFound } from '../../../runtime/client.ts';
import type { Reconciler, Request, Result } from '../../../runtime/controller.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { keyOf } from '../../../runtime/informer.ts';
import type { NodeClock } from '../../context.ts';
import { canonicalJson, isPodReady, type Pod } from '../pods.ts';

export interface ServicePort {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
}

export interface Service extends KubeObject {
  spec?: {
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
  };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

interface PodSpecView {
  restartPolicy?: string;
  hostname?: string;
  subdomain?: string;
  nodeName?: string;
  containers?: { ports?: ContainerPort[] }[];
  initContainers?: { ports?: ContainerPort[]; restartPolicy?: string }[];
}

/** kube truncates an Endpoints object beyond this many addresses (EndpointSlices carry the rest). */
export const maxEndpointsCapacity = 1000;
export const overCapacityAnnotation = 'endpoints.kubernetes.io/over-capacity';
export const lastChangeTriggerTimeAnnotation = 'endpoints.kubernetes.io/last-change-trigger-time';
export const headlessLabel = 'service.kubernetes.io/headless';
const sliceManagedBy = 'endpointslice-controller.k8s.io';

function specOf(pod: Pod): PodSpecView {
  return pod.spec ?? {};
}

/** podutil.FindPort: a numeric targetPort as is; a named one from the pod's container ports of that protocol. */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = servicePort.protocol ?? 'TCP';
  const spec = specOf(pod);
  const containers = [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
  ];
  for (const container of containers)
    for (const port of container.ports ?? [])
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
  return undefined;
}

/** endpointsliceutil.ShouldPodBeInEndpoints. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp !== undefined) return false;
  const phase = pod.status.phase;
  const restartPolicy = specOf(pod).restartPolicy;
  if (restartPolicy === 'Never') return phase !== 'Failed' && phase !== 'Succeeded';
  if (restartPolicy === 'OnFailure') return phase !== 'Succeeded';
  return true;
}

function addressOf(pod: Pod, service: Service): EndpointAddress {
  const spec = specOf(pod);
  const address: EndpointAddress = {
    ip: pod.status?.podIP ?? '',
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
      uid: pod.metadata.uid ?? '',
    },
  };
  if (spec.nodeName) address.nodeName = spec.nodeName;
  if (
    spec.hostname &&
    spec.subdomain === service.metadata.name &&
    pod.metadata.namespace === service.metadata.namespace
  )
    address.hostname = spec.hostname;
  return address;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  const ip = compareIps(a.ip, b.ip);
  return ip !== 0 ? ip : a.targetRef.uid < b.targetRef.uid ? -1 : a.targetRef.uid > b.targetRef.uid ? 1 : 0;
}

function compareIps(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const an = a.name ?? '';
  const bn = b.name ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  return a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}

interface Member {
  pod: Pod;
  address: EndpointAddress;
  ready: boolean;
  ports: EndpointPort[];
}

/** The pods a service selects, each with its readiness and resolved ports (kube's syncService loop). */
export function serviceMembers(service: Service, pods: Pod[]): Member[] {
  const selector = service.spec?.selector ?? {};
  const tolerateUnready = service.spec?.publishNotReadyAddresses === true;
  const servicePorts = service.spec?.ports ?? [];
  const headless = service.spec?.clusterIP === 'None';
  const members: Member[] = [];
  for (const pod of pods) {
    const labels = pod.metadata.labels ?? {};
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const ports: EndpointPort[] = [];
    for (const servicePort of servicePorts) {
      const port = findPort(pod, servicePort);
      if (port === undefined) continue;
      const endpointPort: EndpointPort = { port, protocol: servicePort.protocol ?? 'TCP' };
      if (servicePort.name) endpointPort.name = servicePort.name;
      if (servicePort.appProtocol) endpointPort.appProtocol = servicePort.appProtocol;
      ports.push(endpointPort);
    }
    // a pod none of whose ports resolve is left out, unless the service has no ports and is headless
    if (ports.length === 0 && !(servicePorts.length === 0 && headless)) continue;
    ports.sort(comparePorts);
    members.push({ pod, address: addressOf(pod, service), ready: tolerateUnready || isPodReady(pod), ports });
  }
  return members;
}

/** endpoints.RepackSubsets: one subset per distinct port set, addresses and ports in a stable order. */
export function packSubsets(members: Member[]): EndpointSubset[] {
  const bySet = new Map<
    string,
    { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >();
  for (const member of members) {
    const key = canonicalJson(member.ports);
    let subset = bySet.get(key);
    if (!subset) bySet.set(key, (subset = { ports: member.ports, ready: [], notReady: [] }));
    (member.ready ? subset.ready : subset.notReady).push(member.address);
  }
  const subsets: EndpointSubset[] = [];
  for (const { ports, ready, notReady } of bySet.values()) {
    const subset: EndpointSubset = {};
    if (ready.length > 0) subset.addresses = ready.sort(compareAddresses);
    if (notReady.length > 0) subset.notReadyAddresses = notReady.sort(compareAddresses);
    if (ports.length > 0) subset.ports = ports;
    subsets.push(subset);
  }
  return subsets.sort((a, b) => canonicalJson(a.ports ?? []).localeCompare(canonicalJson(b.ports ?? [])));
}

/** Keeps at most `max` addresses, ready ones first, as kube's truncateEndpoints does (proportionally per subset). */
export function truncateSubsets(
  subsets: EndpointSubset[],
  max: number,
): { subsets: EndpointSubset[]; truncated: boolean } {
  const total = subsets.reduce(
    (n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0),
    0,
  );
  if (total <= max) return { subsets, truncated: false };
  const ready = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const truncated = subsets.map((s) => ({ ...s }));
  let budget = max;
  const take = (list: EndpointAddress[] | undefined, share: number): EndpointAddress[] | undefined => {
    if (!list || list.length === 0) return list;
    const n = Math.min(list.length, share, budget);
    budget -= n;
    return n > 0 ? list.slice(0, n) : undefined;
  };
  for (const s of truncated) {
    const share = ready === 0 ? 0 : Math.ceil(((s.addresses?.length ?? 0) / ready) * Math.min(max, ready));
    const addresses = take(s.addresses, share);
    if (addresses) s.addresses = addresses;
    else delete s.addresses;
  }
  const notReady = total - ready;
  for (const s of truncated) {
    const share = notReady === 0 ? 0 : Math.ceil(((s.notReadyAddresses?.length ?? 0) / notReady) * budget);
    const addresses = take(s.notReadyAddresses, share);
    if (addresses) s.notReadyAddresses = addresses;
    else delete s.notReadyAddresses;
  }
  return {
    subsets: truncated.filter((s) => (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0) > 0),
    truncated: true,
  };
}

export interface EndpointsDeps {
  client: KubeClient;
  clock: NodeClock;
  services: Informer<Service>;
  pods: Informer<Pod>;
  endpoints: Informer<Endpoints>;
}

export class EndpointsReconciler implements Reconciler {
  readonly #deps: EndpointsDeps;
  #slicesServed: Promise<boolean> | undefined;

  constructor(deps: EndpointsDeps) {
    this.#deps = deps;
  }

  async reconcile(request: Request): Promise<Result | void> {
    const { services, endpoints, client } = this.#deps;
    const key = keyOf({ metadata: request });
    const namespace = request.namespace ?? 'default';
    const ref = { apiVersion: 'v1', kind: 'Endpoints', namespace, name: request.name };
    const service = services.get(key);
    if (!service || service.metadata.deletionTimestamp !== undefined) {
      // kube deletes the Endpoints of a deleted service; a selector-less service's are the user's
      if (!service && endpoints.get(key)) await client.deleteIfExists(ref);
      return;
    }
    const selector = service.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return;

    const members = serviceMembers(service, this.#deps.pods.list(namespace));
    const { subsets, truncated } = truncateSubsets(packSubsets(members), maxEndpointsCapacity);
    await this.#writeEndpoints(service, subsets, truncated);
    if (await this.#servesSlices()) await this.#writeSlices(service, members);
  }

  async #writeEndpoints(service: Service, subsets: EndpointSubset[], truncated: boolean): Promise<void> {
    const { client, endpoints, clock } = this.#deps;
    const name = service.metadata.name ?? '';
    const namespace = service.metadata.namespace ?? 'default';
    const labels: Record<string, string> = { ...service.metadata.labels };
    if (service.spec?.clusterIP === 'None') labels[headlessLabel] = '';
    const current = endpoints.get(keyOf(service));
    const currentAnnotations = { ...current?.metadata.annotations };
    const overCapacity = currentAnnotations[overCapacityAnnotation] === 'truncated';
    if (
      current &&
      canonicalJson(current.subsets ?? []) === canonicalJson(subsets) &&
      canonicalJson(current.metadata.labels ?? {}) === canonicalJson(labels) &&
      overCapacity === truncated
    )
      return;
    const annotations: Record<string, string> = { ...currentAnnotations };
    delete annotations[overCapacityAnnotation];
    if (truncated) annotations[overCapacityAnnotation] = 'truncated';
    annotations[lastChangeTriggerTimeAnnotation] = new Date(clock.now())
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const object: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name,
        namespace,
        labels,
        annotations,
        ...(current?.metadata.resourceVersion !== undefined && {
          resourceVersion: current.metadata.resourceVersion,
        }),
      },
      subsets,
    };
    if (current) {
      await client.update(object);
      return;
    }
    try {
      await client.create(object);
    } catch (error) {
      // the informer had not seen it yet: the next event reconciles again with the stored object
      if (!isAlreadyExists(error)) throw error;
      throw new Error(`endpoints ${namespace}/${name} exists but is not cached yet`, { cause: error });
    }
  }

  #servesSlices(): Promise<boolean> {
    if (!this.#slicesServed) {
      const asked = this.#deps.client.resource('discovery.k8s.io/v1', 'EndpointSlice').then(
        () => true,
        (error: unknown) => {
          if (isNotFound(error)) return false;
          throw error;
        },
      );
      asked.catch(() => (this.#slicesServed = undefined));
      this.#slicesServed = asked;
    }
    return this.#slicesServed;
  }

  /** One EndpointSlice per port set, owned by the service; stale slices are deleted. */
  async #writeSlices(service: Service, members: Member[]): Promise<void> {
    const { client } = this.#deps;
    const name = service.metadata.name ?? '';
    const namespace = service.metadata.namespace ?? 'default';
    const existing = await client.list('discovery.k8s.io/v1', 'EndpointSlice', {
      namespace,
      labelSelector: `kubernetes.io/service-name=${name},endpointslice.kubernetes.io/managed-by=${sliceManagedBy}`,
    });
    const bySet = new Map<string, Member[]>();
    for (const member of members) {
      const key = canonicalJson(member.ports);
      bySet.set(key, [...(bySet.get(key) ?? []), member]);
    }
    const unused = new Map(existing.items.map((s) => [canonicalJson(s['ports'] ?? []), s]));
    for (const [key, group] of bySet) {
      const slice: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          namespace,
          labels: {
            ...service.metadata.labels,
            'kubernetes.io/service-name': name,
            'endpointslice.kubernetes.io/managed-by': sliceManagedBy,
          },
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'Service',
              name,
              uid: service.metadata.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        addressType: 'IPv4',
        endpoints: group
          .sort((a, b) => compareAddresses(a.address, b.address))
          .map((m) => ({
            addresses: [m.address.ip],
            conditions: {
              ready: m.ready && m.pod.metadata.deletionTimestamp === undefined,
              serving: m.ready,
              terminating: m.pod.metadata.deletionTimestamp !== undefined,
            },
            targetRef: m.address.targetRef,
            ...(m.address.nodeName !== undefined && { nodeName: m.address.nodeName }),
            ...(m.address.hostname !== undefined && { hostname: m.address.hostname }),
          })),
        ports: group[0]!.ports,
      };
      const current = unused.get(key);
      unused.delete(key);
      if (current) {
        if (canonicalJson(current['endpoints'] ?? []) === canonicalJson(slice['endpoints'])) continue;
        slice.metadata.name = current.metadata.name ?? '';
        slice.metadata.resourceVersion = current.metadata.resourceVersion ?? '';
        await client.update(slice);
      } else {
        slice.metadata.generateName = `${name}-`;
        await client.create(slice);
      }
    }
    for (const stale of unused.values())
      await client.deleteIfExists({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        namespace,
        name: stale.metadata.name ?? '',
      });
  }
}
