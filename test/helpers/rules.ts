import type { AuditEvent } from '../../lambdas/core/audit-event';
import { DEFAULT_SETTINGS } from '../../lambdas/core/config/settings';
import type { Settings } from '../../lambdas/core/config/settings';
import { viewOf } from '../../lambdas/core/detect/event-view';
import { ruleApplies } from '../../lambdas/core/detect/engine';
import type { Rule, RuleHit } from '../../lambdas/core/detect/rule';
import { maxSeverity } from '../../lambdas/core/finding';
import type { Ev } from './shipping';

/** What a rule raises for an event, gated exactly as the engine gates it (final stage, success). */
export function hitsOf(rule: Rule, event: Ev, settings: Settings = DEFAULT_SETTINGS): RuleHit[] {
  const view = viewOf(event as unknown as AuditEvent);
  if (!ruleApplies(rule, view)) return [];
  const result = rule.evaluate(view, { settings });
  return result === undefined ? [] : Array.isArray(result) ? result : [result];
}

/** The highest severity among a rule's hits, or undefined when it raised nothing. */
export function severityOf(rule: Rule, event: Ev, settings?: Settings): string | undefined {
  const hits = hitsOf(rule, event, settings);
  return hits.length === 0 ? undefined : hits.map((h) => h.severity).reduce(maxSeverity);
}
