/**
 * What the commands that work on the deployed stack (`alerts test`, `incidents`) share: the stack
 * options and the stack outputs they find its resources by (lib/analyzer-stack.ts). Light: the
 * command definitions import it.
 */
import { InvalidArgumentError, Option } from 'commander';

/** The stack output naming the alerts topic. */
export const ALERTS_TOPIC_OUTPUT = 'AlertsTopicArn';
/** The stack output naming the findings table, where incidents are kept. */
export const FINDINGS_TABLE_OUTPUT = 'FindingsTableName';

export const stack = (): Option =>
  new Option('--stack <name>', "the deployed CloudFormation stack: cdk deploy's stackName (K8sAuditAnalyzer unless changed)")
    .makeOptionMandatory()
    .argParser((value) => {
      if (value.trim() === '') throw new InvalidArgumentError("--stack needs the deployed stack's name (K8sAuditAnalyzer by default)");
      return value;
    });

export const stackRegion = (): Option => new Option('--region <region>', "the stack's region (default: AWS_REGION, or the profile's region)");

/** What every stack command is given. */
export interface StackOptions {
  stack: string;
  region?: string;
  profile?: string;
}
