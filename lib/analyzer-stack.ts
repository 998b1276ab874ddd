import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { AlertsTopic } from './alerts-topic';
import type { AnalyzerFunction } from './analyzer-function';
import type { DeploySettings } from './deploy-settings';
import { parseDeploySettings } from './deploy-settings';
import type { EksAuditIngestion } from './eks-audit-ingestion';
import type { FindingsTable } from './findings-table';
import { IncidentEvents } from './incident-events';
import { KubernetesAuditAnalyzer } from './kubernetes-audit-analyzer';
import type { Reporter } from './reporter';
import type { SecurityHubForwarder } from './securityhub-forwarder';
import type { SlackNotifier } from './slack-notifier';
import type { Watchdog } from './watchdog';
import type { WorkQueue } from './work-queue';

export interface AnalyzerStackProps extends StackProps {
  /** Validated settings; `parseDeploySettings({})` gives the defaults. */
  readonly settings?: DeploySettings;
}

/**
 * The deployable product, for `cdk deploy` with context keys: one `KubernetesAuditAnalyzer` and
 * the outputs operators look for. Teams with a CDK app of their own put the construct in their
 * stack instead (docs/construct.md).
 */
export class AnalyzerStack extends Stack {
  public readonly analyzerConstruct: KubernetesAuditAnalyzer;
  public readonly workQueue: WorkQueue;
  public readonly analyzer: AnalyzerFunction;
  public readonly findings: FindingsTable;
  public readonly alerts: AlertsTopic;
  public readonly ops: AlertsTopic;
  public readonly slack?: SlackNotifier;
  public readonly securityHub?: SecurityHubForwarder;
  public readonly reporter: Reporter;
  public readonly watchdog: Watchdog;
  public readonly eksIngestion?: EksAuditIngestion;
  public readonly incidentEvents?: IncidentEvents;

  constructor(scope: Construct, id: string, props: AnalyzerStackProps = {}) {
    super(scope, id, props);
    const {
      stackName: _stackName,
      existingLogBucketName,
      acceptResponsibilityForImportedBucket,
      eventBus,
      eventBusName,
      ...settings
    } = props.settings ?? parseDeploySettings({});
    // At the path it had before the construct existed: its notifications' logical id stays.
    const logBucket =
      existingLogBucketName !== undefined ? Bucket.fromBucketName(new Construct(this, 'AuditLogs'), 'Imported', existingLogBucketName) : undefined;
    // `Default` is the id CDK leaves out of logical ids: the resources keep the ids they had when
    // this stack built them itself, so an existing deployment updates in place.
    const analyzer = new KubernetesAuditAnalyzer(this, 'Default', { ...settings, logBucket, acceptResponsibilityForImportedBucket });
    this.analyzerConstruct = analyzer;
    this.workQueue = analyzer.work;
    this.analyzer = analyzer.analyzer;
    this.findings = analyzer.findings;
    this.alerts = analyzer.alerts;
    this.ops = analyzer.ops;
    this.slack = analyzer.slack;
    this.securityHub = analyzer.securityHub;
    this.reporter = analyzer.reporter;
    this.watchdog = analyzer.watchdog;
    this.eksIngestion = analyzer.eksIngestion;
    if (eventBus || eventBusName !== undefined) {
      this.incidentEvents = new IncidentEvents(this, 'IncidentEvents', {
        topic: analyzer.alertsTopic,
        existingEventBusName: eventBusName,
        encryptionKey: analyzer.encryptionKey,
        logRetentionDays: settings.logRetentionDays,
      });
      new CfnOutput(this, 'IncidentEventBusName', { value: this.incidentEvents.eventBus.eventBusName, description: 'EventBridge bus of the incident events' });
    }

    // What operators and the CLI need: the backfill command sends to the work queue.
    new CfnOutput(this, 'WorkQueueUrl', { value: analyzer.workQueue.queueUrl, description: 'k8s-audit-analyzer backfill --queue-url' });
    new CfnOutput(this, 'LogBucketName', { value: analyzer.logBucket.bucketName });
    new CfnOutput(this, 'ArtifactsBucketName', { value: analyzer.artifactsBucket.bucketName, description: 'reports/ and alerts/' });
    new CfnOutput(this, 'AlertsTopicArn', { value: analyzer.alertsTopic.topicArn });
    new CfnOutput(this, 'FindingsTableName', { value: analyzer.findingsTable.tableName });
  }
}
