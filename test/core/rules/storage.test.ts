import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import {
  hostPathVolumeRule,
  isSensitiveHostPath,
  normalizePath,
  reclaimPolicyRule,
  storageClassRule,
  volumeDeletedRule,
  volumeSnapshotRule,
  claimedForeignDataRule,
} from '../../../lambdas/core/rules/storage';
import { hitsOf, severityOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';
import { nearMisses, reaches, request, users } from './support/requests';

function pv(name: string, source: Ev, claimRef?: Ev): Ev {
  return {
    kind: 'PersistentVolume',
    apiVersion: 'v1',
    metadata: { name },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      ...source,
      ...(claimRef ? { claimRef } : {}),
    },
  };
}

const createPv = (object: Ev, user: Ev = users.alice): Ev =>
  request({ verb: 'create', resource: 'persistentvolumes', name: String((object.metadata as Ev).name), user, requestObject: object, responseObject: object });

describe('storage.hostpath-persistent-volume', () => {
  it('rates a person creating a hostPath PV high and says which claim can mount it', () => {
    const [hit] = hitsOf(
      hostPathVolumeRule,
      createPv(pv('data', { hostPath: { path: '/data/share', type: 'DirectoryOrCreate' } }, { namespace: 'dev', name: 'scratch' })),
    );
    expect(hit).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com created PersistentVolume data mounting host path /data/share (pre-bound to claim dev/scratch)',
      evidence: { hostPath: '/data/share', hostPathType: 'DirectoryOrCreate', claimRef: { namespace: 'dev', name: 'scratch' } },
    });
  });

  it.each(['/', '/etc', '/var/run/docker.sock', '/run/containerd/containerd.sock', '/var/lib/kubelet/pods', '//etc/./kubernetes/', '/tmp/../root'])(
    'rates the sensitive host path %s critical',
    (path) => {
      expect(severityOf(hostPathVolumeRule, createPv(pv('x', { hostPath: { path } }), users.serviceAccount('storage', 'provisioner')))).toBe('critical');
    },
  );

  it("rates a hostPath provisioner's volumes medium and local volumes only on sensitive paths", () => {
    expect(
      severityOf(
        hostPathVolumeRule,
        createPv(
          pv('pvc-1a2b', { hostPath: { path: '/var/local-path-provisioner/pvc-1a2b_shop_data' } }),
          users.serviceAccount('local-path-storage', 'local-path-provisioner-service-account'),
        ),
      ),
    ).toBe('medium');
    expect(hitsOf(hostPathVolumeRule, createPv(pv('ssd', { local: { path: '/mnt/disks/ssd1' } })))).toEqual([]);
    expect(severityOf(hostPathVolumeRule, createPv(pv('etc', { local: { path: '/etc' } })))).toBe('critical');
  });

  it('says so when a person creates a PV whose spec was not logged', () => {
    const metadataOnly = request({ verb: 'create', resource: 'persistentvolumes', name: 'data' });
    expect(hitsOf(hostPathVolumeRule, metadataOnly)[0]).toMatchObject({
      severity: 'low',
      summary: 'alice@example.com created PersistentVolume data; its source was not logged',
    });
  });

  it.each<[string, Ev]>([
    ...nearMisses(createPv(pv('data', { hostPath: { path: '/' } }))),
    ['the PV is backed by NFS', createPv(pv('nfs', { nfs: { server: '10.0.0.5', path: '/exports' } }))],
    ['the PV is a CSI volume', createPv(pv('pvc-9f', { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0abc' } }))],
    [
      'only the status changed',
      request({ verb: 'update', resource: 'persistentvolumes', subresource: 'status', name: 'data', requestObject: pv('data', { hostPath: { path: '/' } }) }),
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(hostPathVolumeRule, event)).toEqual([]);
  });

  it('resolves paths the way the kernel does', () => {
    expect(normalizePath('//etc/./kubernetes/')).toBe('/etc/kubernetes');
    expect(normalizePath('/data/../')).toBe('/');
    expect(isSensitiveHostPath('/data')).toBe(false);
    expect(isSensitiveHostPath('/etcetera')).toBe(false);
  });
});

describe('storage.volume-deleted', () => {
  it('rates a person deleting a claim medium, a workload low', () => {
    expect(
      hitsOf(volumeDeletedRule, request({ verb: 'delete', resource: 'persistentvolumeclaims', namespace: 'db', name: 'data-postgres-0' }))[0],
    ).toMatchObject({
      severity: 'medium',
      summary: 'alice@example.com deleted PersistentVolumeClaim db/data-postgres-0',
    });
    expect(
      severityOf(
        volumeDeletedRule,
        request({
          verb: 'delete',
          resource: 'persistentvolumeclaims',
          namespace: 'db',
          name: 'x',
          user: users.serviceAccount('argocd', 'argocd-application-controller'),
        }),
      ),
    ).toBe('low');
  });

  it('reports the reclaim policy of a deleted PV and who deleted every claim of a namespace', () => {
    const deleted = request({
      verb: 'delete',
      resource: 'persistentvolumes',
      name: 'pvc-9f',
      responseObject: pv('pvc-9f', { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0abc' } }),
    });
    expect(hitsOf(volumeDeletedRule, deleted)[0].evidence).toEqual({ reclaimPolicy: 'Retain' });
    expect(hitsOf(volumeDeletedRule, request({ verb: 'deletecollection', resource: 'persistentvolumeclaims', namespace: 'db' }))[0].summary).toBe(
      'alice@example.com deleted all PersistentVolumeClaims in namespace db',
    );
  });

  it.each<[string, Ev]>([
    ...nearMisses(request({ verb: 'delete', resource: 'persistentvolumeclaims', namespace: 'db', name: 'x' })),
    [
      'the PV controller releases a volume',
      request({ verb: 'delete', resource: 'persistentvolumes', name: 'pvc-9f', user: users.serviceAccount('kube-system', 'persistent-volume-binder') }),
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(volumeDeletedRule, event)).toEqual([]);
  });
});

describe('storage.reclaim-policy-changed', () => {
  const patch = (body: unknown, user: Ev = users.alice): Ev => ({
    ...request({ verb: 'patch', resource: 'persistentvolumes', name: 'pvc-9f', user, level: 'Request', requestObject: body }),
  });

  it('rates a merge patch or JSON patch that sets Delete medium', () => {
    expect(hitsOf(reclaimPolicyRule, patch({ spec: { persistentVolumeReclaimPolicy: 'Delete' } }))[0]).toMatchObject({
      severity: 'medium',
      summary: 'alice@example.com set the reclaim policy of PersistentVolume pvc-9f to Delete',
    });
    expect(severityOf(reclaimPolicyRule, patch([{ op: 'replace', path: '/spec/persistentVolumeReclaimPolicy', value: 'Recycle' }]))).toBe('medium');
  });

  it('rates an update low, since the previous policy is not in the log', () => {
    const update = request({
      verb: 'update',
      resource: 'persistentvolumes',
      name: 'pvc-9f',
      requestObject: { ...pv('pvc-9f', {}), spec: { persistentVolumeReclaimPolicy: 'Delete' } },
    });
    expect(hitsOf(reclaimPolicyRule, update)[0]).toMatchObject({
      severity: 'low',
      evidence: { previousPolicy: expect.stringContaining('not in the log') as unknown },
    });
  });

  it.each<[string, Ev]>([
    ...nearMisses(patch({ spec: { persistentVolumeReclaimPolicy: 'Delete' } })),
    ['the policy is set to Retain', patch({ spec: { persistentVolumeReclaimPolicy: 'Retain' } })],
    ['the patch changes only labels', patch({ metadata: { labels: { team: 'db' } } })],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(reclaimPolicyRule, event)).toEqual([]);
  });
});

describe('storage.storageclass-changed', () => {
  const sc = {
    kind: 'StorageClass',
    apiVersion: 'storage.k8s.io/v1',
    metadata: { name: 'fast' },
    provisioner: 'ebs.csi.aws.com',
    reclaimPolicy: 'Delete',
    parameters: { type: 'gp3' },
  };

  it('reports a person creating a StorageClass low, naming the provisioner', () => {
    const event = request({ verb: 'create', resource: 'storageclasses', name: 'fast', apiGroup: 'storage.k8s.io', requestObject: sc });
    expect(hitsOf(storageClassRule, event)[0]).toMatchObject({
      severity: 'low',
      summary: 'alice@example.com created StorageClass fast (provisioner ebs.csi.aws.com)',
    });
    expect(reaches(storageClassRule, event)).toBe(true);
  });

  it('rates making a class the default medium', () => {
    const event = request({
      verb: 'patch',
      resource: 'storageclasses',
      name: 'evil',
      apiGroup: 'storage.k8s.io',
      level: 'Request',
      requestObject: { metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } },
    });
    expect(hitsOf(storageClassRule, event)[0]).toMatchObject({
      severity: 'medium',
      summary: 'alice@example.com patched StorageClass evil, making it the default',
    });
  });

  it.each<[string, Ev]>([
    ...nearMisses(request({ verb: 'create', resource: 'storageclasses', name: 'fast', apiGroup: 'storage.k8s.io', requestObject: sc })),
    [
      'the EKS add-on manager installs it',
      request({
        verb: 'create',
        resource: 'storageclasses',
        name: 'gp2',
        apiGroup: 'storage.k8s.io',
        user: { username: 'eks:addon-manager', groups: ['system:authenticated'] },
      }),
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(storageClassRule, event)).toEqual([]);
  });
});

describe('storage.volume-snapshot', () => {
  const snapshot = (user: Ev = users.alice): Ev =>
    request({
      verb: 'create',
      resource: 'volumesnapshots',
      apiGroup: 'snapshot.storage.k8s.io',
      namespace: 'payments',
      name: 'db-copy',
      user,
      requestObject: { spec: { volumeSnapshotClassName: 'ebs', source: { persistentVolumeClaimName: 'data-postgres-0' } } },
    });
  const content = request({
    verb: 'create',
    resource: 'volumesnapshotcontents',
    apiGroup: 'snapshot.storage.k8s.io',
    name: 'imported',
    requestObject: {
      spec: { driver: 'ebs.csi.aws.com', source: { snapshotHandle: 'snap-0123456789abcdef0' }, volumeSnapshotRef: { namespace: 'attacker', name: 'x' } },
    },
  });

  it('rates a person snapshotting a claim medium and importing a snapshot content high', () => {
    expect(reaches(volumeSnapshotRule, snapshot())).toBe(true);
    const [hit] = hitsOf(volumeSnapshotRule, snapshot());
    expect(hit).toMatchObject({ severity: 'medium', summary: 'alice@example.com created VolumeSnapshot payments/db-copy of data-postgres-0' });
    const [imported] = hitsOf(volumeSnapshotRule, content);
    expect(imported).toMatchObject({ severity: 'high', summary: 'alice@example.com created VolumeSnapshotContent imported of snap-0123456789abcdef0' });
  });

  it.each<[string, Ev]>([
    ['Velero takes it', snapshot(users.serviceAccount('velero', 'velero'))],
    ['the snapshot controller creates the content', { ...content, user: users.serviceAccount('kube-system', 'snapshot-controller') }],
    ['a snapshot is read', request({ verb: 'get', resource: 'volumesnapshots', apiGroup: 'snapshot.storage.k8s.io', namespace: 'payments', name: 'db-copy' })],
    ...nearMisses(snapshot()),
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(volumeSnapshotRule, event)).toEqual([]);
  });

  it('reads the backup identities from the settings', () => {
    const none = { ...DEFAULT_SETTINGS, storage: { backupServiceAccounts: [] } };
    expect(severityOf(volumeSnapshotRule, snapshot(users.serviceAccount('velero', 'velero')), none)).toBe('medium');
  });
});

describe('storage.claim-reaches-other-data', () => {
  const claim = (spec: Ev, user: Ev = users.alice): Ev =>
    request({ verb: 'create', resource: 'persistentvolumeclaims', namespace: 'attacker', name: 'loot', user, requestObject: { spec } });

  it('rates a claim restored from another namespace high, one bound to a named volume medium', () => {
    const [hit] = hitsOf(
      claimedForeignDataRule,
      claim({ dataSourceRef: { kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io', name: 'db', namespace: 'payments' } }),
    );
    expect(hit).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com created PersistentVolumeClaim attacker/loot from VolumeSnapshot payments/db in another namespace',
    });
    expect(severityOf(claimedForeignDataRule, claim({ volumeName: 'pvc-0d3f' }))).toBe('medium');
  });

  it('rates a PersistentVolume over an existing disk pre-bound to a claim medium', () => {
    const pv = request({
      verb: 'create',
      resource: 'persistentvolumes',
      name: 'stolen',
      requestObject: { spec: { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0abc' }, claimRef: { namespace: 'attacker', name: 'loot' } } },
    });
    const [hit] = hitsOf(claimedForeignDataRule, pv);
    expect(hit).toMatchObject({
      severity: 'medium',
      summary: 'alice@example.com created PersistentVolume stolen over existing storage vol-0abc, pre-bound to claim attacker/loot',
    });
  });

  it.each<[string, Ev]>([
    ['a claim is provisioned dynamically', claim({ storageClassName: 'gp3', resources: { requests: { storage: '1Gi' } } })],
    ['a claim restores a snapshot of its own namespace', claim({ dataSourceRef: { kind: 'VolumeSnapshot', name: 'db', namespace: 'attacker' } })],
    ['the binder binds it', claim({ volumeName: 'pvc-0d3f' }, users.serviceAccount('kube-system', 'persistent-volume-binder'))],
    [
      'a PV has no claimRef',
      request({ verb: 'create', resource: 'persistentvolumes', name: 'p', requestObject: { spec: { csi: { volumeHandle: 'vol-1' } } } }),
    ],
    ...nearMisses(claim({ volumeName: 'pvc-0d3f' })),
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(claimedForeignDataRule, event)).toEqual([]);
  });
});
