/**
 * The quiet sweep (run by the watchdog on its schedule): an open incident with no finding for
 * longer than its window plus a delivery grace goes quiet, and, when the deployment asks for it
 * and the incident had been alerted, a final summary (`kind: 'quiet'`) is published.
 *
 * The summary is published before the incident is marked quiet: a failed publish leaves it open
 * and listed, so the next sweep tries again (nothing owed is lost); a publish that succeeded but
 * whose mark failed is sent again next time (at least once, as every alert here). Should a finding
 * join between the publish and the mark, the mark refuses (the incident is active again) and the
 * incident goes on: its next update tells what came after the summary.
 */
import { buildIncidentAlert } from '../alert/incident-message';
import type { IncidentLifecycle, Publisher } from '../ports';
import type { OpenIncidentEntry } from './open-incidents';
import { dueForSweep, isIdle } from './open-incidents';
import { severityRank } from '../finding';
import type { AlertLinks, Incident, IncidentGroup } from './types';

/**
 * Logs reach S3 minutes after the events: EKS's CloudWatch Logs delivery and Firehose's buffer
 * (up to 900 s, `eksBufferSeconds`) come before the analyzer even sees them. An incident is only
 * idle once findings that late could no longer join it.
 */
export const DEFAULT_QUIET_GRACE_MINUTES = 15;
/** Incidents looked at per sweep: each is a read, and ending one a write or two (and a publish). */
export const DEFAULT_QUIET_SWEEP_LIMIT = 25;

export interface QuietSweepDeps {
  incidents: IncidentLifecycle;
  publisher: Publisher;
  links: AlertLinks;
  /** Publish the final summary of an incident that had been alerted. */
  summary: boolean;
  /** The clock (epoch ms). */
  now: () => number;
  graceMinutes?: number;
  limit?: number;
}

export interface QuietSweepResult {
  /** Incidents that went quiet in this sweep. */
  quiet: Incident[];
  /** Summaries published. */
  summaries: number;
  /** Incidents looked at that a finding had joined since (not idle yet). */
  active: number;
  /** Incidents due but left for the next sweep (over the limit). */
  deferred: number;
  /** Incidents that could not be ended or summarised: retried by the next sweep. */
  failed: Array<{ id: string; error: Error }>;
}

export async function sweepQuietIncidents(deps: QuietSweepDeps): Promise<QuietSweepResult> {
  const graceMinutes = deps.graceMinutes ?? DEFAULT_QUIET_GRACE_MINUTES;
  const limit = deps.limit ?? DEFAULT_QUIET_SWEEP_LIMIT;
  const now = deps.now();
  const registry = await deps.incidents.openIncidents();
  const dueAll = dueForSweep(registry, now, graceMinutes, registry.entries.length);
  const due = dueAll.slice(0, limit);
  const result: QuietSweepResult = { quiet: [], summaries: 0, active: 0, deferred: dueAll.length - due.length, failed: [] };
  for (const entry of due) {
    try {
      await sweepOne(entry, deps, now, graceMinutes, result);
    } catch (error) {
      result.failed.push({ id: entry.id, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  return result;
}

async function sweepOne(entry: OpenIncidentEntry, deps: QuietSweepDeps, now: number, graceMinutes: number, result: QuietSweepResult): Promise<void> {
  const end = { how: 'quiet', now, graceMinutes } as const;
  const incident = await deps.incidents.incidentOf(entry);
  // Only an incident a person was told about gets a summary: the others told nobody anything.
  if (
    incident &&
    incident.state === 'open' &&
    deps.summary &&
    incident.alertedSeverity !== undefined &&
    isIdle(incident, entry.windowMinutes, graceMinutes, now)
  ) {
    await deps.publisher.publish(buildIncidentAlert({ kind: 'quiet', incident, told: mostSevereFirst(incident.groups) }, deps.links));
    result.summaries++;
  }
  const ended = await deps.incidents.end(entry, end);
  if (ended.outcome === 'ended') result.quiet.push(ended.incident);
  if (ended.outcome === 'active') result.active++;
}

/** The summary tells every group, most severe first (the message drops the least severe when too long). */
function mostSevereFirst(groups: readonly IncidentGroup[]): IncidentGroup[] {
  return [...groups].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.firstSeen.localeCompare(b.firstSeen));
}
