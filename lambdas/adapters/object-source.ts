import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';

/** One audit-log object to read: a local file or an S3 object. */
export interface SourceObject {
  /** A path, or `s3://bucket/key`. */
  name: string;
  /** Stored size in bytes, for progress. */
  size: number;
  open(): Promise<AsyncIterable<Uint8Array>>;
}

export function isS3Uri(location: string): boolean {
  return location.startsWith('s3://');
}

/** `s3://bucket/prefix` → bucket and prefix; a clear error for anything else. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) throw new Error(`not an S3 location: ${uri} (expected s3://bucket/prefix)`);
  return { bucket: match[1], prefix: match[2] ?? '' };
}

/** Every file under the given paths (directories recursively; hidden entries and Markdown skipped), sorted. */
export async function listFiles(paths: readonly string[]): Promise<SourceObject[]> {
  const objects: SourceObject[] = [];
  for (const path of paths) {
    const info = await stat(path);
    if (info.isDirectory()) objects.push(...(await walk(path)));
    else objects.push(fileObject(path, info.size));
  }
  return objects;
}

function fileObject(path: string, size: number): SourceObject {
  return { name: path, size, open: () => Promise.resolve(createReadStream(path, { highWaterMark: 256 * 1024 })) };
}

async function walk(dir: string): Promise<SourceObject[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const objects: SourceObject[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name.endsWith('.md')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) objects.push(...(await walk(path)));
    else if (entry.isFile()) objects.push(fileObject(path, (await stat(path)).size));
  }
  return objects;
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
      objects.push({ bucket, key: item.Key, size: item.Size ?? 0, eTag: (item.ETag ?? '').replace(/^"|"$/g, ''), lastModified: item.LastModified ?? new Date(0) });
    }
    yield objects;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Every object under an S3 prefix (all pages), in key order; read through the given client (the standard credential chain). */
export async function listS3(client: S3Client, uri: string): Promise<SourceObject[]> {
  const objects: SourceObject[] = [];
  for await (const page of listS3Pages(client, uri)) {
    for (const { bucket, key, size } of page) {
      objects.push({
        name: `s3://${bucket}/${key}`,
        size,
        open: async () => {
          const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          if (!response.Body) throw new Error(`s3://${bucket}/${key}: empty response body`);
          return response.Body as Readable;
        },
      });
    }
  }
  return objects;
}
