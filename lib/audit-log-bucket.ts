import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AuditLogBucketProps {
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
  /** The bucket receiving the log bucket's server access logs; undefined for an imported bucket. */
  public readonly accessLogsBucket?: Bucket;

  constructor(scope: Construct, id: string, props: AuditLogBucketProps = {}) {
    super(scope, id);
    if (props.existingBucketName !== undefined) {
      if (props.acceptResponsibilityForImportedBucket !== true) {
        throw new Error(
          `AuditLogBucket: existingBucketName "${props.existingBucketName}" is set but acceptResponsibilityForImportedBucket is not true. ` +
            'An imported bucket keeps its own encryption, TLS, versioning and logging settings; set the flag to confirm you manage them.',
        );
      }
      this.bucket = Bucket.fromBucketName(this, 'Imported', props.existingBucketName);
      return;
    }
    if (props.acceptResponsibilityForImportedBucket) {
      throw new Error('AuditLogBucket: acceptResponsibilityForImportedBucket is set but no existingBucketName was given.');
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED, // server access log delivery cannot write to SSE-KMS buckets
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy,
    });
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'audit-log-bucket/',
      lifecycleRules: [
        {
          transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(props.transitionAfterDays ?? 90) }],
          noncurrentVersionExpiration: Duration.days(90),
        },
      ],
      removalPolicy,
    });
  }
}
