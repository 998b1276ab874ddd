/**
 * First-seen baselines (docs/baselines.md): per cluster, on which UTC days each identity did each
 * kind of sensitive action (rule × actor × verb × resource × namespace scope). The engine asks for a
 * verdict on every finding by a person or an unknown identity, and the rubric re-rates it
 * (`rateHistory`): an action the identity has not done in the window rates higher once the
 * cluster's baseline has learnt a full window; one seen on enough earlier days is routine and
 * rates lower.
 *
 * The verdict depends only on the days strictly before the event's day: a redelivery, another
 * event of the same day, or two analyzers reading the same day concurrently all reach the same
 * verdict, and a backfill of older logs read after newer ones still teaches the baseline those days. State lives in the
 * StateStore (DynamoDB deployed, memory or a state file in the CLI), under keys made of a digest
 * of the action: names and usernames are the attacker's, and they neither bloat nor break keys.
 */
import { createHash } from 'node:crypto';
import type { Settings } from '../config/settings';
import type { StateStore } from '../ports';

/**
 * What the baseline knows about an action. `learning`: the cluster's baseline has not yet seen a
 * full window, so nothing is called new; `new`: not done by this identity in the window;
 * `seen`: done on fewer earlier days than routine; `routine`: done on `routineDays` or more.
 */
export type History = 'learning' | 'new' | 'seen' | 'routine';

export interface Action {
  cluster: string;
  ruleId: string;
  /** The identity: the username, and the user it impersonated if it did. */
  actor: string;
  verb: string;
  /** `group/resource[/subresource]`. */
  resource: string;
  /** The namespace scope: a system namespace's name, `(cluster)`, or `(namespaces)` for any other (see the engine). */
  namespace: string;
}

export interface Verdict {
  history: History;
  /** Earlier days of the window the action was seen on. */
  priorDays: number;
  /** One sentence for the finding's evidence. */
  note: string;
}

interface ActionRecord {
  /** UTC days (YYYY-MM-DD) the action was seen on, ascending, at most the window's. */
  days: string[];
}

interface ClusterRecord {
  /** The earliest UTC day the cluster's baseline holds. */
  since: string;
}

const DAY_MS = 86_400_000;
const MAX_REMEMBERED_VERDICTS = 10_000;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const dayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);

export class Baseline {
  /** The earliest day per cluster known to be stored: most observations need no cluster write. */
  private readonly sinceStored = new Map<string, string>();
  private readonly resetDay: string | undefined;
  /**
   * Verdicts given in this process, by action and day: the same action again on the same day gets
   * the same verdict without a read (deployed, a DynamoDB round trip per finding otherwise).
   */
  private readonly verdicts = new Map<string, Verdict>();

  constructor(
    private readonly store: StateStore,
    private readonly settings: Settings['baseline'],
  ) {
    const reset = settings.resetBefore !== undefined ? Date.parse(settings.resetBefore) : NaN;
    this.resetDay = Number.isNaN(reset) ? undefined : dayOf(reset);
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  get learningDays(): number {
    return this.settings.learningDays;
  }

  /** Records the action at `time` (ISO 8601) and says what the baseline knew of it before that day. */
  async observe(action: Action, time: string): Promise<Verdict | undefined> {
    const at = Date.parse(time);
    if (!this.settings.enabled || Number.isNaN(at)) return undefined;
    const { learningDays } = this.settings;
    const day = dayOf(at);
    if (this.resetDay !== undefined && day < this.resetDay) return undefined; // before the reset: neither judged nor learnt
    const windowStart = dayOf(dayMs(day) - learningDays * DAY_MS);
    const ttlSeconds = (learningDays + 2) * 86_400;

    const key = `${clusterKey(action.cluster)}/${digestOf(actionText(action))}`;
    const known = this.verdicts.get(`${key}@${day}`);
    if (known) return known; // the day is recorded already; every finding of the action that day gets one verdict
    const since = await this.clusterSince(action.cluster, day, ttlSeconds);
    let prior: string[] = [];
    await this.store.update<ActionRecord>(
      key,
      (current) => {
        const days = (current?.days ?? []).filter((d) => this.resetDay === undefined || d >= this.resetDay);
        prior = days.filter((d) => d >= windowStart && d < day);
        const latest = days.length > 0 && days[days.length - 1] > day ? days[days.length - 1] : day;
        const keepFrom = dayOf(dayMs(latest) - learningDays * DAY_MS);
        const next = [...new Set([...days, day])].filter((d) => d >= keepFrom).sort();
        return { days: next };
      },
      ttlSeconds,
    );

    const verdict = this.verdictOf(prior, since, day);
    if (this.verdicts.size >= MAX_REMEMBERED_VERDICTS) this.verdicts.clear();
    this.verdicts.set(`${key}@${day}`, verdict);
    return verdict;
  }

  private verdictOf(prior: readonly string[], since: string, day: string): Verdict {
    const { learningDays, routineDays } = this.settings;
    const effectiveSince = this.resetDay !== undefined && this.resetDay > since ? this.resetDay : since;
    const learnt = Math.round((dayMs(day) - dayMs(effectiveSince)) / DAY_MS);
    if (prior.length >= routineDays)
      return { history: 'routine', priorDays: prior.length, note: `routine: done on ${prior.length} of the ${learningDays} days before` };
    if (prior.length > 0) return { history: 'seen', priorDays: prior.length, note: `seen before: done on ${prior.length} of the ${learningDays} days before` };
    if (learnt >= learningDays) return { history: 'new', priorDays: 0, note: `new: not done by this identity in the ${learningDays} days before` };
    return {
      history: 'learning',
      priorDays: 0,
      note: `learning: the cluster's baseline holds ${Math.max(0, learnt)} of ${learningDays} days, too few to call anything new`,
    };
  }

  /** The cluster's earliest day, moved earlier when this day is earlier (a backfill of older logs). */
  private async clusterSince(cluster: string, day: string, ttlSeconds: number): Promise<string> {
    const known = this.sinceStored.get(cluster);
    if (known !== undefined && known <= day) return known;
    const record = await this.store.update<ClusterRecord>(
      clusterKey(cluster),
      (current) => ({ since: current === undefined || day < current.since ? day : current.since }),
      ttlSeconds,
    );
    this.sinceStored.set(cluster, record.since);
    return record.since;
  }
}

/** The cluster's own key, and the prefix of its actions': a name as long as an object key allows is digested. */
function clusterKey(cluster: string): string {
  return `baseline/${cluster.length <= 200 ? cluster : digestOf(cluster)}`;
}

function actionText(a: Action): string {
  return JSON.stringify([a.ruleId, a.actor, a.verb, a.resource, a.namespace]);
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}
