import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CLAIM_LEASE_MS, DynamoDbAlertLedger } from '../../lambdas/adapters/dynamodb-alert-ledger';
import { DynamoDbFindingsStore, findingKey } from '../../lambdas/adapters/dynamodb-findings-store';
import type { Finding } from '../../lambdas/core/finding';
import { registryFinding } from '../helpers/findings';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../devkit/local-dynamodb';

const TABLE = 'findings';
const T0 = Date.parse('2026-11-20T10:05:00Z');

let db: LocalDynamoDb;
let store: DynamoDbFindingsStore;
let clock = T0;
let cluster = 0;
const ledger = (): DynamoDbAlertLedger => new DynamoDbAlertLedger(db.documents, TABLE, () => new Date(clock));

/** `n` stored findings of a cluster of their own, with fingerprints. */
async function stored(n: number): Promise<Finding[]> {
  cluster++;
  const findings = Array.from({ length: n }, (_, i) =>
    registryFinding('rbac.privileged-role-bound', { cluster: `ledger-${cluster}`, fingerprint: `fp-${cluster}-${String(i).padStart(3, '0')}` }),
  );
  await store.putNew(findings);
  return findings;
}

const item = async (f: Finding): Promise<Record<string, unknown> | undefined> =>
  (await db.documents.send(new GetCommand({ TableName: TABLE, Key: findingKey(f), ConsistentRead: true }))).Item;

beforeAll(async () => {
  db = await startLocalDynamoDb();
  await createFindingsTable(db.client, TABLE);
  store = new DynamoDbFindingsStore(db.documents, TABLE);
});
afterAll(async () => db.stop());
beforeEach(() => {
  clock = T0;
});

describe('the alert ledger claims findings before an alert is published (dynalite)', () => {
  it('takes the stored pending findings for one attempt, with a lease; findings not stored are not taken', async () => {
    const findings = await stored(3);
    const unstored = registryFinding('rbac.privileged-role-bound', { cluster: 'ledger-none', fingerprint: 'never-stored' });
    const claim = await ledger().claim([...findings, unstored], { alert: 'a1', id: 'x' });
    expect(claim).toEqual({ mine: findings, held: 0 });
    expect(await item(findings[0])).toMatchObject({ claim: 'a1/x', claimedUntil: T0 + CLAIM_LEASE_MS });
  });

  it('gives a concurrent attempt at the same alert nothing while the claims are live (a duplicate delivery sends nothing)', async () => {
    const findings = await stored(3);
    expect((await ledger().claim(findings, { alert: 'same', id: 'first' })).mine).toHaveLength(3);
    expect(await ledger().claim(findings, { alert: 'same', id: 'second' })).toEqual({ mine: [], held: 3 });
  });

  it('lets exactly one of many attempts racing at the same alert take all of it, never a split', async () => {
    const findings = await stored(20);
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => ledger().claim(findings, { alert: 'race', id: `r${i}` })));
    expect(claims.map((c) => c.mine.length).sort((a, b) => b - a)).toEqual([20, 0, 0, 0, 0, 0, 0, 0]);
    expect(claims.filter((c) => c.mine.length === 0).every((c) => c.held === 20)).toBe(true);
  });

  it('leaves to an attempt at another alert only what it holds, and takes the rest', async () => {
    const findings = await stored(4);
    await ledger().claim(findings.slice(0, 2), { alert: 'object-a', id: 'a' });
    const claim = await ledger().claim(findings, { alert: 'object-b', id: 'b' });
    expect(claim).toEqual({ mine: findings.slice(2), held: 2 });
  });

  it('lets a retry take at once what a failed attempt released, and only its own claims are released', async () => {
    const findings = await stored(2);
    await ledger().claim(findings, { alert: 'retry', id: 'failed' });
    await ledger().release(findings, { alert: 'retry', id: 'someone-else' });
    expect((await ledger().claim(findings, { alert: 'retry', id: 'early' })).mine).toEqual([]);
    await ledger().release(findings, { alert: 'retry', id: 'failed' });
    expect((await item(findings[0]))?.claim).toBeUndefined();
    expect((await ledger().claim(findings, { alert: 'retry', id: 'again' })).mine).toEqual(findings);
  });

  it('lets the claims of an attempt that crashed lapse after the lease', async () => {
    const findings = await stored(2);
    await ledger().claim(findings, { alert: 'crash', id: 'crashed' });
    clock = T0 + CLAIM_LEASE_MS;
    expect((await ledger().claim(findings, { alert: 'crash', id: 'too-soon' })).mine).toEqual([]);
    clock = T0 + CLAIM_LEASE_MS + 1;
    expect((await ledger().claim(findings, { alert: 'crash', id: 'after' })).mine).toEqual(findings);
  });

  it('never takes what was marked alerted, and marking removes the claim', async () => {
    const findings = await stored(2);
    await ledger().claim(findings, { alert: 'done', id: 'sent' });
    await ledger().markAlerted([findings[0]]);
    const marked = await item(findings[0]);
    expect(marked?.alertedAt).toBe(new Date(T0).toISOString());
    expect(marked).not.toHaveProperty('claim');
    expect(marked).not.toHaveProperty('claimedUntil');
    clock = T0 + 2 * CLAIM_LEASE_MS;
    expect(await ledger().claim(findings, { alert: 'done', id: 'later' })).toEqual({ mine: [findings[1]], held: 0 });
  });
});
