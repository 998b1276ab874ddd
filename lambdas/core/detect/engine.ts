import type { Config, Exception } from '../config/types';
import { DEFAULT_SETTINGS } from '../config/settings';
import type { Finding } from '../finding';
import type { ReadEvent } from '../read/parser';
import type { EventInterest } from '../read/interest';
import { CompiledInterest } from '../read/interest';
import type { EventView } from './event-view';
import { isFinalStage, viewOf } from './event-view';
import { hitFingerprint } from './fingerprint';
import { redactEvidence, redactText } from './redact';
import type { Rule, RuleContext, RuleHit } from './rule';
import type { StatefulDetector } from './stateful';
import type { StateStore } from './state-store';
import { MemoryStateStore } from './state-store';

export type Detection = Rule | StatefulDetector;

const isStateful = (d: Detection): d is StatefulDetector => 'observe' in d;

export const DEFAULT_CONFIG: Config = { disabled: [], severity: {}, settings: DEFAULT_SETTINGS, exceptions: [] };

const compiledInterests = new WeakMap<Detection, CompiledInterest>();
const ANY_SUBSTRING = (): boolean => true;

/**
 * Whether a rule looks at this event at all: only what happened, at its final stage, and only
 * what its own interest declares (the reader's pre-check is the union of every rule's, so it
 * lets through events meant for other rules). `contains` conditions narrow the pre-check only;
 * the rule reads the object itself.
 */
export function ruleApplies(rule: Detection, view: EventView): boolean {
  if (!isFinalStage(view) || !(view.succeeded || rule.includeFailures === true)) return false;
  let interest = compiledInterests.get(rule);
  if (!interest) compiledInterests.set(rule, (interest = new CompiledInterest({ selectors: rule.interest })));
  if (interest.matches(view.verb, view.resource, view.subresource, ANY_SUBSTRING)) return true;
  return (rule.markers ?? []).some((m) => view.actor.username.includes(m) || view.actor.groups.some((g) => g.includes(m)));
}

/**
 * Runs the enabled rules over events and turns their hits into Findings: severity overrides,
 * exceptions (with expiry), redaction, and one finding per hit of a rule on a request (see `hitFingerprint`) however many stages
 * of the request the log holds.
 */
export class DetectionEngine {
  readonly rules: readonly Detection[];
  /** What the enabled rules can care about, for the reader's pre-check. */
  readonly interest: EventInterest;
  private readonly context: RuleContext;
  private readonly activeExceptions: Exception[];
  /** Exceptions past their expiry: not applied, reported so someone renews or removes them. */
  readonly expiredExceptions: Exception[];
  private readonly seen = new Set<string>();

  constructor(
    rules: readonly Detection[],
    private readonly config: Config = DEFAULT_CONFIG,
    private readonly state: StateStore = new MemoryStateStore(),
    now: Date = new Date(),
  ) {
    this.rules = rules.filter((r) => !config.disabled.includes(r.id) && !config.disabled.includes(r.category));
    this.interest = {
      selectors: this.rules.flatMap((r) => r.interest),
      markers: [...new Set(this.rules.flatMap((r) => r.markers ?? []))],
    }; // (the same union as rules/interestOf, over the enabled rules only)
    this.context = { settings: config.settings };
    this.expiredExceptions = config.exceptions.filter((e) => e.expires !== undefined && Date.parse(e.expires) <= now.getTime());
    this.activeExceptions = config.exceptions.filter((e) => !this.expiredExceptions.includes(e));
  }

  /** The findings of one event; stateful detectors update their state on the way. */
  async analyze(read: ReadEvent): Promise<Finding[]> {
    const view = viewOf(read.event, read.cluster);
    const findings: Finding[] = [];
    for (const rule of this.rules) {
      if (!ruleApplies(rule, view)) continue;
      const result = isStateful(rule) ? await rule.observe(view, this.context.settings, this.state) : rule.evaluate(view, this.context);
      if (result === undefined) continue;
      for (const hit of Array.isArray(result) ? result : [result]) {
        const fingerprint = hitFingerprint(rule.id, view.event, hit);
        if (this.seen.has(fingerprint)) continue; // the same request's other stage
        this.seen.add(fingerprint);
        if (this.excepted(rule, view)) continue;
        findings.push(this.toFinding(rule, hit, view, fingerprint));
      }
    }
    return findings;
  }

  private excepted(rule: Detection, view: EventView): boolean {
    return this.activeExceptions.some((e) => exceptionMatches(e, rule, view));
  }

  private toFinding(rule: Detection, hit: RuleHit, view: EventView, fingerprint: string): Finding {
    const e = view.event;
    const evidence: Record<string, unknown> = { ...hit.evidence };
    if (view.missingEvidence) evidence.missingEvidence = view.missingEvidence;
    return {
      ruleId: rule.id,
      category: rule.category,
      severity: this.config.severity[rule.id] ?? hit.severity,
      title: rule.title,
      summary: redactText(hit.summary),
      auditID: e.auditID,
      fingerprint,
      time: e.stageTimestamp ?? e.requestReceivedTimestamp ?? e.timestamp ?? '',
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
      evidence: redactEvidence(evidence, { secret: view.resource === 'secrets' }),
    };
  }
}

function exceptionMatches(e: Exception, rule: Detection, view: EventView): boolean {
  if (!e.rules.some((r) => r === '*' || r === rule.id || r === rule.category)) return false;
  const sa = view.actor.serviceAccount;
  const checks: Array<[string[] | undefined, (value: string) => boolean]> = [
    [e.users, (u) => u === view.actor.username],
    [e.groups, (g) => view.actor.groups.includes(g)],
    [e.serviceAccounts, (s) => sa !== undefined && s === `${sa.namespace}:${sa.name}`],
    [e.namespaces, (n) => n === view.namespace],
    [e.names, (n) => n === view.name],
  ];
  return checks.every(([list, test]) => list === undefined || list.some(test));
}
