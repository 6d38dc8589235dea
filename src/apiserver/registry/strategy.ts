/**
 * Per-kind behaviour of the generic store, after the strategies of kube-apiserver's registries:
 * which kinds track generation, which reset status on create, which allow create-on-update.
 */
import type { ServedType } from './types.ts';

const generationKinds = new Set([
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
  'networking.k8s.io/Ingress',
  'autoscaling/HorizontalPodAutoscaler',
  'policy/PodDisruptionBudget',
  'apiextensions.k8s.io/CustomResourceDefinition',
]);

const createOnUpdateKinds = new Set([
  '/Endpoints',
  '/Event',
  'events.k8s.io/Event',
  'coordination.k8s.io/Lease',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
]);

/** Kinds whose status may be written on create (the writer owns it: node agents, event recorders). */
const statusOnCreateKinds = new Set(['/Node', '/Namespace']);

export function tracksGeneration(type: ServedType): boolean {
  return type.crd !== undefined || generationKinds.has(`${type.group}/${type.kind}`);
}

export function allowsCreateOnUpdate(type: ServedType): boolean {
  return createOnUpdateKinds.has(`${type.group}/${type.kind}`);
}

export function resetsStatusOnCreate(type: ServedType): boolean {
  return type.subresources.status === true && !statusOnCreateKinds.has(`${type.group}/${type.kind}`);
}
