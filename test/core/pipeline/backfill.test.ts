import type { BackfillOptions, BackfillResult } from '../../../lambdas/core/pipeline/backfill';
import { backfill, ListingError } from '../../../lambdas/core/pipeline/backfill';
import type { BackfillRecord, BackfillStateStore, ListedObject, ObjectLister, SendOutcome, WorkQueue } from '../../../lambdas/core/ports';
import { WorkQueueError } from '../../../lambdas/core/ports';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/k8s-audit-work';

const object = (key: string, at: string, eTag = `etag-${key}`, size = 100, bucket = 'audit-logs'): ListedObject => ({
  bucket,
  key,
  size,
  eTag,
  lastModified: new Date(at),
});
const uri = (o: ListedObject) => `s3://${o.bucket}/${o.key}`;

/** A lister over fixed pages per location; a location it does not know fails as S3 does. */
function lister(pages: Record<string, ListedObject[][]>): ObjectLister {
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- an async generator stands in for the paged listing
    pages: async function* (location) {
      const known = pages[location];
      if (!known) throw Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' });
      yield* known;
    },
  };
}

/** A queue that takes everything unless told otherwise, and remembers each batch it was given. */
class FakeQueue implements WorkQueue {
  readonly batches: string[][] = [];
  answer?: (objects: readonly ListedObject[], call: number) => SendOutcome;
  send(objects: readonly ListedObject[]): Promise<SendOutcome> {
    this.batches.push(objects.map(uri));
    const outcome = this.answer?.(objects, this.batches.length) ?? { accepted: objects.map((_, i) => i), rejected: [] };
    return Promise.resolve(outcome);
  }
  get sent(): string[] {
    return this.batches.flat();
  }
}

class MemoryState implements BackfillStateStore {
  readonly saves: BackfillRecord[] = [];
  loads = 0;
  constructor(public record?: BackfillRecord) {}
  load(): Promise<BackfillRecord | undefined> {
    this.loads++;
    return Promise.resolve(this.record && structuredClone(this.record));
  }
  save(record: BackfillRecord): Promise<void> {
    this.record = structuredClone(record);
    this.saves.push(this.record);
    return Promise.resolve();
  }
}

const EU = [
  [object('eu/1', '2026-08-01T00:00:00Z'), object('eu/2', '2026-09-01T00:00:00Z'), object('eu/old', '2026-07-31T23:59:59Z')],
  [object('eu/3', '2026-10-31T23:59:59Z'), object('eu/new', '2026-11-01T00:00:00Z')],
];
const US = [[object('us/1', '2026-09-02T00:00:00Z', undefined, 50), object('us/2', '2026-09-03T00:00:00Z', undefined, 50)]];
const PAGES = { 's3://audit-logs/eu/': EU, 's3://audit-logs/us/': US, 's3://audit-logs/': [...EU, ...US] };
const IN_RANGE = ['eu/1', 'eu/2', 'eu/3', 'us/1', 'us/2'].map((k) => `s3://audit-logs/${k}`);

const options = (over: Partial<BackfillOptions> = {}): BackfillOptions => ({
  locations: ['s3://audit-logs/eu/', 's3://audit-logs/us/'],
  queueUrl: QUEUE,
  since: new Date('2026-08-01T00:00:00Z'),
  until: new Date('2026-11-01T00:00:00Z'),
  sinceText: '2026-08-01',
  untilText: '2026-11-01',
  dryRun: false,
  restart: false,
  batchSize: 2,
  ...over,
});

async function run(
  over: Partial<BackfillOptions> = {},
  deps: { queue?: FakeQueue; state?: MemoryState; interrupted?: () => boolean; pages?: Record<string, ListedObject[][]> } = {},
) {
  const queue = deps.queue ?? new FakeQueue();
  const state = deps.state ?? new MemoryState();
  const progress: Array<{ objects: number; totalObjects: number; bytes: number; totalBytes: number }> = [];
  const result: BackfillResult = await backfill(options(over), {
    lister: lister(deps.pages ?? PAGES),
    queue,
    state,
    now: () => NOW,
    flushIntervalMs: 0,
    ...(deps.interrupted ? { interrupted: deps.interrupted } : {}),
    onProgress: (p) => progress.push(p),
  });
  return { result, queue, state, progress };
}

describe('backfill: stored objects through the analyzer fleet', () => {
  it('sends each object last modified in [since, until) once, in batches, and records its ETag', async () => {
    const { result, queue, state, progress } = await run();
    expect(queue.batches).toEqual([IN_RANGE.slice(0, 2), IN_RANGE.slice(2, 4), IN_RANGE.slice(4)]);
    expect(result).toEqual({ listed: 7, outOfRange: 2, skipped: 0, toSend: 5, toSendBytes: 400, sent: 5, sentBytes: 400, rejected: [], interrupted: false });
    expect(state.record).toEqual({
      queueUrl: QUEUE,
      locations: ['s3://audit-logs/eu/', 's3://audit-logs/us/'],
      since: '2026-08-01',
      until: '2026-11-01',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      sent: Object.fromEntries(IN_RANGE.map((u) => [u, `etag-${u.slice('s3://audit-logs/'.length)}`])),
    });
    expect(progress[0]).toEqual({ objects: 0, totalObjects: 5, bytes: 0, totalBytes: 400 });
    expect(progress.at(-1)).toEqual({ objects: 5, totalObjects: 5, bytes: 400, totalBytes: 400 });
  });

  it('lists an object under two overlapping locations once', async () => {
    const { result, queue } = await run({ locations: ['s3://audit-logs/', 's3://audit-logs/eu/'], since: undefined, until: undefined });
    expect(result.listed).toBe(7);
    expect(queue.sent.sort()).toEqual([...new Set(Object.values(PAGES).flat(2).map(uri))].sort());
  });

  it('skips what the record says was sent with the same ETag, sends a changed object again, and --restart ignores the record', async () => {
    const state = new MemoryState();
    await run({}, { state });
    const createdAt = state.record?.createdAt;
    state.record = { ...(state.record as BackfillRecord), createdAt: '2026-11-01T00:00:00.000Z' };
    state.record.sent['s3://audit-logs/eu/2'] = 'an older version';

    const again = await run({}, { state });
    expect(again.queue.sent).toEqual(['s3://audit-logs/eu/2']);
    expect(again.result).toMatchObject({ skipped: 4, toSend: 1, sent: 1 });
    expect(again.state.record?.createdAt).toBe('2026-11-01T00:00:00.000Z');
    expect(again.state.record?.sent['s3://audit-logs/eu/2']).toBe('etag-eu/2');
    expect(createdAt).toBe(NOW.toISOString());

    const loads = state.loads;
    const restart = await run({ restart: true }, { state });
    expect(state.loads).toBe(loads);
    expect(restart.queue.sent).toEqual(IN_RANGE);
  });

  it('a dry run counts what it would send and skip, and sends and saves nothing', async () => {
    const state = new MemoryState({
      queueUrl: QUEUE,
      locations: [],
      since: null,
      until: null,
      createdAt: '',
      updatedAt: '',
      sent: { 's3://audit-logs/eu/1': 'etag-eu/1' },
    });
    const { result, queue } = await run({ dryRun: true }, { state });
    expect(result).toMatchObject({ listed: 7, outOfRange: 2, skipped: 1, toSend: 4, toSendBytes: 300, sent: 0 });
    expect(queue.batches).toEqual([]);
    expect(state.saves).toEqual([]);
  });

  it('reports what the queue would not take by its URI and leaves it out of the record (the next run sends it)', async () => {
    const queue = new FakeQueue();
    queue.answer = (objects) => ({
      accepted: objects.map((_, i) => i).filter((i) => objects[i].key !== 'eu/3'),
      rejected: objects.flatMap((o, index) => (o.key === 'eu/3' ? [{ index, code: 'InvalidParameterValue', message: 'refused', senderFault: true }] : [])),
    });
    const { result, state } = await run({}, { queue });
    expect(result.rejected).toEqual([{ uri: 's3://audit-logs/eu/3', code: 'InvalidParameterValue', message: 'refused' }]);
    expect(result.sent).toBe(4);
    expect(Object.keys(state.record?.sent ?? {})).not.toContain('s3://audit-logs/eu/3');
    expect((await run({}, { state })).queue.sent).toEqual(['s3://audit-logs/eu/3']);
  });

  it('stops at a send that fails as a whole, keeping in the record what that send got through', async () => {
    const queue = new FakeQueue();
    queue.answer = (objects, call) => {
      if (call === 2) throw new WorkQueueError('AccessDenied', 'not authorized to perform: sqs:sendmessage', [1]);
      return { accepted: objects.map((_, i) => i), rejected: [] };
    };
    const { result, state } = await run({}, { queue });
    expect(queue.batches).toHaveLength(2);
    expect(result.error).toEqual({ name: 'AccessDenied', message: 'not authorized to perform: sqs:sendmessage' });
    expect(result.sent).toBe(3);
    expect(Object.keys(state.record?.sent ?? {}).sort()).toEqual([IN_RANGE[0], IN_RANGE[1], IN_RANGE[3]].sort());
  });

  it('an error other than the queue failing is not swallowed, and the record keeps what was sent before it', async () => {
    const queue = new FakeQueue();
    queue.answer = (objects, call) => {
      if (call === 2) throw new TypeError('a bug');
      return { accepted: objects.map((_, i) => i), rejected: [] };
    };
    const state = new MemoryState();
    await expect(run({}, { queue, state })).rejects.toThrow('a bug');
    expect(Object.keys(state.record?.sent ?? {})).toEqual(IN_RANGE.slice(0, 2));
  });

  it('stops after the batch in flight when interrupted; interrupted while listing, it sends nothing', async () => {
    const queue = new FakeQueue();
    const { result, state } = await run({}, { queue, interrupted: () => queue.batches.length >= 1 });
    expect(result).toMatchObject({ interrupted: true, sent: 2, toSend: 5 });
    expect(Object.keys(state.record?.sent ?? {})).toEqual(IN_RANGE.slice(0, 2));

    const early = await run({}, { interrupted: () => true });
    expect(early.result.interrupted).toBe(true);
    expect(early.result.listed).toBe(3); // cut after the first page
    expect(early.queue.batches).toEqual([]);
    expect(early.state.saves).toEqual([]);
  });

  it('saves the record before sending anything: a record that cannot be saved sends nothing', async () => {
    const state = new MemoryState();
    state.save = () => Promise.reject(new Error('read-only file system'));
    const queue = new FakeQueue();
    await expect(run({}, { queue, state })).rejects.toThrow('read-only file system');
    expect(queue.batches).toEqual([]);
  });

  it('names a location it cannot list, and sends nothing', async () => {
    const queue = new FakeQueue();
    const failure = run({ locations: ['s3://audit-logs/eu/', 's3://no-such-bucket/x/'] }, { queue });
    await expect(failure).rejects.toThrow(ListingError);
    await expect(failure).rejects.toThrow('cannot list s3://no-such-bucket/x/: NoSuchBucket: The specified bucket does not exist');
    expect(queue.batches).toEqual([]);
  });

  it('saves nothing when there is nothing to send, and needs a queue and a record to send', async () => {
    const { result, state } = await run({ until: new Date('2026-01-01T00:00:00Z') });
    expect(result).toMatchObject({ listed: 7, outOfRange: 7, toSend: 0 });
    expect(state.saves).toEqual([]);
    await expect(backfill(options(), { lister: lister(PAGES), now: () => NOW })).rejects.toThrow(
      'backfill needs the queue URL, a work queue and a state store to send',
    );
  });
});
