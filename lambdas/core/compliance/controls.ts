import type { Control } from './types';

/**
 * The controls the rules map to, in three frameworks:
 * - CIS Kubernetes Benchmark v1.9/v1.10 recommendations (the policy section 5.x; 1.2.1, the API
 *   server's anonymous authentication; 1.2.16-1.2.19, its audit log flags; 3.2.x, the audit
 *   policy), titles as the benchmark words them (numbering checked in both versions);
 * - CIS Amazon EKS Benchmark v1.7.0: its section 4 (Policies) and 2.1 (control-plane logging),
 *   titles as the benchmark words them (without the "(Automated)"/"(Manual)" suffix). Section 4
 *   is not named by rules: each is the peer of a CIS Kubernetes recommendation (`EKS_PEERS`), so a
 *   rule's `CIS-5.1.1` also maps it to `CIS-EKS-4.1.1`; the few rules about EKS's own logging
 *   name 2.1.x themselves;
 * - NSA/CISA Kubernetes Hardening Guidance v1.2 sections, one control per section however the
 *   rules spell it (`NSA-CISA-k8s: Kubernetes Pod security` and `NSA-CISA-k8s: Pod security` are
 *   one control);
 * - MITRE ATT&CK v16 techniques and sub-techniques from each rule's `attack`, named as ATT&CK
 *   names them (sub-techniques as `Parent: Sub-technique`).
 *
 * A rule refers to a control by its id (`CIS-5.1.1`, `T1098.006`) or, for the NSA/CISA guide, by
 * `NSA-CISA-k8s: <section title>`. A reference the catalogue does not know resolves to nothing;
 * a test keeps every shipped rule's references resolvable.
 */

/** The benchmark's page; the recommendations themselves are in the PDF behind a free registration. */
export const CIS_BENCHMARK_URL = 'https://www.cisecurity.org/benchmark/kubernetes';
/** The guide (v1.2, August 2022); its sections have no stable anchors. */
export const NSA_CISA_GUIDE_URL = 'https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF';

/** The EKS benchmark's page (the recommendations are in the PDF behind the same registration). */
export const CIS_EKS_BENCHMARK_URL = 'https://www.cisecurity.org/benchmark/kubernetes';
/** The version the EKS titles and numbers are taken from. */
export const CIS_EKS_BENCHMARK_VERSION = 'v1.7.0';

const cis = (section: string, title: string): Control => ({ id: `CIS-${section}`, framework: 'CIS', title, url: CIS_BENCHMARK_URL });
const eks = (section: string, title: string): Control => ({ id: `CIS-EKS-${section}`, framework: 'CIS-EKS', title, url: CIS_EKS_BENCHMARK_URL });
const nsa = (slug: string, title: string): Control => ({ id: `NSA-CISA:${slug}`, framework: 'NSA-CISA', title, url: NSA_CISA_GUIDE_URL });
const technique = (id: string, name: string): Control => ({
  id,
  framework: 'MITRE-ATTACK',
  title: name,
  url: `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`,
});

const CIS_CONTROLS: readonly Control[] = [
  cis('1.2.1', 'Ensure that the --anonymous-auth argument is set to false'),
  cis('1.2.16', 'Ensure that the --audit-log-path argument is set'),
  cis('1.2.17', 'Ensure that the --audit-log-maxage argument is set to 30 or as appropriate'),
  cis('1.2.18', 'Ensure that the --audit-log-maxbackup argument is set to 10 or as appropriate'),
  cis('1.2.19', 'Ensure that the --audit-log-maxsize argument is set to 100 or as appropriate'),
  // 3.2 Logging
  cis('3.2.1', 'Ensure that a minimal audit policy is created'),
  cis('3.2.2', 'Ensure that the audit policy covers key security concerns'),
  // 5.1 RBAC and Service Accounts
  cis('5.1.1', 'Ensure that the cluster-admin role is only used where required'),
  cis('5.1.2', 'Minimize access to secrets'),
  cis('5.1.3', 'Minimize wildcard use in Roles and ClusterRoles'),
  cis('5.1.4', 'Minimize access to create pods'),
  cis('5.1.5', 'Ensure that default service accounts are not actively used'),
  cis('5.1.6', 'Ensure that Service Account Tokens are only mounted where necessary'),
  cis('5.1.7', 'Avoid use of system:masters group'),
  cis('5.1.8', 'Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster'),
  cis('5.1.9', 'Minimize access to create persistent volumes'),
  cis('5.1.10', 'Minimize access to the proxy sub-resource of nodes'),
  cis('5.1.11', 'Minimize access to the approval sub-resource of certificatesigningrequests objects'),
  cis('5.1.12', 'Minimize access to webhook configuration objects'),
  cis('5.1.13', 'Minimize access to the service account token creation'),
  // 5.2 Pod Security Standards
  cis('5.2.1', 'Ensure that the cluster has at least one active policy control mechanism in place'),
  cis('5.2.2', 'Minimize the admission of privileged containers'),
  cis('5.2.3', 'Minimize the admission of containers wishing to share the host process ID namespace'),
  cis('5.2.4', 'Minimize the admission of containers wishing to share the host IPC namespace'),
  cis('5.2.5', 'Minimize the admission of containers wishing to share the host network namespace'),
  cis('5.2.6', 'Minimize the admission of containers with allowPrivilegeEscalation'),
  cis('5.2.7', 'Minimize the admission of root containers'),
  cis('5.2.8', 'Minimize the admission of containers with the NET_RAW capability'),
  cis('5.2.9', 'Minimize the admission of containers with added capabilities'),
  cis('5.2.10', 'Minimize the admission of containers with capabilities assigned'),
  cis('5.2.11', 'Minimize the admission of Windows HostProcess containers'),
  cis('5.2.12', 'Minimize the admission of HostPath volumes'),
  cis('5.2.13', 'Minimize the admission of containers which use HostPorts'),
  // 5.4 Secrets Management, 5.5 Extensible Admission Control, 5.7 General Policies
  cis('5.4.1', 'Prefer using Secrets as files over Secrets as environment variables'),
  cis('5.4.2', 'Consider external secret storage'),
  cis('5.5.1', 'Configure Image Provenance using ImagePolicyWebhook admission controller'),
  cis('5.7.1', 'Create administrative boundaries between resources using namespaces'),
  cis('5.7.2', 'Ensure that the seccomp profile is set to docker/default in your Pod definitions'),
  cis('5.7.3', 'Apply SecurityContext to your Pods and Containers'),
  cis('5.7.4', 'The default namespace should not be used'),
];

const EKS_CONTROLS: readonly Control[] = [
  // 2.1 Logging: on EKS the audit log is switched on per cluster (control-plane logging), not by flags.
  eks('2.1.1', 'Enable audit Logs'),
  eks('2.1.2', 'Ensure audit logs are collected and managed'),
  // 4.1 RBAC and Service Accounts
  eks('4.1.1', 'Ensure that the cluster-admin role is only used where required'),
  eks('4.1.2', 'Minimize access to secrets'),
  eks('4.1.3', 'Minimize wildcard use in Roles and ClusterRoles'),
  eks('4.1.4', 'Minimize access to create pods'),
  eks('4.1.5', 'Ensure that default service accounts are not actively used.'),
  eks('4.1.6', 'Ensure that Service Account Tokens are only mounted where necessary'),
  eks('4.1.7', 'Cluster Access Manager API to streamline and enhance the management of access controls within EKS clusters'),
  eks('4.1.8', 'Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster'),
  // 4.2 Pod Security Standards
  eks('4.2.1', 'Minimize the admission of privileged containers'),
  eks('4.2.2', 'Minimize the admission of containers wishing to share the host process ID namespace'),
  eks('4.2.3', 'Minimize the admission of containers wishing to share the host IPC namespace'),
  eks('4.2.4', 'Minimize the admission of containers wishing to share the host network namespace'),
  eks('4.2.5', 'Minimize the admission of containers with allowPrivilegeEscalation'),
  // 4.4 Secrets Management, 4.5 General Policies
  eks('4.4.1', 'Prefer using secrets as files over secrets as environment variables'),
  eks('4.4.2', 'Consider external secret storage'),
  eks('4.5.1', 'Create administrative boundaries between resources using namespaces'),
  eks('4.5.2', 'The default namespace should not be used'),
];

/**
 * Each CIS Kubernetes recommendation a rule may name, to its CIS Amazon EKS peer, or `null` with
 * why it has none. Written once here rather than in every rule; a test keeps every CIS Kubernetes
 * control of the catalogue decided. Sections 1-3 (the control plane's flags, etcd, the audit
 * policy) are AWS's on EKS; only the audit log's switch and its keeping are the user's (2.1.x).
 */
export const EKS_PEERS: Readonly<Record<string, string | null>> = {
  'CIS-1.2.1': null, // anonymous auth is an API-server flag AWS sets
  // The audit log flags: on EKS logging is switched on per cluster (CIS-EKS-2.1.1) and kept in
  // CloudWatch Logs and S3 (2.1.2); the rules that watch those name the EKS controls themselves.
  'CIS-1.2.16': null,
  'CIS-1.2.17': null,
  'CIS-1.2.18': null,
  'CIS-1.2.19': null,
  'CIS-3.2.1': null, // the audit policy is AWS's on EKS
  'CIS-3.2.2': null,
  'CIS-5.1.1': 'CIS-EKS-4.1.1',
  'CIS-5.1.2': 'CIS-EKS-4.1.2',
  'CIS-5.1.3': 'CIS-EKS-4.1.3',
  'CIS-5.1.4': 'CIS-EKS-4.1.4',
  'CIS-5.1.5': 'CIS-EKS-4.1.5',
  'CIS-5.1.6': 'CIS-EKS-4.1.6',
  'CIS-5.1.7': 'CIS-EKS-4.1.7', // system:masters is granted on EKS through aws-auth or access entries: the access-management recommendation
  'CIS-5.1.8': 'CIS-EKS-4.1.8',
  'CIS-5.1.9': null, // v1.7.0 has no 4.1.x for persistent volumes, node proxy, CSR approval, webhooks or token creation
  'CIS-5.1.10': null,
  'CIS-5.1.11': null,
  'CIS-5.1.12': null,
  'CIS-5.1.13': null,
  'CIS-5.2.1': null, // v1.7.0 starts 4.2 at privileged containers
  'CIS-5.2.2': 'CIS-EKS-4.2.1',
  'CIS-5.2.3': 'CIS-EKS-4.2.2',
  'CIS-5.2.4': 'CIS-EKS-4.2.3',
  'CIS-5.2.5': 'CIS-EKS-4.2.4',
  'CIS-5.2.6': 'CIS-EKS-4.2.5',
  'CIS-5.2.7': null, // root, NET_RAW, capabilities, HostProcess, HostPath, HostPorts: not in v1.7.0's 4.2
  'CIS-5.2.8': null,
  'CIS-5.2.9': null,
  'CIS-5.2.10': null,
  'CIS-5.2.11': null,
  'CIS-5.2.12': null,
  'CIS-5.2.13': null,
  'CIS-5.4.1': 'CIS-EKS-4.4.1',
  'CIS-5.4.2': 'CIS-EKS-4.4.2',
  'CIS-5.5.1': null, // no ImagePolicyWebhook on EKS (an admission-controller flag)
  'CIS-5.7.1': 'CIS-EKS-4.5.1',
  'CIS-5.7.2': null, // v1.7.0 has no seccomp or security-context recommendation in 4.5
  'CIS-5.7.3': null,
  'CIS-5.7.4': 'CIS-EKS-4.5.2',
};

const NSA_CONTROLS: readonly Control[] = [
  nsa('pod-security', 'Kubernetes Pod security'),
  nsa('network-separation', 'Network separation and hardening'),
  nsa('namespaces', 'Network separation and hardening: Namespaces'),
  nsa('authentication-authorization', 'Authentication and authorization'),
  nsa('logging-threat-detection', 'Audit logging and threat detection'),
  nsa('upgrading', 'Upgrading and application security practices'),
];

/** The section titles rules write after `NSA-CISA-k8s:`, lower case, to the control's slug. */
const NSA_ALIASES: Readonly<Record<string, string>> = {
  'kubernetes pod security': 'pod-security',
  'pod security': 'pod-security',
  'network separation and hardening': 'network-separation',
  'network separation': 'network-separation',
  namespaces: 'namespaces',
  'authentication and authorization': 'authentication-authorization',
  'audit logging and threat detection': 'logging-threat-detection',
  'logging and threat detection': 'logging-threat-detection',
  'upgrading and application security practices': 'upgrading',
};

const ATTACK_CONTROLS: readonly Control[] = [
  technique('T1006', 'Direct Volume Access'),
  technique('T1027.001', 'Obfuscated Files or Information: Binary Padding'),
  technique('T1036', 'Masquerading'),
  technique('T1036.005', 'Masquerading: Match Legitimate Name or Location'),
  technique('T1053.007', 'Scheduled Task/Job: Container Orchestration Job'),
  technique('T1059.004', 'Command and Scripting Interpreter: Unix Shell'),
  technique('T1070', 'Indicator Removal'),
  technique('T1078', 'Valid Accounts'),
  technique('T1078.001', 'Valid Accounts: Default Accounts'),
  technique('T1098', 'Account Manipulation'),
  technique('T1098.001', 'Account Manipulation: Additional Cloud Credentials'),
  technique('T1098.006', 'Account Manipulation: Additional Container Cluster Roles'),
  technique('T1105', 'Ingress Tool Transfer'),
  technique('T1136', 'Create Account'),
  technique('T1190', 'Exploit Public-Facing Application'),
  technique('T1195.002', 'Supply Chain Compromise: Compromise Software Supply Chain'),
  technique('T1204.003', 'User Execution: Malicious Image'),
  technique('T1485', 'Data Destruction'),
  technique('T1496', 'Resource Hijacking'),
  technique('T1525', 'Implant Internal Image'),
  technique('T1528', 'Steal Application Access Token'),
  technique('T1543', 'Create or Modify System Process'),
  technique('T1543.005', 'Create or Modify System Process: Container Service'),
  technique('T1548', 'Abuse Elevation Control Mechanism'),
  technique('T1550.001', 'Use Alternate Authentication Material: Application Access Token'),
  technique('T1552', 'Unsecured Credentials'),
  technique('T1552.005', 'Unsecured Credentials: Cloud Instance Metadata API'),
  technique('T1552.007', 'Unsecured Credentials: Container API'),
  technique('T1556', 'Modify Authentication Process'),
  technique('T1557', 'Adversary-in-the-Middle'),
  technique('T1562.001', 'Impair Defenses: Disable or Modify Tools'),
  technique('T1562.006', 'Impair Defenses: Indicator Blocking'),
  technique('T1562.008', 'Impair Defenses: Disable or Modify Cloud Logs'),
  technique('T1565', 'Data Manipulation'),
  technique('T1595', 'Active Scanning'),
  technique('T1609', 'Container Administration Command'),
  technique('T1610', 'Deploy Container'),
  technique('T1611', 'Escape to Host'),
  technique('T1613', 'Container and Resource Discovery'),
  technique('T1649', 'Steal or Forge Authentication Certificates'),
];

/** Every catalogued control, CIS first, then CIS EKS, NSA/CISA, ATT&CK. */
export const CONTROLS: readonly Control[] = [...CIS_CONTROLS, ...EKS_CONTROLS, ...NSA_CONTROLS, ...ATTACK_CONTROLS];

const BY_ID = new Map(CONTROLS.map((c) => [c.id, c]));

/**
 * The control a rule's reference names: an id (`CIS-5.1.1`, `T1098.006`, `NSA-CISA:pod-security`)
 * or an NSA/CISA section as rules write it (`NSA-CISA-k8s: Kubernetes Pod security`). Undefined
 * when the catalogue does not know it.
 */
export function resolveControl(reference: string): Control | undefined {
  const byId = BY_ID.get(reference.trim());
  if (byId) return byId;
  const nsaSection = /^NSA-CISA(?:-k8s)?:\s*(.+)$/i.exec(reference.trim());
  if (!nsaSection) return undefined;
  const slug = NSA_ALIASES[nsaSection[1].trim().replace(/\s+/g, ' ').toLowerCase()];
  return slug === undefined ? undefined : BY_ID.get(`NSA-CISA:${slug}`);
}

/** The references of a rule (its `controls` and `attack`) the catalogue does not know. */
export function unresolvedReferences(detection: { controls: readonly string[]; attack: readonly string[] }): string[] {
  return [...detection.controls, ...detection.attack].filter((ref) => resolveControl(ref) === undefined);
}

/**
 * The catalogued controls a rule maps to: its `controls` (each CIS Kubernetes one followed by its
 * EKS peer), then its ATT&CK techniques, each once.
 */
export function controlsOf(detection: { controls: readonly string[]; attack: readonly string[] }): Control[] {
  const out = new Map<string, Control>();
  const add = (control: Control | undefined): void => {
    if (control && !out.has(control.id)) out.set(control.id, control);
  };
  for (const ref of [...detection.controls, ...detection.attack]) {
    const control = resolveControl(ref);
    add(control);
    const peer = control ? EKS_PEERS[control.id] : undefined;
    if (peer) add(BY_ID.get(peer));
  }
  return [...out.values()];
}
