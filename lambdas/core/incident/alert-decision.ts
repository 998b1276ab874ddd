/**
 * Whether a recording is worth telling a person: the first group at or above the minimum opens
 * the incident's alerts; after that only what is new is told (a group not told before, a group or
 * the incident grown more severe, a longer chain). Repeats only count.
 */
import { digest } from '../detect/fingerprint';
import type { Severity } from '../finding';
import { maxSeverity, severityRank } from '../finding';
import { stepsIn } from './chain';
import type { Incident, IncidentAlert, IncidentChange, IncidentGroup } from './types';

export function decideAlert(change: IncidentChange, minSeverity: Severity): IncidentAlert | undefined {
  const { incident } = change;
  const atOrAbove = (s: Severity): boolean => severityRank(s) >= severityRank(minSeverity);
  const worthTelling = incident.groups.filter((g) => atOrAbove(g.severity));
  if (incident.alertedSeverity === undefined) {
    return worthTelling.length > 0 ? { kind: 'opened', incident, told: mostSevereFirst(worthTelling) } : undefined;
  }
  const fresh = worthTelling.filter((g) => g.alertedAt === undefined);
  const raised = worthTelling.filter((g) => g.alertedAt !== undefined && severityRank(g.severity) > severityRank(g.alertedAt));
  const severityRose = severityRank(incident.severity) > severityRank(incident.alertedSeverity);
  const chainGrew = incident.chain !== undefined && stepsIn(incident.chain) > stepsIn(incident.alertedChain);
  if (fresh.length === 0 && raised.length === 0 && !severityRose && !chainGrew) return undefined;
  const news = [
    fresh.length > 0 ? `${fresh.length} new finding ${fresh.length === 1 ? 'group' : 'groups'}` : undefined,
    raised.length > 0 ? `${raised.length} ${raised.length === 1 ? 'group' : 'groups'} more severe than told` : undefined,
    severityRose ? `severity raised to ${incident.severity}` : undefined,
    chainGrew ? `the chain is now ${incident.chain}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return { kind: 'updated', incident, told: mostSevereFirst([...fresh, ...raised]), whatsNew: news.join('; ') };
}

/**
 * Names an alert by what it tells: the incident, its kind, and the told groups at their
 * severities. The decision depends only on the incident kept, so a redelivery before the alert was
 * marked (a failed publish, a duplicate delivery processed at the same time) decides the same
 * alert under the same name: a publisher or ledger keyed on it sends it once.
 */
export function alertKey(alert: IncidentAlert): string {
  return digest([alert.incident.id, alert.kind, alert.incident.severity, alert.incident.chain ?? null, alert.told.map((g) => [g.key, g.severity])]);
}

/**
 * The incident as it is once the alert was sent: its told groups carry the severity they were told
 * at, and the incident the severity and chain it was told with. Never lowers what was told.
 */
export function markTold(incident: Incident, alert: IncidentAlert): Incident {
  if (alert.kind === 'test' || alert.incident.id !== incident.id) return incident;
  const told = new Map(alert.told.map((g) => [g.key, g.severity]));
  const groups = incident.groups.map((g) => {
    const severity = told.get(g.key);
    if (severity === undefined) return g;
    return { ...g, alertedAt: g.alertedAt === undefined ? severity : maxSeverity(g.alertedAt, severity) };
  });
  const alertedSeverity = incident.alertedSeverity === undefined ? alert.incident.severity : maxSeverity(incident.alertedSeverity, alert.incident.severity);
  const alertedChain = stepsIn(alert.incident.chain) > stepsIn(incident.alertedChain) ? alert.incident.chain : incident.alertedChain;
  return { ...incident, groups, alertedSeverity, ...(alertedChain !== undefined ? { alertedChain } : {}) };
}

/** Most severe first, then the first seen first (code-point order: the same on every machine). */
export function mostSevereFirst<G extends Pick<IncidentGroup, 'severity' | 'firstSeen'>>(groups: readonly G[]): G[] {
  return [...groups].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : 0),
  );
}
