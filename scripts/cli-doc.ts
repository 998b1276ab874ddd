/**
 * Fills docs/cli.md's help blocks with what each command's `--help` prints, so the reference of
 * every command and flag cannot drift from the code (test/docs/cli-doc.test.ts fails when it is
 * stale). Run with `npm run docs:cli` (or `npm run docs`). The prose around the blocks is kept.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../lambdas/cli/main';
import { allCommands, buildProgram, commandPath } from '../lambdas/cli/program';

export const CLI_DOC = join(__dirname, '..', 'docs', 'cli.md');

/** Every command a user can run, as words after the program's name (`['alerts', 'test']`). */
export function commandPaths(): string[][] {
  const program = buildProgram({ io: { out: () => undefined, err: () => undefined }, now: () => new Date(), setExit: () => undefined, deps: {} });
  return allCommands(program)
    .map((c) => commandPath(c).split(' ').slice(1))
    .filter((path) => path[0] !== 'help');
}

/** What `k8s-audit-analyzer PATH --help` prints. */
export async function helpOf(path: readonly string[]): Promise<string> {
  let out = '';
  const code = await main([...path, '--help'], { out: (s) => (out += `${s}\n`), err: () => undefined, env: {} });
  if (code !== 0) throw new Error(`'${path.join(' ')} --help' exited ${code}`);
  return out.trimEnd();
}

const marker = (path: readonly string[]): { open: string; close: string } => {
  const name = path.length === 0 ? 'k8s-audit-analyzer' : path.join(' ');
  return { open: `<!-- help: ${name} -->`, close: `<!-- /help: ${name} -->` };
};

/** The document with every help block filled in; an error names a command the document lacks. */
export async function renderCliDoc(current: string): Promise<string> {
  let doc = current;
  for (const path of commandPaths()) {
    const { open, close } = marker(path);
    const start = doc.indexOf(open);
    const end = doc.indexOf(close);
    if (start < 0 || end < start) throw new Error(`docs/cli.md has no block for '${path.join(' ') || 'the program'}': add ${open} … ${close}`);
    doc = `${doc.slice(0, start + open.length)}\n\n\`\`\`text\n${await helpOf(path)}\n\`\`\`\n\n${doc.slice(end)}`;
  }
  return doc;
}

if (require.main === module) {
  void renderCliDoc(readFileSync(CLI_DOC, 'utf8')).then((doc) => {
    writeFileSync(CLI_DOC, doc);
    console.log(`wrote ${CLI_DOC}`);
  });
}
