import { buildIncidentBody } from '../../../lambdas/core/alert/incident-message';
import type { IncidentBody } from '../../../lambdas/core/alert/incident-body';
import { parseIncidentBody } from '../../../lambdas/core/alert/incident-body';
import type { AsffFinding } from '../../../lambdas/core/export/asff';
import {
  ASFF_LIMITS,
  ASFF_REQUIRED_ATTRIBUTES,
  asffFindings,
  CATEGORY_TYPES,
  cut,
  findingId,
  targetOfProductArn,
  typesOf,
} from '../../../lambdas/core/export/asff';
import { CATEGORIES, SEVERITIES } from '../../../lambdas/core/finding';
import type { IncidentAlert, IncidentGroup } from '../../../lambdas/core/incident/types';
import { hasUnsafeCharacters } from '../../../lambdas/core/report/display-text';
import { STORY_GROUPS, STORY_LINKS, storyAlert } from '../../../devkit/incident-story';

const TARGET = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };
const RECEIVED = '2026-11-20T09:01:00.000Z';

function findingsOf(alert: IncidentAlert, links = STORY_LINKS): AsffFinding[] {
  const result = asffFindings(buildIncidentBody(alert, links), { target: TARGET, receivedAt: RECEIVED });
  if (!('findings' in result)) throw new Error(`skipped: ${result.skipped}`);
  return result.findings;
}

/** The same incident later: it grew by a finding of its first group, which is told again. */
function grown(kind: IncidentAlert['kind'] = 'updated'): IncidentAlert {
  const alert = storyAlert(kind);
  const first = { ...alert.told[0], count: 2, lastSeen: '2026-11-20T09:30:00Z', auditIDs: [...alert.told[0].auditIDs, 'later-audit-id'] };
  return { ...alert, incident: { ...alert.incident, lastSeen: '2026-11-20T09:30:00Z', version: 2 }, told: [first] };
}

describe('ASFF findings of an incident alert', () => {
  const opened = findingsOf(storyAlert('opened'));

  it('makes one finding per told group with every required ASFF attribute', () => {
    expect(opened).toHaveLength(STORY_GROUPS.length);
    for (const f of opened) for (const key of ASFF_REQUIRED_ATTRIBUTES) expect(f).toHaveProperty(key);
    const [f] = opened;
    expect(f).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default',
      GeneratorId: 'k8s-audit-analyzer/service-account.token-request',
      AwsAccountId: '123456789012',
      Severity: { Label: 'CRITICAL', Original: 'critical' },
      FindingProviderFields: { Severity: { Label: 'CRITICAL' }, Types: f.Types },
      CreatedAt: '2026-11-20T09:00:04.487Z',
      FirstObservedAt: '2026-11-20T09:00:04.487Z',
      RecordState: 'ACTIVE',
    });
    expect(f.Types).toEqual(CATEGORY_TYPES['service-account']);
    expect(f.Title).toBe('Service account token minted (TokenRequest) in prod-eu');
    expect(f.Description).toContain('requested a token for ServiceAccount kube-system/node-health-agent');
    expect(f.Remediation.Recommendation.Url).toMatch(/^https:\/\/github\.com\/example-org\/k8s-audit-analyzer\/blob\/main\/docs\/rules\.md#/);
    expect(f.ProductFields['k8s-audit-analyzer/auditIDs']).toBe('828eccc9-d85b-4afa-b59b-313467ff2e57');
    expect(f.ProductFields['k8s-audit-analyzer/incident/id']).toBe('prod-eu-jordan.lee-20261120T090004Z');
    expect(f.ProductFields['k8s-audit-analyzer/principal']).toBe('jordan.lee');
    expect(new Set(opened.map((x) => x.Id)).size).toBe(opened.length);
  });

  it('names the EKS cluster and the Kubernetes object as resources', () => {
    expect(opened[0].Resources).toEqual([
      {
        Type: 'AwsEksCluster',
        Id: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod-eu',
        Partition: 'aws',
        Region: 'eu-west-1',
        Details: { AwsEksCluster: { Name: 'prod-eu' } },
      },
      {
        Type: 'Other',
        Id: 'kubernetes://prod-eu/core/kube-system/serviceaccounts/node-health-agent/token',
        Partition: 'aws',
        Region: 'eu-west-1',
        Details: {
          Other: { cluster: 'prod-eu', resource: 'serviceaccounts', subresource: 'token', namespace: 'kube-system', name: 'node-health-agent', verb: 'create' },
        },
      },
    ]);
  });

  it('updates the same finding when the incident grows: same Id and CreatedAt, UpdatedAt moved', () => {
    const [later] = findingsOf(grown());
    expect(later.Id).toBe(opened[0].Id);
    expect(later.CreatedAt).toBe(opened[0].CreatedAt);
    expect(later.UpdatedAt > opened[0].UpdatedAt).toBe(true);
    expect(later.LastObservedAt).toBe('2026-11-20T09:30:00.000Z');
    expect(later.ProductFields['k8s-audit-analyzer/auditIDs']).toBe('828eccc9-d85b-4afa-b59b-313467ff2e57, later-audit-id');
    // A redelivered alert is the same import: nothing in a finding comes from the clock.
    expect(findingsOf(grown())).toEqual([later]);
  });

  it('archives the findings of a closed incident and keeps a quiet one active, with its end as the update time', () => {
    const ended = (how: 'quiet' | 'closed'): IncidentAlert => {
      const alert = storyAlert(how);
      const at = '2026-11-20T11:00:00.000Z';
      return { ...alert, incident: { ...alert.incident, state: how, ended: { at, how, ...(how === 'closed' ? { by: 'secops', reason: 'revoked' } : {}) } } };
    };
    const closed = findingsOf(ended('closed'));
    expect(closed.map((f) => f.RecordState)).toEqual(opened.map(() => 'ARCHIVED'));
    expect(closed.map((f) => f.Id)).toEqual(opened.map((f) => f.Id));
    expect(closed[0].UpdatedAt).toBe('2026-11-20T11:00:00.000Z');
    expect(closed[0].ProductFields['k8s-audit-analyzer/ended/reason']).toBe('revoked');
    const quiet = findingsOf(ended('quiet'));
    expect(quiet.map((f) => f.RecordState)).toEqual(opened.map(() => 'ACTIVE'));
    expect(quiet[0].ProductFields['k8s-audit-analyzer/incident/state']).toBe('quiet');
  });

  it('imports no test alert', () => {
    expect(asffFindings(buildIncidentBody(storyAlert('test'), STORY_LINKS), { target: TARGET, receivedAt: RECEIVED })).toEqual({ skipped: 'test alert' });
  });

  it('maps every severity to its ASFF label', () => {
    const labels = SEVERITIES.map((severity) => findingsOf({ ...storyAlert(), told: [{ ...STORY_GROUPS[0], severity }] })[0].Severity.Label);
    expect(labels).toEqual(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
  });

  it('gives every category ASFF types in the TTPs namespace, and an unknown category a valid type', () => {
    expect(Object.keys(CATEGORY_TYPES).sort()).toEqual([...CATEGORIES].sort());
    const tactics = ['Initial Access', 'Execution', 'Persistence', 'Privilege Escalation', 'Defense Evasion', 'Credential Access'];
    for (const category of CATEGORIES) {
      expect(CATEGORY_TYPES[category].length).toBeGreaterThan(0);
      for (const type of CATEGORY_TYPES[category]) {
        const [namespace, tactic, classifier] = type.split('/');
        expect({ category, namespace, tactic: tactics.includes(tactic), classifier: classifier.length > 0 }).toEqual({
          category,
          namespace: 'TTPs',
          tactic: true,
          classifier: true,
        });
      }
    }
    expect(typesOf('a-category-from-the-future')).toEqual(['Unusual Behaviors/Kubernetes audit finding']);
  });

  it('links the rule doc only when it is an absolute https URL (the default is relative)', () => {
    const [f] = findingsOf(storyAlert(), { ...STORY_LINKS, rulesDocUrl: 'docs/rules.md' });
    expect(f.Remediation.Recommendation.Url).toBeUndefined();
    expect(f.SourceUrl).toBeUndefined();
    expect(f.Remediation.Recommendation.Text.length).toBeGreaterThan(0);
  });

  it('falls back to the time received for times that are not timestamps', () => {
    const hostile = { ...STORY_GROUPS[0], firstSeen: 'yesterday', lastSeen: '2026-13-45T99:99:99Z' };
    const alert = storyAlert('opened', [hostile]);
    const [f] = findingsOf({ ...alert, incident: { ...alert.incident, lastSeen: 'never' } });
    expect([f.CreatedAt, f.FirstObservedAt, f.LastObservedAt, f.UpdatedAt]).toEqual([RECEIVED, RECEIVED, RECEIVED, RECEIVED]);
  });

  it('keeps every ASFF limit for a hostile incident of 40 groups of the longest values', () => {
    const long = (n: number, fill = 'x'): string => `\u202e<script>"\\\n${'\u{1F600}'.repeat(3)}${fill.repeat(n)}`;
    const groups: IncidentGroup[] = Array.from({ length: 40 }, (_, i) => ({
      ...STORY_GROUPS[0],
      key: long(5000, String(i)),
      ruleId: long(2000),
      title: long(2000),
      target: { resource: long(3000), subresource: long(3000), apiGroup: long(3000), namespace: long(3000), name: long(3000) },
      verb: long(3000),
      summary: long(20_000),
      auditIDs: Array.from({ length: 10 }, () => long(5000)),
      sourceIPs: Array.from({ length: 5 }, () => long(5000)),
      userAgents: Array.from({ length: 5 }, () => long(5000)),
      usernames: Array.from({ length: 5 }, () => long(5000)),
      identityGroups: Array.from({ length: 10 }, () => long(5000)),
      sources: Array.from({ length: 5 }, () => long(5000)),
    }));
    const base = storyAlert('opened', groups);
    const alert: IncidentAlert = {
      ...base,
      incident: {
        ...base.incident,
        id: long(5000),
        cluster: long(5000),
        chain: long(5000),
        principal: { key: long(5000), display: long(5000), usernames: Array.from({ length: 10 }, () => long(5000)), impersonated: [long(5000)] },
      },
    };
    // Through the SNS body and back, as the forwarder reads it.
    const parsed = parseIncidentBody(JSON.stringify(buildIncidentBody(alert, { ...STORY_LINKS, rulesDocUrl: `https://example.com/${long(5000)}` })));
    if (!parsed?.ok) throw new Error('the hostile body did not parse');
    const body: IncidentBody = parsed.body;
    const result = asffFindings(body, { target: TARGET, receivedAt: RECEIVED });
    if (!('findings' in result)) throw new Error('skipped');
    expect(result.findings).toHaveLength(40);
    expect(new Set(result.findings.map((f) => f.Id)).size).toBe(40);
    for (const f of result.findings) {
      const json = JSON.stringify(f);
      expect(JSON.parse(json)).toEqual(f);
      expect(Buffer.byteLength(json)).toBeLessThanOrEqual(ASFF_LIMITS.findingBytes);
      expect(f.Id.length).toBeLessThanOrEqual(ASFF_LIMITS.id);
      expect(f.GeneratorId.length).toBeLessThanOrEqual(ASFF_LIMITS.id);
      expect(f.Title.length).toBeLessThanOrEqual(ASFF_LIMITS.title);
      expect(f.Description.length).toBeLessThanOrEqual(ASFF_LIMITS.description);
      expect(f.Remediation.Recommendation.Text.length).toBeLessThanOrEqual(ASFF_LIMITS.remediationText);
      expect(f.Remediation.Recommendation.Url).toBeUndefined(); // over the URL limit: left out
      expect(f.Types.length).toBeLessThanOrEqual(ASFF_LIMITS.types);
      expect(f.Resources.length).toBeLessThanOrEqual(ASFF_LIMITS.resources);
      const fields = Object.entries(f.ProductFields);
      expect(fields.length).toBeLessThanOrEqual(ASFF_LIMITS.fields - 10);
      for (const [k, v] of fields) {
        expect(k.length).toBeLessThanOrEqual(ASFF_LIMITS.fieldKey);
        expect(v.length).toBeLessThanOrEqual(ASFF_LIMITS.productFieldValue);
      }
      for (const r of f.Resources) {
        expect(r.Id.length).toBeLessThanOrEqual(ASFF_LIMITS.resourceId);
        const other = Object.entries(r.Details?.Other ?? {});
        expect(other.length).toBeLessThanOrEqual(ASFF_LIMITS.fields);
        for (const [k, v] of other) expect([k.length <= ASFF_LIMITS.fieldKey, v.length <= ASFF_LIMITS.otherValue]).toEqual([true, true]);
      }
      // No value carries a raw bidi override, line break or lone surrogate into the console.
      const strings = [f.Title, f.Description, ...Object.values(f.ProductFields), ...f.Resources.map((r) => r.Id)];
      for (const s of strings) expect(hasUnsafeCharacters(s)).toBe(false);
    }
    expect(result.findings[0].Resources[0].Type).toBe('Other'); // not a name EKS would accept
  });
});

describe('ASFF helpers', () => {
  it('cuts between code points and marks the cut', () => {
    expect(cut('abc', 3)).toBe('abc');
    expect(cut('a\u{1F600}\u{1F600}', 4)).toBe('a\u{1F600}…');
    expect(cut('\u202eab', 100)).toBe('\\u{202e}ab');
  });

  it('keeps the incident id in the finding Id when it is plain, and digests it otherwise', () => {
    expect(findingId('prod-eu-jordan.lee-20261120T090004Z', 'k')).toMatch(
      /^k8s-audit-analyzer\/incident\/prod-eu-jordan\.lee-20261120T090004Z\/group\/[0-9a-f]{32}$/,
    );
    expect(findingId('a/b c', 'k')).toMatch(/^k8s-audit-analyzer\/incident\/h-[0-9a-f]{32}\/group\/[0-9a-f]{32}$/);
    expect(findingId('i', 'k1')).not.toBe(findingId('i', 'k2'));
  });

  it('reads the target of a default product ARN only', () => {
    expect(targetOfProductArn('arn:aws-us-gov:securityhub:us-gov-west-1:123456789012:product/123456789012/default')).toEqual({
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      accountId: '123456789012',
    });
    expect(targetOfProductArn('arn:aws:securityhub:eu-west-1:123456789012:product/210987654321/default')).toBeUndefined();
    expect(targetOfProductArn('arn:aws:securityhub:eu-west-1::product/aws/guardduty')).toBeUndefined();
  });
});
