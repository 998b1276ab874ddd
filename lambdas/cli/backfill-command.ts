/** `backfill`: loaded when the command runs (backfill-definition.ts defines its options). */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BackfillStateFile, StateFileError } from '../adapters/backfill-state-file';
import { isS3Uri, parseS3Uri } from '../adapters/object-source';
import { listS3Pages } from '../adapters/s3-object-source';
import { S3NotificationQueue } from '../adapters/s3-notification-queue';
import { SqsWorkSender } from '../adapters/sqs-work-sender';
import type { BackfillResult } from '../core/pipeline/backfill';
import { backfill, ListingError } from '../core/pipeline/backfill';
import { awsClientConfig, awsErrorLine, prepareAwsSdk } from './aws';
import type { BackfillCommandOptions } from './backfill-definition';
import type { CliContext } from './cli-context';
import type { Io } from './io';
import { EXIT, UsageError } from './io';
import { commandProgress } from './progress';
import { count, decimalBytes } from './units';

/** What a test (or a caller with its own clients) can give; by default the standard AWS credential chain. */
export interface BackfillCommandDeps {
  s3?: S3Client;
  sqs?: SQSClient;
  /** Sender retries: attempts per message and the first wait. */
  attempts?: number;
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Least time between two writes of the state file. Default 1000 ms. */
  flushIntervalMs?: number;
  cwd?: string;
  /** Calls `stop` on Ctrl-C; returns what releases the hook. Default: SIGINT. */
  onInterrupt?: (stop: () => void) => () => void;
}

/** The state file a run uses unless told otherwise: one per queue, locations and range, under `dir`. */
export function defaultStatePath(dir: string, queueUrl: string, locations: readonly string[], since?: string, until?: string): string {
  const identity = JSON.stringify([queueUrl, [...new Set(locations)].sort(), since ?? '', until ?? '']);
  return join(dir, '.k8s-audit-analyzer', `backfill-${createHash('sha256').update(identity).digest('hex').slice(0, 12)}.json`);
}

/** The region a queue URL's host names, if it names one. */
function regionOfQueueUrl(value: string): string | undefined {
  const host = new URL(value).hostname;
  return /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1] ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$/.exec(host)?.[1];
}

/** The locations, checked: S3 only, each once. */
function s3Locations(locations: readonly string[]): string[] {
  for (const location of locations) {
    if (!isS3Uri(location)) throw new UsageError(`backfill reads S3 only: ${location} is not an s3://bucket/prefix location`);
    try {
      parseS3Uri(location);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return [...new Set(locations)];
}

/** Runs a backfill; returns the exit code. Usage errors throw UsageError (exit 2), AWS errors reach main (one line, exit 2). */
export async function runBackfill(given: readonly string[], options: BackfillCommandOptions, ctx: CliContext): Promise<number> {
  const { io } = ctx;
  const deps = ctx.deps.backfill ?? {};
  const { queueUrl, since, until } = options;
  const dryRun = options.dryRun === true;
  const quiet = options.quiet === true;
  const locations = s3Locations(given);
  if (queueUrl === undefined && !dryRun) throw new UsageError('backfill needs --queue-url URL, the analyzer work queue (the stack output), or --dry-run');
  if (since && until && since.at >= until.at) throw new UsageError('--since must be before --until');
  const cwd = deps.cwd ?? process.cwd();
  const statePath =
    options.state !== undefined
      ? resolve(cwd, options.state)
      : queueUrl !== undefined
        ? defaultStatePath(cwd, queueUrl, locations, since?.typed, until?.typed)
        : undefined;

  const queueRegion = queueUrl !== undefined ? regionOfQueueUrl(queueUrl) : undefined;
  if (!deps.s3 || (!dryRun && !deps.sqs)) prepareAwsSdk(io, quiet);
  const s3 = deps.s3 ?? new S3Client({ ...awsClientConfig(options, options.region ?? queueRegion), followRegionRedirects: true });
  // The queue URL's host is where the SDK sends anyway; naming it as the endpoint keeps the SDK from
  // warning on every call when it differs from the region's default (legacy URLs, VPC endpoints).
  const sqs =
    dryRun || queueUrl === undefined
      ? undefined
      : (deps.sqs ?? new SQSClient({ ...awsClientConfig(options, queueRegion ?? options.region), endpoint: new URL(queueUrl).origin, maxAttempts: 5 }));
  try {
    // Its region names the objects in the notifications; a URL that names none takes the client's (--region, the profile's).
    const region = queueRegion ?? (sqs ? await sqs.config.region() : '');
    const result = await send({ locations, queueUrl, statePath, region, s3, sqs, options, ctx });
    return summarize(result, { locations, queueUrl, statePath, dryRun, quiet, io });
  } finally {
    if (!deps.s3) s3.destroy();
    if (!deps.sqs) sqs?.destroy();
  }
}

/** Lists and sends (or counts), with the progress bar and the Ctrl-C hook. */
async function send(run: {
  locations: string[];
  queueUrl?: string;
  statePath?: string;
  region: string;
  s3: S3Client;
  sqs?: SQSClient;
  options: BackfillCommandOptions;
  ctx: CliContext;
}): Promise<BackfillResult> {
  const { locations, queueUrl, statePath, region, s3, sqs, options, ctx } = run;
  const { io } = ctx;
  const deps = ctx.deps.backfill ?? {};
  const dryRun = options.dryRun === true;
  const bar = commandProgress(io, options.quiet === true, 'messages');
  let stopping = false;
  const onInterrupt =
    deps.onInterrupt ??
    ((stop: () => void) => {
      const handler = (): void => stop();
      process.once('SIGINT', handler);
      return () => process.removeListener('SIGINT', handler);
    });
  const release = dryRun
    ? () => undefined
    : onInterrupt(() => {
        stopping = true;
        bar.clear();
        io.err('Ctrl-C: stopping after the batch in flight, keeping the state (press it again to quit at once)');
      });
  try {
    return await backfill(
      {
        locations,
        queueUrl,
        since: options.since?.at,
        until: options.until?.at,
        sinceText: options.since?.typed,
        untilText: options.until?.typed,
        dryRun,
        restart: options.restart === true,
        batchSize: options.batch,
      },
      {
        lister: { pages: (location) => listS3Pages(s3, location) },
        ...(sqs && queueUrl !== undefined
          ? {
              queue: new S3NotificationQueue(
                new SqsWorkSender(sqs, queueUrl, { attempts: deps.attempts, retryDelayMs: deps.retryDelayMs, sleep: deps.sleep }),
                { region, now: ctx.now },
              ),
            }
          : {}),
        ...(statePath !== undefined ? { state: new BackfillStateFile(statePath, queueUrl) } : {}),
        now: ctx.now,
        ...(deps.flushIntervalMs !== undefined ? { flushIntervalMs: deps.flushIntervalMs } : {}),
        interrupted: () => stopping,
        onProgress: (p) => bar.update(p),
      },
    );
  } catch (error) {
    if (error instanceof StateFileError) throw new UsageError(error.message);
    if (error instanceof ListingError) throw new UsageError(listingMessage(error, locations));
    throw error;
  } finally {
    bar.done();
    release();
  }
}

/** `cannot list s3://…: ` and S3's error in one line that says what to do, when the CLI knows it. */
function listingMessage(error: ListingError, locations: readonly string[]): string {
  const advice = awsErrorLine(error.cause);
  const location = locations.filter((l) => error.message.startsWith(`cannot list ${l}: `)).sort((a, b) => b.length - a.length)[0];
  return advice !== undefined && location !== undefined ? `cannot list ${location}: ${advice}` : error.message;
}

/** Prints what was sent (or would be) and what was not; returns the exit code. */
function summarize(
  result: BackfillResult,
  run: { locations: string[]; queueUrl?: string; statePath?: string; dryRun: boolean; quiet: boolean; io: Io },
): number {
  const { locations, queueUrl, statePath, dryRun, quiet, io } = run;
  if (result.interrupted && result.sent === 0) {
    io.err('stopped by Ctrl-C before anything was sent');
    return EXIT.interrupted;
  }
  const rangeNote = result.outOfRange > 0 ? `${count(result.outOfRange)} last modified outside --since/--until, left out` : undefined;
  if (result.listed === 0) {
    io.err(`note: no objects under ${locations.join(', ')}: nothing to send`);
  } else if (result.listed === result.outOfRange) {
    io.err(`note: none of the ${count(result.listed)} objects under ${locations.join(', ')} was last modified in the --since/--until range: nothing to send`);
  }
  const skippedClause = (verb: string): string | undefined => (result.skipped > 0 ? `${count(result.skipped)} already sent before, ${verb}` : undefined);

  if (dryRun) {
    io.out(
      [
        `dry run: ${objects(result.toSend)} (${decimalBytes(result.toSendBytes)}) to send${queueUrl ? ` to ${queueUrl}` : ''}`,
        skippedClause('would be skipped'),
        rangeNote,
      ]
        .filter(Boolean)
        .join('; '),
    );
    if (!quiet && statePath === undefined) io.err('note: without --queue-url or --state there is no state to say what was sent before');
    return EXIT.ok;
  }

  const unsent = result.toSend - result.sent;
  io.out(
    [
      `sent ${objects(result.sent)} (${decimalBytes(result.sentBytes)}) to ${queueUrl}`,
      skippedClause('skipped'),
      unsent > 0 ? `${count(unsent)} not sent` : undefined,
    ]
      .filter(Boolean)
      .join('; '),
  );
  if (!quiet && rangeNote && result.listed > result.outOfRange) io.err(`note: ${rangeNote}`);
  const resume = `the state is kept in ${statePath}: run the same command again to resume`;
  if (result.error) {
    io.err(`error: SQS did not take the messages: ${awsErrorLine(result.error) ?? `${result.error.name}: ${result.error.message}`}`);
    io.err(resume);
    return EXIT.incomplete;
  }
  if (result.rejected.length > 0) {
    io.err(`error: SQS rejected ${count(result.rejected.length)} ${result.rejected.length === 1 ? 'message' : 'messages'} after retries:`);
    for (const r of result.rejected.slice(0, 5)) io.err(`  ${r.uri}: ${r.code}: ${r.message}`);
    if (result.rejected.length > 5) io.err(`  … and ${count(result.rejected.length - 5)} more`);
    io.err(resume);
    return EXIT.incomplete;
  }
  if (result.interrupted) {
    io.err(`stopped by Ctrl-C; ${resume}`);
    return EXIT.interrupted;
  }
  return EXIT.ok;
}

function objects(n: number): string {
  return `${count(n)} ${n === 1 ? 'object' : 'objects'}`;
}
