/**
 * The commands that read audit logs start the CLI again with a young generation of a measured
 * size where V8's own choice is far from it (docs/performance.md, "Memory of a scan"):
 *
 * - Node 24 and later: V8 13 lets the young generation grow to 128 MiB on a machine with memory
 *   to spare (Node 20 and 22: 32 MiB). One busy 930 MB object peaked at 236–250 MiB, over the
 *   256 MB a scan is meant to fit in; at `--max-semi-space-size=8`, 191–199 MiB, no slower.
 * - Any Node where it sizes its heap from 512 MiB or less (a container's memory limit): V8 then
 *   keeps a 2 MiB young generation, and the same scan in a 512 or 256 MB container took 25–41%
 *   longer than at 8 MiB, which stays well within the limit.
 *
 * A heap's sizes are fixed when the process starts (`v8.setFlagsFromString` then changes
 * nothing), so the flag can only be given to a new process. The parent only relays: the child
 * inherits standard input, output and error (a terminal stays a terminal, a closed pipe reaches
 * the child), signals sent to the parent are passed on, and the parent ends as the child did,
 * with its exit code or by its signal. It costs a second start of Node (about 40 ms) and the
 * parent's own memory (48 MiB of RSS, of which 39 are the Node binary's pages, shared with the
 * child).
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { spawn } from 'node:child_process';
import { totalmem } from 'node:os';
import { SEMI_SPACE_MB, SEMI_SPACE_OPTION } from '../commons/young-generation';
import { EXIT } from './io';

/** Semi-space size in MiB for the relaunched CLI; `0` (or `off`) runs the command in this process. */
export const SEMI_SPACE_ENV = 'K8S_AUDIT_ANALYZER_SEMI_SPACE_MB';
/** Set in the relaunched process: it does not start itself again. */
const RELAUNCHED_ENV = 'K8S_AUDIT_ANALYZER_RELAUNCHED';
/** The commands that read audit logs (the others hold little and gain nothing from a second start). */
const READING_COMMANDS = new Set(['scan', 'stats', 'report']);
/** The first Node major whose V8 grows the young generation past 32 MiB (measured on 20, 22 and 24). */
const FROM_NODE_MAJOR = 24;
/** At or below this much memory V8 sizes the heap as a low-memory device's (a 2 MiB young generation). */
const LOW_MEMORY_BYTES = 512 * 1024 * 1024;

export interface LaunchContext {
  /** `process.versions.node`. */
  nodeVersion: string;
  /** The CLI's arguments (`process.argv.slice(2)`). */
  argv: readonly string[];
  /** `process.execArgv`: a flag given to Node already is the user's choice. */
  execArgv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** The memory Node sizes its heap from: the machine's, or a container's limit when lower (`heapSizingMemory`). */
  memoryBytes: number;
}

/** What Node gives V8 to size its heap from: the total memory, or the cgroup's limit when it is lower. */
export function heapSizingMemory(total: number, constrained: number | undefined): number {
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

/** `heapSizingMemory` of this process: also what `scan --workers auto` sizes its reader threads by. */
export function processMemory(): number {
  return heapSizingMemory(totalmem(), process.constrainedMemory?.());
}

/** An unusable `K8S_AUDIT_ANALYZER_SEMI_SPACE_MB`: said as a usage error before anything runs. */
export class SemiSpaceSettingError extends Error {
  override name = 'SemiSpaceSettingError';
}

/** The Node flags to start this command again with, or undefined to run it here. */
export function relaunchFlags(context: LaunchContext): string[] | undefined {
  const { env, argv } = context;
  if (env[RELAUNCHED_ENV] !== undefined) return undefined;
  const setting = semiSpaceSetting(env[SEMI_SPACE_ENV]);
  if (setting === 0) return undefined;
  if (!READING_COMMANDS.has(argv[0] ?? '') || argv.includes('--help') || argv.includes('-h')) return undefined;
  const given = [...context.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a === SEMI_SPACE_OPTION || a.startsWith(`${SEMI_SPACE_OPTION}=`));
  if (given) return undefined;
  const major = Number(context.nodeVersion.split('.')[0]);
  const size = setting ?? (major >= FROM_NODE_MAJOR || context.memoryBytes <= LOW_MEMORY_BYTES ? SEMI_SPACE_MB : undefined);
  return size === undefined ? undefined : [`${SEMI_SPACE_OPTION}=${size}`];
}

/** The environment variable's value: undefined when unset, 0 for off, else MiB (1–1024). */
function semiSpaceSetting(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim().toLowerCase();
  if (text === 'off' || text === '0') return 0;
  const mib = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(mib >= 1 && mib <= 1024))
    throw new SemiSpaceSettingError(`${SEMI_SPACE_ENV} must be a size in MiB from 1 to 1024, or 0 (or off) to run in this process; got '${value}'`);
  return mib;
}

/** The signals a relaying parent passes on (a terminal's Ctrl-C reaches both; the child's own handling decides). */
const RELAYED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface RelaunchDeps {
  spawn?: (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;
  /** Runs the command in this process: when the child cannot be started, nothing is lost. */
  runHere: () => void;
  /** Said on stderr when the child cannot be started. */
  warn: (line: string) => void;
}

/**
 * Starts `node <flags> <this script> <its arguments>` and relays to it until it ends; the process
 * then ends the same way (`process.exitCode`, or killed by the child's signal).
 */
export function relaunch(flags: readonly string[], deps: RelaunchDeps): void {
  const start = deps.spawn ?? spawn;
  const [script, ...args] = process.argv.slice(1);
  let child: ChildProcess | undefined;
  let started = false;
  let ranHere = false;
  const relay = (signal: NodeJS.Signals): void => {
    child?.kill(signal);
  };
  const release = (): void => {
    for (const signal of RELAYED) process.removeListener(signal, relay);
  };
  const fallBack = (error: NodeJS.ErrnoException): void => {
    if (started || ranHere) return; // after the start: a signal that could not be passed on, and 'exit' says how the child ended
    ranHere = true;
    release();
    deps.warn(`note: could not start the CLI with ${flags.join(' ')} (${error.code ?? error.message}); running in this process, without the memory bound`);
    deps.runHere();
  };
  try {
    child = start(process.execPath, [...process.execArgv, ...flags, script ?? '', ...args], {
      stdio: 'inherit',
      env: { ...process.env, [RELAUNCHED_ENV]: flags.join(' ') },
    });
  } catch (error) {
    return fallBack(error as NodeJS.ErrnoException);
  }
  for (const signal of RELAYED) process.on(signal, relay);
  child.once('spawn', () => (started = true));
  child.on('error', fallBack);
  child.once('exit', (code, signal) => {
    if (ranHere) return;
    release();
    if (signal)
      process.kill(process.pid, signal); // ends this process as the child ended (130 for Ctrl-C in a shell)
    else process.exitCode = code ?? EXIT.internal;
  });
}
