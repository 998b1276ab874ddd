#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AnalyzerStack } from '../lib/analyzer-stack';

const app = new App();
// Every cdk-nag finding, warnings included, fails synth; exceptions are acknowledged in code with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

const existingBucketName = app.node.tryGetContext('existingLogBucketName') as string | undefined;
new AnalyzerStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'K8sAuditAnalyzer', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  logBucket: {
    existingBucketName,
    acceptResponsibilityForImportedBucket: app.node.tryGetContext('acceptResponsibilityForImportedBucket') === true || app.node.tryGetContext('acceptResponsibilityForImportedBucket') === 'true',
  },
});
