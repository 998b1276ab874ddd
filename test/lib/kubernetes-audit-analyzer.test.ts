import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ANALYZER_ENV, REPORTER_ENV, requiredNames, WATCHDOG_ENV } from '../../lambdas/commons/env';
import { KubernetesAuditAnalyzer } from '../../lib/kubernetes-audit-analyzer';
import { NodeFunction } from '../../lib/node-function';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsOf = (template: Template, type: string): Statement[] =>
  Object.values(template.findResources(type)).flatMap((r) => (r.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement);

/** A user's own app: their stack, their existing bucket (imported by name), the construct dropped in. */
function usersStack(): { app: App; stack: Stack } {
  // Bundling is exercised by the `cdk synth` test (test/lib/cdk-app.test.ts).
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return { app, stack: new Stack(app, 'PlatformSecurity', { env: { account: '123456789012', region: 'eu-west-1' } }) };
}

describe('KubernetesAuditAnalyzer in a user’s own stack', () => {
  const { stack } = usersStack();
  const existing = Bucket.fromBucketName(stack, 'CorpAudit', 'corp-eks-audit');
  const analyzer = new KubernetesAuditAnalyzer(stack, 'AuditAnalyzer', {
    logBucket: existing,
    acceptResponsibilityForImportedBucket: true,
    logPrefixes: ['clusters/prod/'],
    alertEmails: ['secops@example.com'],
    analyzerConfig: 'rules:\n  disabled: [audit-tampering.log-silence]\n',
    rulesDocUrl: 'https://git.example.com/secops/k8s-audit-analyzer/blob/main/docs/rules.md',
  });
  analyzer.addLogBucket(Bucket.fromBucketName(stack, 'LegacyAudit', 'legacy-audit'), { prefixes: ['k8s/'], acceptResponsibilityForImportedBucket: true });
  const template = Template.fromStack(stack);

  it('creates no audit-log bucket, only the artifacts bucket and its access-log bucket', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    expect(analyzer.createdLogBucket).toBeUndefined();
    expect(analyzer.logBucket).toBe(existing);
  });

  it('sends each bucket’s notifications under its prefixes to the work queue', () => {
    for (const [bucket, prefix] of [
      ['corp-eks-audit', 'clusters/prod/'],
      ['legacy-audit', 'k8s/'],
    ]) {
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: bucket,
        Managed: false,
        NotificationConfiguration: {
          QueueConfigurations: [
            Match.objectLike({ Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } } }),
            Match.objectLike({ Events: ['s3:ObjectRemoved:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } } }),
          ],
        },
      });
    }
  });

  it('lets the analyzer read both buckets under their prefixes, and S3 use the key for both buckets only', () => {
    const statements = statementsOf(template, 'AWS::IAM::Policy');
    const read = JSON.stringify(statements.find((s) => s.Sid === 'ReadAuditLogObjects')?.Resource);
    expect(read).toContain(':s3:::corp-eks-audit/clusters/prod/*');
    expect(read).toContain(':s3:::legacy-audit/k8s/*');
    expect(JSON.stringify(statements.find((s) => s.Sid === 'TellDeletedObjects')?.Resource)).toMatch(/corp-eks-audit.*legacy-audit/);
    const keyStatements = (Object.values(template.findResources('AWS::KMS::Key'))[0].Properties as { KeyPolicy: { Statement: Statement[] } }).KeyPolicy
      .Statement;
    const s3 = keyStatements.find((s) => s.Sid === 'S3NotificationsToQueue');
    expect(JSON.stringify(s3?.Condition)).toMatch(/ArnLike.*:s3:::corp-eks-audit.*:s3:::legacy-audit/);
  });

  it('exposes the topics and the table for the user to extend', () => {
    const topicIds = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topicIds).toEqual(
      expect.arrayContaining([
        stack.getLogicalId(analyzer.alertsTopic.node.defaultChild as never),
        stack.getLogicalId(analyzer.opsTopic.node.defaultChild as never),
      ]),
    );
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual([stack.getLogicalId(analyzer.findingsTable.node.defaultChild as never)]);
  });

  it('gives the watchdog the rules’ configuration, as the analyzer and the reporter get it', () => {
    const withConfig = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) =>
        (f.Properties as { Environment?: { Variables?: Record<string, string> } }).Environment?.Variables?.ANALYZER_CONFIG ===
        'rules:\n  disabled: [audit-tampering.log-silence]\n',
    );
    expect(withConfig).toHaveLength(3);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SILENCE_MINUTES: '30', ANALYZER_CONFIG: Match.anyValue() }) },
    });
  });

  it("links the alerts' rules to the team's copy of the docs", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RULES_DOC_URL: 'https://git.example.com/secops/k8s-audit-analyzer/blob/main/docs/rules.md' }) },
    });
  });

  it('sets every variable each handler requires, as its env contract names them', () => {
    const variables = Object.values(template.findResources('AWS::Lambda::Function')).map((f) =>
      Object.keys((f.Properties as { Environment?: { Variables?: object } }).Environment?.Variables ?? {}),
    );
    for (const [marker, contract] of [
      ['ALERT_COOLDOWN_MINUTES', ANALYZER_ENV],
      ['REPORT_CADENCE', REPORTER_ENV],
      ['SILENCE_MINUTES', WATCHDOG_ENV],
    ] as const) {
      const names = variables.find((v) => v.includes(marker));
      expect(names).toEqual(expect.arrayContaining([...requiredNames(contract), 'POWERTOOLS_LOG_LEVEL']));
      // Besides the contract: Powertools' log level, and Node's own flags (read by the runtime, not the handler).
      expect(names?.filter((n) => !['POWERTOOLS_LOG_LEVEL', 'NODE_OPTIONS'].includes(n) && !(n in contract))).toEqual([]);
    }
  });

  it('passes cdk-nag AwsSolutions with nothing to acknowledge in the user’s own code', () => {
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});

describe('KubernetesAuditAnalyzer with its own bucket', () => {
  it('creates a secure audit-log bucket and passes cdk-nag', () => {
    const { stack } = usersStack();
    const analyzer = new KubernetesAuditAnalyzer(stack, 'AuditAnalyzer');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 3);
    expect(analyzer.createdLogBucket?.bucket).toBe(analyzer.logBucket);
    expect(new AwsSolutionsChecks(stack).validateScope(stack).violations).toEqual([]);
  });
});

describe('imported buckets need the explicit opt-in', () => {
  it('refuses an imported logBucket without it, naming the bucket and the flag, before adding anything', () => {
    const { stack } = usersStack();
    const bucket = Bucket.fromBucketName(stack, 'CorpAudit', 'corp-eks-audit');
    expect(() => new KubernetesAuditAnalyzer(stack, 'AuditAnalyzer', { logBucket: bucket })).toThrow(
      /"corp-eks-audit" is imported but acceptResponsibilityForImportedBucket is not true/,
    );
    expect(bucket.node.tryFindChild('Notifications')).toBeUndefined();
  });

  it('refuses addLogBucket() of an imported bucket without it, and leaves the bucket untouched', () => {
    const { stack } = usersStack();
    const analyzer = new KubernetesAuditAnalyzer(stack, 'AuditAnalyzer');
    const legacy = Bucket.fromBucketName(stack, 'Legacy', 'legacy-audit');
    expect(() => analyzer.addLogBucket(legacy)).toThrow(
      /addLogBucket: the bucket "legacy-audit" is imported but acceptResponsibilityForImportedBucket is not true/,
    );
    expect(legacy.node.tryFindChild('Notifications')).toBeUndefined();
  });

  it('takes a bucket of the user’s app without the flag', () => {
    const { stack } = usersStack();
    const own = new Bucket(stack, 'Own', { enforceSSL: true });
    const analyzer = new KubernetesAuditAnalyzer(stack, 'AuditAnalyzer');
    expect(() => analyzer.addLogBucket(own, { prefixes: ['clusters/'] })).not.toThrow();
  });

  it('refuses the flag without a bucket, and names bad props all at once', () => {
    expect(() => new KubernetesAuditAnalyzer(usersStack().stack, 'A', { acceptResponsibilityForImportedBucket: true })).toThrow(/no logBucket was given/);
    expect(() => new KubernetesAuditAnalyzer(usersStack().stack, 'A', { alertEmails: ['secops'], silenceMinutes: 1 })).toThrow(
      /invalid KubernetesAuditAnalyzer props:\n {2}alertEmails\.0: not an email address\n {2}silenceMinutes: /,
    );
  });
});

describe('NodeFunction and its env contract', () => {
  it('fails synth when a variable the handler requires is set neither in its environment nor by bind()', () => {
    const { app, stack } = usersStack();
    new NodeFunction(stack, 'Fn', {
      entry: 'lambdas/watchdog/handler.ts',
      description: 'x',
      memorySize: 128,
      timeout: Duration.seconds(10),
      logRetentionDays: 1,
      contract: WATCHDOG_ENV,
      environment: { FINDINGS_TABLE: 't' },
    });
    expect(() => app.synth()).toThrow(/PlatformSecurity\/Fn: the handler requires ALERTS_TOPIC_ARN, which is not set/);
  });
});

describe('docs/construct.md', () => {
  it('lists every prop of the construct in its props table', () => {
    const source = readFileSync(join(__dirname, '..', '..', 'lib', 'kubernetes-audit-analyzer.ts'), 'utf8');
    const propsBlock = /export interface KubernetesAuditAnalyzerProps \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
    const props = [...propsBlock.matchAll(/readonly (\w+)\?:/g)].map((m) => m[1]);
    expect(props.length).toBeGreaterThan(20);
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'construct.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Props'), doc.indexOf('## More buckets'));
    expect(props.filter((p) => !table.includes(`\`${p}\``))).toEqual([]);
  });
});
