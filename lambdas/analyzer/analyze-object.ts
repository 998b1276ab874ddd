import { createHash } from 'node:crypto';
import type { AlertInput } from '../core/alert/sns-message';
import { allRowsFit, buildAlert } from '../core/alert/sns-message';
import type { AuditEvent } from '../core/audit-event';
import type { AuditLevel } from '../core/compliance/types';
import { AUDIT_LEVELS } from '../core/compliance/types';
import type { DetectionEngine } from '../core/detect/engine';
import type { Finding, Severity } from '../core/finding';
import { severityRank } from '../core/finding';
import type { FindingsArchive, FindingsStore, Publisher } from '../core/ports';
import type { ReadStats } from '../core/read';
import { readAuditLog } from '../core/read';
import type { AggregatedRow, LocatedFinding, ScanSummary } from '../core/report/aggregate';
import { aggregate, countBySeverity } from '../core/report/aggregate';
import type { S3ObjectRef } from './s3-event';
import { clusterFromKey } from './s3-event';

/**
 * Which stored findings still owe an alert. A finding is stored "alert pending" (one atomic
 * write with the finding) and marked once the alert was accepted by the publisher.
 */
export interface AlertLedger {
  /** Those of the findings that are stored and not yet marked alerted. */
  pending(findings: readonly Finding[]): Promise<Finding[]>;
  markAlerted(findings: readonly Finding[]): Promise<void>;
}

/** One finding group (the aggregated-row key, per cluster) with the findings an alert attempt covers. */
export interface AlertGroup {
  cluster?: string;
  ruleId: string;
  actor: string;
  target: { resource: string; namespace?: string; name?: string };
  findings: Finding[];
}

/** Alert (with the hits the group's previous window counted without alerting), or counted into an open window. */
export type CooldownDecision = { alert: true; suppressedBefore: number } | { alert: false };

/**
 * The alert cooldown: the same finding group alerts once per window; later hits only raise its
 * count. A group may alert when it has no open window, its window ended, or the open window was
 * claimed by the same findings (a redelivery after a failed publish must still send).
 */
export interface AlertCooldown {
  readonly windowMinutes: number;
  /** One decision per group, in order. */
  claim(groups: readonly AlertGroup[]): Promise<CooldownDecision[]>;
}

export interface AnalyzeDeps {
  open(ref: S3ObjectRef): Promise<AsyncIterable<Uint8Array>>;
  /** A fresh engine per object: the engine remembers (rule, auditID) pairs it has reported. */
  engine: DetectionEngine;
  store: FindingsStore;
  publisher: Publisher;
  minAlertSeverity: Severity;
  /** Names the object in alerts; default `s3://bucket/key`. */
  source?: string;
  /**
   * Makes a failed publish recoverable (see `analyzeObject`). Without it only findings new to
   * the store are alerted on, and a publish that fails after the store loses that alert.
   */
  ledger?: AlertLedger;
  /** Without it every group alerts whenever it has pending findings. */
  cooldown?: AlertCooldown;
  /**
   * Keeps the full findings when the alert cannot hold every row; the message then names them.
   * Without it the message only says how many groups were left out.
   */
  archive?: FindingsArchive;
  /** The clock (epoch ms): the coverage day of an object with no countable event time. Default `Date.now`. */
  now?: () => number;
}

/**
 * What the analyzer saw of one cluster on one UTC day in one object: the parsed events (those of
 * interest to some rule) by audit level. The coverage store adds these up per cluster and day.
 */
export interface CoverageTally {
  /** `-` for events whose envelope and object key named no cluster (as the findings store files them). */
  cluster: string;
  /** `yyyy-mm-dd`, the UTC day of the events (their `stageTimestamp`, as findings are filed). */
  day: string;
  levels: Partial<Record<AuditLevel, number>>;
}

export interface AnalyzeResult {
  /** Findings the object produced (new or stored before). */
  findings: number;
  /** Findings stored for the first time. */
  newFindings: number;
  /** Findings the published alert covered (0 when nothing was published). */
  alerted: number;
  published: boolean;
  /** Findings not alerted because their group's cooldown window was open (counted there, marked alerted). */
  suppressed: number;
  suppressedGroups: number;
  /** Where the full findings went when the alert could not hold every row. */
  archivedTo?: string;
  /** Why the full findings could not be kept; the alert went out without them. */
  archiveError?: Error;
  /** False when the object could not be read to its end; what was read is analyzed and kept. */
  complete: boolean;
  stats: ReadStats;
  /** All the object's findings by severity. */
  bySeverity: Record<Severity, number>;
  /** The parsed events (those of interest to some rule) by their `level` (inferred when absent; an unknown level is not counted). */
  levels: Partial<Record<AuditLevel, number>>;
  /**
   * The same counts per cluster and UTC day of the events. Almost always one entry (an object
   * holds minutes of one cluster); more when it straddles midnight UTC or mixes clusters. An object
   * with no parsed event gives one entry with no levels (the object was still read), filed under
   * its key's cluster and the processing day.
   */
  coverage: CoverageTally[];
}

/**
 * Reads one object, analyzes every event, keeps the findings and sends one alert.
 *
 * Nothing is lost, in this order:
 * 1. every finding is stored (`putNew`, idempotent) before anyone is notified; items are written
 *    without an `alertedAt` mark, so a stored finding is "alert pending" from the same write;
 * 2. the alert covers the findings at or above `minAlertSeverity` that are stored and still
 *    pending (`ledger.pending`): on a first delivery these are the new ones; on a redelivery
 *    after a failed publish (or a crash before it) the new ones are none, but the pending ones
 *    are still there, so the alert is sent then rather than lost;
 * 3. publish, and only after the publisher accepted it mark those findings alerted. A publish
 *    error propagates: the SQS record fails and comes back (or reaches the DLQ).
 * A crash between publishing and marking re-sends that alert on the retry: delivery is at least
 * once (as SNS's own is), never zero. Reprocessing an object whose alert went out finds nothing
 * pending and sends nothing.
 *
 * With a cooldown, step 2 is followed by a claim per finding group: groups whose window another
 * alert holds are counted there and marked alerted at once (that alert covers them); the others
 * are published. The claim is named by the findings, so a redelivery re-claims its own window.
 * With an archive, an alert too large to carry every row first writes the full findings there
 * (a deterministic name: a redelivery overwrites) and names them in the message.
 */
export async function analyzeObject(ref: S3ObjectRef, deps: AnalyzeDeps): Promise<AnalyzeResult> {
  const source = deps.source ?? `s3://${ref.bucket}/${ref.key}`;
  const cluster = clusterFromKey(ref.key);
  const reading = readAuditLog(await deps.open(ref), { interest: deps.engine.interest, ...(cluster ? { cluster } : {}) });
  const findings: Finding[] = [];
  const tallies = new CoverageCounter();
  for await (const read of reading.events) {
    tallies.count(read.cluster ?? cluster, read.event);
    findings.push(...(await deps.engine.analyze(read)));
  }
  const stats = reading.stats;

  const fresh = findings.length > 0 ? await deps.store.putNew(findings) : [];
  const threshold = severityRank(deps.minAlertSeverity);
  const alertable = (list: readonly Finding[]): Finding[] => list.filter((f) => severityRank(f.severity) >= threshold);
  const candidates = alertable(findings);
  const toAlert = candidates.length === 0 ? [] : deps.ledger ? await deps.ledger.pending(candidates) : alertable(fresh);

  const { toPublish, suppressed, suppressedGroups, suppressedBefore } = deps.cooldown ? await holdBack(toAlert, deps.cooldown, deps.ledger) : noHoldBack(toAlert);

  let published = false;
  let archivedTo: string | undefined;
  let archiveError: Error | undefined;
  if (toPublish.length > 0) {
    const located: LocatedFinding[] = toPublish.map((finding) => ({ finding, source }));
    const summary: ScanSummary = {
      objects: 1,
      bytes: stats.bytesIn,
      events: stats.events,
      skipped: stats.filtered + Object.values(stats.skippedByStage).reduce((a, b) => a + b, 0),
      malformed: malformedCount(stats),
      incomplete: stats.complete ? 0 : 1,
      findings: toPublish.length,
      bySeverity: countBySeverity(located),
    };
    const alertCluster = cluster ?? singleCluster(toPublish);
    const rows = aggregate(located);
    const input: AlertInput = {
      rows,
      summary,
      source,
      ...(alertCluster ? { cluster: alertCluster } : {}),
      ...(deps.cooldown ? { cooldown: { minutes: deps.cooldown.windowMinutes, suppressedBefore: rows.map((r) => suppressedBefore.get(rowKey(r)) ?? 0) } } : {}),
    };
    if (deps.archive && !allRowsFit(input)) {
      try {
        archivedTo = await deps.archive.put(
          { cluster: alertCluster ?? UNKNOWN_CLUSTER_SEGMENT, day: firstDay(toPublish), id: findingsId(toPublish) },
          { source, ...(alertCluster ? { cluster: alertCluster } : {}), summary, table: rows, findings: toPublish },
        );
        input.fullFindings = archivedTo;
      } catch (error) {
        // The alert still goes out, with the most severe rows; the findings are stored either way.
        archiveError = error as Error;
      }
    }
    await deps.publisher.publish(buildAlert(input));
    published = true;
    await deps.ledger?.markAlerted(toPublish);
  }

  return {
    findings: findings.length,
    newFindings: fresh.length,
    alerted: published ? toPublish.length : 0,
    published,
    suppressed: suppressed.length,
    suppressedGroups,
    ...(archivedTo ? { archivedTo } : {}),
    ...(archiveError ? { archiveError } : {}),
    complete: stats.complete,
    stats,
    bySeverity: countBySeverity(findings.map((finding) => ({ finding, source }))),
    levels: tallies.levels,
    coverage: tallies.result(cluster ?? UNKNOWN_CLUSTER_SEGMENT, utcDay((deps.now ?? Date.now)())),
  };
}

const LEVELS: ReadonlySet<string> = new Set(AUDIT_LEVELS);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T[^+]*Z$/;

/** Counts events by level, in total and per (cluster, UTC day). */
class CoverageCounter {
  readonly levels: Partial<Record<AuditLevel, number>> = {};
  private readonly byKey = new Map<string, CoverageTally>();

  count(cluster: string | undefined, event: AuditEvent): void {
    const level = levelOf(event);
    if (level === undefined) return;
    this.levels[level] = (this.levels[level] ?? 0) + 1;
    const time = event.stageTimestamp ?? event.requestReceivedTimestamp ?? event.timestamp;
    const day = eventDay(time);
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
  result(objectCluster: string, fallbackDay: string): CoverageTally[] {
    const merged = new Map<string, CoverageTally>();
    for (const t of this.byKey.values()) {
      const day = t.day || fallbackDay;
      const key = `${t.cluster}\n${day}`;
      const into = merged.get(key);
      if (!into) {
        merged.set(key, { cluster: t.cluster, day, levels: { ...t.levels } });
        continue;
      }
      for (const level of AUDIT_LEVELS) {
        const n = t.levels[level];
        if (n) into.levels[level] = (into.levels[level] ?? 0) + n;
      }
    }
    return merged.size > 0 ? [...merged.values()] : [{ cluster: objectCluster, day: fallbackDay, levels: {} }];
  }
}

/**
 * The event's audit level; one without a `level` field (shippers drop it) still proves its
 * metadata was logged, and a body proves Request (as the CLI's coverage counts it). An unknown
 * level is not counted.
 */
function levelOf(event: AuditEvent): AuditLevel | undefined {
  const level = event.level as string | undefined;
  if (level === undefined) return event.requestObject !== undefined || event.responseObject !== undefined ? 'Request' : 'Metadata';
  return LEVELS.has(level) ? (level as AuditLevel) : undefined;
}

/** `yyyy-mm-dd` (UTC) of an audit timestamp; the common `…Z` form is sliced, anything else parsed. */
function eventDay(time: string | undefined): string | undefined {
  if (time === undefined) return undefined;
  if (ISO_UTC.test(time)) return time.slice(0, 10);
  const t = Date.parse(time);
  return Number.isNaN(t) ? undefined : utcDay(t);
}

function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Lines or documents that were not usable audit events. */
export function malformedCount(stats: ReadStats): number {
  return stats.problems['malformed-json'] + stats.problems['invalid-event'] + stats.problems['unknown-envelope'] + stats.problems.oversize;
}

function singleCluster(findings: readonly Finding[]): string | undefined {
  const clusters = new Set(findings.map((f) => f.cluster));
  const [only] = clusters;
  return clusters.size === 1 ? only : undefined;
}

interface HoldBack {
  toPublish: Finding[];
  suppressed: Finding[];
  suppressedGroups: number;
  /** Per `rowKey`: hits the previous windows of the row's alerting groups counted. */
  suppressedBefore: Map<string, number>;
}

const noHoldBack = (toAlert: Finding[]): HoldBack => ({ toPublish: toAlert, suppressed: [], suppressedGroups: 0, suppressedBefore: new Map() });

/** The cooldown's claims: what to publish, and what an open window of another alert covers. */
async function holdBack(toAlert: Finding[], cooldown: AlertCooldown, ledger: AlertLedger | undefined): Promise<HoldBack> {
  if (toAlert.length === 0) return noHoldBack(toAlert);
  const groups = alertGroups(toAlert);
  const decisions = await cooldown.claim(groups);
  const held = groups.filter((_, i) => !decisions[i].alert);
  const suppressed = held.flatMap((g) => g.findings);
  // Marked now, not after the publish: the window's alert covers them whatever becomes of this
  // attempt, and a redelivery must not count them again.
  if (suppressed.length > 0) await ledger?.markAlerted(suppressed);
  return {
    toPublish: groups.filter((_, i) => decisions[i].alert).flatMap((g) => g.findings),
    suppressed,
    suppressedGroups: held.length,
    suppressedBefore: suppressedBeforeByRow(groups, decisions),
  };
}

/** The archive's cluster segment when the findings name none or several. */
const UNKNOWN_CLUSTER_SEGMENT = '-';

/** The aggregated-row key of `aggregate()` (rule, actor, target resource, namespace, name). */
function groupKey(f: Finding): string {
  return JSON.stringify([f.ruleId, f.actor.username, f.target.resource, f.target.namespace ?? null, f.target.name ?? null]);
}

function rowKey(row: AggregatedRow): string {
  return JSON.stringify([row.ruleId, row.actor, row.target.resource, row.target.namespace ?? null, row.target.name ?? null]);
}

/** The cooldown's finding groups: the aggregated-row key, per cluster (a window belongs to one cluster). */
export function alertGroups(findings: readonly Finding[]): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const f of findings) {
    const key = JSON.stringify([f.cluster ?? null, groupKey(f)]);
    let group = groups.get(key);
    if (!group) {
      group = {
        ...(f.cluster !== undefined ? { cluster: f.cluster } : {}),
        ruleId: f.ruleId,
        actor: f.actor.username,
        target: { resource: f.target.resource, ...(f.target.namespace !== undefined ? { namespace: f.target.namespace } : {}), ...(f.target.name !== undefined ? { name: f.target.name } : {}) },
        findings: [],
      };
      groups.set(key, group);
    }
    group.findings.push(f);
  }
  return [...groups.values()];
}

/** Per aggregated row: hits its alerting groups' previous windows counted (rows merge clusters, groups do not). */
function suppressedBeforeByRow(groups: readonly AlertGroup[], decisions: readonly CooldownDecision[]): Map<string, number> {
  const byRow = new Map<string, number>();
  groups.forEach((group, i) => {
    const decision = decisions[i];
    if (!decision.alert || decision.suppressedBefore === 0) return;
    const key = groupKey(group.findings[0]);
    byRow.set(key, (byRow.get(key) ?? 0) + decision.suppressedBefore);
  });
  return byRow;
}

/** The UTC day of the earliest finding: the archive's folder, the same on every redelivery. */
function firstDay(findings: readonly Finding[]): string {
  let earliest = Infinity;
  for (const f of findings) {
    const t = Date.parse(f.time);
    if (t < earliest) earliest = t; // NaN compares false: unreadable times are skipped
  }
  return new Date(Number.isFinite(earliest) ? earliest : 0).toISOString().slice(0, 10);
}

/** Names an alert by its findings (cluster, time, rule, auditID), so a redelivery overwrites its archive. */
function findingsId(findings: readonly Finding[]): string {
  const ids = findings.map((f) => JSON.stringify([f.cluster ?? null, f.time, f.ruleId, f.auditID]));
  return createHash('sha256').update(JSON.stringify([...new Set(ids)].sort())).digest('hex').slice(0, 32);
}
