import type { EventView } from '../detect/event-view';
import { asObject, asString } from '../detect/event-view';
import type { Rule, RuleHit } from '../detect/rule';
import type { Severity } from '../finding';
import { actorText, changedFields, field, isBaseline, kindOf, pastTense, writtenObject } from './support/common';

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

export const storageRules: Rule[] = [hostPathVolumeRule, volumeDeletedRule, reclaimPolicyRule, storageClassRule];
