import type { LaunchContext } from '../lambdas/cli/relaunch';
import { processMemory, relaunchFlags } from '../lambdas/cli/relaunch';

/**
 * The Node flags a benchmark's row process runs with: the benchmark's own (`--expose-gc`, and
 * whatever else it was started with), and the young generation the CLI's `scan` starts itself
 * again with on this Node (8 MiB on Node 24, see lambdas/cli/relaunch.ts), so that a row measures
 * what the CLI runs.
 */
export function rowNodeFlags(
  context: Omit<LaunchContext, 'argv'> = {
    nodeVersion: process.versions.node,
    execArgv: process.execArgv,
    env: process.env,
    memoryBytes: processMemory(),
  },
): string[] {
  return [...new Set(['--expose-gc', ...context.execArgv, ...(relaunchFlags({ ...context, argv: ['scan'] }) ?? [])])];
}
