import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WATCHDOG_ENV } from '../lambdas/commons/env';
import { deadLetterQueue } from './dead-letter-queue';
import { NodeFunction } from './node-function';

export interface WatchdogProps {
  readonly table: ITable;
  readonly topic: ITopic;
  readonly encryptionKey: IKey;
  /** A cluster whose prefix received no object for this long raises `audit-tampering.log-silence`. */
  readonly silenceMinutes: number;
  /** Clusters expected even before the analyzer has seen them. */
  readonly watchedClusters: readonly string[];
  readonly findingsRetentionDays: number;
  readonly logRetentionDays: number;
  /** The rules' configuration, as the analyzer gets it: switched-off rules, overrides and exceptions apply to the watchdog's findings too. */
  readonly analyzerConfig?: string;
  /** The analyzer's incident window (give both the same value): an incident idle longer, plus a delivery grace, goes quiet. */
  readonly incidentWindowMinutes: number;
  /** Publish a final summary when an alerted incident goes quiet. */
  readonly incidentSummary: boolean;
  /** Where the summaries link each rule's documentation, as the analyzer's alerts do; the handler's default when unset. */
  readonly rulesDocUrl?: string;
}

/**
 * A watchdog on the audit trail itself: every five minutes it looks for clusters whose logs went
 * silent and ends incidents that went quiet (with a summary when asked), and it hears CloudTrail's `UpdateClusterConfig` calls that switch an EKS cluster's audit
 * log off. (Deleted log objects reach the analyzer through the work queue.) EventBridge only sees
 * CloudTrail management events when a trail records them.
 */
export class Watchdog extends Construct {
  public readonly function: NodeFunction<typeof WATCHDOG_ENV>;
  public readonly deadLetterQueue: Queue;
  public readonly schedule: Rule;
  public readonly loggingChanges: Rule;

  constructor(scope: Construct, id: string, props: WatchdogProps) {
    super(scope, id);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters', props.encryptionKey);
    this.function = new NodeFunction(this, 'Watchdog', {
      entry: 'lambdas/watchdog/handler.ts',
      description: 'k8s-audit-analyzer: raises a finding when audit logs go silent or EKS audit logging is switched off',
      memorySize: 256,
      timeout: Duration.seconds(60),
      logRetentionDays: props.logRetentionDays,
      reservedConcurrentExecutions: 1, // overlapping checks of one silence could alert twice
      deadLetterQueue: this.deadLetterQueue,
      contract: WATCHDOG_ENV,
      environment: {
        SILENCE_MINUTES: String(props.silenceMinutes),
        FINDINGS_RETENTION_DAYS: String(props.findingsRetentionDays),
        WATCHED_CLUSTERS: props.watchedClusters.length > 0 ? props.watchedClusters.join(',') : undefined,
        ANALYZER_CONFIG: props.analyzerConfig,
        INCIDENT_WINDOW_MINUTES: String(props.incidentWindowMinutes),
        INCIDENT_SUMMARY: String(props.incidentSummary),
        RULES_DOC_URL: props.rulesDocUrl,
      },
    });
    this.function
      .bind(
        'FINDINGS_TABLE',
        props.table.tableName,
        new PolicyStatement({
          sid: 'FindingsAndWatchState',
          actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem'],
          resources: [props.table.tableArn],
        }),
      )
      .bind(
        'ALERTS_TOPIC_ARN',
        props.topic.topicArn,
        new PolicyStatement({ sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [props.topic.topicArn] }),
        new PolicyStatement({ sid: 'PipelineKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.encryptionKey.keyArn] }),
      );
    const target = new LambdaFunction(this.function.fn, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.hours(1) });
    this.schedule = new Rule(this, 'Every5Minutes', {
      description: 'k8s-audit-analyzer: audit-log silence check and quiet incidents',
      schedule: Schedule.rate(Duration.minutes(5)),
    });
    this.schedule.addTarget(target);
    this.loggingChanges = new Rule(this, 'EksLoggingChanges', {
      description: 'k8s-audit-analyzer: EKS cluster logging configuration changes (CloudTrail)',
      eventPattern: {
        source: ['aws.eks'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['eks.amazonaws.com'], eventName: ['UpdateClusterConfig'] },
      },
    });
    this.loggingChanges.addTarget(target);
  }
}
