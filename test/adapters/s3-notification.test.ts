import fc from 'fast-check';
import { objectsInMessage } from '../../lambdas/analyzer/s3-event';
import { encodeS3EventKey, s3NotificationBody } from '../../lambdas/adapters/s3-notification';

const object = (key: string) => ({
  bucket: 'audit-logs',
  key,
  size: 1234,
  eTag: '"5d41402abc4b2a76b9719d911017c592"',
  eventTime: '2026-11-30T14:00:00.000Z',
  region: 'eu-west-1',
});

describe('the S3 notification body for a backfilled object', () => {
  it('has the shape S3 sends: one ObjectCreated:Put record, the key form-encoded, the ETag unquoted', () => {
    const body = JSON.parse(s3NotificationBody(object('clusters/prod-eu/2026/11/audit log+1.gz'))) as { Records: unknown[] };
    expect(body).toEqual({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'eu-west-1',
          eventTime: '2026-11-30T14:00:00.000Z',
          eventName: 'ObjectCreated:Put',
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'backfill',
            bucket: { name: 'audit-logs', arn: 'arn:aws:s3:::audit-logs' },
            object: {
              key: 'clusters/prod-eu/2026/11/audit+log%2B1.gz',
              size: 1234,
              eTag: '5d41402abc4b2a76b9719d911017c592',
              sequencer: expect.stringMatching(/^[0-9A-F]{16}$/) as unknown,
            },
          },
        },
      ],
    });
  });

  it('names the partition in the bucket ARN', () => {
    const arn = (region: string) =>
      (JSON.parse(s3NotificationBody({ ...object('a.gz'), region })) as { Records: Array<{ s3: { bucket: { arn: string } } }> }).Records[0].s3.bucket.arn;
    expect(arn('cn-north-1')).toBe('arn:aws-cn:s3:::audit-logs');
    expect(arn('us-gov-west-1')).toBe('arn:aws-us-gov:s3:::audit-logs');
  });

  it('encodes keys as S3 does: spaces as +, a plus as %2B, slashes kept, the rest percent-encoded UTF-8', () => {
    expect(encodeS3EventKey('a b/c+d/100%/café/日本.gz')).toBe('a+b/c%2Bd/100%25/caf%C3%A9/%E6%97%A5%E6%9C%AC.gz');
    expect(encodeS3EventKey('x=y&z?/#1')).toBe('x%3Dy%26z%3F/%231');
  });

  it.each([
    'clusters/prod-eu/2026/11/30/audit-1.jsonl.gz',
    'with spaces/and  two spaces .gz',
    'plus+sign/a+b.gz',
    'percent%2B/100%.gz',
    'unicode/café/日本語/🎉.gz',
    'odd chars/!*\'()~;:@&=$,?#[]{}\\^`|"<>.gz',
    'trailing space ',
  ])('reads back to the same bucket and key through objectsInMessage: %j', (key) => {
    expect(objectsInMessage(s3NotificationBody(object(key)))).toEqual([{ bucket: 'audit-logs', key, size: 1234, eventTime: '2026-11-30T14:00:00.000Z' }]);
  });

  it('round-trips any key (property)', () => {
    const wellFormed = (s: string): boolean => {
      try {
        encodeURIComponent(s);
        return s.length > 0;
      } catch {
        return false; // a lone surrogate: not valid UTF-8, so never an S3 key
      }
    };
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }).filter(wellFormed), (key) => {
        expect(objectsInMessage(s3NotificationBody(object(key)))[0].key).toBe(key);
      }),
      { numRuns: 300 },
    );
  });
});
