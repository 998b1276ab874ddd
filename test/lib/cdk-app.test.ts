import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The user's path: `cdk synth` through cdk.json, the app in bin/app.ts run by tsx, cdk-nag on.
describe('cdk synth of bin/app.ts', () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('synthesizes the stack with cdk-nag finding nothing', () => {
    execFileSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out], { cwd: join(__dirname, '..', '..'), stdio: 'pipe', env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' } });
    const template = JSON.parse(readFileSync(join(out, 'K8sAuditAnalyzer.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::S3::Bucket')).toHaveLength(2);
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ summary: { status: string } }> };
    expect(report.pluginReports.every((r) => r.summary.status !== 'failure')).toBe(true);
  }, 60_000);

  it('fails synth when an existing bucket is named without the opt-in', () => {
    expect(() =>
      execFileSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out, '-c', 'existingLogBucketName=corp-audit'], { cwd: join(__dirname, '..', '..'), stdio: 'pipe' }),
    ).toThrow(/acceptResponsibilityForImportedBucket/);
  }, 60_000);
});
