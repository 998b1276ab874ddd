import type { EventView } from '../detect/event-view';
import { asObject, asString } from '../detect/event-view';
import type { Rule, RuleHit } from '../detect/rule';
import type { Severity } from '../finding';
import { actorText, changedFields, field, forActor, isBaseline, kindOf, pastTense, writtenObject } from './support/common';

/** Host paths that hand over the node: its root, configuration, credentials, runtime sockets. */
const SENSITIVE_HOST_PATHS = [
  '/etc',
  '/root',
  '/home',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/var/run',
  '/run',
  '/var/lib/kubelet',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/etc/kubernetes',
  '/var/log',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
];

/** A path as the kernel resolves it: `//etc/./kubernetes/` is `/etc/kubernetes`. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

export function isSensitiveHostPath(path: string): boolean {
  const p = normalizePath(path);
  return p === '/' || SENSITIVE_HOST_PATHS.some((s) => p === s || p.startsWith(`${s}/`)) || /\.sock$/.test(p);
}

const isPersistentVolume = (view: EventView): boolean => view.resource === 'persistentvolumes' && view.subresource === '';

export const hostPathVolumeRule: Rule = {
  id: 'storage.hostpath-persistent-volume',
  title: 'PersistentVolume exposing a host path',
  category: 'storage',
  severity: 'critical',
  severityReasons:
    "who: a person or unknown identity; what: a hostPath PersistentVolume hands a node's filesystem to whoever claims it (takeover of the node), rated by the path it exposes.",
  description:
    'A PersistentVolume backed by `hostPath` was created by a person or a workload. Whoever can claim it mounts that directory of a node, with none of the pod-level checks (Pod Security admission ' +
    'blocks hostPath volumes in pods, not in PersistentVolumes), so it is a way to reach the host from a namespace that is otherwise restricted. ' +
    'High for people, medium for service accounts (hostPath provisioners), critical for sensitive paths (`/`, `/etc`, `/root`, `/proc`, `/var/lib/kubelet`, runtime sockets); `local` volumes count only on sensitive paths.',
  attack: ['T1611', 'T1006'],
  controls: ['CIS-5.1.9', 'CIS-5.2.12', 'NSA-CISA-k8s: Pod security'],
  evidenceLevel: 'Request', // the volume source is in the body; at Metadata only PersistentVolumes people create are seen
  falsePositives:
    "Single-node and lab clusters with hostPath provisioners (minikube, kind's local-path-provisioner). Add exceptions for the provisioner's service account.",
  remediation:
    'Delete the PersistentVolume and any claim bound to it, check which pods mounted it, and restrict `create` on persistentvolumes to storage administrators (CIS 5.1.9).',
  interest: [{ verbs: ['create', 'update', 'patch'], resources: ['persistentvolumes'] }],
  evaluate(view): RuleHit | undefined {
    if (!isPersistentVolume(view) || !['create', 'update', 'patch'].includes(view.verb) || isBaseline(view)) return undefined;
    const pv = writtenObject(view);
    const who = actorText(view);
    if (pv === undefined) {
      // A person creating PersistentVolumes by hand is worth a line when we cannot see what they mount.
      if (view.verb !== 'create' || view.actor.class !== 'user') return undefined;
      return { severity: 'low', summary: `${who} created PersistentVolume ${view.name}; its source was not logged`, evidence: {} };
    }
    const hostPath = asString(field(pv, 'spec', 'hostPath', 'path'));
    const localPath = asString(field(pv, 'spec', 'local', 'path'));
    const path = hostPath ?? localPath;
    if (path === undefined) return undefined;
    const sensitive = isSensitiveHostPath(path);
    if (hostPath === undefined && !sensitive) return undefined;
    const severity: Severity = sensitive ? 'critical' : view.actor.class === 'service-account' ? 'medium' : 'high';
    const claim = asObject(field(pv, 'spec', 'claimRef'));
    const claimText = claim ? ` (pre-bound to claim ${String(claim.namespace)}/${String(claim.name)})` : '';
    return {
      severity,
      summary: `${who} ${pastTense(view.verb)} PersistentVolume ${view.name} mounting host path ${path}${claimText}`,
      evidence: {
        [hostPath !== undefined ? 'hostPath' : 'localPath']: path,
        ...(hostPath !== undefined && asString(field(pv, 'spec', 'hostPath', 'type')) ? { hostPathType: field(pv, 'spec', 'hostPath', 'type') } : {}),
        ...(claim ? { claimRef: { namespace: claim.namespace, name: claim.name } } : {}),
        ...(sensitive ? { reasons: ['sensitive host path'] } : {}),
      },
    };
  },
};

export const volumeDeletedRule: Rule = {
  id: 'storage.volume-deleted',
  title: 'PersistentVolume or PersistentVolumeClaim deleted',
  category: 'storage',
  what: 'change',
  severity: 'medium',
  severityReasons:
    'who: a person or unknown identity; what: deleting volumes destroys data (impact) but adds no privilege, so it is rated as a change, raised with its reach.',
  description:
    'A PersistentVolume or PersistentVolumeClaim was deleted by a person (medium) or a workload (low). With the default `Delete` reclaim policy deleting the claim destroys the data: ' +
    'a way to wipe evidence or cause damage, and a step in replacing a volume with one the attacker controls. The PV controller cleaning up released volumes is the baseline.',
  attack: ['T1485', 'T1070'],
  controls: ['CIS-5.1.9', 'NSA-CISA-k8s: Audit logging and threat detection'],
  evidenceLevel: 'Metadata',
  falsePositives: 'Tearing down environments and scaling StatefulSets down by hand; GitOps tools pruning. Add exceptions by identity and namespace.',
  remediation: 'Restore from snapshots if the data mattered; use `Retain` for volumes holding state and restrict `delete` on persistentvolumeclaims.',
  interest: [{ verbs: ['delete', 'deletecollection'], resources: ['persistentvolumes', 'persistentvolumeclaims'] }],
  evaluate(view): RuleHit | undefined {
    if ((view.resource !== 'persistentvolumes' && view.resource !== 'persistentvolumeclaims') || view.subresource !== '') return undefined;
    if ((view.verb !== 'delete' && view.verb !== 'deletecollection') || isBaseline(view)) return undefined;
    const kind = kindOf(view.resource);
    const target =
      view.verb === 'deletecollection'
        ? `all ${kind}s${view.namespace ? ` in namespace ${view.namespace}` : ''}`
        : `${kind} ${view.namespace ? `${view.namespace}/` : ''}${view.name}`;
    const policy = asString(field(view.object, 'spec', 'persistentVolumeReclaimPolicy'));
    return {
      severity: view.actor.class === 'service-account' ? 'low' : 'medium',
      summary: `${actorText(view)} deleted ${target}`,
      evidence: policy ? { reclaimPolicy: policy } : {},
    };
  },
};

const DESTRUCTIVE_POLICIES = new Set(['Delete', 'Recycle']);

export const reclaimPolicyRule: Rule = {
  id: 'storage.reclaim-policy-changed',
  title: 'PersistentVolume reclaim policy set to Delete or Recycle',
  category: 'storage',
  what: 'change',
  severity: 'medium',
  severityReasons: 'who: a person or unknown identity; what: switching a volume to Delete arms data destruction without adding privilege (a change).',
  description:
    "A PersistentVolume's `persistentVolumeReclaimPolicy` was set to `Delete` or `Recycle` by a person or a workload: the next deletion of its claim destroys (or wipes) the data, so this is the quiet first half of a data-destruction attack. " +
    'Medium when a patch sets it; an update is low because the log holds only the new object and the previous policy is unknown.',
  attack: ['T1485'],
  controls: ['CIS-5.1.9'],
  evidenceLevel: 'Request', // the policy is in the body
  falsePositives: 'Storage administrators cleaning up volumes they intend to release. Add exceptions by identity.',
  remediation: 'Set the policy back to `Retain` if the volume holds data that matters, and find out why it was changed.',
  interest: [{ verbs: ['update', 'patch'], resources: ['persistentvolumes'] }],
  evaluate(view): RuleHit | undefined {
    if (!isPersistentVolume(view) || (view.verb !== 'update' && view.verb !== 'patch') || isBaseline(view)) return undefined;
    const policy = asString(field(changedFields(view), 'spec', 'persistentVolumeReclaimPolicy'));
    if (policy === undefined || !DESTRUCTIVE_POLICIES.has(policy)) return undefined;
    return {
      severity: view.verb === 'patch' ? 'medium' : 'low',
      summary: `${actorText(view)} set the reclaim policy of PersistentVolume ${view.name} to ${policy}`,
      evidence: { reclaimPolicy: policy, ...(view.verb === 'update' ? { previousPolicy: 'not in the log (update carries the new object only)' } : {}) },
    };
  },
};

const DEFAULT_CLASS_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

export const storageClassRule: Rule = {
  id: 'storage.storageclass-changed',
  title: 'StorageClass created, changed or deleted',
  category: 'storage',
  what: 'change',
  severity: 'medium',
  severityReasons: "who: a person or unknown identity; what: a StorageClass decides where every new volume's data goes (a change at cluster scope).",
  description:
    'A StorageClass was written by someone other than the platform. It decides which provisioner creates every new volume and what happens to the data on release; ' +
    "pointing the default class at an attacker's provisioner hands it the data of every new claim. Low; medium when the write makes the class the cluster default.",
  attack: ['T1485', 'T1565'],
  controls: ['CIS-5.1.9'],
  evidenceLevel: 'Metadata', // every write is raised; the provisioner and default-class annotation need the body
  falsePositives: 'Installing or upgrading CSI drivers and cluster add-ons. Add exceptions for the identities that manage storage.',
  remediation: 'Compare the class with what the storage team installed, in particular `provisioner` and the default-class annotation.',
  interest: [{ verbs: ['create', 'update', 'patch', 'delete'], resources: ['storageclasses'] }],
  evaluate(view): RuleHit | undefined {
    if (view.resource !== 'storageclasses' || view.subresource !== '' || !['create', 'update', 'patch', 'delete'].includes(view.verb) || isBaseline(view))
      return undefined;
    const body = view.verb === 'delete' ? undefined : writtenObject(view);
    const changed = changedFields(view);
    const annotations = asObject(field(changed, 'metadata', 'annotations'));
    const makesDefault = DEFAULT_CLASS_ANNOTATIONS.some((a) => annotations?.[a] === 'true');
    const provisioner = asString(body?.provisioner);
    return {
      severity: makesDefault ? 'medium' : 'low',
      summary: `${actorText(view)} ${pastTense(view.verb)} StorageClass ${view.name}${provisioner ? ` (provisioner ${provisioner})` : ''}${makesDefault ? ', making it the default' : ''}`,
      evidence: {
        ...(provisioner ? { provisioner } : {}),
        ...(asString(body?.reclaimPolicy) ? { reclaimPolicy: body?.reclaimPolicy } : {}),
        ...(makesDefault ? { defaultClass: true } : {}),
      },
    };
  },
};

const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';

/** Whether the actor is one of the configured backup identities (`namespace:name`). */
function isBackupTool(view: EventView, backup: readonly string[]): boolean {
  const sa = view.actor.serviceAccount;
  return sa !== undefined && backup.includes(`${sa.namespace}:${sa.name}`);
}

export const volumeSnapshotRule: Rule = {
  id: 'storage.volume-snapshot',
  title: 'Volume snapshot taken or imported outside the backup tool',
  category: 'storage',
  what: 'access',
  severity: 'high',
  severityReasons:
    "who: an identity that is not the backup tool (settings.storage.backupServiceAccounts); what: a snapshot copies a volume's data where the snapshotter can read it (exfiltration, a persistent copy): persistence, high; where: one step up for system namespaces; evidence: the VolumeSnapshot or VolumeSnapshotContent in the request body.",
  description:
    'A VolumeSnapshot or VolumeSnapshotContent was created by an identity that is not the backup tool or a snapshot controller ' +
    "(settings.storage.backupServiceAccounts). A snapshot is a copy of a volume's data that can be restored into a new claim anywhere the " +
    'snapshot class allows, and read there: a database copied without touching its pod. A VolumeSnapshot is medium; a VolumeSnapshotContent ' +
    '(cluster-scoped, pre-provisioned from a storage-system snapshot handle) is high, since it imports any snapshot the CSI driver can reach, ' +
    "including those of other namespaces' volumes.",
  attack: ['T1006'],
  controls: ['NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata', // verb, resource and actor decide; the source is read from the body when logged
  falsePositives:
    'Operators taking snapshots by hand before a migration; backup tools not in the list. Add their service accounts to settings.storage.backupServiceAccounts.',
  remediation:
    'Find out which volume was copied and where it was restored (`kubectl get pvc -A -o json | jq` for dataSource naming the snapshot); delete the snapshot ' +
    'and restored claims if unexpected, and restrict create on volumesnapshots and volumesnapshotcontents.',
  interest: [{ verbs: ['create'], resources: ['volumesnapshots', 'volumesnapshotcontents'] }],
  evaluate(view, context): RuleHit | undefined {
    if (view.verb !== 'create' || view.subresource !== '' || (view.apiGroup !== '' && view.apiGroup !== SNAPSHOT_GROUP)) return undefined;
    if (isBaseline(view) || isBackupTool(view, context.settings.storage.backupServiceAccounts)) return undefined;
    const content = view.resource === 'volumesnapshotcontents';
    const source = asObject(field(view.object, 'spec', 'source'));
    const from = asString(source?.persistentVolumeClaimName) ?? asString(source?.snapshotHandle) ?? asString(source?.volumeHandle);
    const kind = content ? 'VolumeSnapshotContent' : 'VolumeSnapshot';
    return {
      severity: forActor(view, content ? 'high' : 'medium'),
      summary: `${actorText(view)} created ${kind} ${view.namespace ? `${view.namespace}/` : ''}${view.name}${from ? ` of ${from}` : ''}`,
      evidence: source ? { source } : {},
    };
  },
};

export const claimedForeignDataRule: Rule = {
  id: 'storage.claim-reaches-other-data',
  title: 'Claim or volume bound to existing data by hand',
  category: 'storage',
  severity: 'high',
  severityReasons:
    "who: a person or unknown identity; what: a claim or volume bound by hand to another namespace's data or a host path crosses the namespace boundary: access to data that is not theirs, high; where: the namespaces on both sides; evidence: the PV or PVC spec (Request level).",
  description:
    'A PersistentVolumeClaim was created that names a data source in another namespace (`dataSourceRef.namespace`, high) or binds itself to a ' +
    'specific existing PersistentVolume (`volumeName`, medium), or a PersistentVolume was created pre-bound (`claimRef`) to a claim in a ' +
    'namespace and pointing at an existing disk or share (a CSI volume handle, an EBS volume, NFS; medium). These are the ways to mount ' +
    "a volume released by another namespace (reclaimPolicy Retain) or another tenant's disk into a namespace one controls.",
  attack: ['T1006'],
  controls: ['NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Request', // the binding fields are in the body
  falsePositives: 'Restores and migrations that re-attach retained volumes by hand; static provisioning in clusters that do not use dynamic provisioning.',
  remediation: "Check whose data the volume holds (its previous claim, the disk's tags in the cloud) and delete the claim if the namespace should not have it.",
  interest: [{ verbs: ['create'], resources: ['persistentvolumeclaims', 'persistentvolumes'] }],
  evaluate(view): RuleHit | undefined {
    if (view.verb !== 'create' || view.subresource !== '' || isBaseline(view)) return undefined;
    const spec = asObject(view.object?.spec);
    if (!spec) return undefined;
    const who = actorText(view);
    if (view.resource === 'persistentvolumeclaims') {
      const ref = asObject(spec.dataSourceRef);
      const refNamespace = asString(ref?.namespace);
      if (refNamespace !== undefined && refNamespace !== view.namespace)
        return {
          severity: forActor(view, 'high'),
          summary: `${who} created PersistentVolumeClaim ${view.namespace}/${view.name} from ${asString(ref?.kind) ?? '?'} ${refNamespace}/${asString(ref?.name) ?? '?'} in another namespace`,
          evidence: { dataSourceRef: ref },
        };
      const volumeName = asString(spec.volumeName);
      if (volumeName === undefined || volumeName === '') return undefined;
      return {
        severity: forActor(view, 'medium'),
        summary: `${who} created PersistentVolumeClaim ${view.namespace}/${view.name} bound by hand to PersistentVolume ${volumeName}`,
        evidence: { volumeName },
      };
    }
    if (view.resource !== 'persistentvolumes') return undefined;
    const claim = asObject(spec.claimRef);
    const handle =
      asString(field(spec, 'csi', 'volumeHandle')) ?? asString(field(spec, 'awsElasticBlockStore', 'volumeID')) ?? asString(field(spec, 'nfs', 'path'));
    if (!claim || handle === undefined) return undefined;
    const claimText = `${asString(claim.namespace) ?? '?'}/${asString(claim.name) ?? '?'}`;
    return {
      severity: forActor(view, 'medium'),
      summary: `${who} created PersistentVolume ${view.name} over existing storage ${handle}, pre-bound to claim ${claimText}`,
      evidence: { storage: handle, claimRef: claimText },
    };
  },
};

export const storageRules: Rule[] = [hostPathVolumeRule, volumeDeletedRule, reclaimPolicyRule, storageClassRule, volumeSnapshotRule, claimedForeignDataRule];
