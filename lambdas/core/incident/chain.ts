/**
 * What an incident's findings add up to: the persistence steps an attacker took, named the way a
 * person says them (`binding + token + privileged DaemonSet: a persistence chain`). A step is a
 * kind of foothold, not a finding: two bindings are one step, and several rules firing on one
 * object (a privileged DaemonSet in kube-system: a privileged workload, a DaemonSet, a system
 * namespace workload) are one step, named by the most telling of them.
 */
import type { Severity } from '../finding';
import { severityRank } from '../finding';
import type { IncidentGroup } from './types';

const CHAIN_SUFFIX = ': a persistence chain';
const SEPARATOR = ' + ';

/** Groups below this do not count: an informational finding is not a step an attacker took. */
const LEAST_COUNTED: Severity = 'low';

/** Workload resources by the kind a person calls them. */
const KINDS: Record<string, string> = {
  daemonsets: 'DaemonSet',
  deployments: 'Deployment',
  statefulsets: 'StatefulSet',
  replicasets: 'ReplicaSet',
  replicationcontrollers: 'ReplicationController',
  cronjobs: 'CronJob',
  jobs: 'Job',
  pods: 'pod',
};

interface Step {
  label: string;
  /** How much it says: a generic step is dropped when a more telling one names the same object. */
  weight: 'generic' | 'kind' | 'specific';
  object: string;
  firstSeen: string;
}

export interface Chain {
  /** Absent below two steps. */
  text?: string;
  steps: number;
}

export function chainOf(groups: readonly IncidentGroup[]): Chain {
  const steps = groups.filter((g) => severityRank(g.severity) >= severityRank(LEAST_COUNTED)).flatMap((g) => stepOf(g) ?? []);
  const kept = steps.filter((step) => !steps.some((other) => other !== step && other.object === step.object && outweighs(other, step)));
  const firstSeen = new Map<string, string>();
  for (const step of kept) {
    const known = firstSeen.get(step.label);
    if (known === undefined || earlier(step.firstSeen, known)) firstSeen.set(step.label, step.firstSeen);
  }
  const labels = [...firstSeen].sort(([, a], [, b]) => (earlier(a, b) ? -1 : earlier(b, a) ? 1 : 0)).map(([label]) => label);
  return labels.length >= 2 ? { text: `${labels.join(SEPARATOR)}${CHAIN_SUFFIX}`, steps: labels.length } : { steps: labels.length };
}

/** The number of steps a chain text (as `chainOf` writes it) names; 0 for none. */
export function stepsIn(chain: string | undefined): number {
  if (chain === undefined || !chain.endsWith(CHAIN_SUFFIX)) return 0;
  return chain.slice(0, -CHAIN_SUFFIX.length).split(SEPARATOR).length;
}

function stepOf(group: IncidentGroup): Step | undefined {
  const { resource, namespace, name, subresource } = group.target;
  // The object, not the subresource: a service account and the token minted for it are one object.
  const object = JSON.stringify([resource, namespace ?? '', name ?? '']);
  const step = (label: string, weight: Step['weight']): Step => ({ label, weight, object, firstSeen: group.firstSeen });
  const kind = KINDS[resource];
  switch (group.category) {
    case 'rbac-change':
      if (group.ruleId === 'rbac.denied-write-attempt') return undefined; // refused: nothing was gained
      if (group.ruleId === 'rbac.aws-auth-changed') return step('aws-auth mapping', 'specific');
      return step(/bindings$/.test(resource) ? 'binding' : 'role', 'specific');
    case 'service-account':
      if (subresource === 'token' || /token/.test(group.ruleId)) return step('token', 'specific');
      if (group.ruleId === 'service-account.controller-identity-workload') return step('controller identity', 'specific');
      return step('service account', 'generic');
    case 'privileged-workload':
      return step(kind ? `privileged ${kind}` : 'privileged workload', 'specific');
    case 'daemonset':
      return step('DaemonSet', 'kind');
    case 'cronjob':
      return step('CronJob', 'kind');
    case 'admission-webhook':
      return step('webhook', 'specific');
    case 'exec':
      return step('exec', 'specific');
    case 'credential':
      if (/csr/.test(group.ruleId)) return step('client certificate', 'specific');
      if (group.ruleId === 'credential.node-created') return step('node', 'specific');
      if (/impersonation/.test(group.ruleId)) return step('impersonation', 'specific');
      return step('stolen credential', 'specific');
    case 'controller':
      // A workload in a system namespace is how most of the other steps look too: it names the object only when nothing else does.
      if (group.ruleId === 'controller.system-namespace-workload') return step(`${kind ?? 'workload'} in a system namespace`, 'generic');
      return step('controller', 'specific');
    case 'storage':
      return step('storage', 'specific');
    case 'audit-tampering':
      return step('audit tampering', 'specific');
    case 'untrusted-image':
      return step('untrusted image', 'specific');
    default:
      return undefined; // restarts, secret reads, anonymous access: not a foothold by themselves
  }
}

/**
 * Whether `other` names the same object better than `step`: anything outweighs a generic step;
 * a privileged workload outweighs the plain kind it names (`privileged DaemonSet` over `DaemonSet`).
 */
function outweighs(other: Step, step: Step): boolean {
  if (step.weight === 'generic') return other.weight !== 'generic';
  if (step.weight === 'kind') return other.weight === 'specific' && other.label.endsWith(` ${step.label}`);
  return false;
}

/** Event times compared as times; an unreadable one sorts last. */
function earlier(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta)) return false;
  return Number.isNaN(tb) || ta < tb;
}
