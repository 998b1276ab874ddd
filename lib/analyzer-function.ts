import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ArtifactsBucket } from './artifacts-bucket';
import type { DeploySeverity } from './deploy-settings';
import { acknowledgeNag } from './nag';
import { NodeFunction } from './node-function';
import { bucketObjectsResource } from './resource-names';

export interface AnalyzerFunctionProps {
  readonly logBucket: IBucket;
  /** Key prefixes the function may read; empty for the whole bucket. */
  readonly logPrefixes: readonly string[];
  readonly queue: IQueue;
  readonly table: ITable;
  readonly alertsTopic: ITopic;
  /** The alerts topic's key: publishing to an encrypted topic needs it. */
  readonly alertsKey: IKey;
  readonly artifactsBucket: IBucket;
  /** The lowest of the destinations' minimum severities: each subscription filters further. */
  readonly minAlertSeverity: DeploySeverity;
  readonly alertCooldownMinutes: number;
  readonly findingsRetentionDays: number;
  /** The rules' configuration (YAML or JSON), as `--config` takes it in the CLI. */
  readonly analyzerConfig?: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly reservedConcurrency?: number;
  /** The most concurrent invocations the queue drives. */
  readonly maxConcurrency: number;
  readonly logRetentionDays: number;
}

/**
 * The analyzer: SQS batches of S3 notifications in, findings in the table, alerts out. Its role
 * allows exactly the calls the handler makes, on exactly these resources.
 */
export class AnalyzerFunction extends Construct {
  public readonly function: NodeFunction;

  constructor(scope: Construct, id: string, props: AnalyzerFunctionProps) {
    super(scope, id);
    if (props.reservedConcurrency !== undefined && props.reservedConcurrency < props.maxConcurrency) {
      throw new Error(`AnalyzerFunction: reserved concurrency ${props.reservedConcurrency} is below the queue's maximum concurrency ${props.maxConcurrency}; SQS would be throttled.`);
    }
    // Lambda allows 4 KB of environment in all; the rest of it takes well under 1 KB.
    if (props.analyzerConfig !== undefined && Buffer.byteLength(props.analyzerConfig) > 3072) {
      throw new Error(`AnalyzerFunction: the analyzer config is ${Buffer.byteLength(props.analyzerConfig)} bytes; Lambda's environment holds at most 3072 of it. Remove comments or move long allowlists into fewer patterns.`);
    }
    this.function = new NodeFunction(this, 'Analyzer', {
      entry: 'lambdas/analyzer/handler.ts',
      description: 'k8s-audit-analyzer: reads new audit-log objects, stores findings, publishes alerts',
      memorySize: props.memorySize,
      timeout: props.timeout,
      logRetentionDays: props.logRetentionDays,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        FINDINGS_TABLE: props.table.tableName,
        ALERTS_TOPIC_ARN: props.alertsTopic.topicArn,
        MIN_ALERT_SEVERITY: props.minAlertSeverity,
        ALERT_COOLDOWN_MINUTES: String(props.alertCooldownMinutes),
        FINDINGS_RETENTION_DAYS: String(props.findingsRetentionDays),
        ARCHIVE_BUCKET: props.artifactsBucket.bucketName,
        ARCHIVE_PREFIX: ArtifactsBucket.ALERTS_PREFIX,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...(props.analyzerConfig !== undefined ? { ANALYZER_CONFIG: props.analyzerConfig } : {}),
      },
    });
    const fn = this.function.fn;
    fn.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );

    const objectResources = (props.logPrefixes.length === 0 ? [''] : props.logPrefixes).map((prefix) => bucketObjectsResource(props.logBucket, `${prefix}*`));
    const archiveResource = bucketObjectsResource(props.artifactsBucket, `${ArtifactsBucket.ALERTS_PREFIX}*`);
    const statements = [
      new PolicyStatement({ sid: 'ReadAuditLogObjects', actions: ['s3:GetObject'], resources: objectResources.map((r) => r.arn) }),
      // Without it S3 answers a deleted object with 403 instead of 404, and the analyzer would retry a
      // key that is gone into the dead-letter queue. (An `s3:prefix` condition would not help: GetObject
      // carries no prefix, so the 404 check would still be denied.)
      new PolicyStatement({ sid: 'TellDeletedObjects', actions: ['s3:ListBucket'], resources: [props.logBucket.bucketArn] }),
      new PolicyStatement({ sid: 'ArchiveOversizedAlerts', actions: ['s3:PutObject'], resources: [archiveResource.arn] }),
      new PolicyStatement({
        sid: 'FindingsAndState',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem'],
        resources: [props.table.tableArn],
      }),
      new PolicyStatement({ sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [props.alertsTopic.topicArn] }),
      new PolicyStatement({ sid: 'EncryptAlerts', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.alertsKey.keyArn] }),
    ];
    for (const statement of statements) this.function.role.addToPrincipalPolicy(statement);

    const policy = this.function.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledgeNag(policy, [
        ...objectResources.map((r) => ({
          id: `AwsSolutions-IAM5[Resource::${r.nagId}]`,
          reason: 'Each new audit-log object under the configured prefixes is a unit of work; object keys are not known in advance. Only s3:GetObject.',
        })),
        {
          id: `AwsSolutions-IAM5[Resource::${archiveResource.nagId}]`,
          reason: 'Oversized alerts are archived under alerts/<cluster>/<day>/<id>.json; the key is made per alert. Only s3:PutObject, only under alerts/.',
        },
      ]);
    }
  }
}
