import { createHash, randomBytes } from 'node:crypto';
import type { AlertInput } from '../alert/sns-message';
import { allRowsFit, buildAlert } from '../alert/sns-message';
import type { FindingPolicy, Withheld } from '../detect/finding-policy';
import { redactText } from '../detect/redact';
import type { Finding, Severity } from '../finding';
import { severityRank } from '../finding';
import type { AlertAttempt, AlertCooldown, AlertGroup, AlertLedger, CooldownDecision, FindingsArchive, FindingsStore, Publisher } from '../ports';
import type { AggregatedRow, LocatedFinding, ScanSummary } from '../report/aggregate';
import { aggregate, countBySeverity } from '../report/aggregate';
import { UNKNOWN_CLUSTER_SEGMENT } from './coverage';
import type { IncidentDeps } from './raise-incidents';
import { IncidentPublishError, raiseIncidents } from './raise-incidents';

/** Where findings are kept and told: the same for every source of findings. */
export interface RaiseDeps {
  /**
   * The configuration's policy (disabled rules, exceptions, severity overrides, redaction),
   * applied to every finding before it is stored, whatever made it.
   */
  policy: FindingPolicy;
  store: FindingsStore;
  publisher: Publisher;
  minAlertSeverity: Severity;
  /**
   * Makes a failed publish recoverable and a concurrent duplicate silent (see `raiseFindings`).
   * Without it only findings new to the store are alerted on, and a publish that fails after the
   * store loses that alert.
   */
  ledger?: AlertLedger;
  /** Without it every group alerts whenever it has pending findings. */
  cooldown?: AlertCooldown;
  /**
   * Keeps the full findings when the alert cannot hold every row; the message then names them.
   * Without it the message only says how many groups were left out.
   */
  archive?: FindingsArchive;
  /**
   * Incidents: the findings to alert on join their principals' incidents, and each incident that
   * changed is told (an opening alert, then updates) instead of one alert for the object. A repeat
   * of a group an incident told is counted there, so the cooldown is not used.
   */
  incidents?: IncidentDeps;
}

/** What was read to find the findings, for the alert's summary line (all zero for findings that read no audit log). */
export type ReadCounts = Omit<ScanSummary, 'findings' | 'bySeverity'>;

export const NOTHING_READ: ReadCounts = { objects: 0, bytes: 0, events: 0, skipped: 0, malformed: 0, incomplete: 0 };

export interface RaiseContext {
  /** Names where the findings came from in the alert (an object URI, `watchdog`, ...). */
  source: string;
  /** The alert's cluster; default the findings' cluster when they all name the same one. */
  cluster?: string;
  read?: ReadCounts;
  /**
   * The target a finding's cooldown group is keyed on; default its aggregated-row target
   * (resource, namespace, name). A coarser one (a bucket rather than each of its objects) lets
   * one alert per window stand for a burst of findings that each name another object.
   */
  groupTarget?: (finding: Finding) => AlertGroup['target'];
}

export interface RaiseResult {
  /** Findings the policy kept back, by why (a switched-off rule, an exception): neither stored nor alerted. */
  withheld: Record<Withheld, number>;
  /** Findings stored for the first time. */
  newFindings: number;
  /** Findings the published alert covered (0 when nothing was published). */
  alerted: number;
  published: boolean;
  /** Findings not alerted because their group's cooldown window was open (counted there, marked alerted). */
  suppressed: number;
  suppressedGroups: number;
  /** Findings still owing an alert that another attempt holds and sends (a concurrent delivery of the same work). */
  heldElsewhere: number;
  /** Where the full findings went when the alert could not hold every row. */
  archivedTo?: string;
  /** Why the full findings could not be kept; the alert went out without them. */
  archiveError?: Error;
  /** With incidents: the opening and update alerts sent, and the findings only counted as repeats. */
  incidents?: { opened: number; updated: number; repeats: number };
}

/**
 * Keeps findings and sends one alert for them; every source of findings (an analyzed object, a
 * removed one, the watchdog) goes through here, so every stored finding has passed the
 * configuration's finding policy (`deps.policy`; the engine's findings already did, and passing
 * it again changes nothing).
 *
 * Nothing is lost, and two deliveries of the same work send one alert, in this order:
 * 1. store: every finding is stored (`putNew`, idempotent) before anyone is notified; items are
 *    written without an `alertedAt` mark, so a stored finding is "alert pending" from the same write;
 * 2. claim: of the findings at or above `minAlertSeverity`, this attempt takes those stored, still
 *    pending and not held by another live attempt (`ledger.claim`, a conditional write each, with
 *    a lease). On a first delivery these are the new ones; on a redelivery after a failed publish
 *    (or a crash before it) the new ones are none, but the pending ones are still there, so the
 *    alert is sent then rather than lost. Two deliveries processed at once: one of them holds
 *    the findings and sends; the other sends nothing (`heldElsewhere`);
 * 3. cooldown (when there is one): groups whose window another alert holds are counted there and
 *    marked alerted at once (that alert covers them); the others go on;
 * 4. publish; a publish error releases this attempt's claims (a retry may send at once) and
 *    propagates: the caller fails and is retried (an SQS record comes back or reaches the DLQ; an
 *    asynchronous invocation is retried, then dead-lettered). A crash leaves the claims to lapse;
 * 5. mark alerted, only after the publisher accepted the alert.
 * A crash between publishing and marking re-sends that alert once the claims lapsed: delivery is
 * at least once (as SNS's own is), never zero. Raising the same findings again after their alert
 * went out finds nothing pending and sends nothing. Without a ledger only findings new to the
 * store are alerted on, and nothing guards a concurrent duplicate.
 *
 * The cooldown's claim is named by the findings, so a redelivery re-claims its own window. With
 * an archive, an alert too large to carry every row first writes the full findings there (a
 * deterministic name: a redelivery overwrites) and names them in the message. The source and
 * cluster shown in the alert come from object keys: they are redacted like event text.
 */
export async function raiseFindings(made: readonly Finding[], deps: RaiseDeps, context: RaiseContext): Promise<RaiseResult> {
  const { kept: findings, withheld } = deps.policy.applyAll(made);
  const fresh = findings.length > 0 ? await deps.store.putNew(findings) : [];
  const threshold = severityRank(deps.minAlertSeverity);
  const alertable = (list: readonly Finding[]): Finding[] => list.filter((f) => severityRank(f.severity) >= threshold);
  const candidates = alertable(findings);
  // 64 bits of each: the claim rides on every claimed item, and names only compete within one alert's findings.
  const attempt: AlertAttempt = { alert: findingsId(candidates).slice(0, 16), id: randomBytes(8).toString('base64url') };
  let toAlert: Finding[] = [];
  let heldElsewhere = 0;
  if (candidates.length > 0 && deps.ledger) ({ mine: toAlert, held: heldElsewhere } = await deps.ledger.claim(candidates, attempt));
  else if (candidates.length > 0) toAlert = alertable(fresh);

  if (deps.incidents) return raiseAsIncidents(toAlert, attempt, deps, deps.incidents, context, { withheld, newFindings: fresh.length, heldElsewhere });

  let published = false;
  let archivedTo: string | undefined;
  let archiveError: Error | undefined;
  let held: HoldBack;
  try {
    held = deps.cooldown ? await holdBack(toAlert, deps.cooldown, deps.ledger, context.groupTarget) : noHoldBack(toAlert);
    const { toPublish, suppressedBefore } = held;
    if (toPublish.length > 0) {
      const source = redactText(context.source);
      const located: LocatedFinding[] = toPublish.map((finding) => ({ finding, source }));
      const summary: ScanSummary = { ...(context.read ?? NOTHING_READ), findings: toPublish.length, bySeverity: countBySeverity(located) };
      const named = context.cluster ?? singleCluster(toPublish);
      const alertCluster = named === undefined ? undefined : redactText(named);
      const rows = aggregate(located);
      const input: AlertInput = {
        rows,
        summary,
        source,
        ...(alertCluster ? { cluster: alertCluster } : {}),
        ...(deps.cooldown
          ? { cooldown: { minutes: deps.cooldown.windowMinutes, suppressedBefore: rows.map((r) => suppressedBefore.get(rowKey(r)) ?? 0) } }
          : {}),
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
  } catch (error) {
    // Not sent: give the claims back so the retry need not wait for them to lapse (best effort:
    // if this fails too, they lapse). Sent but not marked: keep them, a retry would send it again.
    if (!published && deps.ledger && toAlert.length > 0) await deps.ledger.release(toAlert, attempt).catch(() => undefined);
    throw error;
  }

  return {
    withheld,
    newFindings: fresh.length,
    alerted: published ? held.toPublish.length : 0,
    published,
    suppressed: held.suppressed.length,
    suppressedGroups: held.suppressedGroups,
    heldElsewhere,
    ...(archivedTo ? { archivedTo } : {}),
    ...(archiveError ? { archiveError } : {}),
  };
}

/** The incident path of `raiseFindings`: one alert per incident that changed, the claims released for what was not told. */
async function raiseAsIncidents(
  toAlert: Finding[],
  attempt: AlertAttempt,
  deps: RaiseDeps,
  incidents: IncidentDeps,
  context: RaiseContext,
  counts: Pick<RaiseResult, 'withheld' | 'newFindings' | 'heldElsewhere'>,
): Promise<RaiseResult> {
  let raised;
  try {
    raised = await raiseIncidents(toAlert, redactText(context.source), {
      incidents,
      publisher: deps.publisher,
      minAlertSeverity: deps.minAlertSeverity,
      attempt: attempt.id,
    });
  } catch (error) {
    if (!(error instanceof IncidentPublishError)) throw error;
    // Told before the failure: marked. Not told: released, so a retry tells them at once.
    await deps.ledger?.markAlerted(error.raised.done);
    if (deps.ledger && error.pending.length > 0) await deps.ledger.release(error.pending, attempt).catch(() => undefined);
    throw error.cause instanceof Error ? error.cause : error;
  }
  await deps.ledger?.markAlerted(raised.done);
  const alerts = raised.opened + raised.updated;
  return {
    ...counts,
    alerted: alerts > 0 ? raised.done.length : 0,
    published: alerts > 0,
    suppressed: 0,
    suppressedGroups: 0,
    incidents: { opened: raised.opened, updated: raised.updated, repeats: raised.repeats },
  };
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
async function holdBack(
  toAlert: Finding[],
  cooldown: AlertCooldown,
  ledger: AlertLedger | undefined,
  groupTarget: RaiseContext['groupTarget'],
): Promise<HoldBack> {
  if (toAlert.length === 0) return noHoldBack(toAlert);
  const groups = alertGroups(toAlert, groupTarget);
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

/** The aggregated-row key of `aggregate()` (rule, actor, target resource, namespace, name). */
function groupKey(f: Finding): string {
  return JSON.stringify([f.ruleId, f.actor.username, f.target.resource, f.target.namespace ?? null, f.target.name ?? null]);
}

function rowKey(row: AggregatedRow): string {
  return JSON.stringify([row.ruleId, row.actor, row.target.resource, row.target.namespace ?? null, row.target.name ?? null]);
}

const rowTarget = (f: Finding): AlertGroup['target'] => ({
  resource: f.target.resource,
  ...(f.target.namespace !== undefined ? { namespace: f.target.namespace } : {}),
  ...(f.target.name !== undefined ? { name: f.target.name } : {}),
});

/**
 * The cooldown's finding groups: by default the aggregated-row key, per cluster (a window belongs
 * to one cluster); `groupTarget` replaces the target part of the key.
 */
export function alertGroups(findings: readonly Finding[], groupTarget: (finding: Finding) => AlertGroup['target'] = rowTarget): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const f of findings) {
    const target = groupTarget(f);
    const key = JSON.stringify([f.cluster ?? null, f.ruleId, f.actor.username, target.resource, target.namespace ?? null, target.name ?? null]);
    let group = groups.get(key);
    if (!group) {
      group = { ...(f.cluster !== undefined ? { cluster: f.cluster } : {}), ruleId: f.ruleId, actor: f.actor.username, target, findings: [] };
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

/**
 * Names an alert by its findings (cluster, time, rule, and the fingerprint, or the auditID of a
 * finding stored before fingerprints), so a redelivery overwrites its archive and claims as the
 * same alert, and a decoy with the real finding's auditID names another one.
 */
function findingsId(findings: readonly Finding[]): string {
  const ids = findings.map((f) => JSON.stringify([f.cluster ?? null, f.time, f.ruleId, f.fingerprint ?? f.auditID]));
  return createHash('sha256')
    .update(JSON.stringify([...new Set(ids)].sort()))
    .digest('hex')
    .slice(0, 32);
}
