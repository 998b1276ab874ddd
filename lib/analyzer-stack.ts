import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { AlertsTopic } from './alerts-topic';
import { AnalyzerFunction } from './analyzer-function';
import { ArtifactsBucket } from './artifacts-bucket';
import { AuditLogBucket } from './audit-log-bucket';
import { ChatbotChannel } from './chatbot-channel';
import type { DeploySettings } from './deploy-settings';
import { parseDeploySettings, reportScheduleOf } from './deploy-settings';
import { FindingsTable } from './findings-table';
import { OperationsAlarms } from './operations-alarms';
import { PipelineKey } from './pipeline-key';
import { Reporter } from './reporter';
import { Watchdog } from './watchdog';
import { EksAuditIngestion } from './eks-audit-ingestion';
import { lowestSeverity } from './severity-filter';
import { SlackNotifier } from './slack-notifier';
import { WorkQueue } from './work-queue';

export interface AnalyzerStackProps extends StackProps {
  /** Validated settings; `parseDeploySettings({})` gives the defaults. */
  readonly settings?: DeploySettings;
}

/**
 * The deployable product: S3 → SQS → analyzer Lambda → DynamoDB → SNS (email, Slack, Chatbot),
 * the scheduled compliance reporter, the watchdog on the audit trail, optional EKS ingestion
 * (CloudWatch Logs → Firehose → the bucket), and alarms on the pipeline to an ops topic. One construct per concern; this class only wires.
 */
export class AnalyzerStack extends Stack {
  public readonly logBucket: AuditLogBucket;
  public readonly workQueue: WorkQueue;
  public readonly analyzer: AnalyzerFunction;
  public readonly findings: FindingsTable;
  public readonly alerts: AlertsTopic;
  public readonly ops: AlertsTopic;
  public readonly slack?: SlackNotifier;
  public readonly reporter: Reporter;
  public readonly watchdog: Watchdog;
  public readonly eksIngestion?: EksAuditIngestion;

  constructor(scope: Construct, id: string, props: AnalyzerStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? parseDeploySettings({});
    const accessLogs = new AccessLogsBucket(this, 'AccessLogs');
    this.logBucket = new AuditLogBucket(this, 'AuditLogs', {
      accessLogsBucket: accessLogs.bucket,
      existingBucketName: settings.existingLogBucketName,
      acceptResponsibilityForImportedBucket: settings.acceptResponsibilityForImportedBucket,
    });
    const artifacts = new ArtifactsBucket(this, 'Artifacts', { accessLogsBucket: accessLogs.bucket, expireAfterDays: settings.findingsRetentionDays });
    const key = new PipelineKey(this, 'PipelineKey', { notificationBuckets: [this.logBucket.bucket] }).key;
    const timeout = Duration.seconds(settings.analyzerTimeoutSeconds);
    this.workQueue = new WorkQueue(this, 'Work', { encryptionKey: key, consumerTimeout: timeout });
    // With EKS ingestion, Firehose also writes `errors/`: only the clusters' objects are audit logs.
    const logPrefixes = settings.logPrefixes.length > 0 ? settings.logPrefixes : settings.eksClusters.length > 0 ? ['clusters/'] : [];
    this.workQueue.notifyOnObjectEvents(this.logBucket.bucket, logPrefixes);
    this.findings = new FindingsTable(this, 'Findings');

    this.alerts = new AlertsTopic(this, 'Alerts', {
      displayName: 'k8s-audit-analyzer alerts',
      masterKey: key,
      emails: settings.alertEmails,
      emailMinSeverity: settings.emailMinSeverity,
    });
    const destinations = [settings.emailMinSeverity];
    if (settings.slackWebhookSecretArn !== undefined) {
      this.slack = new SlackNotifier(this, 'Slack', {
        topic: this.alerts.topic,
        webhookSecretArn: settings.slackWebhookSecretArn,
        minSeverity: settings.slackMinSeverity,
        encryptionKey: key,
        logRetentionDays: settings.logRetentionDays,
      });
      destinations.push(settings.slackMinSeverity);
    }
    this.ops = new AlertsTopic(this, 'Ops', { displayName: 'k8s-audit-analyzer operations', masterKey: key, emails: settings.opsEmails ?? settings.alertEmails });
    if (settings.chatbotSlackWorkspaceId !== undefined && settings.chatbotSlackChannelId !== undefined) {
      new ChatbotChannel(this, 'Chatbot', { slackWorkspaceId: settings.chatbotSlackWorkspaceId, slackChannelId: settings.chatbotSlackChannelId, topics: [this.alerts.topic, this.ops.topic] });
    }

    this.analyzer = new AnalyzerFunction(this, 'Analyzer', {
      logBucket: this.logBucket.bucket,
      logPrefixes,
      queue: this.workQueue.queue,
      table: this.findings.table,
      alertsTopic: this.alerts.topic,
      alertsKey: key,
      artifactsBucket: artifacts.bucket,
      minAlertSeverity: lowestSeverity(destinations),
      alertCooldownMinutes: settings.alertCooldownMinutes,
      findingsRetentionDays: settings.findingsRetentionDays,
      analyzerConfig: settings.analyzerConfig,
      memorySize: settings.analyzerMemoryMb,
      timeout,
      reservedConcurrency: settings.analyzerReservedConcurrency,
      maxConcurrency: settings.analyzerMaxConcurrency,
      logRetentionDays: settings.logRetentionDays,
    });

    const schedule = reportScheduleOf(settings);
    this.reporter = new Reporter(this, 'Reports', {
      scheduleExpression: schedule.expression,
      cadence: schedule.cadence,
      table: this.findings.table,
      artifactsBucket: artifacts.bucket,
      topic: this.alerts.topic,
      encryptionKey: key,
      linkTtlHours: settings.reportLinkTtlHours,
      clusters: settings.reportClusters,
      analyzerConfig: settings.analyzerConfig,
      logRetentionDays: settings.logRetentionDays,
    });

    this.watchdog = new Watchdog(this, 'Watchdog', {
      table: this.findings.table,
      topic: this.alerts.topic,
      encryptionKey: key,
      silenceMinutes: settings.silenceMinutes,
      watchedClusters: [...new Set([...settings.watchedClusters, ...settings.eksClusters])],
      findingsRetentionDays: settings.findingsRetentionDays,
      logRetentionDays: settings.logRetentionDays,
    });
    if (settings.eksClusters.length > 0) {
      this.eksIngestion = new EksAuditIngestion(this, 'EksIngestion', {
        clusters: settings.eksClusters,
        bucket: this.logBucket.bucket,
        encryptionKey: key,
        bufferInterval: Duration.seconds(settings.eksBufferSeconds),
        mode: settings.eksIngestionMode,
      });
    }

    // What operators and the CLI need: the backfill command sends to the work queue.
    new CfnOutput(this, 'WorkQueueUrl', { value: this.workQueue.queue.queueUrl, description: 'k8s-audit-analyzer backfill --queue-url' });
    new CfnOutput(this, 'LogBucketName', { value: this.logBucket.bucket.bucketName });
    new CfnOutput(this, 'ArtifactsBucketName', { value: artifacts.bucket.bucketName, description: 'reports/ and alerts/' });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.alerts.topic.topicArn });
    new CfnOutput(this, 'FindingsTableName', { value: this.findings.table.tableName });

    new OperationsAlarms(this, 'Alarms', {
      opsTopic: this.ops.topic,
      workQueue: this.workQueue.queue,
      deadLetterQueues: [this.workQueue.deadLetterQueue, this.reporter.deadLetterQueue, this.watchdog.deadLetterQueue, ...(this.slack ? [this.slack.deadLetterQueue] : [])],
      functions: [this.analyzer.function.fn, this.reporter.function.fn, this.watchdog.function.fn, ...(this.slack ? [this.slack.function.fn] : [])],
      metricsNamespace: 'K8sAuditAnalyzer',
      metricsService: 'analyzer',
    });
  }
}
