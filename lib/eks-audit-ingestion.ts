import type { Duration, Size } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EksAuditIngestionMode } from './cluster-audit-delivery';
import { ClusterAuditDelivery, deliveryBuffering, validateClusters } from './cluster-audit-delivery';
import { retentionDaysAtLeast } from './node-function';

export type { EksAuditIngestionMode } from './cluster-audit-delivery';
export { AUDIT_EVENT_FILTER_PATTERN } from './cluster-audit-delivery';

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

/** What the construct made for one cluster: its subscription filter, delivery stream, roles and error log. */
export type ClusterAuditIngestion = ClusterAuditDelivery;

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
    validateClusters('EksAuditIngestion', props.clusters);
    const buffering = deliveryBuffering('EksAuditIngestion', props.bufferInterval, props.bufferSize);
    this.mode = props.mode ?? 'extract';
    if (this.mode !== 'extract' && this.mode !== 'raw') throw new Error(`EksAuditIngestion: mode must be 'extract' or 'raw', got '${String(this.mode)}'`);
    const errorLogRetention = retentionDaysAtLeast(props.logRetentionDays ?? 365);

    // Each cluster's resources sit at `<id>/<cluster>/...`, the paths they had before the shared piece existed.
    this.clusters = props.clusters.map(
      (cluster) =>
        new ClusterAuditDelivery(this, cluster, {
          cluster,
          target: { bucket: props.bucket, prefix: `clusters/${cluster}/`, errorPrefix: `errors/${cluster}/` },
          mode: this.mode,
          buffering,
          errorLogRetention,
          streamKey: props.encryptionKey,
        }),
    );
    this.prefixes = this.clusters.map((c) => c.prefix);
  }
}
