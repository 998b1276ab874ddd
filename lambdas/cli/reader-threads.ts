import { availableParallelism } from 'node:os';
import type { SourceObject } from '../core/ports';
import type { ReaderThreads } from './options';
import { processMemory } from './relaunch';

/** Below this much input a thread's start (loading the reader anew) costs more than it saves. */
const THREADS_FROM_BYTES = 64 * 1024 * 1024;
/**
 * What a scan with one reader thread is counted at: four busy 930 MB objects peaked at 201–216 MiB
 * under Node 20 and 230–261 under Node 24 (docs/performance.md, "Reader threads and memory").
 */
export const ONE_THREAD_SCAN_BYTES = 256 * 1024 * 1024;
/** What each reader thread after the first is counted at: it added 55–130 MiB in the same measurements. */
export const FURTHER_THREAD_BYTES = 160 * 1024 * 1024;

/**
 * Reader threads for `--workers`: a number is taken as given. `auto` leaves one core to the main
 * thread, which parses and runs the rules (on 2 cores, 4 objects on 2 threads read no faster than
 * on 1, paired with the baseline: the `scan 4 objects` rows of bench/reader.bench.ts), takes at
 * most one an object, none below 64 MiB of input, and after the first only as many as fit in half
 * of `memory` (a container's limit, else the machine's): each holds a reading of its own, and a
 * 512 MiB pod on a 32-core node must not start 31 of them.
 */
export function readerThreads(workers: ReaderThreads, objects: readonly SourceObject[], cores = availableParallelism(), memory = processMemory()): number {
  if (workers !== 'auto') return workers;
  const bytes = objects.reduce((n, o) => n + o.size, 0);
  if (bytes < THREADS_FROM_BYTES) return 0;
  const further = Math.max(0, Math.floor((memory / 2 - ONE_THREAD_SCAN_BYTES) / FURTHER_THREAD_BYTES));
  return Math.max(0, Math.min(cores - 1, objects.length, 1 + further));
}
