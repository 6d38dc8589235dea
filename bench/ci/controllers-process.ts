/**
 * `keelson controllers` with CI, without leader election, for the RSS figure of bench/ci/run.ts:
 * `startControllers({ ci })` wired as `keelson up` wires it (GithubForge on the built-in forge as
 * its bot), in a process of its own, printing the `serving` line bench/sync's process prints.
 *
 * `node --import tsx bench/ci/controllers-process.ts --kubeconfig K --data D --forge-api URL --forge-token-file F`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GithubForge } from '../../src/adapters/forge/index.ts';
import { startControllers } from '../../src/cmd/controllers.ts';
import { KubeClient } from '../../src/runtime/client.ts';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    data: { type: 'string' },
    'forge-api': { type: 'string' },
    'forge-token-file': { type: 'string' },
  },
});
const { kubeconfig, data } = values;
const forgeApi = values['forge-api'];
const tokenFile = values['forge-token-file'];
if (kubeconfig === undefined || data === undefined || forgeApi === undefined || tokenFile === undefined)
  throw new Error(
    'usage: controllers-process.ts --kubeconfig K --data D --forge-api URL --forge-token-file F',
  );
const token = readFileSync(tokenFile, 'utf8').trim();
const client = KubeClient.fromFile(kubeconfig);
const running = await startControllers({
  client,
  dataDir: data,
  log: (message, fields) => process.stderr.write(`${message} ${JSON.stringify(fields ?? {})}\n`),
  ci: {
    forge: new GithubForge({ token, baseUrl: forgeApi }),
    token,
    cloneBase: `${new URL(forgeApi).origin}/`,
  },
});
process.stdout.write(`keelson controllers: serving ${running.url}/hooks/ci and ${running.url}/metrics\n`);
process.once('SIGTERM', () => {
  void running.stop().then(() => {
    client.close();
    process.exit(0);
  });
});
