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

export class StateIncidentStore implements IncidentStore {
  constructor(
    private readonly state: StateStore,
    /** Seconds an incident is kept after its last change, past the window. */
    private readonly retainSeconds = RETAIN_SECONDS,
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
