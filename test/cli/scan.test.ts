import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { main } from '../../lambdas/cli/main';
import type { Finding } from '../../lambdas/core/finding';
import type { Incident } from '../../lambdas/core/incident/types';
import type { AggregatedRow } from '../../lambdas/core/report/aggregate';
import { auditEvent, clusterAdminBinding, execViaGet, leaseUpdate } from '../helpers/events';
import type { Ev } from '../helpers/shipping';
import { jsonLines } from '../helpers/shipping';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n'), env: {} });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, bytes: Buffer | string): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

// A binding to cluster-admin for kube-public/default (critical), an interactive exec (medium+), chatter.
const binding: Ev = { ...clusterAdminBinding(), stageTimestamp: '2026-11-20T10:00:00Z' };
const exec: Ev = { ...execViaGet(), stageTimestamp: '2026-11-20T12:00:00Z' };
const logFile = write('audit.jsonl.gz', gzipSync(jsonLines([leaseUpdate(), binding, exec, leaseUpdate()])));

describe('k8s-audit-analyzer scan', () => {
  it('prints the aggregated table with a summary line', async () => {
    const { code, out } = await run('scan', logFile);
    expect(code).toBe(0);
    expect(out).toContain('rbac.broad-subject-bound');
    expect(out).toContain('exec.pod-exec');
    expect(out).toMatch(/1 object/);
  });

  it('prints the incidents above the table: the most severe first, with who, where and when', async () => {
    const { code, out } = await run('scan', logFile);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe('Incidents (2, most severe first)');
    expect(lines[2]).toMatch(/^CRITICAL +alice@example\.com /);
    expect(out).toMatch(/principal: alice@example\.com\n +cluster: .*\n +time: 2026-11-20 10:00 UTC\n/);
    expect(out.indexOf('principal:')).toBeLessThan(out.indexOf('rbac.broad-subject-bound'));
  });

  it("--cluster names the cluster of objects whose path names none: the samples' attack, in four shipping formats, is one incident", async () => {
    const samples = join(__dirname, '..', '..', 'samples');
    const incidentsOf = async (...options: string[]) =>
      (JSON.parse((await run('scan', samples, '--format', 'json', '-q', ...options)).out) as { incidents: Incident[] }).incidents;
    const jordanAndToken = (incidents: Incident[]) =>
      incidents.filter((i) => i.principal.key === 'jordan.lee' || i.principal.key.includes('node-health-agent'));
    // Without it, only the EKS object's key names prod-eu: the token's later actions form incidents of their own.
    expect(jordanAndToken(await incidentsOf()).length).toBeGreaterThan(1);
    const joined = jordanAndToken(await incidentsOf('--cluster', 'prod-eu'));
    expect(joined).toHaveLength(1);
    expect(joined[0]).toMatchObject({ cluster: 'prod-eu', principal: { key: 'jordan.lee' }, severity: 'critical' });
    expect(joined[0].chain).toMatch(/^binding \+ token \+ privileged DaemonSet .*webhook: a persistence chain$/);
    const bad = await run('scan', samples, '--cluster', 'prod eu/../x');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--cluster must be a cluster name/);
  });

  it('--incident-window joins findings further apart into one incident; --min-severity and info findings leave incidents out', async () => {
    const incidentsOf = async (...options: string[]) =>
      (JSON.parse((await run('scan', logFile, '--format', 'json', ...options)).out) as { incidents: Incident[] }).incidents;
    // The binding (10:00) and the exec (12:00) by the same person: two incidents an hour apart, one three hours apart.
    const apart = await incidentsOf();
    expect(apart.map((i) => i.firstSeen)).toEqual(['2026-11-20T10:00:00Z', '2026-11-20T12:00:00Z']);
    const joined = await incidentsOf('--incident-window', '180');
    expect(joined).toHaveLength(1);
    expect(joined[0].groups).toHaveLength(apart[0].groups.length + apart[1].groups.length);
    expect(joined[0]).toMatchObject({ principal: { key: 'alice@example.com' }, severity: 'critical', firstSeen: '2026-11-20T10:00:00Z' });
    expect((await incidentsOf('--min-severity', 'critical')).map((i) => i.severity)).toEqual(['critical']);
    // Every rule the log meets made info by the configuration: findings, and no incident.
    const rules = (JSON.parse((await run('scan', logFile, '--format', 'json')).out) as { findings: Finding[] }).findings.map((f) => f.ruleId);
    const infoConfig = write('info.json', JSON.stringify({ rules: { severity: Object.fromEntries(rules.map((r) => [r, 'info'])) } }));
    const doc = JSON.parse((await run('scan', logFile, '--format', 'json', '--config', infoConfig)).out) as { findings: Finding[]; incidents: Incident[] };
    expect(doc.findings.length).toBeGreaterThan(0);
    for (const f of doc.findings) expect(f.severity).toBe('info');
    expect(doc.incidents).toEqual([]);
  });

  it('--format json prints one document with findings, incidents, table and stats, and nothing else', async () => {
    const { code, out } = await run('scan', logFile, '--format', 'json');
    expect(code).toBe(0);
    const doc = JSON.parse(out) as {
      findings: Finding[];
      table: AggregatedRow[];
      stats: { objects: number; bytes: number; events: number; skipped: number; malformed: number; perObject: Array<{ source: string }> };
    };
    expect(Object.keys(doc)).toEqual(['findings', 'incidents', 'table', 'stats']);
    expect(doc.findings.map((f) => f.auditID)).toEqual(expect.arrayContaining([String(binding.auditID), String(exec.auditID)]));
    expect(doc.table[0].severity).toBe('critical');
    expect(doc.stats).toMatchObject({ objects: 1, events: 4, malformed: 0 });
    expect(doc.stats.bytes).toBeGreaterThan(0);
    expect(doc.stats.perObject.map((o) => o.source)).toEqual([logFile]);
  });

  it('--format ndjson prints one finding per line', async () => {
    const { out } = await run('scan', logFile, '--format', 'ndjson');
    const lines = out.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect((JSON.parse(line) as Finding).ruleId).toBeTruthy();
  });

  it('--format sarif and markdown render the same groups', async () => {
    const sarif = JSON.parse((await run('scan', logFile, '--format', 'sarif')).out) as { version: string; runs: Array<{ results: unknown[] }> };
    const json = JSON.parse((await run('scan', logFile, '--format', 'json')).out) as { table: unknown[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toHaveLength(json.table.length);
    expect((await run('scan', logFile, '--format', 'markdown')).out).toMatch(/\| .*`rbac\.broad-subject-bound`/);
  });

  it('--fail-on exits 1 when a finding reaches the level, 0 otherwise', async () => {
    expect((await run('scan', logFile, '--fail-on', 'critical', '-q')).code).toBe(1);
    const onlyExec = write('exec.jsonl', jsonLines([exec]));
    expect((await run('scan', onlyExec, '--fail-on', 'critical', '-q')).code).toBe(0);
  });

  it('--min-severity leaves lower findings out', async () => {
    const doc = JSON.parse((await run('scan', logFile, '--format', 'json', '--min-severity', 'critical')).out) as { findings: Finding[] };
    expect(doc.findings.length).toBeGreaterThan(0);
    expect(doc.findings.every((f) => f.severity === 'critical')).toBe(true);
  });

  it('--since and --until select events by their time', async () => {
    const doc = JSON.parse((await run('scan', logFile, '--format', 'json', '--since', '2026-11-20T11:00:00Z', '--until', '2026-11-21')).out) as {
      findings: Finding[];
    };
    expect(doc.findings.map((f) => f.auditID)).toEqual([String(exec.auditID)]);
  });

  it('--config applies exceptions and refuses a bad file with the path of the problem', async () => {
    const config = write('config.yaml', 'exceptions:\n  - rules: ["*"]\n    users: [alice@example.com]\n    reason: test identity\n');
    const doc = JSON.parse((await run('scan', logFile, '--format', 'json', '--config', config)).out) as { findings: Finding[] };
    expect(doc.findings).toEqual([]);
    const bad = write('bad.yaml', 'rules:\n  disabled: [not.a-rule]\n');
    const { code, err } = await run('scan', logFile, '--config', bad);
    expect(code).toBe(2);
    expect(err).toContain('rules.disabled[0]: unknown rule id or category "not.a-rule"');
  });

  it('reports what it could read of a broken object and exits 3', async () => {
    const many = jsonLines([binding, ...Array.from({ length: 3000 }, () => auditEvent())]);
    const gz = gzipSync(many);
    const broken = write('broken.jsonl.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));
    const { code, out, err } = await run('scan', broken, '--format', 'json');
    expect(code).toBe(3);
    expect((JSON.parse(out) as { findings: Finding[] }).findings.map((f) => f.auditID)).toContain(String(binding.auditID));
    expect(err).toMatch(/warning: .*broken\.jsonl\.gz could not be read completely/);
  });

  it('--report writes a self-contained HTML report', async () => {
    const report = join(dir, 'out', 'report.html');
    const { code } = await run('scan', logFile, '--report', report, '-q');
    expect(code).toBe(0);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('id="findings"');
    expect(html).toContain('id="incidents"');
    expect(html.indexOf('id="incidents"')).toBeLessThan(html.indexOf('id="findings"'));
    expect(html).toContain('rbac.broad-subject-bound');
  });

  it.each([
    [['scan'], /error: missing required argument 'locations'/],
    [
      ['scan', logFile, '--format', 'xml'],
      /'--format <format>' argument 'xml' is invalid\. Allowed choices are table, json, ndjson, markdown, sarif, ocsf, csv/,
    ],
    [['scan', logFile, '--fail-on', 'severe'], /'--fail-on <level>' argument 'severe' is invalid/],
    [['scan', logFile, '--fomat', 'json'], /unknown option '--fomat'\n\(Did you mean --format\?\)/],
    [['scan', logFile, '-', '-'], /standard input \('-'\) can be read only once/],
    [['scan', logFile, '--since', 'yesterday'], /"yesterday" is not a time/],
    [['scan', logFile, '--report', 'out.txt'], /--report must name an \.html file/],
    [['scan', logFile, '--incident-window', '0'], /--incident-window must be whole minutes from 1 to 10080/],
    [['scan', logFile, '--incident-window', '1.5'], /--incident-window must be whole minutes/],
    [['scan', '/nonexistent/dir'], /cannot list input: .*nonexistent/],
    [['scan', logFile, '--config', '/nonexistent.yaml'], /cannot read --config/],
  ])('usage errors exit 2: %j', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toMatch(/Run 'k8s-audit-analyzer scan --help' for usage\./);
  });
});

describe('k8s-audit-analyzer rules', () => {
  it('lists every rule and shows one in full', async () => {
    const list = await run('rules');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^ID\s+CATEGORY\s+SEVERITY\s+ATT&CK\s+TITLE/);
    expect(list.out).toContain('rbac.privileged-role-bound');
    const show = await run('rules', 'show', 'exec.pod-exec');
    expect(show.out).toMatch(/^exec\.pod-exec: /);
    expect(show.out).toContain('Remediation:');
    expect(show.out).toContain('audit level needed: Metadata');
    expect((await run('rules', 'show', 'workload.privileged-pod')).out).toContain('audit level needed: Request');
    expect((await run('rules', 'show', 'nope')).code).toBe(2);
  });
});
