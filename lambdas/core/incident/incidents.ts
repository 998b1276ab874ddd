/**
 * The incidents of a scan (the CLI: no store, all findings at hand): the same grouping and
 * recording the analyzer applies through its store, over findings in time order.
 */
import { severityRank } from '../finding';
import type { LocatedFinding } from '../report/aggregate';
import { principalOf } from './principal';
import { recordFindings } from './record';
import type { Incident, Principal } from './types';

/** Incidents of the findings, most severe first, then the earliest. */
export function groupIntoIncidents(findings: readonly LocatedFinding[], windowMinutes: number): Incident[] {
  const byPrincipal = new Map<string, { cluster: string; principal: Principal; findings: LocatedFinding[] }>();
  for (const located of findings) {
    const cluster = located.finding.cluster ?? '';
    const principal = principalOf(located.finding);
    const key = JSON.stringify([cluster, principal.key]);
    const entry = byPrincipal.get(key) ?? { cluster, principal, findings: [] };
    entry.findings.push(located);
    byPrincipal.set(key, entry);
  }
  const incidents: Incident[] = [];
  for (const { cluster, principal, findings: own } of byPrincipal.values()) {
    for (const burst of bursts(own, windowMinutes)) {
      // The principal as the burst's own findings name it (usernames, impersonated users).
      const named = burst.map((l) => principalOf(l.finding));
      const merged: Principal = {
        ...principal,
        usernames: [...new Set(named.flatMap((p) => p.usernames))],
        ...(named.some((p) => p.impersonated) ? { impersonated: [...new Set(named.flatMap((p) => p.impersonated ?? []))] } : {}),
      };
      const change = recordFindings(undefined, {
        cluster,
        principal: merged,
        findings: burst.map((l) => l.finding),
        sources: burst.map((l) => l.source),
        windowMinutes,
      });
      incidents.push(change.incident);
    }
  }
  return incidents.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || timeOf(a.firstSeen) - timeOf(b.firstSeen));
}

/**
 * The findings cut where no finding came for longer than the window: each burst is one incident,
 * as recording them one by one would make it. Unreadable times join the last burst.
 */
function bursts(findings: readonly LocatedFinding[], windowMinutes: number): LocatedFinding[][] {
  const timed = findings.filter((l) => !Number.isNaN(Date.parse(l.finding.time))).sort((a, b) => timeOf(a.finding.time) - timeOf(b.finding.time));
  const untimed = findings.filter((l) => Number.isNaN(Date.parse(l.finding.time)));
  const out: LocatedFinding[][] = [];
  let last = -Infinity;
  for (const located of timed) {
    const t = timeOf(located.finding.time);
    if (out.length === 0 || t - last > windowMinutes * 60_000) out.push([]);
    out[out.length - 1].push(located);
    last = t;
  }
  if (untimed.length > 0) {
    if (out.length === 0) out.push([]);
    out[out.length - 1].push(...untimed);
  }
  return out;
}

function timeOf(time: string): number {
  const t = Date.parse(time);
  return Number.isNaN(t) ? Infinity : t;
}
