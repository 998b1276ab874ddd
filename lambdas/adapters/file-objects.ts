import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceObject } from '../core/ports';

// Local files only, apart from S3 (object-source.ts), so that reading them loads no AWS SDK:
// the library entry and a local scan import this module alone.

/**
 * Every file under the given paths (directories recursively; hidden entries and Markdown skipped),
 * sorted. A symbolic link to a file is read (kubelet's /var/log/containers is made of them); one
 * to a directory is not followed, so a link loop cannot make the walk endless.
 */
export async function listFiles(paths: readonly string[]): Promise<SourceObject[]> {
  const objects: SourceObject[] = [];
  for (const path of paths) {
    const info = await stat(path);
    if (info.isDirectory()) objects.push(...(await walk(path)));
    else objects.push(fileObject(path, info.size));
  }
  return objects;
}

/** One local file as a source object, read in 256 KiB chunks when opened. */
export function fileObject(path: string, size: number): SourceObject {
  return { name: path, size, open: () => Promise.resolve(createReadStream(path, { highWaterMark: 256 * 1024 })) };
}

async function walk(dir: string): Promise<SourceObject[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const objects: SourceObject[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name.endsWith('.md')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) objects.push(...(await walk(path)));
    else if (entry.isFile() || entry.isSymbolicLink()) {
      const target = await stat(path).catch(() => undefined); // a dangling link is no file
      if (target?.isFile()) objects.push(fileObject(path, target.size));
    }
  }
  return objects;
}
