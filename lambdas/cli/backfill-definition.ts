/** `backfill`'s options and help; backfill-command.ts, loaded when it runs, does the work. */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from './cli-context';
import { helpEnd } from './command-help';
import * as opt from './options';

/** SendMessageBatch takes at most this many messages (adapters/sqs-work-sender.ts MAX_BATCH, which loads the SDK). */
export const BATCH_LIMIT = 10;

/** A time as typed and as it was read: the default state file is named by the text, so `--since 90d` resumes tomorrow. */
export interface TypedTime {
  typed: string;
  at: Date;
}

/** What `backfill` is given, as commander parsed and checked it. */
export interface BackfillCommandOptions {
  queueUrl?: string;
  since?: TypedTime;
  until?: TypedTime;
  dryRun?: boolean;
  state?: string;
  restart?: boolean;
  batch: number;
  region?: string;
  profile?: string;
  quiet?: boolean;
}

const QUEUE_URL_EXAMPLE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/k8s-audit-work';

/** A queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`), checked. */
function queueUrlOption(value: string): string {
  if (value.startsWith('arn:'))
    throw new InvalidArgumentError(`--queue-url takes the queue's URL, not its ARN (aws sqs get-queue-url --queue-name ${value.split(':').pop()})`);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !/^\/\d{12}\/[\w-]{1,80}(\.fifo)?$/.test(url.pathname))
    throw new InvalidArgumentError(`--queue-url must be the queue's URL, such as ${QUEUE_URL_EXAMPLE}`);
  if (url.pathname.endsWith('.fifo'))
    throw new InvalidArgumentError('--queue-url names a FIFO queue: S3 cannot notify FIFO queues, and the analyzer reads a standard one');
  return value;
}

function batchOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > BATCH_LIMIT)
    throw new InvalidArgumentError(`--batch must be a whole number from 1 to ${BATCH_LIMIT} (SendMessageBatch takes at most ${BATCH_LIMIT})`);
  return n;
}

/** opt.time, keeping the text as typed next to the time it names. */
function typedTime(flags: string, description: string, now: () => Date): Option {
  const option = opt.time(flags, description, now);
  const toDate = option.parseArg as (value: string, previous: undefined) => Date;
  return option.argParser((value: string): TypedTime => ({ typed: value, at: toDate(value, undefined) }));
}

export function backfillCommandDefinition(ctx: CliContext): Command {
  return new Command('backfill')
    .summary("send existing S3 objects to the deployed analyzer's work queue, resumably")
    .description(
      "Lists the objects under the prefixes and sends each to the analyzer's SQS work queue as the notification S3 sends for " +
        'a new object (one ObjectCreated:Put record per message, with the message attribute source=backfill). The Lambda fleet ' +
        'then analyzes them in parallel, exactly as live traffic; the findings store keeps what it already has, so an object ' +
        'analyzed twice raises nothing twice.\n\n' +
        'Resuming: each object is recorded in the state file (with its ETag) once SQS accepted it; a second run of the same ' +
        'command skips what was sent, and sends again an object whose ETag changed. Ctrl-C stops after the batch in flight and ' +
        'keeps the state.\n\n' +
        "IAM: s3:ListBucket on the buckets (for the prefixes), sqs:SendMessage on the queue, and kms:GenerateDataKey and kms:Decrypt on the queue's KMS key.",
    )
    .argument('<locations...>', 's3://bucket/prefix locations')
    .addOption(
      new Option('--queue-url <url>', "the analyzer's work queue (the stack output WorkQueueUrl); required unless --dry-run").argParser(queueUrlOption),
    )
    .addOption(
      typedTime(
        '--since <time>',
        "only objects last modified from this time on, by S3's LastModified (keys are not parsed for dates): ISO date/time " +
          '(2026-08-01, 2026-08-01T10:00:00Z; UTC when no zone is given) or a duration back (90m, 24h, 30d)',
        ctx.now,
      ),
    )
    .addOption(typedTime('--until <time>', 'only objects last modified before this time (same forms as --since)', ctx.now))
    .option('--dry-run', 'list and count what would be sent (and what the state would skip); send nothing')
    .option(
      '--state <file>',
      'where progress is kept (default: .k8s-audit-analyzer/backfill-<hash>.json, the hash of the queue URL, the locations and --since/--until as typed)',
    )
    .option('--restart', 'ignore what the state file says was sent, and start over')
    .addOption(new Option('--batch <n>', `messages per SendMessageBatch call, 1 to ${BATCH_LIMIT}`).default(BATCH_LIMIT).argParser(batchOption))
    .addOption(new Option('--region <region>', "AWS region (default: the queue URL's, the profile's, AWS_REGION); S3 follows a bucket elsewhere"))
    .addOption(opt.profile())
    .addOption(opt.quiet())
    .addHelpText(
      'after',
      helpEnd(
        [
          'k8s-audit-analyzer backfill s3://my-audit-logs/clusters/prod-eu/ --dry-run --since 90d',
          'k8s-audit-analyzer backfill s3://my-audit-logs/clusters/prod-eu/ s3://my-audit-logs/clusters/prod-us/ \\',
          `    --queue-url ${QUEUE_URL_EXAMPLE} --since 2026-08-01 --until 2026-11-01`,
        ],
        [
          [0, 'done'],
          [2, 'usage error, AWS credentials or region, or the objects could not be listed; the line printed\nsays what to do'],
          [3, 'some messages could not be sent (what was sent is in the state file: run the command again\nto resume)'],
          [130, 'stopped by Ctrl-C (the state is kept)'],
        ],
      ),
    )
    .action(async (locations: string[], options: BackfillCommandOptions) => {
      const { runBackfill } = await import('./backfill-command');
      ctx.setExit(await runBackfill(locations, options, ctx));
    });
}
