import type { EventView } from '../detect/event-view';
import { isPlatform } from '../detect/identity';
import type { Rule, RuleHit } from '../detect/rule';
import type { Severity } from '../finding';
import { actorText, forActor, isWrite, pastTense, raise, requestPath } from './shared';

/*
 * audit-tampering, from inside the log: an event too large for the reader. The reader does not
 * buffer a document past its limit (4 MiB by default); it judges the event from the fields the API
 * server writes before the bodies (who, verb, objectRef, response status) and hands it over with
 * `oversize` set. The metadata rules still run on it; this rule says that the others could not,
 * and by how much the request matters. Padding is the cheapest evasion there is: an annotation of
 * junk costs the attacker nothing, and Go's JSON encoder writes each `<`, `>` and `&` as six bytes.
 */

const NSA_LOGGING = 'NSA-CISA-k8s: Audit logging and threat detection';

/** What a write to these can do, in the words of the summary: the objects persistence is made of. */
const SENSITIVE: Readonly<Record<string, string>> = {
  roles: 'RBAC',
  clusterroles: 'RBAC',
  rolebindings: 'RBAC',
  clusterrolebindings: 'RBAC',
  pods: 'workloads',
  deployments: 'workloads',
  daemonsets: 'workloads',
  statefulsets: 'workloads',
  replicasets: 'workloads',
  replicationcontrollers: 'workloads',
  jobs: 'workloads',
  cronjobs: 'workloads',
  mutatingwebhookconfigurations: 'admission control',
  validatingwebhookconfigurations: 'admission control',
  validatingadmissionpolicies: 'admission control',
  validatingadmissionpolicybindings: 'admission control',
  mutatingadmissionpolicies: 'admission control',
  mutatingadmissionpolicybindings: 'admission control',
  customresourcedefinitions: 'API extensions',
  apiservices: 'API extensions',
  secrets: 'credentials',
  serviceaccounts: 'credentials',
  certificatesigningrequests: 'credentials',
  nodes: 'nodes',
};

const READS = new Set(['get', 'list', 'watch']);

/** Why a write matters, or undefined for an ordinary one. Status updates are reports, not changes to what runs. */
function sensitivity(view: EventView): string | undefined {
  if (view.subresource === 'status') return undefined;
  if (Object.hasOwn(SENSITIVE, view.resource)) return SENSITIVE[view.resource];
  // aws-auth and audit policies live in kube-system ConfigMaps
  if (view.resource === 'configmaps' && view.namespace === 'kube-system') return 'kube-system configuration';
  return undefined;
}

function objectText(view: EventView): string {
  const resource = view.subresource ? `${view.resource}/${view.subresource}` : view.resource || 'a non-resource URL';
  const name = view.name ? ` ${view.namespace ? `${view.namespace}/` : ''}${view.name}` : view.namespace ? ` in namespace ${view.namespace}` : '';
  const path = view.resource === '' ? ` ${requestPath(view).slice(0, 200)}` : '';
  return `${resource}${name}${path}`;
}

function judge(view: EventView): { severity: Severity; reasons: string[] } {
  const reasons: string[] = [];
  const verb = view.verb;
  let severity: Severity;
  if (READS.has(verb)) {
    severity = 'low';
    reasons.push('a read');
  } else {
    const what = sensitivity(view);
    severity = what ? 'high' : 'medium';
    reasons.push(what ? `a write to ${what}` : isWrite(verb) ? 'a write' : `a ${verb || 'request with no verb'} (treated as a write)`);
  }
  if (isPlatform(view.actor)) {
    reasons.push('by the control plane');
    return { severity: 'info', reasons };
  }
  if (view.actor.class === 'anonymous') reasons.push('by an anonymous caller');
  else if (view.actor.username === '') {
    severity = raise(severity);
    reasons.push('by an identity the log does not name');
  }
  return { severity: forActor(view, severity), reasons };
}

const oversizeEvent: Rule = {
  id: 'audit-tampering.oversize-event',
  title: 'Audit event too large to read: judged from its metadata only',
  category: 'audit-tampering',
  severity: 'critical',
  description:
    'An audit event was longer than the reader\'s limit (4 MiB by default), so its request and response bodies were not read: it was ' +
    'judged from the fields the API server writes before them (who, verb, object, response status), the rules that decide from those ' +
    'still ran, and the rules that need a body did not see it. Padding a request (an annotation or a ConfigMap value of junk, thousands ' +
    'of dummy RBAC entries) until its audit event is too large for the detection pipeline is a cheap way to slip a privileged pod or a ' +
    'binding past it; the API server\'s JSON encoder writes each `<`, `>` and `&` as six bytes, so a body under the API server\'s own ' +
    'request limit can still make a larger event. Rated by what is known: a successful write (create, update, patch, delete) to RBAC, ' +
    'workloads, admission webhooks and policies, CRDs and API services, Secrets, service accounts, CSRs, nodes or kube-system ConfigMaps ' +
    'is high, in any namespace; any other write medium; a read low; failed and dry-run requests raise nothing. A request with no ' +
    'username is raised one step, an anonymous one is critical; the control plane\'s own large writes are info.',
  attack: ['T1027.001'],
  controls: ['CIS-3.2.2', NSA_LOGGING],
  evidenceLevel: 'Metadata', // made for events whose bodies were not read
  includeFailures: false,
  oversizeEvents: true,
  falsePositives:
    'Large legitimate objects: Helm release Secrets near the 1 MiB object limit, CRDs with large OpenAPI schemas, lists of many objects ' +
    'logged at RequestResponse level, big custom resources. Add exceptions for the identities that write them, scoped to their namespaces, ' +
    'or log those resources at Metadata level in the audit policy.',
  remediation:
    'Find the event in the log object by its auditID and read it by hand to judge what the request did; a field full of junk is a ' +
    'red flag. Check the object as it is now (`kubectl get -o yaml`). Keep audit events small enough ' +
    'to be read whole: run the API server with `--audit-log-truncate-enabled=true` and `--audit-log-truncate-max-event-size` (bytes, 100 KiB by ' +
    'default once enabled; the webhook backend has the same `--audit-webhook-truncate-*` flags), which makes it drop the bodies of larger ' +
    'events itself and mark them `audit.k8s.io/truncated`, and log bulky resources at Metadata level in the audit policy.',
  interest: [], // the reader hands over every oversize event whatever the rules' interest; see `oversizeEvents`
  evaluate(view): RuleHit | undefined {
    if (view.oversize === undefined) return undefined;
    const { severity, reasons } = judge(view);
    const sizeMiB = (view.oversize / (1024 * 1024)).toFixed(1);
    return {
      severity,
      summary: `${actorText(view)} ${pastTense(view.verb)} ${objectText(view)}; the audit event was too large to read (at least ${sizeMiB} MiB), so its body was not checked`,
      evidence: {
        oversizeBytes: view.oversize,
        verb: view.verb,
        ...(view.code !== undefined ? { code: view.code } : {}),
        ...(view.event.level ? { level: view.event.level } : {}),
        ...(view.event.stage ? { stage: view.event.stage } : {}),
        requestURI: (view.event.requestURI ?? '').slice(0, 500),
        reasons,
      },
    };
  },
};

export const oversizeRules: Rule[] = [oversizeEvent];
