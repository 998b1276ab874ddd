import { redactText } from '../core/detect/redact';
import type { ObjectRemoval } from '../core/pipeline/removals';

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

/**
 * An object removed from the log bucket (`ObjectRemoved:Delete`, `ObjectRemoved:DeleteMarkerCreated`):
 * who removed what, as the notification says it. A finding, not an object to read.
 */
export type S3RemovalRef = ObjectRemoval;

/** What one message names: objects to analyze, and objects removed from the bucket. */
export interface S3Notifications {
  created: S3ObjectRef[];
  removed: S3RemovalRef[];
  /** Event names of records that are neither (lifecycle expirations, restores, replication, ...), for the log. */
  ignored: string[];
}

export class NotAnS3EventError extends Error {
  override readonly name = 'NotAnS3EventError';
}

interface S3EventRecord {
  eventName?: string;
  eventTime?: string;
  awsRegion?: string;
  userIdentity?: { principalId?: string };
  requestParameters?: { sourceIPAddress?: string };
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; versionId?: string; sequencer?: string } };
}

const optionalString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The records of an S3 notification, sorted by kind. `ObjectCreated:*` is an object to analyze;
 * `ObjectRemoved:Delete` and `ObjectRemoved:DeleteMarkerCreated` (someone deleting through the
 * API) are removals. S3 Lifecycle expirations arrive as `LifecycleExpiration:Delete` and
 * `LifecycleExpiration:DeleteMarkerCreated`, other event types that the stack does not subscribe
 * to; if they come anyway they are ignored, so retention by lifecycle rule raises nothing.
 * A record without an event name is taken as a creation (the shape replays and tests send).
 */
export function notificationsInMessage(body: string): S3Notifications {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // The record's failure is logged with this message: whoever sent the body chose it.
    throw new NotAnS3EventError(`message body is not JSON: ${redactText(body.slice(0, 80))}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new NotAnS3EventError('message body is not an object');
  const event = parsed as { Event?: unknown; Records?: unknown };
  const out: S3Notifications = { created: [], removed: [], ignored: [] };
  if (event.Event === 's3:TestEvent') return out;
  if (!Array.isArray(event.Records)) throw new NotAnS3EventError('message has no S3 Records');
  for (const record of event.Records as S3EventRecord[]) {
    const name = typeof record.eventName === 'string' ? record.eventName : undefined;
    const created = name === undefined || name.startsWith('ObjectCreated:');
    const removed = name !== undefined && name.startsWith('ObjectRemoved:');
    if (!created && !removed) {
      out.ignored.push(name ?? '');
      continue;
    }
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') throw new NotAnS3EventError('S3 record without bucket name or object key');
    if (created) {
      out.created.push({ bucket, key: decodeS3Key(key), size: record.s3?.object?.size, eventTime: record.eventTime });
      continue;
    }
    const object = record.s3?.object;
    const removal: S3RemovalRef = { bucket, key: decodeS3Key(key), eventName: name ?? '' };
    const fields: Array<[keyof S3RemovalRef, string | undefined]> = [
      ['eventTime', optionalString(record.eventTime)],
      ['versionId', optionalString(object?.versionId)],
      ['sequencer', optionalString(object?.sequencer)],
      ['principalId', optionalString(record.userIdentity?.principalId)],
      ['sourceIPAddress', optionalString(record.requestParameters?.sourceIPAddress)],
      ['region', optionalString(record.awsRegion)],
    ];
    for (const [field, value] of fields) if (value !== undefined) removal[field] = value;
    out.removed.push(removal);
  }
  return out;
}

/** The objects to analyze that a message names (removals and other events left out). */
export function objectsInMessage(body: string): S3ObjectRef[] {
  return notificationsInMessage(body).created;
}

/** S3 event keys are form-encoded: `+` is a space, `%2B` a plus. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export { clusterFromKey } from '../core/read/object-key';
