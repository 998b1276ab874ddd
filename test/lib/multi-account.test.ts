import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { MultiAccountExample } from '../../bin/multi-account';
import { EXAMPLE, ForwarderStack, multiAccountApp } from '../../bin/multi-account';
import { clusterFromKey } from '../../lambdas/core/read/object-key';
import { AccessLogsBucket } from '../../lib/access-logs-bucket';
import { AuditLogBucket } from '../../lib/audit-log-bucket';
import { EksAuditLogForwarder } from '../../lib/audit-log-forwarder';
import { parseDeployContext } from '../../lib/deploy-settings';
import { parseForwarderAccounts } from '../../lib/forwarder-contract';
import { KubernetesAuditAnalyzer } from '../../lib/kubernetes-audit-analyzer';

const BUCKET = 'k8s-audit-logs-111111111111-eu-west-1';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const ROLES = (account: string) => `arn:aws:iam::${account}:role/k8s-audit-forwarder/*`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const text = (v: Json): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The template's intrinsics as readable strings: the partition is `aws`, an attribute `<Id.Attr>`. */
function flat(value: Json): Json {
  if (Array.isArray(value)) return value.map(flat);
  if (value === null || typeof value !== 'object') return value;
  if ('Fn::Join' in value) {
    const [sep, parts] = value['Fn::Join'] as [string, Json[]];
    return parts.map((p) => text(flat(p))).join(sep);
  }
  if ('Ref' in value) return value.Ref === 'AWS::Partition' ? 'aws' : `<${text(value.Ref)}>`;
  if ('Fn::GetAtt' in value) return `<${(value['Fn::GetAtt'] as string[]).join('.')}>`;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flat(v)]));
}
/** A policy document's statements, intrinsics flattened. */
const statementsOf = (document: Json): Statement[] => (flat(document) as unknown as { Statement: Statement[] }).Statement;
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : [v as string]);
/** The template's resources by logical id. */
const allResources = (template: Template): Record<string, { Properties: Record<string, Json> }> =>
  (template.toJSON() as { Resources: Record<string, { Properties: Record<string, Json> }> }).Resources;
const resourcesOf = (template: Template, type: string): Array<[string, { Properties: Record<string, Json> }]> =>
  Object.entries(template.findResources(type)) as Array<[string, { Properties: Record<string, Json> }]>;
const onlyOne = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0];
};
const nagViolations = (stack: Stack): string[] =>
  new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

function synth(example: MultiAccountExample = EXAMPLE, keyArn?: string) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stacks = multiAccountApp(app, example, keyArn);
  return { ...stacks, central: { stack: stacks.central, template: Template.fromStack(stacks.central) } };
}

const { central, forwarders } = synth();
const bucketId = onlyOne(resourcesOf(central.template, 'AWS::S3::Bucket').filter(([, b]) => b.Properties.BucketName === BUCKET))[0];
const bucketPolicy = statementsOf(
  onlyOne(resourcesOf(central.template, 'AWS::S3::BucketPolicy').filter(([, p]) => (p.Properties.Bucket as { Ref: string }).Ref === bucketId))[1].Properties
    .PolicyDocument,
);
const keyId = onlyOne(resourcesOf(central.template, 'AWS::KMS::Key').filter(([, k]) => JSON.stringify(k.Properties.Description).includes(BUCKET)))[0];
const keyPolicy = statementsOf(allResources(central.template)[keyId].Properties.KeyPolicy);

describe('the central bucket', () => {
  it('owns every object, and encrypts with its own key through an S3 Bucket Key', () => {
    const props = allResources(central.template)[bucketId].Properties;
    expect(props.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(props.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } },
      ],
    });
  });

  it('lets exactly the declared accounts’ forwarder roles write, each only under its own account and region', () => {
    const allows = bucketPolicy.filter((s) => s.Effect === 'Allow');
    expect(allows.map((s) => ({ sid: s.Sid, principal: s.Principal, actions: list(s.Action), resources: list(s.Resource), condition: s.Condition }))).toEqual([
      ...[
        ['222222222222', ['eu-west-1', 'us-east-1']],
        ['333333333333', ['us-east-1']],
      ].flatMap(([account, regions]) => [
        {
          sid: `Forwarder${account as string}WritesOwnPrefixes`,
          principal: { AWS: `arn:aws:iam::${account as string}:root` },
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: (regions as string[]).flatMap((r) => [
            `<${bucketId}.Arn>/clusters/${account as string}/${r}/*`,
            `<${bucketId}.Arn>/errors/${account as string}/${r}/*`,
          ]),
          condition: { ArnLike: { 'aws:PrincipalArn': ROLES(account as string) } },
        },
        {
          sid: `Forwarder${account as string}LocatesBucket`,
          principal: { AWS: `arn:aws:iam::${account as string}:root` },
          actions: ['s3:GetBucketLocation'],
          resources: [`<${bucketId}.Arn>`],
          condition: { ArnLike: { 'aws:PrincipalArn': ROLES(account as string) } },
        },
      ]),
    ]);
    // The rest only denies (plain HTTP).
    expect(bucketPolicy.filter((s) => s.Effect !== 'Allow').map((s) => s.Condition)).toEqual([{ Bool: { 'aws:SecureTransport': 'false' } }]);
  });

  it('lets the same roles use its key only through S3 in its region, for this bucket', () => {
    const outside = keyPolicy.filter((s) => JSON.stringify(s.Principal) !== JSON.stringify({ AWS: 'arn:aws:iam::111111111111:root' }));
    expect(outside).toEqual(
      ['222222222222', '333333333333'].map((account) => ({
        Sid: `Forwarder${account}EncryptsThroughS3`,
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:CallerAccount': account, 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN },
          ArnLike: { 'aws:PrincipalArn': ROLES(account) },
        },
      })),
    );
  });

  it('lets the analyzer decrypt what the forwarders wrote, and listens to clusters/ only (not Firehose’s errors/)', () => {
    const policies = resourcesOf(central.template, 'AWS::IAM::Policy').map(([, p]) => JSON.stringify(flat(p.Properties.PolicyDocument)));
    const reader = onlyOne(policies.filter((p) => p.includes('ReadAuditLogObjects')));
    expect(reader).toContain(`"<${bucketId}.Arn>/clusters/*"`);
    expect(reader).toContain(`"kms:Decrypt"`);
    expect(reader).toContain(`"<${keyId}.Arn>"`);
    expect(reader).not.toContain('errors/');
  });
});

describe('each forwarder', () => {
  it.each(EXAMPLE.forwarders.map((f) => [f.account, f.region, f.clusters] as const))(
    'in %s %s writes its clusters to the central bucket under its own prefix',
    (account, region, clusters) => {
      const stack = forwarders.find((s) => s.account === account && s.region === region)!;
      const template = Template.fromStack(stack);
      const streams = resourcesOf(template, 'AWS::KinesisFirehose::DeliveryStream').map(
        ([, s]) => flat(s.Properties.ExtendedS3DestinationConfiguration) as Record<string, Json>,
      );
      expect(streams.map((s) => [s.BucketARN, s.Prefix, s.ErrorOutputPrefix])).toEqual(
        clusters.map((c) => [
          BUCKET_ARN,
          `clusters/${account}/${region}/${c}/!{timestamp:yyyy/MM/dd/HH}/`,
          `errors/${account}/${region}/${c}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
        ]),
      );
      // Its roles sit where the central policies trust them, and write no other prefix.
      const deliveryRoles = resourcesOf(template, 'AWS::IAM::Role').filter(([, r]) => r.Properties.Path === '/k8s-audit-forwarder/');
      expect(deliveryRoles).toHaveLength(clusters.length);
      const policies = resourcesOf(template, 'AWS::IAM::Policy').map(([, p]) => statementsOf(p.Properties.PolicyDocument));
      const writes = policies.flat().filter((s) => s.Sid === 'WriteAuditLogObjects');
      expect(writes.map((s) => list(s.Resource))).toEqual(
        clusters.map((c) => [`${BUCKET_ARN}/clusters/${account}/${region}/${c}/*`, `${BUCKET_ARN}/errors/${account}/${region}/${c}/*`]),
      );
      const kms = policies.flat().filter((s) => s.Sid === 'EncryptObjectsWithBucketKey');
      for (const s of kms) {
        expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN } });
      }
      expect(kms).toHaveLength(clusters.length);
    },
  );

  it('writes keys the analyzer reads as account/region/cluster', () => {
    for (const stack of forwarders) {
      for (const prefix of stack.forwarder.prefixes) {
        const [, account, region, cluster] = prefix.split('/');
        expect(clusterFromKey(`${prefix}2026/12/02/10/K8sAuditForwarder-1-2026-12-02-10-00-00-uuid.gz`)).toBe(`${account}/${region}/${cluster}`);
      }
    }
  });

  it('names the central key exactly once its ARN is given', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
    const { forwarders: named } = synth(EXAMPLE, keyArn);
    const resources = resourcesOf(Template.fromStack(named[0]), 'AWS::IAM::Policy').flatMap(([, p]) =>
      statementsOf(p.Properties.PolicyDocument)
        .filter((s) => s.Sid === 'EncryptObjectsWithBucketKey')
        .map((s) => s.Resource),
    );
    expect(resources).toEqual([keyArn, keyArn]);
    const wildcard = resourcesOf(Template.fromStack(forwarders[0]), 'AWS::IAM::Policy').flatMap(([, p]) =>
      statementsOf(p.Properties.PolicyDocument)
        .filter((s) => s.Sid === 'EncryptObjectsWithBucketKey')
        .map((s) => s.Resource),
    );
    expect(wildcard).toEqual(['arn:aws:kms:eu-west-1:111111111111:key/*', 'arn:aws:kms:eu-west-1:111111111111:key/*']);
  });
});

describe('only the declared writers', () => {
  /** Whether the central bucket policy lets this account's forwarder role put this key (an ArnLike match of the resources). */
  const centralAllowsPut = (account: string, key: string): boolean =>
    bucketPolicy.some(
      (s) =>
        s.Effect === 'Allow' &&
        JSON.stringify(s.Principal) === JSON.stringify({ AWS: `arn:aws:iam::${account}:root` }) &&
        list(s.Action).includes('s3:PutObject') &&
        list(s.Resource).some((r) =>
          new RegExp(
            `^${r
              .replace(`<${bucketId}.Arn>`, '')
              .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
              .replace(/\\\*/g, '.*')}$`,
          ).test(`/${key}`),
        ),
    );

  it('are the forwarders of the example: every key a forwarder writes is allowed, and nothing beside it', () => {
    for (const stack of forwarders) {
      for (const prefix of stack.forwarder.prefixes) {
        expect(centralAllowsPut(stack.account, `${prefix}2026/x.gz`)).toBe(true);
        // Another account's prefix, the single-account layout, or another region: refused.
        const other = stack.account === '222222222222' ? '333333333333' : '222222222222';
        expect(centralAllowsPut(other, `${prefix}2026/x.gz`)).toBe(false);
      }
      expect(centralAllowsPut(stack.account, 'clusters/prod-eu/2026/x.gz')).toBe(false);
    }
    expect(centralAllowsPut('333333333333', 'clusters/333333333333/eu-west-1/staging/2026/x.gz')).toBe(false);
    expect(centralAllowsPut('444444444444', 'clusters/444444444444/eu-west-1/x/2026/x.gz')).toBe(false);
  });
});

describe('cdk-nag', () => {
  it('finds nothing in the central stack nor in any forwarder stack', () => {
    expect(nagViolations(central.stack)).toEqual([]);
    for (const stack of forwarders) expect(nagViolations(stack)).toEqual([]);
  });
});

describe('refusals', () => {
  it('a forwarder needs an explicit env and a real central account and region', () => {
    const app = new App();
    expect(() => new ForwarderStack(app, 'NoEnv', { clusters: ['prod'], central: { account: '111111111111', region: 'eu-west-1' } })).toThrow(/explicit env/);
    const env = { account: '222222222222', region: 'eu-west-1' };
    expect(() => new ForwarderStack(app, 'BadCentral', { env, clusters: ['prod'], central: { account: '1111', region: 'eu-west-1' } })).toThrow(
      /'1111' is not a 12-digit AWS account id/,
    );
    const stack = new Stack(app, 'Dup', { env });
    expect(() => new EksAuditLogForwarder(stack, 'F', { clusters: ['a', 'a'], central: { account: '111111111111', region: 'eu-west-1' } })).toThrow(
      /more than once: a/,
    );
  });

  it('the central side refuses forwarders on a bucket it does not create, or without an env', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Given', { env: { account: '111111111111', region: 'eu-west-1' } });
    const logBucket = new AccessLogsBucket(stack, 'Mine').bucket;
    expect(() => new KubernetesAuditAnalyzer(stack, 'A', { logBucket, forwarderAccounts: ['222222222222'] })).toThrow(/leave logBucket unset/);
    const envless = new Stack(app, 'Envless');
    expect(
      () => new AuditLogBucket(envless, 'B', { accessLogsBucket: new AccessLogsBucket(envless, 'L').bucket, forwarders: [{ account: '222222222222' }] }),
    ).toThrow(/env \(account and region\)/);
  });

  it('the context key names a bad entry, and refuses an existing bucket with forwarders', () => {
    const base = { alertEmails: 'secops@example.com' };
    expect(parseDeployContext({ ...base, forwarderAccounts: '222222222222, 333333333333:us-east-1' }).forwarderAccounts).toEqual([
      '222222222222',
      '333333333333:us-east-1',
    ]);
    expect(() => parseDeployContext({ ...base, forwarderAccounts: '2222,333333333333:Mars' })).toThrow(
      /-c forwarderAccounts\.0: an account id, or <account>:<region>\n\s+-c forwarderAccounts\.1: an account id/,
    );
    expect(() =>
      parseDeployContext({ ...base, forwarderAccounts: '222222222222', existingLogBucketName: 'corp', acceptResponsibilityForImportedBucket: 'true' }),
    ).toThrow(/forwarderAccounts: forwarders write to the bucket this stack creates/);
  });

  it('forwarderAccounts entries are accounts or account:region, merged per account', () => {
    expect(parseForwarderAccounts(['222222222222:us-east-1', '333333333333', '222222222222:eu-west-1', '333333333333:eu-west-1'])).toEqual([
      { account: '222222222222', regions: ['eu-west-1', 'us-east-1'] },
      { account: '333333333333' },
    ]);
    expect(() => parseForwarderAccounts(['22222222222'])).toThrow(/not a 12-digit/);
    expect(() => parseForwarderAccounts(['222222222222:moon-1a'])).toThrow(/not an AWS region name/);
  });
});
