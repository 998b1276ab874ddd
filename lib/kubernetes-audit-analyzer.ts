import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { AlertsTopic } from './alerts-topic';
import { AnalyzerFunction } from './analyzer-function';
import { ArtifactsBucket } from './artifacts-bucket';
import { AuditLogBucket } from './audit-log-bucket';
import { ChatbotChannel } from './chatbot-channel';
import type { DeploySettings, DeploySeverity } from './deploy-settings';
import { parseDeploySettings, reportScheduleOf } from './deploy-settings';
import { EksAuditIngestion } from './eks-audit-ingestion';
import { FindingsTable } from './findings-table';
import { parseForwarderAccounts } from './forwarder-contract';
import { assertMayUseBucket } from './imported-bucket';
import { OperationsAlarms } from './operations-alarms';
import { PipelineKey } from './pipeline-key';
import { Reporter } from './reporter';
import { lowestSeverity } from './severity-filter';
import { SecurityHubForwarder } from './securityhub-forwarder';
import { SlackNotifier } from './slack-notifier';
import { Watchdog } from './watchdog';
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../lambdas/commons/env';
import { WorkQueue } from './work-queue';

/**
 * What the analyzer is told. Every prop is optional; the defaults are those of the `cdk deploy`
 * context keys of the same name (docs/reference/deploy-context.md), and the props are validated
 * the same way, every problem named at once.
 */
export interface KubernetesAuditAnalyzerProps {
  /**
   * The bucket the audit logs land in. A bucket of your app is used as it is; an imported one
   * (`Bucket.fromBucketName`) needs `acceptResponsibilityForImportedBucket`. More buckets:
   * `addLogBucket()`.
   * @default - a new bucket: encrypted, versioned, private, TLS only, access-logged, retained
   */
  readonly logBucket?: IBucket;
  /**
   * The explicit opt-in for an imported `logBucket`: this construct adds event notifications to it
   * but cannot enforce its encryption, TLS, versioning or logging, so you confirm you manage them.
   * @default false
   */
  readonly acceptResponsibilityForImportedBucket?: boolean;
  /**
   * Key prefixes of `logBucket` to analyze: one notification and one read grant per prefix.
   * @default - the whole bucket; only `clusters/` when `eksClusters` or `forwarderAccounts` is set
   */
  readonly logPrefixes?: readonly string[];
  /** Addresses subscribed to the alerts topic. @default - none */
  readonly alertEmails?: readonly string[];
  /** Addresses for the operations alarms. @default - `alertEmails` */
  readonly opsEmails?: readonly string[];
  /** The lowest severity emailed. @default 'medium' (DEFAULT_ALERT_MINIMUM; docs/severity.md) */
  readonly emailMinSeverity?: DeploySeverity;
  /** A Secrets Manager secret holding a Slack incoming-webhook URL: adds the Slack notifier. @default - no Slack */
  readonly slackWebhookSecretArn?: string;
  /** The lowest severity posted to Slack. @default 'medium' (DEFAULT_ALERT_MINIMUM; docs/severity.md) */
  readonly slackMinSeverity?: DeploySeverity;
  /** With `chatbotSlackChannelId`: an AWS Chatbot Slack channel (notifications only) for both topics. @default - no channel */
  readonly chatbotSlackWorkspaceId?: string;
  /** With `chatbotSlackWorkspaceId`. @default - no channel */
  readonly chatbotSlackChannelId?: string;
  /** Import incident alerts into Security Hub CSPM (enabled in this account and region) as ASFF findings. @default false */
  readonly securityHub?: boolean;
  /** A finding group alerts once per window; `0` turns the cooldown off. @default 60 */
  readonly alertCooldownMinutes?: number;
  /** Where alerts link each rule's documentation (an https URL of `docs/rules.md`; the rule's anchor is appended). @default - the path `docs/rules.md` */
  readonly rulesDocUrl?: string;
  /** Publish a final summary of an alerted incident once it goes quiet. @default false */
  readonly incidentSummary?: boolean;
  /** The rules' configuration (YAML or JSON), as the CLI's `--config` takes it; at most 3 KB. @default - the built-in defaults */
  readonly analyzerConfig?: string;
  /** Analyzer memory in MB. @default 1024 */
  readonly analyzerMemoryMb?: number;
  /** Analyzer timeout; the queue hides a message six times as long. @default 180 */
  readonly analyzerTimeoutSeconds?: number;
  /** Reserved concurrency for the analyzer, at least `analyzerMaxConcurrency`. @default - unreserved */
  readonly analyzerReservedConcurrency?: number;
  /** The most concurrent analyzer invocations the queue drives. @default 10 */
  readonly analyzerMaxConcurrency?: number;
  /** Findings, alert archives and reports expire after this. @default 400 */
  readonly findingsRetentionDays?: number;
  /** The functions' CloudWatch log retention, rounded up to an allowed value. @default 365 */
  readonly logRetentionDays?: number;
  /** `weekly`, `daily`, or an EventBridge `cron(...)` expression (with `reportCadence`). @default 'weekly' */
  readonly reportSchedule?: string;
  /** The period each report covers. @default - from the schedule */
  readonly reportCadence?: 'weekly' | 'daily';
  /** How long the pre-signed link in a report summary works. @default 12 */
  readonly reportLinkTtlHours?: number;
  /** Clusters always listed in the report. @default - the ones seen */
  readonly reportClusters?: readonly string[];
  /** A cluster with no new object for this long raises `audit-tampering.log-silence`. @default 30 */
  readonly silenceMinutes?: number;
  /** Clusters watched for silence even before their first object. @default - none */
  readonly watchedClusters?: readonly string[];
  /** EKS clusters whose audit log is shipped to `logBucket` (CloudWatch Logs → Firehose). @default - none */
  readonly eksClusters?: readonly string[];
  /** `extract` (JSON lines) or `raw` (CloudWatch records as they come). @default 'extract' */
  readonly eksIngestionMode?: 'extract' | 'raw';
  /** Firehose buffering interval, 0–900 s. @default 60 */
  readonly eksBufferSeconds?: number;
  /**
   * Accounts (`111111111111`) or account regions (`111111111111:eu-west-1`) whose
   * `EksAuditLogForwarder`s write to the created bucket, each under its own `clusters/<account>/`
   * only (docs/multi-account.md). Needs the created bucket (no `logBucket`) and an explicit env.
   * @default - none
   */
  readonly forwarderAccounts?: readonly string[];
}

// Every prop but the bucket is a context key of the same meaning: a prop the context lacks fails to compile here.
const propsAreContextKeys: Exclude<keyof KubernetesAuditAnalyzerProps, 'logBucket' | keyof DeploySettings> extends never ? true : false = true;
void propsAreContextKeys;

/** Options of `addLogBucket()`. */
export interface LogBucketOptions {
  /** Key prefixes to analyze. @default - the whole bucket */
  readonly prefixes?: readonly string[];
  /** The explicit opt-in an imported bucket needs (see the prop of the same name). @default false */
  readonly acceptResponsibilityForImportedBucket?: boolean;
}

/**
 * Kubernetes audit-log analysis to put in your own stack: S3 → SQS → analyzer Lambda → DynamoDB
 * → SNS (email, Slack, Chatbot), the scheduled compliance reporter, the watchdog on the audit
 * trail, optional EKS ingestion, and alarms on the pipeline to an ops topic.
 *
 * ```ts
 * const analyzer = new KubernetesAuditAnalyzer(this, 'AuditAnalyzer', { alertEmails: ['secops@example.com'] });
 * analyzer.addLogBucket(Bucket.fromBucketName(this, 'Legacy', 'corp-audit'), { prefixes: ['clusters/'], acceptResponsibilityForImportedBucket: true });
 * analyzer.alertsTopic.addSubscription(...);
 * ```
 */
export class KubernetesAuditAnalyzer extends Construct {
  /** The first audit-log bucket: the one given, or the one created. */
  public readonly logBucket: IBucket;
  /** The created audit-log bucket, when none was given. */
  public readonly createdLogBucket?: AuditLogBucket;
  /** Alert reports and compliance reports (`alerts/`, `reports/`). */
  public readonly artifactsBucket: Bucket;
  /** Where every bucket created here writes its server access logs. */
  public readonly accessLogsBucket: Bucket;
  /** The customer-managed key of the queues and topics. */
  public readonly encryptionKey: Key;
  /** Findings, alert bookkeeping and detector state. */
  public readonly findingsTable: Table;
  /** Alerts, report summaries and watchdog notices; subscribe your own endpoints here. */
  public readonly alertsTopic: Topic;
  /** The operations alarms. */
  public readonly opsTopic: Topic;
  /** The work queue between S3 and the analyzer (its URL is what `backfill` sends to). */
  public readonly workQueue: Queue;

  public readonly work: WorkQueue;
  public readonly findings: FindingsTable;
  public readonly alerts: AlertsTopic;
  public readonly ops: AlertsTopic;
  public readonly analyzer: AnalyzerFunction;
  public readonly reporter: Reporter;
  public readonly watchdog: Watchdog;
  public readonly slack?: SlackNotifier;
  public readonly securityHub?: SecurityHubForwarder;
  public readonly eksIngestion?: EksAuditIngestion;
  public readonly alarms: OperationsAlarms;
  /** The validated settings, defaults filled in. */
  public readonly settings: DeploySettings;

  private readonly key: PipelineKey;

  constructor(scope: Construct, id: string, props: KubernetesAuditAnalyzerProps = {}) {
    super(scope, id);
    const { logBucket, ...rest } = props;
    // The context's own check (existingLogBucketName with the flag) is the stack's business; here the flag goes with `logBucket`.
    const settings = parseDeploySettings({ ...rest, acceptResponsibilityForImportedBucket: undefined }, 'props');
    this.settings = settings;
    if (logBucket !== undefined) assertMayUseBucket(logBucket, props.acceptResponsibilityForImportedBucket, 'KubernetesAuditAnalyzer');
    else if (props.acceptResponsibilityForImportedBucket === true)
      throw new Error('KubernetesAuditAnalyzer: acceptResponsibilityForImportedBucket is set but no logBucket was given.');

    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogs').bucket;
    if (logBucket !== undefined && settings.forwarderAccounts.length > 0) {
      throw new Error('KubernetesAuditAnalyzer: forwarderAccounts grant writes on the bucket this construct creates; leave logBucket unset.');
    }
    this.createdLogBucket =
      logBucket === undefined
        ? new AuditLogBucket(this, 'AuditLogs', { accessLogsBucket: this.accessLogsBucket, forwarders: parseForwarderAccounts(settings.forwarderAccounts) })
        : undefined;
    this.logBucket = logBucket ?? this.createdLogBucket!.bucket;
    this.artifactsBucket = new ArtifactsBucket(this, 'Artifacts', {
      accessLogsBucket: this.accessLogsBucket,
      expireAfterDays: settings.findingsRetentionDays,
    }).bucket;
    this.key = new PipelineKey(this, 'PipelineKey');
    this.encryptionKey = this.key.key;
    const timeout = Duration.seconds(settings.analyzerTimeoutSeconds);
    this.work = new WorkQueue(this, 'Work', { encryptionKey: this.encryptionKey, consumerTimeout: timeout });
    this.workQueue = this.work.queue;
    this.findings = new FindingsTable(this, 'Findings');
    this.findingsTable = this.findings.table;

    this.alerts = new AlertsTopic(this, 'Alerts', {
      displayName: 'k8s-audit-analyzer alerts',
      masterKey: this.encryptionKey,
      emails: settings.alertEmails,
      emailMinSeverity: settings.emailMinSeverity,
    });
    this.alertsTopic = this.alerts.topic;
    const destinations = [settings.emailMinSeverity];
    if (settings.slackWebhookSecretArn !== undefined) {
      this.slack = new SlackNotifier(this, 'Slack', {
        topic: this.alertsTopic,
        webhookSecretArn: settings.slackWebhookSecretArn,
        minSeverity: settings.slackMinSeverity,
        encryptionKey: this.encryptionKey,
        logRetentionDays: settings.logRetentionDays,
      });
      destinations.push(settings.slackMinSeverity);
    }
    if (settings.securityHub) {
      this.securityHub = new SecurityHubForwarder(this, 'SecurityHub', {
        topic: this.alertsTopic,
        encryptionKey: this.encryptionKey,
        logRetentionDays: settings.logRetentionDays,
      });
    }
    this.ops = new AlertsTopic(this, 'Ops', {
      displayName: 'k8s-audit-analyzer operations',
      masterKey: this.encryptionKey,
      emails: settings.opsEmails ?? settings.alertEmails,
    });
    this.opsTopic = this.ops.topic;
    if (settings.chatbotSlackWorkspaceId !== undefined && settings.chatbotSlackChannelId !== undefined) {
      new ChatbotChannel(this, 'Chatbot', {
        slackWorkspaceId: settings.chatbotSlackWorkspaceId,
        slackChannelId: settings.chatbotSlackChannelId,
        topics: [this.alertsTopic, this.opsTopic],
      });
    }

    // The analyzer groups incidents over this window and the watchdog ends them after it: one value for both.
    const incidentWindowMinutes = DEFAULT_INCIDENT_WINDOW_MINUTES;
    this.analyzer = new AnalyzerFunction(this, 'Analyzer', {
      queue: this.workQueue,
      table: this.findingsTable,
      alertsTopic: this.alertsTopic,
      alertsKey: this.encryptionKey,
      artifactsBucket: this.artifactsBucket,
      minAlertSeverity: lowestSeverity(destinations),
      alertCooldownMinutes: settings.alertCooldownMinutes,
      rulesDocUrl: settings.rulesDocUrl,
      incidentWindowMinutes,
      findingsRetentionDays: settings.findingsRetentionDays,
      analyzerConfig: settings.analyzerConfig,
      memorySize: settings.analyzerMemoryMb,
      timeout,
      reservedConcurrency: settings.analyzerReservedConcurrency,
      maxConcurrency: settings.analyzerMaxConcurrency,
      logRetentionDays: settings.logRetentionDays,
    });
    // With EKS ingestion, Firehose also writes `errors/`: only the clusters' objects are audit logs.
    const firehoseWrites = settings.eksClusters.length > 0 || settings.forwarderAccounts.length > 0;
    const logPrefixes = settings.logPrefixes.length > 0 ? settings.logPrefixes : firehoseWrites ? ['clusters/'] : [];
    this.connect(this.logBucket, logPrefixes);
    // Forwarded objects are encrypted with the bucket's own key.
    this.createdLogBucket?.key?.grantDecrypt(this.analyzer.function.fn);

    const schedule = reportScheduleOf(settings);
    this.reporter = new Reporter(this, 'Reports', {
      scheduleExpression: schedule.expression,
      cadence: schedule.cadence,
      table: this.findingsTable,
      artifactsBucket: this.artifactsBucket,
      topic: this.alertsTopic,
      encryptionKey: this.encryptionKey,
      linkTtlHours: settings.reportLinkTtlHours,
      clusters: settings.reportClusters,
      analyzerConfig: settings.analyzerConfig,
      logRetentionDays: settings.logRetentionDays,
    });

    this.watchdog = new Watchdog(this, 'Watchdog', {
      table: this.findingsTable,
      topic: this.alertsTopic,
      encryptionKey: this.encryptionKey,
      silenceMinutes: settings.silenceMinutes,
      watchedClusters: [...new Set([...settings.watchedClusters, ...settings.eksClusters])],
      findingsRetentionDays: settings.findingsRetentionDays,
      logRetentionDays: settings.logRetentionDays,
      analyzerConfig: settings.analyzerConfig,
      incidentWindowMinutes,
      incidentSummary: settings.incidentSummary,
      rulesDocUrl: settings.rulesDocUrl,
    });
    if (settings.eksClusters.length > 0) {
      this.eksIngestion = new EksAuditIngestion(this, 'EksIngestion', {
        clusters: settings.eksClusters,
        bucket: this.logBucket,
        encryptionKey: this.encryptionKey,
        bufferInterval: Duration.seconds(settings.eksBufferSeconds),
        mode: settings.eksIngestionMode,
      });
    }

    const subscribers = [this.slack, this.securityHub].filter((s) => s !== undefined);
    this.alarms = new OperationsAlarms(this, 'Alarms', {
      opsTopic: this.opsTopic,
      workQueue: this.workQueue,
      deadLetterQueues: [this.work.deadLetterQueue, this.reporter.deadLetterQueue, this.watchdog.deadLetterQueue, ...subscribers.map((s) => s.deadLetterQueue)],
      functions: [this.analyzer.function.fn, this.reporter.function.fn, this.watchdog.function.fn, ...subscribers.map((s) => s.function.fn)],
      metricsNamespace: 'K8sAuditAnalyzer',
      metricsService: 'analyzer',
    });
  }

  /**
   * Analyzes one more bucket's audit logs: its object-created and object-removed notifications go
   * to the work queue (S3 may use the pipeline key for them, for this bucket only), and the
   * analyzer may read its objects under the prefixes. An imported bucket needs the explicit
   * opt-in; without it this throws before anything is added to the bucket.
   */
  addLogBucket(bucket: IBucket, options: LogBucketOptions = {}): void {
    assertMayUseBucket(bucket, options.acceptResponsibilityForImportedBucket, 'KubernetesAuditAnalyzer.addLogBucket');
    this.connect(bucket, options.prefixes ?? []);
  }

  private connect(bucket: IBucket, prefixes: readonly string[]): void {
    this.key.allowNotificationsFrom(bucket);
    this.work.notifyOnObjectEvents(bucket, prefixes);
    this.analyzer.addLogSource(bucket, prefixes);
  }
}
