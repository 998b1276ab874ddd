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
  const byPrincipal = new Map<string, { cluster: string; findings: Attributed[] }>();
  for (const located of findings) {
    const cluster = located.finding.cluster ?? '';
    const principal = principalOf(located.finding);
    const key = JSON.stringify([cluster, principal.key]);
    const entry = byPrincipal.get(key) ?? { cluster, findings: [] };
    entry.findings.push({ ...located, principal });
    byPrincipal.set(key, entry);
  }
  const incidents: Incident[] = [];
  for (const { cluster, findings: own } of byPrincipal.values()) {
    for (const burst of bursts(own, windowMinutes)) {
      // The principal as the burst's own findings name it (every username, every impersonated user).
      const named = burst.map((a) => a.principal);
      const impersonated = named.flatMap((p) => p.impersonated ?? []);
      const principal: Principal = {
        ...named[0],
        usernames: [...new Set(named.flatMap((p) => p.usernames))],
        ...(impersonated.length > 0 ? { impersonated: [...new Set(impersonated)] } : {}),
      };
      const change = recordFindings(undefined, {
        cluster,
        principal,
        findings: burst.map((a) => a.finding),
        sources: burst.map((a) => a.source),
        windowMinutes,
      });
      incidents.push(change.incident);
    }
  }
  return incidents.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || timeOf(a.firstSeen) - timeOf(b.firstSeen));
}

interface Attributed extends LocatedFinding {
  principal: Principal;
}

/**
 * The findings cut where no finding came for longer than the window: each burst is one incident,
 * as recording them one by one would make it. Unreadable times join the last burst.
 */
function bursts(findings: readonly Attributed[], windowMinutes: number): Attributed[][] {
  const timed = findings.filter((l) => !Number.isNaN(Date.parse(l.finding.time))).sort((a, b) => timeOf(a.finding.time) - timeOf(b.finding.time));
  const untimed = findings.filter((l) => Number.isNaN(Date.parse(l.finding.time)));
  const out: Attributed[][] = [];
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
