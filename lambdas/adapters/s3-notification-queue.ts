import type { ListedObject, SendOutcome, WorkQueue } from '../core/ports';
import { s3NotificationBody } from './s3-notification';
import type { WorkMessage } from './sqs-work-sender';

/** The message attribute that marks backfill traffic (the analyzer ignores it). */
export const BACKFILL_ATTRIBUTES = { source: 'backfill' } as const;

/**
 * The analyzer's work queue as the backfill sees it: each object goes as the notification S3 sends
 * for a new object (one `ObjectCreated:Put` record, the event time when its batch is sent), marked
 * with `BACKFILL_ATTRIBUTES`, through a sender of messages (`SqsWorkSender`).
 */
export class S3NotificationQueue implements WorkQueue {
  constructor(
    private readonly sender: { send(messages: readonly WorkMessage[]): Promise<SendOutcome> },
    private readonly options: {
      /** The region written into the notifications (the bucket's, which S3 requires to be the queue's). */
      region: string;
      now: () => Date;
    },
  ) {}

  send(objects: readonly ListedObject[]): Promise<SendOutcome> {
    const eventTime = this.options.now().toISOString();
    return this.sender.send(
      objects.map((o) => ({
        body: s3NotificationBody({ bucket: o.bucket, key: o.key, size: o.size, eTag: o.eTag, eventTime, region: this.options.region }),
        attributes: { ...BACKFILL_ATTRIBUTES },
      })),
    );
  }
}
