import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * The batch with its most-delivered records first (a stable sort), so a record deferred at the
 * deadline leads its next batch; counts the highest delivery count (`RecordReceiveCount`), whose
 * alarm fires before a record that always fails reaches the DLQ.
 */
export function mostDeliveredFirst(event: SQSEvent, metrics: Metrics): SQSEvent {
  const receives = Math.max(0, ...(event.Records ?? []).map(receiveCount));
  if (receives > 0) metrics.addMetric('RecordReceiveCount', MetricUnit.Count, receives);
  return Array.isArray(event.Records) ? { ...event, Records: [...event.Records].sort((a, b) => receiveCount(b) - receiveCount(a)) } : event;
}

/** SQS's count of deliveries of the record, this one included (0 when absent). */
function receiveCount(record: SQSRecord): number {
  return Number(record.attributes?.ApproximateReceiveCount) || 0;
}
