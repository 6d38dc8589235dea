/**
 * Conversions between built-in resources that kube-apiserver serves from one storage: the objects of
 * one resource seen through another group's API. Pure functions of the JSON; the registry applies
 * them on every read and write of the served type, and printing uses them to print one form.
 */
import type { KubeObject } from '../api/meta.ts';

/**
 * The fields of a core/v1 Event that events.k8s.io/v1 names otherwise, as core name → events name
 * (k8s.io/kubernetes pkg/apis/events/v1/conversion.go; core's `reportingComponent` is the JSON name
 * of the field events.k8s.io calls `reportingController`). Every other field keeps its name.
 */
const eventRenames: ReadonlyArray<readonly [core: string, events: string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

const toEvents = new Map(eventRenames);
const toCore = new Map(eventRenames.map(([core, events]) => [events, core] as const));

/** An events.k8s.io/v1 Event as the core/v1 Event it is stored as. */
export function eventsEventToCore(event: KubeObject): KubeObject {
  return { ...renameFields(event, toCore), apiVersion: 'v1' };
}

/** A stored core/v1 Event as events.k8s.io/v1 serves it. */
export function coreEventToEvents(event: KubeObject): KubeObject {
  return { ...renameFields(event, toEvents), apiVersion: 'events.k8s.io/v1' };
}

/** Renames top-level fields, keeping their order. */
function renameFields(object: KubeObject, names: ReadonlyMap<string, string>): KubeObject {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(object)) out[names.get(name) ?? name] = value;
  return out as KubeObject;
}
