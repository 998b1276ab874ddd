import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A cdk-nag finding accepted on purpose: the granular rule id and a reason a reviewer can check. */
export interface NagAcknowledgement {
  /** e.g. `AwsSolutions-IAM5[Resource::<Bucket.Arn>/alerts/*]` */
  readonly id: string;
  readonly reason: string;
}

/** cdk-nag 3.x acknowledgements, kept next to the resource they are about (they apply to it and its children). */
export function acknowledgeNag(scope: IConstruct, acknowledgements: readonly NagAcknowledgement[]): void {
  for (const { id, reason } of acknowledgements) Validations.of(scope).acknowledge({ id, reason });
}
