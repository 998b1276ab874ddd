import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AnalyzerStack } from '../../lib/analyzer-stack';

function synth(props: ConstructorParameters<typeof AnalyzerStack>[2] = {}): { stack: AnalyzerStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new AnalyzerStack(app, 'Test', props);
  return { stack, template: Template.fromStack(stack) };
}

describe('the audit-log bucket', () => {
  const { stack, template } = synth();

  it('is encrypted, versioned, private and logs access to its own log bucket', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'audit-log-bucket/' },
    });
  });

  it('refuses requests that are not over TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('keeps the logs when the stack is deleted: they are evidence', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('passes cdk-nag AwsSolutions with no finding', () => {
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.description}`)).toEqual([]);
    expect(report.success).toBe(true);
  });
});

describe('an existing bucket', () => {
  it('is imported only with the explicit opt-in, and then nothing is created', () => {
    // CDK warns that a stack with no resources is empty: true of this stack until the pipeline lands.
    const warn = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { template } = synth({ logBucket: { existingBucketName: 'corp-eks-audit', acceptResponsibilityForImportedBucket: true } });
    template.resourceCountIs('AWS::S3::Bucket', 0);
    warn.mockRestore();
  });

  it('without the opt-in fails loudly, naming the bucket and the flag', () => {
    expect(() => synth({ logBucket: { existingBucketName: 'corp-eks-audit' } })).toThrow(/corp-eks-audit.*acceptResponsibilityForImportedBucket/);
  });

  it('the opt-in without a bucket name is a configuration error too', () => {
    expect(() => synth({ logBucket: { acceptResponsibilityForImportedBucket: true } })).toThrow(/no existingBucketName/);
  });
});
