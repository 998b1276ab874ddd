import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AnalyzerStack } from '../../lib/analyzer-stack';
import { parseDeploySettings } from '../../lib/deploy-settings';

const SLACK_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k8s-audit/slack-AbCdEf';
const FULL = {
  alertEmails: 'secops@example.com,oncall@example.com',
  opsEmails: 'platform@example.com',
  emailMinSeverity: 'critical',
  slackWebhookSecretArn: SLACK_SECRET,
  slackMinSeverity: 'medium',
  chatbotSlackWorkspaceId: 'T0123ABCD',
  chatbotSlackChannelId: 'C0456EFGH',
  logPrefixes: 'clusters/prod-eu/,clusters/prod-us/',
  analyzerReservedConcurrency: '20',
};

function synth(context: Record<string, unknown> = {}): { stack: AnalyzerStack; template: Template } {
  // Bundling is exercised by the `cdk synth` test; here it would only repeat esbuild for every case.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new AnalyzerStack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' }, settings: parseDeploySettings(context) });
  return { stack, template: Template.fromStack(stack) };
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: unknown; Sid?: string };
const statementsOf = (template: Template, type: string): Statement[] =>
  Object.values(template.findResources(type)).flatMap((r) => (r.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement);
const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const logicalIdOf = (template: Template, type: string, props: Record<string, unknown>): string => {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  expect(ids).toHaveLength(1);
  return ids[0];
};
const analyzerFunctionId = (template: Template): string =>
  logicalIdOf(template, 'AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ALERT_COOLDOWN_MINUTES: Match.anyValue() }) } });

describe('buckets', () => {
  const { template } = synth();

  it('creates the audit-log bucket, the artifacts bucket and their access-log bucket, all encrypted, versioned and private', () => {
    template.resourceCountIs('AWS::S3::Bucket', 3);
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
      expect(bucket.DeletionPolicy).toBe('Retain');
    }
  });

  it('logs access to the audit-log and artifacts buckets', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'audit-log-bucket/' },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'artifacts-bucket/' },
    });
  });

  it('refuses requests that are not over TLS on every bucket', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect((policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });

  it('sends object-created and object-removed notifications of the whole bucket to the work queue', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          { Events: ['s3:ObjectCreated:*'], QueueArn: Match.anyValue() },
          { Events: ['s3:ObjectRemoved:*'], QueueArn: Match.anyValue() },
        ],
      },
    });
  });
});

describe('an existing bucket', () => {
  it('is imported only with the explicit opt-in: no audit-log bucket is created, notifications are added to it', () => {
    const { template } = synth({ existingLogBucketName: 'corp-eks-audit', acceptResponsibilityForImportedBucket: 'true', logPrefixes: 'clusters/prod/' });
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'corp-eks-audit',
      Managed: false, // existing notification configurations on the bucket are kept
      NotificationConfiguration: {
        QueueConfigurations: [
          Match.objectLike({ Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'clusters/prod/' }] } } }),
          Match.objectLike({ Events: ['s3:ObjectRemoved:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'clusters/prod/' }] } } }),
        ],
      },
    });
  });

  it('without the opt-in fails loudly, naming the bucket and the flag', () => {
    expect(() => synth({ existingLogBucketName: 'corp-eks-audit' })).toThrow(/corp-eks-audit.*acceptResponsibilityForImportedBucket/);
  });

  it('the opt-in without a bucket name is a configuration error too', () => {
    expect(() => synth({ acceptResponsibilityForImportedBucket: true })).toThrow(
      /acceptResponsibilityForImportedBucket: set only together with existingLogBucketName/,
    );
  });
});

describe('the pipeline key', () => {
  const { template } = synth();

  it("lets each service use it only on behalf of the resources that need it: the log bucket, this account's alarms and rules", () => {
    const statements = (Object.values(template.findResources('AWS::KMS::Key'))[0].Properties as { KeyPolicy: { Statement: Statement[] } }).KeyPolicy.Statement;
    const logBucket = logicalIdOf(template, 'AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'audit-log-bucket/' },
    });
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('S3NotificationsToQueue')?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logBucket, 'Arn'] } },
    });
    expect(bySid('CloudWatchAlarmsToTopic')?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:123456789012:alarm:*']] } },
    });
    expect(bySid('EventBridgeToDeadLetters')?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:123456789012:rule/*']] } },
    });
  });

  it('names an imported log bucket by its ARN', () => {
    const imported = synth({ existingLogBucketName: 'corp-eks-audit', acceptResponsibilityForImportedBucket: true, logPrefixes: 'clusters/' }).template;
    const statements = (Object.values(imported.findResources('AWS::KMS::Key'))[0].Properties as { KeyPolicy: { Statement: Statement[] } }).KeyPolicy.Statement;
    expect(statements.find((s) => s.Sid === 'S3NotificationsToQueue')?.Condition).toMatchObject({
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::corp-eks-audit']] } },
    });
  });

  it('rotates, is kept on stack deletion, and lets S3 and CloudWatch in only for this account', () => {
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true } });
    const statements = (Object.values(template.findResources('AWS::KMS::Key'))[0].Properties as { KeyPolicy: { Statement: Statement[] } }).KeyPolicy.Statement;
    for (const service of ['s3.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: service },
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': '123456789012' } }) as unknown,
        }),
      );
    }
  });
});

describe('the work queue', () => {
  const { template } = synth();
  const keyId = logicalIdOf(template, 'AWS::KMS::Key', {});

  it('is encrypted with the pipeline key and hides a message six times the function timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      VisibilityTimeout: 6 * 180,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, MessageRetentionPeriod: 14 * 86400 });
  });

  it('refuses requests that are not over TLS and accepts S3 notifications only from the log bucket', () => {
    const statements = statementsOf(template, 'AWS::SQS::QueuePolicy');
    const tlsDenies = statements.filter(
      (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
    );
    expect(tlsDenies).toHaveLength(Object.keys(template.findResources('AWS::SQS::Queue')).length);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Condition: { ArnLike: { 'aws:SourceArn': expect.anything() as unknown } },
      }),
    );
  });
});

describe('the analyzer function', () => {
  const { template } = synth();
  const fnId = analyzerFunctionId(template);

  it('runs on arm64 with the newest Node LTS runtime, its own log group and the settings in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 180,
      LoggingConfig: { LogGroup: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          FINDINGS_TABLE: Match.anyValue(),
          ALERTS_TOPIC_ARN: Match.anyValue(),
          MIN_ALERT_SEVERITY: 'medium',
          ALERT_COOLDOWN_MINUTES: '60',
          FINDINGS_RETENTION_DAYS: '400',
          ARCHIVE_BUCKET: Match.anyValue(),
          ARCHIVE_PREFIX: 'alerts/',
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('runs Node with the bundled source maps everywhere, and the bounded young generation the benchmark measured in the analyzer only', () => {
    // CDK's own functions (custom resources) are not bundled by this project and have no environment.
    const variables = (id: string): Record<string, unknown> =>
      (template.findResources('AWS::Lambda::Function')[id].Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables ??
      {};
    expect(variables(fnId).NODE_OPTIONS).toBe('--enable-source-maps --max-semi-space-size=8');
    const others = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id !== fnId && 'POWERTOOLS_LOG_LEVEL' in variables(id));
    expect(others.length).toBeGreaterThanOrEqual(2); // the reporter and the watchdog
    for (const id of others) expect(variables(id).NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('takes SQS batches of ten with partial batch failures and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('may call exactly what the handler calls, on exactly its resources', () => {
    const sids = Object.fromEntries(statementsOf(template, 'AWS::IAM::Policy').flatMap((s) => (s.Sid ? [[s.Sid, actionsOf(s)] as const] : [])));
    expect(sids).toMatchObject({
      ReadAuditLogObjects: ['s3:GetObject'],
      TellDeletedObjects: ['s3:ListBucket'],
      ArchiveOversizedAlerts: ['s3:PutObject'],
      FindingsAndState: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem'],
      PublishAlerts: ['sns:Publish'],
      EncryptAlerts: ['kms:GenerateDataKey', 'kms:Decrypt'],
    });
    const archive = statementsOf(template, 'AWS::IAM::Policy').find((s) => s.Sid === 'ArchiveOversizedAlerts');
    expect(JSON.stringify(archive?.Resource)).toContain('/alerts/*');
  });

  it('reads only the configured prefixes when there are some', () => {
    const { template: withPrefixes } = synth({ logPrefixes: 'clusters/prod-eu/,clusters/prod-us/' });
    const read = statementsOf(withPrefixes, 'AWS::IAM::Policy').find((s) => s.Sid === 'ReadAuditLogObjects');
    expect(JSON.stringify(read?.Resource)).toMatch(/clusters\/prod-eu\/\*.*clusters\/prod-us\/\*/);
    const [notifications] = Object.values(withPrefixes.findResources('Custom::S3BucketNotifications')) as Array<{
      Properties: { NotificationConfiguration: { QueueConfigurations: unknown[] } };
    }>;
    expect(notifications.Properties.NotificationConfiguration.QueueConfigurations).toHaveLength(4); // created and removed, per prefix
  });

  it('has reserved concurrency when asked, and refuses one below the queue concurrency', () => {
    synth({ analyzerReservedConcurrency: 25 }).template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, ReservedConcurrentExecutions: 25 });
    expect(() => synth({ analyzerReservedConcurrency: 5 })).toThrow(/reserved concurrency 5 is below the queue's maximum concurrency 10/);
  });

  it('takes the rules config into its environment, and refuses one too large for Lambda', () => {
    synth({ analyzerConfig: 'rules:\n  disabled: [untrusted-image]\n' }).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ANALYZER_CONFIG: 'rules:\n  disabled: [untrusted-image]\n' }) },
    });
    expect(() => synth({ analyzerConfig: `# ${'x'.repeat(4000)}\n` })).toThrow(/at most 3072/);
  });
});

describe('no role of the stack', () => {
  const { template } = synth(FULL);

  it('has a wildcard action, and only CDK’s notification helper has a managed policy', () => {
    for (const statement of statementsOf(template, 'AWS::IAM::Policy')) {
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
    }
    const withManaged = Object.entries(template.findResources('AWS::IAM::Role')).filter(
      ([, r]) => (r.Properties as { ManagedPolicyArns?: unknown[] }).ManagedPolicyArns,
    );
    expect(withManaged.map(([id]) => id)).toEqual([expect.stringMatching(/^BucketNotificationsHandler/)]);
  });
});

describe('the findings table', () => {
  const { template } = synth();

  it('is on demand, with point-in-time recovery, TTL, encryption and deletion protection, and is kept', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
  });
});

describe('alerts', () => {
  const { template } = synth(FULL);
  const keyId = logicalIdOf(template, 'AWS::KMS::Key', {});

  it('go to topics encrypted with the customer-managed key that refuse publishes without TLS', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(2);
    for (const topic of Object.values(topics)) expect(topic.Properties).toMatchObject({ KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    const denies = statementsOf(template, 'AWS::SNS::TopicPolicy').filter((s) => s.Effect === 'Deny');
    expect(denies).toHaveLength(2);
    for (const deny of denies) expect(deny).toMatchObject({ Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('reach each email at its own minimum severity, and the ops topic unfiltered', () => {
    for (const email of ['secops@example.com', 'oncall@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        FilterPolicy: { $or: [{ severity: ['critical'] }, { kind: ['report', 'watchdog'] }] },
      });
    }
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'platform@example.com', FilterPolicy: Match.absent() });
  });

  it('are published at the lowest destination minimum: Slack at medium here', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ MIN_ALERT_SEVERITY: 'medium' }) },
    });
  });

  it('reach Slack through the notifier: the secret ARN (never the URL), a severity filter, a DLQ, one poster at a time', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      FilterPolicy: { $or: [{ severity: ['medium', 'high', 'critical'] }, { kind: ['report', 'watchdog'] }] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: 1,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: { Variables: Match.objectLike({ SLACK_WEBHOOK_SECRET_ARN: SLACK_SECRET, MIN_SEVERITY: 'medium' }) },
    });
    expect(statementsOf(template, 'AWS::IAM::Policy')).toContainEqual(
      expect.objectContaining({ Sid: 'ReadWebhookUrl', Action: 'secretsmanager:GetSecretValue', Resource: SLACK_SECRET }),
    );
    expect(JSON.stringify(template.toJSON())).not.toMatch(/hooks\.slack\.com/);
  });

  it('reach an Amazon Q Developer (Chatbot) channel that can run no command', () => {
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0456EFGH',
      SnsTopicArns: [Match.anyValue(), Match.anyValue()], // alerts and ops
      GuardrailPolicies: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSDenyAll']] }],
    });
  });

  it('have no Slack notifier or Chatbot channel unless configured', () => {
    const { template: plain } = synth();
    plain.resourceCountIs('AWS::Lambda::Function', 4); // the analyzer, the reporter, the watchdog and CDK's notification helper
    plain.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });
});

describe('the compliance reporter', () => {
  const { template } = synth();
  const reporterId = logicalIdOf(template, 'AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ REPORT_CADENCE: 'weekly' }) } });

  it('runs every Monday at 06:00 UTC for the last week, retried, with a dead-letter queue for failed runs', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          FINDINGS_TABLE: Match.anyValue(),
          REPORTS_BUCKET: Match.anyValue(),
          REPORTS_PREFIX: 'reports/',
          ALERTS_TOPIC_ARN: Match.anyValue(),
          REPORT_LINK_TTL_HOURS: '12',
        }),
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 6 ? * MON *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [reporterId, 'Arn'] },
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 },
        }),
      ],
    });
  });

  it('reads the table by key only and writes and links only under reports/', () => {
    const statements = statementsOf(template, 'AWS::IAM::Policy');
    expect(statements.find((s) => s.Sid === 'ReadFindings')).toMatchObject({ Action: ['dynamodb:Query', 'dynamodb:GetItem'] });
    const reports = statements.find((s) => s.Sid === 'WriteAndLinkReports');
    expect(reports).toMatchObject({ Action: ['s3:PutObject', 's3:GetObject'] });
    expect(JSON.stringify(reports?.Resource)).toContain('/reports/*');
    expect(JSON.stringify(statements)).not.toMatch(/dynamodb:Scan/);
  });

  it('keeps reports in a bucket with lifecycle rules: infrequent access after 30 days, expiry with the findings', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'reports', Prefix: 'reports/', Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }], ExpirationInDays: 400 }),
          Match.objectLike({ Id: 'incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
        ]),
      },
    });
  });

  it('runs daily when asked, or on a cron expression given with its cadence', () => {
    synth({ reportSchedule: 'daily' }).template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 6 * * ? *)' });
    const custom = synth({ reportSchedule: 'cron(30 7 ? * SUN *)', reportCadence: 'weekly', reportLinkTtlHours: '6' }).template;
    custom.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(30 7 ? * SUN *)' });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REPORT_CADENCE: 'weekly', REPORT_LINK_TTL_HOURS: '6' }) },
    });
    expect(() => synth({ reportSchedule: 'cron(30 7 ? * SUN *)' })).toThrow(/reportCadence: a cron\(\.\.\.\) schedule needs reportCadence/);
    expect(() => synth({ reportSchedule: 'hourly' })).toThrow(/reportSchedule: weekly, daily, or an EventBridge cron/);
  });
});

describe('the watchdog', () => {
  const { template } = synth({ watchedClusters: 'prod-eu', silenceMinutes: '45' });
  const watchdogId = logicalIdOf(template, 'AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ SILENCE_MINUTES: '45' }) } });

  it('checks for silent clusters every five minutes and hears EKS logging changes from CloudTrail', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: { Variables: Match.objectLike({ FINDINGS_TABLE: Match.anyValue(), ALERTS_TOPIC_ARN: Match.anyValue(), WATCHED_CLUSTERS: 'prod-eu' }) },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [watchdogId, 'Arn'] }, DeadLetterConfig: { Arn: Match.anyValue() } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.eks'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['eks.amazonaws.com'], eventName: ['UpdateClusterConfig'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [watchdogId, 'Arn'] } })],
    });
  });

  it('may read and write the table by key and publish, nothing more', () => {
    const statement = statementsOf(template, 'AWS::IAM::Policy').find((s) => s.Sid === 'FindingsAndWatchState');
    expect(actionsOf(statement!).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
  });
});

describe('EKS ingestion from context', () => {
  const { template } = synth({ eksClusters: 'prod-eu,prod-us' });

  it('subscribes each cluster to a Firehose stream into clusters/<cluster>/ and analyzes only clusters/', () => {
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 2);
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', { LogGroupName: '/aws/eks/prod-eu/cluster' });
    const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications')) as Array<{
      Properties: { NotificationConfiguration: { QueueConfigurations: Array<{ Filter: unknown }> } };
    }>;
    for (const c of notifications.Properties.NotificationConfiguration.QueueConfigurations)
      expect(c.Filter).toEqual({ Key: { FilterRules: [{ Name: 'prefix', Value: 'clusters/' }] } });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WATCHED_CLUSTERS: 'prod-eu,prod-us' }) } });
  });

  it('refuses a name EKS would not accept', () => {
    expect(() => synth({ eksClusters: 'prod eu' })).toThrow(/eksClusters\.0: not an EKS cluster name/);
  });
});

describe('stack outputs', () => {
  it('give the work queue URL for backfill and the names operators look for', () => {
    const outputs = synth().template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['WorkQueueUrl', 'LogBucketName', 'ArtifactsBucketName', 'AlertsTopicArn', 'FindingsTableName']),
    );
  });
});

describe('operations alarms', () => {
  const { template } = synth(FULL);

  it('watch the dead-letter queues, errors and throttles of every function, and the processing lag, and tell the ops topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties as Record<string, unknown>);
    expect(alarms).toHaveLength(4 + 4 * 2 + 2 + 2);
    const opsTopic = logicalIdOf(template, 'AWS::SNS::Topic', { DisplayName: 'k8s-audit-analyzer operations' });
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: opsTopic }]);
      expect(alarm.OKActions).toEqual([{ Ref: opsTopic }]);
    }
    const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name);
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(4);
    expect(byMetric('Errors')).toHaveLength(4);
    expect(byMetric('Throttles')).toHaveLength(4);
    expect(byMetric('ApproximateAgeOfOldestMessage')).toEqual([expect.objectContaining({ Threshold: 900 })]);
    expect(byMetric('ProcessingLag')).toEqual([
      expect.objectContaining({ Namespace: 'K8sAuditAnalyzer', Threshold: 900_000, Dimensions: [{ Name: 'service', Value: 'analyzer' }] }),
    ]);
  });

  it('page before a record that fails every time reaches the dead-letter queue, and when an object was cut short at the deadline', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties as Record<string, unknown>);
    const analyzer = {
      Namespace: 'K8sAuditAnalyzer',
      Dimensions: [{ Name: 'service', Value: 'analyzer' }],
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    };
    // The work queue parks a message after 5 receives: the third already pages.
    expect(alarms.filter((a) => a.MetricName === 'RecordReceiveCount')).toEqual([expect.objectContaining({ ...analyzer, Statistic: 'Maximum', Threshold: 3 })]);
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 } });
    expect(alarms.filter((a) => a.MetricName === 'DeadlineExceeded')).toEqual([expect.objectContaining({ ...analyzer, Statistic: 'Sum', Threshold: 1 })]);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the defaults', {}],
    ['every option', FULL],
    ['an imported bucket', { existingLogBucketName: 'corp-eks-audit', acceptResponsibilityForImportedBucket: true, logPrefixes: 'clusters/' }],
    ['EKS ingestion', { eksClusters: 'prod-eu,prod-us', eksIngestionMode: 'raw', eksBufferSeconds: '900' }],
  ])('finds nothing with %s', (_name, context) => {
    const { stack } = synth(context);
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
