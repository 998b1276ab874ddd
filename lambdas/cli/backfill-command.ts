import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { S3Listed } from '../adapters/object-source';
import { isS3Uri, listS3Pages, parseS3Uri } from '../adapters/object-source';
import { s3NotificationBody } from '../adapters/s3-notification';
import type { RejectedMessage } from '../adapters/sqs-work-sender';
import { MAX_BATCH, SqsWorkSender, WorkQueueError } from '../adapters/sqs-work-sender';
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

/** The message attribute that marks backfill traffic (the analyzer ignores it). */
export const BACKFILL_ATTRIBUTES = { source: 'backfill' } as const;

const STATE_KIND = 'k8s-audit-analyzer/backfill-state@1';

/** The state file: what SQS accepted, by `s3://bucket/key`, with the ETag it had. */
export interface BackfillState {
  kind: typeof STATE_KIND;
  queueUrl: string;
  locations: string[];
  since: string | null;
  until: string | null;
  createdAt: string;
  updatedAt: string;
  /** `s3://bucket/key` → ETag (without quotes) of the object version sent. */
  sent: Record<string, string>;
}

export type ListedObject = S3Listed;

export interface BackfillOptions {
  locations: string[];
  queueUrl?: string;
  since?: Date;
  until?: Date;
  /** The range as typed, for the state file's name and contents. */
  sinceText?: string;
  untilText?: string;
  dryRun: boolean;
  statePath?: string;
  restart: boolean;
  batchSize: number;
  /** The region written into the notifications (the bucket's, which S3 requires to be the queue's). */
  region: string;
}

export interface BackfillDeps {
  s3: S3Client;
  /** Not needed for a dry run. */
  sqs?: SQSClient;
  now: () => Date;
  /** Sender retries: attempts per message and the first wait. */
  attempts?: number;
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Least time between two writes of the state file (it is always written when the run ends). Default 1000 ms. */
  flushIntervalMs?: number;
  /** True once the run should stop after the batch in flight. */
  interrupted?: () => boolean;
  onProgress?: (p: { objects: number; totalObjects: number; bytes: number; totalBytes: number }) => void;
}

export interface BackfillResult {
  /** Objects listed under the locations (folder markers left out, duplicates counted once). */
  listed: number;
  /** Listed objects last modified outside [since, until). */
  outOfRange: number;
  /** In range and already sent with the same ETag, per the state. */
  skipped: number;
  /** In range and not yet sent: what this run sends (or would send). */
  toSend: number;
  toSendBytes: number;
  sent: number;
  sentBytes: number;
  /** Messages SQS would not take after the retries. */
  rejected: Array<{ uri: string; code: string; message: string }>;
  /** The call that failed as a whole, when one did: the run stopped there. */
  error?: { name: string; message: string };
  interrupted: boolean;
  statePath?: string;
}

/** The state file a run uses unless told otherwise: one per queue, locations and range, under `dir`. */
export function defaultStatePath(dir: string, queueUrl: string, locations: readonly string[], since?: string, until?: string): string {
  const identity = JSON.stringify([queueUrl, [...new Set(locations)].sort(), since ?? '', until ?? '']);
  return join(dir, '.k8s-audit-analyzer', `backfill-${createHash('sha256').update(identity).digest('hex').slice(0, 12)}.json`);
}

/** Lists, filters, and sends (or, dry, counts) the objects; keeps the state file. */
export async function backfill(options: BackfillOptions, deps: BackfillDeps): Promise<BackfillResult> {
  const state = options.statePath && !options.restart ? await loadState(options.statePath, options) : undefined;
  const previously = state?.sent ?? {};

  const objects = await listObjects(deps.s3, options.locations, deps.interrupted);
  const since = options.since?.getTime() ?? -Infinity;
  const until = options.until?.getTime() ?? Infinity;
  const inRange = objects.filter((o) => o.lastModified.getTime() >= since && o.lastModified.getTime() < until);
  const pending = inRange.filter((o) => previously[uriOf(o)] !== o.eTag);
  const result: BackfillResult = {
    listed: objects.length,
    outOfRange: objects.length - inRange.length,
    skipped: inRange.length - pending.length,
    toSend: pending.length,
    toSendBytes: pending.reduce((n, o) => n + o.size, 0),
    sent: 0,
    sentBytes: 0,
    rejected: [],
    interrupted: false,
    ...(options.statePath ? { statePath: options.statePath } : {}),
  };
  if (deps.interrupted?.()) return { ...result, interrupted: true };
  if (options.dryRun || pending.length === 0) return result;
  if (!deps.sqs || !options.queueUrl || !options.statePath) throw new Error('backfill needs the queue URL, an SQS client and a state file to send');

  const now = deps.now().toISOString();
  const current: BackfillState = {
    kind: STATE_KIND,
    queueUrl: options.queueUrl,
    locations: options.locations,
    since: options.sinceText ?? null,
    until: options.untilText ?? null,
    createdAt: state?.createdAt ?? now,
    updatedAt: now,
    sent: { ...previously },
  };
  const sender = new SqsWorkSender(deps.sqs, options.queueUrl, { attempts: deps.attempts, retryDelayMs: deps.retryDelayMs, sleep: deps.sleep });
  const flushInterval = deps.flushIntervalMs ?? 1000;
  let flushedAt = Date.now();
  let dirty = false;
  const flush = async (): Promise<void> => {
    current.updatedAt = deps.now().toISOString();
    await saveState(options.statePath as string, current);
    flushedAt = Date.now();
    dirty = false;
  };

  const progress = () =>
    deps.onProgress?.({ objects: result.sent + result.rejected.length, totalObjects: result.toSend, bytes: result.sentBytes, totalBytes: result.toSendBytes });
  // Written once before anything is sent: a state file that cannot be written stops the run here.
  await flush();
  progress();
  try {
    for (let start = 0; start < pending.length; start += options.batchSize) {
      if (deps.interrupted?.()) {
        result.interrupted = true;
        break;
      }
      const batch = pending.slice(start, start + options.batchSize);
      const eventTime = deps.now().toISOString();
      const messages = batch.map((o) => ({
        body: s3NotificationBody({ bucket: o.bucket, key: o.key, size: o.size, eTag: o.eTag, eventTime, region: options.region }),
        attributes: { ...BACKFILL_ATTRIBUTES },
      }));
      let accepted: number[];
      let rejected: RejectedMessage[] = [];
      try {
        ({ accepted, rejected } = await sender.send(messages));
      } catch (error) {
        if (!(error instanceof WorkQueueError)) throw error;
        accepted = error.accepted;
        result.error = { name: error.code, message: error.message };
      }
      for (const index of accepted) {
        const o = batch[index];
        current.sent[uriOf(o)] = o.eTag;
        result.sent++;
        result.sentBytes += o.size;
        dirty = true;
      }
      for (const r of rejected) result.rejected.push({ uri: uriOf(batch[r.index]), code: r.code, message: r.message });
      progress();
      if (result.error) break;
      if (dirty && Date.now() - flushedAt >= flushInterval) await flush();
    }
  } finally {
    if (dirty) await flush();
  }
  return result;
}

/** `k8s-audit-analyzer backfill …`: returns the exit code. Clients and the clock can be given (tests); by default the standard AWS credential chain. */
export async function backfillCommand(
  argv: string[],
  io: Io,
  given: Partial<BackfillDeps> & { cwd?: string; onInterrupt?: (stop: () => void) => () => void } = {},
): Promise<number> {
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
      { locations, queueUrl, since, until, sinceText: values.since, untilText: values.until, dryRun, statePath, restart: values.restart, batchSize, region },
      {
        ...given,
        s3,
        sqs,
        now,
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

class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

class ListingError extends Error {
  override readonly name = 'ListingError';
}

function uriOf(o: { bucket: string; key: string }): string {
  return `s3://${o.bucket}/${o.key}`;
}

/** Every object under the locations (all pages), folder markers left out, each once, in listing order; cut short by Ctrl-C. */
async function listObjects(s3: S3Client, locations: readonly string[], interrupted: () => boolean = () => false): Promise<ListedObject[]> {
  const seen = new Set<string>();
  const objects: ListedObject[] = [];
  for (const location of locations) {
    try {
      for await (const page of listS3Pages(s3, location)) {
        for (const object of page) {
          if (seen.has(uriOf(object))) continue;
          seen.add(uriOf(object));
          objects.push(object);
        }
        if (interrupted()) return objects;
      }
    } catch (error) {
      const e = error as Error;
      throw new ListingError(`cannot list ${location}: ${e.name}: ${e.message}`, { cause: error });
    }
  }
  return objects;
}

async function loadState(path: string, options: BackfillOptions): Promise<BackfillState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(`cannot read the state file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let state: BackfillState;
  try {
    state = JSON.parse(text) as BackfillState;
  } catch (error) {
    throw new StateFileError(`the state file ${path} is not JSON (${(error as Error).message}); remove it or run with --restart`, { cause: error });
  }
  if (state?.kind !== STATE_KIND || typeof state.sent !== 'object' || state.sent === null)
    throw new StateFileError(`${path} is not a backfill state file (${STATE_KIND}); remove it or give another --state`);
  // What was sent to one queue says nothing about another.
  if (options.queueUrl !== undefined && state.queueUrl !== options.queueUrl) {
    throw new StateFileError(
      `the state file ${path} records messages sent to ${state.queueUrl}, not ${options.queueUrl}; give another --state, or --restart to overwrite it`,
    );
  }
  return state;
}

/** Writes the state to a temporary file beside it, then renames it over the old one: a crash leaves the old state or the new, never half of one. */
async function saveState(path: string, state: BackfillState): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(state));
    await rename(temp, path);
  } catch (error) {
    throw new StateFileError(`cannot write the state file ${path}: ${(error as Error).message}`, { cause: error });
  }
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
