import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAlertCooldown } from './dynamodb-alert-cooldown';
import { DynamoDbAlertLedger } from './dynamodb-alert-ledger';
import { DynamoDbCoverageStore } from './dynamodb-coverage-store';
import { DynamoDbFindingsStore } from './dynamodb-findings-store';
import { DynamoDbStateStore } from './dynamodb-state-store';
import { DynamoDbWatchdogState } from './dynamodb-watchdog-state';

export interface FindingsTableOptions {
  /** Stored findings (and the coverage that qualifies them) expire this many days after their time. Default 400. */
  retentionDays?: number;
  /** The clock (epoch ms): cooldown windows and the alert claims' leases. */
  now?: () => number;
  /** The alert cooldown's window; 0 or absent: no cooldown. */
  cooldownMinutes?: number;
}

/**
 * Every port the findings table serves (findings, alert claims, cooldowns, detector state,
 * coverage, the watchdog's memory), over one document client. Built once per execution
 * environment: the coverage store caches the clusters it has registered.
 */
export function findingsTableAdapters(dynamodb: DynamoDBClient, table: string, options: FindingsTableOptions = {}) {
  // Findings carry optional fields the rules leave undefined: the document client must drop them.
  const documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const now = options.now ?? Date.now;
  const retentionDays = options.retentionDays ?? 400;
  const cooldownMinutes = options.cooldownMinutes ?? 0;
  return {
    findings: new DynamoDbFindingsStore(documents, table, retentionDays),
    ledger: new DynamoDbAlertLedger(documents, table, () => new Date(now())),
    cooldown: cooldownMinutes > 0 ? new DynamoDbAlertCooldown(documents, table, cooldownMinutes, () => now()) : undefined,
    state: new DynamoDbStateStore(documents, table),
    coverage: new DynamoDbCoverageStore(documents, table, retentionDays),
    watchdog: new DynamoDbWatchdogState(documents, table),
  };
}
