/**
 * Incidents kept in the state store: the memory store serves the CLI, the DynamoDB one the Lambda
 * (conditional writes: concurrent analyzers each apply the pure recording to what the other
 * wrote, so neither loses a finding and both see the same incident).
 */
import { digest } from '../detect/fingerprint';
import type { Finding } from '../finding';
import type { IncidentStore, StateStore } from '../ports';
import { decideAlert, markTold } from './alert-decision';
import { bounded } from './bounded';
import { DEFAULT_INCIDENT_WINDOW_MINUTES, recordFindings } from './record';
import type { Incident, IncidentAlert, IncidentChange, Principal, TellClaim } from './types';
import type { IncidentEnd, IncidentEndResult, IncidentLifecycle } from '../ports';
import type { OpenIncidentEntry, OpenIncidents } from './open-incidents';
import { deferOpen, forgetOpen, idleFromOf, isIdle, NO_OPEN_INCIDENTS, registerOpen } from './open-incidents';

/** How long an incident is kept past its window: long enough to read it back the next days. */
const RETAIN_SECONDS = 3 * 86_400;
/** Mints remembered per cluster: the most recent, so the item stays small whatever a principal mints. */
const MAX_MINTS = 200;

interface MintRecord {
  principal: Principal;
  until: number;
}

/** One item per cluster and principal: the principal key is digested (it is as long as the log makes it). */
export function incidentKey(cluster: string, principalKey: string): string {
  const name = /^[A-Za-z0-9._-]{1,100}$/.test(cluster) ? cluster : `${bounded(cluster.replace(/[^A-Za-z0-9._-]/g, '_'), 60)}~${digest(cluster)}`;
  return `incident/${name}/${digest(principalKey)}`;
}

function mintsKey(cluster: string): string {
  return `${incidentKey(cluster, '')}/mints`;
}

/** The registry of open incidents (open-incidents.ts): one item for the whole table. */
const OPEN_INCIDENTS_KEY = 'incidents/open';
/** The registry outlives its longest-lived entry: an incident of the longest window, kept as long as incidents are. */
const OPEN_INCIDENTS_TTL_SECONDS = 7 * 86_400 + RETAIN_SECONDS;

/** Thrown inside a change to read without writing: both state stores call `change` before they write. */
class NothingKept extends Error {}

export class StateIncidentStore implements IncidentStore, IncidentLifecycle {
  constructor(
    private readonly state: StateStore,
    /** Seconds an incident is kept after its last change, past the window. */
    private readonly retainSeconds = RETAIN_SECONDS,
    /** The clock (epoch ms): when an incident was registered, and the TTLs. */
    private readonly now: () => number = Date.now,
  ) {}

  async record(
    cluster: string,
    principal: Principal,
    findings: readonly Finding[],
    sources: readonly string[] | string,
    windowMinutes: number,
    claim?: TellClaim,
  ): Promise<IncidentChange> {
    let change: IncidentChange | undefined;
    await this.state.update<Incident>(
      incidentKey(cluster, principal.key),
      (current) => {
        // Called again on a conflict: the last call's change is the one written.
        const recorded = recordFindings(current, { cluster, principal, findings, sources, windowMinutes });
        change = claim ? claimTelling(recorded, claim) : recorded;
        return change.incident;
      },
      windowMinutes * 60 + this.retainSeconds,
    );
    if (!change) throw new Error('the state store did not apply the change');
    if (change.opened) await this.register(cluster, principal.key, change.incident, windowMinutes);
    return change;
  }

  async rememberMint(cluster: string, serviceAccount: string, principal: Principal, until: number): Promise<void> {
    await this.state.update<Record<string, MintRecord>>(
      mintsKey(cluster),
      (current) => {
        const next = { ...current, [serviceAccount]: { principal, until: Math.max(until, current?.[serviceAccount]?.until ?? 0) } };
        const kept = Object.entries(next)
          .sort((a, b) => b[1].until - a[1].until)
          .slice(0, MAX_MINTS);
        return Object.fromEntries(kept);
      },
      Math.max(60, Math.ceil((until - Date.now()) / 1000)) + this.retainSeconds,
    );
  }

  async mints(cluster: string): Promise<ReadonlyMap<string, MintRecord>> {
    let found: Record<string, MintRecord> = {};
    // A read through the atomic update: an unchanged value is not written again.
    await this.state.update<Record<string, MintRecord>>(
      mintsKey(cluster),
      (current) => {
        found = current ?? {};
        return found;
      },
      this.retainSeconds,
    );
    return new Map(Object.entries(found));
  }

  async markAlerted(alert: IncidentAlert, attempt?: string): Promise<void> {
    if (alert.kind === 'test') return;
    const { incident } = alert;
    await this.state.update<Incident>(
      incidentKey(incident.cluster, incident.principal.key),
      // Gone (expired) since the alert: kept again as told, so a late finding does not open it anew.
      (current) => releaseLease(markTold(current ?? incident, alert), attempt),
      DEFAULT_INCIDENT_WINDOW_MINUTES * 60 + this.retainSeconds,
    );
  }

  async release(alert: IncidentAlert, attempt: string): Promise<void> {
    const { incident } = alert;
    await this.state.update<Incident>(
      incidentKey(incident.cluster, incident.principal.key),
      (current) => releaseLease(current ?? incident, attempt),
      DEFAULT_INCIDENT_WINDOW_MINUTES * 60 + this.retainSeconds,
    );
  }

  /** Lists a newly opened incident in the registry (a crash before this leaves it to expire, unswept). */
  private async register(cluster: string, principalKey: string, incident: Incident, windowMinutes: number): Promise<void> {
    const key = incidentKey(cluster, principalKey);
    await this.state.update<OpenIncidents>(
      OPEN_INCIDENTS_KEY,
      (current) => registerOpen(current, incident, key, windowMinutes, this.now()),
      OPEN_INCIDENTS_TTL_SECONDS,
    );
  }

  async openIncidents(): Promise<OpenIncidents> {
    return (await this.read<OpenIncidents>(OPEN_INCIDENTS_KEY, OPEN_INCIDENTS_TTL_SECONDS)) ?? NO_OPEN_INCIDENTS;
  }

  async incidentOf(entry: OpenIncidentEntry): Promise<Incident | undefined> {
    const incident = await this.read<Incident>(entry.key, entry.windowMinutes * 60 + this.retainSeconds);
    // The lease is the store's business: a summary or a listing never shows it.
    return incident?.id === entry.id ? withoutLease(incident) : undefined;
  }

  async end(entry: OpenIncidentEntry, how: IncidentEnd): Promise<IncidentEndResult> {
    // Widened: TypeScript cannot see the assignment inside the change.
    let result = { outcome: 'gone' } as IncidentEndResult;
    try {
      await this.state.update<Incident>(
        entry.key,
        (current) => {
          // Called again on a conflict: the last call's result is the one that counts.
          if (current === undefined) throw new NothingKept();
          result = endOf(current, entry, how);
          return result.outcome === 'ended' ? result.incident : current;
        },
        entry.windowMinutes * 60 + this.retainSeconds,
      );
    } catch (error) {
      if (!(error instanceof NothingKept)) throw error;
    }
    const done: IncidentEndResult = result;
    await this.state.update<OpenIncidents>(
      OPEN_INCIDENTS_KEY,
      (current) => (done.outcome === 'active' ? deferOpen(current, entry.id, idleFromOf(done.incident, entry.windowMinutes)) : forgetOpen(current, entry.id)),
      OPEN_INCIDENTS_TTL_SECONDS,
    );
    return done;
  }

  /** The value kept at `key`, read through the atomic update without writing it (nor creating it when absent). */
  private async read<T>(key: string, ttlSeconds: number): Promise<T | undefined> {
    try {
      return await this.state.update<T>(
        key,
        (current) => {
          if (current === undefined) throw new NothingKept();
          return current;
        },
        ttlSeconds,
      );
    } catch (error) {
      if (error instanceof NothingKept) return undefined;
      throw error;
    }
  }
}

/** The pure end: only the entry's incident, only while open, and for `quiet` only once idle past the window and the grace. */
function endOf(current: Incident, entry: OpenIncidentEntry, how: IncidentEnd): IncidentEndResult {
  if (current.id !== entry.id || current.state !== 'open') return { outcome: 'not-open', incident: current };
  if (how.how === 'quiet') {
    if (!isIdle(current, entry.windowMinutes, how.graceMinutes, how.now)) return { outcome: 'active', incident: current };
    return { outcome: 'ended', incident: { ...current, state: 'quiet', ended: { at: new Date(how.now).toISOString(), how: 'quiet' } } };
  }
  const ended: NonNullable<Incident['ended']> = {
    at: new Date(how.now).toISOString(),
    how: 'closed',
    by: bounded(how.by, 300),
    ...(how.reason !== undefined ? { reason: bounded(how.reason, 1000) } : {}),
  };
  return { outcome: 'ended', incident: { ...current, state: 'closed', ended } };
}

/**
 * Decides the alert inside the recording's write and takes the lease to send it, unless another
 * attempt's lease runs. A lapsed lease (its analyzer crashed before marking) is taken over: what
 * it was to tell is still unmarked, so this decision tells it.
 */
function claimTelling(recorded: IncidentChange, claim: TellClaim): IncidentChange {
  const lease = recorded.incident.telling;
  if (lease && lease.attempt !== claim.attempt && lease.until > claim.now) return { ...recorded, held: true };
  const plain = withoutLease(recorded.incident);
  const alert = decideAlert({ ...recorded, incident: plain }, claim.minSeverity);
  if (!alert) return { ...recorded, incident: lease && lease.until <= claim.now ? plain : recorded.incident };
  return { ...recorded, incident: { ...plain, telling: { attempt: claim.attempt, until: claim.now + claim.leaseMs } }, toTell: alert };
}

function releaseLease(incident: Incident, attempt: string | undefined): Incident {
  return attempt !== undefined && incident.telling?.attempt === attempt ? withoutLease(incident) : incident;
}

/** The incident as alerts and readers see it: the lease is the store's business. */
export function withoutLease(incident: Incident): Incident {
  if (incident.telling === undefined) return incident;
  const copy = { ...incident };
  delete copy.telling;
  return copy;
}
