import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeGuard } from './policy-validation';

/** Where work that failed every retry waits for a person: encrypted with the pipeline key, TLS only, kept 14 days (SQS's longest). */
export function deadLetterQueue(scope: Construct, id: string, key: IKey): Queue {
  const queue = new Queue(scope, id, { encryption: QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true, retentionPeriod: Duration.days(14) });
  acknowledgeGuard(queue, ['sqs_dlq_check']);
  return queue;
}
