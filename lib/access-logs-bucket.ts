import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
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
    this.bucket = secureBucket(this, 'Bucket', {
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(props.expireAfterDays ?? 365), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
