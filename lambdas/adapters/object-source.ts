// Where objects come from: local files in file-objects.ts, S3 in s3-object-source.ts (which loads
// the AWS SDK: a local scan never does). The CLI names them from here.
// Declared by the core (its pipeline reads them).
export type { SourceObject } from '../core/ports';
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
