import type { Finding, Severity } from '../../../lambdas/core/finding';
import type { LocatedFinding } from '../../../lambdas/core/report/aggregate';
import { aggregate } from '../../../lambdas/core/report/aggregate';
import type { SarifLog } from '../../../lambdas/core/report/sarif';
import { FINGERPRINT_KEY, buildSarif, renderSarif, sourceUri } from '../../../lambdas/core/report/sarif';
import { RULES } from '../../../lambdas/core/rules/index';
import { registryFinding } from '../../helpers/findings';

let sequence = 0;

/** Registry findings on Secrets of cluster prod-eu, a minute apart. */
function finding(ruleId: string, overrides: Partial<Omit<Finding, 'ruleId'>> = {}): Finding {
  sequence++;
  return registryFinding(ruleId, {
    auditID: `audit-${sequence}`,
    time: `2026-11-20T10:${String(sequence % 60).padStart(2, '0')}:00Z`,
    cluster: 'prod-eu',
    actor: { username: 'alice@example.com' },
    target: { resource: 'secrets', namespace: 'prod', name: `secret-${sequence}` },
    ...overrides,
  });
}

const located = (f: Finding, source = 's3://audit-logs/prod/2026/11/20/part-0001.gz'): LocatedFinding => ({ finding: f, source });

const OPTIONS = { toolVersion: '0.1.0', informationUri: 'https://example.com/k8s-audit-analyzer' };

function scenario(): LocatedFinding[] {
  return [
    located(
      finding('rbac.privileged-role-bound', {
        target: { resource: 'clusterrolebindings', name: 'pwn' },
        summary: 'alice@example.com bound cluster-admin to ServiceAccount kube-system/backdoor',
      }),
    ),
    located(
      finding('rbac.privileged-role-bound', {
        target: { resource: 'clusterrolebindings', name: 'pwn' },
        summary: 'alice@example.com bound cluster-admin to ServiceAccount kube-system/backdoor',
      }),
    ),
    located(
      finding('exec.pod-exec', { severity: 'high', target: { resource: 'pods', subresource: 'exec', namespace: 'databases', name: 'postgres-0' } }),
      'logs/audit.jsonl',
    ),
    located(finding('secret.read', { severity: 'medium' }), '/var/log/kube audit/audit.log'),
    located(finding('image.mutable-tag', { severity: 'low', target: { resource: 'deployments', namespace: 'web', name: 'frontend' } })),
    located(finding('anonymous.denied-request', { severity: 'info', target: { resource: 'nodes' } })),
  ];
}

const parse = (text: string): SarifLog => JSON.parse(text) as SarifLog;

describe('renderSarif', () => {
  const rows = aggregate(scenario());
  const log = parse(renderSarif(rows, RULES, OPTIONS));
  const run = log.runs[0];
  const driver = run.tool.driver;

  it('is a SARIF 2.1.0 log with one run by k8s-audit-analyzer', () => {
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    expect(driver).toMatchObject({ name: 'k8s-audit-analyzer', semanticVersion: '0.1.0', version: '0.1.0', informationUri: OPTIONS.informationUri });
  });

  it('is what buildSarif returns, indented by 2', () => {
    const text = renderSarif(rows, RULES, OPTIONS);
    expect(JSON.parse(text)).toEqual(buildSarif(rows, RULES, OPTIONS));
    expect(text).toMatch(/^\{\n {2}"\$schema"/);
  });

  it('describes every rule of the registry once, with its metadata', () => {
    expect(driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    for (const rule of RULES) {
      const d = driver.rules.find((r) => r.id === rule.id);
      expect(d).toMatchObject({
        shortDescription: { text: rule.title },
        fullDescription: { text: rule.description },
        properties: { category: rule.category },
      });
      expect(d?.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(d?.help?.text).toContain(rule.remediation);
      expect(d?.help?.text).toContain(rule.falsePositives);
      expect(d?.properties.tags).toEqual(expect.arrayContaining(['security', rule.category, ...rule.attack]));
      expect(new Set(d?.properties.tags).size).toBe(d?.properties.tags.length);
    }
  });

  it('gives each rule a security-severity as a number string, by the severity it can raise', () => {
    const expected: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };
    for (const rule of RULES) {
      const d = driver.rules.find((r) => r.id === rule.id);
      expect(d?.properties['security-severity']).toBe(expected[rule.severity]);
      expect(Number.isFinite(Number(d?.properties['security-severity']))).toBe(true);
    }
    expect(driver.rules.find((r) => r.id === 'exec.pod-exec')?.name).toBe('ExecPodExec');
  });

  it('has one result per row, in the order given, each pointing at its rule', () => {
    expect(run.results.map((r) => r.ruleId)).toEqual(rows.map((r) => r.ruleId));
    for (const result of run.results) expect(driver.rules[result.ruleIndex].id).toBe(result.ruleId);
    const reversed = parse(renderSarif([...rows].reverse(), RULES, OPTIONS)).runs[0].results;
    expect(reversed.map((r) => r.ruleId)).toEqual([...rows].reverse().map((r) => r.ruleId));
  });

  it('maps severities to levels: critical and high are errors, medium a warning, low and info notes', () => {
    const levels = Object.fromEntries(run.results.map((r) => [r.properties.severity, r.level]));
    expect(levels).toEqual({ critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' });
  });

  it('says in the message what happened and how often', () => {
    const first = run.results[0];
    expect(first.message.text).toBe('alice@example.com bound cluster-admin to ServiceAccount kube-system/backdoor (2 occurrences)');
    expect(run.results[1].message.text).toMatch(/ \(1 occurrence\)$/);
  });

  it('escapes brackets in messages, which SARIF would read as embedded links', () => {
    const bracketed = aggregate([located(finding('rbac.dangerous-role-permissions', { summary: 'rules[0] lets holders [do](1) anything' }))]);
    expect(buildSarif(bracketed, RULES, OPTIONS).runs[0].results[0].message.text).toBe('rules\\[0\\] lets holders \\[do\\](1) anything (1 occurrence)');
  });

  it('locates each result at the Kubernetes object, logically, and at the log object it was read from', () => {
    const byRule = (id: string) => run.results.find((r) => r.ruleId === id)?.locations[0];
    expect(byRule('rbac.privileged-role-bound')).toEqual({
      physicalLocation: { artifactLocation: { uri: 's3://audit-logs/prod/2026/11/20/part-0001.gz' } },
      logicalLocations: [{ name: 'pwn', fullyQualifiedName: 'clusterrolebindings/pwn', kind: 'resource' }],
    });
    expect(byRule('exec.pod-exec')).toEqual({
      physicalLocation: { artifactLocation: { uri: 'logs/audit.jsonl' } },
      logicalLocations: [{ name: 'postgres-0', fullyQualifiedName: 'databases/pods/postgres-0/exec', kind: 'resource' }],
    });
    expect(byRule('secret.read')?.physicalLocation?.artifactLocation.uri).toBe('file:///var/log/kube%20audit/audit.log');
    expect(byRule('image.mutable-tag')?.logicalLocations[0].fullyQualifiedName).toBe('web/deployments/frontend');
    expect(byRule('anonymous.denied-request')?.logicalLocations[0]).toEqual({ name: 'nodes', fullyQualifiedName: 'nodes', kind: 'resource' });
  });

  it('has no physical location for a row without sources', () => {
    const sourceless = rows.map((r) => ({ ...r, sources: [] }));
    for (const result of buildSarif(sourceless, RULES, OPTIONS).runs[0].results) {
      expect(result.locations[0].physicalLocation).toBeUndefined();
      expect(result.locations[0].logicalLocations).toHaveLength(1);
    }
  });

  it('turns every kind of source into a URI reference', () => {
    expect(sourceUri('s3://audit-logs/prod/2026/11/20/part 1%.gz')).toBe('s3://audit-logs/prod/2026/11/20/part%201%25.gz');
    expect(sourceUri('samples/benign day.jsonl.gz')).toBe('samples/benign%20day.jsonl.gz');
    expect(sourceUri('/tmp/audit.log')).toBe('file:///tmp/audit.log');
    expect(sourceUri('C:\\logs\\audit.log')).toBe('file:///C:/logs/audit.log');
    expect(sourceUri('https://example.com/audit.log')).toBe('https://example.com/audit.log');
  });

  it('carries the row in the result properties', () => {
    const row = rows[0];
    expect(run.results[0].properties).toEqual({
      severity: row.severity,
      count: 2,
      firstSeen: row.firstSeen,
      lastSeen: row.lastSeen,
      actor: 'alice@example.com',
      exampleAuditID: row.exampleAuditID,
      clusters: ['prod-eu'],
      sources: ['s3://audit-logs/prod/2026/11/20/part-0001.gz'],
    });
  });

  describe('fingerprints', () => {
    const fingerprints = (log: SarifLog) => log.runs[0].results.map((r) => r.partialFingerprints[FINGERPRINT_KEY]);

    it('are sha256 hex, one per result, and differ between rows', () => {
      const all = fingerprints(log);
      expect(all).toHaveLength(rows.length);
      for (const f of all) expect(f).toMatch(/^[0-9a-f]{64}$/);
      expect(new Set(all).size).toBe(all.length);
    });

    it('are the same across runs, and when the group grows or moves in the table', () => {
      const again = parse(renderSarif(rows, RULES, OPTIONS));
      expect(fingerprints(again)).toEqual(fingerprints(log));
      const grown = aggregate([
        ...scenario(),
        located(
          finding('exec.pod-exec', {
            severity: 'critical',
            time: '2026-11-21T00:00:00Z',
            target: { resource: 'pods', subresource: 'exec', namespace: 'databases', name: 'postgres-0' },
          }),
          'other.jsonl',
        ),
      ]);
      const before = (l: SarifLog, id: string) => l.runs[0].results.find((r) => r.ruleId === id)?.partialFingerprints[FINGERPRINT_KEY];
      const after = buildSarif(grown, RULES, OPTIONS);
      expect(before(after, 'exec.pod-exec')).toBe(before(log, 'exec.pod-exec'));
      expect(after.runs[0].results[0].ruleId).toBe('exec.pod-exec'); // it moved to the top
    });

    it('differ when only the actor, namespace or name differs', () => {
      const base = { target: { resource: 'secrets', namespace: 'prod', name: 'db' } };
      const variants = aggregate([
        located(finding('secret.read', base)),
        located(finding('secret.read', { ...base, actor: { username: 'bob@example.com' } })),
        located(finding('secret.read', { target: { resource: 'secrets', namespace: 'staging', name: 'db' } })),
        located(finding('secret.read', { target: { resource: 'secrets', namespace: 'prod', name: 'db2' } })),
        located(finding('secret.write', base)),
      ]);
      const all = fingerprints(buildSarif(variants, RULES, OPTIONS));
      expect(all).toHaveLength(5);
      expect(new Set(all).size).toBe(5);
    });
  });

  it('still gives a row from a rule the registry does not know a rule to point at', () => {
    const stranger = aggregate([located({ ...finding('secret.read'), ruleId: 'custom.retired-rule', title: 'A retired rule', severity: 'high' })]);
    const log = buildSarif(stranger, RULES, OPTIONS);
    const result = log.runs[0].results[0];
    expect(result.ruleIndex).toBe(RULES.length);
    expect(log.runs[0].tool.driver.rules[result.ruleIndex]).toMatchObject({
      id: 'custom.retired-rule',
      shortDescription: { text: 'A retired rule' },
      properties: { 'security-severity': '8.0' },
    });
  });

  it('is a valid log with no results when nothing was found', () => {
    const empty = parse(renderSarif([], RULES, { toolVersion: '1.2.3' }));
    expect(empty.runs[0].results).toEqual([]);
    expect(empty.runs[0].tool.driver.rules).toHaveLength(RULES.length);
    expect(empty.runs[0].tool.driver).not.toHaveProperty('informationUri');
  });

  // The SARIF 2.1.0 JSON schema is not among the installed packages, so the properties it
  // requires of what this log uses are checked by hand.
  it('has what the SARIF 2.1.0 schema requires of the objects it uses', () => {
    expect(typeof driver.name).toBe('string');
    for (const d of driver.rules) {
      expect(typeof d.id).toBe('string');
      expect(['none', 'note', 'warning', 'error']).toContain(d.defaultConfiguration.level);
    }
    for (const result of run.results) {
      expect(typeof result.message.text).toBe('string');
      expect(Number.isInteger(result.ruleIndex) && result.ruleIndex >= 0).toBe(true);
      for (const location of result.locations) {
        if (location.physicalLocation) expect(() => new URL(location.physicalLocation?.artifactLocation.uri ?? '', 'file:///base/')).not.toThrow();
      }
    }
  });
});
