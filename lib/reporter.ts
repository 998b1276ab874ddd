import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPORTER_ENV } from '../lambdas/commons/env';
import { deadLetterQueue } from './dead-letter-queue';
import { ArtifactsBucket } from './artifacts-bucket';
import { acknowledgeNag } from './nag';
import { NodeFunction } from './node-function';
import { bucketObjectsResource } from './resource-names';

export interface ReporterProps {
  /** An EventBridge schedule expression, e.g. `cron(0 6 ? * MON *)`. */
  readonly scheduleExpression: string;
  /** The period each report covers: the last complete UTC day or ISO week before the schedule time. */
  readonly cadence: 'weekly' | 'daily';
  readonly table: ITable;
  readonly artifactsBucket: IBucket;
  readonly topic: ITopic;
  readonly encryptionKey: IKey;
  readonly linkTtlHours: number;
  readonly clusters: readonly string[];
  readonly analyzerConfig?: string;
  readonly logRetentionDays: number;
}

/**
 * The scheduled compliance report: EventBridge invokes the reporter, which reads the period's
 * findings by cluster and day (Queries, never a Scan), writes HTML, CSV and JSON under `reports/`,
 * and publishes a summary with a pre-signed link. A failed run is retried twice by Lambda and then
 * kept in the dead-letter queue, as is an event EventBridge could not deliver.
 */
export class Reporter extends Construct {
  public readonly function: NodeFunction<typeof REPORTER_ENV>;
  public readonly deadLetterQueue: Queue;
  public readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: ReporterProps) {
    super(scope, id);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters', props.encryptionKey);
    this.function = new NodeFunction(this, 'Reporter', {
      entry: 'lambdas/reporter/handler.ts',
      description: 'k8s-audit-analyzer: writes the scheduled compliance report and publishes its summary',
      memorySize: 1024,
      timeout: Duration.minutes(10), // a week of a busy fleet's findings, read day by day
      logRetentionDays: props.logRetentionDays,
      deadLetterQueue: this.deadLetterQueue,
      contract: REPORTER_ENV,
      environment: {
        REPORTS_PREFIX: ArtifactsBucket.REPORTS_PREFIX,
        REPORT_CADENCE: props.cadence,
        REPORT_LINK_TTL_HOURS: String(props.linkTtlHours),
        REPORT_CLUSTERS: props.clusters.length > 0 ? props.clusters.join(',') : undefined,
        ANALYZER_CONFIG: props.analyzerConfig,
      },
    });
    const reports = bucketObjectsResource(props.artifactsBucket, `${ArtifactsBucket.REPORTS_PREFIX}*`);
    this.function
      .bind(
        'FINDINGS_TABLE',
        props.table.tableName,
        new PolicyStatement({ sid: 'ReadFindings', actions: ['dynamodb:Query', 'dynamodb:GetItem'], resources: [props.table.tableArn] }),
      )
      // GetObject because the pre-signed link is signed as this role: S3 checks the signer's rights.
      .bind(
        'REPORTS_BUCKET',
        props.artifactsBucket.bucketName,
        new PolicyStatement({ sid: 'WriteAndLinkReports', actions: ['s3:PutObject', 's3:GetObject'], resources: [reports.arn] }),
      )
      .bind(
        'ALERTS_TOPIC_ARN',
        props.topic.topicArn,
        new PolicyStatement({ sid: 'PublishSummary', actions: ['sns:Publish'], resources: [props.topic.topicArn] }),
        new PolicyStatement({ sid: 'PipelineKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.encryptionKey.keyArn] }),
      );
    const policy = this.function.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledgeNag(policy, [
        {
          id: `AwsSolutions-IAM5[Resource::${reports.nagId}]`,
          reason:
            'Each run writes and links reports/<scope>/<period>/{report.html,findings.csv,report.json}; the keys are made per period. Only under reports/.',
        },
      ]);
    }
    this.schedule = new Rule(this, 'Schedule', {
      description: `k8s-audit-analyzer ${props.cadence} compliance report`,
      schedule: Schedule.expression(props.scheduleExpression),
    });
    this.schedule.addTarget(new LambdaFunction(this.function.fn, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.hours(6) }));
  }
}
