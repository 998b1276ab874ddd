/**
 * The S3 objects named by an SQS message carrying an S3 event notification. S3 URL-encodes keys
 * (a space arrives as `+`), sends an `s3:TestEvent` when a notification is configured, and
 * varies `eventVersion` (2.1-2.6): so keys are decoded, the test event is skipped, and the
 * version is not checked.
 */
export interface S3ObjectRef {
  bucket: string;
  key: string;
  size?: number;
  /** ISO time S3 recorded the event; the processing lag is measured from it. */
  eventTime?: string;
}

export class NotAnS3EventError extends Error {
  override readonly name = 'NotAnS3EventError';
}

export function objectsInMessage(body: string): S3ObjectRef[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new NotAnS3EventError(`message body is not JSON: ${body.slice(0, 80)}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new NotAnS3EventError('message body is not an object');
  const event = parsed as { Event?: unknown; Records?: unknown };
  if (event.Event === 's3:TestEvent') return [];
  if (!Array.isArray(event.Records)) throw new NotAnS3EventError('message has no S3 Records');
  const refs: S3ObjectRef[] = [];
  for (const record of event.Records as Array<{ eventName?: string; eventTime?: string; s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number } } }>) {
    // Removals are for the audit-trail watchdog, not the analyzer.
    if (typeof record.eventName === 'string' && !record.eventName.startsWith('ObjectCreated:')) continue;
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') throw new NotAnS3EventError('S3 record without bucket name or object key');
    refs.push({ bucket, key: decodeS3Key(key), size: record.s3?.object?.size, eventTime: record.eventTime });
  }
  return refs;
}

/** S3 event keys are form-encoded: `+` is a space, `%2B` a plus. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * The cluster an object belongs to when its key says so: `clusters/<name>/…` (the layout the
 * ingestion writes) or EKS's CloudWatch log group in the key (`/aws/eks/<name>/cluster`).
 */
export function clusterFromKey(key: string): string | undefined {
  return /(?:^|\/)clusters\/([^/]+)\//.exec(key)?.[1] ?? /aws\/eks\/([^/]+)\/cluster/.exec(key)?.[1];
}
