import { resumedMessage } from '../alert/resumed-message';
import type { Withheld } from '../detect/finding-policy';
import { redactText } from '../detect/redact';
import type { CoverageStore, Publisher, WatchdogState } from '../ports';
import { logSilenceFinding } from '../rules/audit-tampering';
import type { RaiseDeps } from './raise-findings';
import { NOTHING_READ, raiseFindings } from './raise-findings';

export interface SilenceCheckDeps {
  /** When each cluster's newest object arrived (the analyzer's coverage items). */
  clock: Pick<CoverageStore, 'clusters' | 'lastObjectAt'>;
  memory: WatchdogState;
  /** Where the silence finding is stored and alerted (the analyzer's path). */
  raise: RaiseDeps;
  /** Where the short "resumed" notice goes (the alerts topic). */
  notices: Publisher;
  silenceMinutes: number;
  /** Clusters expected even if the analyzer never saw them. */
  watchedClusters: readonly string[];
  now: () => number;
}

export type ClusterOutcome =
  | { cluster: string; state: 'fresh'; lastObjectAt?: string; silentMinutes: number }
  | { cluster: string; state: 'silent'; since: string; silentMinutes: number; raised: boolean; published: boolean; withheld?: Withheld }
  | { cluster: string; state: 'failed'; error: Error };

export interface CheckResult {
  checkedAt: string;
  clusters: ClusterOutcome[];
  /** Silences that ended in this check, with whether a "resumed" notice was sent. */
  resumed: Array<{ cluster: string; since: string; resumedAt: string; notified: boolean }>;
}

/**
 * One check of every cluster the analyzer has seen and every cluster it was told to expect.
 *
 * A cluster is silent when its newest object that held audit events (`lastObjectAt` of its
 * coverage items; the analyzer leaves it alone for an object without any) is older than
 * the threshold; a cluster with no object at all is silent from the first check that expected
 * it (remembered in its state item). A silence raises one `audit-tampering.log-silence` finding,
 * named by the cluster and the silence's start so every later check makes the same one: it is
 * stored and alerted through `raiseFindings` (policy, store, pending, publish, mark), then the
 * state item records it, and the checks after that read the item and do nothing. When a newer
 * object shows up, the state item is deleted and, if the silence was alerted, one short notice
 * says the logs resumed (published before the delete: a failure sends it again, never drops it).
 *
 * A cluster's failure (DynamoDB, SNS) does not stop the others; the caller rethrows so the
 * invocation is retried, and the retry repeats only what did not happen.
 */
export async function checkSilences(deps: SilenceCheckDeps): Promise<CheckResult> {
  const nowMs = deps.now();
  const checkedAt = new Date(nowMs).toISOString();
  const today = checkedAt.slice(0, 10);
  const thresholdMs = deps.silenceMinutes * 60_000;
  const clusters = [...new Set([...(await deps.clock.clusters()), ...deps.watchedClusters])].sort();
  const result: CheckResult = { checkedAt, clusters: [], resumed: [] };

  for (const cluster of clusters) {
    try {
      result.clusters.push(await checkCluster(cluster));
    } catch (error) {
      result.clusters.push({ cluster, state: 'failed', error: error as Error });
    }
  }
  return result;

  async function checkCluster(cluster: string): Promise<ClusterOutcome> {
    const last = await deps.clock.lastObjectAt(cluster, today);
    let state = await deps.memory.get(cluster);

    if (state && last !== undefined && Date.parse(last) > Date.parse(state.since)) {
      // Objects resumed after the silence began: say so once if it was alerted, then forget it.
      const notified = state.alertedAt !== undefined;
      // The cluster's name comes from object keys: shown redacted, like every string from a key.
      if (notified)
        await deps.notices.publish(
          resumedMessage({ cluster: redactText(cluster), since: state.since, resumedAt: last, ...(state.auditID ? { auditID: state.auditID } : {}) }),
        );
      await deps.memory.clear(cluster, state.since);
      result.resumed.push({ cluster, since: state.since, resumedAt: last, notified });
      state = undefined;
    }

    let since: string;
    let neverSeen: boolean;
    if (state) {
      ({ since, neverSeen } = state);
    } else if (last !== undefined) {
      since = last;
      neverSeen = false;
    } else {
      // Never seen (or seen only before object times were kept): silent since this first look.
      state = await deps.memory.start({ cluster, since: checkedAt, neverSeen: true });
      ({ since, neverSeen } = state);
    }

    const silentMs = nowMs - Date.parse(since);
    const silentMinutes = Math.max(0, Math.floor(silentMs / 60_000));
    if (!(silentMs > thresholdMs)) return { cluster, state: 'fresh', ...(last !== undefined ? { lastObjectAt: last } : {}), silentMinutes };
    if (state?.alertedAt !== undefined) return { cluster, state: 'silent', since, silentMinutes, raised: false, published: false };

    const finding = logSilenceFinding({ cluster, since, neverSeen, checkedAt, thresholdMinutes: deps.silenceMinutes });
    const raised = await raiseFindings([finding], deps.raise, { source: 'watchdog', cluster, read: NOTHING_READ });
    // Switched off or excepted by the configuration: nothing raised, so nothing marked (a "resumed"
    // notice follows only an alerted silence); the next check asks the policy again.
    const withheld = withheldOf(raised.withheld);
    if (withheld) return { cluster, state: 'silent', since, silentMinutes, raised: false, published: false, withheld };
    // Another check holds its alert (two overlapping invocations): that one sends it and marks the
    // silence; if it fails, the next check raises it again, as the finding is still pending.
    if (raised.heldElsewhere === 0) await deps.memory.markAlerted({ cluster, since, neverSeen }, finding.auditID, checkedAt);
    return { cluster, state: 'silent', since, silentMinutes, raised: raised.newFindings > 0, published: raised.published };
  }
}

/** Why the one finding raised was withheld, if it was. */
export function withheldOf(counts: Record<Withheld, number>): Withheld | undefined {
  return counts.disabled > 0 ? 'disabled' : counts.excepted > 0 ? 'excepted' : undefined;
}
