import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles } from '../../lambdas/adapters/file-objects';

describe('local files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('walks directories in name order, skipping hidden entries and Markdown, and reads links to files', async () => {
    const logs = join(dir, 'logs');
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(join(logs, 'nested'), { recursive: true });
    mkdirSync(elsewhere);
    writeFileSync(join(logs, 'b.log'), 'bb');
    writeFileSync(join(logs, 'nested', 'c.log'), 'ccc');
    writeFileSync(join(logs, '.hidden.log'), 'x');
    writeFileSync(join(logs, 'README.md'), 'x');
    writeFileSync(join(elsewhere, 'real.log'), 'aaaa');
    symlinkSync(join(elsewhere, 'real.log'), join(logs, 'a-link.log')); // as in /var/log/containers
    symlinkSync(join(elsewhere, 'gone.log'), join(logs, 'dangling.log'));
    symlinkSync(logs, join(logs, 'loop')); // a link to a directory is not followed

    const objects = await listFiles([logs]);
    expect(objects.map((o) => [o.name.slice(logs.length + 1), o.size])).toEqual([
      ['a-link.log', 4],
      ['b.log', 2],
      ['nested/c.log', 3],
    ]);
  });
});
