import type { Readable } from 'node:stream';
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { SourceObject } from '../core/ports';
import { MissingObjectError, ObjectReadError } from '../core/ports';

// Declared by the core (its pipeline reads them); the CLI names it from here too.
export type { SourceObject } from '../core/ports';
// Local files live apart (no AWS SDK there); the CLI still finds them here.
export { fileObject, listFiles } from './file-objects';

export function isS3Uri(location: string): boolean {
  return location.startsWith('s3://');
}

/** `s3://bucket/prefix` → bucket and prefix; a clear error for anything else. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) throw new Error(`not an S3 location: ${uri} (expected s3://bucket/prefix)`);
  return { bucket: match[1], prefix: match[2] ?? '' };
}

/** An S3 object as a listing names it (folder markers are left out). */
export interface S3Listed {
  bucket: string;
  key: string;
  size: number;
  /** Without the quotes S3 puts around it. */
  eTag: string;
  lastModified: Date;
}

/** The objects under an S3 prefix, a page at a time (all pages), in key order. */
export async function* listS3Pages(client: S3Client, uri: string): AsyncGenerator<S3Listed[], void, undefined> {
  const { bucket, prefix } = parseS3Uri(uri);
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    const objects: S3Listed[] = [];
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined || item.Key.endsWith('/')) continue;
      objects.push({
        bucket,
        key: item.Key,
        size: item.Size ?? 0,
        eTag: (item.ETag ?? '').replace(/^"|"$/g, ''),
        lastModified: item.LastModified ?? new Date(0),
      });
    }
    yield objects;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Every object under an S3 prefix (all pages), in key order; read through the given client (the standard credential chain). */
export async function listS3(client: S3Client, uri: string): Promise<SourceObject[]> {
  const objects: SourceObject[] = [];
  for await (const page of listS3Pages(client, uri)) {
    for (const { bucket, key, size } of page) objects.push(s3Object(client, { bucket, key, size }));
  }
  return objects;
}

/**
 * One S3 object as a source: `open` fetches it. A missing key is a `MissingObjectError` (it
 * cannot come back); any other failure (throttling, access denied while a policy propagates, a
 * network error) an `ObjectReadError`, which a retry may cure. Messages are S3's own.
 */
export function s3Object(client: S3Client, ref: { bucket: string; key: string; size?: number }): SourceObject {
  const name = `s3://${ref.bucket}/${ref.key}`;
  return {
    name,
    key: ref.key,
    size: ref.size ?? 0,
    open: async () => {
      let response: GetObjectCommandOutput;
      try {
        response = await client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      } catch (error) {
        const failure = error as Error;
        if (failure.name === 'NoSuchKey') throw new MissingObjectError(failure.message, { cause: error });
        throw new ObjectReadError(failure.message, { cause: error });
      }
      if (!response.Body) throw new ObjectReadError(`${name}: empty response body`);
      return response.Body as Readable;
    },
  };
}
