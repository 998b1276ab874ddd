/**
 * The severity rubric (docs/severity.md), written once: who acted × what it created or changed ×
 * where × how sure the evidence is. Rules name the four and call `rate`; a rule with a finer
 * judgement of its own (pod security risks, webhook shapes) passes it as `judged`, and the rubric's
 * floors and caps still apply to it.
 */
import type { History } from './baseline';
import type { EventView } from './event-view';
import { SYSTEM_NAMESPACES, isPlatform } from './identity';
import type { Severity } from '../finding';
import { maxSeverity, severityRank, stepSeverity } from '../finding';

/**
 * Who acted. `person`: a user (kubectl, a console, CI with a user's credentials). `unknown`: an
 * identity that is neither a person nor a known platform controller (a workload's service account,
 * or a platform identity doing what the platform does not do). `platform`: the control plane,
 * the kube-system controllers and nodes doing their own work. `anonymous`: no credentials at all.
 */
export type Who = 'anonymous' | 'person' | 'unknown' | 'platform';

/**
 * What the action created or changed, most serious first. `takeover`: control of nodes, the
 * cluster or its defences (cluster-admin, a privileged pod on the host, an intercepting webhook,
 * audit switched off). `persistence`: new privilege or lasting access (a binding or role, a
 * privileged workload, a webhook, a DaemonSet or CronJob, a token, an approved CSR), and running
 * code inside a workload with its identity. `access`: reads data or reaches an interface without
 * leaving anything behind. `change`: a write that adds no privilege (deletions, edits of fields
 * that grant nothing). `observation`: context for an investigation, not an action to judge.
 */
export type What = 'takeover' | 'persistence' | 'access' | 'change' | 'observation';

/** Where: a system namespace, a cluster-scoped object, or an ordinary namespace. */
export type Where = 'system' | 'cluster' | 'namespace';

/** How sure: the request or response body was logged, or only metadata (verb, object, user). */
export type Evidence = 'body' | 'metadata';

export interface Rating {
  who: Who;
  what: What;
  where: Where;
  evidence: Evidence;
  /** A rule's own finer judgement of the object (e.g. the worst pod security risk); the table's when absent. */
  judged?: Severity;
}

/** A person or unknown identity in an ordinary namespace, body logged: the table's starting point. */
const BASE: Record<What, Severity> = { takeover: 'high', persistence: 'medium', access: 'low', change: 'low', observation: 'info' };

const step = stepSeverity;

/**
 * The rubric. Anonymous and allowed: critical, whatever it did. A platform identity doing its own
 * work: info. Otherwise the table's value (or the rule's judgement), one step up in a system
 * namespace or at cluster scope for writes, one step down when only metadata was
 * logged (a write's reach counts for changes too: a deletion at cluster scope touches every
 * namespace); and a person or unknown identity creating persistence or taking over is never below
 * `medium`.
 */
export function rate({ who, what, where, evidence, judged }: Rating): Severity {
  if (who === 'anonymous') return 'critical';
  if (who === 'platform') return 'info';
  let severity = judged ?? BASE[what];
  const lasting = what === 'takeover' || what === 'persistence';
  // A write's reach: system namespaces hold the platform, cluster-scoped objects affect every namespace.
  if (judged === undefined && what !== 'access' && what !== 'observation' && where !== 'namespace') severity = step(severity, 1);
  if (judged === undefined && evidence === 'metadata') severity = step(severity, -1);
  return lasting ? maxSeverity(severity, 'medium') : severity;
}

/** Who acted, as the rubric sees the event's actor (a platform identity off its role is `unknown`: see `rate`'s callers). */
export function whoOf(view: EventView): Who {
  if (view.actor.class === 'anonymous') return 'anonymous';
  if (view.actor.class === 'user') return 'person';
  if (isPlatform(view.actor) || view.actor.class === 'node') return 'platform';
  return 'unknown';
}

export function whereOf(view: EventView): Where {
  if (SYSTEM_NAMESPACES.has(view.namespace)) return 'system';
  return view.namespace === '' ? 'cluster' : 'namespace';
}

/**
 * Whether the event carries what decides: the object or patch a write set. A deletion is decided
 * by its metadata (which object went), so it is never short of evidence.
 */
export function evidenceOf(view: EventView): Evidence {
  if (view.verb === 'delete' || view.verb === 'deletecollection') return 'body';
  return view.object !== undefined || view.patch !== undefined ? 'body' : 'metadata';
}

/** `rate` with who, where and evidence read from the event. */
export function rateEvent(view: EventView, what: What, judged?: Severity): Severity {
  return rate({ who: whoOf(view), what, where: whereOf(view), evidence: evidenceOf(view), judged });
}

/**
 * The baseline's word on a finding (detect/baseline.ts), as the rubric's fifth question: has this
 * identity done this before? A write that creates persistence or takes over, which it has not done
 * in the window, is one step more severe (a first edit that grants nothing is not news); an
 * action done on enough earlier days is routine and stays `low`, except a takeover, which stays
 * at `medium` or above however often it happens (a routine cluster-admin binding still pages).
 * `learning` and `seen` leave the rating as it is.
 */
export function rateHistory(severity: Severity, what: What, history: History, write: boolean): Severity {
  if (history === 'new') return write && (what === 'persistence' || what === 'takeover') ? step(severity, 1) : severity;
  if (history !== 'routine') return severity;
  if (what === 'takeover') return severityRank(severity) >= severityRank('high') ? step(severity, -1) : severity;
  return severityRank(severity) > severityRank('low') ? 'low' : severity;
}
