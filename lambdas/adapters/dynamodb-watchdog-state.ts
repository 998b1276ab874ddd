import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SilenceState, WatchdogState } from '../core/ports';

/**
 * The watchdog's memory, in the findings table (`F#` findings, `S#` detector state, `A#` alert
 * cooldowns, `V#` coverage, `CLUSTERS` the registry):
 * - `pk` = `W#<cluster>`, `sk` = `silence`: one item per cluster while it is silent (or, for a
 *   cluster never seen, from the first check that expected it). Attributes: `cluster`, `since`,
 *   `neverSeen`, and once raised `auditID` and `alertedAt`. Written when a silence starts or is
 *   raised, deleted when objects resume; a cluster that keeps sending has no item, and the
 *   5-minute checks of a silence already raised read it and write nothing. No TTL: a silence
 *   lasts until objects resume.
 * Every write is conditioned on `since`, so two overlapping checks cannot mix two silences.
 */
export class DynamoDbWatchdogState implements WatchdogState {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(cluster: string): Promise<SilenceState | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: silenceKey(cluster), ConsistentRead: true }));
    if (!Item || typeof Item.since !== 'string') return undefined;
    return {
      cluster,
      since: Item.since,
      neverSeen: Item.neverSeen === true,
      ...(typeof Item.auditID === 'string' ? { auditID: Item.auditID } : {}),
      ...(typeof Item.alertedAt === 'string' ? { alertedAt: Item.alertedAt } : {}),
    };
  }

  /** Remembers a silence's start unless one is remembered already; returns the one that is. */
  async start(state: Pick<SilenceState, 'cluster' | 'since' | 'neverSeen'>): Promise<SilenceState> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...silenceKey(state.cluster), cluster: state.cluster, since: state.since, neverSeen: state.neverSeen },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { ...state };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.get(state.cluster)) ?? { ...state };
    }
  }

  /** Marks the silence that began at `since` raised and alerted (creating the item if the silence was never remembered). */
  async markAlerted(state: Pick<SilenceState, 'cluster' | 'since' | 'neverSeen'>, auditID: string, alertedAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: silenceKey(state.cluster),
          UpdateExpression: 'SET #cluster = :cluster, since = :since, neverSeen = :neverSeen, auditID = :auditID, alertedAt = :at',
          ConditionExpression: 'attribute_not_exists(pk) OR since = :since',
          ExpressionAttributeNames: { '#cluster': 'cluster' },
          ExpressionAttributeValues: { ':cluster': state.cluster, ':since': state.since, ':neverSeen': state.neverSeen, ':auditID': auditID, ':at': alertedAt },
        }),
      );
    } catch (error) {
      // Another check already replaced this silence with a newer one: nothing to mark.
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Forgets the silence that began at `since`; false when it was not the one remembered. */
  async clear(cluster: string, since: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: silenceKey(cluster),
          ConditionExpression: 'since = :since',
          ExpressionAttributeValues: { ':since': since },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }
}

export function silenceKey(cluster: string): { pk: string; sk: string } {
  return { pk: `W#${cluster}`, sk: 'silence' };
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';
}
