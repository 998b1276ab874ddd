import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StateStore } from '../core/ports';

/**
 * Detector state in DynamoDB, shared by every analyzer instance. Each update is a read, the pure
 * `change`, and a put conditioned on the version read (optimistic concurrency): two functions
 * counting restarts of the same container both land, one of them after a retry.
 * Items live in the findings table under `pk` = `S#<key>`, `sk` = `state`. An update that changes
 * nothing is not written (detectors observe far more often than their state moves).
 */
export class DynamoDbStateStore implements StateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly maxAttempts = 8,
    private readonly now: () => number = Date.now,
  ) {}

  async update<T>(key: string, change: (current: T | undefined) => T, ttlSeconds: number): Promise<T> {
    const itemKey = { pk: `S#${key}`, sk: 'state' };
    for (let attempt = 1; ; attempt++) {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }));
      const live = Item !== undefined && (typeof Item.expiresAt !== 'number' || Item.expiresAt * 1000 > this.now());
      const version = typeof Item?.version === 'number' ? Item.version : 0;
      const next = change(live ? (JSON.parse(Item.value as string) as T) : undefined);
      const value = JSON.stringify(next);
      // Most observations change nothing (a status report repeating the same restart count): no
      // write then, unless the item is past half its life and would expire under a live detector.
      const keepsLong = typeof Item?.expiresAt === 'number' && Item.expiresAt * 1000 - this.now() > (ttlSeconds * 1000) / 2;
      if (live && keepsLong && Item.value === value) return next;
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...itemKey, value, version: version + 1, expiresAt: Math.floor(this.now() / 1000) + ttlSeconds },
            ConditionExpression: Item === undefined ? 'attribute_not_exists(pk)' : 'version = :version',
            ExpressionAttributeValues: Item === undefined ? undefined : { ':version': version },
          }),
        );
        return next;
      } catch (error) {
        const conflict = error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';
        if (!conflict || attempt >= this.maxAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt)); // jitter before re-reading
      }
    }
  }
}
