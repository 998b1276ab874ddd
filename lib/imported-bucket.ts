import { Resource, Token } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

/** A bucket this app does not define (`Bucket.fromBucketName`, `fromBucketArn`, ...): its settings are its owner's. */
export function isImportedBucket(bucket: IBucket): boolean {
  return !Resource.isOwnedResource(bucket);
}

/**
 * Refuses, before anything is added to it, an imported bucket without the explicit opt-in: the
 * construct adds event notifications to the bucket and reads it, but cannot enforce encryption,
 * TLS, versioning or access logging on a bucket it does not own, so its owner must say they do.
 */
export function assertMayUseBucket(bucket: IBucket, acceptResponsibilityForImportedBucket: boolean | undefined, where: string): void {
  if (!isImportedBucket(bucket) || acceptResponsibilityForImportedBucket === true) return;
  const name = Token.isUnresolved(bucket.bucketName) ? bucket.node.path : bucket.bucketName;
  throw new Error(
    `${where}: the bucket "${name}" is imported but acceptResponsibilityForImportedBucket is not true. ` +
      'An imported bucket keeps its own encryption, TLS, versioning and logging settings, and event notifications will be added to it; set the flag to confirm you manage them.',
  );
}
