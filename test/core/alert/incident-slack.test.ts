import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { STORY_GROUPS, STORY_LINKS, storyAlert } from '../../../devkit/incident-story';
import type { IncidentBody } from '../../../lambdas/core/alert/incident-body';
import { buildIncidentAlert, buildIncidentBody } from '../../../lambdas/core/alert/incident-message';
import { incidentSlackMessage } from '../../../lambdas/core/alert/incident-slack';
import type { SlackRender } from '../../../lambdas/core/alert/slack-message';
import { slackMessageFor } from '../../../lambdas/core/alert/slack-message';
import type { IncidentAlert, IncidentGroup } from '../../../lambdas/core/incident/types';
import { RULES } from '../../../lambdas/core/rules';
import { blockKitProblems, slackTexts } from '../../helpers/slack-limits';

/** What the Slack notifier renders from the SNS message the analyzer would publish. */
function viaSns(alert: IncidentAlert = storyAlert(), minSeverity: 'info' | 'medium' | 'critical' = 'medium'): SlackRender | undefined {
  const m = buildIncidentAlert(alert, STORY_LINKS);
  const bodies = JSON.parse(m.Message) as { lambda: string };
  return slackMessageFor({ subject: m.Subject, message: bodies.lambda }, { minSeverity });
}

function incident(r: SlackRender | undefined): Extract<SlackRender, { kind: 'incident' }> {
  if (r?.kind !== 'incident') throw new Error(`expected an incident render, got ${r?.kind}`);
  return r;
}

const texts = slackTexts;

const buttons = (blocks: KnownBlock[]): Button[] =>
  blocks.filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements.filter((e): e is Button => e.type === 'button'));

describe('the incident alert in Slack', () => {
  it('posts top-level Block Kit blocks (no legacy attachments) within Slack’s limits', () => {
    const r = incident(viaSns());
    expect(r.body).not.toHaveProperty('attachments');
    expect(Object.keys(r.body).sort()).toEqual(['blocks', 'text', 'unfurl_links', 'unfurl_media']);
    expect(r.body.unfurl_links).toBe(false);
    expect(blockKitProblems(r.body)).toEqual([]);
    expect(r.body.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'context',
      'section',
      ...STORY_GROUPS.flatMap(() => ['section', 'section', 'actions']),
    ]);
    expect(r.body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Critical incident: Service account token minted (TokenRequest)', emoji: false },
    });
    expect(r).toMatchObject({ severity: 'critical', groupsPosted: 4, groupsLeftOut: 0 });
    expect(r.body.text).toMatch(/^jordan\.lee \(arn:aws:iam::…:user\/jordan\.lee\) requested a token .* in prod-eu$/);
  });

  it('shows every field of every group: time, identity, groups, IPs, agent, target, summary, audit IDs, remediation, queries, kubectl', () => {
    const r = incident(viaSns());
    const all = texts(r.body).join('\n');
    expect(all).toContain('*Chain:* binding + token + privileged DaemonSet: a persistence chain');
    expect(all).toContain('*Cluster:* prod-eu');
    expect(all).toContain('*When:* 2026-11-20 09:00:04 – 09:00:05 UTC');
    for (const g of STORY_GROUPS) {
      const section = r.body.blocks.find((b): b is SectionBlock => b.type === 'section' && (b.text?.text.includes(`\`${g.ruleId}\``) ?? false));
      expect(section?.text?.text).toContain(g.summary);
      const fields = (section?.fields ?? []).map((f) => f.text).join('\n');
      expect(section?.fields?.length).toBeLessThanOrEqual(10);
      for (const piece of [
        '2026-11-20 09:00:0',
        'arn:aws:iam::123456789012:user/jordan.lee',
        'system:authenticated',
        '203.0.113.66',
        'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
        g.auditIDs[0],
        g.target.name ?? '',
        g.sources[0],
      ])
        expect(fields).toContain(piece);
      expect(all).toContain((RULES.find((x) => x.id === g.ruleId)?.remediation ?? 'missing').replace(/&/g, '&amp;'));
      expect(all).toContain(`filter auditID in ["${g.auditIDs[0]}"]`);
    }
    expect(all).toContain('kubectl delete daemonsets.apps/node-health-agent --namespace=kube-system');
    expect(all).toContain('kubectl get clusterrolebindings.rbac.authorization.k8s.io/node-health-agent -o yaml');
    expect(all).toContain(`k8s-audit-analyzer scan ${STORY_GROUPS[0].sources[0]}`);
    const urls = buttons(r.body.blocks).map((b) => `${b.text.text} ${b.url}`);
    expect(urls).toContain(`Rule documentation ${STORY_LINKS.rulesDocUrl}#rbacprivileged-role-bound`);
    expect(urls).toContain('Logs Insights https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:logs-insights');
    expect(urls.some((u) => u.startsWith('Source object https://eu-west-1.console.aws.amazon.com/s3/object/example-audit-logs?region=eu-west-1&prefix='))).toBe(
      true,
    );
  });

  it('labels test alerts and updates, with what is new', () => {
    const test = incident(viaSns(storyAlert('test')));
    expect(test.body.blocks[0]).toMatchObject({ text: { text: '[TEST] Critical incident: Service account token minted (TokenRequest)' } });
    expect(texts(test.body).join('\n')).toContain('*This is a test alert:*');
    const update = incident(viaSns({ ...storyAlert('updated'), whatsNew: 'severity raised to critical' }));
    expect(update.body.text).toMatch(/^Update: /);
    expect(texts(update.body).join('\n')).toContain("*What's new:* severity raised to critical");
  });

  it('leaves groups below the notifier’s minimum out and counts them; posts nothing for an incident below it', () => {
    const r = incident(viaSns(storyAlert(), 'critical'));
    expect(r.groupsPosted).toBe(3);
    expect(texts(r.body).join('\n')).toContain('1 finding group below critical not shown');
    const low = storyAlert('opened', [{ ...STORY_GROUPS[3], severity: 'low' }]);
    low.incident.severity = 'low';
    expect(viaSns(low, 'medium')).toBeUndefined();
  });

  it('stays within the limits with 300 groups, long values and hostile text, and says how many are not shown', () => {
    const groups = Array.from({ length: 300 }, (_, n): IncidentGroup => ({
      ...STORY_GROUPS[n % 4],
      key: `g${n}`,
      summary: `${'<!channel> '.repeat(400)} ${n}`,
      usernames: Array.from({ length: 5 }, (_, k) => `arn:aws:iam::123456789012:role/${String(k).repeat(900)}`),
      auditIDs: Array.from({ length: 10 }, () => 'a'.repeat(300)),
      sources: [`s3://example-audit-logs/${'k'.repeat(2500)}`],
      target: { resource: 'configmaps', namespace: 'n'.repeat(300), name: '`'.repeat(300) },
    }));
    const body = buildIncidentBody(storyAlert('opened', groups), { ...STORY_LINKS, rulesDocUrl: `https://example.org/${'d'.repeat(2990)}` });
    const r = incidentSlackMessage(body, 'info');
    if (!r) throw new Error('expected a message');
    expect(blockKitProblems(r.body)).toEqual([]);
    expect(r.body.blocks.length).toBeLessThanOrEqual(50);
    expect(r.groupsPosted + r.groupsLeftOut).toBe(300);
    expect(texts(r.body).join('\n')).toContain(`…and ${r.groupsLeftOut} more finding groups`);
  });

  it('cannot be made to ping the channel, mention anyone, forge a link or close a code block', () => {
    const hostile: IncidentGroup = {
      ...STORY_GROUPS[0],
      summary: 'pwned <!channel> <!here|here> <@U123> <https://evil.example|Open the runbook> @here @channel & <b>',
      usernames: ['<!everyone>'],
      userAgents: ['<https://evil.example>'],
      target: { resource: 'configmaps', namespace: 'ns', name: 'x```<!channel>`' },
      sources: ['https://evil.example/x'],
    };
    const alert = storyAlert('opened', [hostile]);
    alert.incident.principal = { key: 'p', display: '<!channel> boss', usernames: ['<@U999>'] };
    alert.incident.cluster = '<https://evil.example|prod>';
    const r = incident(viaSns(alert));
    expect(blockKitProblems(r.body)).toEqual([]);
    for (const t of texts(r.body).filter((t) => !t.startsWith('https://'))) {
      // No `<…>` at all: every link of ours is a button; `<` from the logs is an entity.
      expect(t).not.toMatch(/</);
      expect(t).not.toMatch(/(^|[^\uff20])@(here|channel|everyone)\b/);
    }
    // Button URLs are ours only: the rule docs and consoles, never a URL from the logs.
    for (const b of buttons(r.body.blocks)) expect(b.url).toMatch(/^https:\/\/(github\.com\/example-org\/|eu-west-1\.console\.aws\.amazon\.com\/)/);
    // Inside code blocks, a backtick from the logs is shown as ˋ.
    const blocks = texts(r.body).flatMap((t) => t.match(/```\n[\s\S]*?\n```/g) ?? []);
    expect(blocks.join('\n')).toContain("kubectl get 'configmaps/xˋˋˋ&lt;!channel&gt;ˋ' --namespace=ns -o yaml");
    for (const block of blocks) expect(block.slice(3, -3)).not.toContain('`');
  });

  it('posts a notice for a body that says it is an incident but does not match the contract', () => {
    const body = buildIncidentBody(storyAlert(), STORY_LINKS) as Partial<IncidentBody>;
    delete body.told;
    const r = slackMessageFor({ subject: 'k8s-audit-analyzer: something', message: JSON.stringify(body) }, { minSeverity: 'medium' });
    expect(r).toMatchObject({ kind: 'notice', reason: 'incident payload does not match the contract at told' });
  });
});

describe('the Block Kit limits validator', () => {
  it('names each limit a message breaks', () => {
    const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
    const tooMany = Array.from({ length: 51 }, () => section('x'));
    const problems = blockKitProblems({
      text: 'x',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        section('s'.repeat(3001)),
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn' as const, text: 'f'.repeat(2001) })) },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) }, url: `https://x.example/${'u'.repeat(3000)}` },
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'ok' }, url: 'http://x.example/' },
          ],
        },
        ...tooMany,
      ],
    });
    for (const expected of [
      'blocks: 55 blocks > 50',
      'blocks[0]: header text of 151 characters',
      'blocks[1]: section text of 3001 characters',
      'blocks[2]: 11 fields',
      'blocks[2].fields[0]: field of 2001 characters',
      'blocks[3].elements[0]: button text length',
      'blocks[3].elements[0]: button url',
      'blocks[3].elements[1]: button url',
      'blocks[3].elements[1]: action_id repeated in the block',
    ])
      expect(problems).toContain(expected);
  });
});
