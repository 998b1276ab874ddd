import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditLevel, Coverage, Period } from '../core/compliance/types';
import { AUDIT_LEVELS } from '../core/compliance/types';

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
 *   end of the day plus the findings' retention, so coverage lives as long as the findings it qualifies).
 * - `pk` = `CLUSTERS`, `sk` = `all`: `clusters`, a string set of every cluster name seen (`-` for
 *   objects that named none), raised with `ADD clusters :name`. It is what the reporter iterates;
 *   an instance writes it once per cluster it has not yet registered (names cached in memory), so
 *   it costs one write per cluster per execution environment, not one per object.
 *
 * Counting is best effort and at least once: an SQS redelivery after a later failure in the same
 * message counts an object again. It measures what was seen, it is not a ledger.
 */
export class DynamoDbCoverageStore {
  private readonly registered = new Map<string, Promise<void>>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 400,
  ) {}

  /** Adds `objects` and the per-level event counts to the cluster's day (one UpdateItem), then registers the cluster if this instance has not. */
  async record(cluster: string, day: string, levels: Partial<Record<AuditLevel, number>>, objects: number): Promise<void> {
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
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: coverageKey(cluster, day),
        UpdateExpression: `ADD ${adds.join(', ')} SET #cluster = :cluster, #day = :day, expiresAt = :expires`,
        ExpressionAttributeNames: { ...names, '#cluster': 'cluster', '#day': 'day' },
        ExpressionAttributeValues: values,
      }),
    );
    await this.register(cluster);
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

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
