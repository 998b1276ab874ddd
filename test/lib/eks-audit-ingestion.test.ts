import { gzipSync } from 'node:zlib';
import { App, Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AccessLogsBucket } from '../../lib/access-logs-bucket';
import { AuditLogBucket } from '../../lib/audit-log-bucket';
import type { EksAuditIngestionProps } from '../../lib/eks-audit-ingestion';
import { AUDIT_EVENT_FILTER_PATTERN, EksAuditIngestion } from '../../lib/eks-audit-ingestion';
import { PipelineKey } from '../../lib/pipeline-key';
import { CFN_GUARD_PLUGIN_NAME } from '../../lib/policy-validation';
import { auditEvent, clusterAdminBinding, execViaGet, leaseUpdate } from '../helpers/events';
import type { Ev } from '../helpers/shipping';
import { firehoseGzip, readAll } from '../helpers/shipping';

const CLUSTERS = ['prod-eu', 'staging'];
type Build = Omit<EksAuditIngestionProps, 'bucket' | 'clusters' | 'encryptionKey'> & {
  clusters?: string[];
  key?: boolean;
  bucket?: 'created' | 'imported' | 'kms';
};

function build(options: Build = {}): { stack: Stack; template: Template; ingestion: EksAuditIngestion } {
  const { key = true, bucket: bucketKind = 'created', clusters = CLUSTERS, ...props } = options;
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const accessLogs = () => new AccessLogsBucket(stack, 'AccessLogs').bucket;
  const bucket =
    bucketKind === 'imported'
      ? Bucket.fromBucketName(stack, 'Corp', 'corp-eks-audit')
      : bucketKind === 'kms'
        ? new Bucket(stack, 'KmsBucket', {
            encryption: BucketEncryption.KMS,
            encryptionKey: new Key(stack, 'BucketKey', { enableKeyRotation: true }),
            enforceSSL: true,
            serverAccessLogsBucket: accessLogs(),
          })
        : new AuditLogBucket(stack, 'AuditLogs', { accessLogsBucket: accessLogs() }).bucket;
  const encryptionKey = key ? new PipelineKey(stack, 'PipelineKey').key : undefined;
  const ingestion = new EksAuditIngestion(stack, 'EksAudit', { clusters, bucket, encryptionKey, ...props });
  return { stack, template: Template.fromStack(stack), ingestion };
}

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: unknown };
type Resource = { Properties: Record<string, unknown>; DependsOn?: string[] };
const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resources = (template: Template, type: string, props: Record<string, unknown> = {}): Array<[string, Resource]> =>
  Object.entries(template.findResources(type, Object.keys(props).length > 0 ? { Properties: props } : undefined)) as Array<[string, Resource]>;
const only = (template: Template, type: string, props: Record<string, unknown>): [string, Resource] => {
  const found = resources(template, type, props);
  expect(found).toHaveLength(1);
  return found[0];
};
const streamOf = (template: Template, cluster: string): [string, Resource] =>
  only(template, 'AWS::KinesisFirehose::DeliveryStream', {
    ExtendedS3DestinationConfiguration: Match.objectLike({ Prefix: `clusters/${cluster}/!{timestamp:yyyy/MM/dd/HH}/` }),
  });
const roleIdOf = (roleArn: unknown): string => (roleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const policyOf = (template: Template, roleId: string): Statement[] => {
  const policies = resources(template, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
  expect(policies).toHaveLength(1);
  return (policies[0][1].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
};
const trustOf = (template: Template, roleId: string): Statement[] =>
  ((template.toJSON() as { Resources: Record<string, Resource> }).Resources[roleId].Properties.AssumeRolePolicyDocument as { Statement: Statement[] })
    .Statement;
const nagViolations = (stack: Stack): string[] =>
  new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

const PATTERN = '{ ($.kind = "Event") && ($.apiVersion = "audit.k8s.io/*") }';

describe('the subscription filters', () => {
  const { template } = build();

  it('are one per cluster, on its control-plane log group, keeping only audit events, into its own delivery stream', () => {
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
    for (const cluster of CLUSTERS) {
      const [streamId] = streamOf(template, cluster);
      const [, filter] = only(template, 'AWS::Logs::SubscriptionFilter', { LogGroupName: `/aws/eks/${cluster}/cluster` });
      expect(filter.Properties).toMatchObject({
        FilterPattern: PATTERN,
        DestinationArn: { 'Fn::GetAtt': [streamId, 'Arn'] },
        FilterName: 'k8s-audit-analyzer-audit-events',
      });
    }
  });

  it('import the log groups: none is created but the delivery streams’ error logs', () => {
    const groups = resources(template, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(2);
    expect(JSON.stringify(groups)).not.toContain('/aws/eks/');
  });

  it('use the pattern the construct exports', () => {
    expect(AUDIT_EVENT_FILTER_PATTERN.logPatternString).toBe(PATTERN);
  });
});

describe('the delivery streams', () => {
  const { template } = build();
  const keyId = only(template, 'AWS::KMS::Key', { Description: Match.stringLikeRegexp('k8s-audit-analyzer') })[0];
  const bucketId = only(template, 'AWS::S3::Bucket', { LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'audit-log-bucket/' }) })[0];

  it('are one per cluster: GZIP objects under clusters/<cluster>/yyyy/MM/dd/HH/, failures under errors/<cluster>/', () => {
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 2);
    for (const cluster of CLUSTERS) {
      const [, stream] = streamOf(template, cluster);
      expect(stream.Properties).toMatchObject({
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          BucketARN: { 'Fn::GetAtt': [bucketId, 'Arn'] },
          Prefix: `clusters/${cluster}/!{timestamp:yyyy/MM/dd/HH}/`,
          ErrorOutputPrefix: `errors/${cluster}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
          CompressionFormat: 'GZIP',
          BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 5 },
          CloudWatchLoggingOptions: { Enabled: true, LogGroupName: expect.anything() as unknown, LogStreamName: expect.anything() as unknown },
        },
      });
      // Objects take the bucket's own default encryption: the analyzer needs no extra key to read them.
      expect(stream.Properties.ExtendedS3DestinationConfiguration).not.toHaveProperty('EncryptionConfiguration');
    }
  });

  it('encrypt buffered records with the given customer-managed key', () => {
    for (const cluster of CLUSTERS) {
      expect(streamOf(template, cluster)[1].Properties.DeliveryStreamEncryptionConfigurationInput).toEqual({
        KeyType: 'CUSTOMER_MANAGED_CMK',
        KeyARN: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    }
  });

  it('encrypt with an AWS-owned key when none is given', () => {
    const { template: plain } = build({ key: false });
    for (const cluster of CLUSTERS) {
      expect(streamOf(plain, cluster)[1].Properties.DeliveryStreamEncryptionConfigurationInput).toEqual({ KeyType: 'AWS_OWNED_CMK' });
    }
  });

  it('in extract mode decompress, keep only the log events’ messages and end each record with a newline, in that order', () => {
    for (const cluster of CLUSTERS) {
      const processing = (streamOf(template, cluster)[1].Properties.ExtendedS3DestinationConfiguration as Record<string, unknown>).ProcessingConfiguration as {
        Enabled: boolean;
        Processors: Array<{ Type: string; Parameters: Array<{ ParameterName: string; ParameterValue: string }> }>;
      };
      expect(processing.Enabled).toBe(true);
      expect(processing.Processors.map((p) => p.Type)).toEqual(['Decompression', 'CloudWatchLogProcessing', 'AppendDelimiterToRecord']);
      expect(processing.Processors[0].Parameters).toEqual([{ ParameterName: 'CompressionFormat', ParameterValue: 'GZIP' }]);
      expect(processing.Processors[1].Parameters).toEqual([{ ParameterName: 'DataMessageExtraction', ParameterValue: 'true' }]);
    }
  });

  it('in raw mode process nothing: gzip around CloudWatch Logs’ own gzip records', () => {
    const { template: raw, ingestion } = build({ mode: 'raw' });
    expect(ingestion.mode).toBe('raw');
    for (const cluster of CLUSTERS) {
      const destination = streamOf(raw, cluster)[1].Properties.ExtendedS3DestinationConfiguration as Record<string, unknown>;
      expect(destination.ProcessingConfiguration).toBeUndefined();
      expect(destination.CompressionFormat).toBe('GZIP');
    }
  });

  it('buffer as asked, within Firehose’s limits', () => {
    const { template: quiet } = build({ bufferInterval: Duration.seconds(900), bufferSize: Size.mebibytes(16) });
    expect((streamOf(quiet, 'prod-eu')[1].Properties.ExtendedS3DestinationConfiguration as Record<string, unknown>).BufferingHints).toEqual({
      IntervalInSeconds: 900,
      SizeInMBs: 16,
    });
    expect(() => build({ bufferInterval: Duration.seconds(901) })).toThrow(/bufferInterval must be 0-900 seconds, got 901/);
    expect(() => build({ bufferSize: Size.mebibytes(129) })).toThrow(/bufferSize must be a whole number of MiB from 1 to 128, got 129/);
    expect(() => build({ bufferSize: Size.kibibytes(512) })).toThrow(/got 0.5/);
  });

  it('log delivery failures to their own log group, kept for a year unless told otherwise', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    for (const group of Object.values(groups)) expect(group).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 365 } });
    const used = CLUSTERS.map(
      (cluster) =>
        (streamOf(template, cluster)[1].Properties.ExtendedS3DestinationConfiguration as { CloudWatchLoggingOptions: { LogGroupName: { Ref: string } } })
          .CloudWatchLoggingOptions.LogGroupName.Ref,
    );
    expect(new Set(used)).toEqual(new Set(Object.keys(groups))); // one each, no default group left over
    const { template: short } = build({ logRetentionDays: 100 });
    for (const [, group] of resources(short, 'AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(120);
  });

  it('are created after their role’s policy', () => {
    for (const cluster of CLUSTERS) {
      const [, stream] = streamOf(template, cluster);
      const roleId = roleIdOf((stream.Properties.ExtendedS3DestinationConfiguration as { RoleARN: unknown }).RoleARN);
      const [policyId] = resources(template, 'AWS::IAM::Policy').find(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))!;
      expect(stream.DependsOn).toEqual(expect.arrayContaining([roleId, policyId]));
    }
  });

  it('expose what they made, and the prefixes for the analyzer', () => {
    const { ingestion } = build();
    expect(ingestion.prefixes).toEqual(['clusters/prod-eu/', 'clusters/staging/']);
    expect(ingestion.clusters.map((c) => [c.cluster, c.sourceLogGroup.logGroupName])).toEqual([
      ['prod-eu', '/aws/eks/prod-eu/cluster'],
      ['staging', '/aws/eks/staging/cluster'],
    ]);
  });
});

describe('the roles', () => {
  const { template } = build();

  it('let CloudWatch Logs, regionally and only for that cluster’s log group, put records into that cluster’s stream and nothing else', () => {
    for (const cluster of CLUSTERS) {
      const [streamId] = streamOf(template, cluster);
      const [, filter] = only(template, 'AWS::Logs::SubscriptionFilter', { LogGroupName: `/aws/eks/${cluster}/cluster` });
      const roleId = roleIdOf(filter.Properties.RoleArn);
      const [trust] = trustOf(template, roleId);
      expect(trust).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'logs.eu-west-1.amazonaws.com' } });
      const arns = JSON.stringify((trust.Condition as { ArnLike: { 'aws:SourceArn': unknown } }).ArnLike['aws:SourceArn']);
      expect(arns).toContain(`:logs:eu-west-1:123456789012:log-group:/aws/eks/${cluster}/cluster"`);
      expect(arns).toContain(`:logs:eu-west-1:123456789012:log-group:/aws/eks/${cluster}/cluster:*"`);
      expect(policyOf(template, roleId)).toEqual([
        { Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: { 'Fn::GetAtt': [streamId, 'Arn'] } },
      ]);
    }
  });

  it('let Firehose, for this account only, write objects under its cluster’s two prefixes and its own error log: no read, list or delete', () => {
    for (const cluster of CLUSTERS) {
      const [, stream] = streamOf(template, cluster);
      const destination = stream.Properties.ExtendedS3DestinationConfiguration as {
        RoleARN: unknown;
        CloudWatchLoggingOptions: { LogGroupName: { Ref: string } };
      };
      const roleId = roleIdOf(destination.RoleARN);
      expect(trustOf(template, roleId)).toEqual([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'firehose.amazonaws.com' },
          Condition: { StringEquals: { 'sts:ExternalId': '123456789012' } },
        },
      ]);
      const statements = policyOf(template, roleId);
      expect(statements.map((s) => [s.Sid, actionsOf(s)])).toEqual([
        ['WriteAuditLogObjects', ['s3:PutObject', 's3:AbortMultipartUpload']],
        ['LocateBucket', ['s3:GetBucketLocation']],
        ['LogDeliveryErrors', ['logs:CreateLogStream', 'logs:PutLogEvents']],
      ]);
      const objects = JSON.stringify(statements[0].Resource);
      expect(objects).toContain(`/clusters/${cluster}/*`);
      expect(objects).toContain(`/errors/${cluster}/*`);
      for (const other of CLUSTERS.filter((c) => c !== cluster)) expect(JSON.stringify(statements)).not.toContain(other);
      expect(statements[2].Resource).toEqual({ 'Fn::GetAtt': [destination.CloudWatchLoggingOptions.LogGroupName.Ref, 'Arn'] });
    }
  });

  it('have no wildcard action, no managed policy, and nothing on the key (Firehose encrypts through its own grant)', () => {
    for (const [, policy] of resources(template, 'AWS::IAM::Policy')) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
        expect(actionsOf(statement).some((a) => a.startsWith('kms:'))).toBe(false);
      }
    }
    for (const [, role] of resources(template, 'AWS::IAM::Role')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Role', 4);
    // The key policy is the pipeline key's own: nothing was added for Firehose or its role.
    const [, key] = only(template, 'AWS::KMS::Key', { Description: Match.stringLikeRegexp('k8s-audit-analyzer') });
    expect(JSON.stringify(key.Properties.KeyPolicy)).not.toMatch(/firehose|DeliveryRole/i);
  });

  it('may use the bucket’s own KMS key, through S3 only, when the bucket encrypts with one', () => {
    const { template: kms } = build({ bucket: 'kms' });
    const [, stream] = streamOf(kms, 'prod-eu');
    const statements = policyOf(kms, roleIdOf((stream.Properties.ExtendedS3DestinationConfiguration as { RoleARN: unknown }).RoleARN));
    expect(statements.find((s) => s.Sid === 'EncryptObjectsWithBucketKey')).toMatchObject({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    });
  });
});

describe('the props', () => {
  it('name at least one valid EKS cluster, each once, and a known mode', () => {
    expect(() => build({ clusters: [] })).toThrow(/clusters is empty/);
    expect(() => build({ clusters: ['prod eu', '-x'] })).toThrow(/not an EKS cluster name: "prod eu", "-x"/);
    expect(() => build({ clusters: ['a', 'b', 'a'] })).toThrow(/listed more than once: a/);
    expect(() => build({ mode: 'lambda' as never })).toThrow(/mode must be 'extract' or 'raw'/);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it.each<[string, Build]>([
    ['a customer-managed key, extract mode', {}],
    ['no key, raw mode', { key: false, mode: 'raw' }],
    ['an imported bucket', { bucket: 'imported' }],
    ['a KMS-encrypted bucket', { bucket: 'kms' }],
  ])('finds nothing with %s', (_name, options) => {
    expect(nagViolations(build(options).stack)).toEqual([]);
  });

  it('are acknowledged only granularly: the two object prefixes of each cluster, on its delivery role, each with a reason', () => {
    const { stack, ingestion } = build();
    const acknowledged = stack.node
      .findAll()
      .filter((c) => c.node.path.startsWith(ingestion.node.path + '/'))
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) =>
            Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^Annotation::/, ''), reason })),
          )
          // cdk-nag's only: cfn-guard's are checked in test/lib/cfn-guard.test.ts.
          .filter(({ id }) => !id.startsWith(`${CFN_GUARD_PLUGIN_NAME}::`)),
      );
    expect(acknowledged).toEqual(
      ingestion.clusters.flatMap((c) =>
        ['clusters', 'errors'].map((prefix) => ({
          path: c.deliveryRole.node.path,
          id: expect.stringMatching(new RegExp(`^AwsSolutions-IAM5\\[Resource::<AuditLogsBucket[0-9A-F]+\\.Arn>/${prefix}/${c.cluster}/\\*\\]$`)) as unknown,
          reason: expect.stringMatching(/Firehose names each object itself.*cannot read, list or delete/) as unknown,
        })),
      ),
    );
  });
});

/**
 * A small evaluator for the subset of CloudWatch Logs JSON filter patterns the construct uses:
 * `{ (term) && (term) ... }`, each term `$.field.path = "value"` with `*` allowed at either end of
 * the value. Anything else throws, so a change to the pattern has to come with a change here. As
 * in CloudWatch Logs, a JSON pattern only ever matches a log event that is a JSON object.
 */
function compileJsonPattern(pattern: string): (message: string) => boolean {
  const body = /^\{\s*(.+?)\s*\}$/.exec(pattern)?.[1];
  if (body === undefined || body.includes('||')) throw new Error(`unsupported pattern: ${pattern}`);
  const terms = body.split(/\s*&&\s*/).map((term) => {
    const m = /^\(\s*\$\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*\)$/.exec(term);
    if (!m) throw new Error(`unsupported term: ${term}`);
    const value = JSON.parse(`"${m[2]}"`) as string;
    if (value.slice(1, -1).includes('*')) throw new Error(`unsupported wildcard: ${value}`);
    return { path: m[1].split('.'), value };
  });
  const equals = (expected: string, actual: string): boolean => {
    const [starts, ends] = [expected.startsWith('*'), expected.length > 1 && expected.endsWith('*')];
    const core = expected.slice(starts ? 1 : 0, ends ? -1 : undefined);
    if (starts && ends) return actual.includes(core);
    if (starts) return actual.endsWith(core);
    if (ends) return actual.startsWith(core);
    return actual === core;
  };
  return (message) => {
    let doc: unknown;
    try {
      doc = JSON.parse(message);
    } catch {
      return false;
    }
    return terms.every(({ path, value }) => {
      let at: unknown = doc;
      for (const key of path) at = typeof at === 'object' && at !== null && !Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined;
      return typeof at === 'string' && equals(value, at);
    });
  };
}

describe('the filter pattern', () => {
  const matches = compileJsonPattern(AUDIT_EVENT_FILTER_PATTERN.logPatternString);
  const audit: Ev[] = [auditEvent(), leaseUpdate(), execViaGet(), clusterAdminBinding(), auditEvent({ apiVersion: 'audit.k8s.io/v1beta1' })];
  // What the other streams of /aws/eks/<cluster>/cluster hold, as EKS writes them.
  const others = [
    'time="2026-11-20T10:00:00Z" level=info msg="access granted" arn="arn:aws:iam::123456789012:role/dev" client="127.0.0.1:41234" method=POST path=/authenticate uid="aws-iam-authenticator:123456789012:AROAEXAMPLE" username="dev"',
    'I1120 10:00:00.000000      11 controller.go:615] quota admission added evaluator for: leases.coordination.k8s.io',
    'W1120 10:00:01.000000      11 dispatcher.go:217] Failed calling webhook, failing open vpc-resource-mutating-webhook.k8s.aws: "kind":"Event" mentioned in text',
    'I1120 10:00:02.000000       1 event.go:389] "Event occurred" object="default/web" fieldPath="" kind="Deployment" apiVersion="apps/v1" type="Normal" reason="ScalingReplicaSet"',
    'I1120 10:00:03.000000       1 schedule_one.go:286] "Successfully bound pod to node" pod="default/web-0" node="ip-10-0-1-23.eu-west-1.compute.internal"',
    JSON.stringify({ ts: 1763632800000.123, caller: 'app/server.go:170', msg: 'Serving securely', v: 0 }),
    JSON.stringify({ kind: 'Event', apiVersion: 'v1', metadata: { name: 'web.1' }, reason: 'Scheduled' }),
    JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] }),
  ];

  it('is exactly the exported pattern (the evaluator below parses this string)', () => {
    expect(AUDIT_EVENT_FILTER_PATTERN.logPatternString).toBe(PATTERN);
  });

  it('matches audit events as the API server writes them, of any audit.k8s.io version', () => {
    for (const event of audit) expect(matches(JSON.stringify(event))).toBe(true);
  });

  it('does not match the authenticator, API server, controller manager or scheduler lines, nor other JSON', () => {
    for (const line of others) expect([line, matches(line)]).toEqual([line, false]);
  });

  it('lets through only lines the reader turns back into the same events, in extract and raw objects alike', async () => {
    const mixed = [...others.slice(0, 2), JSON.stringify(audit[0]), others[2], ...audit.slice(1).map((e) => JSON.stringify(e)), ...others.slice(3)];
    const passed = mixed.filter(matches);
    expect(passed).toHaveLength(audit.length);
    const events = passed.map((line) => JSON.parse(line) as Ev);
    // extract: Firehose's CloudWatch Logs processor keeps the messages; each record ends with a newline.
    for (const extract of [
      gzipSync(passed.map((line) => line + '\n').join('')),
      gzipSync([passed.slice(0, 2).join(''), passed.slice(2).join('')].map((record) => record + '\n').join('')), // messages of one record joined
    ]) {
      const { events: read, stats } = await readAll(extract);
      expect(read.map((r) => r.event)).toEqual(events);
      expect(stats.problems).toEqual(Object.fromEntries(Object.keys(stats.problems).map((k) => [k, 0])));
    }
    const { events: raw, stats } = await readAll(firehoseGzip(events, 2, 'prod-eu'));
    expect(raw.map((r) => [r.event, r.cluster])).toEqual(events.map((e) => [e, 'prod-eu']));
    expect(stats.controlMessages).toBe(1);
  });
});
