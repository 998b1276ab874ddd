import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { AnalyzerStack } from '../../lib/analyzer-stack';
import { parseDeploySettings } from '../../lib/deploy-settings';
import { KubernetesAuditAnalyzer } from '../../lib/kubernetes-audit-analyzer';
import type { GuardRule } from '../../lib/policy-validation';
import { CFN_GUARD_OPTIONS, CFN_GUARD_PLUGIN_NAME, failOnEveryViolation, GUARD_JUSTIFICATIONS } from '../../lib/policy-validation';

const ROOT = join(__dirname, '..', '..');
const SLACK_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k8s-audit/slack-AbCdEf';
const ENV = { account: '123456789012', region: 'eu-west-1' };

/** The rules the plugin bundles: each `.guard` file's rule name and the Control Tower control it enforces. */
function bundledControls(): Map<string, string> {
  const dir = join(dirname(require.resolve('@cdklabs/cdk-validator-cfnguard')), '..', 'rules', 'control-tower', 'cfn-guard');
  const controls = new Map<string, string>();
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.guard'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const rule = /^rule (\w+) when is_cfn_template/m.exec(text)?.[1];
    const control = /\[(CT\.\w+\.PR\.\d+)\]/.exec(text)?.[1];
    if (rule !== undefined && control !== undefined) controls.set(rule, control);
  }
  return controls;
}

interface ReportedViolation {
  readonly ruleName: string;
  readonly violatingConstructs: ReadonlyArray<{ readonly constructPath?: string }>;
  readonly acknowledgedId?: string;
  readonly reason?: string;
}
interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: string;
  readonly violations: readonly ReportedViolation[];
  readonly suppressedViolations?: readonly ReportedViolation[];
}

const describeViolation = (v: ReportedViolation): string[] => v.violatingConstructs.map((c) => `${v.ruleName}: ${c.constructPath ?? '?'}`);

/**
 * One app, one cfn-guard run over every stack: the app as deployed (cdk.json's feature flags) with
 * the default settings, every option, an imported bucket and EKS ingestion; the construct in a
 * user's app without those flags; and a stack of bare resources nobody justified.
 */
function synthWithGuard(outdir: string): PluginReport {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({
    outdir,
    // The report is read below rather than thrown (jest runs CDK in its in-memory mode, which throws).
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:failSynthOnValidationErrors': false },
  });
  Validations.of(app).addPlugins(failOnEveryViolation(new CfnGuardValidator(CFN_GUARD_OPTIONS)));
  const variants: Record<string, Record<string, unknown>> = {
    Defaults: { alertEmails: 'secops@example.com' },
    EveryOption: {
      alertEmails: 'secops@example.com',
      opsEmails: 'platform@example.com',
      slackWebhookSecretArn: SLACK_SECRET,
      chatbotSlackWorkspaceId: 'T0123ABCD',
      chatbotSlackChannelId: 'C0456EFGH',
      analyzerReservedConcurrency: '20',
      eksClusters: 'prod-eu,prod-us',
    },
    ImportedBucket: { alertEmails: 'secops@example.com', existingLogBucketName: 'corp-eks-audit', acceptResponsibilityForImportedBucket: true },
    EksRaw: { alertEmails: 'secops@example.com', eksClusters: 'prod-eu', eksIngestionMode: 'raw', eksBufferSeconds: '900' },
  };
  for (const [name, context] of Object.entries(variants)) new AnalyzerStack(app, name, { env: ENV, settings: parseDeploySettings(context) });

  const users = new Stack(app, 'UsersApp', { env: ENV });
  users.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, false); // before any child: an app created without cdk.json's flags
  new KubernetesAuditAnalyzer(users, 'AuditAnalyzer', { alertEmails: ['secops@example.com'] });

  const bare = new Stack(app, 'Unjustified', { env: ENV });
  new Queue(bare, 'Queue');
  new LogGroup(bare, 'Logs');

  app.synth();
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: PluginReport[] };
  const guard = report.pluginReports.find((r) => r.pluginName === CFN_GUARD_PLUGIN_NAME);
  if (guard === undefined) throw new Error(`no ${CFN_GUARD_PLUGIN_NAME} report among ${report.pluginReports.map((r) => r.pluginName).join(', ')}`);
  return guard;
}

describe('cfn-guard: Control Tower proactive controls', () => {
  const controls = bundledControls();

  it('has every justification name a rule the plugin bundles, and start with the control that rule enforces', () => {
    expect(controls.size).toBeGreaterThan(100); // the bundled rules were found at all
    for (const [rule, reason] of Object.entries(GUARD_JUSTIFICATIONS)) {
      expect([rule, controls.has(rule)]).toEqual([rule, true]);
      expect(reason.startsWith(`${controls.get(rule)}: `)).toBe(true);
    }
  });

  describe('on the synthesized stacks', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cfn-guard-'));
    let guard: PluginReport;
    beforeAll(() => {
      guard = synthWithGuard(outdir);
    }, 600_000);
    afterAll(() => rmSync(outdir, { recursive: true, force: true }));

    const reported = (): string[] => guard.violations.flatMap(describeViolation);
    const isBare = (line: string): boolean => line.includes(': Unjustified/');

    it('finds nothing in the app or the construct but the justified rules', () => {
      expect(reported().filter((line) => !isBare(line))).toEqual([]);
    });

    it('suppresses only with the justifications of lib/policy-validation.ts, and uses every one of them', () => {
      const suppressed = guard.suppressedViolations ?? [];
      for (const v of suppressed) {
        expect(v.acknowledgedId).toBe(`${CFN_GUARD_PLUGIN_NAME}::${v.ruleName}`);
        expect(v.reason).toBe(GUARD_JUSTIFICATIONS[v.ruleName as GuardRule]);
      }
      expect([...new Set(suppressed.map((v) => v.ruleName))].sort()).toEqual(Object.keys(GUARD_JUSTIFICATIONS).sort());
    });

    it('meets the controls that were fixed rather than justified: no KMS grants but for AWS services; no ACLs on the access-log bucket with the bucket-policy flag', () => {
      const suppressedPaths = (guard.suppressedViolations ?? []).flatMap(describeViolation);
      expect(suppressedPaths.filter((p) => p.startsWith('kms_create_grant_aws_service_check'))).toEqual([]);
      // Only the construct in an app without cdk.json's flag keeps ACLs for log delivery.
      expect(suppressedPaths.filter((p) => p.startsWith('s3_bucket_acl_prohibited_check'))).toEqual([
        's3_bucket_acl_prohibited_check: UsersApp/AuditAnalyzer/AccessLogs/Bucket/Resource',
      ]);
    });

    it('still reports the same rules on resources nobody justified (the acknowledgements are scoped to ours)', () => {
      expect(reported().filter(isBare)).toEqual(
        expect.arrayContaining(['sqs_dlq_check: Unjustified/Queue/Resource', 'cloudwatch_log_group_encrypted_check: Unjustified/Logs/Resource']),
      );
      expect(guard.conclusion).toBe('failure');
    });
  });
});
