import type { Severity } from '../finding';

/** Thresholds and allowlists the rules read; every field has a default (see config/schema.ts). */
export interface Settings {
  restarts: { threshold: number; windowMinutes: number };
  /**
   * offensiveTools: image repositories of known attack tooling (`image.offensive-tool`); an entry is a
   * repository (`metasploitframework/metasploit-framework`), its last segment (`xmrig`), or an
   * account with `/*` (`kalilinux/*`).
   */
  images: { allowedRegistries: string[]; flagMutableTags: boolean; offensiveTools: string[] };
  serviceAccountTokens: { maxExpirationSeconds: number };
  /**
   * clusterWideReaders: `namespace:name` of the add-ons whose charts give them a cluster-wide watch on
   * Secrets (certificate, ingress and external-secret controllers, kube-state-metrics): their
   * cluster-wide reads are `low` in `secret.bulk-read`, not `medium`.
   */
  secrets: { bulkReadNamespaces: number; clusterWideReaders: string[] };
  /** names: the log shipper's workloads (`audit-tampering.log-shipper-removed`), matched as whole dash-separated words of the object name. */
  logShippers: { names: string[] };
  /** `restart.security-agent-crash-loop`: the agents (by pod or container name words), and their own, stricter restart threshold and window. */
  securityAgents: { names: string[]; threshold: number; windowMinutes: number };
  /** backupServiceAccounts: `namespace:name` of the backup tool and snapshot controllers (`storage.volume-snapshot` does not report them). */
  storage: { backupServiceAccounts: string[] };
  /**
   * Trust boundaries (docs/trust-boundaries.md). Networks are CIDR lists; an empty list switches its
   * check off, so nothing is guessed about addresses the configuration does not name.
   * - nodeNetworks: where node and pod credentials are used from (node subnets, the pod CIDR; on EKS
   *   with the VPC CNI, the VPC's subnets);
   * - trustedNetworks: where people and automation act from (VPN, CI runners, bastions, the VPC);
   * - apiServerAddresses: the API server's own addresses (loopback, control-plane ENIs): inside every boundary;
   * - privateRangesTrusted: whether private addresses (RFC 1918, RFC 4193, loopback) count as inside both
   *   nodeNetworks and trustedNetworks (then those checks are on even with empty lists).
   * userAgents: user-agent prefixes. `node`: the agents node credentials run as (another client with
   * them is a credential finding); `interactive`: clients a person drives (`kubectl`, `curl`), which
   * node, control-plane and service-account credentials have no business running as.
   */
  trust: {
    nodeNetworks: string[];
    trustedNetworks: string[];
    apiServerAddresses: string[];
    privateRangesTrusted: boolean;
    userAgents: { node: string[]; interactive: string[] };
  };
  /**
   * First-seen baselines (docs/baselines.md): per cluster, which identity did which kind of
   * sensitive action (rule × actor × verb × resource × namespace), by UTC day. `learningDays`: the
   * window remembered, and how long a cluster's baseline learns before it calls anything new;
   * `routineDays`: on how many earlier days of the window an action must have been seen to be routine;
   * `resetBefore`: sightings before this date (ISO 8601) are ignored, a reset that needs no deletion.
   */
  baseline: { enabled: boolean; learningDays: number; routineDays: number; resetBefore?: string };
  /**
   * The compliance report (docs/compliance.md). `violationSeverity`: findings below it violate no
   * control (a refused request never does). `platform`: who runs the control plane: `eks` (AWS: the
   * API-server flag controls are not applicable), `self-managed`, or `detect` (EKS when a cluster's
   * findings name EKS or IAM identities, else self-managed). `clusters`: per cluster name, its
   * `platform`, which wins over the default.
   */
  compliance: {
    violationSeverity: Severity;
    platform: 'eks' | 'self-managed' | 'detect';
    clusters: Record<string, { platform: 'eks' | 'self-managed' }>;
  };
}

export const DEFAULT_SETTINGS: Settings = {
  restarts: { threshold: 5, windowMinutes: 60 },
  images: {
    allowedRegistries: [],
    flagMutableTags: true,
    offensiveTools: [
      'kalilinux/*',
      'parrotsec/*',
      'blackarchlinux/*',
      'metasploitframework/metasploit-framework',
      'bcsecurity/empire',
      'peirates',
      'kube-hunter',
      'chisel',
      'sliver',
      'xmrig',
      'cpuminer',
      'minerd',
    ],
  },
  serviceAccountTokens: { maxExpirationSeconds: 24 * 3600 },
  secrets: {
    bulkReadNamespaces: 3,
    clusterWideReaders: [
      'cert-manager:cert-manager',
      'cert-manager:cert-manager-cainjector',
      'external-secrets:external-secrets',
      'ingress-nginx:ingress-nginx',
      'ingress-nginx:ingress-nginx-controller',
      'monitoring:kube-state-metrics',
      'kube-system:kube-state-metrics',
      'monitoring:prometheus-operator',
      'monitoring:kube-prometheus-stack-operator',
    ],
  },
  securityAgents: {
    names: ['falco', 'aws-guardduty-agent', 'cilium', 'cilium-agent', 'tetragon', 'falcon-sensor'],
    threshold: 2,
    windowMinutes: 15,
  },
  storage: {
    backupServiceAccounts: [
      'velero:velero',
      'kasten-io:k10-k10',
      'kube-system:snapshot-controller',
      'kube-system:ebs-csi-controller-sa',
      'kube-system:efs-csi-controller-sa',
      'kube-system:csi-snapshotter',
    ],
  },
  trust: {
    nodeNetworks: [],
    trustedNetworks: [],
    apiServerAddresses: [],
    privateRangesTrusted: false,
    userAgents: {
      node: ['kubelet/', 'kubelet.exe/'],
      interactive: ['kubectl/', 'kubectl.exe/', 'curl/', 'Wget/', 'python-requests/', 'python-httpx/', 'HTTPie/', 'PostmanRuntime/', 'insomnia/'],
    },
  },
  baseline: { enabled: true, learningDays: 14, routineDays: 4 },
  compliance: { violationSeverity: 'medium', platform: 'detect', clusters: {} },
  logShippers: { names: ['fluent-bit', 'fluentbit', 'fluentd', 'vector', 'cloudwatch-agent', 'amazon-cloudwatch-observability'] },
};
