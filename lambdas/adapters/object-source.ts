import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceObject } from '../core/ports';

// Files here; S3 in s3-object-source.ts, which loads the AWS SDK (a local scan never does).
// Declared by the core (its pipeline reads them); the CLI names it from here too.
export type { SourceObject } from '../core/ports';

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
