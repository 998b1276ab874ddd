import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ANALYZER_ENV } from '../lambdas/commons/env';
import { SEMI_SPACE_FLAG } from '../lambdas/commons/young-generation';
import { ArtifactsBucket } from './artifacts-bucket';
import type { DeploySeverity } from './deploy-settings';
import type { NagAcknowledgement } from './nag';
import { acknowledgeNag } from './nag';
import { NodeFunction } from './node-function';
import { bucketObjectsResource } from './resource-names';

export interface AnalyzerFunctionProps {
  readonly queue: IQueue;
  readonly table: ITable;
  readonly alertsTopic: ITopic;
  /** The alerts topic's key: publishing to an encrypted topic needs it. */
  readonly alertsKey: IKey;
  readonly artifactsBucket: IBucket;
  /** The lowest of the destinations' minimum severities: each subscription filters further. */
  readonly minAlertSeverity: DeploySeverity;
  readonly alertCooldownMinutes: number;
  /** Where alerts link each rule's documentation; the handler's default when unset. */
  readonly rulesDocUrl?: string;
  /** Findings of a principal join its incident within this many minutes (the watchdog's sweep ends incidents after the same window). */
  readonly incidentWindowMinutes: number;
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
 * allows exactly the calls the handler makes, on exactly these resources; the audit-log buckets
 * it reads are added with `addLogSource()`.
 */
export class AnalyzerFunction extends Construct {
  public readonly function: NodeFunction<typeof ANALYZER_ENV>;
  private readObjects?: PolicyStatement;
  private listBuckets?: PolicyStatement;

  constructor(scope: Construct, id: string, props: AnalyzerFunctionProps) {
    super(scope, id);
    if (props.reservedConcurrency !== undefined && props.reservedConcurrency < props.maxConcurrency) {
      throw new Error(
        `AnalyzerFunction: reserved concurrency ${props.reservedConcurrency} is below the queue's maximum concurrency ${props.maxConcurrency}; SQS would be throttled.`,
      );
    }
    // Lambda allows 4 KB of environment in all; the rest of it takes well under 1 KB.
    if (props.analyzerConfig !== undefined && Buffer.byteLength(props.analyzerConfig) > 3072) {
      throw new Error(
        `AnalyzerFunction: the analyzer config is ${Buffer.byteLength(props.analyzerConfig)} bytes; Lambda's environment holds at most 3072 of it. Remove comments or move long allowlists into fewer patterns.`,
      );
    }
    this.function = new NodeFunction(this, 'Analyzer', {
      entry: 'lambdas/analyzer/handler.ts',
      description: 'k8s-audit-analyzer: reads new audit-log objects, stores findings, publishes alerts',
      memorySize: props.memorySize,
      timeout: props.timeout,
      logRetentionDays: props.logRetentionDays,
      reservedConcurrentExecutions: props.reservedConcurrency,
      contract: ANALYZER_ENV,
      // A bounded young generation: 18% less CPU per event under a 1024 MB limit (docs/performance.md, "Analyzer Lambda").
      nodeOptions: [SEMI_SPACE_FLAG],
      environment: {
        MIN_ALERT_SEVERITY: props.minAlertSeverity,
        ALERT_COOLDOWN_MINUTES: String(props.alertCooldownMinutes),
        INCIDENT_WINDOW_MINUTES: String(props.incidentWindowMinutes),
        FINDINGS_RETENTION_DAYS: String(props.findingsRetentionDays),
        ARCHIVE_PREFIX: ArtifactsBucket.ALERTS_PREFIX,
        ANALYZER_CONFIG: props.analyzerConfig,
        RULES_DOC_URL: props.rulesDocUrl,
      },
    });
    this.function.fn.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );

    const archiveResource = bucketObjectsResource(props.artifactsBucket, `${ArtifactsBucket.ALERTS_PREFIX}*`);
    this.function
      .bind(
        'FINDINGS_TABLE',
        props.table.tableName,
        new PolicyStatement({
          sid: 'FindingsAndState',
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem'],
          resources: [props.table.tableArn],
        }),
      )
      .bind(
        'ALERTS_TOPIC_ARN',
        props.alertsTopic.topicArn,
        new PolicyStatement({ sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [props.alertsTopic.topicArn] }),
        new PolicyStatement({ sid: 'EncryptAlerts', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.alertsKey.keyArn] }),
      )
      .bind(
        'ARCHIVE_BUCKET',
        props.artifactsBucket.bucketName,
        new PolicyStatement({ sid: 'ArchiveOversizedAlerts', actions: ['s3:PutObject'], resources: [archiveResource.arn] }),
      );
    this.acknowledge([
      {
        id: `AwsSolutions-IAM5[Resource::${archiveResource.nagId}]`,
        reason: 'Oversized alerts are archived under alerts/<cluster>/<day>/<id>.json; the key is made per alert. Only s3:PutObject, only under alerts/.',
      },
    ]);
  }

  /**
   * Lets the function read the audit-log objects of one more bucket, under its prefixes (the whole
   * bucket when there are none). The read statements grow; their sids stay.
   */
  addLogSource(bucket: IBucket, prefixes: readonly string[]): void {
    const objectResources = (prefixes.length === 0 ? [''] : prefixes).map((prefix) => bucketObjectsResource(bucket, `${prefix}*`));
    if (this.readObjects === undefined || this.listBuckets === undefined) {
      this.readObjects = new PolicyStatement({ sid: 'ReadAuditLogObjects', actions: ['s3:GetObject'] });
      // Without it S3 answers a deleted object with 403 instead of 404, and the analyzer would retry a
      // key that is gone into the dead-letter queue. (An `s3:prefix` condition would not help: GetObject
      // carries no prefix, so the 404 check would still be denied.)
      this.listBuckets = new PolicyStatement({ sid: 'TellDeletedObjects', actions: ['s3:ListBucket'] });
      this.function.role.addToPrincipalPolicy(this.readObjects);
      this.function.role.addToPrincipalPolicy(this.listBuckets);
    }
    this.readObjects.addResources(...objectResources.map((r) => r.arn));
    this.listBuckets.addResources(bucket.bucketArn);
    this.acknowledge(
      objectResources.map((r) => ({
        id: `AwsSolutions-IAM5[Resource::${r.nagId}]`,
        reason: 'Each new audit-log object under the configured prefixes is a unit of work; object keys are not known in advance. Only s3:GetObject.',
      })),
    );
  }

  private acknowledge(acknowledgements: readonly NagAcknowledgement[]): void {
    const policy = this.function.role.node.tryFindChild('DefaultPolicy');
    if (policy) acknowledgeNag(policy, acknowledgements);
  }
}
