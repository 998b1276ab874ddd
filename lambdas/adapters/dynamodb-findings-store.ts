import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
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
    const key = findingKey(finding);
    const expiresAt = Math.floor((Math.max(Date.parse(finding.time) || 0, 0) + this.retentionDays * DAY_MS) / 1000);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, finding, severity: finding.severity, ruleId: finding.ruleId, expiresAt },
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
        for (const item of page.Items ?? []) findings.push(item.finding as Finding);
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return findings;
  }
}
