#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../lambdas/core/config/schema';
import { knownRuleIds } from '../lambdas/core/rules';
import { AnalyzerStack } from '../lib/analyzer-stack';
import { CONFIG_FILE_CONTEXT_KEY, parseDeployContext } from '../lib/deploy-settings';
import { CFN_GUARD_OPTIONS, failOnEveryViolation } from '../lib/policy-validation';

const app = new App();
// Two policy checks, each failing synth on a finding: cdk-nag's AwsSolutions rules (warnings
// included) and AWS's Control Tower proactive controls run by cfn-guard (every bundled rule, none
// disabled). Exceptions are acknowledged in code next to the resource, with a reason: lib/nag.ts
// and lib/policy-validation.ts (`GUARD_JUSTIFICATIONS`, one entry per rule).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), failOnEveryViolation(new CfnGuardValidator(CFN_GUARD_OPTIONS)));

// All of it, CDK's keys included: a key this app does not know is refused (a typo would be ignored).
const context = app.node.getAllContext() as Record<string, unknown>;
// `-c analyzerConfigFile=path` names the rules' config; its text goes to the function, checked here first.
const configFile = app.node.tryGetContext(CONFIG_FILE_CONTEXT_KEY.key) as string | undefined;
if (configFile !== undefined) {
  const text = readFileSync(configFile, 'utf8');
  parseConfig(text, configFile, knownRuleIds());
  context.analyzerConfig = text;
}
const settings = parseDeployContext(context);

new AnalyzerStack(app, settings.stackName, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'k8s-audit-analyzer: persistence detection on Kubernetes audit logs (S3 → SQS → Lambda → DynamoDB → SNS)',
  settings,
});
