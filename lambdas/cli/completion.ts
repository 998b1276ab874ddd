/**
 * `completion bash|zsh`: a shell completion script made from the command tree itself, so a new
 * command or flag completes without anyone editing the script.
 */
import { Command } from 'commander';
import type { CliContext } from './cli-context';

const SHELLS = ['bash', 'zsh'] as const;

interface Node {
  path: string;
  words: string[];
}

/** Every command path with the words that may follow it (subcommands, long flags, choices are not listed). */
function completionTable(root: Command): Node[] {
  const nodes: Node[] = [];
  const visit = (command: Command, path: string[]): void => {
    const words = [
      ...command.commands.map((c) => c.name()),
      ...command.options.map((o) => o.long).filter((l): l is string => l !== undefined),
      ...(command.commands.length > 0 || path.length === 0 ? [] : ['--help']),
    ];
    nodes.push({ path: path.join(' '), words: [...new Set(words)] });
    for (const sub of command.commands) visit(sub, [...path, sub.name()]);
  };
  visit(root, []);
  return nodes;
}

/** Only names made of these characters go into the script: it is shell code. */
const SAFE = /^[A-Za-z0-9._-]*$/;

export function bashCompletionScript(root: Command): string {
  const name = root.name();
  const fn = `_${name.replace(/[^A-Za-z0-9]/g, '_')}_complete`;
  const cases = completionTable(root)
    .filter((n) => n.path.split(' ').every((w) => SAFE.test(w)) && n.words.every((w) => SAFE.test(w)))
    .map((n) => `    "${n.path}") words="${n.words.join(' ')}" ;;`)
    .join('\n');
  return `# ${name} completion (bash; zsh through bashcompinit). Install:
#   ${name} completion bash > /etc/bash_completion.d/${name}   (or source it from ~/.bashrc)
${fn}() {
  local cur path="" i word words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in -*) ;; *) [ -n "$(${fn}_words "\${path:+$path }$word")" ] && path="\${path:+$path }$word" ;; esac
  done
  words="$(${fn}_words "$path")"
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  [ \${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))
}
${fn}_words() {
  local words=""
  case "$1" in
${cases}
  esac
  printf '%s' "$words"
}
complete -o filenames -F ${fn} ${name}
`;
}

export function completionCommandDefinition(ctx: CliContext, root: () => Command): Command {
  return new Command('completion')
    .summary('print a shell completion script (bash, zsh)')
    .description('Prints a completion script for the shell, made from the commands and flags of this version.')
    .argument('[shell]', `${SHELLS.join(' or ')}`, 'bash')
    .addHelpText(
      'after',
      `\nExamples:\n  source <(${'k8s-audit-analyzer'} completion bash)\n  autoload -U +X bashcompinit && bashcompinit && source <(k8s-audit-analyzer completion zsh)`,
    )
    .action(async (shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        const { UsageError } = await import('./io');
        throw new UsageError(`completion is made for ${SHELLS.join(' and ')} (got "${shell}")`);
      }
      const script = bashCompletionScript(root());
      ctx.io.out(shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${script}` : script);
    });
}
