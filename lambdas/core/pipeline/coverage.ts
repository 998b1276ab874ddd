import type { AuditEvent } from '../audit-event';
import type { AuditLevel, Coverage } from '../compliance/types';
import { AUDIT_LEVELS } from '../compliance/types';
import type { CoverageStore } from '../ports';

/** The cluster segment of events whose envelope and object key named no cluster (as the findings store files them). */
export const UNKNOWN_CLUSTER_SEGMENT = '-';

/**
 * What was seen of one cluster on one UTC day in one object: the parsed events (those of
 * interest to some rule) by audit level. The coverage store adds these up per cluster and day.
 */
export interface CoverageTally {
  /** `-` for events whose envelope and object key named no cluster. */
  cluster: string;
  /** `yyyy-mm-dd`, the UTC day of the events (their `stageTimestamp`, as findings are filed). */
  day: string;
  levels: Partial<Record<AuditLevel, number>>;
}

const LEVELS: ReadonlySet<string> = new Set(AUDIT_LEVELS);

/**
 * Counts one object's events by level, in total and per (cluster, UTC day): the analyzer's
 * coverage items and the CLI's compliance coverage are both made from it.
 */
export class CoverageCounter {
  readonly levels: Partial<Record<AuditLevel, number>> = {};
  private readonly byKey = new Map<string, CoverageTally>();

  count(cluster: string | undefined, event: AuditEvent): void {
    const level = levelOf(event);
    if (level === undefined) return;
    this.levels[level] = (this.levels[level] ?? 0) + 1;
    const day = eventDay(event.stageTimestamp ?? event.requestReceivedTimestamp ?? event.timestamp);
    const name = cluster ?? UNKNOWN_CLUSTER_SEGMENT;
    const key = `${name}\n${day ?? ''}`;
    let tally = this.byKey.get(key);
    if (!tally) {
      tally = { cluster: name, day: day ?? '', levels: {} };
      this.byKey.set(key, tally);
    }
    tally.levels[level] = (tally.levels[level] ?? 0) + 1;
  }

  /** The tallies; events with no readable time, and an object with none at all, go to `fallbackDay`. */
  tallies(objectCluster: string, fallbackDay: string): CoverageTally[] {
    const merged = new Map<string, CoverageTally>();
    for (const t of this.byKey.values()) {
      const day = t.day || fallbackDay;
      const key = `${t.cluster}\n${day}`;
      const into = merged.get(key);
      if (into) addLevels(into.levels, t.levels);
      else merged.set(key, { cluster: t.cluster, day, levels: { ...t.levels } });
    }
    return merged.size > 0 ? [...merged.values()] : [{ cluster: objectCluster, day: fallbackDay, levels: {} }];
  }

  /** The counts per cluster, whatever the day (the clusters this object counted events of). */
  byCluster(): Map<string, Partial<Record<AuditLevel, number>>> {
    const clusters = new Map<string, Partial<Record<AuditLevel, number>>>();
    for (const t of this.byKey.values()) {
      const into = clusters.get(t.cluster);
      if (into) addLevels(into, t.levels);
      else clusters.set(t.cluster, { ...t.levels });
    }
    return clusters;
  }
}

/** The compliance coverage of several objects: per cluster, the objects that had its events and their levels. */
export function coverageOfObjects(counters: readonly CoverageCounter[]): Coverage[] {
  const coverage = new Map<string, Coverage>();
  for (const counter of counters) {
    for (const [cluster, levels] of counter.byCluster()) {
      const entry = coverage.get(cluster) ?? { cluster, objects: 0, byLevel: {} };
      coverage.set(cluster, entry);
      entry.objects++;
      addLevels(entry.byLevel, levels);
    }
  }
  return [...coverage.values()].sort((a, b) => a.cluster.localeCompare(b.cluster));
}

function addLevels(into: Partial<Record<AuditLevel, number>>, from: Partial<Record<AuditLevel, number>>): void {
  for (const level of AUDIT_LEVELS) {
    const n = from[level];
    if (n) into[level] = (into[level] ?? 0) + n;
  }
}

/**
 * The event's audit level; one without a `level` field (shippers drop it) still proves its
 * metadata was logged, and a body proves Request. An unknown level is not counted.
 */
function levelOf(event: AuditEvent): AuditLevel | undefined {
  const level = event.level as string | undefined;
  if (level === undefined) return event.requestObject !== undefined || event.responseObject !== undefined ? 'Request' : 'Metadata';
  return LEVELS.has(level) ? (level as AuditLevel) : undefined;
}

/** `yyyy-mm-dd` (UTC) of an audit timestamp; the common `…Z` form is sliced, anything else parsed. */
function eventDay(time: string | undefined): string | undefined {
  if (time === undefined) return undefined;
  if (isIsoUtc(time)) return time.slice(0, 10);
  const t = Date.parse(time);
  return Number.isNaN(t) ? undefined : utcDay(t);
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** `yyyy-mm-ddT…Z` with no `+` offset: its day is its first ten characters. Asked once per parsed event, so no regular expression. */
function isIsoUtc(time: string): boolean {
  if (time.length < 12 || time.charCodeAt(time.length - 1) !== 0x5a /* Z */ || time.charCodeAt(10) !== 0x54 /* T */) return false;
  for (let i = 0; i < 10; i++) {
    const c = time.charCodeAt(i);
    if (i === 4 || i === 7 ? c !== 0x2d /* - */ : !isDigit(c)) return false;
  }
  return time.indexOf('+', 11) < 0;
}

export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** One tally that could not be written, and why. */
export interface CoverageFailure {
  tally: CoverageTally;
  error: Error;
}

/**
 * Adds an object's tallies to the coverage store, one object each. `arrivedAt` (epoch ms, S3's
 * event time) becomes the days' newest object time, which the watchdog's silence check reads:
 * only for an object that held audit events (anyone who can write under a cluster's prefix can
 * write junk there, and junk is no sign that the cluster logs), and only on the days of live
 * logs: an object whose events are older than the day before it arrived is a replay (a backfill
 * sends old objects with the time of the replay), not a sign of life.
 *
 * Best effort: a tally that cannot be written is returned, not thrown (the findings, which
 * matter, are already kept; retrying would re-read the object for a counter).
 */
export async function recordCoverage(
  store: CoverageStore,
  tallies: readonly CoverageTally[],
  arrivedAt: number,
  heldEvents: boolean,
): Promise<CoverageFailure[]> {
  const lastObjectAt = heldEvents ? new Date(arrivedAt).toISOString() : undefined;
  const oldestLiveDay = utcDay(arrivedAt - 86_400_000);
  const failures: CoverageFailure[] = [];
  for (const tally of tallies) {
    try {
      await store.record(tally.cluster, tally.day, tally.levels, 1, tally.day >= oldestLiveDay ? lastObjectAt : undefined);
    } catch (error) {
      failures.push({ tally, error: error as Error });
    }
  }
  return failures;
}
