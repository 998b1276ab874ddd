import type { EventView } from '../detect/event-view';
import type { Rule, RuleHit } from '../detect/rule';
import type { Severity } from '../finding';
import { isWrite, objectText, requestPath } from './support/common';

/**
 * Endpoints the `system:public-info-viewer` role opens to everyone: load balancers and probes
 * call them unauthenticated all day. Sub-paths (`/livez/ping`, `/readyz/etcd`) are checks too.
 */
const HEALTH_PATHS = ['/healthz', '/livez', '/readyz', '/version'];
/** Service-account issuer discovery, opened to unauthenticated clients on purpose for OIDC federation. */
const ISSUER_DISCOVERY = ['/.well-known/openid-configuration', '/openid/v1/jwks'];
/** Non-resource endpoints that disclose more than discovery does. */
const SENSITIVE_PATH = /^\/(metrics|logs|debug|configz|flowcontrol)(\/|$)/;
/** Subresources that run code or reach into a container or node whatever the verb. */
const STREAMS = new Set(['exec', 'attach', 'portforward', 'proxy']);
const GRANTING_VERBS = new Set(['impersonate', 'escalate', 'bind', 'approve', 'sign']);

/** Path tricks (`/healthz/../api`, encoded dots or slashes) never count as a health check. */
const isPlainPath = (path: string): boolean => !/\.\.|\/\/|%2e|%2f|%5c|\\/i.test(path);

export function isHealthPath(path: string): boolean {
  return isPlainPath(path) && HEALTH_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

const isAnonymous = (view: EventView): boolean => view.actor.class === 'anonymous';

function sourceText(view: EventView): string {
  const ip = view.event.sourceIPs?.[0];
  return ip ? ` from ${ip}` : '';
}

/** What was asked for, in words: `create namespaces foo`, `get /openapi/v2`. */
export function requestText(view: EventView): string {
  const verb = view.verb || '(verb not logged)';
  if (view.resource === '') return `${verb} ${requestPath(view) || '(path not logged)'}`;
  const resource = view.subresource ? `${view.resource}/${view.subresource}` : view.resource;
  const name = view.name ? ` ${objectText(view)}` : view.namespace ? ` in namespace ${view.namespace}` : '';
  return `${verb} ${resource}${name}`;
}

function severityOfAllowed(view: EventView): Severity {
  const path = requestPath(view);
  if (view.resource === '') {
    if (ISSUER_DISCOVERY.includes(path)) return 'low';
    if (isWrite(view.verb) || GRANTING_VERBS.has(view.verb)) return 'critical';
    return SENSITIVE_PATH.test(path) ? 'high' : 'medium';
  }
  if (isWrite(view.verb) || GRANTING_VERBS.has(view.verb) || STREAMS.has(view.subresource)) return 'critical';
  if (view.resource === 'secrets') return 'critical';
  // kubeadm join's discovery: the public CA and server address, opened to anonymous by kubeadm on purpose.
  if (view.verb === 'get' && view.resource === 'configmaps' && view.subresource === '' && view.namespace === 'kube-public' && view.name === 'cluster-info')
    return 'low';
  return 'high';
}

function evidence(view: EventView): Record<string, unknown> {
  const annotations = view.event.annotations ?? {};
  return {
    accessed: requestText(view),
    ...(view.event.requestURI ? { requestURI: view.event.requestURI } : {}),
    ...(annotations['authorization.k8s.io/reason'] ? { authorizedBy: annotations['authorization.k8s.io/reason'] } : {}),
    ...(view.code !== undefined ? { code: view.code } : {}),
  };
}

export const anonymousAllowedRule: Rule = {
  id: 'anonymous.allowed-request',
  title: 'Request allowed for an unauthenticated identity',
  category: 'anonymous-access',
  severity: 'critical',
  severityReasons:
    'who: no credentials at all; what: any allowed request shows the API server accepts anonymous access: critical for writes and sensitive reads, lower for discovery and health endpoints; evidence: Metadata decides.',
  description:
    'The API server let `system:anonymous` (group `system:unauthenticated`) do something beyond health checks. ' +
    'Anonymous access exists so load balancers can call `/healthz`, `/livez`, `/readyz` and `/version`; anything else succeeding without credentials means a binding grants rights to everyone who can reach the endpoint, ' +
    'the classic persistence of an attacker who bound cluster-admin to `system:anonymous` and no longer needs a credential at all. ' +
    'Writes, streams into pods and Secret reads are critical, other resource reads high, other non-resource paths medium (high for /metrics, /logs, /debug).',
  attack: ['T1078.001', 'T1190', 'T1613'],
  controls: ['CIS-1.2.1', 'CIS-5.1.1', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata', // user, URI and response status decide
  falsePositives:
    'OIDC issuer discovery (`/.well-known/openid-configuration`, `/openid/v1/jwks`) opened to unauthenticated clients on purpose is reported as low. Nothing else should succeed anonymously.',
  remediation:
    'Find the binding named in `authorizedBy` and remove it (`kubectl get clusterrolebindings,rolebindings -A -o wide | grep -E "system:(anonymous|unauthenticated)"`); consider `--anonymous-auth=false` or an AuthenticationConfiguration that allows anonymous only on health paths (Kubernetes 1.32+). Review everything the source IPs did.',
  // Anonymous is the user system:anonymous or the group system:unauthenticated (a group another
  // authenticator or a log writer may give any name): either marker anywhere means "parse".
  interest: [{ contains: ['system:anonymous'] }],
  markers: ['system:anonymous', 'system:unauthenticated'],
  evaluate(view): RuleHit | undefined {
    if (!isAnonymous(view)) return undefined;
    if (!view.verb && !view.event.requestURI && view.resource === '') {
      return {
        severity: 'low',
        summary: `system:anonymous${sourceText(view)} made a request the log does not describe (no verb, URI or object)`,
        evidence: evidence(view),
      };
    }
    if (view.resource === '' && isHealthPath(requestPath(view))) return undefined;
    return {
      severity: severityOfAllowed(view),
      summary: `${view.actor.username} (unauthenticated)${sourceText(view)} was allowed to ${requestText(view)}`,
      evidence: evidence(view),
    };
  },
};

export const anonymousDeniedRule: Rule = {
  id: 'anonymous.denied-request',
  title: 'Unauthenticated request denied (probing)',
  category: 'anonymous-access',
  severity: 'low',
  severityReasons:
    'who: no credentials; what: a denied attempt changes nothing (access attempted, not gained): low, info for non-resource paths; evidence: Metadata decides.',
  description:
    'The API server refused a request from `system:anonymous`. On its own it is reconnaissance, not a compromise: scanners probe every reachable API server. ' +
    'It tells you the endpoint is reachable by strangers with anonymous authentication on, and a burst of denials for Kubernetes resources from one address is someone mapping what they can reach. ' +
    'Requests for resources are low, other paths (web scanners) info.',
  attack: ['T1595', 'T1613'],
  controls: ['CIS-1.2.1', 'NSA-CISA-k8s: Network separation and hardening'],
  evidenceLevel: 'Metadata', // user and response status decide
  falsePositives: 'Internet scanners, misconfigured clients that forgot their credentials. Switch it off if the endpoint is public on purpose.',
  remediation:
    'Restrict the API endpoint to known networks (EKS: public access CIDRs or private endpoint) and turn anonymous authentication off where load balancers do not need it.',
  // Anonymous is the user system:anonymous or the group system:unauthenticated (a group another
  // authenticator or a log writer may give any name): either marker anywhere means "parse".
  interest: [{ contains: ['system:anonymous'] }],
  markers: ['system:anonymous', 'system:unauthenticated'],
  includeFailures: true,
  evaluate(view): RuleHit | undefined {
    if (!isAnonymous(view) || view.code === undefined || view.code < 400) return undefined;
    return {
      severity: view.resource === '' ? 'info' : 'low',
      summary: `system:anonymous${sourceText(view)} was denied ${requestText(view)}`,
      evidence: evidence(view),
    };
  },
};

export const anonymousAccessRules: Rule[] = [anonymousAllowedRule, anonymousDeniedRule];
