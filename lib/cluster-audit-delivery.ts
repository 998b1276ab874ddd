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
import { bucketObjectsResource } from './resource-names';

/**
 * The subscription filter pattern: audit events only. The control-plane log group also holds the
 * `kube-apiserver`, `authenticator`, `kube-controller-manager` and `kube-scheduler` streams, and a
 * subscription filter pattern matches the content of an event, never its stream name. Audit events are
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

/** Firehose's buffering, checked against its limits. */
export interface DeliveryBuffering {
  readonly interval: Duration;
  readonly size: Size;
}

/** Where one cluster's objects go, and how the objects are encrypted there. */
export interface DeliveryTarget {
  readonly bucket: IBucket;
  /** Ends with `/`, e.g. `clusters/prod-eu/` or `clusters/111111111111/eu-west-1/prod-eu/`. */
  readonly prefix: string;
  /** Firehose's failures: a prefix the analyzer does not listen to, e.g. `errors/prod-eu/`. */
  readonly errorPrefix: string;
  /**
   * The region S3 calls KMS from for an SSE-KMS bucket (`kms:ViaService`): the bucket's region.
   * @default - this stack's region
   */
  readonly bucketRegion?: string;
  /**
   * Also require the S3 Bucket Key's encryption context (`kms:EncryptionContext:aws:s3:arn` = the
   * bucket ARN). Only right for buckets with `bucketKeyEnabled`: without it the context is the
   * object's ARN.
   * @default false
   */
  readonly bucketKeyContext?: boolean;
}

export interface ClusterAuditDeliveryProps {
  readonly cluster: string;
  readonly target: DeliveryTarget;
  readonly mode: EksAuditIngestionMode;
  readonly buffering: DeliveryBuffering;
  readonly errorLogRetention: RetentionDays;
  /** The delivery stream's server-side encryption. @default - an AWS-owned key */
  readonly streamKey?: IKey;
  /**
   * The IAM path of Firehose's role (`/a/b/`). A fixed path lets a bucket in another account trust
   * the role by pattern before it exists (`aws:PrincipalArn`).
   * @default '/'
   */
  readonly deliveryRolePath?: string;
  /** What the roles' descriptions name the writer as. @default 'k8s-audit-analyzer' */
  readonly writer?: string;
}

/**
 * One EKS cluster's audit log into an S3 bucket: a CloudWatch Logs subscription filter on
 * `/aws/eks/<cluster>/cluster` that keeps only audit events, a Firehose delivery stream writing
 * GZIP objects under `<prefix>yyyy/MM/dd/HH/` (UTC) and failures under
 * `<errorPrefix><error type>/yyyy/MM/dd/`, a role CloudWatch Logs assumes (only for that log group)
 * to put records into that stream, and a role Firehose assumes to write only under those two
 * prefixes and its own error log. Shared by `EksAuditIngestion` (same account as the bucket) and
 * `EksAuditLogForwarder` (another account), so both deliver the same way.
 */
export class ClusterAuditDelivery extends Construct {
  public readonly cluster: string;
  /** The imported control-plane log group `/aws/eks/<cluster>/cluster`. */
  public readonly sourceLogGroup: ILogGroup;
  public readonly subscriptionFilter: SubscriptionFilter;
  public readonly deliveryStream: DeliveryStream;
  /** Assumed by CloudWatch Logs to put records into the delivery stream. */
  public readonly subscriptionRole: Role;
  /** Assumed by Firehose to write objects and its error log. */
  public readonly deliveryRole: Role;
  /** Firehose's own error log for this stream. */
  public readonly errorLogGroup: LogGroup;
  /** Where the objects land (for the analyzer's `logPrefixes`). */
  public readonly prefix: string;

  constructor(scope: Construct, id: string, props: ClusterAuditDeliveryProps) {
    super(scope, id);
    const { cluster, target } = props;
    const stack = Stack.of(this);
    const writer = props.writer ?? 'k8s-audit-analyzer';
    this.cluster = cluster;
    this.prefix = target.prefix;
    this.sourceLogGroup = LogGroup.fromLogGroupName(this, 'ControlPlaneLogs', `/aws/eks/${cluster}/cluster`);
    this.errorLogGroup = new LogGroup(this, 'DeliveryErrors', { retention: props.errorLogRetention, removalPolicy: RemovalPolicy.RETAIN });
    acknowledgeGuard(this.errorLogGroup, ['cloudwatch_log_group_encrypted_check']);

    // Firehose's role carries exactly these statements. The L2 destination would also call
    // `bucket.grantReadWrite` (read, list and delete on the whole bucket) and `grantWrite` on the
    // log group: it is handed an immutable view of the role, so those grants change nothing.
    this.deliveryRole = new Role(this, 'DeliveryRole', {
      // Firehose assumes its role with the account ID as the external ID (AWS's documented trust policy).
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', { conditions: { StringEquals: { 'sts:ExternalId': stack.account } } }),
      description: `${writer}: Firehose writes ${cluster}'s audit log under ${target.prefix}`,
      ...(props.deliveryRolePath !== undefined ? { path: props.deliveryRolePath } : {}),
    });
    this.grantDelivery(target);
    const firehoseRole: IRole = this.deliveryRole.withoutPolicyUpdates();

    const processors: IDataProcessor[] =
      props.mode === 'extract'
        ? [new DecompressionProcessor(), new CloudWatchLogProcessor({ dataMessageExtraction: true }), new AppendDelimiterToRecordProcessor()]
        : [];
    this.deliveryStream = new DeliveryStream(this, 'DeliveryStream', {
      destination: new S3Bucket(target.bucket, {
        role: firehoseRole,
        dataOutputPrefix: `${target.prefix}!{timestamp:yyyy/MM/dd/HH}/`,
        errorOutputPrefix: `${target.errorPrefix}!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
        compression: Compression.GZIP,
        bufferingInterval: props.buffering.interval,
        bufferingSize: props.buffering.size,
        processors,
        loggingConfig: new EnableLogging(this.errorLogGroup),
      }),
      role: firehoseRole,
      // Firehose's own grant on a customer-managed key; the role is immutable, so the L2's
      // `grantEncryptDecrypt` on it adds nothing (and no runtime principal needs the key).
      encryption: props.streamKey ? StreamEncryption.customerManagedKey(props.streamKey) : StreamEncryption.awsOwnedKey(),
    });
    // The role's policy must exist before Firehose first assumes the role.
    this.deliveryStream.node.addDependency(this.deliveryRole);

    const sourceArn = logGroupArn(stack, this.sourceLogGroup.logGroupName);
    this.subscriptionRole = new Role(this, 'SubscriptionRole', {
      assumedBy: new ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
        // Only on behalf of this cluster's log group (its ARN with and without the `:*` suffix
        // CloudWatch Logs puts on log group ARNs); the ARN names the account too.
        conditions: { ArnLike: { 'aws:SourceArn': [sourceArn, `${sourceArn}:*`] } },
      }),
      description: `${writer}: CloudWatch Logs puts ${cluster}'s audit events into its delivery stream`,
    });
    // FirehoseDestination grants firehose:PutRecord and firehose:PutRecordBatch on this stream only.
    this.subscriptionFilter = new SubscriptionFilter(this, 'AuditEvents', {
      logGroup: this.sourceLogGroup,
      destination: new FirehoseDestination(this.deliveryStream, { role: this.subscriptionRole }),
      filterPattern: AUDIT_EVENT_FILTER_PATTERN,
      filterName: 'k8s-audit-analyzer-audit-events',
    });
  }

  private grantDelivery(target: DeliveryTarget): void {
    const objects = [
      { kind: 'data', ...bucketObjectsResource(target.bucket, `${target.prefix}*`) },
      { kind: 'error', ...bucketObjectsResource(target.bucket, `${target.errorPrefix}*`) },
    ];
    const role = this.deliveryRole;
    role.addToPolicy(
      new PolicyStatement({ sid: 'WriteAuditLogObjects', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: objects.map((o) => o.arn) }),
    );
    role.addToPolicy(new PolicyStatement({ sid: 'LocateBucket', actions: ['s3:GetBucketLocation'], resources: [target.bucket.bucketArn] }));
    role.addToPolicy(
      new PolicyStatement({ sid: 'LogDeliveryErrors', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.errorLogGroup.logGroupArn] }),
    );
    const key = target.bucket.encryptionKey;
    if (key) {
      // A bucket whose default encryption is SSE-KMS: S3 asks KMS for a data key on Firehose's
      // behalf (Decrypt too: a multipart upload decrypts the data key to finish the object).
      const region = target.bucketRegion ?? Stack.of(this).region;
      role.addToPolicy(
        new PolicyStatement({
          sid: 'EncryptObjectsWithBucketKey',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [key.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `s3.${region}.amazonaws.com`,
              ...(target.bucketKeyContext ? { 'kms:EncryptionContext:aws:s3:arn': target.bucket.bucketArn } : {}),
            },
          },
        }),
      );
    }
    acknowledgeNag(
      role,
      objects.map((o) => ({
        id: `AwsSolutions-IAM5[Resource::${o.nagId}]`,
        reason: `Firehose names each object itself (<stream>-<version>-<time>-<uuid>.gz under a time path), so writing needs the object wildcard; it is scoped to this cluster's ${o.kind} prefix, and PutObject/AbortMultipartUpload cannot read, list or delete.`,
      })),
    );
  }
}

function logGroupArn(stack: Stack, name: string): string {
  return stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** Throws, naming `owner`, unless `clusters` is a non-empty list of distinct EKS cluster names. */
export function validateClusters(owner: string, clusters: readonly string[]): void {
  if (clusters.length === 0) throw new Error(`${owner}: clusters is empty; name at least one EKS cluster`);
  const bad = clusters.filter((c) => !CLUSTER_NAME.test(c));
  if (bad.length > 0) {
    throw new Error(
      `${owner}: not an EKS cluster name: ${bad.map((c) => JSON.stringify(c)).join(', ')} (1-100 letters, digits, '-' or '_', starting with a letter or digit)`,
    );
  }
  const seen = new Set<string>();
  const dup = clusters.filter((c) => (seen.has(c) ? true : (seen.add(c), false)));
  if (dup.length > 0) throw new Error(`${owner}: cluster listed more than once: ${[...new Set(dup)].join(', ')}`);
}

/** Firehose's buffering with the defaults filled in (60 s, 5 MiB), or a throw naming `owner`. */
export function deliveryBuffering(owner: string, interval: Duration = Duration.seconds(60), size: Size = Size.mebibytes(5)): DeliveryBuffering {
  const seconds = interval.toSeconds();
  if (seconds < 0 || seconds > 900) throw new Error(`${owner}: bufferInterval must be 0-900 seconds, got ${seconds}`);
  const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(mib) || mib < 1 || mib > 128) throw new Error(`${owner}: bufferSize must be a whole number of MiB from 1 to 128, got ${mib}`);
  return { interval, size };
}
