import { randomBytes } from 'node:crypto';
import { buildIncidentAlert } from '../alert/incident-message';
import type { Finding, Severity } from '../finding';
import { MINTED_WINDOW_MINUTES, mintOf, serviceAccountOf, withinMint } from '../incident/minted';
import { principalOf } from '../incident/principal';
import type { AlertLinks, IncidentChange, Principal, TellClaim } from '../incident/types';
import type { IncidentStore, Publisher } from '../ports';

/** Incidents instead of one alert per object (see `raiseFindings`). */
export interface IncidentDeps {
  store: IncidentStore;
  /** A principal's findings join its open incident when they come within this many minutes of its last one. */
  windowMinutes: number;
  links: AlertLinks;
}

/** How long an analyzer holds an incident while it sends its alert: far longer than a publish, far shorter than an SQS retry. */
export const TELL_LEASE_MS = 60_000;
/** How long an analyzer waits for another to finish telling the same incident before it gives its findings back for a retry. */
const HELD_WAIT_MS = [100, 200, 400, 800, 1600, 3200];

export interface IncidentsRaised {
  /** Alerts published: openings and updates. */
  opened: number;
  updated: number;
  /** Findings that only repeated a group an incident had told (counted there, not sent). */
  repeats: number;
  /** Findings whose incident was recorded and, if it needed one, told. */
  done: Finding[];
}

/**
 * Records findings in their principals' incidents and publishes what changed: an opening alert,
 * or an update naming the incident and what is new. One principal at a time: a failure throws an
 * `IncidentPublishError` naming the findings not yet told (`pending`), so the caller releases
 * only those; the principals before it were told and are done.
 */
export async function raiseIncidents(
  findings: readonly Finding[],
  source: string,
  deps: {
    incidents: IncidentDeps;
    publisher: Publisher;
    minAlertSeverity: Severity;
    /** This attempt's id (the lease's holder); random when not given. */
    attempt?: string;
    now?: () => number;
    wait?: (ms: number) => Promise<void>;
  },
): Promise<IncidentsRaised> {
  const store = deps.incidents.store;
  const attempt = deps.attempt ?? randomBytes(8).toString('base64url');
  const now = deps.now ?? Date.now;
  const wait = deps.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const claim = (): TellClaim => ({ attempt, now: now(), leaseMs: TELL_LEASE_MS, minSeverity: deps.minAlertSeverity });
  // Credentials minted here by a person (a service-account token they requested) are theirs:
  // remembered first, so the token's own actions in this batch are told as the minter's too.
  for (const finding of findings) {
    const mint = mintOf(finding);
    if (mint) await store.rememberMint(finding.cluster ?? '', mint.serviceAccount, principalOf(finding), mint.until);
  }
  const mintsByCluster = new Map<string, ReadonlyMap<string, { principal: Principal; until: number }>>();
  const mintedBy = async (finding: Finding): Promise<Principal | undefined> => {
    const sa = serviceAccountOf(finding.actor.username);
    if (sa === undefined) return undefined;
    const cluster = finding.cluster ?? '';
    let mints = mintsByCluster.get(cluster);
    if (!mints) mintsByCluster.set(cluster, (mints = await store.mints(cluster)));
    const mint = mints.get(sa);
    // Judged at the finding's time, not the clock's: a backfill of last month attributes as the live path did.
    return mint && withinMint(finding.time, mint.until) ? mint.principal : undefined;
  };

  const byPrincipal = new Map<string, { cluster: string; principal: Principal; findings: Finding[]; windowMinutes: number }>();
  for (const finding of findings) {
    const minter = await mintedBy(finding);
    const principal = minter ?? principalOf(finding);
    const cluster = finding.cluster ?? '';
    // A minted credential's actions join the minter's incident for as long as a token of a day lasts.
    const windowMinutes = minter ? Math.max(deps.incidents.windowMinutes, MINTED_WINDOW_MINUTES) : deps.incidents.windowMinutes;
    const key = JSON.stringify([cluster, principal.key, windowMinutes]); // JSON: a separator in a name cannot join two keys
    let entry = byPrincipal.get(key);
    if (!entry) byPrincipal.set(key, (entry = { cluster, principal, findings: [], windowMinutes }));
    entry.findings.push(finding);
  }
  const raised: IncidentsRaised = { opened: 0, updated: 0, repeats: 0, done: [] };
  const entries = [...byPrincipal.values()];
  for (const [i, entry] of entries.entries()) {
    try {
      let change: IncidentChange = await store.record(entry.cluster, entry.principal, entry.findings, source, entry.windowMinutes, claim());
      raised.repeats += change.repeats;
      // Another analyzer is telling this incident: its alert may not hold what this one recorded.
      // Look again (recording nothing more) once it is done, and tell what is left.
      for (const pause of HELD_WAIT_MS) {
        if (!change.held) break;
        await wait(pause);
        change = await store.record(entry.cluster, entry.principal, [], source, entry.windowMinutes, claim());
      }
      if (change.held)
        throw new Error(`another analyzer has been telling incident ${change.incident.id} for too long; its findings are given back for a retry`);
      const alert = change.toTell;
      if (alert) {
        try {
          await deps.publisher.publish(buildIncidentAlert(alert, deps.incidents.links));
        } catch (error) {
          // Not sent: end the lease so a retry (this one's or another analyzer's) tells it at once.
          await store.release(alert, attempt).catch(() => undefined);
          throw error;
        }
        if (alert.kind === 'opened') raised.opened++;
        else raised.updated++;
        // Sent: remember it. If this fails, a retry sends the alert again once the lease lapsed (at least once, as SNS).
        await store.markAlerted(alert, attempt);
      }
      raised.done.push(...entry.findings);
    } catch (error) {
      throw new IncidentPublishError(
        error,
        entries.slice(i).flatMap((e) => e.findings),
        raised,
      );
    }
  }
  return raised;
}

/** An incident could not be recorded or told: `pending` are the findings not told yet, `raised` what was done before. */
export class IncidentPublishError extends Error {
  override readonly name = 'IncidentPublishError';
  constructor(
    override readonly cause: unknown,
    readonly pending: Finding[],
    readonly raised: IncidentsRaised,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}
