import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertAttempt, AlertClaim, AlertLedger } from '../core/ports';
import type { Finding } from '../core/finding';
import { findingKey } from './dynamodb-findings-store';

const BATCH_GET_MAX = 100;

/**
 * How long a claim holds a finding for its attempt: long enough for the cooldown, the archive
 * and a publish with the SDK's retries; shorter than the work queue's visibility timeout (six
 * times the analyzer's timeout, at least 180 s) and than the watchdog's 5-minute schedule, so
 * the claims of an attempt that crashed have expired when its work comes back.
 */
export const CLAIM_LEASE_MS = 120_000;

/** A finding item as the ledger reads it. */
interface LedgerState {
  alertedAt?: unknown;
  claim?: unknown;
  claimedUntil?: unknown;
}

/** What a finding's item says about who may alert it. */
type Standing = 'done' | 'free' | 'mine' | 'sibling' | 'other';

/**
 * Which stored findings have been alerted on, and which attempt is sending them, kept on the
 * finding items themselves (in the findings table written by DynamoDbFindingsStore):
 * - no `alertedAt`: stored, alert not confirmed sent. `putNew` writes items without it, so
 *   "stored" and "alert pending" are one atomic write; `markAlerted` sets it once SNS took the alert;
 * - `claim` (`<alert>/<attempt>`, see AlertAttempt) and `claimedUntil` (epoch ms): the attempt
 *   that took the finding to send, with a conditional write before publishing (`claim`), until its
 *   lease ends. Two deliveries of one object processed at once cannot both send: the claim is
 *   the write that makes an alert "mine to send". `release` removes it after a failed publish (a
 *   retry may send at once); after a crash it expires; `markAlerted` removes it.
 */
export class DynamoDbAlertLedger implements AlertLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
    private readonly concurrency = 10,
    private readonly leaseMs = CLAIM_LEASE_MS,
  ) {}

  /**
   * One consistent read of the findings' items (pending or not, and held by whom), then
   * conditional claims in key order: the first claim this attempt wins makes it the sender of
   * the alert, and the rest are claimed at once. An attempt that finds a finding held by a live
   * attempt at the same alert (a concurrent delivery of the same object) stops there: that
   * attempt claims and sends the others; if its publish fails its record comes back, if it
   * crashes its claims expire before its record does. Findings held by an attempt at another
   * alert (the same request in another object) are that attempt's to send.
   */
  async claim(findings: readonly Finding[], attempt: AlertAttempt): Promise<AlertClaim> {
    const byKey = new Map<string, Finding>();
    for (const f of findings) byKey.set(keyText(findingKey(f)), f);
    const states = await this.read([...byKey.keys()]);
    const token = claimValue(attempt);
    const pending = [...byKey.keys()].sort().filter((k) => this.standing(states.get(k), attempt) !== 'done');
    const mine: string[] = [];

    // The leader: the first finding, in key order, that this attempt can take.
    let next = 0;
    for (; next < pending.length && mine.length === 0; next++) {
      const key = pending[next];
      let standing = this.standing(states.get(key), attempt);
      for (let tries = 0; standing === 'free' && tries < 3; tries++) {
        if (await this.take(key, token)) standing = 'mine';
        else standing = this.standing(await this.readOne(key), attempt);
      }
      if (standing === 'mine') mine.push(key);
      if (standing === 'sibling') return { mine: [], held: pending.length };
    }
    // The rest, in parallel; those another attempt holds stay its own.
    const rest = pending.slice(next).filter((k) => this.standing(states.get(k), attempt) !== 'other');
    const won = await this.each(rest, (key) => (this.standing(states.get(key), attempt) === 'mine' ? Promise.resolve(true) : this.take(key, token)));
    rest.forEach((key, i) => {
      if (won[i]) mine.push(key);
    });
    return { mine: mine.map((k) => byKey.get(k)!), held: pending.length - mine.length };
  }

  async release(findings: readonly Finding[], attempt: AlertAttempt): Promise<void> {
    await this.each(findings, (f) =>
      this.conditional({
        Key: findingKey(f),
        UpdateExpression: 'REMOVE claim, claimedUntil',
        ConditionExpression: 'claim = :token',
        ExpressionAttributeValues: { ':token': claimValue(attempt) },
      }),
    );
  }

  async markAlerted(findings: readonly Finding[]): Promise<void> {
    const at = this.now().toISOString();
    // Expired or removed meanwhile (the condition fails): nothing left to mark.
    await this.each(findings, (f) =>
      this.conditional({
        Key: findingKey(f),
        UpdateExpression: 'SET alertedAt = :at REMOVE claim, claimedUntil',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }

  private standing(state: LedgerState | undefined, attempt: AlertAttempt): Standing {
    if (state === undefined || state.alertedAt !== undefined) return 'done'; // not stored: only stored findings are alerted on
    const live = typeof state.claimedUntil === 'number' && state.claimedUntil >= this.now().getTime();
    if (!live || typeof state.claim !== 'string') return 'free';
    if (state.claim === claimValue(attempt)) return 'mine';
    return state.claim.startsWith(`${attempt.alert}/`) ? 'sibling' : 'other';
  }

  /** The conditional write that makes the finding this attempt's to send. */
  private take(key: string, token: string): Promise<boolean> {
    const now = this.now().getTime();
    return this.conditional({
      Key: keyOf(key),
      UpdateExpression: 'SET claim = :token, claimedUntil = :until',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(alertedAt) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
      ExpressionAttributeValues: { ':token': token, ':until': now + this.leaseMs, ':now': now },
    });
  }

  /** True when the update was made, false when its condition did not hold. */
  private async conditional(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private async readOne(key: string): Promise<LedgerState | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(key), ConsistentRead: true, ProjectionExpression: 'pk, alertedAt, claim, claimedUntil' }),
    );
    return Item;
  }

  /** The ledger attributes of the items that exist, by key text. */
  private async read(keys: readonly string[]): Promise<Map<string, LedgerState>> {
    const states = new Map<string, LedgerState>();
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
      let request: Record<string, { Keys: Array<Record<string, unknown>>; ConsistentRead: boolean; ProjectionExpression: string }> | undefined = {
        [this.tableName]: {
          Keys: keys.slice(i, i + BATCH_GET_MAX).map(keyOf),
          ConsistentRead: true,
          ProjectionExpression: 'pk, sk, alertedAt, claim, claimedUntil',
        },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
        const page = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of page.Responses?.[this.tableName] ?? []) states.set(keyText({ pk: String(item.pk), sk: String(item.sk) }), item);
        request = page.UnprocessedKeys as typeof request;
        if (attempt > 8 && request && Object.keys(request).length > 0) throw new Error('DynamoDB left keys unprocessed after retries');
      }
    }
    return states;
  }

  /** `work` over every item, `concurrency` at a time; results in order. */
  private async each<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
    return results;
  }
}

/** What a claimed item's `claim` holds: the alert, then the attempt (`/` is not in either). */
function claimValue(attempt: AlertAttempt): string {
  return `${attempt.alert}/${attempt.id}`;
}

const keyText = (key: { pk: string; sk: string }): string => JSON.stringify([key.pk, key.sk]);

function keyOf(text: string): { pk: string; sk: string } {
  const [pk, sk] = JSON.parse(text) as [string, string];
  return { pk, sk };
}
