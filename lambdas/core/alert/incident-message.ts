import type { AlertLinks, IncidentAlert, IncidentGroup } from '../incident/types';
import { mostSevereFirst } from '../incident/alert-decision';
import { displayText, jsonText } from '../report/display-text';
import { RULES } from '../rules';
import type { GroupRecap, IncidentBody } from './incident-body';
import { incidentChatbotNotification } from './incident-chatbot';
import { incidentEmail } from './incident-email';
import { isEnding } from './incident-ending';
import { groupGuide, subjectText, titleParts, titleText } from './incident-guide';
import type { AlertMessage } from './sns-message';
import { SNS_MAX_BYTES } from './sns-message';

/** SNS requires fewer than 100 characters, and no line breaks. */
const SUBJECT_MAX = 99;

/**
 * The SNS message of an incident alert: the title sentence as the subject; the email card text;
 * the machine body (`kind: 'incident'`) for Lambda and SQS subscribers (the Slack notifier renders
 * it); the Amazon Q custom notification for HTTPS; and attributes subscribers filter on (the
 * incident's severity, the told groups' categories, the cluster, the alert's kind, the incident
 * id). The least severe told groups are dropped from every body until the message fits SNS's
 * 256 KB, and each body says how many were left out.
 *
 * A final summary (`quiet`, `closed`) recaps every group of the incident in a line instead (its
 * recap is what is cut to fit), and carries the same attributes: `severity` is the incident's,
 * which only rises, so a subscription whose minimum let the incident's alerts through lets its
 * summary through too (lib/severity-filter.ts filters on it); `kind` tells summaries apart for a
 * subscriber that wants none.
 */
export function buildIncidentAlert(alert: IncidentAlert, links: AlertLinks): AlertMessage {
  const subject = incidentSubject(alert);
  const categorised = isEnding(alert.kind) ? alert.incident.groups : alert.told;
  const attributes: AlertMessage['MessageAttributes'] = {
    severity: { DataType: 'String', StringValue: alert.incident.severity },
    // A summary tells every group: a subscriber filtering on a category gets the end of what it was told.
    categories: { DataType: 'String.Array', StringValue: JSON.stringify([...new Set(categorised.map((g) => g.category))].sort()) },
    // SNS refuses attribute values with characters XML cannot carry: shown like everywhere else.
    cluster: { DataType: 'String', StringValue: displayText(alert.incident.cluster) || '-' },
    kind: { DataType: 'String', StringValue: alert.kind },
    incident: { DataType: 'String', StringValue: displayText(alert.incident.id) || '-' },
  };
  const fixed = Buffer.byteLength(subject) + Buffer.byteLength(JSON.stringify(attributes));
  const fits = (message: string): boolean => fixed + Buffer.byteLength(message) <= SNS_MAX_BYTES;
  const units = isEnding(alert.kind) ? alert.incident.groups.length : alert.told.length;
  const all = messageOf(alert, links, units);
  if (fits(all) || units === 0) return done(all);
  // The most groups that fit: told groups (and a recap) are most severe first, so the least severe go.
  let lo = 0;
  let hi = units - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(messageOf(alert, links, mid))) lo = mid;
    else hi = mid - 1;
  }
  return done(messageOf(alert, links, lo));

  function done(message: string): AlertMessage {
    return { Subject: subject, Message: message, MessageStructure: 'json', MessageAttributes: attributes };
  }
}

const REMEDIATION = new Map(RULES.map((r) => [r.id, r.remediation]));

/** The machine body of an alert (incident-body.ts), telling (or, for a final summary, recapping) at most `keep` groups (default: all). */
export function buildIncidentBody(alert: IncidentAlert, links: AlertLinks, keep?: number): IncidentBody {
  const { groups, ...incident } = alert.incident;
  const ending = isEnding(alert.kind);
  const recap = ending ? recapOf(groups).slice(0, keep ?? groups.length) : undefined;
  // A summary's machine body still carries every group whole (the people's renderers recap them):
  // Security Hub and EventBridge replace or resolve each group's record by it.
  const whole = ending ? mostSevereFirst(groups) : alert.told;
  const told = whole.slice(0, keep ?? whole.length).map((group: IncidentGroup) => {
    const { fingerprints: _fingerprints, ...rest } = group;
    return { ...rest, guide: groupGuide(group, alert.incident.cluster, links, (id) => REMEDIATION.get(id)) };
  });
  return {
    kind: 'incident',
    version: 1,
    alert: alert.kind,
    title: titleText(titleParts(alert)),
    incident: {
      ...incident,
      groupCount: groups.length + incident.omitted.groups,
      findingCount: groups.reduce((n, g) => n + g.count, 0) + incident.omitted.findings,
    },
    told,
    omittedTold: whole.length - told.length,
    ...(alert.whatsNew ? { whatsNew: alert.whatsNew } : {}),
    ...(recap ? { recap, omittedRecap: groups.length - recap.length } : {}),
  };
}

/** Every group in a line, most severe first, then the first seen first: the order the incident happened in. */
function recapOf(groups: readonly IncidentGroup[]): GroupRecap[] {
  return mostSevereFirst(groups).map((g) => ({
    ruleId: g.ruleId,
    title: g.title,
    category: g.category,
    severity: g.severity,
    target: g.target,
    verb: g.verb,
    count: g.count,
    firstSeen: g.firstSeen,
    lastSeen: g.lastSeen,
    ...(g.alertedAt ? { alertedAt: g.alertedAt } : {}),
  }));
}

/** The subject: the title sentence in fewer than 100 printable ASCII characters, who and the cluster kept. */
export function incidentSubject(alert: IncidentAlert): string {
  return subjectText(titleParts(alert), SUBJECT_MAX);
}

function messageOf(alert: IncidentAlert, links: AlertLinks, keep: number): string {
  const body = buildIncidentBody(alert, links, keep);
  const email = incidentEmail(body);
  // Machines read values as logged; jsonText keeps invisible characters out of the text itself.
  const machine = jsonText(body);
  return jsonText({ default: email, email, lambda: machine, sqs: machine, https: incidentChatbotNotification(body) });
}
