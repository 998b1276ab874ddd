import type { EventView, JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import { classifyActor } from '../detect/identity';
import type { Rule, RuleContext, RuleHit } from '../detect/rule';
import { TrustBoundary, addressText } from '../detect/trust-boundary';
import type { Severity } from '../finding';
import type { EventSelector } from '../read/interest';
import { WRITE_VERBS, actorText, isBaseline, objectText, requestPath, writtenObject } from './support/common';

export const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
/** Signers whose certificates authenticate to the API server. */
const CLIENT_SIGNERS = new Set([CLIENT_SIGNER, 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/legacy-unknown']);
/** Groups whose members bypass authorization or act as nodes. */
const PRIVILEGED_ORGS = new Set(['system:masters', 'system:nodes']);

export interface Subject {
  commonName?: string;
  organizations: string[];
}

/** DER string types a distinguished name uses (UTF8String, PrintableString, T61String, IA5String). */
const STRING_TAGS = new Set([0x0c, 0x13, 0x14, 0x16]);
const OID_CN = [0x06, 0x03, 0x55, 0x04, 0x03];
const OID_O = [0x06, 0x03, 0x55, 0x04, 0x0a];

/**
 * The subject of a CSR's `spec.request` (base64 of a PEM CERTIFICATE REQUEST): its common name
 * (the username the certificate will authenticate as) and organizations (its groups). A scan
 * for the attribute OIDs, not a full ASN.1 parser: enough for evidence, and it never throws.
 */
export function csrSubject(request: string | undefined): Subject | undefined {
  if (!request) return undefined;
  const pem = Buffer.from(request, 'base64').toString('latin1');
  const body = /-----BEGIN [A-Z ]+-----([\s\S]*?)-----END/.exec(pem)?.[1];
  const der = body !== undefined ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : Buffer.from(request, 'base64');
  const values = (oid: number[]): string[] => {
    const out: string[] = [];
    for (let i = der.indexOf(Buffer.from(oid)); i >= 0 && out.length < 8; i = der.indexOf(Buffer.from(oid), i + 1)) {
      const tag = der[i + oid.length];
      const length = der[i + oid.length + 1];
      if (!STRING_TAGS.has(tag) || length === undefined || length > 0x7f) continue;
      const start = i + oid.length + 2;
      if (start + length <= der.length) out.push(der.toString('utf8', start, start + length));
    }
    return out;
  };
  const commonName = values(OID_CN)[0];
  const organizations = values(OID_O);
  return commonName === undefined && organizations.length === 0 ? undefined : { commonName, organizations };
}

function subjectText(subject: Subject | undefined): string {
  if (!subject) return '';
  const parts = [subject.commonName ? `CN=${subject.commonName}` : '', ...subject.organizations.map((o) => `O=${o}`)].filter(Boolean);
  return parts.length > 0 ? ` for ${parts.join(', ')}` : '';
}

function csrEvidence(csr: JsonObject | undefined, subject: Subject | undefined): Record<string, unknown> {
  const spec = asObject(csr?.spec);
  return {
    ...(asString(spec?.signerName) ? { signerName: spec?.signerName } : {}),
    ...(subject ? { subject } : {}),
    ...(asString(spec?.username) ? { requestedBy: spec?.username } : {}),
    ...(asArray(spec?.usages).length > 0 ? { usages: spec?.usages } : {}),
    ...(typeof spec?.expirationSeconds === 'number' ? { expirationSeconds: spec.expirationSeconds } : {}),
  };
}

/** The condition types a CSR carries after this write: Approved, Denied, Failed. */
function conditionTypes(csr: JsonObject | undefined): string[] {
  return asArray(asObject(csr?.status)?.conditions).flatMap((c) => {
    const type = asString(asObject(c)?.type);
    const status = asObject(c)?.status;
    return type !== undefined && status !== 'False' ? [type] : [];
  });
}

export const csrApprovalRule: Rule = {
  id: 'credential.csr-approval',
  title: 'Certificate signing request approved by a person or a workload',
  category: 'credential',
  severity: 'critical',
  severityReasons:
    'who: anyone but the platform approver; what: an approved client certificate is a credential valid until it expires (persistence), critical when it names a privileged group or a node; medium when the CSR was not logged.',
  description:
    "A CertificateSigningRequest was approved through its `approval` subresource by someone other than the control plane's own approver. " +
    'An approved CSR for the `kubernetes.io/kube-apiserver-client` signer becomes a client certificate that authenticates as any user and group named in its subject, ' +
    'cannot be revoked, and stays valid for up to a year: an attacker who can approve CSRs mints their own permanent credential. ' +
    'High; critical when the subject claims `system:masters` or `system:nodes`. When the body was not logged, the write is reported as medium because approval and denial look alike.',
  attack: ['T1649', 'T1098.001'],
  controls: ['CIS-5.1.11', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata', // every approval write is raised (medium when the body does not say approved or denied); the subject needs the body
  falsePositives: 'Administrators approving kubelet serving certificates by hand, or custom approvers for internal signers. Add exceptions by identity.',
  remediation:
    'Read the subject of the CSR (`kubectl get csr NAME -o jsonpath={.spec.request} | base64 -d | openssl req -noout -subject`); client certificates cannot be revoked, so if it was not expected remove the bindings of that user and groups, and rotate the cluster CA if it named system:masters.',
  interest: [{ verbs: ['update', 'patch'], resources: ['certificatesigningrequests/approval'] }],
  evaluate(view): RuleHit | undefined {
    if (view.resource !== 'certificatesigningrequests' || view.subresource !== 'approval' || isBaseline(view)) return undefined;
    const csr = writtenObject(view);
    const conditions = conditionTypes(csr);
    const who = actorText(view);
    if (csr === undefined || conditions.length === 0) {
      return {
        severity: 'medium',
        summary: `${who} wrote the approval of CertificateSigningRequest ${view.name} (approved or denied: not logged)`,
        evidence: {},
      };
    }
    if (!conditions.includes('Approved')) return undefined;
    const signer = asString(asObject(csr.spec)?.signerName);
    const subject = csrSubject(asString(asObject(csr.spec)?.request));
    const privileged = subject?.organizations.some((o) => PRIVILEGED_ORGS.has(o)) === true;
    const severity: Severity = privileged ? 'critical' : 'high';
    const kind = signer !== undefined && CLIENT_SIGNERS.has(signer) ? 'client certificate' : 'certificate';
    return {
      severity,
      summary: `${who} approved CertificateSigningRequest ${view.name} (${signer ?? 'signer not logged'})${subjectText(subject)}`,
      evidence: {
        ...csrEvidence(csr, subject),
        issues: kind,
        ...(privileged ? { reasons: ['the subject names a group that bypasses authorization or acts as a node'] } : {}),
      },
    };
  },
};

export const clientCsrRule: Rule = {
  id: 'credential.client-csr-created',
  title: 'Client certificate requested for the API server signer',
  category: 'credential',
  severity: 'high',
  severityReasons:
    'who: a person or unknown identity; what: asking for a client certificate is a step towards a lasting credential: medium, high for privileged groups or node names.',
  description:
    'A person or a workload created a CertificateSigningRequest for the `kubernetes.io/kube-apiserver-client` signer: a request for a client certificate that, once approved, ' +
    "authenticates to the API server as whoever its subject names, with no expiry short of the certificate's own and no way to revoke it. Medium; high when the subject claims `system:masters` or `system:nodes`. " +
    'Kubelet CSRs (bootstrap and rotation) use other signers and are not reported.',
  attack: ['T1649'],
  controls: ['CIS-5.1.11', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Request', // the signer and subject are in the body
  falsePositives: "Onboarding scripts that issue client certificates to people; prefer OIDC and add exceptions for those scripts' identities.",
  remediation: 'Deny the CSR if it was not expected (`kubectl certificate deny NAME`) and find out how the requester intended to get it approved.',
  interest: [{ verbs: ['create'], resources: ['certificatesigningrequests'] }],
  evaluate(view): RuleHit | undefined {
    if (view.resource !== 'certificatesigningrequests' || view.subresource !== '' || view.verb !== 'create' || isBaseline(view)) return undefined;
    const spec = asObject(view.object?.spec);
    if (asString(spec?.signerName) !== CLIENT_SIGNER) return undefined;
    const subject = csrSubject(asString(spec?.request));
    const privileged = subject?.organizations.some((o) => PRIVILEGED_ORGS.has(o)) === true;
    return {
      severity: privileged ? 'high' : 'medium',
      summary: `${actorText(view)} requested a client certificate (CSR ${view.name})${subjectText(subject)}`,
      evidence: csrEvidence(view.object, subject),
    };
  },
};

export const nodeCreatedRule: Rule = {
  id: 'credential.node-created',
  title: 'Node object created by something other than its kubelet',
  category: 'credential',
  severity: 'high',
  severityReasons:
    'who: a person (high) or a service account (medium), never a node registering itself; what: a Node object lets its holder receive pods and their secrets (persistence at cluster scope).',
  description:
    'A Node object was created by a person, a workload, or a kubelet registering a node other than itself. Kubelets register their own Node; a fake node is how an attacker gets pods scheduled to a machine they control ' +
    "(and with them the pods' Secrets and service account tokens through the node authorizer), or masquerades as a node. High for people and other nodes, medium for service accounts (node autoscalers and virtual kubelets create nodes).",
  attack: ['T1036', 'T1078', 'T1098'],
  controls: ['NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata',
  falsePositives:
    'Karpenter (older versions), virtual-kubelet providers and cluster-API tooling create Node objects with their service accounts. Add exceptions for them.',
  remediation: 'Cordon and delete the Node if it is not a real machine, and check which pods and Secrets were sent to it.',
  interest: [{ verbs: ['create'], resources: ['nodes'] }],
  evaluate(view): RuleHit | undefined {
    if (view.resource !== 'nodes' || view.subresource !== '' || view.verb !== 'create') return undefined;
    if (view.actor.class === 'control-plane' || view.actor.class === 'platform') return undefined;
    if (view.actor.class === 'node' && view.actor.nodeName === view.name) return undefined;
    const severity: Severity = view.actor.class === 'service-account' ? 'medium' : 'high';
    const asNode = view.actor.class === 'node' ? ` (a kubelet registering another node's name)` : '';
    return { severity, summary: `${actorText(view)} created Node ${view.name}${asNode}`, evidence: { node: view.name, actorClass: view.actor.class } };
  },
};

/** Groups whose members hold every right: `system:masters` bypasses authorization, kubeadm binds the other to cluster-admin. */
const ADMIN_GROUPS = new Set(['system:masters', 'kubeadm:cluster-admins']);
/** An authorization reason naming the cluster-admin role: the impersonated identity holds it. */
const CLUSTER_ADMIN_REASON = /ClusterRole "cluster-admin"/;

/** Why an impersonated identity is privileged, in words; empty when nothing shows it is. */
export function impersonationReasons(view: EventView): { severity: Severity; reasons: string[] } | undefined {
  const as = view.event.impersonatedUser;
  const username = asString(as?.username);
  if (username === undefined) return undefined;
  const groups = asArray(as?.groups).filter((g): g is string => typeof g === 'string');
  const reasons: string[] = [];
  let severity: Severity | undefined;
  const admin = groups.filter((g) => ADMIN_GROUPS.has(g));
  if (admin.length > 0) {
    reasons.push(`impersonates group ${admin.join(', ')}`);
    severity = 'critical';
  }
  const reason = view.event.annotations?.['authorization.k8s.io/reason'];
  if (typeof reason === 'string' && CLUSTER_ADMIN_REASON.test(reason)) {
    reasons.push('the impersonated identity was authorized through a binding of cluster-admin');
    severity ??= 'high';
  }
  const target = classifyActor(username, groups);
  if (target.class === 'control-plane' || target.class === 'platform') {
    reasons.push(`impersonates the control-plane identity ${username}`);
    severity ??= 'high';
  } else if (target.class === 'node') {
    reasons.push(`impersonates node ${target.nodeName ?? username}`);
    severity ??= 'high';
  } else if (target.serviceAccount?.namespace === 'kube-system') {
    reasons.push(`impersonates service account ${target.serviceAccount.name} of kube-system`);
    severity ??= 'high';
  }
  return severity === undefined ? undefined : { severity, reasons };
}

export const privilegedImpersonationRule: Rule = {
  id: 'credential.privileged-impersonation',
  title: 'Request made by impersonating a privileged identity',
  category: 'credential',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity impersonating; what: acting as system:masters, a cluster-admin holder, a controller, a kube-system account or a node borrows rights the caller does not hold: takeover, critical; where: cluster scope; evidence: impersonatedUser on the event (Metadata level is enough).',
  description:
    'A request succeeded with `Impersonate-User`/`Impersonate-Group` headers naming a privileged identity: the `system:masters` or ' +
    '`kubeadm:cluster-admins` group (critical), an identity the API server authorized through a cluster-admin binding, a control-plane ' +
    'identity, a kube-system controller service account or a node (high). The `impersonate` verb turns whoever holds it into the identity ' +
    'they name, so a narrow-looking role with `impersonate` on users or groups is a standing path to cluster-admin, and requests made this way ' +
    'are logged under the impersonated rights. Reported once per request, whatever it did.',
  attack: ['T1078', 'T1548'],
  controls: ['CIS-5.1.8', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata', // impersonatedUser and the authorization annotation are in every event
  falsePositives:
    'Access proxies that impersonate their users by design (Teleport, Rancher, Pinniped, kube-oidc-proxy, Argo CD with impersonation on). ' +
    'Add an exception for the proxy identity, and keep the groups it may impersonate narrow.',
  remediation:
    'Find the binding that grants the actor `impersonate` (`kubectl get clusterroles -o json | jq \'.items[] | select(.rules[]?.verbs[]? == "impersonate")\'`), ' +
    'remove it unless the actor is an access proxy, and review everything the actor did under the impersonated identity.',
  // Only events with an impersonatedUser can raise it; the key is written by the API server in exact case.
  interest: [{ contains: ['impersonatedUser'] }],
  markers: ['impersonatedUser'],
  evaluate(view): RuleHit | undefined {
    if (view.impersonatedUser === undefined || isBaseline(view)) return undefined;
    const found = impersonationReasons(view);
    if (!found) return undefined;
    const resource = view.subresource ? `${view.resource}/${view.subresource}` : view.resource;
    const where = view.name ? ` ${objectText(view)}` : view.namespace ? ` in namespace ${view.namespace}` : '';
    const request = view.resource ? `${view.verb} ${resource}${where}` : `${view.verb} ${requestPath(view)}`;
    return {
      severity: view.actor.class === 'anonymous' ? 'critical' : found.severity,
      summary: `${actorText(view)} impersonated a privileged identity to ${request}: ${found.reasons.join('; ')}`,
      evidence: {
        impersonatedUser: view.event.impersonatedUser,
        reasons: found.reasons,
        ...(view.event.annotations?.['authorization.k8s.io/reason'] ? { authorizedBy: view.event.annotations['authorization.k8s.io/reason'] } : {}),
      },
    };
  },
};

/**
 * The requests credential misuse is judged on: what a stolen node or workload token is wanted for
 * (secrets, running code, minting tokens and certificates, granting rights, reaching kubelets) and
 * the first thing done with one (`kubectl auth can-i --list`, `kubectl auth whoami`). Plain reads of
 * pods and namespaces are left out: every informer and kubelet makes them all day, and judging them
 * would parse most of a log for what the reviews and the secret reads already show. Every rule's
 * interest feeds the reader's pre-check, so this list is kept to what is worth parsing. Both rules
 * let a node's request by its own agent pass unless nodes are judged by address, and the reader
 * applies `exceptNodeAgents` only then.
 */
const SENSITIVE_REQUESTS: readonly EventSelector[] = [
  { resources: ['secrets', 'nodes/proxy'] },
  { verbs: ['create', 'get'], resources: ['pods/exec', 'pods/attach', 'pods/portforward'] },
  {
    verbs: ['create'],
    resources: ['pods', 'serviceaccounts/token', 'certificatesigningrequests', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews'],
  },
  { verbs: ['update', 'patch'], resources: ['certificatesigningrequests/approval'] },
  { verbs: WRITE_VERBS, resources: ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'] },
].map((selector) => ({ ...selector, exceptNodeAgents: true }));

/** Longest user agent kept: the client writes it, as long as it likes. */
const MAX_USER_AGENT = 200;

/** What a request did, for a summary: `get secrets prod/db`, `create pods/exec default/web-0`, `create selfsubjectrulesreviews`. */
function requestText(view: EventView): string {
  const resource = view.subresource ? `${view.resource}/${view.subresource}` : view.resource;
  const target = view.name ? ` ${objectText(view)}` : view.namespace ? ` in namespace ${view.namespace}` : '';
  return `${view.verb} ${resource}${target}`;
}

/** The client and address of a request as evidence: the user agent (cut), the addresses (the first few). */
function clientEvidence(view: EventView): Record<string, unknown> {
  const userAgent = asString(view.event.userAgent);
  const sourceIPs = asArray(view.event.sourceIPs);
  return {
    ...(userAgent !== undefined ? { userAgent: userAgent.slice(0, MAX_USER_AGENT) } : {}),
    ...(sourceIPs.length > 0 ? { sourceIPs: sourceIPs.slice(0, 10) } : {}),
  };
}

/** The user agent as a summary quotes it. */
const agentText = (userAgent: string | undefined): string => (userAgent ? JSON.stringify(userAgent.slice(0, 60)) : 'no user agent');

/** The addresses the event names (attacker-controlled JSON: anything but an array is none). */
const sourceIPsOf = (view: EventView): string[] | undefined => (Array.isArray(view.event.sourceIPs) ? view.event.sourceIPs : undefined);

export const nodeCredentialMisuseRule: Rule = {
  id: 'credential.node-credential-misuse',
  title: "Node credentials used by something other than the node's kubelet",
  category: 'credential',
  severity: 'high',
  what: 'takeover',
  severityReasons:
    "who: a node's identity doing what no kubelet does is unknown; what: a kubelet's credentials in another client or on another machine are stolen credentials put to use (towards takeover: every Secret and token of the node's pods); evidence: the user agent and source address are metadata, in every event: high.",
  description:
    "A node's credentials (`system:node:*` in `system:nodes`) made a sensitive request with a client that is not a node agent (`settings.trust.userAgents.node`, " +
    '`kubelet/` and `kubelet.exe/` by default) or is an interactive one (`kubectl`, `curl`, ...), or from an address outside `settings.trust.nodeNetworks` when that check is on ' +
    "(docs/trust-boundaries.md). A kubelet's kubeconfig or client certificate lifted from a node (a hostPath pod, a container escape, a backup) lets its holder " +
    "read the Secrets and mint tokens of every pod on the node, and requests made with it look like the node's own unless the client or the address gives them away. " +
    'Judged only on sensitive requests: Secrets (any verb), pod creation, exec/attach/port-forward, service account tokens, RBAC writes, CSRs and their approval, ' +
    '`nodes/proxy`, and the self-reviews (`kubectl auth can-i --list`, `kubectl auth whoami`) that are the first thing done with a stolen credential. An event with no user agent is not judged by its agent, ' +
    "and one with no source address not by its address: nothing is guessed. The user agent is the client's word, so a careful thief sets `kubelet/`; only the network check catches them.",
  attack: ['T1078', 'T1552.007', 'T1550.001'],
  controls: ['NSA-CISA-k8s: Authentication and authorization', 'NSA-CISA-k8s: Network separation and hardening'],
  evidenceLevel: 'Metadata', // the user, user agent and source addresses are in every event
  falsePositives:
    'Distributions whose kubelet runs inside another binary: k3s (`k3s/`), MicroK8s (`kubelite/`); add their prefix to `settings.trust.userAgents.node`. ' +
    'Nodes whose addresses are missing from `nodeNetworks` (a new subnet, IPv6, a NAT gateway in front of the API server). An administrator debugging on a node with its kubeconfig is the misuse this rule reports.',
  remediation:
    'Find which machine the address belongs to and whether the node named is still yours; cordon and drain the node, rotate its credentials (replace the instance, or revoke the client certificate by rotating the cluster CA if the kubelet key left the host), ' +
    'and review what the credentials read: the Secrets and service account tokens of the pods on that node.',
  interest: SENSITIVE_REQUESTS,
  evaluate(view, context: RuleContext): RuleHit | undefined {
    if (view.actor.class !== 'node') return undefined;
    const boundary = TrustBoundary.of(context.settings);
    const userAgent = asString(view.event.userAgent);
    const crossed: string[] = [];
    if (userAgent) {
      if (boundary.isInteractive(userAgent)) crossed.push('used by an interactive client, not a node agent');
      else if (!boundary.isNodeAgent(userAgent)) crossed.push('used by a client that is not a node agent');
    }
    const outside = boundary.outsideNodeNetworks(sourceIPsOf(view));
    if (outside) crossed.push(`used from ${addressText(outside)}, outside the node networks`);
    if (crossed.length === 0) return undefined;
    return {
      severity: 'high',
      summary: `${actorText(view)} made ${requestText(view)} with ${agentText(userAgent)}: node credentials ${crossed.join('; ')}`,
      evidence: { ...clientEvidence(view), crossed, ...(outside ? { outsideNodeNetworks: outside.slice(0, 10) } : {}) },
    };
  },
};

export const workloadCredentialMisuseRule: Rule = {
  id: 'credential.workload-credential-misuse',
  title: 'Service account or control-plane credentials used with an interactive client or from outside the cluster',
  category: 'credential',
  severity: 'high',
  what: 'takeover',
  severityReasons:
    'who: a workload or control-plane identity acting where its own code does not is unknown; what: its token or certificate in another hand (towards whatever it may do); ' +
    'high from outside the node and trusted networks, and for control-plane identities with an interactive client; medium for a service account from outside the node networks but inside the trusted ones (CI, VPN); ' +
    'low for a service account with kubectl from inside (CI Jobs and kubectl images do that all day); evidence: user agent and addresses are metadata, in every event.',
  description:
    'A service account, a kube-system controller or a control-plane identity made a sensitive request with an interactive client (`settings.trust.userAgents.interactive`: `kubectl`, `curl`, `python-requests`, ...), ' +
    'or a service account did from an address outside `settings.trust.nodeNetworks` when that check is on (docs/trust-boundaries.md). Controllers run as their own binaries with their own user agents, from the nodes ' +
    "and the control plane; a token read from a pod (`/var/run/secrets/kubernetes.io/serviceaccount/token`) or a Secret and replayed from a laptop shows up as a service account speaking kubectl or curl, or from an address the cluster's workloads do not have. " +
    'High from outside the node networks and the trusted networks, and for control-plane credentials with an interactive client; medium for a service account from outside the node networks but inside the trusted ones; ' +
    'low for a service account with an interactive client from inside, which is how CI Jobs and `bitnami/kubectl` images work. Judged on the same sensitive requests as `credential.node-credential-misuse`. ' +
    "Control-plane identities are not judged by address (they run where the API server runs; list those addresses in `apiServerAddresses`). The user agent is the client's word: a careful thief sets a controller's, and only the network check catches them.",
  attack: ['T1528', 'T1550.001', 'T1552.007', 'T1078'],
  controls: ['CIS-5.1.6', 'NSA-CISA-k8s: Authentication and authorization', 'NSA-CISA-k8s: Network separation and hardening'],
  evidenceLevel: 'Metadata', // the user, user agent and source addresses are in every event
  falsePositives:
    'CI Jobs and maintenance pods that run `kubectl` or `curl` with their service account (low); external automation holding a service account token (Argo CD managing a remote cluster, CI runners, monitoring), ' +
    'which should be inside `trustedNetworks` (medium) and is better given its own identity. Pod networks missing from `nodeNetworks` (a second pod CIDR, IPv6) make every service account look outside: list them all.',
  remediation:
    'Find who holds the token: a service account token used from outside was read from a pod or a Secret. Delete the token Secret or rotate the service account (delete and recreate it to invalidate bound tokens), ' +
    "check the pod it came from for compromise, and review what the requests did. For CI that needs a token, give it its own identity and add its runners' networks to `trustedNetworks`.",
  interest: SENSITIVE_REQUESTS,
  evaluate(view, context: RuleContext): RuleHit | undefined {
    const actorClass = view.actor.class;
    if (actorClass !== 'service-account' && actorClass !== 'platform' && actorClass !== 'control-plane') return undefined;
    const serviceAccount = actorClass === 'service-account';
    const boundary = TrustBoundary.of(context.settings);
    const userAgent = asString(view.event.userAgent);
    const interactive = boundary.isInteractive(userAgent);
    const sourceIPs = sourceIPsOf(view);
    const outsideNodes = serviceAccount ? boundary.outsideNodeNetworks(sourceIPs) : undefined;
    if (!interactive && !outsideNodes) return undefined;
    const crossed: string[] = [];
    if (interactive) crossed.push('used by an interactive client');
    let severity: Severity;
    if (outsideNodes) {
      const outsideTrusted = boundary.outsideTrusted(sourceIPs);
      // Inside the trusted networks (CI runners, the VPN) a token away from its pod is more often handed out than taken.
      const inTrusted = boundary.trustedNetworkCheck && outsideTrusted === undefined;
      crossed.push(`used from ${addressText(outsideNodes)}, outside the node networks${inTrusted ? ' (inside the trusted networks)' : ''}`);
      severity = inTrusted ? 'medium' : 'high';
    } else {
      severity = serviceAccount ? 'low' : 'high';
    }
    const kind = serviceAccount ? 'service account' : 'control-plane';
    // Said, so a reader of a low finding knows why it is low: CI Jobs and kubectl images run kubectl with their own token.
    const where = !boundary.nodeNetworkCheck
      ? 'node networks not configured, address not judged'
      : sourceIPs !== undefined && sourceIPs.length > 0
        ? 'from inside the node networks'
        : 'no source address logged';
    const note = severity === 'low' ? ` (${where}: a CI Job or kubectl image, or a token taken inside)` : '';
    return {
      severity,
      // For the baseline: a kubectl Job seen every day is access and stays low; CI from its runners
      // becomes routine; a token used from outside everything stays a takeover.
      ...(severity === 'low' ? { what: 'access' as const } : severity === 'medium' ? { what: 'persistence' as const } : {}),
      summary: `${actorText(view)} made ${requestText(view)} with ${agentText(userAgent)}: ${kind} credentials ${crossed.join('; ')}${note}`,
      evidence: { ...clientEvidence(view), crossed, ...(outsideNodes ? { outsideNodeNetworks: outsideNodes.slice(0, 10) } : {}) },
    };
  },
};

export const credentialRules: Rule[] = [
  csrApprovalRule,
  clientCsrRule,
  nodeCreatedRule,
  privilegedImpersonationRule,
  nodeCredentialMisuseRule,
  workloadCredentialMisuseRule,
];
