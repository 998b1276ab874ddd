import { ArnFormat, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface PipelineKeyProps {
  /**
   * The buckets whose event notifications S3 sends to a queue on this key: S3 may use the key
   * only on their behalf (`aws:SourceArn`).
   * @default - S3 may use it on behalf of any bucket of this account (`aws:SourceAccount` only)
   */
  readonly notificationBuckets?: readonly IBucket[];
}

/**
 * The customer-managed key of the pipeline's queues and topics. AWS-managed keys (`aws/sqs`,
 * `aws/sns`) cannot be opened to other services, so S3 could not notify an encrypted queue and
 * CloudWatch alarms could not publish to an encrypted topic, nor EventBridge park a failed schedule
 * in an encrypted queue: this key's policy lets exactly those services in, only on behalf of this
 * account (`aws:SourceAccount`) and only for the resources that use it (`aws:SourceArn`): the
 * notifying buckets, this account's alarms in this region, its EventBridge rules in this region.
 */
export class PipelineKey extends Construct {
  public readonly key: Key;
  private readonly notifyingBuckets: string[] = [];

  constructor(scope: Construct, id: string, props: PipelineKeyProps = {}) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'k8s-audit-analyzer: encrypts the work queue, dead-letter queues and SNS topics',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Grants outlive policies and are easy to miss in a review: only AWS services may create them,
    // for the resources they integrate with (Control Tower CT.KMS.PR.3).
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'GrantsOnlyForAwsServices',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );
    const stack = Stack.of(this);
    for (const bucket of props.notificationBuckets ?? []) this.allowNotificationsFrom(bucket);
    // Read at synth, so `allowNotificationsFrom()` may add buckets after construction. With none,
    // the S3 statement keeps only the account condition.
    const buckets = Lazy.any({
      produce: () =>
        this.notifyingBuckets.length === 0
          ? undefined
          : { 'aws:SourceArn': this.notifyingBuckets.length === 1 ? this.notifyingBuckets[0] : [...this.notifyingBuckets] },
    });
    for (const [sid, service, arnLike] of [
      ['S3NotificationsToQueue', 's3.amazonaws.com', buckets],
      [
        'CloudWatchAlarmsToTopic',
        'cloudwatch.amazonaws.com',
        { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      ],
      ['EventBridgeToDeadLetters', 'events.amazonaws.com', { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) }],
    ] as const) {
      this.key.addToResourcePolicy(
        new PolicyStatement({
          sid,
          principals: [new ServicePrincipal(service)],
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: ['*'], // in a key policy, `*` means this key
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: arnLike },
        }),
      );
    }
  }

  /** Lets S3 use the key for event notifications from one more bucket (`aws:SourceArn`). */
  allowNotificationsFrom(bucket: IBucket): void {
    if (!this.notifyingBuckets.includes(bucket.bucketArn)) this.notifyingBuckets.push(bucket.bucketArn);
  }
}
