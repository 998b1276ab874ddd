import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BackfillStateFile, StateFileError } from '../adapters/backfill-state-file';
import { isS3Uri, parseS3Uri } from '../adapters/object-source';
import { listS3Pages } from '../adapters/s3-object-source';
import { S3NotificationQueue } from '../adapters/s3-notification-queue';
import { MAX_BATCH, SqsWorkSender } from '../adapters/sqs-work-sender';
import type { BackfillResult } from '../core/pipeline/backfill';
import { backfill, ListingError } from '../core/pipeline/backfill';
import type { Io } from './io';
import { EXIT, usageError } from './io';
import { commandProgress } from './progress';
import { parseTimeArgument } from './time-range';
import { count, decimalBytes } from './units';

export const BACKFILL_HELP = `k8s-audit-analyzer backfill: send existing audit-log objects through the analyzer fleet

Usage:
  k8s-audit-analyzer backfill <s3://bucket/prefix>... --queue-url URL [options]
  k8s-audit-analyzer backfill <s3://bucket/prefix>... --dry-run [--since T] [--until T]

Lists the objects under the prefixes and sends each to the analyzer's SQS work queue as the
notification S3 sends for a new object (one ObjectCreated:Put record per message, with the message
attribute source=backfill). The Lambda fleet then analyzes them in parallel, exactly as live
traffic; the findings store keeps what it already has, so an object analyzed twice raises
nothing twice.

Options:
  --queue-url URL       the analyzer's work queue (the stack output), required unless --dry-run
  --since T, --until T  only objects last modified in [since, until) by S3's LastModified: ISO
                        date/time (2026-08-01, 2026-08-01T10:00:00Z; UTC when no zone is given) or a
                        duration back from now (90m, 24h, 30d). Keys are not parsed for dates.
  --dry-run             list and count what would be sent (and what the state would skip); send nothing
  --state FILE          where progress is kept (default: .k8s-audit-analyzer/backfill-<hash>.json,
                        the hash of the queue URL, the locations and --since/--until as typed)
  --restart             ignore what the state file says was sent, and start over
  --batch N             messages per SendMessageBatch call, 1 to 10 (default 10)
  -q, --quiet           no progress bar, no notes on stderr
  -h, --help

Resuming: each object is recorded in the state file (with its ETag) once SQS accepted it; a
second run of the same command skips what was sent, and sends again an object whose ETag
changed. Ctrl-C stops after the batch in flight and keeps the state.

IAM: s3:ListBucket on the buckets (for the prefixes), sqs:SendMessage on the queue, and
kms:GenerateDataKey and kms:Decrypt on the queue's KMS key.

Examples:
  k8s-audit-analyzer backfill s3://my-audit-logs/clusters/prod-eu/ --dry-run --since 90d
  k8s-audit-analyzer backfill s3://my-audit-logs/clusters/prod-eu/ s3://my-audit-logs/clusters/prod-us/ \\
      --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/k8s-audit-work --since 2026-08-01 --until 2026-11-01

Exit codes: 0 done, 2 usage error or the objects could not be listed, 3 some messages could not be
sent (what was sent is in the state file: run the command again to resume), 130 stopped by Ctrl-C.`;

/** What a test (or a caller with its own clients) can give; by default the standard AWS credential chain and the real clock. */
export interface BackfillCommandDeps {
  s3?: S3Client;
  sqs?: SQSClient;
  now?: () => Date;
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

/** `k8s-audit-analyzer backfill …`: returns the exit code. Clients and the clock can be given (tests); by default the standard AWS credential chain. */
export async function backfillCommand(argv: string[], io: Io, given: BackfillCommandDeps = {}): Promise<number> {
  const fail = (message: string): number => usageError(io, message, 'backfill');
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'queue-url': { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        state: { type: 'string' },
        restart: { type: 'boolean', default: false },
        batch: { type: 'string' },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(BACKFILL_HELP);
    return EXIT.ok;
  }
  const now = given.now ?? (() => new Date());
  const queueUrl = values['queue-url'];
  const dryRun = values['dry-run'];
  let since: Date | undefined;
  let until: Date | undefined;
  let batchSize: number;
  let queueRegion: string | undefined;
  try {
    if (positionals.length === 0) throw new Error('backfill needs at least one s3://bucket/prefix');
    for (const location of positionals) {
      if (!isS3Uri(location)) throw new Error(`backfill reads S3 only: ${location} is not an s3://bucket/prefix location`);
      parseS3Uri(location);
    }
    if (queueUrl === undefined && !dryRun) throw new Error('backfill needs --queue-url URL, the analyzer work queue (the stack output), or --dry-run');
    if (queueUrl !== undefined) queueRegion = checkQueueUrl(queueUrl);
    if (values.since !== undefined) since = parseTimeArgument(values.since, now());
    if (values.until !== undefined) until = parseTimeArgument(values.until, now());
    if (since && until && since >= until) throw new Error('--since must be before --until');
    batchSize = batchOption(values.batch);
  } catch (error) {
    return fail((error as Error).message);
  }
  const locations = [...new Set(positionals)];
  const statePath =
    values.state !== undefined
      ? resolve(given.cwd ?? process.cwd(), values.state)
      : queueUrl !== undefined
        ? defaultStatePath(given.cwd ?? process.cwd(), queueUrl, locations, values.since, values.until)
        : undefined;

  const s3 = given.s3 ?? new S3Client({ ...(queueRegion ? { region: queueRegion } : {}), followRegionRedirects: true });
  // The queue URL's host is where the SDK sends anyway; naming it as the endpoint keeps the SDK from
  // warning on every call when it differs from the region's default (legacy URLs, VPC endpoints).
  const sqs = dryRun
    ? given.sqs
    : (given.sqs ?? new SQSClient({ ...(queueRegion ? { region: queueRegion } : {}), endpoint: new URL(queueUrl as string).origin, maxAttempts: 5 }));
  let region = queueRegion ?? '';
  if (!dryRun && !region) {
    try {
      region = await (sqs as SQSClient).config.region();
    } catch (error) {
      return fail(`cannot tell the queue's region from ${queueUrl}: ${(error as Error).message} (set AWS_REGION)`);
    }
  }

  const quiet = values.quiet;
  const bar = commandProgress(io, quiet, 'messages');
  let stopping = false;
  const onInterrupt =
    given.onInterrupt ??
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

  let result: BackfillResult;
  try {
    result = await backfill(
      { locations, queueUrl, since, until, sinceText: values.since, untilText: values.until, dryRun, restart: values.restart, batchSize },
      {
        lister: { pages: (location) => listS3Pages(s3, location) },
        ...(sqs && queueUrl !== undefined
          ? {
              queue: new S3NotificationQueue(
                new SqsWorkSender(sqs, queueUrl, { attempts: given.attempts, retryDelayMs: given.retryDelayMs, sleep: given.sleep }),
                { region, now },
              ),
            }
          : {}),
        ...(statePath !== undefined ? { state: new BackfillStateFile(statePath, queueUrl) } : {}),
        now,
        ...(given.flushIntervalMs !== undefined ? { flushIntervalMs: given.flushIntervalMs } : {}),
        interrupted: () => stopping,
        onProgress: (p) => bar.update(p),
      },
    );
  } catch (error) {
    if (error instanceof StateFileError) return fail(error.message);
    if (error instanceof ListingError) return fail(error.message);
    throw error;
  } finally {
    bar.done();
    release();
    if (!given.s3) s3.destroy();
    if (!given.sqs) sqs?.destroy();
  }

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
    io.err(`error: SQS did not take the messages: ${result.error.name}: ${result.error.message}`);
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

/** A queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`); returns its region when the host names one. */
function checkQueueUrl(value: string): string | undefined {
  if (value.startsWith('arn:'))
    throw new Error(`--queue-url takes the queue's URL, not its ARN (aws sqs get-queue-url --queue-name ${value.split(':').pop()})`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`--queue-url must be the queue's URL, such as https://sqs.eu-west-1.amazonaws.com/123456789012/k8s-audit-work (got "${value}")`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !/^\/\d{12}\/[\w-]{1,80}(\.fifo)?$/.test(url.pathname)) {
    throw new Error(`--queue-url must be the queue's URL, such as https://sqs.eu-west-1.amazonaws.com/123456789012/k8s-audit-work (got "${value}")`);
  }
  if (url.pathname.endsWith('.fifo')) throw new Error('--queue-url names a FIFO queue: S3 cannot notify FIFO queues, and the analyzer reads a standard one');
  return /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1] ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}

function batchOption(value: string | undefined): number {
  if (value === undefined) return MAX_BATCH;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH)
    throw new Error(`--batch must be a whole number from 1 to ${MAX_BATCH} (SendMessageBatch takes at most ${MAX_BATCH})`);
  return n;
}

function objects(n: number): string {
  return `${count(n)} ${n === 1 ? 'object' : 'objects'}`;
}
