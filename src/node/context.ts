/**
 * What every part of the embedded node is built from. The node speaks only the Kubernetes API
 * (through src/runtime), like kube-controller-manager and kubelets do, so it works against any
 * conformant server.
 */
import type { KubeClient } from '../runtime/client.ts';
import type { Logger } from '../runtime/controller.ts';
import type { InformerFactory } from '../runtime/informer.ts';

export interface NodeClock {
  now(): number;
}

export interface NodeContext {
  client: KubeClient;
  informers: InformerFactory;
  clock: NodeClock;
  log: Logger;
}
