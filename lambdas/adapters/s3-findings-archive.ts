import type { S3Client } from '@aws-sdk/client-s3';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AlertArchive, FindingsArchive } from '../core/ports';

/**
 * Keeps the full findings of an alert too large for SNS as one JSON object:
 * `<prefix><cluster>/<yyyy-mm-dd>/<id>.json`. Encryption is left to the bucket's default
 * (SSE-S3 or its KMS key), so the function needs no KMS grant beyond what the bucket asks.
 */
export class S3FindingsArchive implements FindingsArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = 'alerts/',
  ) {}

  async put(name: { cluster: string; day: string; id: string }, archive: AlertArchive): Promise<string> {
    const key = `${this.prefix}${segment(name.cluster)}/${segment(name.day)}/${segment(name.id)}.json`;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(archive), ContentType: 'application/json' }));
    return `s3://${this.bucket}/${key}`;
  }
}

/** One key segment: a slash (or an empty name) must not add or drop a level of the layout. */
function segment(part: string): string {
  const safe = part.replace(/[/\\]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? '_' : safe;
}
