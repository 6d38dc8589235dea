/**
 * For the node's tests only: a real `keelson apiserver --no-node` process and a NodeContext on it,
 * so the scheduler, kubelet and endpoints tests run the parts against a real server.
 */
import { startServer, type ServerProcess } from '../../../test/e2e/harness.ts';
import type { KubeObject } from '../../api/meta.ts';
import { KubeClient } from '../../runtime/client.ts';
import { Manager } from '../../runtime/controller.ts';
import { InformerFactory } from '../../runtime/informer.ts';
import type { NodeContext } from '../context.ts';

export interface NodeTestEnv {
  server: ServerProcess;
  client: KubeClient;
  ctx: NodeContext;
  manager: Manager;
  /** Stops the manager, then anything passed to `onStop`, then the server. */
  stop(): Promise<void>;
  onStop(fn: () => Promise<void> | void): void;
}

export async function startNodeTestEnv(): Promise<NodeTestEnv> {
  const server = await startServer({ args: ['--no-node'] });
  const client = KubeClient.fromFile(server.kubeconfig);
  const log = (message: string, fields?: Record<string, unknown>): void => {
    if (process.env['KEELSON_TEST_LOG']) process.stderr.write(`${message} ${JSON.stringify(fields ?? {})}\n`);
  };
  const ctx: NodeContext = {
    client,
    informers: new InformerFactory(client, log),
    clock: { now: () => Date.now() },
    log,
  };
  const manager = new Manager();
  const cleanups: (() => Promise<void> | void)[] = [];
  return {
    server,
    client,
    ctx,
    manager,
    onStop: (fn) => cleanups.push(fn),
    async stop() {
      await manager.stop();
      for (const fn of cleanups.reverse()) await fn();
      client.close();
      await server.stop();
    },
  };
}

/** A minimal pod; `spec` fields given replace the defaults. */
export function testPod(
  name: string,
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...metadata },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }], ...spec },
  };
}
