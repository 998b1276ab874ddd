import { readFileSync } from 'node:fs';
import { STORY_GROUPS, STORY_LINKS, storyAlert } from '../../../devkit/incident-story';
import { buildIncidentBody } from '../../../lambdas/core/alert/incident-message';
import {
  INCIDENT_DETAIL_TYPES,
  PUT_EVENTS_ENTRY_MAX_BYTES,
  entryBytes,
  incidentEvent,
  incidentEventDetailSchema,
} from '../../../lambdas/core/export/incident-event';
import type { IncidentAlert, IncidentGroup } from '../../../lambdas/core/incident/types';
import { INCIDENT_EVENT_SCHEMA_FILE, renderIncidentEventSchema } from '../../../scripts/incident-event-schema';

const KINDS: Array<IncidentAlert['kind']> = ['opened', 'updated', 'quiet', 'closed', 'test'];

function eventOf(alert: IncidentAlert) {
  const entry = incidentEvent(buildIncidentBody(alert, STORY_LINKS));
  return { entry, detail: incidentEventDetailSchema.parse(JSON.parse(entry.Detail)) };
}

describe('the EventBridge incident event', () => {
  it.each(KINDS)('is schema-valid for a %s alert, with its own detail-type', (kind) => {
    const { entry, detail } = eventOf({ ...storyAlert(kind), ...(kind === 'updated' ? { whatsNew: '1 new finding group' } : {}) });
    expect(entry.Source).toBe('k8s-audit-analyzer');
    expect(entry.DetailType).toBe(INCIDENT_DETAIL_TYPES[kind]);
    expect(detail.version).toBe('1');
    expect(detail.kind).toBe(kind);
    expect(detail.test).toBe(kind === 'test');
    expect(detail.incident.id).toBe('prod-eu-jordan.lee-20261120T090004Z');
    expect(detail.groups).toHaveLength(STORY_GROUPS.length);
    expect(detail.omittedGroups).toBe(0);
    if (kind === 'updated') expect(detail.whatsNew).toBe('1 new finding group');
  });

  it('tells each group with its rule, target, counts, auditIDs and links, most severe first', () => {
    const { detail } = eventOf(storyAlert());
    const ranks = detail.groups.map((g) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(g.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    const binding = detail.groups.find((g) => g.ruleId === STORY_GROUPS[STORY_GROUPS.length - 1].ruleId);
    expect(binding?.auditIDs).toEqual(['3915ce72-ef13-402f-be15-6cf6e9bec991']);
    expect(binding?.links.ruleDoc).toMatch(/^https:\/\/.+#/);
    expect(binding?.links.logsInsights).toMatch(/^https:\/\/.*console\.aws\.amazon\.com\/cloudwatch/);
    expect(binding?.remediation.length).toBeGreaterThan(0);
    expect(detail.incident.chain).toBe('binding + token + privileged DaemonSet: a persistence chain');
  });

  it('stays within the PutEvents entry limit for a hostile incident, saying how many groups it left out', () => {
    const huge = (i: number): IncidentGroup => ({
      ...STORY_GROUPS[0],
      key: `k${i}`,
      severity: i === 0 ? 'critical' : 'low',
      summary: `\u202e${'x'.repeat(30_000)}\u2028"}\n`,
      target: { resource: 'configmaps', namespace: '"},{"evil":1', name: `n${i}` },
    });
    const groups = Array.from({ length: 40 }, (_, i) => huge(i));
    const { entry, detail } = eventOf(storyAlert('opened', groups));
    expect(entryBytes(entry)).toBeLessThanOrEqual(PUT_EVENTS_ENTRY_MAX_BYTES);
    expect(detail.groups.length).toBeGreaterThan(0);
    expect(detail.groups.length + detail.omittedGroups).toBe(40);
    expect(detail.groups[0].severity).toBe('critical');
    // Parsed back, the attacker's text is a value, not structure; no raw invisible character is sent.
    expect(detail.groups[0].target.namespace).toBe('"},{"evil":1');
    expect(entry.Detail).not.toMatch(/[\u202e\u2028]/);
  });

  it('sends the incident with no group when the incident alone is too large', () => {
    const alert = storyAlert();
    const principal = { key: 'p'.repeat(300_000), display: 'd'.repeat(300_000), usernames: ['u'.repeat(300_000)] };
    const { entry, detail } = eventOf({ ...alert, incident: { ...alert.incident, principal } });
    expect(entryBytes(entry)).toBeLessThanOrEqual(PUT_EVENTS_ENTRY_MAX_BYTES);
    expect(detail.groups).toEqual([]);
    expect(detail.omittedGroups).toBe(STORY_GROUPS.length);
  });
});

describe('docs/reference/incident-event.schema.json', () => {
  it('is current: regenerate it with `npm run docs:events`', () => {
    expect(readFileSync(INCIDENT_EVENT_SCHEMA_FILE, 'utf8')).toBe(renderIncidentEventSchema());
  });

  it('requires what every consumer relies on', () => {
    const schema = JSON.parse(renderIncidentEventSchema()) as { required: string[]; properties: { version: { const: string } } };
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'kind', 'test', 'incident', 'groups', 'omittedGroups']));
    expect(schema.properties.version.const).toBe('1');
  });
});
