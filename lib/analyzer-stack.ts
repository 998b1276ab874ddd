import type { StackProps } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AuditLogBucketProps } from './audit-log-bucket';
import { AuditLogBucket } from './audit-log-bucket';

export interface AnalyzerStackProps extends StackProps {
  /** Where the audit logs land. */
  readonly logBucket?: AuditLogBucketProps;
}

/**
 * The deployable product. Today it holds the audit-log bucket; the analyzer pipeline (queue,
 * function, findings table, alerts) is composed here as its constructs land.
 */
export class AnalyzerStack extends Stack {
  public readonly logBucket: AuditLogBucket;

  constructor(scope: Construct, id: string, props: AnalyzerStackProps = {}) {
    super(scope, id, props);
    this.logBucket = new AuditLogBucket(this, 'AuditLogs', props.logBucket);
  }
}
