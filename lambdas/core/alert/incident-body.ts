import { z } from 'zod';
import { SEVERITIES } from '../finding';
import type { Incident, IncidentAlert, IncidentGroup } from '../incident/types';
import type { GroupGuide } from './incident-guide';

/**
 * The machine body of an incident alert (the `lambda` and `sqs` bodies of the SNS message, and
 * what the Slack notifier renders): the incident without its groups, the groups this alert tells
 * (most severe first) each with its guide, and what is new. Values are as logged; every renderer
 * escapes them its own way. `title` is ours, built with `displayText`.
 */
export interface IncidentBody {
  kind: 'incident';
  version: 1;
  alert: IncidentAlert['kind'];
  title: string;
  incident: IncidentSummary;
  told: ToldGroup[];
  /** Told groups left out of this message to fit SNS (the least severe). */
  omittedTold: number;
  whatsNew?: string;
  /**
   * A final summary (`quiet`, `closed`): every group of the incident in brief, most severe first
   * (people's renderers show this; `told` still holds every group whole, in the same order, for
   * the machine consumers that resolve each group's record).
   */
  recap?: GroupRecap[];
  /** Recap entries left out of this message to fit SNS (the least severe). */
  omittedRecap?: number;
}

/** One group of an incident in a line: what, to which target, how often, when, and whether it was told. */
export type GroupRecap = Pick<
  IncidentGroup,
  'ruleId' | 'title' | 'category' | 'severity' | 'target' | 'verb' | 'count' | 'firstSeen' | 'lastSeen' | 'alertedAt'
>;

/** The incident without its groups (the told ones are in `told`; `groupCount` says how many it holds). */
export type IncidentSummary = Omit<Incident, 'groups'> & { groupCount: number; findingCount: number };

/** A told group, without its fingerprints (bookkeeping), with what to do about it. */
export type ToldGroup = Omit<IncidentGroup, 'fingerprints'> & { guide: GroupGuide };

// ---------------------------------------------------------------------------------------------
// Reading it back (the Slack notifier gets it from SNS: checked, not trusted)

const count = z.number().int().nonnegative();
const strings = z.array(z.string());
const targetSchema = z.object({
  resource: z.string(),
  subresource: z.string().optional(),
  apiGroup: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
});
const guideSchema = z.object({
  remediation: z.string(),
  ruleDocUrl: z.string(),
  logsInsights: z.object({ logGroup: z.string(), query: z.string(), consoleUrl: z.string().optional() }).optional(),
  auditIDsNotQueried: count,
  objectUrls: strings,
  scanCommands: strings,
  show: strings,
  undo: strings,
  undoNote: z.string().optional(),
});
const severity = z.enum(SEVERITIES);
const recapSchema = z.object({
  ruleId: z.string(),
  title: z.string(),
  // A category newer than this reader must not turn an alert into a notice.
  category: z.string(),
  severity,
  target: targetSchema,
  verb: z.string(),
  count,
  firstSeen: z.string(),
  lastSeen: z.string(),
  alertedAt: severity.optional(),
});
const groupSchema = recapSchema.extend({
  key: z.string(),
  summary: z.string(),
  auditIDs: strings,
  sourceIPs: strings,
  userAgents: strings,
  usernames: strings,
  identityGroups: strings,
  sources: strings,
  guide: guideSchema,
});
const bodySchema = z.object({
  kind: z.literal('incident'),
  version: z.literal(1),
  alert: z.enum(['opened', 'updated', 'quiet', 'closed', 'test']),
  title: z.string(),
  incident: z.object({
    id: z.string(),
    cluster: z.string(),
    principal: z.object({ key: z.string(), display: z.string(), usernames: strings, impersonated: strings.optional() }),
    state: z.enum(['open', 'quiet', 'closed']),
    severity,
    firstSeen: z.string(),
    lastSeen: z.string(),
    omitted: z.object({ groups: count, findings: count }),
    chain: z.string().optional(),
    version: count,
    alertedSeverity: severity.optional(),
    alertedChain: z.string().optional(),
    ended: z.object({ at: z.string(), how: z.enum(['quiet', 'closed']), by: z.string().optional(), reason: z.string().optional() }).optional(),
    groupCount: count,
    findingCount: count,
  }),
  told: z.array(groupSchema),
  omittedTold: count,
  whatsNew: z.string().optional(),
  recap: z.array(recapSchema).optional(),
  omittedRecap: count.optional(),
});

/** `undefined` when the message is not an incident body at all; `ok: false` (a reason for the log, no values) when it says it is but does not match. */
export function parseIncidentBody(message: string): { ok: true; body: IncidentBody } | { ok: false; reason: string } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || (raw as { kind?: unknown }).kind !== 'incident') return undefined;
  const result = bodySchema.safeParse(raw);
  if (!result.success) {
    const paths = result.error.issues.slice(0, 5).map((i) => i.path.join('.') || '(root)');
    return { ok: false, reason: `incident payload does not match the contract at ${paths.join(', ')}` };
  }
  // The category is carried, never shown: one newer than this reader is kept as written.
  const told = result.data.told.map((g) => ({ ...g, category: g.category as IncidentGroup['category'] }));
  const { recap, ...rest } = result.data;
  return {
    ok: true,
    body: { ...rest, told, ...(recap ? { recap: recap.map((g) => ({ ...g, category: g.category as IncidentGroup['category'] })) } : {}) },
  };
}
