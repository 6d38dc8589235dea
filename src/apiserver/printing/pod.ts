/**
 * The Pod printer: a line-by-line port of printPod in kubernetes/pkg/printers/internalversion
 * (1.32), whose STATUS column is the one users read most: init progress (`Init:1/3`), waiting and
 * terminated reasons (`CrashLoopBackOff`, `Completed`, `ExitCode:1`), `Terminating`, `NotReady`.
 */

import type { KubeObject } from '../../api/meta.ts';
import * as describe from './descriptions.ts';
import { humanDuration } from './duration.ts';
import { count, fields, has, items, parseTime, since, text, type Fields } from './values.ts';
import type { PrintedRow, Printer, TableColumnDefinition, TableRowCondition } from './types.ts';

const columns: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: describe.objectMetaName, priority: 0 },
  {
    name: 'Ready',
    type: 'string',
    format: '',
    description: 'The aggregate readiness state of this pod for accepting traffic.',
    priority: 0,
  },
  {
    name: 'Status',
    type: 'string',
    format: '',
    description: 'The aggregate status of the containers in this pod.',
    priority: 0,
  },
  {
    name: 'Restarts',
    type: 'string',
    format: '',
    description:
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    priority: 0,
  },
  { name: 'Age', type: 'string', format: '', description: describe.objectMetaCreationTimestamp, priority: 0 },
  { name: 'IP', type: 'string', format: '', description: describe.pod.ip, priority: 1 },
  { name: 'Node', type: 'string', format: '', description: describe.pod.nodeName, priority: 1 },
  {
    name: 'Nominated Node',
    type: 'string',
    format: '',
    description: describe.pod.nominatedNodeName,
    priority: 1,
  },
  {
    name: 'Readiness Gates',
    type: 'string',
    format: '',
    description: describe.pod.readinessGates,
    priority: 1,
  },
];

const succeededConditions: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const failedConditions: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
];

/** The reason the node lifecycle controller gives pods of a node that stopped reporting. */
const nodeUnreachablePodReason = 'NodeLost';

function isRestartableInitContainer(container: Fields | undefined): boolean {
  return container !== undefined && container['restartPolicy'] === 'Always';
}

function hasCondition(status: Fields, type: string): boolean {
  return items(status['conditions']).some((entry) => {
    const condition = fields(entry);
    return condition['type'] === type && condition['status'] === 'True';
  });
}

/** isPodInitializedConditionTrue: the first Initialized condition decides. */
function isInitialized(status: Fields): boolean {
  const condition = items(status['conditions'])
    .map(fields)
    .find((entry) => entry['type'] === 'Initialized');
  return condition !== undefined && condition['status'] === 'True';
}

/** The later of a running maximum and a container's last termination time, as Go's `Before` picks it. */
function laterRestart(latest: number | undefined, containerStatus: Fields): number | undefined {
  const lastState = fields(containerStatus['lastState']);
  if (!has(lastState, 'terminated')) return latest;
  const finishedAt = parseTime(fields(lastState['terminated'])['finishedAt']);
  if (finishedAt === undefined) return latest;
  return latest === undefined || latest < finishedAt ? finishedAt : latest;
}

function terminatedReason(terminated: Fields, prefix: string): string {
  const reason = text(terminated['reason']);
  if (reason !== '') return `${prefix}${reason}`;
  const signal = count(terminated['signal']);
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${count(terminated['exitCode'])}`;
}

function podRow(pod: KubeObject, now: Date): PrintedRow {
  const spec = fields(pod['spec']);
  const status = fields(pod['status']);
  const initContainerSpecs = items(spec['initContainers']).map(fields);

  let restarts = 0;
  let restartableInitContainerRestarts = 0;
  let totalContainers = items(spec['containers']).length;
  let readyContainers = 0;
  let lastRestartDate: number | undefined;
  let lastRestartableInitContainerRestartDate: number | undefined;

  const phase = text(status['phase']);
  let reason = text(status['reason']) !== '' ? text(status['reason']) : phase;
  for (const entry of items(status['conditions'])) {
    const condition = fields(entry);
    if (condition['type'] === 'PodScheduled' && condition['reason'] === 'SchedulingGated')
      reason = 'SchedulingGated';
  }

  const row: PrintedRow = { cells: [] };
  if (phase === 'Succeeded') row.conditions = succeededConditions;
  else if (phase === 'Failed') row.conditions = failedConditions;

  const initContainers = new Map<string, Fields>();
  for (const container of initContainerSpecs) {
    initContainers.set(text(container['name']), container);
    if (isRestartableInitContainer(container)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = items(status['initContainerStatuses']).map(fields);
  for (const [index, container] of initStatuses.entries()) {
    restarts += count(container['restartCount']);
    lastRestartDate = laterRestart(lastRestartDate, container);
    const restartable = isRestartableInitContainer(initContainers.get(text(container['name'])));
    if (restartable) {
      restartableInitContainerRestarts += count(container['restartCount']);
      lastRestartableInitContainerRestartDate = laterRestart(
        lastRestartableInitContainerRestartDate,
        container,
      );
    }
    const state = fields(container['state']);
    const terminated = has(state, 'terminated') ? fields(state['terminated']) : undefined;
    const waiting = has(state, 'waiting') ? fields(state['waiting']) : undefined;
    if (terminated !== undefined && count(terminated['exitCode']) === 0) continue;
    if (restartable && container['started'] === true) {
      if (container['ready'] === true) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      reason = terminatedReason(terminated, 'Init:');
    } else if (
      waiting !== undefined &&
      text(waiting['reason']) !== '' &&
      waiting['reason'] !== 'PodInitializing'
    ) {
      reason = `Init:${text(waiting['reason'])}`;
    } else {
      reason = `Init:${index}/${initContainerSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || isInitialized(status)) {
    restarts = restartableInitContainerRestarts;
    lastRestartDate = lastRestartableInitContainerRestartDate;
    let hasRunning = false;
    const containerStatuses = items(status['containerStatuses']).map(fields);
    for (let i = containerStatuses.length - 1; i >= 0; i--) {
      const container = containerStatuses[i] ?? {};
      restarts += count(container['restartCount']);
      lastRestartDate = laterRestart(lastRestartDate, container);
      const state = fields(container['state']);
      const waiting = has(state, 'waiting') ? fields(state['waiting']) : undefined;
      const terminated = has(state, 'terminated') ? fields(state['terminated']) : undefined;
      if (waiting !== undefined && text(waiting['reason']) !== '') {
        reason = text(waiting['reason']);
      } else if (terminated !== undefined) {
        reason = terminatedReason(terminated, '');
      } else if (container['ready'] === true && has(state, 'running')) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = typeof pod.metadata.deletionTimestamp === 'string';
  if (deleting && status['reason'] === nodeUnreachablePodReason) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestartDate !== undefined) {
    restartsCell = `${restarts} (${humanDuration(now.getTime() - lastRestartDate)} ago)`;
  }

  // v1 → internal conversion makes podIP, when set, the first of podIPs.
  const podIP = text(status['podIP']) || text(fields(items(status['podIPs'])[0])['ip']) || '<none>';
  const nodeName = text(spec['nodeName']) || '<none>';
  const nominatedNodeName = text(status['nominatedNodeName']) || '<none>';
  let readinessGates = '<none>';
  const gates = items(spec['readinessGates']).map(fields);
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const gate of gates) {
      const condition = items(status['conditions'])
        .map(fields)
        .find((entry) => entry['type'] === gate['conditionType']);
      if (condition?.['status'] === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }

  row.cells = [
    pod.metadata.name ?? '',
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsCell,
    since(pod.metadata.creationTimestamp, now),
    podIP,
    nodeName,
    nominatedNodeName,
    readinessGates,
  ];
  return row;
}

export const podPrinter: Printer = { columns, row: podRow };
