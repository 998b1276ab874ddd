import type { Finding } from '../finding';
import type { ClusterPlatform, Control, Platform } from './types';
import { NO_CLUSTER } from './types';

/** What the configuration says of platforms (settings.compliance). */
export interface PlatformSettings {
  /** `detect`: EKS when the cluster's findings name EKS identities, else unknown. */
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

/**
 * Each cluster's platform: configured, else seen in its findings (when detecting), else the
 * default; `unknown` when detecting found nothing (a quiet EKS cluster raises no finding that
 * names an IAM principal, and must not have its API-server flags called held).
 */
export function clusterPlatforms(clusters: readonly string[], findings: readonly Finding[], settings: PlatformSettings): ClusterPlatform[] {
  const seen = new Set(findings.filter(showsEks).map((f) => f.cluster ?? NO_CLUSTER));
  return clusters.map((cluster): ClusterPlatform => {
    const configured = Object.hasOwn(settings.clusters, cluster) ? settings.clusters[cluster]?.platform : undefined;
    if (configured) return { cluster, platform: configured, basis: 'configured' };
    if (settings.platform !== 'detect') return { cluster, platform: settings.platform, basis: 'default' };
    return seen.has(cluster) ? { cluster, platform: 'eks', basis: 'logs' } : { cluster, platform: 'unknown', basis: 'default' };
  });
}

/**
 * Whether a control is the user's to hold on a platform: `yes`, `no`, or `unknown` (a control
 * that depends on the platform, on a cluster whose platform is not known). On EKS, AWS runs the
 * control plane: the CIS Kubernetes sections 1-3 (API server, controller manager, scheduler,
 * etcd, the audit policy) do not apply; on a self-managed cluster the EKS benchmark does not.
 */
export function applicability(control: Control, platform: ClusterPlatform['platform']): 'yes' | 'no' | 'unknown' {
  const onEks = control.framework === 'CIS-EKS' ? true : control.framework === 'CIS' && /^CIS-[123]\./.test(control.id) ? false : undefined;
  if (onEks === undefined) return 'yes';
  if (platform === 'unknown') return 'unknown';
  return (platform === 'eks') === onEks ? 'yes' : 'no';
}
