import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

let cached: string | undefined;

/** The package version, from the package.json above this file (in dist/ or in the sources). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return (cached = (JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { version: string }).version);
    } catch {
      // not here: look one level up
    }
  }
  return (cached = '0.0.0');
}
