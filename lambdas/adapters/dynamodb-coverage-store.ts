import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditLevel, Coverage, Period } from '../core/compliance/types';
import { AUDIT_LEVELS } from '../core/compliance/types';
import type { CoverageStore } from '../core/ports';

const DAY_MS = 86_400_000;

/** The registry item: every cluster the analyzer has seen, as one string set. */
export const CLUSTER_REGISTRY_KEY = { pk: 'CLUSTERS', sk: 'all' } as const;

/**
 * Coverage: what the analyzer saw of each cluster, per UTC day, so the compliance report can tell
 * a control that held from one that could not be assessed (no audit data, or too low an audit level).
 *
 * Key design (the findings table; `F#` holds findings, `S#` detector state, `A#` alert cooldowns):
 * - `pk` = `V#<cluster>`, `sk` = `<yyyy-mm-dd>` (UTC day of the counted events): one item per
 *   cluster and day, so a period is one Query (`sk BETWEEN` its first and last day), never a Scan.
 *   Attributes: `objects` and one counter per audit level (`None`, `Metadata`, `Request`,
 *   `RequestResponse`), all raised with `ADD` (atomic across concurrent functions; an item is
 *   created by its first update), plus `cluster`, `day` and `expiresAt` (TTL, epoch seconds: the
 *   end of the day plus the findings' retention, so coverage lives as long as the findings it qualifies),
 *   and `lastObjectAt` (ISO 8601 UTC): the S3 event time of the newest object counted into the
 *   item, which the watchdog reads to tell when a cluster's logs went silent. It only moves
 *   forward: the same UpdateItem sets it on the condition that it is older, and an older object
 *   (a retry from the DLQ, a backfill of today's objects) is counted by a second UpdateItem
 *   without it, so it cannot make a live cluster look silent.
 * - `pk` = `CLUSTERS`, `sk` = `all`: `clusters`, a string set of every cluster name seen (`-` for
 *   objects that named none), raised with `ADD clusters :name`. It is what the reporter iterates;
 *   an instance writes it once per cluster it has not yet registered (names cached in memory), so
 *   it costs one write per cluster per execution environment, not one per object.
 *
 * Counting is best effort and at least once: an SQS redelivery after a later failure in the same
 * message counts an object again. It measures what was seen, it is not a ledger.
 */
export class DynamoDbCoverageStore implements CoverageStore {
  private readonly registered = new Map<string, Promise<void>>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 400,
  ) {}

  /**
   * Adds `objects` and the per-level event counts to the cluster's day (one UpdateItem), and sets
   * `lastObjectAt` in the same write when it is newer than the item's; then registers the cluster
   * if this instance has not.
   */
  async record(cluster: string, day: string, levels: Partial<Record<AuditLevel, number>>, objects: number, lastObjectAt?: string): Promise<void> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new Error(`coverage day must be yyyy-mm-dd, not ${day}`);
    const names: Record<string, string> = { '#objects': 'objects' };
    const values: Record<string, unknown> = { ':objects': objects, ':cluster': cluster, ':day': day, ':expires': this.expiresAt(day) };
    const adds = ['#objects :objects'];
    AUDIT_LEVELS.forEach((level, i) => {
      const n = levels[level];
      if (n === undefined || n <= 0) return;
      names[`#l${i}`] = level; // `None` and friends as attribute names: placeholders keep reserved words out of the expression
      values[`:l${i}`] = n;
      adds.push(`#l${i} :l${i}`);
    });
    const at = lastObjectAt === undefined ? undefined : isoTime(lastObjectAt);
    const update = (withTime: boolean): UpdateCommand =>
      new UpdateCommand({
        TableName: this.tableName,
        Key: coverageKey(cluster, day),
        UpdateExpression: `ADD ${adds.join(', ')} SET #cluster = :cluster, #day = :day, expiresAt = :expires${withTime ? ', #last = :last' : ''}`,
        ExpressionAttributeNames: { ...names, '#cluster': 'cluster', '#day': 'day', ...(withTime ? { '#last': 'lastObjectAt' } : {}) },
        ExpressionAttributeValues: { ...values, ...(withTime ? { ':last': at } : {}) },
        ...(withTime ? { ConditionExpression: 'attribute_not_exists(#last) OR #last <= :last' } : {}),
      });
    try {
      await this.client.send(update(at !== undefined));
    } catch (error) {
      const older = at !== undefined && (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException');
      if (!older) throw error;
      // An object older than the newest one counted: count it, leave the time where it is.
      await this.client.send(update(false));
    }
    await this.register(cluster);
  }

  /**
   * When the newest object of the cluster was counted (`lastObjectAt`), from its newest days up to
   * `today` (a later day, from events dated in the future, is not taken as news): one Query,
   * newest first, two items (an object straddling midnight writes both days). Undefined for a
   * cluster with no such item, or items written before `lastObjectAt` was kept.
   */
  async lastObjectAt(cluster: string, today: string): Promise<string | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk <= :today',
        ExpressionAttributeValues: { ':pk': coverageKey(cluster, today).pk, ':today': today },
        ExpressionAttributeNames: { '#last': 'lastObjectAt' },
        ProjectionExpression: 'sk, #last',
        ScanIndexForward: false,
        Limit: 2,
        ConsistentRead: true,
      }),
    );
    const times = (Items ?? []).map((item): unknown => item.lastObjectAt).filter((t): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t)));
    return times.length === 0 ? undefined : times.reduce((a, b) => (a >= b ? a : b));
  }

  /**
   * Adds the cluster to the registry unless this instance already did or is doing it (concurrent
   * callers share one write); a failed write is forgotten, so the next call tries again.
   */
  register(cluster: string): Promise<void> {
    let pending = this.registered.get(cluster);
    if (!pending) {
      pending = this.client
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: CLUSTER_REGISTRY_KEY,
            UpdateExpression: 'ADD #clusters :name',
            ExpressionAttributeNames: { '#clusters': 'clusters' }, // a reserved word
            ExpressionAttributeValues: { ':name': new Set([cluster]) },
          }),
        )
        .then(() => undefined);
      this.registered.set(cluster, pending);
      pending.catch(() => {
        if (this.registered.get(cluster) === pending) this.registered.delete(cluster);
      });
    }
    return pending;
  }

  /** Every cluster the analyzer has registered, sorted (one GetItem). */
  async clusters(): Promise<string[]> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: CLUSTER_REGISTRY_KEY, ConsistentRead: true }));
    const set = Item?.clusters as Set<string> | string[] | undefined;
    return set ? [...set].sort() : [];
  }

  /** What the analyzer saw of the cluster in the period: the sum of its days (one Query, paged). */
  async coverage(cluster: string, period: Pick<Period, 'from' | 'to'>): Promise<Coverage> {
    const [first, last] = periodDays(period);
    const byLevel: Partial<Record<AuditLevel, number>> = {};
    let objects = 0;
    if (first <= last) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
            ExpressionAttributeValues: { ':pk': coverageKey(cluster, first).pk, ':first': first, ':last': last },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          objects += numberOf(item.objects);
          for (const level of AUDIT_LEVELS) {
            const n = numberOf(item[level]);
            if (n > 0) byLevel[level] = (byLevel[level] ?? 0) + n;
          }
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return { cluster, objects, byLevel };
  }

  private expiresAt(day: string): number {
    return Math.floor((Date.parse(`${day}T00:00:00Z`) + DAY_MS + this.retentionDays * DAY_MS) / 1000);
  }
}

export function coverageKey(cluster: string, day: string): { pk: string; sk: string } {
  return { pk: `V#${cluster}`, sk: day };
}

/** The first and last UTC day (`yyyy-mm-dd`) a period [from, to) touches. */
export function periodDays(period: Pick<Period, 'from' | 'to'>): [string, string] {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new Error(`period has an unreadable bound: ${period.from} – ${period.to}`);
  return [new Date(from).toISOString().slice(0, 10), new Date(Math.max(from, to - 1)).toISOString().slice(0, 10)];
}

/** ISO 8601 UTC with milliseconds, so stored times compare as strings. */
function isoTime(time: string): string {
  const t = Date.parse(time);
  if (Number.isNaN(t)) throw new Error(`lastObjectAt must be a time, not ${time}`);
  return new Date(t).toISOString();
}

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
