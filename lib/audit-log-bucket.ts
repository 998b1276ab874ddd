import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AccountPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import { ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ForwarderAccount } from './forwarder-contract';
import { FORWARDER_ROLE_PATH, centralLogBucketName, forwardedErrorPrefix, forwardedPrefix } from './forwarder-contract';
import { secureBucket } from './secure-bucket';

export interface AuditLogBucketProps {
  /** Where the bucket's server access logs go. */
  readonly accessLogsBucket: IBucket;
  /**
   * Days after which audit-log objects in the created bucket move to Glacier Instant Retrieval.
   * @default 90
   */
  readonly transitionAfterDays?: number;
  /**
   * What happens to the created buckets when the stack is deleted. Audit logs are evidence.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Accounts (optionally only some of their regions) whose `EksAuditLogForwarder`s write here.
   * Each may put objects only under its own `clusters/<account>/[<region>/]` and
   * `errors/<account>/[<region>/]`, only from roles under `/k8s-audit-forwarder/`. With any, the
   * bucket is named `k8s-audit-logs-<account>-<region>` (the stack's env must be explicit), is
   * encrypted with its own KMS key (S3 Bucket Key on) that those roles may use only through S3 for
   * this bucket, and owns every object written to it (bucket owner enforced).
   * @default - none: only this account writes
   */
  readonly forwarders?: readonly ForwarderAccount[];
}

/**
 * Where the Kubernetes audit logs land, when the user brings no bucket: encryption at rest,
 * versioning (a deleted or overwritten log object stays recoverable), public access blocked, TLS
 * enforced, server access logs, and objects always owned by this account; with forwarders, the
 * grants that let exactly those accounts write their own prefixes.
 */
export class AuditLogBucket extends Construct {
  /** The bucket holding audit-log objects. */
  public readonly bucket: Bucket;
  /** The bucket's KMS key, created when forwarders write to it (the central stack's `AuditLogKeyArn`). */
  public readonly key?: Key;

  constructor(scope: Construct, id: string, props: AuditLogBucketProps) {
    super(scope, id);
    const forwarders = props.forwarders ?? [];
    const shared = forwarders.length > 0 ? this.sharedSettings() : undefined;
    this.key = shared?.key;
    this.bucket = secureBucket(this, 'Bucket', {
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'audit-log-bucket/',
      lifecycleRules: [
        {
          transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(props.transitionAfterDays ?? 90) }],
          noncurrentVersionExpiration: Duration.days(90),
        },
      ],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...(shared
        ? { bucketName: shared.bucketName, encryptionKey: shared.key, bucketKeyEnabled: true, objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED }
        : {}),
    });
    if (shared) for (const forwarder of forwarders) this.allowForwarder(forwarder, shared);
  }

  private sharedSettings(): { bucketName: string; bucketArn: string; key: Key } {
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
      throw new Error('AuditLogBucket: forwarders need the stack’s env (account and region) set: they name the bucket forwarders write to');
    }
    const bucketName = centralLogBucketName(stack.account, stack.region);
    const key = new Key(this, 'Key', {
      description: `k8s-audit-analyzer: encrypts the audit-log bucket ${bucketName}, which forwarders in other accounts write to`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Spelled out rather than `bucket.bucketArn`: the bucket refers to the key, so the key policy may not refer back.
    const bucketArn = Arn.format({ service: 's3', region: '', account: '', resource: bucketName, arnFormat: ArnFormat.NO_RESOURCE_NAME }, stack);
    return { bucketName, bucketArn, key };
  }

  /** Lets one account's forwarder roles write its own prefixes and use the key for them, and nothing else. */
  private allowForwarder({ account, regions }: ForwarderAccount, shared: { bucketArn: string; key: Key }): void {
    const stack = Stack.of(this);
    const principal = new AccountPrincipal(account);
    // The account's root as principal, narrowed to the forwarder roles by ARN pattern: a policy may
    // name a role that does not exist yet only this way (forwarders deploy after this stack).
    const fromForwarderRoles = { ArnLike: { 'aws:PrincipalArn': `arn:${stack.partition}:iam::${account}:role${FORWARDER_ROLE_PATH}*` } };
    const scopes = regions === undefined ? [undefined] : regions;
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: `Forwarder${account}WritesOwnPrefixes`,
        principals: [principal],
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: scopes.flatMap((region) => [
          this.bucket.arnForObjects(`${forwardedPrefix(account, region)}*`),
          this.bucket.arnForObjects(`${forwardedErrorPrefix(account, region)}*`),
        ]),
        conditions: fromForwarderRoles,
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: `Forwarder${account}LocatesBucket`,
        principals: [principal],
        actions: ['s3:GetBucketLocation'],
        resources: [this.bucket.bucketArn],
        conditions: fromForwarderRoles,
      }),
    );
    shared.key.addToResourcePolicy(
      new PolicyStatement({
        sid: `Forwarder${account}EncryptsThroughS3`,
        principals: [principal],
        // GenerateDataKey for each object's data key; Decrypt because a multipart upload decrypts it
        // again to finish the object. Through S3 only, for this bucket only: S3 would need the
        // bucket policy's GetObject before it decrypted anything for a read.
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'], // in a key policy, `*` means this key
        conditions: {
          StringEquals: {
            'kms:ViaService': `s3.${stack.region}.amazonaws.com`,
            'kms:CallerAccount': account,
            'kms:EncryptionContext:aws:s3:arn': shared.bucketArn,
          },
          ...fromForwarderRoles,
        },
      }),
    );
  }
}
