import { clusterFromKey, decodeS3Key, NotAnS3EventError, notificationsInMessage, objectsInMessage } from '../../lambdas/analyzer/s3-event';

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
    const body = JSON.stringify({
      Records: [
        record('clusters/prod-eu/2026/11/20/10/audit+log+%2B1.gz'),
        record('x%3Dy/caf%C3%A9.gz', { eventVersion: '2.6', eventName: 'ObjectCreated:CompleteMultipartUpload' }),
      ],
    });
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

  it('quotes a body that is not JSON redacted: the record failure logs the message', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNlY3JldA';
    expect(() => objectsInMessage(`not json ${jwt}`)).toThrow('message body is not JSON: not json [redacted]');
  });

  it('decodes keys and finds the cluster in them', () => {
    expect(decodeS3Key('a+b%2Bc')).toBe('a b+c');
    expect(clusterFromKey('clusters/prod-eu/2026/11/20/x.gz')).toBe('prod-eu');
    expect(clusterFromKey('firehose/aws/eks/staging/cluster/2026/x.gz')).toBe('staging');
    expect(clusterFromKey('2026/11/20/x.gz')).toBeUndefined();
  });
});

/** An ObjectRemoved record as S3 sends it: who (principal, source IP) and what (key, version, sequencer). */
const removal = (key: string, eventName: string, object: Record<string, unknown> = {}): Record<string, unknown> => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'eu-west-1',
  eventTime: '2026-11-20T10:42:07.311Z',
  eventName,
  userIdentity: { principalId: 'AWS:AROAEXAMPLEROLEID:mallory' },
  requestParameters: { sourceIPAddress: '198.51.100.23' },
  responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
  s3: {
    s3SchemaVersion: '1.0',
    configurationId: 'audit-logs-removed',
    bucket: { name: 'audit-logs', ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: 'arn:aws:s3:::audit-logs' },
    object: { key, sequencer: '0066F1A2B3C4D5E6F7', ...object },
  },
});

describe('S3 removal notifications', () => {
  it('names who removed which object (Delete of a version), with the key decoded', () => {
    const body = JSON.stringify({
      Records: [removal('clusters/prod-eu/2026/11/20/10/audit+log+1.gz', 'ObjectRemoved:Delete', { versionId: '3HL4kqtJlcpXroDTDmJ' })],
    });
    expect(notificationsInMessage(body)).toEqual({
      created: [],
      removed: [
        {
          bucket: 'audit-logs',
          key: 'clusters/prod-eu/2026/11/20/10/audit log 1.gz',
          eventName: 'ObjectRemoved:Delete',
          eventTime: '2026-11-20T10:42:07.311Z',
          versionId: '3HL4kqtJlcpXroDTDmJ',
          sequencer: '0066F1A2B3C4D5E6F7',
          principalId: 'AWS:AROAEXAMPLEROLEID:mallory',
          sourceIPAddress: '198.51.100.23',
          region: 'eu-west-1',
        },
      ],
      ignored: [],
    });
    expect(objectsInMessage(body)).toEqual([]);
  });

  it('takes a delete marker (a versioned bucket) as a removal, and a Delete in an unversioned bucket without a version', () => {
    const { removed } = notificationsInMessage(
      JSON.stringify({ Records: [removal('a.gz', 'ObjectRemoved:DeleteMarkerCreated', { versionId: 'marker-1' }), removal('b.gz', 'ObjectRemoved:Delete')] }),
    );
    expect(removed.map((r) => [r.key, r.eventName, r.versionId])).toEqual([
      ['a.gz', 'ObjectRemoved:DeleteMarkerCreated', 'marker-1'],
      ['b.gz', 'ObjectRemoved:Delete', undefined],
    ]);
  });

  it('ignores lifecycle expirations (LifecycleExpiration:*, not ObjectRemoved:*), so retention rules raise nothing', () => {
    const lifecycle = (eventName: string): Record<string, unknown> => ({
      ...removal('old.gz', eventName),
      userIdentity: { principalId: 's3.amazonaws.com' },
      requestParameters: { sourceIPAddress: 's3.amazonaws.com' },
    });
    const body = JSON.stringify({
      Records: [lifecycle('LifecycleExpiration:Delete'), lifecycle('LifecycleExpiration:DeleteMarkerCreated'), removal('r.gz', 'ObjectRestore:Completed')],
    });
    expect(notificationsInMessage(body)).toEqual({
      created: [],
      removed: [],
      ignored: ['LifecycleExpiration:Delete', 'LifecycleExpiration:DeleteMarkerCreated', 'ObjectRestore:Completed'],
    });
  });

  it('sorts a mixed message, and leaves out what a record does not say', () => {
    const bare = { eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'audit-logs' }, object: { key: 'x.gz' } } };
    const { created, removed } = notificationsInMessage(JSON.stringify({ Records: [record('new.gz'), bare] }));
    expect(created.map((c) => c.key)).toEqual(['new.gz']);
    expect(removed).toEqual([{ bucket: 'audit-logs', key: 'x.gz', eventName: 'ObjectRemoved:Delete' }]);
    expect(() => notificationsInMessage(JSON.stringify({ Records: [{ eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b' } } }] }))).toThrow(
      NotAnS3EventError,
    );
  });
});
