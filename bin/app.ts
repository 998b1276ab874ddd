#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../lambdas/core/config/schema';
import { knownRuleIds } from '../lambdas/core/rules';
import { AnalyzerStack } from '../lib/analyzer-stack';
import { CONFIG_FILE_CONTEXT_KEY, parseDeployContext } from '../lib/deploy-settings';

const app = new App();
// Every cdk-nag finding, warnings included, fails synth; exceptions are acknowledged in code with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

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
