import type { Finding } from '../../../lambdas/core/finding';
import { MAX_PRINCIPAL_KEY, principalOf } from '../../../lambdas/core/incident/principal';

const actor = (username: string, more: Partial<Finding['actor']> = {}): Pick<Finding, 'actor'> => ({ actor: { username, ...more } });

describe('principalOf', () => {
  it('names an IAM user by its user name, keeping the full ARN among the usernames', () => {
    const arn = 'arn:aws:iam::123456789012:user/jordan.lee';
    expect(principalOf(actor(arn))).toEqual({ key: 'jordan.lee', display: 'jordan.lee', usernames: [arn] });
    expect(principalOf(actor('arn:aws:iam::123456789012:user/dev/team-a/jordan.lee')).key).toBe('jordan.lee');
  });

  it('names the person behind an SSO session, and the role shortly', () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PlatformAdmin_3a03c1d2e4f5a6b7/carla.rossi@example.com';
    const p = principalOf(actor(arn));
    expect(p.key).toBe('carla.rossi@example.com');
    expect(p.display).toBe('carla.rossi@example.com (role AWSReservedSSO_PlatformAdmin_3a03…)');
    expect(p.usernames).toEqual([arn]);
  });

  it.each([
    ['GitHubActions'],
    ['botocore-session-1732000000'],
    ['aws-go-sdk-1732000000123456789'],
    ['1732000000123'],
    ['{{SessionName}}'],
    ['i-0abc1234def567890'],
  ])('groups a role whose session name (%s) names no person under the role', (session) => {
    const p = principalOf(actor(`arn:aws:sts::123456789012:assumed-role/github-actions-deploy/${session}`));
    expect(p.key).toBe('role/github-actions-deploy');
    expect(p.display).toBe('role github-actions-deploy');
  });

  it('keeps two people of one role apart, and one CI role in one principal', () => {
    const role = 'arn:aws:sts::123456789012:assumed-role/Admin';
    expect(principalOf(actor(`${role}/alice`)).key).not.toBe(principalOf(actor(`${role}/bob`)).key);
    expect(principalOf(actor(`${role}/GitHubActions`)).key).toBe(principalOf(actor(`${role}/botocore-session-42`)).key);
  });

  it('makes the impersonator the principal and lists whom it impersonated', () => {
    const p = principalOf(actor('arn:aws:iam::123456789012:user/jordan.lee', { impersonatedUser: 'system:serviceaccount:kube-system:admin' }));
    expect(p.key).toBe('jordan.lee');
    expect(p.impersonated).toEqual(['system:serviceaccount:kube-system:admin']);
  });

  it('names service accounts, nodes and anonymous requests', () => {
    expect(principalOf(actor('system:serviceaccount:kube-system:node-health-agent'))).toMatchObject({
      key: 'sa:kube-system/node-health-agent',
      display: 'service account kube-system/node-health-agent',
    });
    expect(principalOf(actor('system:node:ip-10-0-77-12.ec2.internal'))).toMatchObject({
      key: 'node:ip-10-0-77-12.ec2.internal',
      display: 'node ip-10-0-77-12.ec2.internal',
    });
    expect(principalOf(actor('system:anonymous'))).toMatchObject({ key: 'anonymous', display: 'anonymous' });
    expect(principalOf(actor('kubernetes-admin'))).toMatchObject({ key: 'kubernetes-admin', display: 'kubernetes-admin' });
  });

  it('keeps keys bounded and distinct for long names, and never throws', () => {
    const a = principalOf(actor(`x${'a'.repeat(10_000)}`));
    const b = principalOf(actor(`y${'a'.repeat(10_000)}`));
    const c = principalOf(actor(`x${'a'.repeat(9_999)}b`));
    expect(a.key.length).toBeLessThanOrEqual(MAX_PRINCIPAL_KEY);
    expect(new Set([a.key, b.key, c.key]).size).toBe(3);
    expect(a.display.length).toBeLessThanOrEqual(300);
    expect(a.usernames[0].length).toBeLessThanOrEqual(300);
    const hostile = [undefined, null, 42, {}, { toString: () => 'x' }] as unknown as string[];
    for (const username of hostile) expect(() => principalOf(actor(username))).not.toThrow();
    expect(() => principalOf({} as Pick<Finding, 'actor'>)).not.toThrow();
    expect(principalOf(actor('')).key).toBe('unknown');
  });
});
