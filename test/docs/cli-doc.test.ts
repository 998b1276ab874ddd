import { readFileSync } from 'node:fs';
import { CLI_DOC, commandPaths, helpOf, renderCliDoc } from '../../scripts/cli-doc';

describe('docs/cli.md', () => {
  const doc = readFileSync(CLI_DOC, 'utf8');

  it("is up to date with every command's --help (run `npm run docs:cli`)", async () => {
    expect(await renderCliDoc(doc)).toBe(doc);
  });

  it.each(commandPaths().map((p) => [p.join(' ') || '(the program)', p]))('shows %s --help, with every flag it has', async (_name, path) => {
    const help = await helpOf(path);
    expect(doc).toContain(help);
    for (const flag of help.match(/--[a-z][a-z-]+/g) ?? []) expect(doc).toContain(flag);
  });

  it('has no block for a command that does not exist', () => {
    const commands = new Set(commandPaths().map((p) => p.join(' ') || 'k8s-audit-analyzer'));
    for (const [, name] of doc.matchAll(/<!-- help: ([^>]+?) -->/g)) expect(commands).toContain(name);
  });

  it('fails for a command the document does not cover', async () => {
    await expect(renderCliDoc(doc.replace('<!-- help: scan -->', ''))).rejects.toThrow(/no block for 'scan'/);
  });
});
