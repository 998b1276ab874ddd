import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SLACK_NOTIFIER_ENV } from '../lambdas/commons/env';
import { deadLetterQueue } from './dead-letter-queue';
import type { DeploySeverity } from './deploy-settings';
import { NodeFunction } from './node-function';
import { severityFilterPolicy } from './severity-filter';

export interface SlackNotifierProps {
  readonly topic: ITopic;
  /** The Secrets Manager secret holding the incoming-webhook URL (never the URL itself). */
  readonly webhookSecretArn: string;
  readonly minSeverity: DeploySeverity;
  readonly encryptionKey: IKey;
  readonly logRetentionDays: number;
}

/**
 * Posts alerts to a Slack incoming webhook. SNS invokes it asynchronously: Lambda retries a failed
 * post twice, then the event waits in the dead-letter queue rather than being dropped.
 */
export class SlackNotifier extends Construct {
  public readonly function: NodeFunction<typeof SLACK_NOTIFIER_ENV>;
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: SlackNotifierProps) {
    super(scope, id);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters', props.encryptionKey);
    this.function = new NodeFunction(this, 'Notifier', {
      entry: 'lambdas/slack-notifier/handler.ts',
      description: 'k8s-audit-analyzer: posts alerts to Slack',
      memorySize: 256,
      timeout: Duration.seconds(90), // room for the poster's retries: Retry-After waits up to 30 s and 10 s per attempt
      logRetentionDays: props.logRetentionDays,
      reservedConcurrentExecutions: 1, // one poster keeps to Slack's one message per second per webhook
      deadLetterQueue: this.deadLetterQueue,
      contract: SLACK_NOTIFIER_ENV,
      environment: { MIN_SEVERITY: props.minSeverity },
    });
    this.function.bind(
      'SLACK_WEBHOOK_SECRET_ARN',
      props.webhookSecretArn,
      new PolicyStatement({ sid: 'ReadWebhookUrl', actions: ['secretsmanager:GetSecretValue'], resources: [props.webhookSecretArn] }),
    );
    // The dead-letter queue is encrypted with the pipeline key: Lambda sends to it as this role.
    this.function.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'DeadLettersKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.encryptionKey.keyArn] }),
    );
    props.topic.addSubscription(new LambdaSubscription(this.function.fn, { filterPolicy: severityFilterPolicy(props.minSeverity) }));
  }
}
