import type { LocalDynamoDb } from './local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from './local-dynamodb';
import type { LocalS3 } from './local-s3';
import { startLocalS3 } from './local-s3';
import type { LocalSns } from './local-sns';
import { startLocalSns } from './local-sns';

/** The AWS a handler's end-to-end test runs against: s3rver, dynalite and a local SNS endpoint. */
export interface LocalAws {
  s3: LocalS3;
  ddb: LocalDynamoDb;
  sns: LocalSns;
  /** Stops the servers and puts Powertools' metrics setting back. */
  stop(): Promise<void>;
}

/**
 * Starts the three servers on free ports with the buckets and the findings table made, and keeps
 * Powertools from printing EMF metrics while they run.
 */
export async function startLocalAws(options: { buckets: readonly string[]; table: string }): Promise<LocalAws> {
  const metricsDisabledBefore = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const [s3, ddb, sns] = await Promise.all([startLocalS3(), startLocalDynamoDb(), startLocalSns()]);
  await Promise.all([...options.buckets.map((b) => s3.createBucket(b)), createFindingsTable(ddb.client, options.table)]);
  return {
    s3,
    ddb,
    sns,
    stop: async () => {
      if (metricsDisabledBefore === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
      else process.env.POWERTOOLS_METRICS_DISABLED = metricsDisabledBefore;
      await Promise.all([s3.stop(), ddb.stop(), sns.stop()]);
    },
  };
}
