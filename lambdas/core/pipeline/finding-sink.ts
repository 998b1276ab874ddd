import type { Severity } from '../finding';
import { severityRank, zeroSeverityCounts } from '../finding';
import { IncidentGrouper } from '../incident/incident-grouper';
import { groupIntoIncidents } from '../incident/incidents';
import type { Incident } from '../incident/types';
import type { AggregatedRow, LocatedFinding } from '../report/aggregate';
import { aggregate } from '../report/aggregate';
import { RowAggregator } from '../report/row-aggregator';

/** What a scan does with its findings (the rest of `ScanOptions`). */
export interface FindingOptions {
  /**
   * Called with each shown finding as it is raised, in the order they arrive (objects are read a
   * few at a time: close to time order, not in it), before the next event is read.
   */
  onFinding?: (located: LocatedFinding) => void;
  /**
   * Keep every shown finding in `findings`, sorted by time (default true). False: `findings` is
   * empty and the table and incidents are built as findings come, within ROW_LIMITS and
   * GROUPER_LIMITS, so memory stays bounded whatever the number of findings.
   */
  keepFindings?: boolean;
  /**
   * Findings below this are raised (the stateful detectors see every event) but not shown: left
   * out of `findings`, `onFinding`, the table, the incidents and the summary's counts. `raised`
   * still counts them. Default: every finding is shown.
   */
  minSeverity?: Severity;
  /** Group the shown findings at or above `minimum` into incidents (`incidents`), over a window of `windowMinutes`. */
  incidents?: { windowMinutes: number; minimum: Severity };
}

/** What the bounds of a streamed scan left out. */
export interface Dropped {
  /** Table rows dropped past ROW_LIMITS.rows, with the findings they counted. */
  rows: { rows: number; findings: number };
  /** Incidents dropped past GROUPER_LIMITS.incidents, with their findings. */
  incidents: { incidents: number; findings: number };
  /** Findings that came later than the reorder buffer reaches: they joined their principal's open incident. */
  lateFindings: number;
}

export interface SinkResult {
  findings: LocatedFinding[];
  table: AggregatedRow[];
  incidents: Incident[];
  dropped: Dropped;
}

/**
 * Where a scan's findings go as they are raised: counted, filtered to those shown, handed to the
 * caller, and either kept (then grouped once, in time order, as before) or folded into the
 * bounded table and incidents at once and let go.
 */
export function findingSink(options: FindingOptions): {
  add: (located: LocatedFinding) => void;
  raised: Record<Severity, number>;
  counted: Record<Severity, number>;
  finish: () => SinkResult;
} {
  const keep = options.keepFindings ?? true;
  const least = severityRank(options.minSeverity ?? 'info');
  const incidentLeast = options.incidents ? Math.max(least, severityRank(options.incidents.minimum)) : Infinity;
  const kept: LocatedFinding[] = [];
  const rows = keep ? undefined : new RowAggregator();
  const grouper = !keep && options.incidents ? new IncidentGrouper(options.incidents.windowMinutes) : undefined;
  const raised = zeroSeverityCounts();
  const counted = zeroSeverityCounts();
  return {
    raised,
    counted,
    add(located) {
      const rank = severityRank(located.finding.severity);
      raised[located.finding.severity]++;
      if (rank < least) return;
      counted[located.finding.severity]++;
      options.onFinding?.(located);
      if (keep) kept.push(located);
      rows?.add(located);
      if (rank >= incidentLeast) grouper?.add(located);
    },
    finish() {
      if (!rows) {
        kept.sort((a, b) => a.finding.time.localeCompare(b.finding.time));
        const grouped = options.incidents
          ? groupIntoIncidents(
              kept.filter((l) => severityRank(l.finding.severity) >= incidentLeast),
              options.incidents.windowMinutes,
            )
          : [];
        return {
          findings: kept,
          table: aggregate(kept),
          incidents: grouped,
          dropped: { rows: { rows: 0, findings: 0 }, incidents: { incidents: 0, findings: 0 }, lateFindings: 0 },
        };
      }
      return {
        findings: [],
        table: rows.rows(),
        incidents: grouper?.incidents() ?? [],
        dropped: { rows: { ...rows.omitted }, incidents: { ...(grouper?.omitted ?? { incidents: 0, findings: 0 }) }, lateFindings: grouper?.late ?? 0 },
      };
    },
  };
}
