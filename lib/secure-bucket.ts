import { RemovalPolicy } from 'aws-cdk-lib';
import type { BucketProps } from 'aws-cdk-lib/aws-s3';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledgeGuard } from './policy-validation';

/** What a bucket of this project may choose; the rest is the secure floor below. */
export type SecureBucketProps = Omit<
  BucketProps,
  'blockPublicAccess' | 'enforceSSL' | 'versioned' | 'publicReadAccess' | 'websiteIndexDocument' | 'websiteErrorDocument'
>;

/**
 * Every bucket this project creates, with its secure defaults written once: public access
 * blocked, TLS enforced (a bucket policy denies plain HTTP), versioning (an overwritten or
 * deleted object stays recoverable: audit logs and reports are evidence), encryption at rest
 * (SSE-S3 unless a stronger one is given; server access log delivery cannot write to SSE-KMS
 * buckets), and kept when the stack is deleted unless told otherwise. The three security
 * settings cannot be switched off through the props.
 */
export function secureBucket(scope: Construct, id: string, props: SecureBucketProps = {}): Bucket {
  const encryption = props.encryption ?? (props.encryptionKey ? BucketEncryption.KMS : BucketEncryption.S3_MANAGED);
  const bucket = new Bucket(scope, id, {
    ...props,
    encryption,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
  });
  acknowledgeGuard(bucket, ['s3_bucket_object_lock_enabled_check', 's3_event_notifications_enabled_check']);
  if (encryption === BucketEncryption.S3_MANAGED) acknowledgeGuard(bucket, ['s3_bucket_default_encryption_kms_check']);
  return bucket;
}
