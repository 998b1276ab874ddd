/**
 * Incidents: what reaches a person. Findings are grouped per cluster and principal (the human
 * behind an assumed role or an impersonation, where the log names one) over a window since the
 * last finding, across objects and invocations. The contracts every part shares (the state kept,
 * the change an update alert tells, the message inputs) are written here once.
 */
import type { Category, Severity } from '../finding';

/** Who an incident is about: the identity a person acts as, and the person when the log names one. */
export interface Principal {
  /** The key an incident is grouped on: stable for one person or workload (`jordan.lee`, `sa:kube-system/node-health-agent`). */
  key: string;
  /** How a person reads it: `jordan.lee`, `carla.rossi@example.com (role AWSReservedSSO_PlatformAdmin)`, `service account kube-system/node-health-agent`. */
  display: string;
  /** The usernames the principal acted as in this incident (an IAM user ARN, an assumed-role session ARN, a service account), at most 10. */
  usernames: string[];
  /** Users impersonated, when any request impersonated one. */
  impersonated?: string[];
}

/** One finding group of an incident: the same rule on the same target. */
export interface IncidentGroup {
  /** `ruleId` + target, JSON: unique within the incident. */
  key: string;
  ruleId: string;
  title: string;
  category: Category;
  severity: Severity;
  target: { resource: string; subresource?: string; apiGroup?: string; namespace?: string; name?: string };
  verb: string;
  /** The most severe, then latest, finding's summary, whole. */
  summary: string;
  /** Event times (ISO 8601) of the first and last finding. */
  firstSeen: string;
  lastSeen: string;
  /** Findings counted in the group, repeats included. */
  count: number;
  /** Up to 10 auditIDs of the group's findings, oldest first. */
  auditIDs: string[];
  /** Up to 50 fingerprints: a redelivered finding is recognised and not counted twice. */
  fingerprints: string[];
  /** Where the group was seen: source addresses and user agents (up to 5 each), usernames (up to 5), groups of the identity (up to 10). */
  sourceIPs: string[];
  userAgents: string[];
  usernames: string[];
  identityGroups: string[];
  /** Objects the findings were read from (up to 5): an S3 URI or a path. */
  sources: string[];
  /** Whether an alert has told this group (its severity at that time); absent: not told yet. */
  alertedAt?: Severity;
}

/**
 * The life of an incident. `open`: findings keep joining it; `quiet`: no finding for a window
 * (the next finding of the principal opens a new incident); `closed`: a person closed it.
 */
export type IncidentState = 'open' | 'quiet' | 'closed';

export interface Incident {
  /** Stable for the incident's life: derived from cluster, principal and its first finding. */
  id: string;
  cluster: string;
  principal: Principal;
  state: IncidentState;
  /** The highest of the groups', raised when the chain grows (see `chain`). */
  severity: Severity;
  /** Event times of the first and last finding. */
  firstSeen: string;
  lastSeen: string;
  groups: IncidentGroup[];
  /** Groups left out of `groups` to keep the item bounded (least severe first), with their findings. */
  omitted: { groups: number; findings: number };
  /** What the persistence steps add up to, e.g. `binding + token + privileged DaemonSet: a persistence chain`; absent below two steps. */
  chain?: string;
  /** Increases with every change that was recorded. */
  version: number;
  /** The incident's severity when an alert last told it; absent before the first alert. */
  alertedSeverity?: Severity;
  /** The chain when an alert last told it. */
  alertedChain?: string;
  /**
   * The analyzer telling the incident right now, and until when (epoch ms): set in the same atomic
   * write that decided the alert, cleared when it was sent (or failed). While it runs no other
   * analyzer tells the incident; a crashed analyzer's lease lapses and the next one tells it.
   */
  telling?: { attempt: string; until: number };
  /** How the incident ended (state `quiet` or `closed`): when (clock time, ISO 8601), and for a close who closed it and why. */
  ended?: { at: string; how: 'quiet' | 'closed'; by?: string; reason?: string };
}

/** What one recording did to an incident: the input of the alert decision. */
export interface IncidentChange {
  incident: Incident;
  /** This recording opened the incident. */
  opened: boolean;
  /** Groups this recording added (not seen in the incident before). */
  newGroups: string[];
  /** Findings that only repeated a known group (counted, not told). */
  repeats: number;
  /** With a claim (`TellClaim`): the alert this recording holds the lease to send; send it, then mark it alerted. */
  toTell?: IncidentAlert;
  /** With a claim: another analyzer is telling the incident; look again once it is done. */
  held?: boolean;
}

/**
 * An analyzer's claim to tell what its recording decided. The decision and the lease are taken in
 * the recording's atomic write, so two analyzers recording one principal at once cannot both
 * open the incident: the second waits for the first's alert and tells only what is left.
 */
export interface TellClaim {
  /** This attempt's own id (random). */
  attempt: string;
  /** The clock (epoch ms) and the lease's length: longer than a publish takes, shorter than a retry comes. */
  now: number;
  leaseMs: number;
  minSeverity: Severity;
}

/** An alert about an incident: the input of every renderer (email, Slack, Amazon Q, machine JSON). */
export interface IncidentAlert {
  /**
   * `opened`: the first alert of the incident; `updated`: it grew; `quiet`: the final summary once
   * no finding came for a window (optional); `closed`: a person closed it; `test`: a labelled sample
   * sent on request.
   */
  kind: 'opened' | 'updated' | 'quiet' | 'closed' | 'test';
  incident: Incident;
  /** The groups this alert tells: for an opening every group at or above the minimum, for an update those not told before; most severe first. */
  told: IncidentGroup[];
  /** For an update: what is new, in a sentence (`2 new finding groups; severity raised to critical; the chain is now …`). */
  whatsNew?: string;
}

/** What the renderers need to know about the deployment to write links and queries. */
export interface AlertLinks {
  /** AWS region of the clusters' logs and the console links (`eu-west-1`); links are left out without it. */
  region?: string;
  /** Base URL of the rules documentation (`https://github.com/<org>/k8s-audit-analyzer/blob/main/docs/rules.md`); a rule's anchor is appended. */
  rulesDocUrl: string;
  /** The CloudWatch Logs group of a cluster's audit logs (EKS: `/aws/eks/<cluster>/cluster`). */
  logGroupOf?: (cluster: string) => string;
}
