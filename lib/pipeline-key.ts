import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The customer-managed key of the pipeline's queues and topics. AWS-managed keys (`aws/sqs`,
 * `aws/sns`) cannot be opened to other services, so S3 could not notify an encrypted queue and
 * CloudWatch alarms could not publish to an encrypted topic, nor EventBridge park a failed schedule
 * in an encrypted queue: this key's policy lets exactly those services in, only on behalf of this
 * account.
 */
export class PipelineKey extends Construct {
  public readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'k8s-audit-analyzer: encrypts the work queue, dead-letter queues and SNS topics',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const account = Stack.of(this).account;
    for (const [sid, service] of [
      ['S3NotificationsToQueue', 's3.amazonaws.com'],
      ['CloudWatchAlarmsToTopic', 'cloudwatch.amazonaws.com'],
      ['EventBridgeToDeadLetters', 'events.amazonaws.com'],
    ] as const) {
      this.key.addToResourcePolicy(
        new PolicyStatement({
          sid,
          principals: [new ServicePrincipal(service)],
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: ['*'], // in a key policy, `*` means this key
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
        }),
      );
    }
  }
}
