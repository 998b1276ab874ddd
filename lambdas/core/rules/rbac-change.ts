import type { Severity } from '../finding';
import type { EventView } from '../detect/event-view';
import { asObject, asString } from '../detect/event-view';
import { isPlatform } from '../detect/identity';
import { actorText, changedFields, forActor, inApiGroups, writtenObject } from './support/common';
import { isKubeadmDefaultRbac } from './support/kubeadm';
import type { Rule, RuleHit } from '../detect/rule';
import { patchedFields } from '../k8s/patch';
import { rateEvent } from '../detect/rubric';
import type { PolicyRuleEntry, Power, Subject, SubjectReach } from '../k8s/rbac';
import {
  PRIVILEGED_CLUSTER_ROLES,
  RBAC_GROUP,
  aggregatesInto,
  awsAuthMappings,
  describeEntry,
  describePowers,
  describeSubject,
  entryPowers,
  isBuiltInRbacObject,
  isDefaultBroadGrant,
  isPartialEntry,
  policyRuleEntries,
  roleRefOf,
  subjectReach,
  subjectsOf,
} from '../k8s/rbac';

/*
 * rbac-change: the rules about who may do what. Granting rights is the quietest persistence
 * there is: no pod runs, nothing restarts, and a ClusterRoleBinding made today still works
 * after every credential the attacker used has been rotated. ATT&CK ids are v16.
 */

const ROLES = ['roles', 'clusterroles'];
const BINDINGS = ['rolebindings', 'clusterrolebindings'];
const RBAC_OBJECTS = [...ROLES, ...BINDINGS];
const WRITES = ['create', 'update', 'patch'];

const KIND: Record<string, string> = {
  roles: 'Role',
  clusterroles: 'ClusterRole',
  rolebindings: 'RoleBinding',
  clusterrolebindings: 'ClusterRoleBinding',
  configmaps: 'ConfigMap',
};

const NSA_AUTHZ = 'NSA-CISA-k8s: Authentication and authorization';

const DID: Record<string, string> = { create: 'created', update: 'updated', patch: 'patched', delete: 'deleted', deletecollection: 'deleted a collection of' };

function objectPhrase(view: EventView): string {
  const kind = KIND[view.resource] ?? view.resource;
  if (view.verb === 'deletecollection' || !view.name) return view.namespace ? `${kind}s in namespace ${view.namespace}` : `${kind}s`;
  return `${kind} ${view.namespace ? `${view.namespace}/` : ''}${view.name}`;
}

function lower(s: Severity): Severity {
  return s === 'critical' ? 'high' : s === 'high' ? 'medium' : s === 'medium' ? 'low' : 'info';
}

// ---------------------------------------------------------------------------------------------

const roleOrBindingChanged: Rule = {
  id: 'rbac.role-or-binding-changed',
  title: 'Role or role binding written',
  category: 'rbac-change',
  what: 'persistence',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity (the platform is the baseline); what: a Role or binding written defines or grants privilege (persistence): never below medium; a deletion adds none (low), medium at cluster scope or in a system namespace where it can remove access for everyone; the dangerous shapes are rated by the other rbac rules; anonymous: critical.',
  description:
    'A Role, ClusterRole, RoleBinding or ClusterRoleBinding was created, changed or deleted by an identity that is not part of the platform. ' +
    'Every RBAC change is a change to who can do what; attackers add bindings and roles because they survive credential rotation and leave ' +
    'no running process behind. This is the audit trail of all of them (low); the other rbac rules raise the dangerous ones. Anonymous writes are critical.',
  attack: ['T1098', 'T1098.006'],
  controls: ['CIS-5.1.1', 'CIS-5.1.3', NSA_AUTHZ],
  evidenceLevel: 'Metadata', // every write to a role or binding is raised from verb and resource; the body only adds evidence
  falsePositives: 'Administrators, GitOps controllers (Argo CD, Flux) and Helm releases that install RBAC. Add exceptions for their identities.',
  remediation: 'Check that the change was planned (a ticket, a Git commit). If not, revert it, and find how the actor got the right to write RBAC.',
  interest: [{ verbs: [...WRITES, 'delete', 'deletecollection'], resources: RBAC_OBJECTS }],
  evaluate(view) {
    if (isPlatform(view.actor)) return undefined;
    const object = writtenObject(view);
    const evidence: Record<string, unknown> = {};
    const ref = roleRefOf(object);
    if (ref) evidence.roleRef = ref;
    const subjects = subjectsOf(object, view.namespace);
    if (subjects.length > 0) evidence.subjects = subjects;
    const entries = policyRuleEntries(object);
    if (entries.length > 0) evidence.ruleEntries = entries.length;
    const unseen = view.missingEvidence && view.verb !== 'delete' && view.verb !== 'deletecollection' ? `; body not logged (${view.missingEvidence})` : '';
    // kubeadm init/upgrade/join re-applying its own defaults, exactly as kubeadm defines them: kept on the trail, as information.
    const kubeadm = isKubeadmDefaultRbac(view);
    if (kubeadm) evidence.kubeadmDefault = true;
    const deletion = view.verb === 'delete' || view.verb === 'deletecollection';
    const severity = kubeadm ? 'info' : deletion ? rateEvent(view, 'change') : rateEvent(view, 'persistence', 'low');
    return {
      severity,
      summary: `${actorText(view)} ${DID[view.verb] ?? view.verb} ${objectPhrase(view)}${unseen}${kubeadm ? " (kubeadm's default, unchanged)" : ''}`,
      evidence,
    };
  },
};

// ---------------------------------------------------------------------------------------------

function bindingPhrase(view: EventView): string {
  return `${KIND[view.resource]} ${view.namespace ? `${view.namespace}/` : ''}${view.name || '(unnamed)'}`;
}

function subjectsPhrase(subjects: Subject[], logged: boolean): string {
  if (!logged) return '(subjects not logged)';
  if (subjects.length === 0) return 'no subjects yet';
  const shown = subjects.slice(0, 3).map(describeSubject).join(', ');
  return subjects.length > 3 ? `${shown} and ${subjects.length - 3} more` : shown;
}

const privilegedRoleBound: Rule = {
  id: 'rbac.privileged-role-bound',
  title: 'Cluster-admin or equivalent role bound',
  category: 'rbac-change',
  what: 'persistence',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity (the platform is the baseline); what: binding an admin-level or otherwise privileged role grants new privilege (persistence), never below medium; raised for cluster-wide grants, more powerful roles and broad subjects; anonymous: critical.',
  description:
    'A RoleBinding or ClusterRoleBinding was created or changed to grant cluster-admin, admin, edit or a built-in ClusterRole with ' +
    'system:masters-equivalent power (system:kube-controller-manager, system:node, the aggregation controller). Binding cluster-admin to a ' +
    'spare user or service account is the classic Kubernetes backdoor: it gives back full control whenever the attacker wants it.',
  attack: ['T1098.006', 'T1078'],
  controls: ['CIS-5.1.1', 'CIS-5.1.7', NSA_AUTHZ],
  evidenceLevel: 'Request', // the roleRef and subjects are in the body
  falsePositives: 'Onboarding administrators or installing operators that really need cluster-admin. Such grants should be rare and reviewed.',
  remediation: 'Delete the binding unless it was approved; prefer narrow roles. Review what the subjects did since the binding was made.',
  interest: [{ verbs: WRITES, resources: BINDINGS }],
  evaluate(view) {
    if (isPlatform(view.actor) || isKubeadmDefaultRbac(view)) return undefined;
    const object = writtenObject(view);
    const ref = roleRefOf(object);
    // A patch cannot change roleRef; without the response body the role is unknown and the
    // write is reported by rbac.role-or-binding-changed.
    if (!ref || ref.kind !== 'ClusterRole') return undefined;
    const role = PRIVILEGED_CLUSTER_ROLES.get(ref.name);
    if (!role) return undefined;
    // Of a patch, only what it sets: a label change must not re-raise the grant it already had.
    const changed = changedFields(view);
    if (view.verb === 'patch' && changed?.subjects === undefined) return undefined;
    const subjects = subjectsOf(changed, view.namespace);
    const logged = changed?.subjects !== undefined || view.verb === 'create';
    const severity = forActor(view, role.tier === 'admin' ? 'high' : 'medium');
    return {
      severity,
      summary: `${actorText(view)} bound ${ref.name} to ${subjectsPhrase(subjects, logged)} via ${bindingPhrase(view)}`,
      evidence: { roleRef: ref, grants: role.grants, subjects },
      // Admin-tier power over the whole cluster is control of it; within one namespace it is new privilege there.
      what: role.tier === 'admin' && view.resource === 'clusterrolebindings' ? 'takeover' : 'persistence',
    };
  },
};

// ---------------------------------------------------------------------------------------------

const broadSubjectBound: Rule = {
  id: 'rbac.broad-subject-bound',
  title: 'Role bound to anonymous, all authenticated users or a default service account',
  category: 'rbac-change',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; what: a grant to a broad group (all authenticated users, all service accounts, anonymous) gives privilege to everyone (persistence at its widest), raised with the power of the role.',
  description:
    'A binding grants a role to system:anonymous, system:unauthenticated, system:authenticated, every service account ' +
    "(system:serviceaccounts, system:serviceaccounts:<ns>) or a namespace's default service account. Such a grant reaches callers " +
    'nobody named: anyone who can reach the API server, anyone holding any credential, or every pod that does not choose its service ' +
    'account. Attackers use it to keep access without any credential of their own.',
  attack: ['T1098.006', 'T1078.001'],
  controls: ['CIS-5.1.5', 'CIS-5.1.1', NSA_AUTHZ],
  evidenceLevel: 'Request', // the subjects are in the body
  falsePositives:
    "Re-creating the API server's own discovery grants (system:public-info-viewer, system:discovery, system:basic-user) and kubeadm's cluster-info grant are reported low.",
  remediation: 'Remove the broad subject from the binding and bind a dedicated identity instead. Check the API server for anonymous requests since.',
  interest: [{ verbs: WRITES, resources: BINDINGS }],
  evaluate(view) {
    if (isPlatform(view.actor) || isKubeadmDefaultRbac(view)) return undefined;
    const changed = changedFields(view);
    const broad = subjectsOf(changed, view.namespace)
      .map((s) => ({ subject: s, reach: subjectReach(s, view.namespace) }))
      .filter((x): x is { subject: Subject; reach: SubjectReach } => x.reach !== undefined && x.reach.id !== 'system-masters');
    if (broad.length === 0) return undefined;
    const ref = roleRefOf(writtenObject(view));
    const routine = ref !== undefined && isDefaultBroadGrant(ref, view.namespace);
    const first = broad[0];
    const more = broad.length > 1 ? ` and ${broad.length - 1} more broad subject${broad.length > 2 ? 's' : ''}` : '';
    const role = ref ? `${ref.kind} ${ref.name}` : 'a role (roleRef not logged)';
    return {
      severity: forActor(view, routine ? 'low' : 'critical'),
      summary: `${actorText(view)} bound ${role} to ${describeSubject(first.subject)} (${first.reach.label})${more} via ${bindingPhrase(view)}${routine ? '; a default discovery grant' : ''}`,
      evidence: { roleRef: ref, subjects: broad.map((b) => ({ ...b.subject, reaches: b.reach.id })) },
    };
  },
};

// ---------------------------------------------------------------------------------------------

/**
 * The entries of `rules` this request wrote. A JSON patch names the entries it touches; their
 * full text is in the response body when the level logged it, else only the patched fields are.
 * Merge, strategic-merge and apply patches replace `rules` whole (it has no merge key).
 */
function rulesWritten(view: EventView): PolicyRuleEntry[] {
  if (view.verb !== 'patch') return policyRuleEntries(view.object);
  const full = view.object ? policyRuleEntries(view.object) : undefined;
  if (!Array.isArray(view.patch)) {
    if (patchedFields(view.patch)?.rules === undefined) return [];
    return full ?? policyRuleEntries(patchedFields(view.patch));
  }
  if (!full) return policyRuleEntries(patchedFields(view.patch));
  const touched = new Set<number>();
  for (const op of view.patch) {
    const o = asObject(op);
    const path = asString(o?.path);
    const kind = asString(o?.op);
    if (path === undefined || kind === undefined || !['add', 'replace', 'copy', 'move'].includes(kind)) continue;
    const m = /^\/rules(?:\/([^/]+))?/.exec(path);
    if (!m) continue;
    if (m[1] === undefined) return full;
    touched.add(m[1] === '-' ? full.length - 1 : Number(m[1]));
  }
  return full.filter((e) => touched.has(e.index));
}

function entrySeverity(entry: PolicyRuleEntry, powers: Power[]): Severity {
  let severity: Severity = powers.every((p) => p.id === 'all-api-groups') ? 'medium' : 'high';
  // resourceNames narrows a grant to named objects, except for powers that are complete on one name
  if (entry.resourceNames && entry.resourceNames.length > 0 && powers.every((p) => p.narrowable)) severity = lower(severity);
  if (isPartialEntry(entry) && severity === 'high') severity = 'medium';
  return severity;
}

const dangerousRolePermissions: Rule = {
  id: 'rbac.dangerous-role-permissions',
  title: 'Role granted escalation-grade permissions',
  category: 'rbac-change',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; what: a role that can escalate (bind, escalate, impersonate, create pods or tokens, read secrets, wildcards) is privilege waiting for a binding, rated by what it allows; where: cluster roles reach every namespace.',
  description:
    'A Role or ClusterRole was created or changed so that one of its rules entries grants a wildcard (every verb, resource or API group), ' +
    'escalate, bind or impersonate, reading Secrets, exec/attach into pods, nodes/proxy, minting service-account tokens, approving CSRs, ' +
    'or writing RBAC objects or admission webhooks. Each is a step to cluster-admin or to every credential in the cluster. Entries are ' +
    'judged one by one, as the authorizer does; ClusterRoles that aggregate into admin/edit/view spread the grant to every holder of those roles.',
  attack: ['T1098.006', 'T1098'],
  controls: ['CIS-5.1.2', 'CIS-5.1.3', 'CIS-5.1.8', 'CIS-5.1.10', 'CIS-5.1.11', 'CIS-5.1.12', 'CIS-5.1.13', NSA_AUTHZ],
  evidenceLevel: 'Request', // the rules entries are in the body
  falsePositives: 'Operators and CI deployers installing roles they legitimately need (cert-manager reads Secrets, Argo CD holds wildcards).',
  remediation: 'Narrow the entry to the verbs, resources and resourceNames needed. If nobody planned it, delete the role and review its bindings.',
  interest: [{ verbs: WRITES, resources: ROLES }],
  evaluate(view) {
    if (isPlatform(view.actor)) return undefined;
    const namespaced = view.resource === 'roles';
    const aggregated = namespaced ? [] : aggregatesInto(writtenObject(view));
    const hits: RuleHit[] = [];
    for (const entry of rulesWritten(view)) {
      const powers = entryPowers(entry, namespaced);
      if (powers.length === 0) continue;
      const partial = isPartialEntry(entry);
      const notes = [
        aggregated.length > 0 ? `; aggregated into the built-in ${aggregated.join(', ')} role${aggregated.length > 1 ? 's' : ''}` : '',
        partial ? '; the rest of the entry is not in the log' : '',
      ].join('');
      hits.push({
        severity: forActor(view, entrySeverity(entry, powers)),
        summary: `${actorText(view)} ${DID[view.verb] ?? view.verb} ${objectPhrase(view)}: rules[${entry.index}] lets holders ${describePowers(powers)} (${describeEntry(entry)})${notes}`,
        evidence: {
          rulesIndex: entry.index,
          entry: entry.raw,
          powers: powers.map((p) => p.id),
          ...(aggregated.length > 0 ? { aggregatesInto: aggregated } : {}),
          ...(partial ? { partialEntry: true } : {}),
        },
      });
    }
    return hits;
  },
};

// ---------------------------------------------------------------------------------------------

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

const builtInRoleTampered: Rule = {
  id: 'rbac.built-in-role-tampered',
  title: 'Built-in role or binding modified',
  category: 'rbac-change',
  severity: 'critical',
  severityReasons:
    "who: anyone but the platform reconciling its own roles; what: changing a built-in role or binding alters what the platform's identities may do (takeover), rated by the grant.",
  description:
    'A built-in Role, ClusterRole or binding (system:, eks: and kubeadm: names, cluster-admin/admin/edit/view, the cluster-admin binding, ' +
    'objects labelled kubernetes.io/bootstrapping=rbac-defaults) was updated, patched or deleted by an identity that is not part of the platform. ' +
    'Adding a rule to a role every node or controller holds, or a subject to the cluster-admin binding, hides a backdoor among objects ' +
    'nobody reviews; setting the autoupdate annotation to "false" stops the API server from repairing it on restart. Deleting them breaks the cluster or its defences.',
  attack: ['T1098.006', 'T1098', 'T1562.001'],
  controls: ['CIS-5.1.1', NSA_AUTHZ],
  evidenceLevel: 'Metadata', // built-in objects are known by name (system:, cluster-admin, ...); the bootstrapping label and what changed need the body
  falsePositives: 'Cluster upgrades run by an administrator (kubeadm upgrade apply as kubernetes-admin) and add-on updates applied by hand.',
  remediation:
    'Compare the object with the default for the cluster version (kubectl auth reconcile); restore it and set the autoupdate annotation back to "true".',
  interest: [{ verbs: ['update', 'patch', 'delete'], resources: RBAC_OBJECTS }],
  evaluate(view) {
    if (isPlatform(view.actor) || !view.name || isKubeadmDefaultRbac(view)) return undefined;
    const object = view.verb === 'delete' ? undefined : writtenObject(view);
    if (!isBuiltInRbacObject(view.name, view.resource.startsWith('cluster'), object)) return undefined;
    const set = changedFields(view);
    const autoupdateOff = asObject(asObject(set?.metadata)?.annotations)?.[AUTOUPDATE] === 'false';
    const subjects = subjectsOf(set, view.namespace);
    const entries = policyRuleEntries(set).length;
    const added = subjects.length > 0 ? ` (subjects now: ${subjectsPhrase(subjects, true)})` : '';
    const unseen = view.missingEvidence && view.verb !== 'delete' ? '; body not logged' : '';
    return {
      severity: forActor(view, 'high'),
      summary: `${actorText(view)} ${DID[view.verb]} built-in ${objectPhrase(view)}${added}${autoupdateOff ? ' and turned off its reconciliation (autoupdate=false)' : ''}${unseen}`,
      evidence: {
        ...(subjects.length > 0 ? { subjects } : {}),
        ...(autoupdateOff ? { [AUTOUPDATE]: 'false' } : {}),
        ...(entries > 0 ? { ruleEntries: entries } : {}),
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------

const awsAuthChanged: Rule = {
  id: 'rbac.aws-auth-changed',
  title: 'EKS aws-auth ConfigMap changed',
  category: 'rbac-change',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; what: aws-auth maps IAM identities to Kubernetes groups (persistence at cluster scope), raised for system:masters mappings; evidence: says so when the body was not logged.',
  description:
    'The kube-system/aws-auth ConfigMap maps AWS IAM roles and users to Kubernetes users and groups on EKS. Adding a mapping to ' +
    'system:masters gives an IAM principal, possibly in another AWS account, permanent cluster-admin that no Kubernetes RBAC object shows; ' +
    'deleting or rewriting it locks administrators or nodes out. Changes by anyone but EKS itself are raised, naming the privileged mappings the body shows.',
  attack: ['T1098', 'T1098.006', 'T1556'],
  controls: ['CIS-5.1.7', 'CIS-5.1.1', NSA_AUTHZ],
  evidenceLevel: 'Metadata', // any write to kube-system/aws-auth is raised; the mappings need the body
  falsePositives: 'eksctl, Terraform or an administrator adding node groups or team roles. EKS access entries replace this file on current clusters.',
  remediation:
    'Review every mapping, remove unknown ARNs and mappings to system:masters; move to EKS access entries and lock aws-auth edits to the platform team.',
  interest: [{ verbs: [...WRITES, 'delete'], resources: ['configmaps'], contains: ['aws-auth'] }],
  evaluate(view) {
    if (view.namespace !== 'kube-system' || view.name !== 'aws-auth' || isPlatform(view.actor)) return undefined;
    const severity = forActor(view, 'high');
    const head = `${actorText(view)} ${DID[view.verb]} ConfigMap kube-system/aws-auth`;
    if (view.verb === 'delete') return { severity, summary: `${head}: every IAM mapping it held is gone`, evidence: {} };
    const data = asObject(changedFields(view)?.data);
    if (!data) {
      const why = view.missingEvidence ? `body not logged (${view.missingEvidence})` : 'the mappings it set are not in the log';
      return { severity, summary: `${head}; ${why}`, evidence: {} };
    }
    const { mappings, unreadable } = awsAuthMappings(data);
    const masters = mappings.filter((m) => m.groups.includes('system:masters'));
    const describe = (m: (typeof mappings)[number]): string => `${m.arn}${m.username ? ` (username ${m.username})` : ''}`;
    let what: string;
    if (masters.length > 0) {
      what = `${masters[0].section} maps ${describe(masters[0])} to system:masters${masters.length > 1 ? ` (and ${masters.length - 1} more)` : ''}`;
    } else if (mappings.length > 0) {
      const accounts = mappings.filter((m) => m.section === 'mapAccounts');
      what = `now maps ${mappings.length} IAM identit${mappings.length === 1 ? 'y' : 'ies'}${accounts.length > 0 ? `, including whole account ${accounts[0].arn}` : ''}; none to system:masters`;
    } else {
      what = unreadable.length > 0 ? `${unreadable.join(', ')} could not be read` : 'no IAM mappings in the body';
    }
    return { severity, summary: `${head}: ${what}`, evidence: { mappings, ...(unreadable.length > 0 ? { unreadable } : {}) } };
  },
};

// ---------------------------------------------------------------------------------------------

const ESCALATION_CHECK = 'attempting to grant RBAC permissions not currently held';

const deniedRbacWrite: Rule = {
  id: 'rbac.denied-write-attempt',
  title: 'Forbidden attempt to write RBAC',
  category: 'rbac-change',
  what: 'observation',
  severity: 'medium',
  severityReasons:
    'who: a person or unknown identity; what: a denied RBAC write changed nothing (access attempted) but probes for escalation, so it stays below the rules that see a grant.',
  description:
    'A user or service account was refused (403) when creating, changing or deleting a role or binding. Probing for RBAC write access, ' +
    "or trying to grant more than one holds (the API server's escalation check), is what an intruder does right after stealing a credential.",
  attack: ['T1098.006', 'T1078'],
  controls: ['CIS-5.1.8', NSA_AUTHZ],
  evidenceLevel: 'Metadata', // the 403 is in responseStatus
  falsePositives: 'Users running a manifest they lack rights for; CI pipelines with narrowed service accounts.',
  remediation: 'Ask the actor. If nobody recognizes the attempt, treat the credential as stolen and revoke it.',
  includeFailures: true,
  interest: [{ verbs: [...WRITES, 'delete'], resources: RBAC_OBJECTS }],
  evaluate(view) {
    if (view.code !== 403 || (view.actor.class !== 'user' && view.actor.class !== 'service-account')) return undefined;
    const message = view.event.responseStatus?.message ?? '';
    const escalation = message.includes(ESCALATION_CHECK);
    const verb = view.verb === 'patch' || view.verb === 'update' ? 'change' : view.verb;
    return {
      severity: escalation ? 'medium' : 'low',
      summary: `${actorText(view)} was forbidden to ${verb} ${objectPhrase(view)}${escalation ? ': it tried to grant permissions it does not hold' : ''}`,
      evidence: { code: view.code, ...(message ? { message: message.slice(0, 500) } : {}) },
    };
  },
};

const API_GROUP_OF: Record<string, string> = {
  roles: RBAC_GROUP,
  clusterroles: RBAC_GROUP,
  rolebindings: RBAC_GROUP,
  clusterrolebindings: RBAC_GROUP,
  configmaps: '',
};

export const rbacChangeRules: Rule[] = inApiGroups(API_GROUP_OF, [
  roleOrBindingChanged,
  privilegedRoleBound,
  broadSubjectBound,
  dangerousRolePermissions,
  builtInRoleTampered,
  awsAuthChanged,
  deniedRbacWrite,
]);
