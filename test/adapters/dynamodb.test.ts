import { DynamoDbFindingsStore, findingItem, findingKey, findingOfItem } from '../../lambdas/adapters/dynamodb-findings-store';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAlertLedger } from '../../lambdas/adapters/dynamodb-alert-ledger';
import { DynamoDbStateStore } from '../../lambdas/adapters/dynamodb-state-store';
import type { Finding } from '../../lambdas/core/finding';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../devkit/local-dynamodb';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'rbac.privileged-role-bound',
    category: 'rbac-change',
    severity: 'high',
    title: 'Binding to an admin-equivalent role',
    summary: 'alice bound cluster-admin to ServiceAccount kube-system/x',
    auditID: 'a1',
    time: '2026-11-20T23:59:58.123456Z',
    cluster: 'prod-eu',
    actor: { username: 'alice' },
    target: { resource: 'clusterrolebindings', name: 'x' },
    verb: 'create',
    evidence: {},
    ...overrides,
  };
}

// Round trips to a local server, some of them conditional writes that retry under contention: on a
// busy machine (CI shares its cores) a test can outlast jest's default 5 s without anything wrong.
jest.setTimeout(30_000);

describe('DynamoDB adapters against a local DynamoDB (dynalite)', () => {
  let db: LocalDynamoDb;
  beforeAll(async () => {
    db = await startLocalDynamoDb();
    await createFindingsTable(db.client, 'findings');
  });
  afterAll(async () => db.stop());

  describe('the findings store', () => {
    it('keys findings by cluster and UTC day, then time, rule and auditID', () => {
      expect(findingKey(finding())).toEqual({ pk: 'F#prod-eu#2026-11-20', sk: '2026-11-20T23:59:58.123Z#rbac.privileged-role-bound#a1' });
      expect(findingKey(finding({ cluster: undefined, time: '2026-11-21T01:00:00+02:00' })).pk).toBe('F#-#2026-11-20');
    });

    it('keys a finding with a fingerprint by it, not by the auditID the client chose', () => {
      expect(findingKey(finding({ fingerprint: 'AAAAAAAAAAAAAAAAAAAAAA' }))).toEqual({
        pk: 'F#prod-eu#2026-11-20',
        sk: '2026-11-20T23:59:58.123Z#rbac.privileged-role-bound@AAAAAAAAAAAAAAAAAAAAAA',
      });
      // Whatever the auditID holds: the key is as long as the fingerprint (an auditID past DynamoDB's 1 KB key limit failed the put).
      expect(findingKey(finding({ auditID: 'x'.repeat(5000), fingerprint: 'AAAAAAAAAAAAAAAAAAAAAA' })).sk).toHaveLength(24 + 1 + 26 + 1 + 22);
    });

    it('stores a decoy and the real finding apart when they share the rule, the auditID and the millisecond', async () => {
      const store = new DynamoDbFindingsStore(db.documents, 'findings');
      const ledger = new DynamoDbAlertLedger(db.documents, 'findings', () => new Date('2026-11-21T00:00:01Z'));
      const decoy = finding({
        cluster: 'decoy',
        auditID: 'chosen',
        fingerprint: 'decoy-fingerprint-0001',
        target: { resource: 'clusterrolebindings', name: 'harmless' },
      });
      const real = finding({
        cluster: 'decoy',
        auditID: 'chosen',
        fingerprint: 'real-fingerprint-00001',
        target: { resource: 'clusterrolebindings', name: 'backdoor' },
      });
      expect(await store.putNew([decoy])).toEqual([decoy]);
      await ledger.markAlerted([decoy]);
      expect(await store.putNew([real])).toEqual([real]);
      expect(await ledger.claim([real], { alert: 'real', id: 'a' })).toEqual({ mine: [real], held: 0 });
      const stored = await store.query({ cluster: 'decoy', from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') });
      expect(stored.map((f) => [f.target.name, f.fingerprint]).sort()).toEqual([
        ['backdoor', 'real-fingerprint-00001'],
        ['harmless', 'decoy-fingerprint-0001'],
      ]);
      // Two hits of one rule on one event (same auditID, same time, other evidence): two items.
      const second = finding({ cluster: 'decoy', auditID: 'chosen', fingerprint: 'second-hit-fingerprint', target: real.target });
      expect(await store.putNew([real, second])).toEqual([second]);
    });

    it('keeps the auditID key of findings stored before fingerprints: read back and put again, they are not stored twice', async () => {
      const store = new DynamoDbFindingsStore(db.documents, 'findings');
      const old = finding({ cluster: 'before-fingerprints', auditID: 'old-1' });
      await db.documents.send(new PutCommand({ TableName: 'findings', Item: findingItem(old, 400) }));
      const [read] = await store.query({ cluster: 'before-fingerprints', from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') });
      expect(read).toStrictEqual(old);
      expect(read.fingerprint).toBeUndefined();
      expect(await store.putNew([read])).toEqual([]);
      // An old auditID may hold `#<rule>@…` itself: it is not taken for a fingerprint.
      const tricky = finding({ cluster: 'before-fingerprints', auditID: 'x#rbac.privileged-role-bound@forged' });
      expect(findingOfItem(findingItem(tricky, 400))).toStrictEqual(tricky);
    });

    it('writes each finding once: reprocessing the same object stores and returns nothing new', async () => {
      const store = new DynamoDbFindingsStore(db.documents, 'findings');
      const batch = [finding(), finding({ auditID: 'a2' }), finding({ ruleId: 'rbac.role-or-binding-changed', severity: 'low' })];
      expect(await store.putNew(batch)).toHaveLength(3);
      expect(await store.putNew(batch)).toEqual([]);
      expect(await store.putNew([...batch, finding({ auditID: 'a3' })])).toEqual([finding({ auditID: 'a3' })]);
    });

    it('reads a cluster and a time range across day boundaries, with no scan, oldest first', async () => {
      const store = new DynamoDbFindingsStore(db.documents, 'findings');
      const times = ['2026-10-30T23:00:00Z', '2026-10-31T12:00:00Z', '2026-11-01T00:00:00Z', '2026-11-01T00:00:01Z'];
      await store.putNew(times.map((time, i) => finding({ cluster: 'range', time, auditID: `r${i}` })));
      await store.putNew([finding({ cluster: 'other', time: '2026-10-31T12:00:00Z', auditID: 'o1' })]);
      const got = await store.query({ cluster: 'range', from: new Date('2026-10-30T23:00:00Z'), to: new Date('2026-11-01T00:00:01Z') });
      expect(got.map((f) => f.auditID)).toEqual(['r0', 'r1', 'r2']);
    });

    it('stores key, TTL, severity and rule as attributes and the finding deflated in one binary attribute, and reads it back unchanged', async () => {
      const store = new DynamoDbFindingsStore(db.documents, 'findings', 400);
      const stored = finding({
        cluster: 'compact',
        auditID: 'c1',
        summary: 'ünïcödé ✓ and "quotes" and \\ backslashes',
        actor: { username: 'alice', groups: ['system:masters', 'system:authenticated'], sourceIPs: ['203.0.113.7'] },
        attack: ['T1078'],
        controls: [],
        evidence: { n: 3, x: 0.5, big: 1234567890123, neg: -1, yes: true, no: false, nothing: null, empty: '', list: [1, 'a', { b: [] }], map: {} },
      });
      await store.putNew([stored]);
      const { Item } = await db.documents.send(new GetCommand({ TableName: 'findings', Key: findingKey(stored) }));
      expect(Object.keys(Item!).sort()).toEqual(['expiresAt', 'fz', 'pk', 'ruleId', 'severity', 'sk']);
      expect(Item).toMatchObject({
        ...findingKey(stored),
        severity: 'high',
        ruleId: 'rbac.privileged-role-bound',
        expiresAt: Math.floor(Date.parse(stored.time) / 1000) + 400 * 86_400,
      });
      expect(Item!.fz).toBeInstanceOf(Uint8Array);
      const [got] = await store.query({ cluster: 'compact', from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') });
      expect(got).toStrictEqual(stored);
    });

    it('keeps reading findings stored in the earlier layout (the finding as a map), next to new ones, and does not store them again', async () => {
      const store = new DynamoDbFindingsStore(db.documents, 'findings');
      const old = finding({ cluster: 'upgraded', time: '2026-11-20T10:00:00Z', auditID: 'old', evidence: { images: ['x:1'], count: 2 } });
      // What putNew wrote before the compact layout.
      const expiresAt = Math.floor(Date.parse(old.time) / 1000) + 400 * 86_400;
      await db.documents.send(
        new PutCommand({ TableName: 'findings', Item: { ...findingKey(old), finding: old, severity: old.severity, ruleId: old.ruleId, expiresAt } }),
      );
      const newer = [
        finding({ cluster: 'upgraded', time: '2026-11-20T09:00:00Z', auditID: 'before' }),
        finding({ cluster: 'upgraded', time: '2026-11-20T11:00:00Z', auditID: 'after' }),
      ];
      expect(await store.putNew([old, ...newer])).toEqual(newer);
      const got = await store.query({ cluster: 'upgraded', from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') });
      expect(got).toStrictEqual([newer[0], old, newer[1]]);
    });

    it('the alert ledger marks compact items alerted and leaves the finding readable', async () => {
      const store = new DynamoDbFindingsStore(db.documents, 'findings');
      const ledger = new DynamoDbAlertLedger(db.documents, 'findings', () => new Date('2026-11-21T00:00:01Z'));
      const batch = [finding({ cluster: 'ledger', auditID: 'l1' }), finding({ cluster: 'ledger', auditID: 'l2' })];
      await store.putNew(batch);
      const attempt = { alert: 'ledger', id: 'one' };
      expect(await ledger.claim(batch, attempt)).toEqual({ mine: batch, held: 0 });
      await ledger.markAlerted([batch[0]]);
      await ledger.release(batch, attempt);
      expect(await ledger.claim(batch, { alert: 'ledger', id: 'two' })).toEqual({ mine: [batch[1]], held: 0 });
      const { Item } = await db.documents.send(new GetCommand({ TableName: 'findings', Key: findingKey(batch[0]) }));
      expect(Item!.alertedAt).toBe('2026-11-21T00:00:01.000Z');
      expect(await store.query({ cluster: 'ledger', from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') })).toStrictEqual(batch);
    });
  });

  describe('the state store', () => {
    it('applies concurrent updates atomically: twenty increments from parallel writers all land', async () => {
      const writers = Array.from({ length: 4 }, () => new DynamoDbStateStore(db.documents, 'findings', 50));
      await Promise.all(Array.from({ length: 20 }, (_, i) => writers[i % 4].update<number>('counter', (n) => (n ?? 0) + 1, 3600)));
      expect(await writers[0].update<number>('counter', (n) => n ?? -1, 3600)).toBe(20);
    });

    it('forgets a value after its TTL even before DynamoDB deletes it', async () => {
      let now = Date.parse('2026-11-20T00:00:00Z');
      const store = new DynamoDbStateStore(db.documents, 'findings', 8, () => now);
      await store.update<string>('ttl', () => 'remembered', 60);
      now += 61_000;
      expect(await store.update<string>('ttl', (v) => v ?? 'fresh', 60)).toBe('fresh');
    });

    it('writes nothing when an update changes nothing, until the item is past half its life', async () => {
      let now = Date.parse('2026-11-20T00:00:00Z');
      const store = new DynamoDbStateStore(db.documents, 'findings', 8, () => now);
      const version = async (): Promise<unknown> =>
        (await db.documents.send(new GetCommand({ TableName: 'findings', Key: { pk: 'S#same', sk: 'state' } }))).Item?.version;
      await store.update<number>('same', () => 7, 600);
      expect(await version()).toBe(1);
      expect(await store.update<number>('same', (n) => n ?? 0, 600)).toBe(7);
      now += 200_000;
      expect(await store.update<number>('same', (n) => n ?? 0, 600)).toBe(7);
      expect(await version()).toBe(1);
      now += 200_000; // 400 s of 600: refreshed so a live detector's state does not expire
      await store.update<number>('same', (n) => n ?? 0, 600);
      expect(await version()).toBe(2);
      await store.update<number>('same', (n) => (n ?? 0) + 1, 600);
      expect(await version()).toBe(3);
    });
  });
});
