/** What every client verb shares: where its output goes, the clock, and how it reaches the API. */
import { existsSync } from 'node:fs';
import { KeelsonError } from '../base/errors.ts';
import { KubeClient } from '../runtime/client.ts';

/** Where the CLI writes and what it reads from its environment; tests may pass their own. */
export interface CliDeps {
  stdout(text: string): void;
  stderr(text: string): void;
  now(): number;
  env: Record<string, string | undefined>;
  sleep(ms: number): Promise<void>;
}

export const processDeps: CliDeps = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  now: () => Date.now(),
  env: process.env,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The options every client verb takes. */
export interface ClientOptions {
  kubeconfig?: string;
  namespace: string;
}

export const defaultNamespace = 'keelson-system';

/**
 * The kubeconfig a verb uses: `--kubeconfig`, else the first file in $KUBECONFIG, else the one
 * `keelson up` writes to `.keelson/kubeconfig`.
 */
export function kubeconfigPath(options: ClientOptions, env: CliDeps['env']): string {
  if (options.kubeconfig) return options.kubeconfig;
  const fromEnv = env.KUBECONFIG?.split(':').find((p) => p !== '');
  return fromEnv ?? '.keelson/kubeconfig';
}

/** Runs `work` with a client for the verb's kubeconfig, closing its connections afterwards. */
export async function withClient<T>(
  options: ClientOptions,
  deps: CliDeps,
  work: (client: KubeClient) => Promise<T>,
): Promise<T> {
  const path = kubeconfigPath(options, deps.env);
  if (!existsSync(path)) {
    throw new KeelsonError(
      'KEELSON_NOT_FOUND',
      `kubeconfig ${path} not found: pass --kubeconfig, set KUBECONFIG, or start a server with 'keelson up'`,
    );
  }
  const client = KubeClient.fromFile(path);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}
