/**
 * Completion indexes of Indexed Jobs (kube's indexed_job_utils.go): the index a pod carries, the
 * `.status.completedIndexes` interval notation, and which indexes still need a pod.
 */
import type { Pod } from '../pods.ts';

export const completionIndexAnnotation = 'batch.kubernetes.io/job-completion-index';
export const completionIndexEnv = 'JOB_COMPLETION_INDEX';

/** The pod's completion index, or -1 when it has none or it is malformed. */
export function completionIndexOf(pod: Pod): number {
  const value = pod.metadata.annotations?.[completionIndexAnnotation];
  if (value === undefined || !/^\d+$/.test(value)) return -1;
  const index = Number(value);
  return Number.isSafeInteger(index) ? index : -1;
}

/** Parses `1,3-5` into indexes below `completions`; malformed parts are skipped. */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const result = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) continue;
    const first = Number(match[1]);
    const last = Math.min(match[2] === undefined ? first : Number(match[2]), completions - 1);
    for (let i = first; i <= last; i++) result.add(i);
  }
  return result;
}

/** kube's orderedIntervals.String: `0,1` for two, `0-2` for three or more in a row. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    const first = sorted[i]!;
    let last = first;
    while (i + 1 < sorted.length && sorted[i + 1] === last + 1) last = sorted[++i]!;
    i++;
    if (last === first) parts.push(String(first));
    else if (last === first + 1) parts.push(`${first},${last}`);
    else parts.push(`${first}-${last}`);
  }
  return parts.join(',');
}

/** kube's firstPendingIndexes: the lowest `count` indexes neither succeeded nor held by an active pod. */
export function firstPendingIndexes(
  succeeded: Set<number>,
  activePods: Pod[],
  count: number,
  completions: number,
): number[] {
  const taken = new Set(succeeded);
  for (const pod of activePods) taken.add(completionIndexOf(pod));
  const result: number[] = [];
  for (let i = 0; i < completions && result.length < count; i++) if (!taken.has(i)) result.push(i);
  return result;
}

/** `<job>-<index>-`, cut so that the generated name stays within 63 characters. */
export function generateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const maxGeneratedNameLength = 58;
  const prefix = jobName + suffix;
  return prefix.length > maxGeneratedNameLength
    ? jobName.slice(0, maxGeneratedNameLength - suffix.length) + suffix
    : prefix;
}
