import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbWatchdogState, silenceKey } from '../../lambdas/adapters/dynamodb-watchdog-state';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../devkit/local-dynamodb';

const TABLE = 'watchdog-state';

describe('the watchdog state against a local DynamoDB (dynalite)', () => {
  let db: LocalDynamoDb;
  let state: DynamoDbWatchdogState;
  beforeAll(async () => {
    db = await startLocalDynamoDb();
    await createFindingsTable(db.client, TABLE);
    state = new DynamoDbWatchdogState(db.documents, TABLE);
  });
  afterAll(async () => db.stop());

  it('keys one item per cluster', () => {
    expect(silenceKey('prod-eu')).toEqual({ pk: 'W#prod-eu', sk: 'silence' });
  });

  it('remembers the first start of a silence and returns it to later starts', async () => {
    expect(await state.get('a')).toBeUndefined();
    expect(await state.start({ cluster: 'a', since: '2026-11-20T10:00:00.000Z', neverSeen: true })).toEqual({
      cluster: 'a',
      since: '2026-11-20T10:00:00.000Z',
      neverSeen: true,
    });
    expect(await state.start({ cluster: 'a', since: '2026-11-20T10:05:00.000Z', neverSeen: true })).toEqual({
      cluster: 'a',
      since: '2026-11-20T10:00:00.000Z',
      neverSeen: true,
    });
    expect(await state.get('a')).toEqual({ cluster: 'a', since: '2026-11-20T10:00:00.000Z', neverSeen: true });
  });

  it('marks a silence alerted, creating the item for a silence never remembered, but not over a newer one', async () => {
    await state.markAlerted({ cluster: 'b', since: '2026-11-20T09:00:00.000Z', neverSeen: false }, 'silence-1', '2026-11-20T09:31:00.000Z');
    expect(await state.get('b')).toEqual({
      cluster: 'b',
      since: '2026-11-20T09:00:00.000Z',
      neverSeen: false,
      auditID: 'silence-1',
      alertedAt: '2026-11-20T09:31:00.000Z',
    });
    await state.markAlerted({ cluster: 'b', since: '2026-11-20T08:00:00.000Z', neverSeen: false }, 'silence-0', '2026-11-20T09:40:00.000Z');
    expect((await state.get('b'))?.auditID).toBe('silence-1');
    const { Item } = await db.documents.send(new GetCommand({ TableName: TABLE, Key: silenceKey('b') }));
    expect(Item).toMatchObject({ pk: 'W#b', sk: 'silence', cluster: 'b' });
  });

  it('clears only the silence it was asked to', async () => {
    expect(await state.clear('b', '2026-11-20T08:00:00.000Z')).toBe(false);
    expect(await state.get('b')).toBeDefined();
    expect(await state.clear('b', '2026-11-20T09:00:00.000Z')).toBe(true);
    expect(await state.get('b')).toBeUndefined();
    expect(await state.clear('b', '2026-11-20T09:00:00.000Z')).toBe(false);
  });
});
