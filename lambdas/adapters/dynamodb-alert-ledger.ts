import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertLedger } from '../analyzer/analyze-object';
import type { Finding } from '../core/finding';
import { findingKey } from './dynamodb-findings-store';

const BATCH_GET_MAX = 100;

/**
 * Which stored findings have been alerted on, kept on the finding items themselves (in the
 * findings table written by DynamoDbFindingsStore): an item without `alertedAt` was stored but
 * its alert has not been confirmed sent. `putNew` writes items without it, so "stored" and
 * "alert pending" are one atomic write; `markAlerted` sets it after SNS accepted the alert.
 */
export class DynamoDbAlertLedger implements AlertLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
    private readonly concurrency = 10,
  ) {}

  async pending(findings: readonly Finding[]): Promise<Finding[]> {
    const byKey = new Map<string, Finding>();
    for (const f of findings) {
      const { pk, sk } = findingKey(f);
      byKey.set(`${pk}\n${sk}`, f);
    }
    const keys = [...byKey.keys()].map((k) => {
      const [pk, sk] = k.split('\n');
      return { pk, sk };
    });
    const pendingKeys = new Set<string>();
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
      let request: Record<string, { Keys: Array<Record<string, unknown>>; ConsistentRead: boolean; ProjectionExpression: string }> | undefined = {
        [this.tableName]: { Keys: keys.slice(i, i + BATCH_GET_MAX), ConsistentRead: true, ProjectionExpression: 'pk, sk, alertedAt' },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
        const page = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of page.Responses?.[this.tableName] ?? []) {
          if (item.alertedAt === undefined) pendingKeys.add(`${String(item.pk)}\n${String(item.sk)}`);
        }
        request = page.UnprocessedKeys as typeof request;
        if (attempt > 8 && request && Object.keys(request).length > 0) throw new Error('DynamoDB left keys unprocessed after retries');
      }
    }
    // Findings that are not stored at all are not pending: only stored findings are alerted on.
    return [...byKey.entries()].filter(([k]) => pendingKeys.has(k)).map(([, f]) => f);
  }

  async markAlerted(findings: readonly Finding[]): Promise<void> {
    const at = this.now().toISOString();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < findings.length) {
        const key = findingKey(findings[next++]);
        try {
          await this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: key,
              UpdateExpression: 'SET alertedAt = :at',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':at': at },
            }),
          );
        } catch (error) {
          // Expired or removed meanwhile: nothing left to mark.
          if (!(error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException')) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, findings.length) }, worker));
  }
}
