/**
 * Printers for the built-in kinds Keelson serves, ported from kubernetes/pkg/printers/internalversion
 * (1.32): the same columns in the same order, and cells of the same JSON types (Go int64 cells are
 * numbers even where the column says `string`). Objects are read as stored (versioned JSON); where
 * Go reads a field that v1 → internal conversion or defaulting fills in, the printer does the same.
 */

import type { KubeObject } from '../../api/meta.ts';
import { eventsEventToCore } from '../conversion.ts';
import * as describe from './descriptions.ts';
import { humanDuration } from './duration.ts';
import { podPrinter } from './pod.ts';
import { formatQuantity } from './quantity.ts';
import {
  containerCells,
  count,
  fields,
  formatBoolPointer,
  formatIntOrString,
  formatLabels,
  formatLabelSelector,
  has,
  items,
  labelSelectorString,
  parseTime,
  since,
  sizeOf,
  text,
  type Fields,
} from './values.ts';
import type { PrintedRow, Printer, TableColumnDefinition } from './types.ts';

function column(
  name: string,
  type: string,
  description: string,
  priority = 0,
  format = '',
): TableColumnDefinition {
  return { name, type, format, description, priority };
}

const nameColumn = column('Name', 'string', describe.objectMetaName, 0, 'name');
const ageColumn = column('Age', 'string', describe.objectMetaCreationTimestamp);
const containersColumn = column('Containers', 'string', describe.containerNames, 1);
const imagesColumn = column('Images', 'string', describe.containerImages, 1);

function nameOf(object: KubeObject): string {
  return object.metadata.name ?? '';
}

function ageOf(object: KubeObject, now: Date): string {
  return since(object.metadata.creationTimestamp, now);
}

function specOf(object: KubeObject): Fields {
  return fields(object['spec']);
}

function statusOf(object: KubeObject): Fields {
  return fields(object['status']);
}

/** Replica counts are `*int32` defaulted to 1 before the printer sees them. */
function replicasOf(spec: Fields): number {
  return typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
}

function templateContainers(template: unknown): [string, string] {
  return containerCells(fields(fields(template)['spec'])['containers']);
}

function cells(...values: PrintedRow['cells']): PrintedRow {
  return { cells: values };
}

const namespacePrinter: Printer = {
  columns: [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn],
  row: (o, now) => cells(nameOf(o), text(statusOf(o)['phase']), ageOf(o, now)),
};

const configMapPrinter: Printer = {
  columns: [nameColumn, column('Data', 'string', describe.configMapData), ageColumn],
  row: (o, now) => cells(nameOf(o), sizeOf(o['data']) + sizeOf(o['binaryData']), ageOf(o, now)),
};

const secretPrinter: Printer = {
  columns: [
    nameColumn,
    column('Type', 'string', describe.secret.type),
    column('Data', 'string', describe.secret.data),
    ageColumn,
  ],
  // `type` defaults to Opaque.
  row: (o, now) => cells(nameOf(o), text(o['type']) || 'Opaque', sizeOf(o['data']), ageOf(o, now)),
};

/** getServiceExternalIP with wide output (no truncation of load-balancer addresses). */
function serviceExternalIP(spec: Fields, status: Fields): string {
  const externalIPs = items(spec['externalIPs']).map(text);
  switch (text(spec['type']) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const balancerIPs = loadBalancerAddresses(fields(status['loadBalancer']));
      if (externalIPs.length > 0)
        return [...(balancerIPs === '' ? [] : balancerIPs.split(',')), ...externalIPs].join(',');
      return balancerIPs !== '' ? balancerIPs : '<pending>';
    }
    case 'ExternalName':
      return text(spec['externalName']);
    default:
      return '<unknown>';
  }
}

/** loadBalancerStatusStringer, wide: each ingress point's IP (else hostname), sorted and de-duplicated. */
function loadBalancerAddresses(loadBalancer: Fields): string {
  const addresses = new Set<string>();
  for (const entry of items(loadBalancer['ingress'])) {
    const ingress = fields(entry);
    if (text(ingress['ip']) !== '') addresses.add(text(ingress['ip']));
    else if (text(ingress['hostname']) !== '') addresses.add(text(ingress['hostname']));
  }
  return [...addresses].sort().join(',');
}

function servicePorts(ports: unknown): string {
  const pieces = items(ports).map((entry) => {
    const port = fields(entry);
    const protocol = text(port['protocol']) || 'TCP';
    const nodePort = count(port['nodePort']);
    return nodePort > 0
      ? `${count(port['port'])}:${nodePort}/${protocol}`
      : `${count(port['port'])}/${protocol}`;
  });
  return pieces.length === 0 ? '<none>' : pieces.join(',');
}

const servicePrinter: Printer = {
  columns: [
    nameColumn,
    column('Type', 'string', describe.service.type),
    column('Cluster-IP', 'string', describe.service.clusterIP),
    column('External-IP', 'string', describe.service.externalIPs),
    column('Port(s)', 'string', describe.service.ports),
    ageColumn,
    column('Selector', 'string', describe.service.selector, 1),
  ],
  row(o, now) {
    const spec = specOf(o);
    // v1 → internal conversion makes clusterIP, when set, the first of clusterIPs.
    const clusterIP = text(spec['clusterIP']) || text(items(spec['clusterIPs'])[0]) || '<none>';
    return cells(
      nameOf(o),
      text(spec['type']) || 'ClusterIP',
      clusterIP,
      serviceExternalIP(spec, statusOf(o)),
      servicePorts(spec['ports']),
      ageOf(o, now),
      formatLabels(spec['selector']),
    );
  },
};

const serviceAccountPrinter: Printer = {
  columns: [nameColumn, column('Secrets', 'string', describe.serviceAccountSecrets), ageColumn],
  row: (o, now) => cells(nameOf(o), items(o['secrets']).length, ageOf(o, now)),
};

/** net.JoinHostPort: IPv6 hosts are bracketed. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** formatEndpoints with all ports: at most three addresses, then `+ N more...`. */
function formatEndpoints(subsets: unknown): string {
  const list = items(subsets).map(fields);
  if (list.length === 0) return '<none>';
  const shown: string[] = [];
  const max = 3;
  let more = false;
  let total = 0;
  for (const subset of list) {
    const addresses = items(subset['addresses']).map((entry) => text(fields(entry)['ip']));
    const ports = items(subset['ports']).map(fields);
    if (ports.length === 0) {
      total += addresses.length;
      for (const ip of addresses) {
        if (shown.length === max) {
          more = true;
          break;
        }
        shown.push(ip);
      }
      continue;
    }
    for (const port of ports) {
      total += addresses.length;
      for (const ip of addresses) {
        if (shown.length === max) {
          more = true;
          break;
        }
        shown.push(joinHostPort(ip, count(port['port'])));
      }
    }
  }
  const joined = shown.join(',');
  return more ? `${joined} + ${total - max} more...` : joined;
}

const endpointsPrinter: Printer = {
  columns: [nameColumn, column('Endpoints', 'string', describe.endpointsSubsets), ageColumn],
  row: (o, now) => cells(nameOf(o), formatEndpoints(o['subsets']), ageOf(o, now)),
};

const nodeRolePrefix = 'node-role.kubernetes.io/';

/** findNodeRoles: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values, sorted. */
function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(nodeRolePrefix)) {
      const role = key.slice(nodeRolePrefix.length);
      if (role !== '') roles.add(role);
    } else if (key === 'kubernetes.io/role' && value !== '') {
      roles.add(value);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(status: Fields, type: string): string {
  const address = items(status['addresses'])
    .map(fields)
    .find((entry) => entry['type'] === type);
  return address === undefined ? '<none>' : text(address['address']);
}

const nodePrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn,
    column('Version', 'string', describe.node.kubeletVersion),
    column('Internal-IP', 'string', describe.node.addresses, 1),
    column('External-IP', 'string', describe.node.addresses, 1),
    column('OS-Image', 'string', describe.node.osImage, 1),
    column('Kernel-Version', 'string', describe.node.kernelVersion, 1),
    column('Container-Runtime', 'string', describe.node.containerRuntimeVersion, 1),
  ],
  row(o, now) {
    const status = statusOf(o);
    // The last Ready condition wins, as the Go map of conditions by type keeps it.
    const ready = items(status['conditions'])
      .map(fields)
      .filter((condition) => condition['type'] === 'Ready')
      .at(-1);
    const states = ready === undefined ? ['Unknown'] : [ready['status'] === 'True' ? 'Ready' : 'NotReady'];
    if (specOf(o)['unschedulable'] === true) states.push('SchedulingDisabled');
    const info = fields(status['nodeInfo']);
    return cells(
      nameOf(o),
      states.join(','),
      nodeRoles(o.metadata.labels),
      ageOf(o, now),
      text(info['kubeletVersion']),
      nodeAddress(status, 'InternalIP'),
      nodeAddress(status, 'ExternalIP'),
      text(info['osImage']) || '<unknown>',
      text(info['kernelVersion']) || '<unknown>',
      text(info['containerRuntimeVersion']) || '<unknown>',
    );
  },
};

/** helper.GetAccessModesAsString: the short names, in this fixed order, each once. */
function accessModes(modes: unknown): string {
  const present = new Set(items(modes).map(text));
  const order: Array<[string, string]> = [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ];
  return order
    .filter(([mode]) => present.has(mode))
    .map(([, short]) => short)
    .join(',');
}

const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', describe.persistentVolumeClaim.phase),
    column('Volume', 'string', describe.persistentVolumeClaim.volumeName),
    column('Capacity', 'string', describe.persistentVolumeClaim.capacity),
    column('Access Modes', 'string', describe.persistentVolumeClaim.accessModes),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn,
    column('VolumeMode', 'string', describe.persistentVolumeClaim.volumeMode, 1),
  ],
  row(o, now) {
    const spec = specOf(o);
    const status = statusOf(o);
    const phase = typeof o.metadata.deletionTimestamp === 'string' ? 'Terminating' : text(status['phase']);
    const volumeName = text(spec['volumeName']);
    const bound = volumeName !== '';
    // GetPersistentVolumeClaimClass: the beta annotation wins over spec.storageClassName.
    const storageClass =
      o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? text(spec['storageClassName']);
    return cells(
      nameOf(o),
      phase,
      volumeName,
      bound ? formatQuantity(fields(status['capacity'])['storage'] ?? '0') : '',
      bound ? accessModes(status['accessModes']) : '',
      storageClass,
      text(spec['volumeAttributesClassName']) || '<unset>',
      ageOf(o, now),
      text(spec['volumeMode']) || '<unset>',
    );
  },
};

/** formatEventSource: the component (else reporting controller) and host (else reporting instance). */
function eventSource(source: Fields, reportingController: string, reportingInstance: string): string {
  const component = text(source['component']) || reportingController;
  const instance = text(source['host']) || reportingInstance;
  return instance === '' ? component : `${component}, ${instance}`;
}

interface EventFields {
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number;
  series: Fields | undefined;
  involvedObject: Fields;
  source: Fields;
  reportingController: string;
  reportingInstance: string;
  type: string;
  reason: string;
  message: string;
}

function ageOrUnknown(timestamp: unknown, now: Date): string {
  const time = parseTime(timestamp);
  return time === undefined ? '<unknown>' : humanDuration(now.getTime() - time);
}

function eventRow(o: KubeObject, e: EventFields, now: Date): PrintedRow {
  let firstTimestamp = ageOrUnknown(e.firstTimestamp, now);
  if (parseTime(e.firstTimestamp) === undefined) firstTimestamp = ageOrUnknown(e.eventTime, now);
  let lastTimestamp =
    parseTime(e.lastTimestamp) === undefined ? firstTimestamp : ageOrUnknown(e.lastTimestamp, now);
  let eventCount = e.count;
  if (e.series !== undefined) {
    lastTimestamp = ageOrUnknown(e.series['lastObservedTime'], now);
    eventCount = count(e.series['count']);
  } else if (eventCount === 0) {
    eventCount = 1;
  }
  const kind = text(e.involvedObject['kind']).toLowerCase();
  const name = text(e.involvedObject['name']);
  return cells(
    lastTimestamp,
    e.type,
    e.reason,
    name === '' ? kind : `${kind}/${name}`,
    text(e.involvedObject['fieldPath']),
    eventSource(e.source, e.reportingController, e.reportingInstance),
    e.message.trim(),
    firstTimestamp,
    eventCount,
    nameOf(o),
  );
}

const eventColumns = [
  column('Last Seen', 'string', describe.event.lastTimestamp),
  column('Type', 'string', describe.event.type),
  column('Reason', 'string', describe.event.reason),
  column('Object', 'string', describe.event.involvedObject),
  column('Subobject', 'string', describe.event.fieldPath, 1),
  column('Source', 'string', describe.event.source, 1),
  column('Message', 'string', describe.event.message),
  column('First Seen', 'string', describe.event.firstTimestamp, 1),
  column('Count', 'string', describe.event.count, 1),
  column('Name', 'string', describe.objectMetaName, 1, 'name'),
];

const eventPrinter: Printer = {
  columns: eventColumns,
  row: (o, now) =>
    eventRow(
      o,
      {
        firstTimestamp: o['firstTimestamp'],
        lastTimestamp: o['lastTimestamp'],
        eventTime: o['eventTime'],
        count: count(o['count']),
        series: has(o, 'series') ? fields(o['series']) : undefined,
        involvedObject: fields(o['involvedObject']),
        source: fields(o['source']),
        reportingController: text(o['reportingComponent']),
        reportingInstance: text(o['reportingInstance']),
        type: text(o['type']),
        reason: text(o['reason']),
        message: text(o['message']),
      },
      now,
    ),
};

/** events.k8s.io/v1 Events print as the core Events they are stored as. */
const eventsV1Printer: Printer = {
  columns: eventColumns,
  row: (o, now) => eventPrinter.row(eventsEventToCore(o), now),
};

const deploymentPrinter: Printer = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', describe.deployment.upToDate),
    column('Available', 'string', describe.deployment.available),
    ageColumn,
    containersColumn,
    imagesColumn,
    column('Selector', 'string', describe.deployment.selector, 1),
  ],
  row(o, now) {
    const spec = specOf(o);
    const status = statusOf(o);
    const [names, images] = templateContainers(spec['template']);
    return cells(
      nameOf(o),
      `${count(status['readyReplicas'])}/${replicasOf(spec)}`,
      count(status['updatedReplicas']),
      count(status['availableReplicas']),
      ageOf(o, now),
      names,
      images,
      labelSelectorString(spec['selector']) ?? '<invalid>',
    );
  },
};

const replicaSetPrinter: Printer = {
  columns: [
    nameColumn,
    column('Desired', 'integer', describe.replicaSet.specReplicas),
    column('Current', 'integer', describe.replicaSet.statusReplicas),
    column('Ready', 'integer', describe.replicaSet.readyReplicas),
    ageColumn,
    containersColumn,
    imagesColumn,
    column('Selector', 'string', describe.replicaSet.selector, 1),
  ],
  row(o, now) {
    const spec = specOf(o);
    const status = statusOf(o);
    const [names, images] = templateContainers(spec['template']);
    return cells(
      nameOf(o),
      replicasOf(spec),
      count(status['replicas']),
      count(status['readyReplicas']),
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(spec['selector']),
    );
  },
};

const statefulSetPrinter: Printer = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn,
    containersColumn,
    imagesColumn,
  ],
  row(o, now) {
    const spec = specOf(o);
    const [names, images] = templateContainers(spec['template']);
    return cells(
      nameOf(o),
      `${count(statusOf(o)['readyReplicas'])}/${replicasOf(spec)}`,
      ageOf(o, now),
      names,
      images,
    );
  },
};

const daemonSetPrinter: Printer = {
  columns: [
    nameColumn,
    column('Desired', 'integer', describe.daemonSet.desired),
    column('Current', 'integer', describe.daemonSet.current),
    column('Ready', 'integer', describe.daemonSet.ready),
    column('Up-to-date', 'integer', describe.daemonSet.upToDate),
    column('Available', 'integer', describe.daemonSet.available),
    column('Node Selector', 'string', describe.pod.nodeSelector),
    ageColumn,
    containersColumn,
    imagesColumn,
    column('Selector', 'string', describe.daemonSet.selector, 1),
  ],
  row(o, now) {
    const spec = specOf(o);
    const status = statusOf(o);
    const podSpec = fields(fields(spec['template'])['spec']);
    const [names, images] = templateContainers(spec['template']);
    return cells(
      nameOf(o),
      count(status['desiredNumberScheduled']),
      count(status['currentNumberScheduled']),
      count(status['numberReady']),
      count(status['updatedNumberScheduled']),
      count(status['numberAvailable']),
      formatLabels(podSpec['nodeSelector']),
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(spec['selector']),
    );
  },
};

/** formatResourceName of the controlling owner: `daemonset.apps/name`, `<none>` without one. */
function controllerName(o: KubeObject): string {
  const owner = o.metadata.ownerReferences?.find((reference) => reference.controller === true);
  if (owner === undefined) return '<none>';
  const slash = owner.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : owner.apiVersion.slice(0, slash);
  if (owner.kind === '' && group === '') return owner.name;
  const groupKind = group === '' ? owner.kind : `${owner.kind}.${group}`;
  return `${groupKind.toLowerCase()}/${owner.name}`;
}

const controllerRevisionPrinter: Printer = {
  columns: [
    nameColumn,
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', describe.controllerRevisionRevision),
    ageColumn,
  ],
  row: (o, now) => cells(nameOf(o), controllerName(o), count(o['revision']), ageOf(o, now)),
};

function jobCondition(status: Fields, type: string): boolean {
  // hasJobCondition: the first condition of the type decides.
  const condition = items(status['conditions'])
    .map(fields)
    .find((entry) => entry['type'] === type);
  return condition?.['status'] === 'True';
}

const jobPrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', describe.job.succeeded),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    column('Selector', 'string', describe.job.selector, 1),
  ],
  row(o, now) {
    const spec = specOf(o);
    const status = statusOf(o);
    const succeeded = count(status['succeeded']);
    let completions: string;
    if (typeof spec['completions'] === 'number') completions = `${succeeded}/${spec['completions']}`;
    else if (count(spec['parallelism']) > 1) completions = `${succeeded}/1 of ${count(spec['parallelism'])}`;
    else completions = `${succeeded}/1`;
    const startTime = parseTime(status['startTime']);
    const completionTime = parseTime(status['completionTime']);
    let duration = '';
    if (startTime !== undefined) duration = humanDuration((completionTime ?? now.getTime()) - startTime);
    let state = 'Running';
    if (jobCondition(status, 'Complete')) state = 'Complete';
    else if (jobCondition(status, 'Failed')) state = 'Failed';
    else if (typeof o.metadata.deletionTimestamp === 'string') state = 'Terminating';
    else if (jobCondition(status, 'Suspended')) state = 'Suspended';
    else if (jobCondition(status, 'FailureTarget')) state = 'FailureTarget';
    const [names, images] = templateContainers(spec['template']);
    return cells(
      nameOf(o),
      state,
      completions,
      duration,
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(spec['selector']),
    );
  },
};

const cronJobPrinter: Printer = {
  columns: [
    nameColumn,
    column('Schedule', 'string', describe.cronJob.schedule),
    column('Timezone', 'string', describe.cronJob.timeZone),
    column('Suspend', 'boolean', describe.cronJob.suspend),
    column('Active', 'integer', describe.cronJob.active),
    column('Last Schedule', 'string', describe.cronJob.lastScheduleTime),
    ageColumn,
    containersColumn,
    imagesColumn,
    column('Selector', 'string', describe.job.selector, 1),
  ],
  row(o, now) {
    const spec = specOf(o);
    const status = statusOf(o);
    const jobSpec = fields(fields(spec['jobTemplate'])['spec']);
    const [names, images] = templateContainers(jobSpec['template']);
    return cells(
      nameOf(o),
      text(spec['schedule']),
      typeof spec['timeZone'] === 'string' ? spec['timeZone'] : '<none>',
      formatBoolPointer(spec['suspend']),
      items(status['active']).length,
      typeof status['lastScheduleTime'] === 'string' ? since(status['lastScheduleTime'], now) : '<none>',
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(jobSpec['selector']),
    );
  },
};

/** formatHosts: up to three rule hosts, `*` when none has a host. */
function ingressHosts(rules: unknown): string {
  const list = items(rules).map(fields);
  const hosts: string[] = [];
  const max = 3;
  let more = false;
  for (const rule of list) {
    if (hosts.length === max) more = true;
    if (!more && text(rule['host']) !== '') hosts.push(text(rule['host']));
  }
  if (hosts.length === 0) return '*';
  const joined = hosts.join(',');
  return more ? `${joined} + ${list.length - max} more...` : joined;
}

const ingressPrinter: Printer = {
  columns: [
    nameColumn,
    column(
      'Class',
      'string',
      'The name of the IngressClass resource that should be used for additional configuration',
    ),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn,
  ],
  row(o, now) {
    const spec = specOf(o);
    return cells(
      nameOf(o),
      typeof spec['ingressClassName'] === 'string' ? spec['ingressClassName'] : '<none>',
      ingressHosts(spec['rules']),
      loadBalancerAddresses(fields(statusOf(o)['loadBalancer'])),
      items(spec['tls']).length > 0 ? '80, 443' : '80',
      ageOf(o, now),
    );
  },
};

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts, each joined with `, `. */
function subjects(o: KubeObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const entry of items(o['subjects'])) {
    const subject = fields(entry);
    if (subject['kind'] === 'ServiceAccount')
      serviceAccounts.push(`${text(subject['namespace'])}/${text(subject['name'])}`);
    else if (subject['kind'] === 'User') users.push(text(subject['name']));
    else if (subject['kind'] === 'Group') groups.push(text(subject['name']));
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

function bindingPrinter(roleRefDescription: string, noun: string): Printer {
  return {
    columns: [
      nameColumn,
      column('Role', 'string', roleRefDescription),
      ageColumn,
      column('Users', 'string', `Users in the ${noun}`, 1),
      column('Groups', 'string', `Groups in the ${noun}`, 1),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${noun}`, 1),
    ],
    row(o, now) {
      const roleRef = fields(o['roleRef']);
      return cells(
        nameOf(o),
        `${text(roleRef['kind'])}/${text(roleRef['name'])}`,
        ageOf(o, now),
        ...subjects(o),
      );
    },
  };
}

const leasePrinter: Printer = {
  columns: [nameColumn, column('Holder', 'string', describe.leaseHolderIdentity), ageColumn],
  row: (o, now) => cells(nameOf(o), text(specOf(o)['holderIdentity']), ageOf(o, now)),
};

/** formatHPAMetrics for autoscaling/v2 metric specs and statuses: at most two, then `+ N more...`. */
function hpaMetrics(specs: unknown, statuses: unknown): string {
  const list = items(specs).map(fields);
  if (list.length === 0) return '<none>';
  const current = items(statuses).map(fields);
  const shown: string[] = [];
  for (const [i, spec] of list.entries()) {
    const status = current[i];
    switch (spec['type']) {
      case 'External':
        shown.push(
          valueMetric(
            fields(spec['external']),
            status === undefined || !has(status, 'external') ? undefined : fields(status['external']),
          ),
        );
        break;
      case 'Object':
        shown.push(
          valueMetric(
            fields(spec['object']),
            status === undefined || !has(status, 'object') ? undefined : fields(status['object']),
          ),
        );
        break;
      case 'Pods': {
        const currentValue =
          status === undefined || !has(status, 'pods')
            ? '<unknown>'
            : formatQuantity(fields(fields(status['pods'])['current'])['averageValue']);
        shown.push(
          `${currentValue}/${formatQuantity(fields(fields(spec['pods'])['target'])['averageValue'])}`,
        );
        break;
      }
      case 'Resource':
        shown.push(
          resourceMetric(
            fields(spec['resource']),
            status === undefined || !has(status, 'resource') ? undefined : fields(status['resource']),
          ),
        );
        break;
      case 'ContainerResource':
        shown.push(
          resourceMetric(
            fields(spec['containerResource']),
            status === undefined || !has(status, 'containerResource')
              ? undefined
              : fields(status['containerResource']),
          ),
        );
        break;
      default:
        shown.push('<unknown type>');
    }
  }
  const max = 2;
  if (shown.length > max) return `${shown.slice(0, max).join(', ')} + ${shown.length - max} more...`;
  return shown.join(', ');
}

/** Whether a Go pointer field is set: present and not null. */
function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** External and Object metrics: an average value target shows `(avg)`. */
function valueMetric(source: Fields, status: Fields | undefined): string {
  const target = fields(source['target']);
  const current = fields(status?.['current']);
  if (isSet(target['averageValue'])) {
    const observed =
      status !== undefined && isSet(current['averageValue'])
        ? formatQuantity(current['averageValue'])
        : '<unknown>';
    return `${observed}/${formatQuantity(target['averageValue'])} (avg)`;
  }
  const observed = status !== undefined ? formatQuantity(current['value']) : '<unknown>';
  return `${observed}/${formatQuantity(target['value'])}`;
}

/** Resource and ContainerResource metrics: `cpu: 40%/80%` or `memory: 100Mi/200Mi`. */
function resourceMetric(source: Fields, status: Fields | undefined): string {
  const name = text(source['name']);
  const target = fields(source['target']);
  const current = fields(status?.['current']);
  if (isSet(target['averageValue'])) {
    const observed = status !== undefined ? formatQuantity(current['averageValue']) : '<unknown>';
    return `${name}: ${observed}/${formatQuantity(target['averageValue'])}`;
  }
  const observed =
    status !== undefined && typeof current['averageUtilization'] === 'number'
      ? `${current['averageUtilization']}%`
      : '<unknown>';
  const goal =
    typeof target['averageUtilization'] === 'number' ? `${target['averageUtilization']}%` : '<auto>';
  return `${name}: ${observed}/${goal}`;
}

const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    nameColumn,
    column('Reference', 'string', describe.horizontalPodAutoscaler.scaleTargetRef),
    column('Targets', 'string', describe.horizontalPodAutoscaler.metrics),
    column('MinPods', 'string', describe.horizontalPodAutoscaler.minReplicas),
    column('MaxPods', 'string', describe.horizontalPodAutoscaler.maxReplicas),
    column('Replicas', 'string', describe.horizontalPodAutoscaler.currentReplicas),
    ageColumn,
  ],
  row(o, now) {
    const spec = specOf(o);
    const status = statusOf(o);
    const target = fields(spec['scaleTargetRef']);
    return cells(
      nameOf(o),
      `${text(target['kind'])}/${text(target['name'])}`,
      hpaMetrics(spec['metrics'], status['currentMetrics']),
      typeof spec['minReplicas'] === 'number' ? String(spec['minReplicas']) : '<unset>',
      count(spec['maxReplicas']),
      count(status['currentReplicas']),
      ageOf(o, now),
    );
  },
};

const podDisruptionBudgetPrinter: Printer = {
  columns: [
    nameColumn,
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn,
  ],
  row(o, now) {
    const spec = specOf(o);
    const orNotApplicable = (value: unknown): string => (isSet(value) ? formatIntOrString(value) : 'N/A');
    return cells(
      nameOf(o),
      orNotApplicable(spec['minAvailable']),
      orNotApplicable(spec['maxUnavailable']),
      count(statusOf(o)['disruptionsAllowed']),
      ageOf(o, now),
    );
  },
};

const printers = new Map<string, Printer>([
  ['/Namespace', namespacePrinter],
  ['/ConfigMap', configMapPrinter],
  ['/Secret', secretPrinter],
  ['/Service', servicePrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['/Pod', podPrinter],
  ['/Event', eventPrinter],
  ['/Endpoints', endpointsPrinter],
  ['/Node', nodePrinter],
  ['/PersistentVolumeClaim', persistentVolumeClaimPrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['apps/ControllerRevision', controllerRevisionPrinter],
  ['batch/Job', jobPrinter],
  ['batch/CronJob', cronJobPrinter],
  ['networking.k8s.io/Ingress', ingressPrinter],
  ['rbac.authorization.k8s.io/RoleBinding', bindingPrinter(describe.roleBindingRoleRef, 'roleBinding')],
  [
    'rbac.authorization.k8s.io/ClusterRoleBinding',
    bindingPrinter(describe.clusterRoleBindingRoleRef, 'clusterRoleBinding'),
  ],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerPrinter],
  ['policy/PodDisruptionBudget', podDisruptionBudgetPrinter],
  ['events.k8s.io/Event', eventsV1Printer],
]);

/** The printer kube-apiserver registers for a built-in kind, if any (Role, ClusterRole and CRDs have none). */
export function builtinPrinter(group: string, kind: string): Printer | undefined {
  return printers.get(`${group}/${kind}`);
}
