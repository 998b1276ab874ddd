import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { claimToken, cooldownKey, DynamoDbAlertCooldown } from '../../lambdas/adapters/dynamodb-alert-cooldown';
import { findingKey } from '../../lambdas/adapters/dynamodb-findings-store';
import type { AlertGroup } from '../../lambdas/core/ports';
import type { Finding } from '../../lambdas/core/finding';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../devkit/local-dynamodb';

const TABLE = 'findings';
const MINUTE = 60_000;
const T0 = Date.parse('2026-11-20T10:00:00Z');

function finding(auditID: string, overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'rbac.privileged-role-bound',
    category: 'rbac-change',
    severity: 'high',
    title: 'Binding to an admin-equivalent role',
    summary: 'alice bound cluster-admin',
    auditID,
    time: '2026-11-20T10:00:00Z',
    cluster: 'prod-eu',
    actor: { username: 'alice' },
    target: { resource: 'clusterrolebindings', name: 'backdoor' },
    verb: 'create',
    evidence: {},
    ...overrides,
  };
}

const group = (findings: Finding[], overrides: Partial<AlertGroup> = {}): AlertGroup => ({
  cluster: 'prod-eu',
  ruleId: 'rbac.privileged-role-bound',
  actor: 'alice',
  target: { resource: 'clusterrolebindings', name: 'backdoor' },
  findings,
  ...overrides,
});

describe('the alert cooldown in DynamoDB (dynalite)', () => {
  let db: LocalDynamoDb;
  let clock = T0;
  const cooldown = (): DynamoDbAlertCooldown => new DynamoDbAlertCooldown(db.documents, TABLE, 60, () => clock);
  const item = async (g: AlertGroup): Promise<Record<string, unknown> | undefined> =>
    (await db.documents.send(new GetCommand({ TableName: TABLE, Key: cooldownKey(g), ConsistentRead: true }))).Item;

  beforeAll(async () => {
    db = await startLocalDynamoDb();
    await createFindingsTable(db.client, TABLE);
  });
  afterAll(async () => db.stop());
  beforeEach(() => {
    clock = T0;
  });

  it('keys one item per group under its own prefix, short whatever the names', () => {
    const key = cooldownKey(group([], { target: { resource: 'clusterrolebindings', name: 'x'.repeat(5000) } }));
    expect(key.pk).toBe('A#prod-eu#rbac.privileged-role-bound');
    expect(key.sk).toMatch(/^G#[0-9a-f]{64}$/);
    expect(cooldownKey(group([], { cluster: undefined })).pk).toBe('A#-#rbac.privileged-role-bound');
    // Namespace and name are separate parts of the group, not one string.
    const a = cooldownKey(group([], { target: { resource: 'pods', namespace: 'a', name: 'b\nc' } }));
    const b = cooldownKey(group([], { target: { resource: 'pods', namespace: 'a\nb', name: 'c' } }));
    expect(a.sk).not.toBe(b.sk);
    // Never a findings (F#) or detector-state (S#) key.
    expect(findingKey(finding('a1')).pk.startsWith('A#')).toBe(false);
  });

  it('names an attempt by its findings, whatever their order', () => {
    expect(claimToken([finding('a1'), finding('a2')])).toBe(claimToken([finding('a2'), finding('a1')]));
    expect(claimToken([finding('a1')])).not.toBe(claimToken([finding('a2')]));
    // By their content: a decoy with the real finding's auditID does not hold the real one's claim.
    expect(claimToken([finding('a1', { fingerprint: 'decoy' })])).not.toBe(claimToken([finding('a1', { fingerprint: 'real' })]));
  });

  it('alerts once per window and counts later hits; the window ends on time; the next alert reports the count', async () => {
    const g = group([finding('w1')], { target: { resource: 'clusterrolebindings', name: 'window' } });
    expect(await cooldown().claim([g])).toEqual([{ alert: true, suppressedBefore: 0 }]);
    const opened = await item(g);
    expect(opened).toMatchObject({ windowStart: T0, windowEnd: T0 + 60 * MINUTE, suppressed: 0, alerted: 1, claim: claimToken([finding('w1')]) });
    expect(opened?.expiresAt).toBe((T0 + 60 * MINUTE) / 1000 + 3600);
    expect(opened?.findingGroup).toEqual({
      cluster: 'prod-eu',
      ruleId: 'rbac.privileged-role-bound',
      actor: 'alice',
      target: { resource: 'clusterrolebindings', name: 'window' },
    });

    clock = T0 + 10 * MINUTE;
    const later = { ...g, findings: [finding('w2', { time: '2026-11-20T10:09:00Z' }), finding('w3', { time: '2026-11-20T10:09:30Z' })] };
    expect(await cooldown().claim([later])).toEqual([{ alert: false }]);
    expect(await item(g)).toMatchObject({
      suppressed: 2,
      lastSeen: '2026-11-20T10:09:30Z',
      windowEnd: T0 + 60 * MINUTE,
      lastSuppressedAt: '2026-11-20T10:10:00.000Z',
    });

    clock = T0 + 60 * MINUTE; // the window is [start, end): at its end a new one opens
    const next = { ...g, findings: [finding('w4')] };
    expect(await cooldown().claim([next])).toEqual([{ alert: true, suppressedBefore: 2 }]);
    expect(await item(g)).toMatchObject({ windowStart: clock, suppressed: 0, claim: claimToken([finding('w4')]) });
  });

  it('lets the same attempt claim its open window again (a redelivery after a failed publish), without resetting it', async () => {
    const g = group([finding('r1'), finding('r2')], { target: { resource: 'clusterrolebindings', name: 'redelivered' } });
    expect(await cooldown().claim([g])).toEqual([{ alert: true, suppressedBefore: 0 }]);
    clock = T0 + 5 * MINUTE;
    expect(await cooldown().claim([{ ...g, findings: [finding('other')] }])).toEqual([{ alert: false }]);
    clock = T0 + 20 * MINUTE;
    expect(await cooldown().claim([{ ...g, findings: [finding('r2'), finding('r1')] }])).toEqual([{ alert: true, suppressedBefore: 0 }]);
    expect(await item(g)).toMatchObject({ windowStart: T0, suppressed: 1, reclaimedAt: new Date(clock).toISOString() });
  });

  it('does not let a window opened by a less severe alert hold back a more severe finding of the group: it alerts and raises the window', async () => {
    const target = { resource: 'clusterrolebindings', name: 'escalated' };
    const decoy = group([finding('d1', { severity: 'medium', fingerprint: 'decoy' })], { target });
    expect(await cooldown().claim([decoy])).toEqual([{ alert: true, suppressedBefore: 0 }]);
    clock = T0 + MINUTE;
    // Same rule, actor, target and auditID: the real, critical hit alerts all the same.
    const real = group([finding('d1', { severity: 'critical', fingerprint: 'real' })], { target });
    expect(await cooldown().claim([real])).toEqual([{ alert: true, suppressedBefore: 0 }]);
    expect(await item(real)).toMatchObject({
      rank: 4,
      claim: claimToken(real.findings),
      windowStart: T0,
      escalatedAt: new Date(clock).toISOString(),
      alerted: 2,
    });
    // From then on the window holds back hits up to that severity, as before.
    clock = T0 + 2 * MINUTE;
    expect(await cooldown().claim([group([finding('d2', { severity: 'high' })], { target })])).toEqual([{ alert: false }]);
    expect(await cooldown().claim([group([finding('d3', { severity: 'critical' })], { target })])).toEqual([{ alert: false }]);
    // And the redelivery of the critical alert (its publish failed) re-claims it.
    expect(await cooldown().claim([real])).toEqual([{ alert: true, suppressedBefore: 0 }]);
  });

  it('lets a window opened before windows had a severity be taken over once', async () => {
    const target = { resource: 'clusterrolebindings', name: 'old-window' };
    const g = group([finding('o1')], { target });
    await cooldown().claim([g]);
    await db.documents.send(
      new UpdateCommand({ TableName: TABLE, Key: cooldownKey(g), UpdateExpression: 'REMOVE #rank', ExpressionAttributeNames: { '#rank': 'rank' } }),
    );
    clock = T0 + MINUTE;
    expect(await cooldown().claim([group([finding('o2')], { target })])).toEqual([{ alert: true, suppressedBefore: 0 }]);
    expect(await cooldown().claim([group([finding('o3')], { target })])).toEqual([{ alert: false }]);
  });

  it('keeps groups apart: other rule, actor, target or cluster each have their own window', async () => {
    const base = group([finding('g1')], { target: { resource: 'clusterrolebindings', name: 'apart' } });
    const others = [
      { ...base, ruleId: 'rbac.broad-subject-bound' },
      { ...base, actor: 'bob' },
      { ...base, target: { resource: 'clusterrolebindings', name: 'apart-2' } },
      { ...base, target: { resource: 'clusterrolebindings', namespace: 'ns', name: 'apart' } },
      { ...base, cluster: 'prod-us' },
    ];
    const decisions = await cooldown().claim([base, ...others]);
    expect(decisions.every((d) => d.alert)).toBe(true);
  });

  it('lets exactly one of many concurrent attempts alert for a group; the others are all counted', async () => {
    const g = group([], { target: { resource: 'clusterrolebindings', name: 'race' } });
    const attempts = Array.from({ length: 12 }, (_, i) => ({ ...g, findings: [finding(`race-${i}`)] }));
    const decisions = (await Promise.all(attempts.map((a) => cooldown().claim([a])))).flat();
    expect(decisions.filter((d) => d.alert)).toHaveLength(1);
    expect(await item(g)).toMatchObject({ suppressed: 11 });
  });

  it('refuses a window that is not a whole number of minutes', () => {
    expect(() => new DynamoDbAlertCooldown(db.documents, TABLE, 0)).toThrow(/whole number of minutes/);
    expect(() => new DynamoDbAlertCooldown(db.documents, TABLE, 1.5)).toThrow(/whole number of minutes/);
  });
});
