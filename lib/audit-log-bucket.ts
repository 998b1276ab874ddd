import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Bucket, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { secureBucket } from './secure-bucket';

export interface AuditLogBucketProps {
  /** Where the created bucket's server access logs go (unused for an imported bucket). */
  readonly accessLogsBucket: IBucket;
  /**
   * Name of an existing bucket that already receives the audit logs. When set, no bucket is
   * created and `acceptResponsibilityForImportedBucket` must be true.
   * @default - a new bucket is created with every secure default
   */
  readonly existingBucketName?: string;
  /**
   * Explicit opt-in to use an imported bucket: this stack cannot enforce encryption, TLS,
   * versioning or access logging on a bucket it does not own, so the operator must.
   * @default false
   */
  readonly acceptResponsibilityForImportedBucket?: boolean;
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
 * Where the Kubernetes audit logs land: created with encryption at rest, versioning (a deleted or
 * overwritten log object stays recoverable), public access blocked, TLS enforced and server access
 * logs, or an existing bucket imported on explicit request.
 */
export class AuditLogBucket extends Construct {
  /** The bucket holding audit-log objects. */
  public readonly bucket: IBucket;
  /** False for an imported bucket, whose settings its owner manages. */
  public readonly created: boolean;

  constructor(scope: Construct, id: string, props: AuditLogBucketProps) {
    super(scope, id);
    if (props.existingBucketName !== undefined) {
      if (props.acceptResponsibilityForImportedBucket !== true) {
        throw new Error(
          `AuditLogBucket: existingBucketName "${props.existingBucketName}" is set but acceptResponsibilityForImportedBucket is not true. ` +
            'An imported bucket keeps its own encryption, TLS, versioning and logging settings; set the flag to confirm you manage them.',
        );
      }
      this.bucket = Bucket.fromBucketName(this, 'Imported', props.existingBucketName);
      this.created = false;
      return;
    }
    if (props.acceptResponsibilityForImportedBucket) {
      throw new Error('AuditLogBucket: acceptResponsibilityForImportedBucket is set but no existingBucketName was given.');
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = secureBucket(this, 'Bucket', {
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'audit-log-bucket/',
      lifecycleRules: [
        {
          transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(props.transitionAfterDays ?? 90) }],
          noncurrentVersionExpiration: Duration.days(90),
        },
      ],
      removalPolicy,
    });
    this.created = true;
  }
}
