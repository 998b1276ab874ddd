/**
 * The commands that read audit logs start the CLI again with a bounded young generation on
 * Node 24 and later. V8 13 lets the young generation grow to 128 MiB (Node 20 and 22: 32 MiB),
 * and a scan's parsing fills it: one busy 930 MB object peaked at 236–250 MiB under Node 24,
 * over the 256 MB a scan is meant to fit in. With `--max-semi-space-size=8` the scanning process
 * peaked at 191–199 MiB, no slower through the noise; smaller sizes promote more to the old
 * generation and hold as much there (docs/performance.md, "Memory of a scan"). A heap's sizes are
 * fixed when the process starts (`v8.setFlagsFromString` then changes nothing), so the flag can
 * only be given to a new process.
 *
 * The parent only relays: the child inherits standard input, output and error (a terminal stays
 * a terminal, a closed pipe reaches the child), signals sent to the parent are passed on, and the
 * parent ends as the child did, with its exit code or by its signal. It costs a second start of
 * Node (about 40 ms) and the parent's own memory (48 MiB of RSS, of which 39 are the Node binary's
 * pages, shared with the child).
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { spawn } from 'node:child_process';
import { EXIT } from './io';

/** Semi-space size in MiB for the relaunched CLI; `0` (or `off`) runs the command in this process. */
export const SEMI_SPACE_ENV = 'K8S_AUDIT_ANALYZER_SEMI_SPACE_MB';
/** Set in the relaunched process: it does not start itself again. */
const RELAUNCHED_ENV = 'K8S_AUDIT_ANALYZER_RELAUNCHED';
const FLAG = '--max-semi-space-size';
/** The commands that read audit logs (the others hold little and gain nothing from a second start). */
const READING_COMMANDS = new Set(['scan', 'stats', 'report']);
/** The first Node major whose V8 grows the young generation past 32 MiB (measured on 20, 22 and 24). */
const FROM_NODE_MAJOR = 24;
const DEFAULT_SEMI_SPACE_MB = 8;

export interface LaunchContext {
  /** `process.versions.node`. */
  nodeVersion: string;
  /** The CLI's arguments (`process.argv.slice(2)`). */
  argv: readonly string[];
  /** `process.execArgv`: a flag given to Node already is the user's choice. */
  execArgv: readonly string[];
  env: NodeJS.ProcessEnv;
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
  const given = [...context.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a === FLAG || a.startsWith(`${FLAG}=`));
  if (given) return undefined;
  const major = Number(context.nodeVersion.split('.')[0]);
  const size = setting ?? (major >= FROM_NODE_MAJOR ? DEFAULT_SEMI_SPACE_MB : undefined);
  return size === undefined ? undefined : [`${FLAG}=${size}`];
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
  let child: ChildProcess | undefined;
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
