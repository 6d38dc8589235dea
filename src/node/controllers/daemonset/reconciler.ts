/**
 * The DaemonSet controller, after kube-controller-manager's daemon_controller.go and update.go: one
 * pod per eligible Node (node name, nodeSelector, required node affinity, and taints against the
 * template's tolerations plus the ones kube adds to every daemon pod), pinned to its node by node
 * affinity on `metadata.name` as kube does (the scheduler then binds it), ControllerRevisions of the
 * template, and RollingUpdate within maxUnavailable / maxSurge or OnDelete updates.
 */
import type { KubeObject } from '../../../api/meta.ts';
import type { KubeClient } from '../../../runtime/client.ts';
import { isConflict, isNotFound, refOf } from '../../../runtime/client.ts';
import type { Logger, Reconciler, Request, Result } from '../../../runtime/controller.ts';
import { requestKey } from '../../../runtime/controller.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { keyOf } from '../../../runtime/informer.ts';
import type { EventSink } from '../../../runtime/events.ts';
import type { NodeClock, ReconcilerDeps } from '../../context.ts';
import {
  matchesNodeAffinity,
  untoleratedTaint,
  type Node,
  type NodeSelectorTerm,
  type SchedulingPodSpec,
  type Toleration,
} from '../../scheduler/filters.ts';
import type { Expectations } from '../expectations.ts';
import {
  canonicalJson,
  computeHash,
  isPodAvailable,
  isPodReady,
  podFromTemplate,
  podRef,
  type Pod,
  type PodTemplate,
} from '../pods.ts';
import {
  byRevision,
  createRevision,
  newRevision,
  nextRevisionNumber,
  revisionsOf,
  templatePatch,
  type ControllerRevision,
} from '../revisions.ts';

/** On pods and revisions: the hash of the template revision. */
export const revisionHashLabel = 'controller-revision-hash';
/** On pods: the DaemonSet's template generation (deprecated in kube, still written). */
export const templateGenerationLabel = 'pod-template-generation';
const templateGenerationAnnotation = 'deprecated.daemonset.template.generation';

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A daemon pod's spec: what placement reads (as the scheduler reads it), and the rest passed through. */
export interface PodSpec extends SchedulingPodSpec {
  affinity?: Affinity;
  hostNetwork?: boolean;
  [key: string]: unknown;
}

export interface DaemonSet extends KubeObject {
  spec: {
    selector: {
      matchLabels?: Record<string, string>;
      matchExpressions?: { key: string; operator: string; values?: string[] }[];
    };
    template: PodTemplate;
    updateStrategy?: {
      type?: 'RollingUpdate' | 'OnDelete';
      rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
    };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: DaemonSetStatus;
}

export interface DaemonSetStatus {
  observedGeneration?: number;
  desiredNumberScheduled?: number;
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  numberReady?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  updatedNumberScheduled?: number;
  collisionCount?: number;
}

/** A revision name is taken by another template: retried once collisionCount is bumped. */
export class RevisionCollisionError extends Error {
  readonly code = 'KEELSON_REVISION_COLLISION';
  constructor(message: string) {
    super(message);
    this.name = 'RevisionCollisionError';
  }
}

/** kube's AddOrUpdateDaemonPodTolerations: daemon pods survive node problems and cordons. */
export function withDaemonTolerations(spec: PodSpec): Toleration[] {
  const added: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork)
    added.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of added) {
    // AddOrUpdateTolerationInPodSpec: a toleration of the same key, operator, value and effect is replaced
    const same = tolerations.findIndex(
      (o) =>
        (o.key ?? '') === t.key &&
        (o.operator ?? 'Equal') === t.operator &&
        (o.value ?? '') === '' &&
        (o.effect ?? '') === t.effect,
    );
    if (same >= 0) tolerations[same] = t;
    else tolerations.push(t);
  }
  return tolerations;
}

/**
 * kube's NodeShouldRunDaemonPod: whether a daemon pod should be placed on `node`, and whether one
 * already there may keep running (an untolerated NoSchedule taint stops new pods, not old ones).
 */
export function nodeShouldRunDaemonPod(
  node: Node,
  ds: DaemonSet,
): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = (ds.spec.template.spec ?? {}) as PodSpec;
  if (spec.nodeName && spec.nodeName !== node.metadata.name)
    return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesNodeAffinity(node, spec)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec);
  const taints = node.spec?.taints ?? [];
  const blocking = untoleratedTaint(taints, tolerations);
  if (!blocking) return { shouldRun: true, shouldContinueRunning: true };
  const evicting = untoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: evicting === undefined };
}

/** kube's ReplaceDaemonSetPodNodeNameNodeAffinity: pins a pod to one node through node affinity. */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term: NodeSelectorTerm = {
    matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }],
  };
  const result: Affinity = structuredClone(affinity ?? {});
  const nodeAffinity = (result.nodeAffinity ??= {});
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  return result;
}

/** kube's GetTargetNodeName: spec.nodeName, or the node its affinity pins it to. */
export function targetNodeName(pod: Pod): string | undefined {
  const spec = (pod.spec ?? {}) as PodSpec;
  if (spec.nodeName) return spec.nodeName;
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const field of terms?.[0]?.matchFields ?? []) {
    if (field.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1)
      return field.values[0];
  }
  return undefined;
}

/** intstr.GetScaledValueFromIntOrPercent with rounding up. */
export function scaledValue(value: number | string | undefined, total: number): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(value);
  if (percent) return Math.ceil((Number(percent[1]) * total) / 100);
  const n = Number(value);
  return Number.isInteger(n) ? n : 0;
}

function templateGeneration(ds: DaemonSet): string | undefined {
  return ds.metadata.annotations?.[templateGenerationAnnotation];
}

/** kube's IsPodUpdated: the pod carries the current hash (or template generation). */
function isPodUpdated(pod: Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  return (
    (hash !== '' && labels[revisionHashLabel] === hash) ||
    (generation !== undefined && labels[templateGenerationLabel] === generation)
  );
}

function byCreation(a: Pod, b: Pod): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  return ta - tb || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** podByCreationTimestampAndPhase: running pods before pending ones, then the oldest first. */
function byCreationAndPhase(a: Pod, b: Pod): number {
  const running = (p: Pod) => (p.status?.phase === 'Running' ? 0 : 1);
  return running(a) - running(b) || byCreation(a, b);
}

export interface DaemonSetReconcilerDeps extends ReconcilerDeps {
  daemonSets: Informer<DaemonSet>;
  nodes: Informer<Node>;
  pods: Informer<Pod>;
  revisions: Informer<ControllerRevision>;
  expectations: Expectations;
  /** First delay before a failed daemon pod on a node is deleted again (ms); kube: 1 s, up to 15 min. */
  failedPodBackoff?: { base: number; max: number };
}

export class DaemonSetReconciler implements Reconciler {
  readonly #client: KubeClient;
  readonly #clock: NodeClock;
  readonly #log: Logger;
  readonly #events: EventSink;
  readonly #daemonSets: Informer<DaemonSet>;
  readonly #nodes: Informer<Node>;
  readonly #pods: Informer<Pod>;
  readonly #revisions: Informer<ControllerRevision>;
  readonly #expectations: Expectations;
  readonly #backoff: { base: number; max: number };
  /** `<ds uid>/<node>` → when failed pods there may be deleted again, and the last delay. */
  readonly #failedPods = new Map<string, { until: number; delay: number }>();

  constructor(deps: DaemonSetReconcilerDeps) {
    this.#client = deps.client;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#events = deps.events;
    this.#daemonSets = deps.daemonSets;
    this.#nodes = deps.nodes;
    this.#pods = deps.pods;
    this.#revisions = deps.revisions;
    this.#expectations = deps.expectations;
    this.#backoff = deps.failedPodBackoff ?? { base: 1000, max: 15 * 60_000 };
  }

  async reconcile(request: Request): Promise<Result> {
    const key = requestKey(request);
    const ds = this.#daemonSets.get(key);
    if (!ds) {
      this.#expectations.forget(key);
      return {};
    }
    const nodes = this.#nodes.list();
    const { current, old } = await this.#constructHistory(ds);
    const hash = current.metadata.labels?.[revisionHashLabel] ?? '';
    let requeueAfter: number | undefined;
    if (this.#expectations.satisfied(key) && ds.metadata.deletionTimestamp === undefined) {
      const manage = await this.#manage(ds, nodes, hash);
      requeueAfter = manage.requeueAfter;
      if (!manage.acted && ds.spec.updateStrategy?.type !== 'OnDelete')
        await this.#rollingUpdate(ds, nodes, hash);
      await this.#cleanupHistory(ds, old);
    }
    const status = await this.#updateStatus(ds, nodes, hash);
    const minReady = ds.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.numberReady !== status.numberAvailable)
      requeueAfter = Math.min(requeueAfter ?? Infinity, minReady * 1000);
    return requeueAfter === undefined ? {} : { requeueAfter };
  }

  /** The pods this DaemonSet controls, by the node they are on or pinned to. */
  #nodeToDaemonPods(ds: DaemonSet, includeDeletedTerminal: boolean): Map<string, Pod[]> {
    const byNode = new Map<string, Pod[]>();
    for (const pod of this.#pods.byIndex('controller-uid', ds.metadata.uid ?? '')) {
      if (pod.metadata.namespace !== ds.metadata.namespace) continue;
      const phase = pod.status?.phase;
      if (
        !includeDeletedTerminal &&
        pod.metadata.deletionTimestamp !== undefined &&
        (phase === 'Succeeded' || phase === 'Failed')
      )
        continue;
      const node = targetNodeName(pod);
      if (node === undefined) continue;
      const list = byNode.get(node);
      if (list) list.push(pod);
      else byNode.set(node, [pod]);
    }
    return byNode;
  }

  /** kube's constructHistory: the revision of the current template (made if missing) and the others. */
  async #constructHistory(
    ds: DaemonSet,
  ): Promise<{ current: ControllerRevision; old: ControllerRevision[] }> {
    const data = templatePatch(ds.spec.template);
    const wanted = canonicalJson(data);
    const matching: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (const history of revisionsOf(this.#revisions, ds))
      (canonicalJson(history.data) === wanted ? matching : old).push(history);
    const next = nextRevisionNumber(old);
    if (matching.length === 0) return { current: await this.#snapshot(ds, data, next), old };
    matching.sort((a, b) => b.revision - a.revision);
    let current = matching[0]!;
    // dedupCurHistories: one revision per template
    for (const duplicate of matching.slice(1)) await this.#client.deleteIfExists(refOf(duplicate));
    if (current.revision < next)
      current = await this.#client.patch<ControllerRevision>(refOf(current), { revision: next });
    return { current, old };
  }

  async #snapshot(ds: DaemonSet, data: unknown, revision: number): Promise<ControllerRevision> {
    const collisionCount = ds.status?.collisionCount;
    const hash = computeHash(ds.spec.template, collisionCount);
    const history = newRevision(ds, {
      name: `${ds.metadata.name ?? ''}-${hash}`,
      hashLabel: revisionHashLabel,
      hash,
      data,
      revision,
      annotations: ds.metadata.annotations,
    });
    const created = await createRevision(this.#client, ds, history);
    if (created) return created;
    const live = await this.#client.get<DaemonSet>(refOf(ds));
    if ((live.status?.collisionCount ?? 0) !== (collisionCount ?? 0))
      throw new RevisionCollisionError(`daemonset ${keyOf(ds)}: stale collision count; retrying`);
    const bumped = (collisionCount ?? 0) + 1;
    await this.#client.patchStatus(refOf(ds), { collisionCount: bumped });
    throw new RevisionCollisionError(
      `daemonset ${keyOf(ds)}: hash collision; collisionCount is now ${bumped}`,
    );
  }

  /** kube's manage + podsShouldBeOnNode: creates missing daemon pods and deletes ones that must go. */
  async #manage(
    ds: DaemonSet,
    nodes: Node[],
    hash: string,
  ): Promise<{ acted: boolean; requeueAfter?: number }> {
    const byNode = this.#nodeToDaemonPods(ds, false);
    const needing: string[] = [];
    const toDelete: Pod[] = [];
    const surge = this.#maxSurgeAllowed(ds);
    let requeueAfter: number | undefined;
    const now = this.#clock.now();
    const nodeNames = new Set(nodes.map((n) => n.metadata.name ?? ''));
    for (const node of nodes) {
      const nodeName = node.metadata.name ?? '';
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(nodeName);
      if (shouldRun && !pods) {
        needing.push(nodeName);
      } else if (shouldContinueRunning && pods) {
        const running: Pod[] = [];
        for (const pod of pods) {
          if (pod.metadata.deletionTimestamp !== undefined) continue;
          const phase = pod.status?.phase;
          if (phase === 'Failed') {
            const backoffKey = `${ds.metadata.uid ?? ''}/${nodeName}`;
            const backoff = this.#failedPods.get(backoffKey);
            if (backoff && backoff.until > now) {
              requeueAfter = Math.min(requeueAfter ?? Infinity, backoff.until - now);
              continue;
            }
            const delay = backoff ? Math.min(backoff.delay * 2, this.#backoff.max) : this.#backoff.base;
            this.#failedPods.set(backoffKey, { until: now + delay, delay });
            this.#events.event(
              ds,
              'Warning',
              'FailedDaemonPod',
              `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${nodeName}, will try to kill it`,
            );
            toDelete.push(pod);
          } else if (phase === 'Succeeded') {
            toDelete.push(pod);
          } else {
            running.push(pod);
          }
        }
        if (running.length <= 1) continue;
        running.sort(byCreationAndPhase);
        if (!surge) {
          toDelete.push(...running.slice(1));
          continue;
        }
        // with surge, an old and a new pod may run together until the new one is available
        let oldestNew: Pod | undefined;
        let oldestOld: Pod | undefined;
        for (const pod of running) {
          if (pod.metadata.labels?.[revisionHashLabel] === hash) {
            if (!oldestNew) {
              oldestNew = pod;
              continue;
            }
          } else if (!oldestOld) {
            oldestOld = pod;
            continue;
          }
          toDelete.push(pod);
        }
        if (
          oldestNew &&
          oldestOld &&
          (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec.minReadySeconds ?? 0, now))
        )
          toDelete.push(oldestOld);
      } else if (!shouldContinueRunning && pods) {
        toDelete.push(...pods.filter((p) => p.metadata.deletionTimestamp === undefined));
      }
    }
    // Pods pinned to nodes that no longer exist would never run (PodGC's job on a real cluster).
    for (const [nodeName, pods] of byNode) {
      if (nodeNames.has(nodeName)) continue;
      const orphaned = pods.filter((p) => p.metadata.deletionTimestamp === undefined);
      if (orphaned.length > 0)
        this.#log('daemon pods on a missing node', { daemonset: keyOf(ds), node: nodeName });
      toDelete.push(...orphaned);
    }
    await this.#syncNodes(ds, toDelete, needing, hash);
    return {
      acted: toDelete.length > 0 || needing.length > 0,
      ...(requeueAfter !== undefined && { requeueAfter }),
    };
  }

  #maxSurgeAllowed(ds: DaemonSet): boolean {
    const strategy = ds.spec.updateStrategy;
    if (strategy?.type === 'OnDelete') return false;
    return scaledValue(strategy?.rollingUpdate?.maxSurge, 1) > 0;
  }

  /** kube's syncNodes: deletes and creates with expectations, so a stale cache never acts twice. */
  async #syncNodes(ds: DaemonSet, toDelete: Pod[], nodesNeeding: string[], hash: string): Promise<void> {
    const key = keyOf(ds);
    if (toDelete.length === 0 && nodesNeeding.length === 0) return;
    this.#expectations.expectCreations(key, nodesNeeding.length);
    this.#expectations.expectDeletions(key, toDelete.map(keyOf));
    const errors: unknown[] = [];
    const generation = templateGeneration(ds);
    const labels: Record<string, string> = {};
    if (generation !== undefined) labels[templateGenerationLabel] = generation;
    if (hash !== '') labels[revisionHashLabel] = hash;
    const templateSpec = (ds.spec.template.spec ?? {}) as PodSpec;
    const tolerations = withDaemonTolerations(templateSpec);
    await Promise.all(
      nodesNeeding.map(async (nodeName) => {
        const pod = podFromTemplate(ds.spec.template, ds, { labels });
        const spec = (pod.spec ?? {}) as PodSpec;
        spec.tolerations = tolerations;
        spec.affinity = pinToNode(spec.affinity, nodeName);
        pod.spec = spec;
        try {
          const created = await this.#client.create(pod);
          this.#events.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        } catch (error) {
          this.#expectations.creationObserved(key);
          this.#events.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`);
          errors.push(error);
        }
      }),
    );
    await Promise.all(
      toDelete.map(async (pod) => {
        try {
          await this.#client.delete(podRef(pod), { preconditions: { uid: pod.metadata.uid ?? '' } });
          this.#events.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (error) {
          this.#expectations.deletionObserved(key, keyOf(pod));
          if (isNotFound(error) || isConflict(error)) return;
          this.#events.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(error as Error).message}`);
          errors.push(error);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }

  /** kube's rollingUpdate: replaces old pods within maxUnavailable, or surges within maxSurge. */
  async #rollingUpdate(ds: DaemonSet, nodes: Node[], hash: string): Promise<void> {
    const byNode = this.#nodeToDaemonPods(ds, false);
    const nodeByName = new Map(nodes.map((n) => [n.metadata.name ?? '', n]));
    let desired = 0;
    for (const node of nodes) {
      if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
      desired++;
      if (!byNode.has(node.metadata.name ?? '')) byNode.set(node.metadata.name ?? '', []);
    }
    const rolling = ds.spec.updateStrategy?.rollingUpdate;
    let maxUnavailable = scaledValue(rolling?.maxUnavailable ?? 1, desired);
    const maxSurge = scaledValue(rolling?.maxSurge, desired);
    if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    const now = this.#clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    const available = (pod: Pod) => isPodAvailable(pod, minReady, now);
    const generation = templateGeneration(ds);

    const findPods = (pods: Pod[]): { newPod?: Pod; oldPod?: Pod } | undefined => {
      let newPod: Pod | undefined;
      let oldPod: Pod | undefined;
      for (const pod of pods) {
        if (pod.metadata.deletionTimestamp !== undefined) continue;
        if (isPodUpdated(pod, hash, generation)) {
          if (newPod) return undefined;
          newPod = pod;
        } else {
          if (oldPod) return undefined;
          oldPod = pod;
        }
      }
      return { ...(newPod && { newPod }), ...(oldPod && { oldPod }) };
    };

    if (maxSurge === 0) {
      let unavailable = 0;
      const replacements: Pod[] = [];
      const candidates: Pod[] = [];
      for (const pods of byNode.values()) {
        const found = findPods(pods);
        if (!found) {
          unavailable++;
          continue;
        }
        const { newPod, oldPod } = found;
        if ((!oldPod && !newPod) || (oldPod && newPod)) unavailable++;
        else if (newPod) {
          if (!available(newPod)) unavailable++;
        } else if (oldPod) {
          if (!available(oldPod)) {
            replacements.push(oldPod);
            unavailable++;
          } else if (unavailable < maxUnavailable) candidates.push(oldPod);
        }
      }
      const remaining = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
      await this.#syncNodes(ds, [...replacements, ...candidates.slice(0, remaining)], [], hash);
      return;
    }

    const oldToDelete: Pod[] = [];
    const shouldNotRun: Pod[] = [];
    const candidateNodes: string[] = [];
    const allowedNodes: string[] = [];
    let surged = 0;
    let numAvailable = 0;
    for (const [nodeName, pods] of byNode) {
      const found = findPods(pods);
      if (!found) {
        surged++;
        continue;
      }
      const { newPod, oldPod } = found;
      if (oldPod ? available(oldPod) : newPod ? available(newPod) : false) numAvailable++;
      if (!oldPod) continue;
      const node = nodeByName.get(nodeName);
      if (!newPod) {
        const shouldRun = node !== undefined && nodeShouldRunDaemonPod(node, ds).shouldRun;
        if (!available(oldPod)) {
          if (!shouldRun) oldToDelete.push(oldPod);
          else allowedNodes.push(nodeName);
        } else if (!shouldRun) {
          shouldNotRun.push(oldPod);
        } else if (surged < maxSurge) {
          candidateNodes.push(nodeName);
        }
      } else if (!available(newPod)) {
        surged++;
      } else {
        oldToDelete.push(oldPod);
      }
    }
    const deletable = Math.min(Math.max(0, numAvailable - desired), shouldNotRun.length);
    oldToDelete.push(...shouldNotRun.slice(0, deletable));
    const remainingSurge = Math.min(Math.max(0, maxSurge - surged), candidateNodes.length);
    await this.#syncNodes(
      ds,
      oldToDelete,
      [...allowedNodes, ...candidateNodes.slice(0, remainingSurge)],
      hash,
    );
  }

  /** kube's cleanupHistory: old revisions beyond revisionHistoryLimit that no pod uses. */
  async #cleanupHistory(ds: DaemonSet, old: ControllerRevision[]): Promise<void> {
    const limit = ds.spec.revisionHistoryLimit ?? 10;
    let toKill = old.length - limit;
    if (toKill <= 0) return;
    const liveHashes = new Set<string>();
    for (const pods of this.#nodeToDaemonPods(ds, true).values())
      for (const pod of pods) {
        const h = pod.metadata.labels?.[revisionHashLabel];
        if (h) liveHashes.add(h);
      }
    for (const history of [...old].sort(byRevision)) {
      if (toKill <= 0) break;
      if (liveHashes.has(history.metadata.labels?.[revisionHashLabel] ?? '')) continue;
      await this.#client.deleteIfExists(refOf(history));
      toKill--;
    }
  }

  /** kube's updateDaemonSetStatus. */
  async #updateStatus(
    ds: DaemonSet,
    nodes: Node[],
    hash: string,
  ): Promise<Required<Omit<DaemonSetStatus, 'collisionCount'>>> {
    const byNode = this.#nodeToDaemonPods(ds, false);
    const now = this.#clock.now();
    const generation = templateGeneration(ds);
    const status = {
      observedGeneration: ds.metadata.generation ?? 0,
      desiredNumberScheduled: 0,
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      numberReady: 0,
      numberAvailable: 0,
      numberUnavailable: 0,
      updatedNumberScheduled: 0,
    };
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(node.metadata.name ?? '') ?? [];
      if (shouldRun) {
        status.desiredNumberScheduled++;
        if (pods.length === 0) continue;
        status.currentNumberScheduled++;
        const pod = [...pods].sort(byCreation)[0]!;
        if (isPodReady(pod)) {
          status.numberReady++;
          if (isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, now)) status.numberAvailable++;
        }
        if (isPodUpdated(pod, hash, generation)) status.updatedNumberScheduled++;
      } else if (pods.length > 0) {
        status.numberMisscheduled++;
      }
    }
    status.numberUnavailable = status.desiredNumberScheduled - status.numberAvailable;
    const old = ds.status ?? {};
    const changed = (Object.keys(status) as (keyof typeof status)[]).some((k) => (old[k] ?? 0) !== status[k]);
    if (changed) {
      try {
        await this.#client.patchStatus(refOf(ds), status);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return status;
  }
}
