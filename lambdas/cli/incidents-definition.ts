/** `incidents list|close`: options and help; incidents-command.ts, loaded when one runs, does the work. */
import { Command, Option } from 'commander';
import type { CliContext } from './cli-context';
import type { ExitCodeLine } from './command-help';
import { EXIT_STACK_USAGE, helpEnd } from './command-help';
import type { StackOptions } from './deployed-stack';
import { ALERTS_TOPIC_OUTPUT, FINDINGS_TABLE_OUTPUT, stack, stackRegion } from './deployed-stack';
import * as opt from './options';

export const LIST_FORMATS = ['text', 'json'] as const;

export interface IncidentsListOptions extends StackOptions {
  format: (typeof LIST_FORMATS)[number];
}

export interface IncidentsCloseOptions extends StackOptions {
  reason?: string;
  by?: string;
}

const LIST_EXAMPLE = 'k8s-audit-analyzer incidents list --stack K8sAuditAnalyzer --region eu-west-1';
const CLOSE_EXAMPLE = "k8s-audit-analyzer incidents close ID --stack K8sAuditAnalyzer --reason 'key rotated, access reviewed'";
const INCIDENT_EXIT_USAGE: ExitCodeLine = [EXIT_STACK_USAGE[0], `${EXIT_STACK_USAGE[1]}; close: no such open incident`];
const IAM =
  'IAM: cloudformation:DescribeStacks on the stack; dynamodb:GetItem and dynamodb:PutItem on the findings table; to close an ' +
  "alerted incident also sns:Publish on the topic and kms:GenerateDataKey and kms:Decrypt on the stack's key.";

/** The options every incidents command takes: where the stack is. */
function withStack(command: Command): Command {
  return command.addOption(stack()).addOption(stackRegion()).addOption(opt.profile());
}

function listDefinition(ctx: CliContext): Command {
  return withStack(
    new Command('list')
      .summary("the deployed stack's open incidents")
      .description(
        `The open incidents (id, cluster, principal, severity, first and last finding), from the stack's findings table (stack output ${FINDINGS_TABLE_OUTPUT}).\n\n${IAM}`,
      ),
  )
    .addOption(new Option('--format <format>', 'json: the incidents as kept').choices(LIST_FORMATS).default('text'))
    .addHelpText('after', helpEnd([LIST_EXAMPLE, `${LIST_EXAMPLE} --format json`], [[0, 'listed'], EXIT_STACK_USAGE]))
    .action(async (options: IncidentsListOptions) => {
      const { runIncidentsList } = await import('./incidents-command');
      ctx.setExit(await runIncidentsList(options, ctx));
    });
}

function closeDefinition(ctx: CliContext): Command {
  return withStack(
    new Command('close')
      .summary('close an open incident (and tell those who were alerted)')
      .description(
        "Closes an open incident. It is never reopened: the principal's next finding opens a new incident with its own opening alert. " +
          `When the incident had been alerted, a 'closed' alert goes to the stack's alerts topic (${ALERTS_TOPIC_OUTPUT}), so those who ` +
          `were told it opened learn who closed it and why; an incident nobody was told about closes silently.\n\n${IAM}`,
      )
      .argument('<id>', "the incident's id, as 'incidents list' shows it"),
  )
    .option('--reason <text>', 'why (kept with the incident and shown in the alert)')
    .option('--by <name>', 'who closes it (default: the USER of this shell)')
    .addHelpText('after', helpEnd([CLOSE_EXAMPLE], [[0, 'closed'], INCIDENT_EXIT_USAGE]))
    .action(async (id: string, options: IncidentsCloseOptions) => {
      const { runIncidentsClose } = await import('./incidents-command');
      ctx.setExit(await runIncidentsClose(id, options, ctx));
    });
}

export function incidentsCommandDefinition(ctx: CliContext): Command {
  return new Command('incidents')
    .summary("list the deployed stack's open incidents, or close one")
    .description("The deployed stack's open incidents: 'incidents list' shows them, 'incidents close ID' closes one.")
    .addCommand(listDefinition(ctx))
    .addCommand(closeDefinition(ctx))
    .addHelpText('after', helpEnd([LIST_EXAMPLE, CLOSE_EXAMPLE], [[0, 'listed or closed'], INCIDENT_EXIT_USAGE]));
}
