import type { IPolicyValidationPluginBeta1 } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The name AWS's cfn-guard plugin (`@cdklabs/cdk-validator-cfnguard`) reports under; CDK files its
 * violations, and the acknowledgements that suppress them, under this namespace.
 */
export const CFN_GUARD_PLUGIN_NAME = 'cdk-validator-cfnguard';

/**
 * How bin/app.ts configures the plugin (`failOnEveryViolation(new CfnGuardValidator(CFN_GUARD_OPTIONS))`; lib/ does not
 * import the plugin, a devDependency, so the construct stays usable without it). All bundled
 * Control Tower rules, none disabled: exceptions are acknowledged per resource below instead.
 */
export const CFN_GUARD_OPTIONS = {
  controlTowerRulesEnabled: true,
  // cfn-guard's JSON output grows with every resource; Node's 1 MB default would kill it (ENOBUFS).
  maxBuffer: 64 * 1024 * 1024,
} as const;

/**
 * The plugin with every violation it leaves unrated rated `error`. cfn-guard rates none, and CDK
 * (2.276) decides whether a report with acknowledged violations still fails from the remaining
 * ones rated `error` or `fatal` only: with one acknowledgement anywhere, every other cfn-guard
 * finding would be printed but pass synth (test/lib/cfn-guard.test.ts shows it fails).
 */
export function failOnEveryViolation(plugin: IPolicyValidationPluginBeta1): IPolicyValidationPluginBeta1 {
  return {
    name: plugin.name, // the namespace acknowledgements are matched in
    version: plugin.version,
    ruleIds: plugin.ruleIds,
    validate: (context) => {
      const report = plugin.validate(context);
      return { ...report, violations: report.violations.map((v) => ({ ...v, severity: v.severity ?? 'error' })) };
    },
  };
}

/**
 * The Control Tower proactive controls this project does not meet on purpose: one entry per rule,
 * the rule's name as cfn-guard reports it (the `rule` in its `.guard` file) and why it does not
 * apply. Each is acknowledged with `acknowledgeGuard()` on the resources it is about, never on the
 * whole app, so a resource added elsewhere is still checked. test/lib/cfn-guard.test.ts fails when
 * an entry names a rule the plugin does not have, or one that no resource needs any more.
 */
export const GUARD_JUSTIFICATIONS = {
  lambda_inside_vpc_check:
    'CT.LAMBDA.PR.3: the functions call only AWS APIs (S3, SQS, DynamoDB, SNS, Secrets Manager) and, for Slack, a public webhook; there is nothing private to reach. A VPC would add NAT or seven interface endpoints per AZ (cost, and a route to the internet all the same) and no control IAM does not already give.',
  cloudwatch_log_group_encrypted_check:
    "CT.CLOUDWATCH.PR.3: CloudWatch Logs encrypts every log group at rest with a service key; a customer-managed key would add only key-policy access control, and these groups hold the functions' operational logs (finding summaries, never secrets: the Slack URL stays in Secrets Manager). The project uses its own key only where AWS-managed keys cannot be opened to a service (docs/security.md).",
  s3_bucket_default_encryption_kms_check:
    'CT.S3.PR.10: buckets are encrypted at rest with SSE-S3. Server access log delivery cannot write to an SSE-KMS bucket, and with SSE-KMS every writer of audit logs (Fluent Bit, Vector, Firehose, the backfill operator, other accounts) would need the key as well as the bucket.',
  s3_bucket_logging_enabled_check:
    'CT.S3.PR.2: the dedicated access-log bucket receives the server access logs of every other bucket; logging it into itself would log its own log deliveries without end.',
  s3_bucket_acl_prohibited_check:
    "CT.S3.PR.5: only in an app without CDK's `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag, where CDK grants server access log delivery with the LogDeliveryWrite ACL, so the access-log bucket needs ACLs on. With the flag (this project's cdk.json) the bucket is BucketOwnerEnforced and this rule is met.",
  s3_event_notifications_enabled_check:
    "CT.S3.PR.4: the audit-log bucket's notifications to the work queue are set by CDK's notifications custom resource (Custom::S3BucketNotifications), which a template check cannot see; the access-log and artifacts buckets have no event consumer.",
  s3_bucket_object_lock_enabled_check:
    'CT.S3.PR.9: buckets are versioned and retained on stack deletion, so an overwritten or deleted object stays recoverable; lifecycle rules expire objects after the configured retention, which a default Object Lock retention would block (and without one, Object Lock adds nothing).',
  sqs_dlq_check:
    "CT.SQS.PR.1: a dead-letter queue is where a failed message ends up for a person to inspect and redrive (an operations alarm pages on its first message); a dead-letter queue's own dead-letter queue would never be read.",
} as const satisfies Record<string, string>;

export type GuardRule = keyof typeof GUARD_JUSTIFICATIONS;

/** Suppresses cfn-guard rules on `scope` and its children, with the reason written once above. */
export function acknowledgeGuard(scope: IConstruct, rules: readonly GuardRule[]): void {
  for (const rule of rules) Validations.of(scope).acknowledge({ id: `${CFN_GUARD_PLUGIN_NAME}::${rule}`, reason: GUARD_JUSTIFICATIONS[rule] });
}
