import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertCooldown, AlertGroup, CooldownDecision } from '../core/ports';
import type { Finding } from '../core/finding';
import { severityRank } from '../core/finding';
import { findingKey, UNKNOWN_CLUSTER } from './dynamodb-findings-store';

/** Items stay this long after their window ends: long enough to report the window's count with the next alert. */
const EXPIRY_SLACK_SECONDS = 3600;
/** A window can end between the calls of one decision; deciding again settles it. */
const MAX_ATTEMPTS = 4;

/**
 * Key design (the findings table; `F#` holds findings, `S#` detector state):
 * - `pk` = `A#<cluster>#<ruleId>`, `sk` = `G#<sha256 of actor, resource, namespace, name>`: one item per
 *   finding group. The hash keeps the key short whatever an audit log puts in names (key size limits);
 *   the readable group is in the item's `findingGroup`.
 */
export function cooldownKey(group: Pick<AlertGroup, 'cluster' | 'ruleId' | 'actor' | 'target'>): { pk: string; sk: string } {
  // JSON, not a joined string: names from audit logs may hold any separator.
  const who = JSON.stringify([group.actor, group.target.resource, group.target.namespace ?? null, group.target.name ?? null]);
  return { pk: `A#${group.cluster ?? UNKNOWN_CLUSTER}#${group.ruleId}`, sk: `G#${sha256(who)}` };
}

/**
 * Names one alert attempt: the same findings give the same token, so the redelivery of an
 * object whose publish failed re-claims the window it opened instead of being suppressed by it.
 */
export function claimToken(findings: readonly Finding[]): string {
  const keys = findings.map((f) => {
    const { pk, sk } = findingKey(f);
    return JSON.stringify([pk, sk]);
  });
  return sha256(JSON.stringify([...new Set(keys)].sort()));
}

/**
 * The alert cooldown: a finding group alerts once per window; later hits only raise its count.
 * Each decision is a single conditional UpdateItem (atomic across concurrent functions):
 * 1. no item, or its window ended (`windowEnd <= now`; TTL deletion lags, so it is not relied on):
 *    open a window claimed by this attempt → alert (reporting the ended window's count);
 * 2. a window claimed by another attempt at the same or a higher severity is open:
 *    `ADD suppressed :n`, `SET lastSeen` → suppressed;
 * 3. the open window is this attempt's own (a redelivery after a failed publish) → alert again;
 * 4. the open window was claimed at a lower severity than this group's most severe finding →
 *    this attempt takes the window over at its severity → alert. Otherwise a decoy (a failed or
 *    harmless request raising the same rule on the same object) could open the window at `high`
 *    and buy an hour of silence for the `critical` hit that follows it.
 * Item attributes: `claim`, `windowStart`/`windowEnd` (epoch ms), `rank` (the claim's severity,
 * 0 info … 4 critical), `suppressed`, `firstSeen`/`lastSeen` (event times), `findingGroup`,
 * `expiresAt` (TTL, epoch seconds, a little after `windowEnd`). A window opened before `rank`
 * existed has none and is taken over by the next alertable hit once (step 4), then it has one.
 */
export class DynamoDbAlertCooldown implements AlertCooldown {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly windowMinutes: number,
    private readonly now: () => number = Date.now,
    private readonly concurrency = 10,
  ) {
    if (!Number.isInteger(windowMinutes) || windowMinutes < 1)
      throw new Error(`alert cooldown window must be a whole number of minutes >= 1, not ${windowMinutes}`);
  }

  async claim(groups: readonly AlertGroup[]): Promise<CooldownDecision[]> {
    const decisions = new Array<CooldownDecision>(groups.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const i = next++;
        decisions[i] = await this.claimOne(groups[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, groups.length) }, worker));
    return decisions;
  }

  private async claimOne(group: AlertGroup): Promise<CooldownDecision> {
    const Key = cooldownKey(group);
    const token = claimToken(group.findings);
    const rank = Math.max(0, ...group.findings.map((f) => severityRank(f.severity)));
    const times = group.findings.map((f) => f.time).sort();
    const first = times[0] ?? '';
    const last = times[times.length - 1] ?? '';
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const now = this.now();
      const at = new Date(now).toISOString();
      const opened = await this.conditional({
        Key,
        UpdateExpression:
          'SET claim = :token, #rank = :rank, windowStart = :now, windowEnd = :end, expiresAt = :expires, suppressed = :zero, alerted = :n, firstSeen = :first, lastSeen = :last, findingGroup = :group',
        ConditionExpression: 'attribute_not_exists(pk) OR windowEnd <= :now',
        ExpressionAttributeNames: { '#rank': 'rank' },
        ExpressionAttributeValues: {
          ':token': token,
          ':rank': rank,
          ':now': now,
          ':end': now + this.windowMinutes * 60_000,
          ':expires': Math.ceil((now + this.windowMinutes * 60_000) / 1000) + EXPIRY_SLACK_SECONDS,
          ':zero': 0,
          ':n': group.findings.length,
          ':first': first,
          ':last': last,
          ':group': { cluster: group.cluster ?? UNKNOWN_CLUSTER, ruleId: group.ruleId, actor: group.actor, target: group.target },
        },
        ReturnValues: 'ALL_OLD',
      });
      if (opened) {
        const before = opened.Attributes?.suppressed;
        return { alert: true, suppressedBefore: typeof before === 'number' ? before : 0 };
      }
      const counted = await this.conditional({
        Key,
        UpdateExpression: 'ADD suppressed :n SET lastSeen = :last, lastSuppressedAt = :at',
        ConditionExpression: 'windowEnd > :now AND claim <> :token AND #rank >= :rank',
        ExpressionAttributeNames: { '#rank': 'rank' },
        ExpressionAttributeValues: { ':n': group.findings.length, ':last': last, ':at': at, ':now': now, ':token': token, ':rank': rank },
      });
      if (counted) return { alert: false };
      const reclaimed = await this.conditional({
        Key,
        UpdateExpression: 'SET reclaimedAt = :at',
        ConditionExpression: 'windowEnd > :now AND claim = :token',
        ExpressionAttributeValues: { ':at': at, ':now': now, ':token': token },
      });
      if (reclaimed) return { alert: true, suppressedBefore: 0 };
      const escalated = await this.conditional({
        Key,
        UpdateExpression: 'SET claim = :token, #rank = :rank, escalatedAt = :at, lastSeen = :last ADD alerted :n',
        ConditionExpression: 'windowEnd > :now AND claim <> :token AND (attribute_not_exists(#rank) OR #rank < :rank)',
        ExpressionAttributeNames: { '#rank': 'rank' },
        ExpressionAttributeValues: { ':token': token, ':rank': rank, ':at': at, ':last': last, ':n': group.findings.length, ':now': now },
      });
      if (escalated) return { alert: true, suppressedBefore: 0 };
      // The window ended, or another attempt changed it, between the calls: decide again.
    }
    throw new Error(`alert cooldown: no decision for ${Key.pk} ${Key.sk} after ${MAX_ATTEMPTS} attempts`);
  }

  /** The update's result, or undefined when its condition did not hold. */
  private async conditional(
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
  ): Promise<{ Attributes?: Record<string, unknown> } | undefined> {
    try {
      return await this.client.send(new UpdateCommand({ TableName: this.tableName, ...input }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
