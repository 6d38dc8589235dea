/**
 * The built-in forge for tests that may not import src/forge themselves (src/cli, by the layer
 * rules): a real embedded API server with Keelson's CRDs, and the forge on it in this process.
 */
import { keelsonCrds } from '../../src/api/crds/index.ts';
import { startForge, type RunningForge } from '../../src/forge/server.ts';
import { KubeClient } from '../../src/runtime/client.ts';
import { applyCrds } from '../../src/runtime/crds.ts';
import { startServer } from './harness.ts';

export interface TestForge {
  forge: RunningForge;
  stop(): Promise<void>;
}

/** Starts an API server and the forge on it, keeping the forge's data in `dataDir`. */
export async function startTestForge(dataDir: string): Promise<TestForge> {
  const server = await startServer({ args: ['--no-node'] });
  const client = KubeClient.fromFile(server.kubeconfig);
  try {
    await applyCrds(client, keelsonCrds, { fieldManager: 'keelson' });
    const forge = await startForge({ client, dataDir, log: () => {} });
    return {
      forge,
      async stop() {
        await forge.stop();
        client.close();
        await server.stop();
      },
    };
  } catch (error) {
    client.close();
    await server.stop();
    throw error;
  }
}
