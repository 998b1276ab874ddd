import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SECURITYHUB_FORWARDER_ENV } from '../lambdas/commons/env';
import { deadLetterQueue } from './dead-letter-queue';
import { NodeFunction } from './node-function';

/** The alert kinds that become Security Hub findings: not `test`, and no report or watchdog notice. */
export const IMPORTED_ALERT_KINDS = ['opened', 'updated', 'quiet', 'closed'] as const;

export interface SecurityHubForwarderProps {
  /** The alerts topic the analyzer publishes incident alerts to. */
  readonly topic: ITopic;
  /** The pipeline key: the dead-letter queue is encrypted with it. */
  readonly encryptionKey: IKey;
  readonly logRetentionDays: number;
}

/**
 * Imports incident alerts into Security Hub CSPM as ASFF findings (one per finding group) in the
 * stack's own account and region, through the account's default product (a custom integration
 * every account has; Security Hub must be enabled there). SNS invokes the function
 * asynchronously: a failed import is retried twice, then the event waits in the dead-letter queue.
 */
export class SecurityHubForwarder extends Construct {
  public readonly function: NodeFunction<typeof SECURITYHUB_FORWARDER_ENV>;
  public readonly deadLetterQueue: Queue;
  /** `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`: the only resource the function may import to. */
  public readonly productArn: string;

  constructor(scope: Construct, id: string, props: SecurityHubForwarderProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.productArn = stack.formatArn({ service: 'securityhub', resource: 'product', resourceName: `${stack.account}/default` });
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters', props.encryptionKey);
    this.function = new NodeFunction(this, 'Forwarder', {
      entry: 'lambdas/securityhub-forwarder/handler.ts',
      description: 'k8s-audit-analyzer: imports incident alerts into Security Hub',
      memorySize: 256,
      timeout: Duration.seconds(60), // room for the client's throttling retries (10 calls a second per account)
      logRetentionDays: props.logRetentionDays,
      reservedConcurrentExecutions: 2, // keeps bursts of alerts under Security Hub's import rate
      deadLetterQueue: this.deadLetterQueue,
      contract: SECURITYHUB_FORWARDER_ENV,
    });
    this.function.bind(
      'SECURITY_HUB_PRODUCT_ARN',
      this.productArn,
      new PolicyStatement({ sid: 'ImportFindings', actions: ['securityhub:BatchImportFindings'], resources: [this.productArn] }),
    );
    // The dead-letter queue is encrypted with the pipeline key: Lambda sends to it as this role.
    this.function.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'DeadLettersKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.encryptionKey.keyArn] }),
    );
    props.topic.addSubscription(
      new LambdaSubscription(this.function.fn, { filterPolicy: { kind: SubscriptionFilter.stringFilter({ allowlist: [...IMPORTED_ALERT_KINDS] }) } }),
    );
  }
}
