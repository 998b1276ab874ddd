/** The contracts other code and users rely on: a finding, its categories and its severities, in order. */

/** The severities, least severe first: the one place their order is written. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Most severe first, the order every report, page and message lists severities in. */
export const SEVERITIES_DESC: readonly Severity[] = [...SEVERITIES].reverse();

/** A count for every severity, all zero, keyed most severe first (the order JSON output shows). */
export function zeroSeverityCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES_DESC.map((s) => [s, 0])) as Record<Severity, number>;
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/**
 * The lowest severity email and Slack alert on unless the deployment says otherwise: the one place
 * the default is written (docs/severity.md explains the choice). At `medium` every attack the
 * rubric rates (a person or unknown identity adding privilege or persistence) pages someone.
 */
export const DEFAULT_ALERT_MINIMUM: Severity = 'medium';

/** `by` severities above `s` (below when negative), kept within info and critical. */
export function stepSeverity(s: Severity, by: number): Severity {
  return SEVERITIES[Math.max(0, Math.min(SEVERITIES.length - 1, severityRank(s) + by))];
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

export const CATEGORIES = [
  'rbac-change',
  'privileged-workload',
  'admission-webhook',
  'container-restart',
  'daemonset',
  'cronjob',
  'service-account',
  'secret',
  'untrusted-image',
  'controller',
  'exec',
  'credential',
  'anonymous-access',
  'storage',
  'audit-tampering',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Finding {
  /** Stable, e.g. "rbac.cluster-admin-binding". */
  ruleId: string;
  category: Category;
  severity: Severity;
  /** The rule's title. */
  title: string;
  /** One line a person understands: who did what to which object. */
  summary: string;
  /** The audit event that triggered it (the latest one for stateful detectors). */
  auditID: string;
  /**
   * Identifies this hit: the same for every re-delivery of the request that raised it (any
   * wrapper, any stage), different for any other request or another hit of the rule on the same
   * event. The auditID is chosen by the client, so it cannot be the key: stores, ledgers and
   * cooldowns key on this. Absent only on findings stored by versions before it existed.
   */
  fingerprint?: string;
  /** ISO 8601 from the event. */
  time: string;
  cluster?: string;
  actor: {
    username: string;
    groups?: string[];
    sourceIPs?: string[];
    userAgent?: string;
    /** The identity the actor impersonated, when it did: the request ran with its rights. */
    impersonatedUser?: string;
  };
  target: { resource: string; subresource?: string; apiGroup?: string; namespace?: string; name?: string };
  verb: string;
  /** MITRE ATT&CK technique ids (Enterprise and Containers matrices, ATT&CK v16). */
  attack?: string[];
  /** Compliance controls, e.g. "CIS-5.1.1". */
  controls?: string[];
  /** The few fields that prove it; secrets redacted. */
  evidence: Record<string, unknown>;
}
