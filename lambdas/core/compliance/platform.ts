import type { Finding } from '../finding';
import type { ClusterPlatform, Platform } from './types';

/** What the configuration says of platforms (settings.compliance). */
export interface PlatformSettings {
  /** `detect`: EKS when the cluster's findings name EKS identities, else self-managed. */
  platform: Platform | 'detect';
  /** Per cluster, by name: wins over detection and the default. */
  clusters: Readonly<Record<string, { platform: Platform }>>;
}

/**
 * Identities only EKS issues: the control plane's own users (`eks:node-manager`,
 * `eks:certificate-controller`), IAM principals as the AWS authenticator names them
 * (`arn:aws:iam::…:user/…`, `arn:aws:sts::…:assumed-role/…`, also in the GovCloud and China
 * partitions), and EKS's groups (`eks:cluster-admins`, access entries' `eks:…`).
 */
const EKS_USER = /^(?:eks:|arn:aws(?:-us-gov|-cn)?:(?:iam|sts)::\d{12}:)/;
const EKS_GROUP = /^eks:/;

/**
 * Whether a finding shows its cluster is EKS. Every field is the attacker's, but a forged EKS
 * identity can only make a self-managed cluster's flag controls `not-applicable`, never `held`:
 * the report then claims less, not more. Configure `platform: self-managed` to override.
 */
export function showsEks(f: Finding): boolean {
  return EKS_USER.test(f.actor.username) || (f.actor.groups ?? []).some((g) => EKS_GROUP.test(g));
}

/** Each cluster's platform: configured, else seen in its findings (when detecting), else the default. */
export function clusterPlatforms(clusters: readonly string[], findings: readonly Finding[], settings: PlatformSettings): ClusterPlatform[] {
  const seen = new Set(findings.filter(showsEks).map((f) => f.cluster));
  return clusters.map((cluster): ClusterPlatform => {
    const configured = Object.hasOwn(settings.clusters, cluster) ? settings.clusters[cluster]?.platform : undefined;
    if (configured) return { cluster, platform: configured, basis: 'configured' };
    if (settings.platform === 'detect')
      return seen.has(cluster) ? { cluster, platform: 'eks', basis: 'logs' } : { cluster, platform: 'self-managed', basis: 'default' };
    return { cluster, platform: settings.platform, basis: 'default' };
  });
}
