/**
 * The body of the SQS message S3 sends for a new object: one `ObjectCreated:Put` record, shaped
 * as S3 shapes it, so the analyzer (`objectsInMessage` in lambdas/analyzer/s3-event.ts) cannot
 * tell a replayed object from a live one. Used by `k8s-audit-analyzer backfill`.
 */
export interface NotifiedObject {
  bucket: string;
  /** The object key as stored (not encoded). */
  key: string;
  size: number;
  /** The object's ETag; surrounding quotes (as ListObjectsV2 returns it) are removed, as S3 does in events. */
  eTag: string;
  /** ISO 8601 time of the event. */
  eventTime: string;
  /** The bucket's region. */
  region: string;
  /** S3's per-key ordering value, hex; default: derived from `eventTime`. */
  sequencer?: string;
  /** The notification configuration id S3 names in `s3.configurationId`; default `backfill`. */
  configurationId?: string;
}

/**
 * A key as S3 writes it into event notifications: form-encoded (`encodeURIComponent`, then a
 * space as `+`), with `/` left as it is. `decodeS3Key` in s3-event.ts is its inverse.
 */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** The JSON body S3 sends to SQS for one created object. */
export function s3NotificationBody(object: NotifiedObject): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: object.region,
        eventTime: object.eventTime,
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: object.configurationId ?? 'backfill',
          bucket: { name: object.bucket, arn: `arn:${partitionOf(object.region)}:s3:::${object.bucket}` },
          object: {
            key: encodeS3EventKey(object.key),
            size: object.size,
            eTag: object.eTag.replace(/^"|"$/g, ''),
            sequencer: object.sequencer ?? sequencerFor(object.eventTime),
          },
        },
      },
    ],
  });
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** S3's sequencer is an opaque upper-case hex string that grows for a key over time. */
function sequencerFor(eventTime: string): string {
  const ms = Date.parse(eventTime);
  return (Number.isNaN(ms) ? 0 : ms).toString(16).toUpperCase().padStart(16, '0');
}
