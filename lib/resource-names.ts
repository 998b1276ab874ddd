import { Stack, Token } from 'aws-cdk-lib';
import type { CfnBucket, IBucket } from 'aws-cdk-lib/aws-s3';

/** An object ARN pattern for a policy, and the form cdk-nag names it by in a finding id. */
export interface ObjectsResource {
  readonly arn: string;
  /** e.g. `<AuditLogsBucket1A2B3C4D.Arn>/clusters/*` or `arn:<AWS::Partition>:s3:::corp-audit/*` */
  readonly nagId: string;
}

/**
 * cdk-nag's IAM5 finding ids spell a resource as it appears in the template, tokens as
 * `<LogicalId.Attribute>`: acknowledging one object pattern, not every wildcard, needs that spelling.
 */
export function bucketObjectsResource(bucket: IBucket, pattern: string): ObjectsResource {
  const arn = bucket.arnForObjects(pattern);
  const cfn = bucket.node.defaultChild as CfnBucket | undefined;
  if (cfn && Token.isUnresolved(bucket.bucketArn)) {
    return { arn, nagId: `<${Stack.of(bucket).getLogicalId(cfn)}.Arn>/${pattern}` };
  }
  return { arn, nagId: `arn:<AWS::Partition>:s3:::${bucket.bucketName}/${pattern}` };
}
