import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { LocalS3 } from '../../devkit/local-s3';
import { startLocalS3 } from '../../devkit/local-s3';
import { main } from '../../lambdas/cli/main';
import { FINDINGS_CSV_COLUMNS } from '../../lambdas/core/compliance/csv';
import type { ComplianceReport } from '../../lambdas/core/compliance/types';
import type { Finding } from '../../lambdas/core/finding';
import { expectCommandHelp } from '../helpers/cli-help';
import { parseCsv } from '../helpers/csv';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n'), env: { CI: 'true' } });
  return { code, out, err };
}

const samples = join(__dirname, '..', '..', 'samples');
// The samples are a Friday of cluster prod-eu: 2026-11-20 (UTC).
const FRIDAY = ['--from', '2026-11-20', '--to', '2026-11-21'];

describe('k8s-audit-analyzer report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scans the logs and writes the HTML, CSV and JSON of the period, with the controls the logs could assess', async () => {
    const out = join(dir, 'friday');
    const { code, out: stdout, err } = await run('report', samples, ...FRIDAY, '--out', out);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^2026-11-20 \(UTC\): 38 findings \(4 critical, 5 high, 3 medium, 20 low, 6 info\), 0 in the period before$/m);
    expect(stdout).toMatch(/^controls: \d+ violated, \d+ held, \d+ not assessed, \d+ not applicable$/m);

    const doc = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { schema: string; report: ComplianceReport; findings: Finding[] };
    expect(doc.schema).toBe('k8s-audit-analyzer/compliance-report@1');
    expect(doc.report.period).toMatchObject({ from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' });
    expect(doc.report.clusters).toEqual(['prod-eu']);
    expect(doc.findings).toHaveLength(38);
    expect(doc.report.coverage?.[0]).toMatchObject({ cluster: 'prod-eu' });
    const states = new Set(doc.report.controls.map((c) => c.state));
    expect(states.has('violated')).toBe(true);
    expect(states.has('held')).toBe(true); // the logs were read: controls whose rules saw events and found nothing held

    // The samples are an EKS cluster (its log names IAM principals; the objects whose keys name no
    // cluster too): no control EKS manages is held.
    expect(doc.report.platforms).toEqual([
      { cluster: 'prod-eu', platform: 'eks', basis: 'logs' },
      { cluster: '-', platform: 'eks', basis: 'logs' },
    ]);
    const managed = doc.report.controls.filter((c) => /^CIS-[123]\./.test(c.control.id));
    expect(managed.map((c) => c.control.id)).toEqual(expect.arrayContaining(['CIS-1.2.1', 'CIS-1.2.16', 'CIS-3.2.1']));
    expect(managed.filter((c) => c.state !== 'not-applicable')).toEqual([]);
    const eks = doc.report.controls.filter((c) => c.control.framework === 'CIS-EKS');
    expect(eks.map((c) => c.control.id)).toEqual(expect.arrayContaining(['CIS-EKS-4.1.1', 'CIS-EKS-4.2.1']));
    expect(eks.every((c) => c.state !== 'not-applicable')).toBe(true);
    expect(doc.report.auditSummary.change.known).toBe(false); // nothing in the day before: first period

    const rows = parseCsv(readFileSync(join(out, 'findings.csv'), 'utf8'));
    expect(rows[0]).toEqual([...FINDINGS_CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + 38);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('2026-11-20');
    expect(html).toContain('prod-eu');
  });

  it('takes the last complete UTC day before --at with --period daily', async () => {
    const out = join(dir, 'daily');
    const { code, out: stdout } = await run('report', samples, '--period', 'daily', '--at', '2026-11-21T06:00:00Z', '--out', out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^2026-11-20 \(UTC\): 38 findings/m);
    const { code: none, out: empty } = await run('report', samples, '--period', 'daily', '--at', '2026-11-22T06:00:00Z', '--out', join(dir, 'saturday'));
    expect(none).toBe(0);
    expect(empty).toMatch(/^2026-11-21 \(UTC\): 0 findings, 38 in the period before$/m);
    const saturday = JSON.parse(readFileSync(join(dir, 'saturday', 'report.json'), 'utf8')) as { report: ComplianceReport };
    // What Friday violated is no longer violated on Saturday, and the summary says so.
    expect(saturday.report.auditSummary.change).toMatchObject({ known: true, newlyViolated: [] });
    expect(saturday.report.auditSummary.change.noLongerViolated).toEqual(expect.arrayContaining(['CIS-5.1.1', 'CIS-EKS-4.1.1']));
  });

  it('reads a findings file instead of logs, and then shows no control as held', async () => {
    const scan = await run('scan', samples, '--format', 'json', '-q');
    const file = join(dir, 'findings.json');
    writeFileSync(file, scan.out);
    const out = join(dir, 'from-file');
    const { code } = await run('report', '--findings', file, ...FRIDAY, '--out', out);
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { report: ComplianceReport; findings: Finding[] };
    expect(doc.findings).toHaveLength(38);
    expect(doc.report.coverage).toBeUndefined();
    expect(doc.report.controls.filter((c) => c.state === 'held')).toEqual([]);
    expect(doc.report.controls.some((c) => c.state === 'violated')).toBe(true);
    // A report.json is a findings file too.
    const again = await run('report', '--findings', join(out, 'report.json'), ...FRIDAY, '--out', join(dir, 'again'));
    expect(again.code).toBe(0);
    expect(existsSync(join(dir, 'again', 'report.html'))).toBe(true);
  });

  it('checks its arguments before reading anything', async () => {
    for (const [args, message] of [
      [['report', ...FRIDAY], /needs audit logs/],
      [['report', samples], /give the period/],
      [['report', samples, '--period', 'monthly'], /error: option '--period <cadence>' argument 'monthly' is invalid\. Allowed choices are weekly, daily\./],
      [['report', samples, '--period', 'daily', '--at', 'tomorrow'], /option '--at <time>' argument 'tomorrow' is invalid\. "tomorrow" is not a time/],
      [['report', samples, '--at', '2026-11-21', ...FRIDAY], /--at goes with --period/],
      [['report', samples, ...FRIDAY, '--concurrency', '0'], /--concurrency must be a whole number from 1 to 64/],
      [['report', samples, ...FRIDAY, '--titel', 'x'], /error: unknown option '--titel'\n\(Did you mean --title\?\)/],
      [['report', samples, '--period', 'weekly', '--from', '2026-11-01'], /not both/],
      [['report', samples, '--from', '2026-11-21', '--to', '2026-11-20'], /before|after|empty|--from/],
      [['report', samples, '--findings', 'x.json', ...FRIDAY], /not both/],
      [['report', '--findings', join(dir, 'missing.json'), ...FRIDAY], /cannot read --findings/],
      [['report', samples, ...FRIDAY, '--config', join(__dirname, 'nope.yaml')], /cannot read --config/],
    ] as const) {
      const { code, err } = await run(...args);
      expect(code).toBe(2);
      expect(err).toMatch(message);
      expect(err).toMatch(/Run 'k8s-audit-analyzer report --help' for usage\./);
    }
  });

  it('exits 3 when the logs held no audit event at all, says why even with --quiet, and still writes the report', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    writeFileSync(join(empty, 'README.md'), '# not a log\n');
    const out = join(dir, 'nothing');
    const { code, err } = await run('report', empty, ...FRIDAY, '--out', out, '-q');
    expect(code).toBe(3);
    expect(err).toBe(`error: no audit event read: no object found under ${empty} (check the path or the S3 prefix)\n`);
    expect(existsSync(join(out, 'report.html'))).toBe(true);

    writeFileSync(join(empty, 'notes.txt'), 'nothing here\n');
    const held = await run('report', empty, ...FRIDAY, '--out', out);
    expect(held.code).toBe(3);
    expect(held.err).toMatch(/^error: no audit event read: the object \(\d+ B\) under .* held none/m);
  });

  it('prints its own help on stdout: every option, examples and its exit codes', async () => {
    const help = await run('report', '--help');
    expectCommandHelp(
      help,
      ['report'],
      ['--from', '--to', '--period', '--at', '--findings', '--config', '--out', '--title', '--concurrency', '--region', '--profile', '--quiet', '--help'],
      [0, 2, 3], // no 1: report has no --fail-on
    );
    expect(help.out).toMatch(/\(choices: "weekly", "daily"\)/);
    expect((await run('--help')).out).toMatch(/^ {2}report \[options\] \[locations\.\.\.\] +the compliance report/m);
  });
});

describe('k8s-audit-analyzer report of S3 logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-s3-'));
  let s3: LocalS3;
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startLocalS3();
    await s3.createBucket('audit-logs');
    const files = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));
    for (const file of files(samples).filter((f) => !f.endsWith('.md')))
      await s3.client.send(new PutObjectCommand({ Bucket: 'audit-logs', Key: `logs/${relative(samples, file)}`, Body: readFileSync(file) }));
    // The CLI makes its own client: what it knows of this S3 comes from the environment, as a user's would.
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_CONFIG_FILE: join(dir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    });
  });
  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads s3:// locations in the --region given; without one, says how to give it in one line (exit 2)', async () => {
    const none = await run('report', 's3://audit-logs/logs/', ...FRIDAY, '--out', join(dir, 'none'), '-q');
    expect(none).toEqual({ code: 2, out: '', err: 'error: no AWS region: pass --region (e.g. --region eu-west-1) or set AWS_REGION\n' });

    const out = join(dir, 'friday');
    const { code, out: stdout, err } = await run('report', 's3://audit-logs/logs/', ...FRIDAY, '--out', out, '--region', 'eu-west-1', '-q');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^2026-11-20 \(UTC\): 38 findings/m);
    expect((JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { findings: Finding[] }).findings).toHaveLength(38);
  });

  it('exits 3 for a prefix that holds nothing', async () => {
    const { code, err } = await run('report', 's3://audit-logs/typo/', ...FRIDAY, '--out', join(dir, 'typo'), '--region', 'eu-west-1', '-q');
    expect(code).toBe(3);
    expect(err).toBe('error: no audit event read: no object found under s3://audit-logs/typo/ (check the path or the S3 prefix)\n');
  });
});
