import { Readable } from 'node:stream';
import { DetectionEngine } from '../../../lambdas/core/detect/engine';
import { readObject } from '../../../lambdas/core/pipeline/read-object';
import { clusterFromKey, isForwardedCluster } from '../../../lambdas/core/read/object-key';
import { EVENT_RULES } from '../../../lambdas/core/rules';
import { clusterAdminBinding } from '../../helpers/events';
import { firehoseRaw, jsonLines } from '../../helpers/shipping';

describe('clusterFromKey', () => {
  it('reads a forwarder’s key as one identity: account/region/cluster', () => {
    expect(clusterFromKey('clusters/111111111111/eu-west-1/prod/2026/11/20/10/x.gz')).toBe('111111111111/eu-west-1/prod');
    expect(clusterFromKey('clusters/222222222222/us-gov-west-1/ops_2/2026/x.gz')).toBe('222222222222/us-gov-west-1/ops_2');
    expect(clusterFromKey('archive/clusters/111111111111/ap-southeast-2/prod/x.gz')).toBe('111111111111/ap-southeast-2/prod');
  });

  it('keeps reading the single-account layout, a time path included', () => {
    expect(clusterFromKey('clusters/prod-eu/2026/11/20/x.gz')).toBe('prod-eu');
    // A cluster named like an account: its time path is not a region, so it stays one name.
    expect(clusterFromKey('clusters/111111111111/2026/11/20/10/x.gz')).toBe('111111111111');
    // Not 12 digits, or not a region: not a forwarder's key.
    expect(clusterFromKey('clusters/11111111111/eu-west-1/prod/x.gz')).toBe('11111111111');
    expect(clusterFromKey('clusters/111111111111/eu-west/prod/x.gz')).toBe('111111111111');
  });

  it('tells forwarded identities from plain names', () => {
    expect(isForwardedCluster('111111111111/eu-west-1/prod')).toBe(true);
    expect(isForwardedCluster('prod-eu')).toBe(false);
    expect(isForwardedCluster('111111111111')).toBe(false);
  });
});

describe('a forwarded object', () => {
  const engine = new DetectionEngine(EVENT_RULES);
  const read = (key: string, bytes: Buffer) =>
    readObject({ name: `s3://central/${key}`, key, size: bytes.length, open: () => Promise.resolve(Readable.from([bytes])) }, { engine });

  it('gives its findings the key’s identity', async () => {
    const reading = await read('clusters/111111111111/eu-west-1/prod/2026/11/20/10/a.gz', jsonLines([clusterAdminBinding()]));
    expect(reading.cluster).toBe('111111111111/eu-west-1/prod');
    expect(reading.findings.length).toBeGreaterThan(0);
    expect(new Set(reading.findings.map((f) => f.cluster))).toEqual(new Set(['111111111111/eu-west-1/prod']));
  });

  it('cannot rename its cluster from inside: a log group in the content is the writer’s word', async () => {
    // Account 111… writes CloudWatch records that claim another cluster's log group.
    const reading = await read('clusters/111111111111/eu-west-1/prod/2026/11/20/10/b.gz', firehoseRaw([clusterAdminBinding()], 1, 'victim'));
    expect(reading.findings.length).toBeGreaterThan(0);
    expect(new Set(reading.findings.map((f) => f.cluster))).toEqual(new Set(['111111111111/eu-west-1/prod']));
  });

  it('leaves the single-account layout as it was: the record’s log group names the cluster', async () => {
    const reading = await read('clusters/prod-eu/2026/11/20/10/c.gz', firehoseRaw([clusterAdminBinding()], 1, 'staging'));
    expect(new Set(reading.findings.map((f) => f.cluster))).toEqual(new Set(['staging']));
  });
});
