/**
 * The registry of open incidents: one small state item listing the incidents recordings opened,
 * so the quiet sweep and `incidents list` find them without scanning the table. Pure changes
 * here; the incident store applies them atomically (StateStore.update).
 */
import { bounded } from './bounded';
import type { Incident } from './types';

/** Entries kept: enough for every principal of a busy fleet, small enough for one item (about 300 bytes each). */
export const MAX_OPEN_INCIDENTS = 400;

/** One open incident, as the registry knows it. Names are cut: they came from events. */
export interface OpenIncidentEntry {
  /** The incident's state key (incidentKey): where it is kept. */
  key: string;
  id: string;
  cluster: string;
  /** The principal's key, cut to 100 characters (for a person to read; `key` finds the incident). */
  principal: string;
  /** When the recording opened it (clock, ISO 8601). */
  openedAt: string;
  /** The window its findings join it within, in minutes: it is quiet once idle for longer (plus the sweep's grace). */
  windowMinutes: number;
  /**
   * Epoch ms (event time) before which it cannot be idle: its last finding's time plus the window,
   * as last seen by a recording or a sweep. The sweep reads only incidents past it.
   */
  idleFrom: number;
}

export interface OpenIncidents {
  entries: OpenIncidentEntry[];
  /** Entries dropped to keep the item bounded (the oldest opened): they are never swept and end by expiry. */
  dropped: number;
}

export const NO_OPEN_INCIDENTS: OpenIncidents = { entries: [], dropped: 0 };

/** Epoch ms an incident may be idle from: its last finding plus the window; an unreadable time is idle now (0). */
export function idleFromOf(incident: Pick<Incident, 'lastSeen'>, windowMinutes: number): number {
  const last = Date.parse(incident.lastSeen);
  return Number.isNaN(last) ? 0 : last + windowMinutes * 60_000;
}

/** Whether no finding joined the incident for longer than its window plus the grace, at `now`; an unreadable last time counts as idle. */
export function isIdle(incident: Pick<Incident, 'lastSeen'>, windowMinutes: number, graceMinutes: number, now: number): boolean {
  return idleFromOf(incident, windowMinutes) + graceMinutes * 60_000 < now;
}

/**
 * Adds (or replaces: one incident is kept per key, a new one replaces an ended one) the incident.
 * Past the bound the oldest opened go, counted in `dropped`.
 */
export function registerOpen(current: OpenIncidents | undefined, incident: Incident, key: string, windowMinutes: number, now: number): OpenIncidents {
  const registry = current ?? NO_OPEN_INCIDENTS;
  const entry: OpenIncidentEntry = {
    key,
    id: incident.id,
    cluster: bounded(incident.cluster, 100),
    principal: bounded(incident.principal.key, 100),
    openedAt: new Date(now).toISOString(),
    windowMinutes,
    idleFrom: idleFromOf(incident, windowMinutes),
  };
  const entries = [...registry.entries.filter((e) => e.key !== key), entry].sort((a, b) => a.openedAt.localeCompare(b.openedAt));
  const over = Math.max(0, entries.length - MAX_OPEN_INCIDENTS);
  return { entries: entries.slice(over), dropped: registry.dropped + over };
}

/** Forgets the incident `id` (it ended, or is gone); another incident kept under the same key stays. */
export function forgetOpen(current: OpenIncidents | undefined, id: string): OpenIncidents {
  const registry = current ?? NO_OPEN_INCIDENTS;
  return { ...registry, entries: registry.entries.filter((e) => e.id !== id) };
}

/** Moves an entry's `idleFrom` (a sweep found newer findings); an entry replaced meanwhile is left alone. */
export function deferOpen(current: OpenIncidents | undefined, id: string, idleFrom: number): OpenIncidents {
  const registry = current ?? NO_OPEN_INCIDENTS;
  return { ...registry, entries: registry.entries.map((e) => (e.id === id ? { ...e, idleFrom: Math.max(e.idleFrom, idleFrom) } : e)) };
}

/** The entries a sweep at `now` should look at: idle for longer than the grace, those idle longest first, at most `limit`. */
export function dueForSweep(registry: OpenIncidents, now: number, graceMinutes: number, limit: number): OpenIncidentEntry[] {
  return registry.entries
    .filter((e) => e.idleFrom + graceMinutes * 60_000 < now)
    .sort((a, b) => a.idleFrom - b.idleFrom)
    .slice(0, limit);
}
