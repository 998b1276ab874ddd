/**
 * Option parsers shared by the command definitions: light (no core rules, no AWS SDK), so that
 * `--help` and `--version` load next to nothing. A parser throws commander's InvalidArgumentError,
 * which commander prints with the option's name and exits 2.
 */
import { InvalidArgumentError, Option } from 'commander';
import { SEVERITIES } from '../core/finding';
import { clusterOption, concurrencyOption, incidentWindowOption } from './option-values';
import { parseTimeArgument } from './time-range';

function parsedBy<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

export const severityChoice = (flags: string, description: string): Option => new Option(flags, description).choices(SEVERITIES);

export const concurrency = (): Option =>
  new Option('--concurrency <n>', 'objects read at once, 1 to 64').default(4).argParser(parsedBy((v) => concurrencyOption(v)));

export const incidentWindow = (defaultMinutes: number): Option =>
  new Option('--incident-window <minutes>', "a principal's findings within this many minutes of each other form one incident (1 to 10080)")
    .default(defaultMinutes)
    .argParser(parsedBy((v) => incidentWindowOption(v)));

export const cluster = (): Option =>
  new Option(
    '--cluster <name>',
    "the cluster of objects whose path names none (as if under clusters/NAME/, the analyzer's layout); an event's own envelope or key still wins",
  ).argParser(parsedBy((v) => clusterOption(v) as string));

/** A time option: ISO date/time or a duration back from `now`. */
export const time = (flags: string, description: string, now: () => Date): Option =>
  new Option(flags, description).argParser(parsedBy((v) => parseTimeArgument(v, now())));

export const region = (): Option => new Option('--region <region>', "AWS region (default: the profile's, AWS_REGION)");
export const profile = (): Option => new Option('--profile <profile>', 'AWS profile from ~/.aws/config (default: AWS_PROFILE, the standard chain)');

export const quiet = (): Option => new Option('-q, --quiet', 'no progress bar, no notes on stderr');

/** `--workers`: reader threads, or `auto` (threads only where they pay for their start). */
export type ReaderThreads = number | 'auto';

export const workers = (): Option =>
  new Option(
    '--workers <n|auto>',
    "reader threads (inflate and pre-check off the main thread): 0 reads on the main thread; auto: a thread a core but one, for 64 MiB or more of input, after the first only as many as fit in half the memory (a container's limit, else the machine's)",
  )
    .default('auto')
    .argParser(
      parsedBy((v): ReaderThreads => {
        if (v === 'auto') return v;
        const n = Number(v);
        if (!/^\d+$/.test(v) || n > 64) throw new Error(`--workers must be auto or a whole number from 0 to 64 (got "${v}")`);
        return n;
      }),
    );
