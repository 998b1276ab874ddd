import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ArtifactsBucketProps {
  readonly accessLogsBucket: IBucket;
  /** @default 400 */
  readonly expireAfterDays?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What the pipeline writes for people to read: the full findings of an alert too large for SNS
 * (under `alerts/`). Encrypted, private, TLS only, access-logged, expiring with the findings.
 */
export class ArtifactsBucket extends Construct {
  public static readonly ALERTS_PREFIX = 'alerts/';
  public readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ArtifactsBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'artifacts-bucket/',
      lifecycleRules: [{ expiration: Duration.days(props.expireAfterDays ?? 400), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
