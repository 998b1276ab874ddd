import type { DetectionEngine } from '../detect/engine';
import type { Finding } from '../finding';
import type { ReadAuditLog, ReadOptions, ReadStats } from '../read';
import { readAuditLog } from '../read';
import { clusterFromKey, isForwardedCluster } from '../read/object-key';
import type { SourceObject } from '../ports';
import { CoverageCounter } from './coverage';

export interface ReadObjectOptions {
  engine: DetectionEngine;
  /** Reader limits (document size, nesting) and the deadline (`shouldStop`); the interest and cluster are set here. */
  readOptions?: Omit<ReadOptions, 'interest' | 'cluster'>;
  /** Whether an event of this time (epoch ms; NaN when it has none) is analyzed. Default: every event. */
  analyzes?: (time: number) => boolean;
  /** Whether an analyzed event of this time is counted in the coverage. Default: every analyzed event. */
  counts?: (time: number) => boolean;
  /** Called after each event with the object's stats so far (progress). */
  onEvent?: (stats: ReadStats) => void;
  /** Called with each finding as it is raised; when given, `findings` stays empty (a scan that streams them holds none). */
  onFinding?: (finding: Finding) => void;
  /** How the object is read: `readAuditLog` (default, this thread) or a reader pool's worker threads; same events and stats. */
  reader?: ReadAuditLog;
}

export interface ObjectReading {
  /** The cluster the object's key or path names, for events whose envelope names none. */
  cluster?: string;
  findings: Finding[];
  stats: ReadStats;
  coverage: CoverageCounter;
}

/**
 * Reads one object through the engine: the one loop of the analyzer and the CLI, so both name
 * clusters, count coverage and find the same findings. An object that cannot be opened throws
 * (the caller decides whether that is retried or reported).
 */
export async function readObject(object: SourceObject, options: ReadObjectOptions): Promise<ObjectReading> {
  const cluster = clusterFromKey(object.key ?? object.name);
  // A forwarded object's key is the writer's identity (the bucket policy lets each account write
  // only under its own `clusters/<account>/`); a log group or resource id inside it is whatever the
  // writer put there, so it may not rename the cluster (nor claim another account's).
  const keyDecides = cluster !== undefined && isForwardedCluster(cluster);
  const reading = (options.reader ?? readAuditLog)(await object.open(), {
    ...options.readOptions,
    interest: options.engine.interest,
    ...(cluster ? { cluster } : {}),
  });
  const findings: Finding[] = [];
  const coverage = new CoverageCounter();
  for await (const event of reading.events) {
    const read = keyDecides ? { ...event, cluster } : event;
    const e = read.event;
    const time = options.analyzes || options.counts ? Date.parse(e.stageTimestamp ?? e.requestReceivedTimestamp ?? e.timestamp ?? '') : NaN;
    if (options.analyzes && !options.analyzes(time)) continue;
    if (!options.counts || options.counts(time)) coverage.count(read.cluster ?? cluster, e);
    const raised = await options.engine.analyze(read, reading.stats);
    if (options.onFinding) for (const finding of raised) options.onFinding(finding);
    else findings.push(...raised);
    options.onEvent?.(reading.stats);
  }
  return { ...(cluster ? { cluster } : {}), findings, stats: reading.stats, coverage };
}

/** Lines or documents that were not usable audit events. */
export function malformedCount(stats: ReadStats): number {
  return stats.problems['malformed-json'] + stats.problems['invalid-event'] + stats.problems['unknown-envelope'] + stats.problems.oversize;
}

/** Events the reader left out: the pre-check's and the stages'. */
export function skippedCount(stats: ReadStats): number {
  return stats.filtered + Object.values(stats.skippedByStage).reduce((a, b) => a + b, 0);
}
