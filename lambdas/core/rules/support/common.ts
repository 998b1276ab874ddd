/** Helpers every category's rules share: how summaries name actors and verbs, what a write set, who is baseline, API groups. */
import type { EventView, JsonObject } from '../../detect/event-view';
import type { Rule } from '../../detect/rule';
import { asObject } from '../../detect/event-view';
import { SYSTEM_NAMESPACES, isPlatform } from '../../detect/identity';
import type { Severity } from '../../finding';
import { stepSeverity } from '../../finding';
import { patchedFields } from '../../k8s/patch';

// What a write is, the engine needs too (the baseline's "first time" counts writes): kept with the event view.
export { WRITE_VERBS, isWrite } from '../../detect/event-view';

/** `steps` severities above `s`, capped at critical. */
export function raise(s: Severity, steps = 1): Severity {
  return stepSeverity(s, steps);
}

/** The actor as a summary names it; an impersonated identity is said beside the real one. */
export function actorText(view: EventView): string {
  const name = view.actor.username || '(unknown user)';
  return view.impersonatedUser ? `${name} (as ${view.impersonatedUser})` : name;
}

/** Anonymous identities doing anything allowed is critical, whatever they did. */
export function forActor(view: EventView, severity: Severity): Severity {
  return view.actor.class === 'anonymous' ? 'critical' : severity;
}

/** `namespace/name`, or the name alone for cluster-scoped objects. */
export function objectText(view: EventView, name = view.name): string {
  return view.namespace ? `${view.namespace}/${name}` : name;
}

export const inSystemNamespace = (namespace: string): boolean => SYSTEM_NAMESPACES.has(namespace);

/**
 * Identities whose actions here are the cluster working: the control plane and its controllers,
 * and nodes (the node authorizer already confines a kubelet to the objects of its own pods).
 */
export const isBaseline = (view: EventView): boolean => isPlatform(view.actor) || view.actor.class === 'node';

/** A service account acting inside its own namespace. */
export const actsInOwnNamespace = (view: EventView): boolean =>
  view.actor.serviceAccount !== undefined && view.actor.serviceAccount.namespace === view.namespace && view.namespace !== '';

/**
 * What a write set: the object when the level logged it, else the fields the patch writes.
 * Undefined when no body was logged (Metadata level, truncation).
 */
export function writtenObject(view: EventView): JsonObject | undefined {
  return view.object ?? patchedFields(view.patch);
}

/** The fields a write sets, for checks about what changed: the patch for patches, else the object. */
export function changedFields(view: EventView): JsonObject | undefined {
  return view.verb === 'patch' ? patchedFields(view.patch) : view.object;
}

export function field(object: JsonObject | undefined, ...path: string[]): unknown {
  let node: unknown = object;
  for (const key of path) node = asObject(node)?.[key];
  return node;
}

/** The request path without its query string. */
export function requestPath(view: EventView): string {
  const uri = view.event.requestURI ?? '';
  const q = uri.indexOf('?');
  return q >= 0 ? uri.slice(0, q) : uri;
}

/** Human-readable kind names for the resources these rules talk about. */
const KINDS: Record<string, string> = {
  secrets: 'Secret',
  serviceaccounts: 'ServiceAccount',
  persistentvolumes: 'PersistentVolume',
  persistentvolumeclaims: 'PersistentVolumeClaim',
  storageclasses: 'StorageClass',
  certificatesigningrequests: 'CertificateSigningRequest',
  nodes: 'Node',
  pods: 'Pod',
  services: 'Service',
};

export const kindOf = (resource: string): string => KINDS[resource] ?? resource;

/** Past tense of a verb, for summaries. */
export function pastTense(verb: string): string {
  switch (verb) {
    case 'create':
      return 'created';
    case 'update':
      return 'updated';
    case 'patch':
      return 'patched';
    case 'delete':
      return 'deleted';
    case 'deletecollection':
      return 'deleted all';
    case 'get':
      return 'read';
    case 'list':
      return 'listed';
    case 'watch':
      return 'watched';
    default:
      return verb ? `made a ${verb} request on` : 'made a request (verb not logged) on';
  }
}

/**
 * Keeps rules to the API group of the resources they read: ACK's `roles.iam.services.k8s.aws` is
 * not an RBAC Role, though the resource name is the same (the engine already keeps each rule to
 * its declared verbs and resources). Events that leave objectRef.apiGroup out are taken at their word.
 */
export function inApiGroups(groupOf: Readonly<Record<string, string>>, rules: readonly Rule[]): Rule[] {
  return rules.map((rule) => {
    const evaluate = rule.evaluate.bind(rule);
    return { ...rule, evaluate: (view, context) => (view.apiGroup !== '' && view.apiGroup !== groupOf[view.resource] ? undefined : evaluate(view, context)) };
  });
}
