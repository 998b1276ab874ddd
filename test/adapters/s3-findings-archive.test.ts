import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3FindingsArchive } from '../../lambdas/adapters/s3-findings-archive';
import type { AlertArchive } from '../../lambdas/core/ports';

const archive: AlertArchive = {
  source: 's3://audit-logs/clusters/prod-eu/a.gz',
  cluster: 'prod-eu',
  summary: {
    objects: 1,
    bytes: 10,
    events: 1,
    skipped: 0,
    malformed: 0,
    incomplete: 0,
    findings: 0,
    bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  },
  table: [],
  findings: [],
};

describe('the S3 findings archive', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it('writes JSON under <prefix><cluster>/<day>/<id>.json, leaves encryption to the bucket default, and returns the URI', async () => {
    s3.on(PutObjectCommand).resolves({});
    const store = new S3FindingsArchive(new S3Client({ region: 'eu-west-1' }), 'alert-archive', 'k8s/alerts/');
    const uri = await store.put({ cluster: 'prod-eu', day: '2026-11-20', id: 'abc123' }, archive);
    expect(uri).toBe('s3://alert-archive/k8s/alerts/prod-eu/2026-11-20/abc123.json');
    const [call] = s3.commandCalls(PutObjectCommand);
    const input = call.args[0].input;
    expect(input).toMatchObject({ Bucket: 'alert-archive', Key: 'k8s/alerts/prod-eu/2026-11-20/abc123.json', ContentType: 'application/json' });
    expect(input.ServerSideEncryption).toBeUndefined();
    expect(input.SSEKMSKeyId).toBeUndefined();
    expect(JSON.parse(input.Body as string)).toEqual(archive);
  });

  it('defaults the prefix to alerts/ and keeps a name from adding or dropping a level', async () => {
    s3.on(PutObjectCommand).resolves({});
    const store = new S3FindingsArchive(new S3Client({ region: 'eu-west-1' }), 'alert-archive');
    expect(await store.put({ cluster: 'a/b', day: '2026-11-20', id: '..' }, archive)).toBe('s3://alert-archive/alerts/a_b/2026-11-20/_.json');
  });

  it('lets a failed write propagate', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const store = new S3FindingsArchive(new S3Client({ region: 'eu-west-1' }), 'alert-archive');
    await expect(store.put({ cluster: 'c', day: 'd', id: 'i' }, archive)).rejects.toThrow('Access Denied');
  });
});
