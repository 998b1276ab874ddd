/**
 * The EventBridge event of an incident change: one per incident alert (opened, updated, quiet,
 * closed, and the labelled test), so users route incidents with EventBridge rules (PagerDuty or
 * Opsgenie through API destinations, a Lambda, a Step Functions playbook; docs/integrations.md).
 *
 * The `detail` is a versioned contract: its zod schema below is the single source of truth, the
 * JSON Schema in docs/reference/incident-event.schema.json is generated from it (a test fails when
 * it is stale), and `detail.version` changes only when a field is removed or changes meaning
 * (added optional fields keep `"1"`). Values are as logged (attacker-controlled); consumers escape
 * them for their own medium, as every renderer here does.
 */
import { z } from 'zod';
import type { IncidentBody, ToldGroup } from '../alert/incident-body';
import { SEVERITIES, severityRank } from '../finding';
import { jsonText } from '../report/display-text';

export const INCIDENT_EVENT_SOURCE = 'k8s-audit-analyzer';
export const INCIDENT_EVENT_VERSION = '1';

/** The alert kinds and their `detail-type`, the field rules usually match on first. */
export const INCIDENT_DETAIL_TYPES = {
  opened: 'Incident Opened',
  updated: 'Incident Updated',
  quiet: 'Incident Quiet',
  closed: 'Incident Closed',
  // Sent on request (`alerts test`) to check the routing end to end: its own detail-type, so a
  // rule on `Incident Opened` never pages anyone for it, and `detail.test` says it again.
  test: 'Incident Test',
} as const;

/** EventBridge's PutEvents limit per entry (Source, DetailType, Detail and Resources together). */
export const PUT_EVENTS_ENTRY_MAX_BYTES = 256 * 1024;

const severity = z.enum(SEVERITIES);
const count = z.number().int().nonnegative();
const strings = z.array(z.string());

const groupSchema = z
  .object({
    ruleId: z.string().describe('the rule, e.g. `rbac.cluster-admin-binding` (docs/rules.md)'),
    title: z.string().describe("the rule's title"),
    category: z.string().describe('the rule category, e.g. `rbac-change`; new categories may appear'),
    severity,
    target: z
      .object({
        resource: z.string(),
        subresource: z.string().optional(),
        apiGroup: z.string().optional(),
        namespace: z.string().optional(),
        name: z.string().optional(),
      })
      .describe('the Kubernetes object acted on'),
    verb: z.string().describe('the Kubernetes verb, e.g. `create`'),
    summary: z.string().describe('who did what to which object, in one line (values as logged)'),
    firstSeen: z.string().describe('event time (ISO 8601) of the first finding of the group'),
    lastSeen: z.string().describe('event time (ISO 8601) of the latest finding of the group'),
    count: count.describe('findings in the group, repeats included'),
    auditIDs: strings.describe('up to 10 auditIDs of the findings, oldest first'),
    sourceIPs: strings.describe('up to 5 source addresses'),
    usernames: strings.describe('up to 5 usernames the findings were made as'),
    links: z
      .object({
        ruleDoc: z.string().describe("the rule's documentation"),
        logsInsights: z.string().optional().describe('the CloudWatch Logs Insights console with the query of these auditIDs, when the region is known'),
      })
      .describe('where to read more'),
    remediation: z.string().describe("the rule's remediation"),
  })
  .describe('one finding group: the same rule on the same target');

export const incidentEventDetailSchema = z
  .object({
    version: z.literal(INCIDENT_EVENT_VERSION).describe('the version of this detail schema'),
    kind: z.enum(['opened', 'updated', 'quiet', 'closed', 'test']).describe('the change this event tells, as in detail-type'),
    test: z.boolean().describe('a labelled test event sent on request (`alerts test`): route it to a test channel, never page on it'),
    title: z.string().describe('the title sentence, shown escaped'),
    incident: z.object({
      id: z.string().describe('stable for the whole life of the incident: correlate events on it'),
      cluster: z.string(),
      state: z.enum(['open', 'quiet', 'closed']),
      severity: severity.describe("the incident's severity (docs/severity.md)"),
      chain: z.string().optional().describe('what the persistence steps add up to, when two or more'),
      principal: z
        .object({
          key: z.string().describe('stable for one person or workload'),
          display: z.string(),
          usernames: strings,
          impersonated: strings.optional(),
        })
        .describe('who the incident is about'),
      firstSeen: z.string(),
      lastSeen: z.string(),
      changes: count.describe('increases with every recorded change: order events of one incident on it'),
      groupCount: count.describe('finding groups in the incident'),
      findingCount: count.describe('findings in the incident'),
    }),
    groups: z.array(groupSchema).describe('the groups this change tells, most severe first (an update tells only what is new)'),
    omittedGroups: count.describe('told groups left out of `groups` to keep the event within 256 KB, the least severe'),
    whatsNew: z.string().optional().describe('for an update: what changed, in a sentence'),
  })
  .describe('the detail of a k8s-audit-analyzer incident event');

export type IncidentEventDetail = z.infer<typeof incidentEventDetailSchema>;
export type IncidentEventGroup = z.infer<typeof groupSchema>;

/** One PutEvents entry, in the SDK's field names (the adapter adds the bus). */
export interface IncidentEventEntry {
  Source: typeof INCIDENT_EVENT_SOURCE;
  DetailType: (typeof INCIDENT_DETAIL_TYPES)[keyof typeof INCIDENT_DETAIL_TYPES];
  Detail: string;
}

/**
 * The event of an incident alert's machine body. Most severe groups first; when the entry would
 * pass PutEvents' 256 KB, the least severe go and `omittedGroups` says how many (with those SNS
 * already left out). A single group too large on its own (a summary of megabytes cannot reach here
 * through SNS, but the bound must not rely on that) is sent with no groups.
 */
export function incidentEvent(body: IncidentBody): IncidentEventEntry {
  const groups = [...body.told].sort((a, b) => severityRank(b.severity) - severityRank(a.severity)).map(groupOf);
  const detailType = INCIDENT_DETAIL_TYPES[body.alert];
  const entryOf = (keep: number): IncidentEventEntry => ({
    Source: INCIDENT_EVENT_SOURCE,
    DetailType: detailType,
    // jsonText: no raw bidi or line-separator characters reach a console showing the event.
    Detail: jsonText(detailOf(body, groups.slice(0, keep), body.omittedTold + groups.length - keep)),
  });
  const fits = (entry: IncidentEventEntry): boolean => entryBytes(entry) <= PUT_EVENTS_ENTRY_MAX_BYTES;
  const all = entryOf(groups.length);
  if (fits(all)) return all;
  let lo = 0;
  let hi = groups.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(entryOf(mid))) lo = mid;
    else hi = mid - 1;
  }
  const bounded = entryOf(lo);
  if (fits(bounded)) return bounded;
  // Even the incident alone is too large: its own strings (principal, chain, title) are cut.
  return { ...bounded, Detail: jsonText(clipped(detailOf(body, [], body.omittedTold + groups.length))) };
}

/** How EventBridge counts an entry's size: the UTF-8 bytes of Source, DetailType and Detail (no Time or Resources are sent). */
export function entryBytes(entry: Pick<IncidentEventEntry, 'Source' | 'DetailType' | 'Detail'>): number {
  return Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail);
}

function detailOf(body: IncidentBody, groups: IncidentEventGroup[], omittedGroups: number): IncidentEventDetail {
  const i = body.incident;
  return {
    version: INCIDENT_EVENT_VERSION,
    kind: body.alert,
    test: body.alert === 'test',
    title: body.title,
    incident: {
      id: i.id,
      cluster: i.cluster,
      state: i.state,
      severity: i.severity,
      ...(i.chain !== undefined ? { chain: i.chain } : {}),
      principal: {
        key: i.principal.key,
        display: i.principal.display,
        usernames: i.principal.usernames,
        ...(i.principal.impersonated ? { impersonated: i.principal.impersonated } : {}),
      },
      firstSeen: i.firstSeen,
      lastSeen: i.lastSeen,
      changes: i.version,
      groupCount: i.groupCount,
      findingCount: i.findingCount,
    },
    groups,
    omittedGroups,
    ...(body.whatsNew !== undefined ? { whatsNew: body.whatsNew } : {}),
  };
}

function groupOf(g: ToldGroup): IncidentEventGroup {
  return {
    ruleId: g.ruleId,
    title: g.title,
    category: g.category,
    severity: g.severity,
    target: g.target,
    verb: g.verb,
    summary: g.summary,
    firstSeen: g.firstSeen,
    lastSeen: g.lastSeen,
    count: g.count,
    auditIDs: g.auditIDs,
    sourceIPs: g.sourceIPs,
    usernames: g.usernames,
    links: { ruleDoc: g.guide.ruleDocUrl, ...(g.guide.logsInsights?.consoleUrl ? { logsInsights: g.guide.logsInsights.consoleUrl } : {}) },
    remediation: g.guide.remediation,
  };
}

/** The incident's free strings clipped to 4 KB each and its lists to 10 entries: what is left when no group fits. */
function clipped(detail: IncidentEventDetail): IncidentEventDetail {
  const MAX = 4096;
  const clip = (s: string): string => (s.length > MAX ? `${s.slice(0, MAX)}…` : s);
  const clipAll = (list: string[]): string[] => list.slice(0, 10).map(clip);
  const i = detail.incident;
  return {
    ...detail,
    title: clip(detail.title),
    ...(detail.whatsNew !== undefined ? { whatsNew: clip(detail.whatsNew) } : {}),
    incident: {
      ...i,
      id: clip(i.id),
      cluster: clip(i.cluster),
      ...(i.chain !== undefined ? { chain: clip(i.chain) } : {}),
      principal: {
        key: clip(i.principal.key),
        display: clip(i.principal.display),
        usernames: clipAll(i.principal.usernames),
        ...(i.principal.impersonated ? { impersonated: clipAll(i.principal.impersonated) } : {}),
      },
    },
  };
}

/** Where incident events go (the EventBridge adapter implements it). */
export interface IncidentEventSink {
  /** Sends the entries; throws naming every entry that was not accepted. */
  put(entries: readonly IncidentEventEntry[]): Promise<void>;
}
