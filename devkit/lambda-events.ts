import type { Context, SNSEventRecord, SQSRecord } from 'aws-lambda';

/** What the Lambda runtime passes the analyzer: a context and SQS records carrying S3 notifications. */
export const lambdaContext = {
  functionName: 'analyzer',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:analyzer',
  memoryLimitInMB: '1024',
  functionVersion: '$LATEST',
} as unknown as Context;

/** Keys in S3 notifications are form-encoded: a space is `+`. */
export const encodeKey = (key: string): string => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');

export function s3Record(messageId: string, bucket: string, key: string): SQSRecord {
  const body = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeKey(key), size: 100, eTag: 'e', sequencer: '0A' },
        },
      },
    ],
  };
  return sqsRecord(messageId, JSON.stringify(body));
}

export function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'AIDA', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:analyzer-work',
    awsRegion: 'eu-west-1',
  };
}

/** What an SNS subscription hands a Lambda for one message of the alerts topic (its `lambda` body, for a JSON message). */
export function snsRecord(
  message: string,
  options: { subject?: string; messageId?: string; timestamp?: string; attributes?: Record<string, string> } = {},
): SNSEventRecord {
  const topic = 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts';
  return {
    EventVersion: '1.0',
    EventSubscriptionArn: `${topic}:sub`,
    EventSource: 'aws:sns',
    Sns: {
      SignatureVersion: '1',
      Timestamp: options.timestamp ?? '2026-11-20T10:06:00.000Z',
      Signature: 'sig',
      SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/cert.pem',
      MessageId: options.messageId ?? 'msg-1',
      Message: message,
      MessageAttributes: Object.fromEntries(Object.entries(options.attributes ?? {}).map(([name, value]) => [name, { Type: 'String', Value: value }])),
      Type: 'Notification',
      UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/unsubscribe',
      TopicArn: topic,
      Subject: options.subject ?? 'subject',
    },
  };
}
