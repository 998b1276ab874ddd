import { Duration, FeatureFlags, RemovalPolicy } from 'aws-cdk-lib';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeGuard } from './policy-validation';
import { secureBucket } from './secure-bucket';

export interface AccessLogsBucketProps {
  /** @default RemovalPolicy.RETAIN: access logs are evidence too */
  readonly removalPolicy?: RemovalPolicy;
  /** @default 365 */
  readonly expireAfterDays?: number;
}

/** Receives the S3 server access logs of every bucket this stack creates. */
export class AccessLogsBucket extends Construct {
  public readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    super(scope, id);
    // With this flag (the app's cdk.json) CDK grants log delivery in the bucket policy and ACLs can
    // be off; an app without it gets the LogDeliveryWrite ACL, which needs them on.
    const deliveryByPolicy = FeatureFlags.of(this).isEnabled(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY) === true;
    this.bucket = secureBucket(this, 'Bucket', {
      objectOwnership: deliveryByPolicy ? ObjectOwnership.BUCKET_OWNER_ENFORCED : ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(props.expireAfterDays ?? 365), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledgeGuard(this.bucket, ['s3_bucket_logging_enabled_check']);
    if (!deliveryByPolicy) acknowledgeGuard(this.bucket, ['s3_bucket_acl_prohibited_check']);
  }
}
