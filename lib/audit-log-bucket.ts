import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import { StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { secureBucket } from './secure-bucket';

export interface AuditLogBucketProps {
  /** Where the bucket's server access logs go. */
  readonly accessLogsBucket: IBucket;
  /**
   * Days after which audit-log objects in the created bucket move to Glacier Instant Retrieval.
   * @default 90
   */
  readonly transitionAfterDays?: number;
  /**
   * What happens to the created buckets when the stack is deleted. Audit logs are evidence.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Where the Kubernetes audit logs land, when the user brings no bucket: encryption at rest,
 * versioning (a deleted or overwritten log object stays recoverable), public access blocked, TLS
 * enforced and server access logs.
 */
export class AuditLogBucket extends Construct {
  /** The bucket holding audit-log objects. */
  public readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: AuditLogBucketProps) {
    super(scope, id);
    this.bucket = secureBucket(this, 'Bucket', {
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'audit-log-bucket/',
      lifecycleRules: [
        {
          transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(props.transitionAfterDays ?? 90) }],
          noncurrentVersionExpiration: Duration.days(90),
        },
      ],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
