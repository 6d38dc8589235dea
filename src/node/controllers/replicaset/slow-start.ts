/**
 * kube's slowStartBatch: runs `count` calls in batches of 1, 2, 4, … each batch concurrently, and
 * stops after the first batch with a failure, so a template the API rejects costs one request rather
 * than hundreds, while a good one reaches full concurrency in a few round trips.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  call: () => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => call()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += size - failed.length;
    if (failed[0]) return { successes, error: failed[0].reason };
    remaining -= size;
  }
  return { successes };
}
