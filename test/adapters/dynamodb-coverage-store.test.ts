import type { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CLUSTER_REGISTRY_KEY, coverageKey, DynamoDbCoverageStore, periodDays } from '../../lambdas/adapters/dynamodb-coverage-store';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../devkit/local-dynamodb';

const TABLE = 'coverage';
const WEEK = { from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' };

describe('the coverage store against a local DynamoDB (dynalite)', () => {
  let db: LocalDynamoDb;
  beforeAll(async () => {
    db = await startLocalDynamoDb();
    await createFindingsTable(db.client, TABLE);
  });
  afterAll(async () => db.stop());

  it('keys coverage by cluster and UTC day, and a period by its first and last day', () => {
    expect(coverageKey('prod-eu', '2026-11-23')).toEqual({ pk: 'V#prod-eu', sk: '2026-11-23' });
    expect(periodDays(WEEK)).toEqual(['2026-11-23', '2026-11-29']);
    expect(periodDays({ from: '2026-11-29T00:00:00Z', to: '2026-11-30T00:00:00Z' })).toEqual(['2026-11-29', '2026-11-29']);
    expect(periodDays({ from: '2026-11-29T10:00:00Z', to: '2026-11-30T00:00:01Z' })).toEqual(['2026-11-29', '2026-11-30']);
  });

  it('adds counters atomically with one UpdateItem per call, and sets the TTL past the findings retention', async () => {
    const store = new DynamoDbCoverageStore(db.documents, TABLE, 30);
    await Promise.all(Array.from({ length: 10 }, () => store.record('prod-eu', '2026-11-24', { Metadata: 3, RequestResponse: 1 }, 1)));
    await store.record('prod-eu', '2026-11-24', { None: 2 }, 1);
    const { Item } = await db.documents.send(new GetCommand({ TableName: TABLE, Key: coverageKey('prod-eu', '2026-11-24') }));
    expect(Item).toMatchObject({ cluster: 'prod-eu', day: '2026-11-24', objects: 11, Metadata: 30, RequestResponse: 10, None: 2 });
    expect(Item?.Request).toBeUndefined();
    expect(Item?.expiresAt).toBe(Date.parse('2026-11-25T00:00:00Z') / 1000 + 30 * 86_400);
  });

  it('sums the period days of one cluster with a Query, leaving out other days and clusters', async () => {
    const store = new DynamoDbCoverageStore(db.documents, TABLE);
    await store.record('sum', '2026-11-22', { Metadata: 1000 }, 9); // the day before
    await store.record('sum', '2026-11-23', { Metadata: 5, Request: 2 }, 1);
    await store.record('sum', '2026-11-29', { Metadata: 7 }, 2);
    await store.record('sum', '2026-11-30', { Metadata: 1000 }, 9); // the day after
    await store.record('sum-other', '2026-11-25', { Metadata: 1000 }, 9);
    const sent = jest.spyOn(db.documents, 'send');
    try {
      expect(await store.coverage('sum', WEEK)).toEqual({ cluster: 'sum', objects: 3, byLevel: { Metadata: 12, Request: 2 } });
      expect(sent.mock.calls.map(([command]) => command.constructor.name)).toEqual(['QueryCommand']);
      expect((sent.mock.calls[0][0] as QueryCommand).input).toMatchObject({ KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last' });
    } finally {
      sent.mockRestore();
    }
    expect(await store.coverage('never-seen', WEEK)).toEqual({ cluster: 'never-seen', objects: 0, byLevel: {} });
  });

  it('registers a cluster once per instance (cached), and lists every registered cluster sorted', async () => {
    const first = new DynamoDbCoverageStore(db.documents, TABLE);
    const sent = jest.spyOn(db.documents, 'send');
    try {
      await first.record('zeta', '2026-11-24', { Metadata: 1 }, 1);
      await first.record('zeta', '2026-11-24', { Metadata: 1 }, 1);
      await first.record('zeta', '2026-11-25', { Metadata: 1 }, 1);
      const registryWrites = sent.mock.calls.filter(
        ([c]) => c instanceof UpdateCommand && (c.input.Key as Record<string, string>).pk === CLUSTER_REGISTRY_KEY.pk,
      );
      expect(registryWrites).toHaveLength(1);
      expect(sent).toHaveBeenCalledTimes(4); // three coverage updates, one registry update
    } finally {
      sent.mockRestore();
    }
    // Another execution environment registers it again: a set ADD, so nothing changes.
    await new DynamoDbCoverageStore(db.documents, TABLE).record('zeta', '2026-11-24', {}, 1);
    await new DynamoDbCoverageStore(db.documents, TABLE).record('-', '2026-11-24', {}, 1);
    const clusters = await first.clusters();
    expect(clusters).toEqual([...clusters].sort());
    expect(clusters).toEqual(expect.arrayContaining(['-', 'prod-eu', 'sum', 'sum-other', 'zeta']));
    expect(clusters.filter((c) => c === 'zeta')).toHaveLength(1);
  });

  it('registers again after a failed registry write, and returns no clusters from an empty registry', async () => {
    const real = db.documents.send.bind(db.documents) as (command: UpdateCommand) => Promise<unknown>;
    let failNext = true;
    const flaky = {
      send: (command: UpdateCommand): Promise<unknown> => {
        if (failNext && command instanceof UpdateCommand && (command.input.Key as Record<string, string>).pk === CLUSTER_REGISTRY_KEY.pk) {
          failNext = false;
          return Promise.reject(new Error('throttled'));
        }
        return real(command);
      },
    } as unknown as DynamoDBDocumentClient;
    const store = new DynamoDbCoverageStore(flaky, TABLE);
    await expect(store.record('flaky', '2026-11-24', { Metadata: 1 }, 1)).rejects.toThrow('throttled');
    await store.record('flaky', '2026-11-24', { Metadata: 1 }, 1);
    expect(await store.clusters()).toContain('flaky');
    expect((await store.coverage('flaky', WEEK)).byLevel).toEqual({ Metadata: 2 });

    await createFindingsTable(db.client, 'empty');
    expect(await new DynamoDbCoverageStore(db.documents, 'empty').clusters()).toEqual([]);
  });

  it('refuses a day that is not yyyy-mm-dd', async () => {
    await expect(new DynamoDbCoverageStore(db.documents, TABLE).record('x', '2026-11-24T00:00:00Z', {}, 1)).rejects.toThrow(/yyyy-mm-dd/);
  });

  it('keeps the newest object time in the same UpdateItem, and never moves it back', async () => {
    const store = new DynamoDbCoverageStore(db.documents, TABLE);
    const sent = jest.spyOn(db.documents, 'send');
    try {
      await store.record('clock', '2026-11-24', { Metadata: 5 }, 1, '2026-11-24T10:00:00Z');
      await store.record('clock', '2026-11-24', { Metadata: 5 }, 1, '2026-11-24T10:05:00.250Z');
      const updates = sent.mock.calls.filter(([c]) => c instanceof UpdateCommand && (c.input.Key as Record<string, string>).pk === 'V#clock');
      expect(updates).toHaveLength(2); // one write per object while objects arrive in order
      expect((updates[1][0] as UpdateCommand).input.UpdateExpression).toMatch(/^ADD .* SET .*#last = :last$/);
    } finally {
      sent.mockRestore();
    }
    // An older object (a DLQ redrive, a backfill) is counted; the time stays where it was.
    await store.record('clock', '2026-11-24', { Metadata: 1 }, 1, '2026-11-24T08:00:00Z');
    await store.record('clock', '2026-11-24', {}, 1);
    const { Item } = await db.documents.send(new GetCommand({ TableName: TABLE, Key: coverageKey('clock', '2026-11-24') }));
    expect(Item).toMatchObject({ objects: 4, Metadata: 11, lastObjectAt: '2026-11-24T10:05:00.250Z' });
  });

  it('reads the newest object time of the newest two days up to today with one Query, never a Scan', async () => {
    const store = new DynamoDbCoverageStore(db.documents, TABLE);
    await store.record('newest', '2026-11-20', { Metadata: 1 }, 1, '2026-11-20T23:00:00Z');
    // An object straddling midnight writes both days; the later day may hold the older time.
    await store.record('newest', '2026-11-21', { Metadata: 1 }, 1, '2026-11-21T00:01:00Z');
    await store.record('newest', '2026-11-20', { Metadata: 1 }, 1, '2026-11-21T00:03:00Z');
    // Events dated in the future are not news.
    await store.record('newest', '2026-12-31', { Metadata: 1 }, 1, '2026-11-21T00:02:00Z');
    const sent = jest.spyOn(db.documents, 'send');
    try {
      expect(await store.lastObjectAt('newest', '2026-11-21')).toBe('2026-11-21T00:03:00.000Z');
      expect(sent.mock.calls.map(([c]) => c.constructor.name)).toEqual(['QueryCommand']);
      expect((sent.mock.calls[0][0] as QueryCommand).input).toMatchObject({
        KeyConditionExpression: 'pk = :pk AND sk <= :today',
        ScanIndexForward: false,
        Limit: 2,
      });
    } finally {
      sent.mockRestore();
    }
    expect(await store.lastObjectAt('newest', '2026-11-20')).toBe('2026-11-21T00:03:00.000Z');
    expect(await store.lastObjectAt('never-seen', '2026-11-21')).toBeUndefined();
    // Items written before the time was kept say nothing.
    await store.record('old-items', '2026-11-20', { Metadata: 1 }, 1);
    expect(await store.lastObjectAt('old-items', '2026-11-21')).toBeUndefined();
  });
});
