/**
 * Recording findings into an incident: the pure change the incident store applies atomically (and
 * retries on conflict), and the CLI applies in memory. One cluster and one principal per call.
 */
import { digest } from '../detect/fingerprint';
import type { Finding, Severity } from '../finding';
import { maxSeverity, severityRank, stepSeverity } from '../finding';
import { addBounded, bounded } from './bounded';
import { chainOf } from './chain';
import type { Incident, IncidentChange, IncidentGroup, Principal } from './types';

/** Findings of a principal join its incident while they come within this long of its last finding. */
export const DEFAULT_INCIDENT_WINDOW_MINUTES = 60;

/** How large an incident item may grow, whatever the findings say (types.ts documents each list). */
export const INCIDENT_LIMITS = {
  groups: 40,
  summary: 1000,
  name: 300,
  /** An auditID (a UUID) or a source address: anything longer is not one. */
  shortName: 100,
  /** The stored item as JSON, in UTF-8 bytes: DynamoDB takes 400 KB an item, with the key and version beside it. */
  itemBytes: 300_000,
  auditIDs: 10,
  fingerprints: 50,
  sourceIPs: 5,
  userAgents: 5,
  usernames: 5,
  identityGroups: 10,
  sources: 5,
  principalUsernames: 10,
  impersonated: 10,
} as const;

export interface RecordInput {
  cluster: string;
  principal: Principal;
  /** Findings of this cluster and principal. */
  findings: readonly Finding[];
  /** The object each finding was read from, in the same order, or one for all. */
  sources: readonly string[] | string;
  windowMinutes: number;
}

/**
 * Adds the findings to the open incident when the first of them comes at most the window after
 * its last finding (earlier ones and unreadable times join it), or opens a new one. A finding
 * whose fingerprint its group holds is a redelivery: it changes nothing. The version moves only
 * when something changed. Throws only when there is nothing to record into (no findings and no
 * incident). The decision to join is taken once, on the earliest finding: callers record what one
 * object (or one scan's burst, see incidents.ts) brought.
 */
export function recordFindings(current: Incident | undefined, input: RecordInput): IncidentChange {
  const ordered = input.findings.map((finding, i) => ({ finding, source: sourceAt(input.sources, i) })).sort((a, b) => byTime(a.finding.time, b.finding.time));
  if (ordered.length === 0) {
    if (!current) throw new RangeError('recordFindings: no findings and no incident');
    return unchanged(current);
  }
  const first = ordered[0].finding;
  const joins = current !== undefined && current.state === 'open' && withinWindow(current, first.time, input.windowMinutes);
  const before = joins ? current : undefined;
  const incident = before ? structuredClone(before) : opening(input.cluster, input.principal, first);
  const known = new Set(incident.groups.map((g) => g.key));
  let changed = !before;
  let repeats = 0;

  changed = mergePrincipal(incident.principal, input.principal) || changed;
  for (const { finding, source } of ordered) {
    const result = addFinding(incident, finding, source);
    if (result === 'redelivery') continue;
    changed = true;
    if (result === 'repeat') repeats++;
    if (incident.groups.length > INCIDENT_LIMITS.groups * 2) dropLeastSevere(incident); // bounded while it runs, too
  }
  if (before && !changed) return unchanged(before);

  dropLeastSevere(incident, true);
  const chain = chainOf(incident.groups);
  const highest = incident.groups.reduce<Severity>((s, g) => maxSeverity(s, g.severity), 'info');
  const raised = chain.steps >= 3 ? stepSeverity(highest, 1) : highest;
  incident.severity = before ? maxSeverity(before.severity, raised) : raised;
  if (chain.text !== undefined) incident.chain = chain.text;
  incident.version = before ? before.version + 1 : 1;
  return {
    incident,
    opened: !before,
    newGroups: incident.groups.filter((g) => !known.has(g.key)).map((g) => g.key),
    repeats,
  };
}

/** The key of a finding's group: its rule and target (JSON, so a separator in a name cannot make two collide). */
export function groupKey(finding: Pick<Finding, 'ruleId' | 'target'>): string {
  const t = boundedTarget(finding.target);
  return JSON.stringify([finding.ruleId, t.resource, t.subresource ?? '', t.apiGroup ?? '', t.namespace ?? '', t.name ?? '']);
}

function unchanged(incident: Incident): IncidentChange {
  return { incident, opened: false, newGroups: [], repeats: 0 };
}

function sourceAt(sources: readonly string[] | string, i: number): string {
  return typeof sources === 'string' ? sources : (sources[i] ?? sources[sources.length - 1] ?? '');
}

function opening(cluster: string, principal: Principal, first: Finding): Incident {
  const time = bounded(first.time, INCIDENT_LIMITS.name);
  return {
    id: digest([cluster, principal.key, first.fingerprint ?? first.auditID, first.time]).slice(0, 16),
    cluster,
    principal: { key: principal.key, display: principal.display, usernames: [] },
    state: 'open',
    severity: 'info',
    firstSeen: time,
    lastSeen: time,
    groups: [],
    omitted: { groups: 0, findings: 0 },
    version: 0,
  };
}

function withinWindow(incident: Incident, time: string, windowMinutes: number): boolean {
  const t = Date.parse(time);
  const last = Date.parse(incident.lastSeen);
  if (Number.isNaN(t) || Number.isNaN(last)) return true;
  // Findings older than the incident (a late object, a redrive) join it: the store keeps one incident
  // a principal, and a late object must neither displace the newer incident nor be lost.
  return t - last <= windowMinutes * 60_000;
}

function mergePrincipal(kept: Principal, seen: Principal): boolean {
  let changed = false;
  for (const username of seen.usernames)
    changed = addBounded(kept.usernames, bounded(username, INCIDENT_LIMITS.name), INCIDENT_LIMITS.principalUsernames) || changed;
  for (const user of seen.impersonated ?? []) {
    kept.impersonated ??= [];
    changed = addBounded(kept.impersonated, bounded(user, INCIDENT_LIMITS.name), INCIDENT_LIMITS.impersonated) || changed;
  }
  return changed;
}

function addFinding(incident: Incident, finding: Finding, source: string): 'new' | 'repeat' | 'redelivery' {
  const key = groupKey(finding);
  const print = bounded(finding.fingerprint ?? `legacy:${digest([finding.ruleId, finding.auditID, finding.time])}`, INCIDENT_LIMITS.name);
  const time = bounded(finding.time, INCIDENT_LIMITS.name);
  let group = incident.groups.find((g) => g.key === key);
  if (group?.fingerprints.includes(print)) return 'redelivery';
  const result = group ? 'repeat' : 'new';
  if (!group) {
    group = {
      key,
      ruleId: bounded(finding.ruleId, INCIDENT_LIMITS.name),
      title: bounded(finding.title, INCIDENT_LIMITS.name),
      category: finding.category,
      severity: finding.severity,
      target: boundedTarget(finding.target),
      verb: bounded(finding.verb, INCIDENT_LIMITS.name),
      summary: bounded(finding.summary, INCIDENT_LIMITS.summary),
      firstSeen: time,
      lastSeen: time,
      count: 0,
      auditIDs: [],
      fingerprints: [],
      sourceIPs: [],
      userAgents: [],
      usernames: [],
      identityGroups: [],
      sources: [],
    };
    incident.groups.push(group);
  } else {
    // The most severe, then latest, finding's summary.
    const rank = severityRank(finding.severity) - severityRank(group.severity);
    if (rank > 0 || (rank === 0 && byTime(finding.time, group.lastSeen) >= 0)) group.summary = bounded(finding.summary, INCIDENT_LIMITS.summary);
    group.severity = maxSeverity(group.severity, finding.severity);
  }
  group.count++;
  if (movesOut(time, group.firstSeen, -1)) group.firstSeen = time;
  if (movesOut(time, group.lastSeen, 1)) group.lastSeen = time;
  if (movesOut(time, incident.firstSeen, -1)) incident.firstSeen = time;
  if (movesOut(time, incident.lastSeen, 1)) incident.lastSeen = time;
  group.fingerprints.push(print);
  if (group.fingerprints.length > INCIDENT_LIMITS.fingerprints) group.fingerprints.shift(); // the newest are the likeliest redelivered
  addBounded(group.auditIDs, bounded(finding.auditID, INCIDENT_LIMITS.shortName), INCIDENT_LIMITS.auditIDs);
  const actor = finding.actor;
  for (const ip of actor.sourceIPs ?? []) addBounded(group.sourceIPs, bounded(ip, INCIDENT_LIMITS.shortName), INCIDENT_LIMITS.sourceIPs);
  if (actor.userAgent !== undefined) addBounded(group.userAgents, bounded(actor.userAgent, INCIDENT_LIMITS.name), INCIDENT_LIMITS.userAgents);
  addBounded(group.usernames, bounded(actor.username, INCIDENT_LIMITS.name), INCIDENT_LIMITS.usernames);
  for (const name of actor.groups ?? []) addBounded(group.identityGroups, bounded(name, INCIDENT_LIMITS.name), INCIDENT_LIMITS.identityGroups);
  addBounded(group.sources, bounded(source, INCIDENT_LIMITS.name), INCIDENT_LIMITS.sources);
  return result;
}

function boundedTarget(target: Finding['target']): IncidentGroup['target'] {
  const out: IncidentGroup['target'] = { resource: bounded(target.resource, INCIDENT_LIMITS.name) };
  for (const field of ['subresource', 'apiGroup', 'namespace', 'name'] as const) {
    if (target[field] !== undefined) out[field] = bounded(target[field], INCIDENT_LIMITS.name);
  }
  return out;
}

/**
 * Keeps the incident to its most telling groups: the most severe, those an alert already told,
 * then the earliest. What is dropped is counted in `omitted`.
 */
function dropLeastSevere(incident: Incident, fitBytes = false): void {
  const tooLarge = (): boolean => fitBytes && incident.groups.length > 1 && Buffer.byteLength(JSON.stringify(incident)) > INCIDENT_LIMITS.itemBytes;
  if (incident.groups.length <= INCIDENT_LIMITS.groups && !tooLarge()) return;
  const ranked = [...incident.groups].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      Number(b.alertedAt !== undefined) - Number(a.alertedAt !== undefined) ||
      byTime(a.firstSeen, b.firstSeen),
  );
  const drop = (dropped: Set<IncidentGroup>): void => {
    for (const group of dropped) {
      incident.omitted.groups++;
      incident.omitted.findings += group.count;
    }
    incident.groups = incident.groups.filter((g) => !dropped.has(g));
  };
  drop(new Set(ranked.splice(INCIDENT_LIMITS.groups)));
  // Each group is bounded, but forty of them at their bounds (hostile names) would not fit an item.
  while (tooLarge()) drop(new Set(ranked.splice(-1)));
}

/** Whether `time` moves a first (-1) or last (1) time outward; an unreadable time never replaces a readable one. */
function movesOut(time: string, bound: string, direction: -1 | 1): boolean {
  if (Number.isNaN(Date.parse(time))) return false;
  return Number.isNaN(Date.parse(bound)) || Math.sign(byTime(time, bound)) === direction;
}

/** Orders event times; unreadable ones after every readable one (and equal to each other). */
function byTime(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return Number(Number.isNaN(ta)) - Number(Number.isNaN(tb));
  return ta - tb;
}
