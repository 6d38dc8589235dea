/**
 * The embedded node: what a cluster's kube-controller-manager, scheduler and kubelets do, for one
 * machine. It speaks only the Kubernetes API through `src/runtime`, so it runs beside the embedded
 * server or against any conformant one.
 *
 * - workload controllers: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, Endpoints,
 *   HorizontalPodAutoscaler (bounds only; no metrics API) and a volume binder;
 * - the scheduler (pods/binding);
 * - a simulated node `keelson-sim-0` (pods become Ready after a delay; `sim.keelson.dev/*`
 *   annotations make them fail, crash-loop, never become ready, or serve synthetic metrics);
 * - with `processPods`, a process node `keelson-process-0` running `runtimeClassName: process` pods
 *   as local processes.
 */
import { join } from 'node:path';
import { systemClock } from '../base/clock.ts';
import type { KubeClient } from '../runtime/client.ts';
import { Manager, type Logger } from '../runtime/controller.ts';
import { InformerFactory } from '../runtime/informer.ts';
import type { NodeContext } from './context.ts';
import { cronJobController } from './controllers/cronjob/watches.ts';
import { daemonSetController } from './controllers/daemonset/watches.ts';
import { deploymentController } from './controllers/deployment/watches.ts';
import { endpointsController } from './controllers/endpoints/watches.ts';
import { hpaController } from './controllers/hpa/controller.ts';
import { jobController } from './controllers/job/watches.ts';
import { replicaSetController } from './controllers/replicaset/watches.ts';
import { statefulSetController } from './controllers/statefulset/watches.ts';
import { volumeBinderController } from './controllers/volumes/controller.ts';
import { Kubelet, podLogsHandler, type PodLogsHandler } from './kubelet/kubelet.ts';
import { startNodeAgent, type NodeAgent } from './kubelet/node-agent.ts';
import { processNodeConfig, simulatedNodeConfig } from './kubelet/node-config.ts';
import { ProcessRuntime } from './runtime/process-runtime.ts';
import { SimulatedMetricsServer } from './runtime/simulated-metrics.ts';
import { SimulatedRuntime } from './runtime/simulated-runtime.ts';
import type { PodRuntime } from './runtime/pod-runtime.ts';
import { schedulerController } from './scheduler/watches.ts';

export interface EmbeddedNodeOptions {
  client: KubeClient;
  log: Logger;
  /** Where the process runtime keeps pods, logs and its state (survives restarts). */
  dataDir: string;
  /** Run the process node for `runtimeClassName: process` pods. */
  processPods?: boolean;
  /** How long a simulated container takes to become ready (ms; default 1000). */
  simReadyDelayMs?: number;
}

export interface EmbeddedNode {
  /** The handler for the API server's `pods/log` (the `podLogs` option). */
  logs: PodLogsHandler;
  /** Base URL of the synthetic metrics endpoints (`/pods/NS/NAME/metrics`). */
  metricsUrl: string;
  stop(): Promise<void>;
}

export async function startEmbeddedNode(options: EmbeddedNodeOptions): Promise<EmbeddedNode> {
  const ctx: NodeContext = {
    client: options.client,
    informers: new InformerFactory(options.client, options.log),
    clock: systemClock,
    log: options.log,
  };
  const manager = new Manager();
  for (const controller of [
    deploymentController(ctx),
    replicaSetController(ctx),
    statefulSetController(ctx),
    daemonSetController(ctx),
    jobController(ctx),
    cronJobController(ctx),
    endpointsController(ctx),
    hpaController(ctx),
    volumeBinderController(ctx),
    schedulerController(ctx),
  ])
    manager.add(controller);

  const metrics = new SimulatedMetricsServer({ clock: systemClock, log: options.log });
  const metricsUrl = await metrics.listen();
  const runtimes: PodRuntime[] = [];
  const agents: NodeAgent[] = [];
  const kubelets: Kubelet[] = [];
  const simulated = new SimulatedRuntime({
    clock: systemClock,
    log: options.log,
    metrics,
    ...(options.simReadyDelayMs !== undefined && { readyAfterMs: options.simReadyDelayMs }),
  });
  runtimes.push(simulated);
  const sim = simulatedNodeConfig();
  const simAgent = await startNodeAgent(ctx, sim);
  agents.push(simAgent);
  kubelets.push(
    new Kubelet(ctx, { node: sim, runtime: simulated, podCIDR: simAgent.podCIDR }).addTo(manager),
  );
  if (options.processPods) {
    const processes = new ProcessRuntime({
      clock: systemClock,
      log: options.log,
      root: join(options.dataDir, 'pods'),
    });
    runtimes.push(processes);
    const proc = processNodeConfig();
    const procAgent = await startNodeAgent(ctx, proc);
    agents.push(procAgent);
    kubelets.push(
      new Kubelet(ctx, { node: proc, runtime: processes, podCIDR: procAgent.podCIDR }).addTo(manager),
    );
  }
  await manager.start();
  return {
    logs: podLogsHandler(kubelets),
    metricsUrl,
    async stop() {
      await manager.stop();
      for (const agent of agents) await agent.stop();
      for (const runtime of runtimes) await runtime.close();
      await metrics.close();
    },
  };
}
