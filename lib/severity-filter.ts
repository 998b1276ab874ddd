import { SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { DEFAULT_ALERT_MINIMUM, SEVERITIES } from '../lambdas/core/finding';
import type { DeploySeverity } from './deploy-settings';

const ORDER: readonly DeploySeverity[] = SEVERITIES;

/** Severities at or above `min`, lowest first. */
export function severitiesFrom(min: DeploySeverity): DeploySeverity[] {
  return ORDER.slice(ORDER.indexOf(min));
}

/** The lowest of several minimum severities: the analyzer publishes at it, each subscription filters up. */
export function lowestSeverity(severities: readonly DeploySeverity[]): DeploySeverity {
  return ORDER[Math.min(...severities.map((s) => ORDER.indexOf(s)))] ?? DEFAULT_ALERT_MINIMUM;
}

/**
 * An SNS filter so each destination receives only alerts at or above its own minimum (on the
 * `severity` attribute: the highest severity in the alert), and every compliance report summary
 * and watchdog notice (attribute `kind` = `report` or `watchdog`, no severity), using the filter
 * policy's documented `$or`.
 */
export function severityFilterPolicy(min: DeploySeverity): Record<string, SubscriptionFilter> {
  return { $or: new SubscriptionFilter([{ severity: severitiesFrom(min) }, { kind: ['report', 'watchdog'] }]) };
}
