import type { Config, Exception } from '../config/types';
import type { Finding } from '../finding';
import { classifyActor } from './identity';
import { redactFinding } from './redact';

/** Why the policy kept a finding back. */
export type Withheld = 'disabled' | 'excepted';

/**
 * The configuration's policy over findings, one for every source (audit events through the
 * engine, objects removed from the log bucket, the watchdog's silences and EKS logging changes):
 * - disabled: a rule switched off by its id or its category raises nothing;
 * - exceptions: a finding of a rule an active exception names, for the identity and scope it
 *   names, is not raised; an exception past its `expires` no longer applies;
 * - severity: an override by rule id replaces the finding's severity;
 * - redaction: every string the finding carries (see `redactFinding`).
 * Exceptions are matched on the finding as made, before redaction, so a name that looks like a
 * token still matches its exception. Applying the policy to a finding it already passed changes
 * nothing.
 */
export class FindingPolicy {
  constructor(
    private readonly config: Pick<Config, 'disabled' | 'severity' | 'exceptions'>,
    /** The clock (epoch ms) exceptions expire by. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the rule (its id or its category) is switched on. */
  enabled(rule: { id: string; category: string }): boolean {
    return !this.config.disabled.includes(rule.id) && !this.config.disabled.includes(rule.category);
  }

  /** Exceptions past their expiry now: not applied, reported so someone renews or removes them. */
  expiredExceptions(): Exception[] {
    const now = this.now();
    return this.config.exceptions.filter((e) => isExpired(e, now));
  }

  /** Why the finding is withheld, or undefined when it is raised. */
  withheld(finding: Finding): Withheld | undefined {
    if (!this.enabled({ id: finding.ruleId, category: finding.category })) return 'disabled';
    const now = this.now();
    return this.config.exceptions.some((e) => !isExpired(e, now) && exceptionMatches(e, finding)) ? 'excepted' : undefined;
  }

  /** The finding as it may be stored and sent (severity override, redaction), or undefined when withheld. */
  apply(finding: Finding): Finding | undefined {
    return this.withheld(finding) === undefined ? this.shaped(finding) : undefined;
  }

  /** `apply` over a list, with counts of what was withheld and why. */
  applyAll(findings: readonly Finding[]): { kept: Finding[]; withheld: Record<Withheld, number> } {
    const kept: Finding[] = [];
    const withheld: Record<Withheld, number> = { disabled: 0, excepted: 0 };
    for (const finding of findings) {
      const why = this.withheld(finding);
      if (why) withheld[why]++;
      else kept.push(this.shaped(finding));
    }
    return { kept, withheld };
  }

  private shaped(finding: Finding): Finding {
    const severity = this.config.severity[finding.ruleId];
    return redactFinding(severity ? { ...finding, severity } : finding);
  }
}

function isExpired(e: Exception, now: number): boolean {
  return e.expires !== undefined && Date.parse(e.expires) <= now;
}

/**
 * Every field the exception gives must match (a list matches any of its entries): the actor
 * (user, group, service account as `namespace:name`) and the target's namespace and name.
 */
function exceptionMatches(e: Exception, finding: Finding): boolean {
  if (!e.rules.some((r) => r === '*' || r === finding.ruleId || r === finding.category)) return false;
  const groups = finding.actor.groups ?? [];
  const sa = classifyActor(finding.actor.username, groups).serviceAccount;
  const checks: Array<[string[] | undefined, (value: string) => boolean]> = [
    [e.users, (u) => u === finding.actor.username],
    [e.groups, (g) => groups.includes(g)],
    [e.serviceAccounts, (s) => sa !== undefined && s === `${sa.namespace}:${sa.name}`],
    [e.namespaces, (n) => n === finding.target.namespace],
    [e.names, (n) => n === finding.target.name],
  ];
  return checks.every(([list, test]) => list === undefined || list.some(test));
}
