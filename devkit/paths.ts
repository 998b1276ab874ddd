import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The project root, whether the code runs from its sources (tsx, jest) or compiled into `dist/`. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
