import { Duration, Stack } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';
import { acknowledgeGuard } from './policy-validation';

export interface WorkQueueProps {
  readonly encryptionKey: IKey;
  /** The consumer's timeout: the queue hides a received message six times as long (AWS's advice for Lambda). */
  readonly consumerTimeout: Duration;
  /**
   * Receives before a message moves to the dead-letter queue. Five survives a throttled or
   * briefly failing function without parking good objects.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/** The work queue between S3 and the analyzer, with its dead-letter queue. */
export class WorkQueue extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const encryption = { encryption: QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey, dataKeyReuse: Duration.hours(1), enforceSSL: true };
    this.deadLetterQueue = new Queue(this, 'DeadLetters', { ...encryption, retentionPeriod: Duration.days(14) });
    acknowledgeGuard(this.deadLetterQueue, ['sqs_dlq_check']);
    this.queue = new Queue(this, 'Queue', {
      ...encryption,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(14), // a backfill may queue more than the fleet clears in SQS's default 4 days
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
  }

  /**
   * Sends the bucket's object-created notifications here, and its object-removed ones (a deleted
   * audit log is a finding), for the whole bucket or for each prefix. Lifecycle expirations are
   * other events and raise nothing.
   */
  notifyOnObjectEvents(bucket: IBucket, prefixes: readonly string[] = []): void {
    const destination = new SqsDestination(this.queue);
    for (const event of [EventType.OBJECT_CREATED, EventType.OBJECT_REMOVED]) {
      if (prefixes.length === 0) bucket.addEventNotification(event, destination);
      for (const prefix of prefixes) bucket.addEventNotification(event, destination, { prefix });
    }
    // CDK configures notifications through a stack-wide singleton function of its own.
    const helper = Stack.of(this).node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
    if (helper) {
      acknowledgeNag(helper, [
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            "CDK's own bucket-notification helper (aws-cdk-lib BucketNotificationsHandler) runs only during deployment; its role and policy are not configurable.",
        },
      ]);
      acknowledgeGuard(helper, ['lambda_inside_vpc_check']);
    }
  }
}
