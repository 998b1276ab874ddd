import type { Rule } from '../detect/rule';

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
