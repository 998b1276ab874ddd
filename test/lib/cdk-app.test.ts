import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SLACK_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k8s-audit/slack-AbCdEf';
const ENV = { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' };

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

function cdkSynth(out: string, context: Record<string, string>): { status: number | null; output: string } {
  const args = ['cdk', 'synth', '--quiet', '--no-notices', '--output', out, ...Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const result = spawnSync('npx', args, { cwd: ROOT, env: ENV, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// The user's path: `npx cdk synth` through cdk.json, the app in bin/app.ts run by tsx, cdk-nag
// registered, both Lambdas bundled by the local esbuild (no Docker), all offline.
describe('cdk synth of bin/app.ts', () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('synthesizes every option with cdk-nag finding nothing, and bundles handlers that load on this Node', () => {
    const { status, output } = cdkSynth(out, {
      alertEmails: 'secops@example.com',
      slackWebhookSecretArn: SLACK_SECRET,
      securityHub: 'true',
      analyzerConfigFile: join(ROOT, 'examples', 'config.yaml'),
    });
    expect(output).not.toMatch(/AwsSolutions-|Error/);
    expect(status).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'K8sAuditAnalyzer.template.json'), 'utf8')) as Template;
    const resources = Object.values(template.Resources);
    expect(resources.filter((r) => r.Type === 'AWS::S3::Bucket')).toHaveLength(3);
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ conclusion: string }> };
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success')).toEqual([]);

    const ours = resources.filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs24.x');
    expect(ours).toHaveLength(5); // the analyzer, the Slack notifier, the Security Hub forwarder, the reporter and the watchdog
    const analyzer = ours.find((r) => (r.Properties.Environment as { Variables: Record<string, string> }).Variables.ALERT_COOLDOWN_MINUTES);
    expect((analyzer?.Properties.Environment as { Variables: Record<string, string> }).Variables.ANALYZER_CONFIG).toBe(
      readFileSync(join(ROOT, 'examples', 'config.yaml'), 'utf8'),
    );
    for (const fn of ours) {
      const assetPath = (fn.Metadata as { 'aws:asset:path': string })['aws:asset:path'];
      // The deployed runtime is Node 24; the bundle must still load on the Node 20 the tests run on.
      const loaded = execFileSync(
        process.execPath,
        ['-e', `process.stdout.write(typeof require(${JSON.stringify(join(out, assetPath, 'index.js'))}).handler)`],
        { encoding: 'utf8' },
      );
      expect(loaded).toBe('function');
    }
  }, 120_000);

  it('fails synth when an existing bucket is named without the opt-in', () => {
    const { status, output } = cdkSynth(out, { existingLogBucketName: 'corp-audit', alertEmails: 'secops@example.com' });
    expect(status).not.toBe(0);
    expect(output).toMatch(/acceptResponsibilityForImportedBucket/);
  }, 60_000);

  it('fails synth on invalid context, naming the keys', () => {
    const { status, output } = cdkSynth(out, { alertEmails: 'secops', emailMinSeverity: 'urgent' });
    expect(status).not.toBe(0);
    expect(output).toMatch(/-c alertEmails\.0: not an email address/);
    expect(output).toMatch(/-c emailMinSeverity/);
  }, 60_000);

  it("fails synth on a deploy that alerts nobody and on a mistyped key, saying what to add (cdk.json's feature flags pass)", () => {
    const { status, output } = cdkSynth(out, { alertEmail: 'secops@example.com' });
    expect(status).not.toBe(0);
    expect(output).toMatch(/-c alertEmail: not a context key of this app; did you mean alertEmails\?/);
    expect(output).toMatch(/no alert destination/);
    expect(output).toMatch(/-c noAlertDestination=acknowledged/);
    expect(output).not.toMatch(/@aws-cdk\/|aws:cdk:/);
  }, 60_000);
});
