import { SecurityHubForwarderSettingsError, securityHubForwarderSettingsFromEnv } from '../../lambdas/securityhub-forwarder/settings';

describe('securityhub forwarder settings from the environment', () => {
  it("reads the partition, region and account from the account's default product ARN", () => {
    expect(
      securityHubForwarderSettingsFromEnv({ SECURITY_HUB_PRODUCT_ARN: 'arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default' }),
    ).toEqual({
      target: { partition: 'aws-cn', region: 'cn-north-1', accountId: '123456789012' },
    });
  });

  it.each([
    ['', 'SECURITY_HUB_PRODUCT_ARN is required'],
    ['arn:aws:securityhub:eu-west-1:123456789012:product/210987654321/default', "SECURITY_HUB_PRODUCT_ARN must be the account's default product ARN"],
    ['arn:aws:securityhub:eu-west-1::product/aws/guardduty', "SECURITY_HUB_PRODUCT_ARN must be the account's default product ARN"],
  ])('refuses %j', (value, problem) => {
    let error: unknown;
    try {
      securityHubForwarderSettingsFromEnv({ SECURITY_HUB_PRODUCT_ARN: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SecurityHubForwarderSettingsError);
    expect((error as SecurityHubForwarderSettingsError).problems).toEqual([expect.stringContaining(problem)]);
  });
});
