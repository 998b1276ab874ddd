import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import { StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { secureBucket } from './secure-bucket';

export interface ArtifactsBucketProps {
  readonly accessLogsBucket: IBucket;
  /** @default 400 */
  readonly expireAfterDays?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What the pipeline writes for people to read: the full findings of an alert too large for SNS
 * (under `alerts/`) and the compliance reports (under `reports/`). Encrypted, private, TLS only,
 * access-logged; alerts expire with the findings, reports move to infrequent access after a month
 * and are kept as long.
 */
export class ArtifactsBucket extends Construct {
  public static readonly ALERTS_PREFIX = 'alerts/';
  public static readonly REPORTS_PREFIX = 'reports/';
  public readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ArtifactsBucketProps) {
    super(scope, id);
    this.bucket = secureBucket(this, 'Bucket', {
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'artifacts-bucket/',
      lifecycleRules: [
        {
          id: 'alerts',
          prefix: ArtifactsBucket.ALERTS_PREFIX,
          expiration: Duration.days(props.expireAfterDays ?? 400),
          noncurrentVersionExpiration: Duration.days(30),
        },
        {
          id: 'reports',
          prefix: ArtifactsBucket.REPORTS_PREFIX,
          transitions: [{ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
          expiration: Duration.days(props.expireAfterDays ?? 400),
          noncurrentVersionExpiration: Duration.days(30),
        },
        { id: 'incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
