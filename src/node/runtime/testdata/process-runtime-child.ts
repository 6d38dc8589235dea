/**
 * A server life for process-runtime.test.ts: runs a ProcessRuntime on the root in argv[2], starts
 * the pod given as JSON in argv[3], prints `running` once its container runs, and waits to be killed.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { systemClock } from '../../../base/clock.ts';
import { ProcessRuntime } from '../process-runtime.ts';

const [root, podJson] = process.argv.slice(2);
if (root === undefined || podJson === undefined)
  throw new Error('usage: process-runtime-child ROOT POD_JSON');
const pod = JSON.parse(podJson) as V1Pod;
const uid = pod.metadata?.uid ?? '';
const runtime = new ProcessRuntime({ clock: systemClock, log: () => {}, root });
let announced = false;
runtime.onChange(() => {
  const running = runtime.status(uid)?.containerStatuses?.every((c) => c.state?.running !== undefined);
  if (running === true && !announced) {
    announced = true;
    process.stdout.write('running\n');
  }
});
runtime.start(pod, {});
setInterval(() => {}, 1 << 30);
