/**
 * The incidents of a scan built as its findings come, so the scan need not keep them: the same
 * grouping as `groupIntoIncidents` (per cluster and principal, cut where a principal is quiet for
 * the window, minted service-account tokens counted as the minter's), recorded with the same
 * `recordFindings` in batches instead of once over every finding.
 *
 * What is held, whatever the number of findings: a reorder buffer of findings without their
 * evidence (`limits.reorder`), one open incident per principal (bounded by INCIDENT_LIMITS), the
 * finished incidents (`limits.incidents`) and the token requests seen (`limits.mints`).
 */
import type { Finding } from '../finding';
import { severityRank } from '../finding';
import type { LocatedFinding } from '../report/aggregate';
import { addBounded, bounded } from './bounded';
import { MINTED_WINDOW_MINUTES, mintOf, serviceAccountOf, withinMint } from './minted';
import { principalOf } from './principal';
import { INCIDENT_LIMITS, recordFindings } from './record';
import type { Incident, Principal } from './types';

export const GROUPER_LIMITS = {
  /**
   * Findings held to put them in time order. Within it the incidents are those of the findings
   * sorted by time; a finding that comes later than this many after newer ones of its principal
   * joins that principal's open incident (as a late object joins the analyzer's).
   */
  reorder: 4096,
  /** Finished incidents kept; past twice this, the least severe, then latest, are dropped down to it. */
  incidents: 2000,
  /** Service accounts whose token request is remembered; past it the oldest remembered is forgotten. */
  mints: 10_000,
} as const;

export type GrouperLimits = { readonly [K in keyof typeof GROUPER_LIMITS]: number };

interface Held {
  finding: Finding;
  source: string;
  /** Arrival order: equal times keep it. */
  seq: number;
}

interface Attributed extends Held {
  principal: Principal;
  minted: boolean;
}

/** A principal's current burst: its incident so far and what is still to be recorded into it. */
interface Burst {
  cluster: string;
  principal: { key: string; display: string };
  /** Where the principal and this burst come in `groupIntoIncidents`' order: its tie-break. */
  order: [number, number];
  incident?: Incident;
  pending: Attributed[];
  untimed: Attributed[];
  last: number;
  /** The usernames the burst's findings name (then those of minted tokens), and who they impersonated: the first ten of each. */
  named: string[];
  minters: string[];
  impersonated: string[];
}

interface Finished {
  incident: Incident;
  order: [number, number];
}

export class IncidentGrouper {
  private held: Held[] = [];
  private arrived = 0;
  private readonly mints = new Map<string, { principal: Principal; until: number }>();
  private readonly open = new Map<string, Burst>();
  /** Every principal's place in the order first seen, and its bursts so far. */
  private readonly principals = new Map<string, { index: number; bursts: number }>();
  private finished: Finished[] = [];
  private untimedHeld = 0;
  private done = false;
  /** Incidents dropped past `limits.incidents`, with their findings; findings that came after newer ones of their principal had been recorded. */
  readonly omitted = { incidents: 0, findings: 0 };
  late = 0;

  constructor(
    private readonly windowMinutes: number,
    private readonly limits: GrouperLimits = GROUPER_LIMITS,
  ) {}

  add({ finding, source }: LocatedFinding): void {
    if (this.done) throw new Error('IncidentGrouper: add after incidents()');
    this.held.push({ finding: withoutEvidence(finding), source, seq: this.arrived++ });
    if (this.held.length > this.limits.reorder) this.release(Math.ceil(this.held.length / 2));
  }

  /** Every incident, most severe first, then the earliest (as `groupIntoIncidents`). Ends the grouping. */
  incidents(): Incident[] {
    if (!this.done) {
      this.done = true;
      this.release(this.held.length);
      for (const burst of this.open.values()) {
        for (const attributed of burst.untimed) this.name(burst, attributed);
        burst.pending.push(...burst.untimed);
        burst.untimed = [];
        this.close(burst);
      }
      this.open.clear();
    }
    return [...this.finished]
      .sort((a, b) => byIncidentOrder(a.incident, b.incident) || a.order[0] - b.order[0] || a.order[1] - b.order[1])
      .map((f) => f.incident);
  }

  /** Records the earliest `count` held findings, in time order. */
  private release(count: number): void {
    this.held.sort((a, b) => a.finding.time.localeCompare(b.finding.time) || a.seq - b.seq);
    const out = this.held.slice(0, count);
    this.held = this.held.slice(count);
    for (let i = 0; i < out.length;) {
      // A token requested at a time counts for the findings of that very time too (`withinMint`).
      let end = i;
      while (end < out.length && out[end].finding.time === out[i].finding.time) end++;
      for (let j = i; j < end; j++) this.remember(out[j].finding);
      for (let j = i; j < end; j++) this.attribute(out[j]);
      i = end;
    }
    for (const burst of this.open.values()) this.flush(burst);
  }

  private remember(finding: Finding): void {
    const mint = mintOf(finding);
    if (!mint) return;
    const key = JSON.stringify([finding.cluster ?? '', mint.serviceAccount]);
    this.mints.delete(key); // re-inserted last: the oldest remembered is the first forgotten
    this.mints.set(key, { principal: principalOf(finding), until: mint.until });
    if (this.mints.size > this.limits.mints) this.mints.delete(this.mints.keys().next().value as string);
  }

  private attribute(held: Held): void {
    const { finding } = held;
    const cluster = finding.cluster ?? '';
    const sa = serviceAccountOf(finding.actor.username);
    const mint = sa !== undefined ? this.mints.get(JSON.stringify([cluster, sa])) : undefined;
    const minted = mint !== undefined && withinMint(finding.time, mint.until);
    const principal = minted ? mint.principal : principalOf(finding);
    const attributed: Attributed = { ...held, principal, minted };
    const key = JSON.stringify([cluster, principal.key]);
    const t = Date.parse(finding.time);
    let burst = this.open.get(key);
    if (Number.isNaN(t)) {
      // Unreadable times join the principal's last burst: held to the end, up to the buffer's size.
      burst ??= this.opening(key, cluster, attributed, -Infinity);
      if (this.untimedHeld < this.limits.reorder) {
        this.untimedHeld++;
        burst.untimed.push(attributed);
      } else {
        burst.pending.push(attributed);
        this.name(burst, attributed);
      }
      return;
    }
    const gap = (minted ? Math.max(this.windowMinutes, MINTED_WINDOW_MINUTES) : this.windowMinutes) * 60_000;
    if (burst && burst.last !== -Infinity && t - burst.last > gap) {
      this.close(burst);
      burst = undefined;
    }
    burst ??= this.opening(key, cluster, attributed, t);
    if (burst.last === -Infinity) burst.principal.display = principal.display;
    if (t < burst.last) this.late++;
    burst.last = Math.max(burst.last, t);
    burst.pending.push(attributed);
    this.name(burst, attributed);
  }

  private opening(key: string, cluster: string, first: Attributed, last: number): Burst {
    const seen = this.principals.get(key) ?? { index: this.principals.size, bursts: 0 };
    this.principals.set(key, seen);
    const burst: Burst = {
      cluster,
      principal: { key: first.principal.key, display: first.principal.display },
      order: [seen.index, seen.bursts++],
      pending: [],
      untimed: [],
      last,
      named: [],
      minters: [],
      impersonated: [],
    };
    this.open.set(key, burst);
    return burst;
  }

  private name(burst: Burst, { principal, minted, finding }: Attributed): void {
    for (const username of principal.usernames) addBounded(burst.named, bounded(username, INCIDENT_LIMITS.name), INCIDENT_LIMITS.principalUsernames);
    if (minted) addBounded(burst.minters, bounded(finding.actor.username, INCIDENT_LIMITS.name), INCIDENT_LIMITS.principalUsernames);
    for (const user of principal.impersonated ?? []) addBounded(burst.impersonated, bounded(user, INCIDENT_LIMITS.name), INCIDENT_LIMITS.impersonated);
  }

  /** Records what the burst holds into its incident. */
  private flush(burst: Burst): void {
    if (burst.pending.length === 0) return;
    const change = recordFindings(burst.incident, {
      cluster: burst.cluster,
      // The names are set once the burst is done (`close`), in the order `groupIntoIncidents` gives them.
      principal: { ...burst.principal, usernames: [] },
      findings: burst.pending.map((a) => a.finding),
      sources: burst.pending.map((a) => a.source),
      // The burst is decided here (`attribute`): what is pending joins the incident whatever its time.
      windowMinutes: Infinity,
    });
    burst.incident = change.incident;
    burst.pending = [];
  }

  private close(burst: Burst): void {
    this.flush(burst);
    this.open.delete(JSON.stringify([burst.cluster, burst.principal.key]));
    const incident = burst.incident;
    if (!incident) return;
    for (const username of [...burst.named, ...burst.minters]) addBounded(incident.principal.usernames, username, INCIDENT_LIMITS.principalUsernames);
    for (const user of burst.impersonated) addBounded((incident.principal.impersonated ??= []), user, INCIDENT_LIMITS.impersonated);
    // Recorded once, as `groupIntoIncidents` records a burst: the batches are not versions anyone saw.
    incident.version = 1;
    this.finished.push({ incident, order: burst.order });
    if (this.finished.length > this.limits.incidents * 2) this.dropLeastSevere();
  }

  private dropLeastSevere(): void {
    const ranked = [...this.finished].sort((a, b) => byIncidentOrder(a.incident, b.incident));
    for (const { incident } of ranked.slice(this.limits.incidents)) {
      this.omitted.incidents++;
      this.omitted.findings += incident.groups.reduce((n, g) => n + g.count, 0) + incident.omitted.findings;
    }
    const kept = new Set(ranked.slice(0, this.limits.incidents));
    this.finished = this.finished.filter((f) => kept.has(f));
  }
}

/** Most severe first, then the earliest. */
function byIncidentOrder(a: Incident, b: Incident): number {
  return severityRank(b.severity) - severityRank(a.severity) || timeOf(a.firstSeen) - timeOf(b.firstSeen);
}

function timeOf(time: string): number {
  const t = Date.parse(time);
  return Number.isNaN(t) ? Infinity : t;
}

/** What an incident records of a finding: everything but what proves it (the evidence, the bulk of a finding). */
function withoutEvidence(finding: Finding): Finding {
  const { evidence: _evidence, attack: _attack, controls: _controls, ...rest } = finding;
  return { ...rest, evidence: {} };
}
