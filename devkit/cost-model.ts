/**
 * The cost model of the analyzer benchmark (bench/analyzer.bench.ts), as pure arithmetic: what one
 * cluster's audit traffic costs a month to analyze, from per-event rates measured by the benchmark
 * and per-object costs set by Firehose's buffering, next to GuardDuty's EKS audit-log price; and,
 * apart from it, what delivering the logs to S3 costs (CloudWatch Logs and Firehose ingestion),
 * which GuardDuty does not need.
 */

export const MILLION = 1e6;
export const KIB = 1024;
export const MIB = 1024 * KIB;
/** AWS prices "per GB" of data as 2^30 bytes. */
export const GIB = 1024 * MIB;
/** AWS's month for monthly estimates. */
export const HOURS_PER_MONTH = 730;

export interface GuardDutyTier {
  /** Events in this tier (the last tier should be open: Infinity). */
  events: number;
  perMillion: number;
}

export interface Prices {
  lambdaGbSecond: number;
  lambdaRequest: number;
  sqsRequest: number;
  dynamoWriteUnit: number;
  dynamoReadUnit: number;
  snsPublish: number;
  s3Put: number;
  s3Get: number;
  /** Delivery, not analysis: CloudWatch Logs ingestion per GiB of log events. */
  cloudWatchLogsIngestGiB: number;
  /** Delivery, not analysis: Firehose ingestion per GiB received, each record rounded up to `firehoseRecordRounding` bytes. */
  firehoseIngestGiB: number;
  firehoseRecordRounding: number;
  guardDuty: readonly GuardDutyTier[];
}

/**
 * us-east-1 list prices, as noted when the model was written (check the AWS price pages before
 * quoting them). Lambda arm64. GuardDuty EKS audit-log monitoring: $1.60 per million events for the first
 * 100M a month, $0.80 for the next 100M; the notes give no price above 200M, so $0.80 is carried
 * on (if the price page lists a lower tier there, GuardDuty's figure above 200M is an upper bound).
 */
export const PRICES: Prices = {
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / MILLION,
  sqsRequest: 0.4 / MILLION,
  dynamoWriteUnit: 0.625 / MILLION,
  dynamoReadUnit: 0.125 / MILLION,
  snsPublish: 0.5 / MILLION,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  cloudWatchLogsIngestGiB: 0.5,
  firehoseIngestGiB: 0.029,
  firehoseRecordRounding: 5 * KIB,
  guardDuty: [
    { events: 100 * MILLION, perMillion: 1.6 },
    { events: Infinity, perMillion: 0.8 },
  ],
};

/** What the benchmark measured, reduced to rates. */
export interface Rates {
  /** The function's configured memory. */
  memoryMb: number;
  // --- per audit event (what grows with the traffic) ---
  /** Estimated Lambda duration at `memoryMb` per event (the per-object overheads of the benchmark's objects included). */
  lambdaSecondsPerEvent: number;
  /** DynamoDB write units per event: findings, detector state, alert cooldowns (coverage is per object, below). */
  writeUnitsPerEvent: number;
  readUnitsPerEvent: number;
  snsPublishesPerEvent: number;
  // --- per object (what grows with the objects Firehose writes) ---
  /** Billed duration of one invocation for a tiny object: the least an object costs in Lambda time. */
  objectSeconds: number;
  /** The coverage `UpdateItem` every object makes. */
  coverageWriteUnitsPerObject: number;
  /** Objects per SQS batch (receive + delete shared by them); 1 when objects arrive minutes apart. */
  objectsPerBatch: number;
  // --- sizes ---
  /** Uncompressed audit event bytes (the log event CloudWatch Logs ingests). */
  auditBytesPerEvent: number;
  /** Bytes Firehose receives per event: CloudWatch Logs sends it gzipped records. Its buffer counts these in `raw` mode. */
  firehoseBytesPerEvent: number;
  /** The same with each record rounded up as Firehose bills ingestion. */
  firehoseBilledBytesPerEvent: number;
}

/**
 * How the delivery stream treats CloudWatch Logs' records (lib/eks-audit-ingestion.ts): `extract`
 * (its default) decompresses them and keeps the audit events as JSON lines, so the buffer fills
 * with uncompressed events; `raw` buffers the gzipped records as they came.
 */
export type FirehoseMode = 'extract' | 'raw';

export interface Traffic {
  eventsPerHour: number;
  /** Firehose buffering interval, seconds (60 by default in this stack, up to 900). */
  bufferSeconds: number;
  /** Firehose buffering size, MiB (5), measured before Firehose's GZIP. */
  bufferMiB: number;
  mode: FirehoseMode;
}

/** What one event adds to Firehose's buffer: an uncompressed JSON line (`extract`) or its share of the gzipped records (`raw`). */
export const bufferedBytesPerEvent = (rates: Rates, mode: FirehoseMode): number =>
  mode === 'extract' ? rates.auditBytesPerEvent + 1 : rates.firehoseBytesPerEvent;

/**
 * Objects Firehose writes an hour: one per buffering interval that saw any event (at most one per
 * event when events are fewer than intervals), or more when the buffer fills first.
 */
export function objectsPerHour(traffic: Traffic, bytesPerEvent: number): number {
  if (traffic.eventsPerHour <= 0) return 0;
  const intervals = 3600 / traffic.bufferSeconds;
  const bySize = Math.ceil((traffic.eventsPerHour * bytesPerEvent) / (traffic.bufferMiB * MIB));
  return Math.max(Math.min(intervals, Math.ceil(traffic.eventsPerHour)), bySize);
}

/** GuardDuty's tiered price for a month's events. */
export function guardDutyMonthly(events: number, tiers: readonly GuardDutyTier[] = PRICES.guardDuty): number {
  let left = events;
  let cost = 0;
  for (const tier of tiers) {
    const inTier = Math.min(left, tier.events);
    cost += (inTier / MILLION) * tier.perMillion;
    left -= inTier;
    if (left <= 0) break;
  }
  return cost;
}

/** Analysis cost by service, in dollars. */
export interface Breakdown {
  lambdaCompute: number;
  lambdaRequests: number;
  dynamoWrites: number;
  dynamoReads: number;
  sns: number;
  s3Puts: number;
  s3Gets: number;
  sqs: number;
}

export const BREAKDOWN_LABELS: Record<keyof Breakdown, string> = {
  lambdaCompute: 'Lambda compute',
  lambdaRequests: 'Lambda requests',
  dynamoWrites: 'DynamoDB writes',
  dynamoReads: 'DynamoDB reads',
  sns: 'SNS publishes',
  s3Puts: "S3 PUTs (Firehose's)",
  s3Gets: 'S3 GETs',
  sqs: 'SQS requests',
};

export interface MonthlyCost {
  traffic: Traffic;
  eventsPerMonth: number;
  objectsPerHour: number;
  objectsPerMonth: number;
  /** The analysis, by service: per-event and per-object parts summed. */
  breakdown: Breakdown;
  /** The parts that grow with events / with objects. */
  perEventPart: number;
  perObjectPart: number;
  analysis: number;
  analysisPerMillion: number;
  guardDuty: number;
  guardDutyPerMillion: number;
  /** analysis ÷ GuardDuty. */
  ratio: number;
  /** The biggest line of the breakdown and its share of the analysis. */
  dominant: { service: keyof Breakdown; share: number };
  /** Delivery to S3, not analysis (GuardDuty reads the audit logs without it). */
  delivery: { cloudWatchLogs: number; firehose: number; total: number; perMillion: number };
}

export function monthlyCost(rates: Rates, traffic: Traffic, prices: Prices = PRICES): MonthlyCost {
  const events = traffic.eventsPerHour * HOURS_PER_MONTH;
  const perHour = objectsPerHour(traffic, bufferedBytesPerEvent(rates, traffic.mode));
  const objects = perHour * HOURS_PER_MONTH;
  const gb = rates.memoryMb / 1024;
  const perEvent: Breakdown = {
    lambdaCompute: events * rates.lambdaSecondsPerEvent * gb * prices.lambdaGbSecond,
    lambdaRequests: 0,
    dynamoWrites: events * rates.writeUnitsPerEvent * prices.dynamoWriteUnit,
    dynamoReads: events * rates.readUnitsPerEvent * prices.dynamoReadUnit,
    sns: events * rates.snsPublishesPerEvent * prices.snsPublish,
    s3Puts: 0,
    s3Gets: 0,
    sqs: 0,
  };
  // Per object: Firehose's PUT, the analyzer's GET, S3's SendMessage and a share of a receive and
  // a delete, one invocation at least as long as a tiny object's, one coverage UpdateItem.
  const perObject: Breakdown = {
    lambdaCompute: objects * rates.objectSeconds * gb * prices.lambdaGbSecond,
    lambdaRequests: objects * prices.lambdaRequest,
    dynamoWrites: objects * rates.coverageWriteUnitsPerObject * prices.dynamoWriteUnit,
    dynamoReads: 0,
    sns: 0,
    s3Puts: objects * prices.s3Put,
    s3Gets: objects * prices.s3Get,
    sqs: objects * (1 + 2 / rates.objectsPerBatch) * prices.sqsRequest,
  };
  const keys = Object.keys(perEvent) as Array<keyof Breakdown>;
  const breakdown = Object.fromEntries(keys.map((k) => [k, perEvent[k] + perObject[k]])) as unknown as Breakdown;
  const sum = (b: Breakdown): number => keys.reduce((total, k) => total + b[k], 0);
  const analysis = sum(breakdown);
  const guardDuty = guardDutyMonthly(events, prices.guardDuty);
  const top = keys.reduce((best, k) => (breakdown[k] > breakdown[best] ? k : best), keys[0]);
  const cloudWatchLogs = ((events * rates.auditBytesPerEvent) / GIB) * prices.cloudWatchLogsIngestGiB;
  const firehose = ((events * rates.firehoseBilledBytesPerEvent) / GIB) * prices.firehoseIngestGiB;
  const perMillion = (dollars: number): number => (events === 0 ? 0 : (dollars * MILLION) / events);
  return {
    traffic,
    eventsPerMonth: events,
    objectsPerHour: perHour,
    objectsPerMonth: objects,
    breakdown,
    perEventPart: sum(perEvent),
    perObjectPart: sum(perObject),
    analysis,
    analysisPerMillion: perMillion(analysis),
    guardDuty,
    guardDutyPerMillion: perMillion(guardDuty),
    ratio: guardDuty === 0 ? 0 : analysis / guardDuty,
    dominant: { service: top, share: analysis === 0 ? 0 : breakdown[top] / analysis },
    delivery: { cloudWatchLogs, firehose, total: cloudWatchLogs + firehose, perMillion: perMillion(cloudWatchLogs + firehose) },
  };
}

/**
 * Firehose bills ingestion per record rounded up to 5 KB: the bytes billed for `records` records of
 * `bytes` in all, each taken at their mean size (the sizes of single records are not kept).
 */
export function firehoseBilledBytes(bytes: number, records: number, rounding = PRICES.firehoseRecordRounding): number {
  if (records <= 0) return 0;
  return records * Math.ceil(bytes / records / rounding) * rounding;
}
