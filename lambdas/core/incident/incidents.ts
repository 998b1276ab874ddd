/**
 * The incidents of a scan (the CLI: no store, all findings at hand): the same grouping and
 * recording the analyzer applies through its store, over findings in time order.
 */
import { severityRank } from '../finding';
import type { LocatedFinding } from '../report/aggregate';
import { MINTED_WINDOW_MINUTES, mintOf, serviceAccountOf, withinMint } from './minted';
import { principalOf } from './principal';
import { recordFindings } from './record';
import type { Incident, Principal } from './types';

/** Incidents of the findings, most severe first, then the earliest. */
export function groupIntoIncidents(findings: readonly LocatedFinding[], windowMinutes: number): Incident[] {
  // Tokens a person or role requested: the service account's later findings are theirs (minted.ts).
  const mints = new Map<string, { principal: Principal; until: number }>();
  for (const { finding } of findings) {
    const mint = mintOf(finding);
    if (mint) mints.set(JSON.stringify([finding.cluster ?? '', mint.serviceAccount]), { principal: principalOf(finding), until: mint.until });
  }
  const byPrincipal = new Map<string, { cluster: string; findings: Attributed[] }>();
  for (const located of findings) {
    const cluster = located.finding.cluster ?? '';
    const sa = serviceAccountOf(located.finding.actor.username);
    const mint = sa !== undefined ? mints.get(JSON.stringify([cluster, sa])) : undefined;
    const minted = mint !== undefined && withinMint(located.finding.time, mint.until);
    const principal = minted ? mint.principal : principalOf(located.finding);
    const key = JSON.stringify([cluster, principal.key]);
    const entry = byPrincipal.get(key) ?? { cluster, findings: [] };
    entry.findings.push({ ...located, principal, minted });
    byPrincipal.set(key, entry);
  }
  const incidents: Incident[] = [];
  for (const { cluster, findings: own } of byPrincipal.values()) {
    for (const burst of bursts(own, windowMinutes)) {
      // The principal as the burst's own findings name it (every username, every impersonated user).
      const named = burst.map((a) => a.principal);
      const minters = burst.filter((a) => a.minted).map((a) => a.finding.actor.username);
      const impersonated = named.flatMap((p) => p.impersonated ?? []);
      const principal: Principal = {
        ...named[0],
        usernames: [...new Set([...named.flatMap((p) => p.usernames), ...minters])],
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
  /** Made with a credential the principal minted: joins the burst within MINTED_WINDOW_MINUTES. */
  minted: boolean;
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
    const gap = (located.minted ? Math.max(windowMinutes, MINTED_WINDOW_MINUTES) : windowMinutes) * 60_000;
    if (out.length === 0 || t - last > gap) out.push([]);
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
