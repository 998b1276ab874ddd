import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { objectsInMessage } from '../../lambdas/analyzer/s3-event';
import type { BackfillState } from '../../lambdas/adapters/backfill-state-file';
import { defaultStatePath } from '../../lambdas/cli/backfill-command';
import { BATCH_LIMIT } from '../../lambdas/cli/backfill-definition';
import { decimalBytes as bytes } from '../../lambdas/cli/units';
import { main } from '../../lambdas/cli/main';
import { expectCommandHelp } from '../helpers/cli-help';
import { MAX_BATCH } from '../../lambdas/adapters/sqs-work-sender';
import { localS3Client } from '../../devkit/local-s3';
import type { LocalSqs } from '../../devkit/local-sqs';
import { accessDenied, startLocalSqs } from '../../devkit/local-sqs';

// s3rver ships no types; this is the part of its API the tests use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: { port: number; address: string; silent: boolean; directory: string; resetOnClose: boolean }) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
};

const NOW = new Date('2026-11-30T12:00:00.000Z');
const RANGE = ['--since', '2026-08-01', '--until', '2026-11-01'];

interface Put {
  bucket: string;
  key: string;
  /** S3's LastModified. */
  at: string;
  body?: string;
}

// Months of history: prod-eu from July to November (July and November outside RANGE), prod-us,
// staging (not asked for), and a second bucket; keys with spaces, a plus, a percent and unicode.
const special = ['clusters/prod-eu/2026/10/01/audit log é 日本 +1.gz', 'clusters/prod-eu/2026/10/02/100% done.gz', 'clusters/prod-eu/2026/10/03/a+b%2Bc.gz'];
const OBJECTS: Put[] = [
  ...Array.from({ length: 20 }, (_, i) => ({
    bucket: 'audit-logs',
    key: `clusters/prod-eu/2026/${8 + Math.floor(i / 7)}/${String(1 + (i % 7) * 4).padStart(2, '0')}/audit-${i}.jsonl.gz`,
    at: `2026-${String(8 + Math.floor(i / 7)).padStart(2, '0')}-${String(1 + (i % 7) * 4).padStart(2, '0')}T10:00:00Z`,
  })),
  ...special.map((key, i) => ({ bucket: 'audit-logs', key, at: `2026-10-0${i + 1}T12:00:00Z` })),
  { bucket: 'audit-logs', key: 'clusters/prod-eu/2026/07/31/too-old.gz', at: '2026-07-31T23:59:59Z' },
  { bucket: 'audit-logs', key: 'clusters/prod-eu/2026/11/01/too-new.gz', at: '2026-11-01T00:00:00Z' },
  ...Array.from({ length: 4 }, (_, i) => ({
    bucket: 'audit-logs',
    key: `clusters/prod-us/2026/09/0${i + 1}/audit-${i}.gz`,
    at: `2026-09-0${i + 1}T00:00:00Z`,
  })),
  { bucket: 'audit-logs', key: 'clusters/staging/2026/09/01/audit.gz', at: '2026-09-01T00:00:00Z' },
  { bucket: 'other-logs', key: 'eks/prod-ap/2026/09/01/audit.gz', at: '2026-09-01T00:00:00Z' },
  { bucket: 'other-logs', key: 'eks/prod-ap/2026/09/02/audit.gz', at: '2026-09-02T00:00:00Z' },
];
const LOCATIONS = ['s3://audit-logs/clusters/prod-eu/', 's3://audit-logs/clusters/prod-us/', 's3://other-logs/eks/'];
const uri = (p: { bucket: string; key: string }) => `s3://${p.bucket}/${p.key}`;
const inRange = (p: Put) => p.at >= '2026-08-01' && p.at < '2026-11-01';
const EXPECTED = OBJECTS.filter((p) => !p.key.startsWith('clusters/staging/') && inRange(p));
const bodyOf = (p: Put) => p.body ?? `audit log ${p.key}\n`;

describe('k8s-audit-analyzer backfill', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backfill-'));
  const s3dir = join(dir, 's3');
  let server: InstanceType<typeof S3rver>;
  let s3: S3Client;
  let sqs: LocalSqs;
  let queueUrl: string;

  /**
   * Puts an object with the real client, then sets its LastModified (s3rver reads it from the
   * file's mtime). s3rver answers before its write stream has even opened the file, so the file
   * is awaited whole first: setting the time earlier fails (ENOENT) or is undone by the write.
   */
  const put = async (p: Put): Promise<void> => {
    await s3.send(new PutObjectCommand({ Bucket: p.bucket, Key: p.key, Body: bodyOf(p) }));
    const parts = p.key.split('/');
    const file = join(s3dir, p.bucket, ...parts.slice(0, -1), `${parts[parts.length - 1]}._S3rver_object`);
    const size = Buffer.byteLength(bodyOf(p));
    for (let waited = 0; statSync(file, { throwIfNoEntry: false })?.size !== size; waited += 10) {
      if (waited > 5_000) throw new Error(`s3rver did not write ${file}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    utimesSync(file, new Date(p.at), new Date(p.at));
  };

  async function run(
    argv: string[],
    options: { interruptAfterCalls?: number; interruptAtOnce?: boolean; errStream?: NodeJS.WriteStream; cwd?: string } = {},
  ): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    let stop: (() => void) | undefined;
    const calls = sqs.requests.length;
    if (options.interruptAfterCalls !== undefined) {
      sqs.failRequest = () => {
        if (sqs.requests.length - calls === options.interruptAfterCalls) stop?.();
        return undefined;
      };
    }
    const code = await main(
      ['backfill', ...argv],
      { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n'), env: options.errStream ? {} : { CI: 'true' }, errStream: options.errStream },
      {
        now: () => NOW,
        deps: {
          backfill: {
            s3,
            sqs: sqs.client,
            cwd: options.cwd ?? dir,
            retryDelayMs: 0,
            flushIntervalMs: 0,
            onInterrupt: (s) => {
              stop = s;
              if (options.interruptAtOnce) s();
              return () => (stop = undefined);
            },
          },
        },
      },
    );
    return { code, out, err };
  }
  const state = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as BackfillState;
  /** The objects the queue received, read back as the analyzer reads them. */
  const received = () => sqs.messages.flatMap((m) => objectsInMessage(m.body).map((ref) => uri(ref)));
  const reset = () => {
    sqs.messages.length = 0;
    sqs.requests.length = 0;
    sqs.failEntry = undefined;
    sqs.failRequest = undefined;
  };

  beforeAll(async () => {
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, resetOnClose: true });
    const { port } = await server.run();
    s3 = localS3Client(`http://127.0.0.1:${port}`);
    for (const bucket of ['audit-logs', 'other-logs', 'empty-logs']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: 'audit-logs', Key: 'clusters/prod-eu/', Body: Buffer.alloc(0), ContentLength: 0 })); // a folder marker
    for (const p of OBJECTS) await put(p);
    sqs = await startLocalSqs();
    queueUrl = sqs.createQueue('k8s-audit-work');
  });
  afterAll(async () => {
    s3.destroy();
    await server.close();
    await sqs.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(reset);

  it('sends every object of the range once, as the notification S3 sends, in batches of at most ten', async () => {
    const { code, out, err } = await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'first.json']);
    expect(err).toBe('note: 2 last modified outside --since/--until, left out\n');
    expect(code).toBe(0);
    const total = EXPECTED.reduce((n, p) => n + Buffer.byteLength(bodyOf(p)), 0);
    expect(out).toBe(`sent ${EXPECTED.length} objects (${bytes(total)}) to ${queueUrl}\n`);

    expect(received().sort()).toEqual(EXPECTED.map(uri).sort());
    expect(sqs.requests.every((r) => r.operation === 'SendMessageBatch' && (r.entries ?? 0) <= 10)).toBe(true);
    expect(sqs.requests.map((r) => r.entries)).toEqual([10, 10, 9]);
    for (const m of sqs.messages) {
      const record = (JSON.parse(m.body) as { Records: Array<Record<string, unknown> & { s3: { object: { key: string; size: number; eTag: string } } }> })
        .Records;
      expect(record).toHaveLength(1);
      expect(record[0]).toMatchObject({
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: NOW.toISOString(),
        eventName: 'ObjectCreated:Put',
      });
      const [ref] = objectsInMessage(m.body);
      const p = EXPECTED.find((e) => uri(e) === uri(ref)) as Put;
      expect(ref.size).toBe(Buffer.byteLength(bodyOf(p)));
      expect(record[0].s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
      expect(m.attributes).toEqual({ source: { dataType: 'String', stringValue: 'backfill' } });
    }
    // Keys with spaces, a plus, a percent and unicode arrive form-encoded and read back whole.
    const keys = sqs.messages.map((m) => (JSON.parse(m.body) as { Records: Array<{ s3: { object: { key: string } } }> }).Records[0].s3.object.key);
    expect(keys).toContain('clusters/prod-eu/2026/10/01/audit+log+%C3%A9+%E6%97%A5%E6%9C%AC+%2B1.gz');
    expect(received()).toEqual(expect.arrayContaining(special.map((key) => `s3://audit-logs/${key}`)));

    const saved = state('first.json');
    expect(saved).toMatchObject({ kind: 'k8s-audit-analyzer/backfill-state@1', queueUrl, locations: LOCATIONS, since: '2026-08-01', until: '2026-11-01' });
    expect(Object.keys(saved.sent).sort()).toEqual(EXPECTED.map(uri).sort());
    expect(Object.values(saved.sent).every((etag) => /^[0-9a-f]{32}$/.test(etag))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a second run sends nothing and says how many were sent before; a changed object is sent again; --restart sends all', async () => {
    await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'again.json']);
    reset();
    const second = await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'again.json']);
    expect(second.code).toBe(0);
    expect(second.out).toBe(`sent 0 objects (0 B) to ${queueUrl}; ${EXPECTED.length} already sent before, skipped\n`);
    expect(sqs.requests).toEqual([]);

    const changed = { ...EXPECTED[3], body: 'rewritten with more content\n' };
    await put(changed);
    const third = await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'again.json']);
    expect(third.code).toBe(0);
    expect(third.out).toBe(`sent 1 object (28 B) to ${queueUrl}; ${EXPECTED.length - 1} already sent before, skipped\n`);
    expect(received()).toEqual([uri(changed)]);
    await put(EXPECTED[3]);

    reset();
    const restart = await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'again.json', '--restart']);
    expect(restart.code).toBe(0);
    expect(received()).toHaveLength(EXPECTED.length);
  });

  it('--dry-run lists and counts without sending, needing no queue; with the queue it counts what the state would skip', async () => {
    const total = EXPECTED.reduce((n, p) => n + Buffer.byteLength(bodyOf(p)), 0);
    const dry = await run([...LOCATIONS, ...RANGE, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toBe(`dry run: ${EXPECTED.length} objects (${bytes(total)}) to send; 2 last modified outside --since/--until, left out\n`);
    expect(dry.err).toMatch(/no state/);

    await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'dry.json', '--batch', '5']);
    reset();
    const withState = await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'dry.json', '--dry-run']);
    expect(withState.code).toBe(0);
    expect(withState.out).toBe(
      `dry run: 0 objects (0 B) to send to ${queueUrl}; ${EXPECTED.length} already sent before, would be skipped; 2 last modified outside --since/--until, left out\n`,
    );
    // Durations back from the (injected) now: 91d is 2026-08-31T12:00Z, 89d 2026-09-02T12:00Z.
    const recent = await run(['s3://audit-logs/clusters/prod-us/', '--since', '91d', '--dry-run', '-q']);
    expect(recent.out).toMatch(/^dry run: 4 objects \(\d+ B\) to send$/m);
    const older = await run(['s3://audit-logs/clusters/prod-us/', '--since', '89d', '--dry-run', '-q']);
    expect(older.out).toMatch(/^dry run: 2 objects/m);
    expect(sqs.requests).toEqual([]);
  });

  it('--batch N sends N messages per call', async () => {
    const { code } = await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', queueUrl, '--state', 'batch.json', '--batch', '3']);
    expect(code).toBe(0);
    expect(sqs.requests.map((r) => r.entries)).toEqual([3, 1]);
  });

  it('retries the entries SQS reports as failed, and succeeds', async () => {
    const failed = new Set<string>();
    sqs.failEntry = ({ body }) => {
      const [ref] = objectsInMessage(body);
      if (!ref.key.includes('audit-1') || failed.has(ref.key)) return undefined;
      failed.add(ref.key);
      return { code: 'InternalError', message: 'try again', senderFault: false };
    };
    const { code, out } = await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'partial.json']);
    expect(code).toBe(0);
    expect(failed.size).toBeGreaterThan(0);
    expect(out).toMatch(new RegExp(`^sent ${EXPECTED.length} objects`));
    expect(received().sort()).toEqual(EXPECTED.map(uri).sort()); // each once
  });

  it('stops at a persistent AccessDenied with exit 3, keeps the state, and a rerun resumes where it stopped', async () => {
    sqs.failRequest = () => (sqs.requests.length > 2 ? accessDenied(queueUrl) : undefined);
    const failed = await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'denied.json']);
    expect(failed.code).toBe(3);
    expect(failed.out).toBe(
      `sent 20 objects (${bytes(received().reduce((n, u) => n + Buffer.byteLength(bodyOf(EXPECTED.find((p) => uri(p) === u) as Put)), 0))}) to ${queueUrl}; ${EXPECTED.length - 20} not sent\n`,
    );
    // In one line that says what to do, as every AWS error the CLI prints.
    expect(failed.err).toMatch(
      /^error: SQS did not take the messages: access denied \(User: .* is not authorized to perform: sqs:sendmessage.*\): the credentials in use lack the permission; check the identity/m,
    );
    expect(failed.err).toMatch(/state is kept in .*denied\.json: run the same command again to resume/);
    const first = received();
    expect(Object.keys(state('denied.json').sent).sort()).toEqual([...first].sort());

    sqs.failRequest = undefined;
    const rerun = await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'denied.json']);
    expect(rerun.code).toBe(0);
    expect(rerun.out).toMatch(new RegExp(`^sent ${EXPECTED.length - 20} objects .*; 20 already sent before, skipped$`, 'm'));
    expect(received().sort()).toEqual(EXPECTED.map(uri).sort()); // no duplicates
  });

  it('reports the messages SQS would not take at all and exits 3; they are sent on the next run', async () => {
    sqs.failEntry = ({ body }) =>
      objectsInMessage(body)[0].key.endsWith('audit-2.gz') ? { code: 'InvalidParameterValue', message: 'refused', senderFault: true } : undefined;
    const { code, out, err } = await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', queueUrl, '--state', 'rejected.json']);
    expect(code).toBe(3);
    expect(out).toMatch(/^sent 3 objects .*; 1 not sent$/m);
    expect(err).toMatch(
      /SQS rejected 1 message after retries:\n {2}s3:\/\/audit-logs\/clusters\/prod-us\/2026\/09\/03\/audit-2\.gz: InvalidParameterValue: refused/,
    );
    sqs.failEntry = undefined;
    const again = await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', queueUrl, '--state', 'rejected.json']);
    expect(again.out).toMatch(/^sent 1 object \(\d+ B\) to .*; 3 already sent before, skipped$/m);
  });

  it('Ctrl-C stops after the batch in flight, keeps the state, and exits 130', async () => {
    const { code, out, err } = await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'interrupted.json'], { interruptAfterCalls: 1 });
    expect(code).toBe(130);
    expect(out).toMatch(/^sent 10 objects/);
    expect(err).toMatch(/stopping after the batch in flight/);
    expect(err).toMatch(/stopped by Ctrl-C; the state is kept in/);
    expect(Object.keys(state('interrupted.json').sent)).toHaveLength(10);
    reset();
    expect((await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'interrupted.json'])).out).toMatch(
      new RegExp(`^sent ${EXPECTED.length - 10} objects .*; 10 already sent before, skipped`),
    );

    reset();
    const early = await run([...LOCATIONS, '--queue-url', queueUrl, ...RANGE, '--state', 'early.json'], { interruptAtOnce: true });
    expect(early.code).toBe(130);
    expect(early.err).toMatch(/stopped by Ctrl-C before anything was sent/);
    expect(sqs.requests).toEqual([]);
  });

  it('sends nothing when the state file cannot be written', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const { code, err } = await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', queueUrl, '--state', 'a-file/state.json']);
    expect(code).toBe(2);
    expect(err).toMatch(/cannot read the state file .*a-file\/state\.json: ENOTDIR/);
    const restart = await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', queueUrl, '--state', 'a-file/state.json', '--restart']);
    expect(restart.code).toBe(2);
    expect(restart.err).toMatch(/cannot write the state file .*a-file\/state\.json: (EEXIST|ENOTDIR)/);
    expect(sqs.requests).toEqual([]);
  });

  it('keeps the state by default in .k8s-audit-analyzer/, one file per queue, locations and range', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const { code } = await run(['s3://other-logs/eks/', '--queue-url', queueUrl, '--since', '120d'], { cwd });
    expect(code).toBe(0);
    const files = readdirSync(join(cwd, '.k8s-audit-analyzer'));
    expect(files).toEqual([expect.stringMatching(/^backfill-[0-9a-f]{12}\.json$/)]);
    expect(join(cwd, '.k8s-audit-analyzer', files[0])).toBe(defaultStatePath(cwd, queueUrl, ['s3://other-logs/eks/'], '120d'));
    expect(defaultStatePath(cwd, queueUrl, ['s3://other-logs/eks/'], '60d')).not.toBe(defaultStatePath(cwd, queueUrl, ['s3://other-logs/eks/'], '120d'));
    expect(defaultStatePath(cwd, queueUrl, ['s3://b/x', 's3://b/y'])).toBe(defaultStatePath(cwd, queueUrl, ['s3://b/y', 's3://b/x']));
  });

  it('draws progress (objects, bytes, messages/s) on a terminal, the summary on stdout', async () => {
    let drawn = '';
    const tty = { isTTY: true, write: (s: string) => ((drawn += s), true) } as unknown as NodeJS.WriteStream;
    const { code, out } = await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', queueUrl, '--state', 'tty.json'], { errStream: tty });
    expect(code).toBe(0);
    expect(drawn.startsWith('\r\x1b[K[')).toBe(true);
    expect(drawn).toMatch(/\[#{24}\] 100% {2}4\/4 objects {2}\d+ B of \d+ B {2}\d+ messages\/s/);
    expect(drawn.endsWith('\r\x1b[K')).toBe(true);
    expect(out).toMatch(/^sent 4 objects/);
  });

  it('exits 0 with a note when there is nothing to send', async () => {
    const empty = await run(['s3://empty-logs/', '--queue-url', queueUrl, '--state', 'empty.json']);
    expect(empty.code).toBe(0);
    expect(empty.err).toMatch(/^note: no objects under s3:\/\/empty-logs\/: nothing to send$/m);
    expect(empty.out).toBe(`sent 0 objects (0 B) to ${queueUrl}\n`);
    const outside = await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', queueUrl, '--until', '2026-01-01', '--state', 'outside.json']);
    expect(outside.code).toBe(0);
    expect(outside.err).toMatch(/none of the 4 objects under .* was last modified in the --since\/--until range/);
    expect(sqs.requests).toEqual([]);
    expect(existsSync(join(dir, 'empty.json'))).toBe(false);
  });

  it('refuses a state file for another queue, or one that is not a state file, unless told to --restart', async () => {
    await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', queueUrl, '--state', 'other-queue.json']);
    const otherQueue = sqs.createQueue('other');
    const refused = await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', otherQueue, '--state', 'other-queue.json']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/records messages sent to .*k8s-audit-work, not .*other; give another --state, or --restart/);
    writeFileSync(join(dir, 'torn.json'), '{"kind":"k8s-audit-analyzer/backf');
    const torn = await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', queueUrl, '--state', 'torn.json']);
    expect(torn.code).toBe(2);
    expect(torn.err).toMatch(/torn\.json is not JSON .*--restart/);
    reset();
    expect((await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', otherQueue, '--state', 'torn.json', '--restart'])).code).toBe(0);
    expect(sqs.messages.every((m) => m.queueUrl === otherQueue)).toBe(true);
  });

  it('names a bucket it cannot list (exit 2) and a queue that does not exist (exit 3)', async () => {
    const listing = await run(['s3://no-such-bucket/x/', '--queue-url', queueUrl, '--state', 'nolist.json']);
    expect(listing.code).toBe(2);
    expect(listing.err).toMatch(/^error: cannot list s3:\/\/no-such-bucket\/x\/: no such bucket \(.*\): check the s3:\/\/ location and the account$/m);
    const missing = await run(['s3://audit-logs/clusters/prod-us/', '--queue-url', `${sqs.endpoint}/000000000000/missing`, '--state', 'missing.json']);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/QueueDoesNotExist: The specified queue does not exist/);
  });

  it.each([
    [['backfill'], /error: missing required argument 'locations'/],
    [['backfill', './logs'], /backfill reads S3 only: \.\/logs is not an s3:\/\/bucket\/prefix location/],
    [['backfill', 's3://audit-logs/x'], /needs --queue-url URL/],
    [['backfill', 's3://audit-logs/x', '--queue-url', 'arn:aws:sqs:eu-west-1:123456789012:work'], /not its ARN \(aws sqs get-queue-url --queue-name work\)/],
    [['backfill', 's3://audit-logs/x', '--queue-url', 'work'], /--queue-url must be the queue's URL/],
    [['backfill', 's3://audit-logs/x', '--queue-url', 'https://sqs.eu-west-1.amazonaws.com/123456789012/work.fifo'], /FIFO queue/],
    [['backfill', 's3://audit-logs/x', '--dry-run', '--since', 'last week'], /"last week" is not a time/],
    [['backfill', 's3://audit-logs/x', '--dry-run', '--since', '2026-10-01', '--until', '2026-09-01'], /--since must be before --until/],
    [['backfill', 's3://audit-logs/x', '--dry-run', '--batch', '11'], /--batch must be a whole number from 1 to 10/],
    [['backfill', 's3://audit-logs/x', '--dry-run', '--bogus'], /error: unknown option '--bogus'/],
    [['backfill', 's3://audit-logs/x', '--dryrun'], /error: unknown option '--dryrun'\n\(Did you mean --dry-run\?\)/],
  ])('usage errors exit 2 with a reason: %j', async (argv, message) => {
    let err = '';
    const code = await main(argv, { out: () => undefined, err: (s) => (err += s + '\n'), env: { CI: 'true' } });
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toMatch(/Run 'k8s-audit-analyzer backfill --help' for usage\./);
  });

  it('prints its own help on stdout: every option, examples and its exit codes, 130 included', async () => {
    let out = '';
    let err = '';
    const code = await main(['backfill', '--help'], { out: (s) => (out += s + '\n'), err: (s) => (err += s) });
    expectCommandHelp(
      { code, out, err },
      ['backfill'],
      ['--queue-url', '--since', '--until', '--dry-run', '--state', '--restart', '--batch', '--region', '--profile', '--quiet', '--help'],
      [0, 2, 3, 130],
    );
    expect(out).toMatch(/keys are\s+not parsed for dates/);
    expect(out).toMatch(/--batch <n> +messages per SendMessageBatch call, 1 to 10 \(default: 10\)/);
    let mainHelp = '';
    await main(['--help'], { out: (s) => (mainHelp += s), err: () => undefined });
    expect(mainHelp).toMatch(/^ {2}backfill \[options\] <locations\.\.\.> +send existing S3 objects/m);
  });

  it("batches at most SendMessageBatch's limit, as the sender knows it", () => {
    expect(BATCH_LIMIT).toBe(MAX_BATCH);
  });
});
