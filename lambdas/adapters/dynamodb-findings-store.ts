import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Finding } from '../core/finding';
import type { FindingsStore } from '../core/ports';

/** The cluster name used for findings whose envelope and object key named none. */
export const UNKNOWN_CLUSTER = '-';
const DAY_MS = 86_400_000;

/**
 * Key design (one table, on-demand):
 * - `pk` = `F#<cluster>#<yyyy-mm-dd>`: a cluster's findings of one UTC day, so the reporter reads a
 *   period and a cluster with one Query per day, never a Scan, and no partition grows without bound;
 * - `sk` = `<time>#<ruleId>#<auditID>`: sorted by time within the day, and unique per finding, so a
 *   conditional put on it makes writes idempotent.
 * `expiresAt` (epoch seconds) is the table's TTL attribute.
 *
 * Item layout: `pk`, `sk`, `expiresAt`, `severity` and `ruleId` as attributes of their own (and
 * `alertedAt`, which DynamoDbAlertLedger sets), the finding itself in `fz`: its JSON, compressed
 * with raw DEFLATE (no gzip header or trailer: 18 bytes less on every item), as one binary
 * attribute. DynamoDB bills a write per started KB of the item, and a finding's JSON is 0.7 to 2 KB
 * (about 1.2 KB for the usual ones, so 2 WRU as a map); compressed, a typical item is about 800
 * bytes, one WRU for the put and one for the ledger's update. A change of encoding takes a new
 * attribute name: items written before it stay readable. Items written before this layout hold the
 * finding as a map in `finding`, and are read as well.
 */
export function findingKey(finding: Finding): { pk: string; sk: string } {
  const time = normalizedTime(finding.time);
  return { pk: `F#${finding.cluster ?? UNKNOWN_CLUSTER}#${time.slice(0, 10)}`, sk: `${time}#${finding.ruleId}#${finding.auditID}` };
}

/** Audit timestamps as ISO 8601 UTC; a finding with no readable time files under the epoch rather than nowhere. */
function normalizedTime(time: string): string {
  const t = Date.parse(time);
  return Number.isNaN(t) ? new Date(0).toISOString() : new Date(t).toISOString();
}

/** The attribute holding a finding's JSON, raw-DEFLATE compressed. */
const COMPRESSED = 'fz';
/** The attribute the first layout held the finding in, as a map. */
const LEGACY = 'finding';

/** The item `putNew` writes for a finding (without `alertedAt`, which the alert ledger sets). */
export function findingItem(finding: Finding, retentionDays: number): Record<string, unknown> {
  const expiresAt = Math.floor((Math.max(Date.parse(finding.time) || 0, 0) + retentionDays * DAY_MS) / 1000);
  return {
    ...findingKey(finding),
    expiresAt,
    severity: finding.severity,
    ruleId: finding.ruleId,
    [COMPRESSED]: deflateRawSync(JSON.stringify(finding)),
  };
}

/** The finding a stored item holds, in either layout. */
export function findingOfItem(item: Record<string, unknown>): Finding {
  const compressed = item[COMPRESSED];
  if (compressed instanceof Uint8Array) return JSON.parse(inflateRawSync(compressed).toString('utf8')) as Finding;
  const legacy = item[LEGACY];
  if (typeof legacy === 'object' && legacy !== null) return legacy as Finding;
  throw new Error(`findings table item ${String(item.pk)} ${String(item.sk)} holds no finding (neither ${COMPRESSED} nor ${LEGACY})`);
}

export class DynamoDbFindingsStore implements FindingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 400,
    private readonly concurrency = 10,
  ) {}

  async putNew(findings: readonly Finding[]): Promise<Finding[]> {
    const isNew = new Array<boolean>(findings.length).fill(false);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < findings.length) {
        const i = next++;
        isNew[i] = await this.putIfAbsent(findings[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, findings.length) }, worker));
    return findings.filter((_, i) => isNew[i]);
  }

  private async putIfAbsent(finding: Finding): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: findingItem(finding, this.retentionDays),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async query({ cluster, from, to }: { cluster: string; from: Date; to: Date }): Promise<Finding[]> {
    const findings: Finding[] = [];
    const fromIso = from.toISOString();
    const toIso = to.toISOString();
    for (let day = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); day < to.getTime(); day += DAY_MS) {
      const pk = `F#${cluster}#${new Date(day).toISOString().slice(0, 10)}`;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            // '#' sorts before every character an ISO time continues with, so `<to>#` bounds the range just below `to`.
            ExpressionAttributeValues: { ':pk': pk, ':from': fromIso, ':to': `${toIso}#` },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) findings.push(findingOfItem(item));
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return findings;
  }
}
