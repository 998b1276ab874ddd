import { ArnFormat, Duration, RemovalPolicy, Size, SizeRoundingBehavior, Stack } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IDataProcessor } from 'aws-cdk-lib/aws-kinesisfirehose';
import {
  AppendDelimiterToRecordProcessor,
  CloudWatchLogProcessor,
  Compression,
  DecompressionProcessor,
  DeliveryStream,
  EnableLogging,
  S3Bucket,
  StreamEncryption,
} from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ILogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { FilterPattern, LogGroup, SubscriptionFilter } from 'aws-cdk-lib/aws-logs';
import { FirehoseDestination } from 'aws-cdk-lib/aws-logs-destinations';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';
import { acknowledgeGuard } from './policy-validation';
import { retentionDaysAtLeast } from './node-function';
import { bucketObjectsResource } from './resource-names';

/**
 * The subscription filter pattern: audit events only. The control-plane log group also holds the
 * `kube-apiserver`, `authenticator`, `kube-controller-manager` and `kube-scheduler` streams, and a
 * subscription filter matches the content of an event, never its stream name. Audit events are
 * JSON objects with `"kind":"Event"` and `"apiVersion":"audit.k8s.io/v1"`; the other streams are
 * klog or logfmt text, which a JSON pattern never matches. The version is a wildcard so that a
 * future `audit.k8s.io/v2` (or a cluster still on `v1beta1`) is not dropped in silence; the reader
 * accepts every `audit.k8s.io/` version.
 *
 * Renders as `{ ($.kind = "Event") && ($.apiVersion = "audit.k8s.io/*") }` (CloudWatch Logs JSON
 * pattern syntax: quoted string values, `*` allowed at either end of a value, parenthesised terms
 * joined with `&&`).
 */
export const AUDIT_EVENT_FILTER_PATTERN = FilterPattern.all(
  FilterPattern.stringValue('$.kind', '=', 'Event'),
  FilterPattern.stringValue('$.apiVersion', '=', 'audit.k8s.io/*'),
);

/** EKS cluster names: 1–100 characters, a letter or digit first, then letters, digits, `-` and `_`. */
const CLUSTER_NAME = /^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$/;

export type EksAuditIngestionMode = 'extract' | 'raw';

export interface EksAuditIngestionProps {
  /**
   * Names of the EKS clusters whose audit logs to deliver. Each cluster's control-plane `audit`
   * log type must be enabled (`aws eks update-cluster-config --name <cluster> --logging
   * '{"clusterLogging":[{"types":["audit"],"enabled":true}]}'`): its log group
   * `/aws/eks/<cluster>/cluster` is imported by name, not created, and must exist at deploy time.
   */
  readonly clusters: readonly string[];
  /** The audit-log bucket. Objects land under `clusters/<cluster>/`, delivery errors under `errors/<cluster>/`. */
  readonly bucket: IBucket;
  /**
   * Encrypts the records Firehose holds while it buffers them (the delivery stream's server-side
   * encryption). Firehose creates and manages its own KMS grant on the key at creation time, so
   * the deploying principal needs `kms:CreateGrant` and `kms:DescribeKey` on it (CDK's default
   * execution role has them when the key policy trusts the account) and no runtime role needs the
   * key. The delivered objects keep the bucket's own default encryption.
   * @default - an AWS-owned key
   */
  readonly encryptionKey?: IKey;
  /**
   * How long Firehose buffers before it writes an object (0–900 s). Latency against object count:
   * each object is one S3 PUT, one notification and one analyzer invocation. At 60 s and 5 MiB a
   * quiet cluster still writes about 60 objects an hour, around 43,000 a month; a busy one
   * (~350,000 events an hour) fills 5 MiB well before the minute is up. For quiet clusters where
   * a finding may wait 15 minutes, 900 s cuts the object count fifteenfold.
   * @default Duration.seconds(60)
   */
  readonly bufferInterval?: Duration;
  /**
   * How much Firehose buffers before it writes an object (1–128 MiB, measured before GZIP), the
   * other trigger besides `bufferInterval`. Larger objects mean fewer invocations, each longer.
   * @default Size.mebibytes(5)
   */
  readonly bufferSize?: Size;
  /**
   * `extract`: Firehose decompresses each CloudWatch Logs record, keeps only the log events'
   * messages (control messages and envelopes dropped) and ends each record with a newline: the
   * objects are gzip'd JSON lines of audit events. `raw`: no processing; each object is gzip
   * around the concatenated gzip'd CloudWatch Logs records (with their log group, from which the
   * reader takes the cluster name). The reader takes both; `extract` objects are smaller to read.
   * @default 'extract'
   */
  readonly mode?: EksAuditIngestionMode;
  /**
   * Retention of each delivery stream's error log group (delivery and processing failures).
   * Rounded up to the next value CloudWatch Logs allows.
   * @default 365
   */
  readonly logRetentionDays?: number;
}

/** What the construct made for one cluster. */
export interface ClusterAuditIngestion {
  readonly cluster: string;
  /** The imported control-plane log group `/aws/eks/<cluster>/cluster`. */
  readonly sourceLogGroup: ILogGroup;
  readonly subscriptionFilter: SubscriptionFilter;
  readonly deliveryStream: DeliveryStream;
  /** Assumed by CloudWatch Logs to put records into the delivery stream. */
  readonly subscriptionRole: Role;
  /** Assumed by Firehose to write objects and its error log. */
  readonly deliveryRole: Role;
  /** Firehose's own error log for this stream. */
  readonly errorLogGroup: LogGroup;
  /** `clusters/<cluster>/`: where the objects land (for the analyzer's `logPrefixes`). */
  readonly prefix: string;
}

/**
 * Delivers EKS audit logs into the audit-log bucket (optional: clusters that ship their own logs
 * need none of it). Per cluster: a CloudWatch Logs subscription filter on the control-plane log
 * group `/aws/eks/<cluster>/cluster` that keeps only audit events, a Firehose delivery stream
 * writing GZIP objects under `clusters/<cluster>/yyyy/MM/dd/HH/` (UTC), delivery failures under
 * `errors/<cluster>/<error type>/yyyy/MM/dd/`, a role CloudWatch Logs assumes (only for that log
 * group) to put records into that stream, and a role Firehose assumes to write only under that
 * cluster's two prefixes and its own error log.
 *
 * The cluster's control-plane logging must include `audit`, or the log group does not exist and
 * the deployment fails. A log group takes at most two subscription filters.
 *
 * Buffering trades latency against object count: with the defaults (60 s, 5 MiB) a quiet cluster
 * writes about 60 objects an hour, each one S3 PUT and one analyzer invocation; 900 s suits quiet
 * clusters where a quarter of an hour of latency is acceptable.
 *
 * If the analyzer listens to the whole bucket, Firehose's error objects under `errors/` reach it
 * too (and read as unknown envelopes); give it `logPrefixes` from `prefixes` to keep them apart.
 */
export class EksAuditIngestion extends Construct {
  public readonly clusters: readonly ClusterAuditIngestion[];
  /** `clusters/<cluster>/` for every cluster, in order. */
  public readonly prefixes: readonly string[];
  public readonly mode: EksAuditIngestionMode;

  constructor(scope: Construct, id: string, props: EksAuditIngestionProps) {
    super(scope, id);
    validateClusters(props.clusters);
    const bufferInterval = props.bufferInterval ?? Duration.seconds(60);
    const bufferSize = props.bufferSize ?? Size.mebibytes(5);
    validateBuffering(bufferInterval, bufferSize);
    this.mode = props.mode ?? 'extract';
    if (this.mode !== 'extract' && this.mode !== 'raw') throw new Error(`EksAuditIngestion: mode must be 'extract' or 'raw', got '${String(this.mode)}'`);

    this.clusters = props.clusters.map((cluster) =>
      this.ingest(cluster, props, { bufferInterval, bufferSize, retention: retentionDaysAtLeast(props.logRetentionDays ?? 365) }),
    );
    this.prefixes = this.clusters.map((c) => c.prefix);
  }

  private ingest(
    cluster: string,
    props: EksAuditIngestionProps,
    opts: { bufferInterval: Duration; bufferSize: Size; retention: RetentionDays },
  ): ClusterAuditIngestion {
    const scope = new Construct(this, cluster);
    const stack = Stack.of(this);
    const prefix = `clusters/${cluster}/`;
    const errorPrefix = `errors/${cluster}/`;
    const sourceLogGroup = LogGroup.fromLogGroupName(scope, 'ControlPlaneLogs', `/aws/eks/${cluster}/cluster`);

    const errorLogGroup = new LogGroup(scope, 'DeliveryErrors', { retention: opts.retention, removalPolicy: RemovalPolicy.RETAIN });
    acknowledgeGuard(errorLogGroup, ['cloudwatch_log_group_encrypted_check']);

    // Firehose's role carries exactly these statements. The L2 destination would also call
    // `bucket.grantReadWrite` (read, list and delete on the whole bucket) and `grantWrite` on the
    // log group: it is handed an immutable view of the role, so those grants change nothing.
    const deliveryRole = new Role(scope, 'DeliveryRole', {
      // Firehose assumes its role with the account ID as the external ID (AWS's documented trust policy).
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', { conditions: { StringEquals: { 'sts:ExternalId': stack.account } } }),
      description: `k8s-audit-analyzer: Firehose writes ${cluster}'s audit log under ${prefix}`,
    });
    const objects = [
      { kind: 'data', ...bucketObjectsResource(props.bucket, `${prefix}*`) },
      { kind: 'error', ...bucketObjectsResource(props.bucket, `${errorPrefix}*`) },
    ];
    deliveryRole.addToPolicy(
      new PolicyStatement({
        sid: 'WriteAuditLogObjects',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: objects.map((o) => o.arn),
      }),
    );
    deliveryRole.addToPolicy(new PolicyStatement({ sid: 'LocateBucket', actions: ['s3:GetBucketLocation'], resources: [props.bucket.bucketArn] }));
    deliveryRole.addToPolicy(
      new PolicyStatement({ sid: 'LogDeliveryErrors', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [errorLogGroup.logGroupArn] }),
    );
    if (props.bucket.encryptionKey) {
      // A bucket whose default encryption is SSE-KMS: S3 asks KMS for a data key on Firehose's behalf.
      deliveryRole.addToPolicy(
        new PolicyStatement({
          sid: 'EncryptObjectsWithBucketKey',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.bucket.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    acknowledgeNag(
      deliveryRole,
      objects.map((o) => ({
        id: `AwsSolutions-IAM5[Resource::${o.nagId}]`,
        reason: `Firehose names each object itself (<stream>-<version>-<time>-<uuid>.gz under a time path), so writing needs the object wildcard; it is scoped to this cluster's ${o.kind} prefix, and PutObject/AbortMultipartUpload cannot read, list or delete.`,
      })),
    );
    const firehoseRole: IRole = deliveryRole.withoutPolicyUpdates();

    const processors: IDataProcessor[] =
      this.mode === 'extract'
        ? [new DecompressionProcessor(), new CloudWatchLogProcessor({ dataMessageExtraction: true }), new AppendDelimiterToRecordProcessor()]
        : [];
    const deliveryStream = new DeliveryStream(scope, 'DeliveryStream', {
      destination: new S3Bucket(props.bucket, {
        role: firehoseRole,
        dataOutputPrefix: `${prefix}!{timestamp:yyyy/MM/dd/HH}/`,
        errorOutputPrefix: `${errorPrefix}!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
        compression: Compression.GZIP,
        bufferingInterval: opts.bufferInterval,
        bufferingSize: opts.bufferSize,
        processors,
        loggingConfig: new EnableLogging(errorLogGroup),
      }),
      role: firehoseRole,
      // Firehose's own grant on a customer-managed key; the role is immutable, so the L2's
      // `grantEncryptDecrypt` on it adds nothing (and no runtime principal needs the key).
      encryption: props.encryptionKey ? StreamEncryption.customerManagedKey(props.encryptionKey) : StreamEncryption.awsOwnedKey(),
    });
    // The role's policy must exist before Firehose first assumes the role.
    deliveryStream.node.addDependency(deliveryRole);

    const subscriptionRole = new Role(scope, 'SubscriptionRole', {
      assumedBy: new ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
        // Only on behalf of this cluster's log group (its ARN with and without the `:*` suffix
        // CloudWatch Logs puts on log group ARNs); the ARN names the account too.
        conditions: { ArnLike: { 'aws:SourceArn': [logGroupArn(stack, sourceLogGroup.logGroupName), `${logGroupArn(stack, sourceLogGroup.logGroupName)}:*`] } },
      }),
      description: `k8s-audit-analyzer: CloudWatch Logs puts ${cluster}'s audit events into its delivery stream`,
    });
    // FirehoseDestination grants firehose:PutRecord and firehose:PutRecordBatch on this stream only.
    const subscriptionFilter = new SubscriptionFilter(scope, 'AuditEvents', {
      logGroup: sourceLogGroup,
      destination: new FirehoseDestination(deliveryStream, { role: subscriptionRole }),
      filterPattern: AUDIT_EVENT_FILTER_PATTERN,
      filterName: 'k8s-audit-analyzer-audit-events',
    });

    return { cluster, sourceLogGroup, subscriptionFilter, deliveryStream, subscriptionRole, deliveryRole, errorLogGroup, prefix };
  }
}

function logGroupArn(stack: Stack, name: string): string {
  return stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

function validateClusters(clusters: readonly string[]): void {
  if (clusters.length === 0) throw new Error('EksAuditIngestion: clusters is empty; name at least one EKS cluster');
  const bad = clusters.filter((c) => !CLUSTER_NAME.test(c));
  if (bad.length > 0) {
    throw new Error(
      `EksAuditIngestion: not an EKS cluster name: ${bad.map((c) => JSON.stringify(c)).join(', ')} (1-100 letters, digits, '-' or '_', starting with a letter or digit)`,
    );
  }
  const seen = new Set<string>();
  const dup = clusters.filter((c) => (seen.has(c) ? true : (seen.add(c), false)));
  if (dup.length > 0) throw new Error(`EksAuditIngestion: cluster listed more than once: ${[...new Set(dup)].join(', ')}`);
}

function validateBuffering(interval: Duration, size: Size): void {
  const seconds = interval.toSeconds();
  if (seconds < 0 || seconds > 900) throw new Error(`EksAuditIngestion: bufferInterval must be 0-900 seconds, got ${seconds}`);
  const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(mib) || mib < 1 || mib > 128) throw new Error(`EksAuditIngestion: bufferSize must be a whole number of MiB from 1 to 128, got ${mib}`);
}
