import { clusterFromKey, decodeS3Key, NotAnS3EventError, objectsInMessage } from '../../lambdas/analyzer/s3-event';

const record = (key: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'eu-west-1',
  eventTime: '2026-11-20T10:00:01.123Z',
  eventName: 'ObjectCreated:Put',
  s3: { s3SchemaVersion: '1.0', bucket: { name: 'audit-logs', arn: 'arn:aws:s3:::audit-logs' }, object: { key, size: 1234, eTag: 'e', sequencer: '0A' } },
  ...extra,
});

describe('S3 events in SQS messages', () => {
  it('names the objects, with keys decoded as S3 encodes them', () => {
    const body = JSON.stringify({ Records: [record('clusters/prod-eu/2026/11/20/10/audit+log+%2B1.gz'), record('x%3Dy/caf%C3%A9.gz', { eventVersion: '2.6', eventName: 'ObjectCreated:CompleteMultipartUpload' })] });
    expect(objectsInMessage(body)).toEqual([
      { bucket: 'audit-logs', key: 'clusters/prod-eu/2026/11/20/10/audit log +1.gz', size: 1234, eventTime: '2026-11-20T10:00:01.123Z' },
      { bucket: 'audit-logs', key: 'x=y/café.gz', size: 1234, eventTime: '2026-11-20T10:00:01.123Z' },
    ]);
  });

  it('skips the s3:TestEvent S3 sends when the notification is configured', () => {
    expect(objectsInMessage(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-20T10:00:00Z', Bucket: 'audit-logs' }))).toEqual([]);
  });

  it('leaves out events that are not object creations', () => {
    expect(objectsInMessage(JSON.stringify({ Records: [record('a.gz', { eventName: 'ObjectRemoved:Delete' })] }))).toEqual([]);
  });

  it.each([['not json'], ['42'], ['{"Records":"x"}'], ['{"Records":[{"s3":{"bucket":{}}}]}']])('refuses %s by name', (body) => {
    expect(() => objectsInMessage(body)).toThrow(NotAnS3EventError);
  });

  it('decodes keys and finds the cluster in them', () => {
    expect(decodeS3Key('a+b%2Bc')).toBe('a b+c');
    expect(clusterFromKey('clusters/prod-eu/2026/11/20/x.gz')).toBe('prod-eu');
    expect(clusterFromKey('firehose/aws/eks/staging/cluster/2026/x.gz')).toBe('staging');
    expect(clusterFromKey('2026/11/20/x.gz')).toBeUndefined();
  });
});
