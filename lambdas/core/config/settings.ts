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
  secrets: { bulkReadNamespaces: number };
  /** names: the log shipper's workloads (`audit-tampering.log-shipper-removed`), matched as whole dash-separated words of the object name. */
  logShippers: { names: string[] };
  /** `restart.security-agent-crash-loop`: the agents (by pod or container name words), and their own, stricter restart threshold and window. */
  securityAgents: { names: string[]; threshold: number; windowMinutes: number };
  /** backupServiceAccounts: `namespace:name` of the backup tool and snapshot controllers (`storage.volume-snapshot` does not report them). */
  storage: { backupServiceAccounts: string[] };
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
  secrets: { bulkReadNamespaces: 3 },
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
  logShippers: { names: ['fluent-bit', 'fluentbit', 'fluentd', 'vector', 'cloudwatch-agent', 'amazon-cloudwatch-observability'] },
};
