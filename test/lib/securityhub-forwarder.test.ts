import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AnalyzerStack } from '../../lib/analyzer-stack';
import { hasAlertDestination, parseDeploySettings } from '../../lib/deploy-settings';

function synth(context: Record<string, unknown>, env: { account: string; region: string } | undefined = { account: '123456789012', region: 'eu-west-1' }) {
  // Bundling is exercised by the `cdk synth` test; here it would only repeat esbuild.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new AnalyzerStack(app, 'Test', { ...(env ? { env } : {}), settings: parseDeploySettings(context) });
  return { stack, template: Template.fromStack(stack) };
}

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };
const statementsOf = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (r) => (r.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
  );

const PRODUCT_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:eu-west-1:123456789012:product/123456789012/default']] };

describe('the Security Hub forwarder (securityHub=true)', () => {
  const { stack, template } = synth({ securityHub: 'true', alertEmails: 'secops@example.com' });
  const forwarderId = (): string => {
    const ids = Object.keys(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: Match.objectLike({ SECURITY_HUB_PRODUCT_ARN: Match.anyValue() }) } },
      }),
    );
    expect(ids).toHaveLength(1);
    return ids[0];
  };

  it('is a function told the account’s default product, with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: { Variables: Match.objectLike({ SECURITY_HUB_PRODUCT_ARN: PRODUCT_ARN }) },
    });
    expect(stack.securityHub?.deadLetterQueue).toBeDefined();
  });

  it('is subscribed to the alerts topic for incident alerts only (no test alert, report or watchdog notice)', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [forwarderId(), 'Arn'] },
      TopicArn: { Ref: Match.stringLikeRegexp('^Alerts') },
      FilterPolicy: { kind: ['opened', 'updated', 'quiet', 'closed'] },
    });
  });

  it('may call BatchImportFindings on the default product and nothing else in Security Hub', () => {
    const statements = statementsOf(template);
    const hub = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('securityhub:')));
    expect(hub).toEqual([{ Sid: 'ImportFindings', Effect: 'Allow', Action: 'securityhub:BatchImportFindings', Resource: PRODUCT_ARN }]);
  });

  it('counts as an alert destination, and adds nothing without the key', () => {
    expect(hasAlertDestination(parseDeploySettings({ securityHub: true }))).toBe(true);
    expect(hasAlertDestination(parseDeploySettings({ securityHub: 'false' }))).toBe(false);
    const without = synth({ alertEmails: 'secops@example.com' }).template;
    expect(
      Object.keys(
        without.findResources('AWS::Lambda::Function', {
          Properties: { Environment: { Variables: Match.objectLike({ SECURITY_HUB_PRODUCT_ARN: Match.anyValue() }) } },
        }),
      ),
    ).toEqual([]);
  });

  it('has its dead-letter queue, errors and throttles watched by the operations alarms (3 more, as docs/operations.md says)', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => JSON.stringify(r.Properties));
    expect(alarms.filter((a) => a.includes(forwarderId()))).toHaveLength(2);
    const without = synth({ alertEmails: 'secops@example.com' }).template;
    expect(alarms.length - Object.keys(without.findResources('AWS::CloudWatch::Alarm')).length).toBe(3);
  });

  it.each([
    ['in an account and region', { account: '123456789012', region: 'eu-west-1' }],
    ['environment-agnostic', undefined],
  ])('passes cdk-nag AwsSolutions %s', (_name, env) => {
    const s = synth({ securityHub: 'true', alertEmails: 'secops@example.com' }, env).stack;
    const report = new AwsSolutionsChecks(s).validateScope(s);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
