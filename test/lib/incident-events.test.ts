import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AnalyzerStack } from '../../lib/analyzer-stack';
import { DeploySettingsError, parseDeploySettings } from '../../lib/deploy-settings';

function synth(context: Record<string, unknown>): { stack: AnalyzerStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new AnalyzerStack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' }, settings: parseDeploySettings(context) });
  return { stack, template: Template.fromStack(stack) };
}

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };
const forwarderStatements = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((r) => (r.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement)
    .filter((s) => [s.Action].flat().some((a) => a.startsWith('events:')));

describe('incident events on EventBridge', () => {
  it('are off by default', () => {
    const { template } = synth({});
    template.resourceCountIs('AWS::Events::EventBus', 0);
    expect(forwarderStatements(template)).toEqual([]);
  });

  describe('with eventBus=true', () => {
    const { stack, template } = synth({ eventBus: 'true' });
    const busId = Object.keys(template.findResources('AWS::Events::EventBus'))[0];

    it('creates a custom bus named after the stack, with an archive of the analyzer’s events', () => {
      template.resourceCountIs('AWS::Events::EventBus', 1);
      template.hasResourceProperties('AWS::Events::EventBus', { Name: 'Test-incidents' });
      template.hasResourceProperties('AWS::Events::Archive', {
        SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
        EventPattern: { source: ['k8s-audit-analyzer'] },
        RetentionDays: 90,
      });
    });

    it('subscribes the forwarder to incident alerts only, with a dead-letter queue', () => {
      const fnId = Object.keys(
        template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: Match.anyValue() }) } } }),
      );
      expect(fnId).toHaveLength(1);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: { Ref: busId } }) },
        DeadLetterConfig: { TargetArn: Match.anyValue() },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': [fnId[0], 'Arn'] },
        FilterPolicy: { kind: ['opened', 'updated', 'quiet', 'closed', 'test'] },
      });
    });

    it('allows events:PutEvents on that bus and nothing else on EventBridge', () => {
      expect(forwarderStatements(template)).toEqual([
        expect.objectContaining({ Sid: 'PutIncidentEvents', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } }),
      ]);
    });

    it('is cdk-nag clean', () => {
      const report = new AwsSolutionsChecks(stack).validateScope(stack);
      expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    });
  });

  describe('with eventBusName', () => {
    const { stack, template } = synth({ eventBusName: 'secops-routing' });

    it('uses that bus: no bus or archive created, PutEvents on its ARN only', () => {
      template.resourceCountIs('AWS::Events::EventBus', 0);
      template.resourceCountIs('AWS::Events::Archive', 0);
      const [statement] = forwarderStatements(template);
      expect(statement.Action).toBe('events:PutEvents');
      expect(JSON.stringify(statement.Resource)).toContain(':events:eu-west-1:123456789012:event-bus/secops-routing');
      template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: 'secops-routing' }) } });
    });

    it('is cdk-nag clean', () => {
      const report = new AwsSolutionsChecks(stack).validateScope(stack);
      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    });
  });

  it('refuses both keys at once, and an ARN for a name', () => {
    expect(() => parseDeploySettings({ eventBus: 'true', eventBusName: 'x' })).toThrow(/eventBusName: eventBus creates a bus/);
    expect(() => parseDeploySettings({ eventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/x' })).toThrow(DeploySettingsError);
  });
});
