import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { parseS3Uri } from '../../lambdas/adapters/object-source';
import { listS3 } from '../../lambdas/adapters/s3-object-source';
import { scanObjects } from '../../lambdas/cli/scan';
import { clusterAdminBinding } from '../helpers/events';
import { jsonLines } from '../helpers/shipping';

describe('S3 objects', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it('parses s3:// locations and refuses anything else by name', () => {
    expect(parseS3Uri('s3://audit-logs/clusters/prod/')).toEqual({ bucket: 'audit-logs', prefix: 'clusters/prod/' });
    expect(parseS3Uri('s3://audit-logs')).toEqual({ bucket: 'audit-logs', prefix: '' });
    expect(() => parseS3Uri('s3:/audit-logs/x')).toThrow(/not an S3 location: s3:\/audit-logs\/x/);
  });

  it('lists every page of a prefix, skips folder markers, and streams each object through the reader', async () => {
    const bodies: Record<string, Buffer> = {
      'prod/a.gz': gzipSync(jsonLines([clusterAdminBinding()])),
      'prod/b c.gz': gzipSync(jsonLines([clusterAdminBinding()])),
    };
    const body = bodies['prod/a.gz'];
    s3.on(ListObjectsV2Command, { Bucket: 'audit-logs', Prefix: 'prod/', ContinuationToken: undefined })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 't2',
        Contents: [
          { Key: 'prod/', Size: 0 },
          { Key: 'prod/a.gz', Size: body.length },
        ],
      })
      .on(ListObjectsV2Command, { Bucket: 'audit-logs', Prefix: 'prod/', ContinuationToken: 't2' })
      .resolves({ IsTruncated: false, Contents: [{ Key: 'prod/b c.gz', Size: body.length }] });
    // The SDK's Node.js body is a Readable underneath; the reader only iterates it.
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: Readable.from([bodies[input.Key]]) }));
    const objects = await listS3(new S3Client({ region: 'eu-west-1' }), 's3://audit-logs/prod/');
    expect(objects.map((o) => o.name)).toEqual(['s3://audit-logs/prod/a.gz', 's3://audit-logs/prod/b c.gz']);
    const result = await scanObjects(objects);
    expect(result.summary.objects).toBe(2);
    expect([...result.table[0].sources].sort()).toEqual(['s3://audit-logs/prod/a.gz', 's3://audit-logs/prod/b c.gz']);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['prod/a.gz', 'prod/b c.gz']);
  });

  it('counts an object it cannot open as unreadable instead of failing the scan', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'gone.gz', Size: 10 }] });
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const result = await scanObjects(await listS3(new S3Client({ region: 'eu-west-1' }), 's3://audit-logs/'));
    expect(result.summary.incomplete).toBe(1);
    expect(result.stats.objects[0].stats.samples[0].detail).toBe('cannot open: Access Denied');
  });
});
