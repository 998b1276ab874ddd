import type { Config, Exception } from '../config/types';
import { DEFAULT_SETTINGS } from '../config/settings';
import type { Settings } from '../config/settings';
import type { Finding } from '../finding';
import { severityRank } from '../finding';
import type { ReadEvent } from '../read/parser';
import type { EventInterest } from '../read/interest';
import { CompiledInterest } from '../read/interest';
import type { ReadStats } from '../read/stats';
import { recordProblem } from '../read/stats';
import type { EventView } from './event-view';
import { isFinalStage, isWrite, viewOf } from './event-view';
import { hitFingerprint, requestDigest } from './fingerprint';
import { FindingPolicy } from './finding-policy';
import { redactProblemDetail } from './redact';
import type { Rule, RuleContext, RuleHit } from './rule';
import type { StatefulDetector } from './stateful';
import type { StateStore } from '../ports';
import { MemoryStateStore } from './state-store';
import { Baseline } from './baseline';
import type { Verdict } from './baseline';
import { TrustBoundary } from './trust-boundary';
import type { What } from './rubric';
import { rateHistory, whoOf } from './rubric';
import { SYSTEM_NAMESPACES } from './identity';

export type Detection = Rule | StatefulDetector;

/** Subresources that run code in a pod: with the writes, the actions whose first time rates higher. */
const RUNS_CODE = new Set(['exec', 'attach', 'portforward']);

/**
 * The namespace scope a baseline keys on: each system namespace by name, cluster scope, and every
 * other namespace as one. An administrator who execs into application pods every day is not
 * doing something new in the next application namespace; the first time in kube-system is.
 */
function namespaceScope(namespace: string): string {
  if (namespace === '') return '(cluster)';
  return SYSTEM_NAMESPACES.has(namespace) ? namespace : '(namespaces)';
}

const isStateful = (d: Detection): d is StatefulDetector => 'observe' in d;

export const DEFAULT_CONFIG: Config = { disabled: [], severity: {}, settings: DEFAULT_SETTINGS, exceptions: [] };

const compiledInterests = new WeakMap<Detection, CompiledInterest>();

/**
 * Findings one rule raises on one event at most. A body is the attacker's: a ClusterRole of 50,000
 * wildcard entries is 4 MB, and one finding per entry would flood the store and the alerts (and
 * took 25 s to build). The most severe are kept; the last kept says how many more there were.
 */
export const MAX_HITS_PER_RULE = 20;

/** The `max` most severe hits, in their order; stable among equals. */
function mostSevere(hits: readonly RuleHit[], max: number): RuleHit[] {
  if (hits.length <= max) return [...hits];
  const keep = new Set(
    hits
      .map((hit, i) => ({ rank: severityRank(hit.severity), i }))
      .sort((a, b) => b.rank - a.rank || a.i - b.i)
      .slice(0, max)
      .map((x) => x.i),
  );
  return hits.filter((_, i) => keep.has(i));
}
const ANY_SUBSTRING = (): boolean => true;

/**
 * Whether a rule looks at this event at all: only what happened, at its final stage, and only
 * what its own interest declares (the reader's pre-check is the union of every rule's, so it
 * lets through events meant for other rules). `contains` conditions narrow the pre-check only;
 * the rule reads the object itself.
 */
export function ruleApplies(rule: Detection, view: EventView): boolean {
  return isFinalStage(view) && outcomeApplies(rule, view) && (interestMet(rule, view) || otherwiseApplies(rule, view));
}

/** Whether the rule looks at the event's outcome: what took effect, or failures too when it asks for them. */
function outcomeApplies(rule: Detection, view: EventView): boolean {
  return view.succeeded || rule.includeFailures === true;
}

/** The verb and resource half of `ruleApplies`: the same for every event of a kind. */
function interestMet(rule: Detection, view: EventView): boolean {
  let interest = compiledInterests.get(rule);
  if (!interest) compiledInterests.set(rule, (interest = new CompiledInterest({ selectors: rule.interest })));
  return interest.matches(view.verb, view.resource, view.subresource, ANY_SUBSTRING);
}

/** What else makes a rule look: an oversize event it judges from its head, or a marker in the actor's names. */
function otherwiseApplies(rule: Detection, view: EventView): boolean {
  if (rule.oversizeEvents === true && view.oversize !== undefined) return true;
  if (rule.markers === undefined) return false; // most rules: asked for every event they have no interest in
  return rule.markers.some((m) => view.actor.username.includes(m) || view.actor.groups.some((g) => g.includes(m)));
}

/**
 * What the given detections can care about, as the reader's pre-check takes it: the union of
 * their interests, with the node agents the settings trust (see `TrustBoundary.readerNodeAgents`).
 */
export function interestOfDetections(rules: readonly Detection[], settings: Settings): EventInterest {
  const nodeAgents = TrustBoundary.of(settings).readerNodeAgents();
  return {
    selectors: rules.flatMap((r) => r.interest),
    markers: [...new Set(rules.flatMap((r) => r.markers ?? []))],
    ...(nodeAgents ? { nodeAgents } : {}),
  };
}

/** Event kinds (verb, resource, subresource) whose rules are remembered: the client names them, so there may be any number. */
const MAX_KINDS = 4096;

/** The time an event carries, when it can be read as one. */
function eventTime(read: ReadEvent): string | undefined {
  const e = read.event;
  const time = e.stageTimestamp ?? e.requestReceivedTimestamp ?? e.timestamp;
  return time !== undefined && !Number.isNaN(Date.parse(time)) ? time : undefined;
}

/**
 * Runs the enabled rules over events and turns their hits into Findings through the finding
 * policy (finding-policy.ts: exceptions with expiry, severity overrides, redaction), one finding
 * per hit of a rule on a request (see `hitFingerprint`) however many stages of the request the log holds.
 *
 * Every field of an event is attacker-controlled and bodies are not type-checked, so a rule that
 * throws is contained: the event's other rules and the other events are still analysed, and the
 * error is counted as a `rule-error` problem in the object's stats.
 */
export class DetectionEngine {
  readonly rules: readonly Detection[];
  /** What the enabled rules can care about, for the reader's pre-check. */
  readonly interest: EventInterest;
  private readonly context: RuleContext;
  /** Disabled rules, exceptions, severity overrides and redaction: the same policy every source of findings goes through. */
  private readonly policy: FindingPolicy;
  /** Exceptions past their expiry: not applied, reported so someone renews or removes them. */
  readonly expiredExceptions: Exception[];
  private readonly seen = new Set<string>();
  /**
   * By event kind (verb, then resource, then subresource: nested, so that no choice of names can
   * make two kinds one), which rules' interest it meets (1 at the rule's index): a log has a few
   * hundred kinds, each asked about per event.
   */
  private readonly interestByKind = new Map<string, Map<string, Map<string, Uint8Array>>>();
  private kindsRemembered = 0;
  /** The latest readable event time of each object (by its stats), for events that carry none. */
  private readonly lastTimes = new WeakMap<ReadStats, string>();
  /** Rules that threw, over every event so far (also counted in the stats given to `analyze`). */
  ruleErrors = 0;
  /** Who did which sensitive action on which days (first-seen baselines), in the same state store. */
  private readonly baseline: Baseline;
  /** The configured networks and agents (trust-boundary.ts). */
  private readonly trust: TrustBoundary;

  constructor(
    rules: readonly Detection[],
    config: Config = DEFAULT_CONFIG,
    private readonly state: StateStore = new MemoryStateStore(),
    now: Date = new Date(),
  ) {
    this.policy = new FindingPolicy(config, () => now.getTime());
    this.rules = rules.filter((r) => this.policy.enabled(r));
    this.interest = interestOfDetections(this.rules, config.settings);
    this.context = { settings: config.settings };
    this.expiredExceptions = this.policy.expiredExceptions();
    this.baseline = new Baseline(state, config.settings.baseline);
    this.trust = TrustBoundary.of(config.settings);
  }

  /**
   * The findings of one event; stateful detectors update their state on the way. `stats`: the
   * stats of the object the event was read from. A rule that throws is counted there as a
   * `rule-error` problem; and an event with no readable time (one judged from the head of an
   * oversize document has none) takes the time of the latest earlier event of that object.
   */
  async analyze(read: ReadEvent, stats?: ReadStats): Promise<Finding[]> {
    const own = eventTime(read);
    if (own !== undefined && stats) this.lastTimes.set(stats, own);
    let view: EventView;
    let interested: Uint8Array;
    try {
      view = viewOf(read.event, read.cluster, read.oversize);
      if (!isFinalStage(view)) return [];
      interested = this.interestedRules(view);
    } catch (error) {
      this.problem(stats, read, '(event view)', error);
      return [];
    }
    const time = own !== undefined ? { time: own } : this.fallbackTime(read, stats);
    let request: string | undefined;
    const findings: Finding[] = [];
    for (let r = 0; r < this.rules.length; r++) {
      const rule = this.rules[r];
      try {
        if (!outcomeApplies(rule, view)) continue;
        if (interested[r] !== 1 && !otherwiseApplies(rule, view)) continue;
        const result = isStateful(rule) ? await rule.observe(view, this.context.settings, this.state) : rule.evaluate(view, this.context);
        if (result === undefined) continue;
        const hits = Array.isArray(result) ? result : [result];
        const kept = mostSevere(hits, MAX_HITS_PER_RULE);
        for (const [i, hit] of kept.entries()) {
          request ??= requestDigest(read.event, read.cluster);
          const fingerprint = hitFingerprint(rule.id, request, hit);
          if (this.seen.has(fingerprint)) continue; // the same request's other stage
          this.seen.add(fingerprint);
          const more = i === kept.length - 1 ? hits.length - kept.length : 0;
          const shown =
            more > 0
              ? {
                  ...hit,
                  summary: `${hit.summary} (and ${more} more hits of this rule on this event, not shown)`,
                  evidence: { ...hit.evidence, hitsNotShown: more },
                }
              : hit;
          const made = this.toFinding(rule, shown, view, fingerprint, time);
          if (this.policy.withheld(made) !== undefined) continue; // an excepted finding teaches the baseline nothing either
          const finding = this.policy.apply(await this.judge(made, shown.what ?? rule.what ?? 'takeover', view));
          if (finding) findings.push(finding);
        }
      } catch (error) {
        this.problem(stats, read, rule.id, error);
      }
    }
    return findings;
  }

  /** `ruleApplies`' verb and resource half for every rule, remembered by event kind. */
  private interestedRules(view: EventView): Uint8Array {
    let interested = this.interestByKind.get(view.verb)?.get(view.resource)?.get(view.subresource);
    if (interested) return interested;
    if (this.kindsRemembered >= MAX_KINDS) {
      this.interestByKind.clear();
      this.kindsRemembered = 0;
    }
    interested = Uint8Array.from(this.rules, (rule) => (interestMet(rule, view) ? 1 : 0));
    let byResource = this.interestByKind.get(view.verb);
    if (!byResource) this.interestByKind.set(view.verb, (byResource = new Map<string, Map<string, Uint8Array>>()));
    let bySubresource = byResource.get(view.resource);
    if (!bySubresource) byResource.set(view.resource, (bySubresource = new Map<string, Uint8Array>()));
    bySubresource.set(view.subresource, interested);
    this.kindsRemembered++;
    return interested;
  }

  private problem(stats: ReadStats | undefined, read: ReadEvent, ruleId: string, error: unknown): void {
    this.ruleErrors++;
    if (!stats) return;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // The rule id first: details are cut at 200 characters, and the auditID is the client's.
    recordProblem(
      stats,
      'rule-error',
      read.offset,
      read.line,
      redactProblemDetail(`rule ${ruleId} threw: ${message.slice(0, 120)} (auditID ${read.event.auditID})`),
    );
  }

  /**
   * The rubric's questions the rule cannot answer from one event: has this identity done this
   * before (the baseline), and did it come from where it should (the trust boundaries)? Only
   * people and unknown identities are judged: the platform's own
   * work is rated `info` by the rubric and has no history to learn. Info findings are context and
   * not learnt either. The fingerprint was taken before, so a verdict never changes a finding's identity.
   */
  private async judge(finding: Finding, what: What, view: EventView): Promise<Finding> {
    const who = whoOf(view);
    if (who !== 'person' && who !== 'unknown') return finding;
    const judged = await this.judgeHistory(finding, what, view);
    // Where it came from: a privileged action from outside the trusted networks (trust-boundary.ts).
    const network = this.trust.raiseForNetwork({ severity: judged.severity, who, sourceIPs: view.event.sourceIPs });
    if (!network) return judged;
    return {
      ...judged,
      severity: network.severity,
      evidence: { ...judged.evidence, network: { note: network.note, ...(network.severity !== judged.severity ? { severityBefore: judged.severity } : {}) } },
    };
  }

  /** The baseline's verdict on the finding, and the rubric's rating with it. */
  private async judgeHistory(finding: Finding, what: What, view: EventView): Promise<Finding> {
    if (!this.baseline.enabled || finding.severity === 'info' || finding.time === '') return finding;
    const actor = view.impersonatedUser ? `${view.actor.username} as ${view.impersonatedUser}` : view.actor.username;
    let verdict: Verdict | undefined;
    try {
      verdict = await this.baseline.observe(
        {
          cluster: view.cluster ?? '',
          ruleId: finding.ruleId,
          actor,
          verb: view.verb,
          resource: `${view.apiGroup}/${view.resource}${view.subresource ? `/${view.subresource}` : ''}`,
          namespace: namespaceScope(view.namespace),
        },
        finding.time,
      );
    } catch (error) {
      // The store failed (throttled, unreachable): the finding is raised as the rule rated it, never
      // lost to its context; what the baseline missed is one sighting.
      const note = `the baseline could not be read (${(error as Error).name}); rated without it`;
      return { ...finding, evidence: { ...finding.evidence, baseline: { history: 'unavailable', note } } };
    }
    // Learning and seen change nothing, and say nothing: only what moved the rating is evidence.
    if (!verdict || verdict.history === 'learning' || verdict.history === 'seen') return finding;
    const write = isWrite(view.verb) || RUNS_CODE.has(view.subresource);
    const severity = rateHistory(finding.severity, what, verdict.history, write);
    const baseline = {
      history: verdict.history,
      priorDays: verdict.priorDays,
      note: verdict.note,
      ...(severity !== finding.severity ? { severityBefore: finding.severity } : {}),
    };
    const days = this.baseline.learningDays;
    return {
      ...finding,
      severity,
      summary:
        verdict.history === 'new' && severity !== finding.severity ? `${finding.summary} (first time by this identity in ${days} days)` : finding.summary,
      evidence: { ...finding.evidence, baseline },
    };
  }

  /** For an event with no readable time: its object's latest earlier time, said in the evidence; else empty. */
  private fallbackTime(read: ReadEvent, stats: ReadStats | undefined): { time: string; note: string } {
    const logged = read.event.stageTimestamp ?? read.event.requestReceivedTimestamp ?? read.event.timestamp;
    const what =
      logged === undefined
        ? read.oversize !== undefined
          ? 'its timestamps were past the size limit'
          : 'it carries no timestamp'
        : `its timestamp ${JSON.stringify(logged.slice(0, 40))} cannot be read`;
    const previous = stats ? this.lastTimes.get(stats) : undefined;
    if (previous !== undefined) return { time: previous, note: `the time of the event before it in the same object: ${what}` };
    return { time: '', note: `unknown: ${what} and no earlier event of the object has a time` };
  }

  /** The finding as the rule made it: the policy overrides its severity and redacts it. */
  private toFinding(rule: Detection, hit: RuleHit, view: EventView, fingerprint: string, time: { time: string; note?: string }): Finding {
    const e = view.event;
    const evidence: Record<string, unknown> = { ...hit.evidence };
    if (view.missingEvidence) evidence.missingEvidence = view.missingEvidence;
    if (time.note !== undefined) evidence.timeSource = time.note;
    return {
      ruleId: rule.id,
      category: rule.category,
      severity: hit.severity,
      title: rule.title,
      summary: hit.summary,
      auditID: e.auditID,
      fingerprint,
      time: time.time,
      ...(view.cluster ? { cluster: view.cluster } : {}),
      actor: {
        username: view.actor.username,
        groups: view.actor.groups,
        sourceIPs: e.sourceIPs,
        userAgent: e.userAgent,
        ...(view.impersonatedUser ? { impersonatedUser: view.impersonatedUser } : {}),
      },
      target: {
        resource: view.resource,
        ...(view.subresource ? { subresource: view.subresource } : {}),
        ...(view.apiGroup ? { apiGroup: view.apiGroup } : {}),
        ...(view.namespace ? { namespace: view.namespace } : {}),
        ...(view.name ? { name: view.name } : {}),
      },
      verb: view.verb,
      attack: rule.attack,
      controls: rule.controls,
      evidence,
    };
  }
}
