/**
 * `keelson controllers` without leader election, for the RSS figure of bench/sync/run.ts: the same
 * `startControllers` wiring in a process of its own, printing the same `serving` line. At 10,000
 * objects `bin/keelson controllers` loses its own Lease mid-sync (its renewals miss the 10 s
 * deadline while the Sync reconcile holds the event loop) and exits, so the bench runs this by
 * default; `--rss-cli` runs `bin/keelson controllers` instead.
 *
 * `node --import tsx bench/sync/controllers-process.ts --kubeconfig K --data D`
 */
import { parseArgs } from 'node:util';
import { startControllers } from '../../src/cmd/controllers.ts';
import { KubeClient } from '../../src/runtime/client.ts';

const { values } = parseArgs({
  options: { kubeconfig: { type: 'string' }, data: { type: 'string' } },
});
if (values.kubeconfig === undefined || values.data === undefined)
  throw new Error('usage: controllers-process.ts --kubeconfig K --data D');
const client = KubeClient.fromFile(values.kubeconfig);
const running = await startControllers({
  client,
  dataDir: values.data,
  log: (message, fields) => process.stderr.write(`${message} ${JSON.stringify(fields ?? {})}\n`),
});
process.stdout.write(`keelson controllers: serving ${running.url}/hooks/git and ${running.url}/metrics\n`);
process.once('SIGTERM', () => {
  void running.stop().then(() => {
    client.close();
    process.exit(0);
  });
});
