import type { Duration, Size } from 'aws-cdk-lib';
import { Arn, Stack, Token } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ClusterAuditDelivery, deliveryBuffering, validateClusters } from './cluster-audit-delivery';
import { FORWARDER_ROLE_PATH, assertAccount, assertRegion, centralLogBucketName, forwardedErrorPrefix, forwardedPrefix } from './forwarder-contract';
import { acknowledgeNag } from './nag';
import { retentionDaysAtLeast } from './node-function';

/** The central analyzer's audit-log bucket, as a forwarder in another account knows it. */
export interface CentralAuditLogBucket {
  /** The central stack's account. */
  readonly account: string;
  /** The central stack's region (its bucket's and key's). */
  readonly region: string;
  /**
   * The ARN of the central bucket's KMS key (the central stack's output `AuditLogKeyArn`).
   * @default - any key of the central account and region, but only through S3 and only for the
   *   central bucket (`kms:ViaService`, `kms:EncryptionContext:aws:s3:arn`); the central key
   *   policy is what names the key
   */
  readonly keyArn?: string;
}

export interface EksAuditLogForwarderProps {
  /**
   * EKS clusters of this account and region whose audit logs to forward. Each cluster's
   * control-plane `audit` log type must be enabled: its log group `/aws/eks/<cluster>/cluster` is
   * imported by name and must exist at deploy time.
   */
  readonly clusters: readonly string[];
  /** Where the logs go. Its stack must list this account (and region) in `forwarderAccounts`. */
  readonly central: CentralAuditLogBucket;
  /** Encrypts what Firehose buffers. @default - an AWS-owned key */
  readonly encryptionKey?: IKey;
  /** Firehose's buffering interval, 0–900 s. @default Duration.seconds(60) */
  readonly bufferInterval?: Duration;
  /** Firehose's buffering size, 1–128 MiB. @default Size.mebibytes(5) */
  readonly bufferSize?: Size;
  /** Retention of the delivery streams' error logs, rounded up to an allowed value. @default 365 */
  readonly logRetentionDays?: number;
}

/**
 * Forwards this account's EKS audit logs, in this region, to a central analyzer's bucket in
 * another account (or region). Per cluster, as `EksAuditIngestion` does it: a subscription filter
 * on `/aws/eks/<cluster>/cluster` keeping only audit events → a Firehose delivery stream in this
 * account → the central bucket, under `clusters/<account>/<region>/<cluster>/` (failures under
 * `errors/<account>/<region>/<cluster>/`). The analyzer names the cluster
 * `<account>/<region>/<cluster>` from the key, which the central bucket policy lets only this
 * account write: the content of an object cannot claim another cluster.
 *
 * Firehose's roles sit under the IAM path `/k8s-audit-forwarder/`, which the central bucket and
 * key trust for each declared account; the objects belong to the central account (bucket owner
 * enforced) and are encrypted with its key (S3 Bucket Key). Deploy the central stack first.
 *
 * Records are always extracted (JSON lines of audit events): CloudWatch Logs' own records carry a
 * log group naming the bare cluster, which this layout does not need.
 */
export class EksAuditLogForwarder extends Construct {
  public readonly clusters: readonly ClusterAuditDelivery[];
  /** `clusters/<account>/<region>/<cluster>/` for every cluster, in order. */
  public readonly prefixes: readonly string[];
  /** The central bucket's name and ARN, as this account writes to it. */
  public readonly centralBucketName: string;
  public readonly centralBucketArn: string;

  constructor(scope: Construct, id: string, props: EksAuditLogForwarderProps) {
    super(scope, id);
    validateClusters('EksAuditLogForwarder', props.clusters);
    const buffering = deliveryBuffering('EksAuditLogForwarder', props.bufferInterval, props.bufferSize);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
      throw new Error(
        "EksAuditLogForwarder: the stack needs an explicit env (account and region): they name the forwarder's objects and role in the central bucket",
      );
    }
    const { account, region } = stack;
    const central = props.central;
    assertAccount(central.account, 'EksAuditLogForwarder central.account');
    assertRegion(central.region, 'EksAuditLogForwarder central.region');

    this.centralBucketName = centralLogBucketName(central.account, central.region);
    const keyArn =
      central.keyArn ??
      Arn.format({ partition: stack.partition, service: 'kms', account: central.account, region: central.region, resource: 'key', resourceName: '*' });
    const bucket = Bucket.fromBucketAttributes(this, 'CentralBucket', {
      bucketName: this.centralBucketName,
      account: central.account,
      region: central.region,
      encryptionKey: Key.fromKeyArn(this, 'CentralKey', keyArn),
    });
    this.centralBucketArn = bucket.bucketArn;
    const errorLogRetention = retentionDaysAtLeast(props.logRetentionDays ?? 365);

    this.clusters = props.clusters.map(
      (cluster) =>
        new ClusterAuditDelivery(this, cluster, {
          cluster,
          target: {
            bucket,
            prefix: `${forwardedPrefix(account, region)}${cluster}/`,
            errorPrefix: `${forwardedErrorPrefix(account, region)}${cluster}/`,
            bucketRegion: central.region,
            bucketKeyContext: true,
          },
          mode: 'extract',
          buffering,
          errorLogRetention,
          streamKey: props.encryptionKey,
          deliveryRolePath: FORWARDER_ROLE_PATH,
          writer: 'k8s-audit-analyzer forwarder',
        }),
    );
    this.prefixes = this.clusters.map((c) => c.prefix);
    if (central.keyArn === undefined) {
      for (const delivery of this.clusters) {
        acknowledgeNag(delivery.deliveryRole, [
          {
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:${central.region}:${central.account}:key/*]`,
            reason:
              "The central key's ARN is known only once the central stack is deployed; this statement is bounded to S3 in the central region and to the central bucket's encryption context, and the central key policy names the one key and this account's forwarder roles.",
          },
        ]);
      }
    }
  }
}
