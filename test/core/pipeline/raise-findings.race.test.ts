import { DynamoDbAlertCooldown } from '../../../lambdas/adapters/dynamodb-alert-cooldown';
import { CLAIM_LEASE_MS, DynamoDbAlertLedger } from '../../../lambdas/adapters/dynamodb-alert-ledger';
import { DynamoDbFindingsStore } from '../../../lambdas/adapters/dynamodb-findings-store';
import type { RaiseDeps } from '../../../lambdas/core/pipeline/raise-findings';
import { raiseFindings } from '../../../lambdas/core/pipeline/raise-findings';
import type { AlertMessage } from '../../../lambdas/core/alert/sns-message';
import { DEFAULT_CONFIG } from '../../../lambdas/core/detect/engine';
import { FindingPolicy } from '../../../lambdas/core/detect/finding-policy';
import type { Finding } from '../../../lambdas/core/finding';
import type { Publisher } from '../../../lambdas/core/ports';
import { registryFinding } from '../../helpers/findings';
import type { LocalDynamoDb } from '../../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../../devkit/local-dynamodb';

/**
 * Two deliveries of the same work raising the same findings at once, against dynalite: the
 * claim taken before publishing makes exactly one of them send.
 */

const TABLE = 'findings';
const T0 = Date.parse('2026-11-20T10:05:00Z');

let db: LocalDynamoDb;
let clock = T0;
let batch = 0;

beforeAll(async () => {
  db = await startLocalDynamoDb();
  await createFindingsTable(db.client, TABLE);
});
afterAll(async () => db.stop());
beforeEach(() => {
  clock = T0;
});

/** A publisher that records, can fail, and can hold a publish until the test lets it go. */
function publisher() {
  const sent: AlertMessage[] = [];
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  let entered: () => void = () => undefined;
  const state = {
    sent,
    fail: false,
    /** The next publish waits in `publish` until `release()`; resolves once it is waiting there. */
    hold(): Promise<void> {
      gate = new Promise<void>((resolve) => (open = resolve));
      return new Promise<void>((resolve) => (entered = resolve));
    },
    release: () => open(),
    publisher: {
      async publish(alert: AlertMessage): Promise<void> {
        if (gate) {
          const waiting = gate;
          gate = undefined;
          entered();
          await waiting;
        }
        if (state.fail) throw new Error('SNS is down');
        sent.push(alert);
      },
    },
  };
  return state;
}

function deps(p: Publisher, options: { cooldown?: boolean } = {}): RaiseDeps {
  return {
    policy: new FindingPolicy(DEFAULT_CONFIG),
    store: new DynamoDbFindingsStore(db.documents, TABLE),
    ledger: new DynamoDbAlertLedger(db.documents, TABLE, () => new Date(clock)),
    publisher: p,
    minAlertSeverity: 'high',
    ...(options.cooldown ? { cooldown: new DynamoDbAlertCooldown(db.documents, TABLE, 60, () => clock) } : {}),
  };
}

/** What one object raises: a few alertable findings with fingerprints, in a cluster of their own. */
function objectFindings(n = 3): Finding[] {
  batch++;
  return Array.from({ length: n }, (_, i) =>
    registryFinding('rbac.privileged-role-bound', {
      cluster: `race-${batch}`,
      fingerprint: `race-${batch}-${i}`,
      target: { resource: 'clusterrolebindings', name: `b${batch}-${i}` },
    }),
  );
}

const context = { source: 's3://audit-logs/clusters/x/object.json.gz' };

describe('raiseFindings with two deliveries of the same object at once', () => {
  it.each([
    ['without a cooldown', false],
    ['with a cooldown', true],
  ])('sends one alert while the other delivery is still publishing (%s)', async (_name, cooldown) => {
    const findings = objectFindings();
    const p = publisher();
    const first = deps(p.publisher, { cooldown });
    const second = deps(p.publisher, { cooldown });
    const holding = p.hold();
    const a = raiseFindings(findings, first, context);
    await holding; // the first has stored, claimed and is publishing, not yet marked
    const b = await raiseFindings(findings, second, context);
    expect(b).toMatchObject({ published: false, alerted: 0, heldElsewhere: 3 });
    p.release();
    expect(await a).toMatchObject({ published: true, alerted: 3, heldElsewhere: 0 });
    expect(p.sent).toHaveLength(1);
    // And once it went out, neither sends anything more.
    expect(await raiseFindings(findings, second, context)).toMatchObject({ published: false, heldElsewhere: 0 });
    expect(p.sent).toHaveLength(1);
  });

  it('sends one alert when both run side by side from the start', async () => {
    const findings = objectFindings(12);
    const p = publisher();
    const results = await Promise.all([raiseFindings(findings, deps(p.publisher), context), raiseFindings(findings, deps(p.publisher), context)]);
    expect(p.sent).toHaveLength(1);
    expect(results.map((r) => r.alerted).sort()).toEqual([0, 12]);
  });

  it('lets a retry send at once after a failed publish: the failed attempt gave its claims back', async () => {
    const findings = objectFindings();
    const p = publisher();
    p.fail = true;
    await expect(raiseFindings(findings, deps(p.publisher), context)).rejects.toThrow('SNS is down');
    p.fail = false;
    expect(await raiseFindings(findings, deps(p.publisher), context)).toMatchObject({ published: true, alerted: 3 });
    expect(p.sent).toHaveLength(1);
  });

  it('sends after the lease when the attempt holding the findings crashed before publishing', async () => {
    const findings = objectFindings();
    const p = publisher();
    await new DynamoDbFindingsStore(db.documents, TABLE).putNew(findings);
    // What a crash leaves: the claims of an attempt that never published nor released.
    await new DynamoDbAlertLedger(db.documents, TABLE, () => new Date(clock)).claim(findings, { alert: 'crashed-attempt', id: 'gone' });
    expect(await raiseFindings(findings, deps(p.publisher), context)).toMatchObject({ published: false, heldElsewhere: 3 });
    clock = T0 + CLAIM_LEASE_MS + 1;
    expect(await raiseFindings(findings, deps(p.publisher), context)).toMatchObject({ published: true, alerted: 3 });
    expect(p.sent).toHaveLength(1);
  });
});
