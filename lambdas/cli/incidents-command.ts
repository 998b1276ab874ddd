import { parseArgs } from 'node:util';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbStateStore } from '../adapters/dynamodb-state-store';
import { buildIncidentAlert } from '../core/alert/incident-message';
import { StateIncidentStore } from '../core/incident/incident-store';
import type { Incident } from '../core/incident/types';
import { displayText, jsonText } from '../core/report/display-text';
import { ALERTS_TOPIC_OUTPUT, cliAlertLinks, explain, readStackOutputs, sendTestAlert, TestAlertError } from './alerts-test';
import type { Io } from './io';
import { EXIT, usageError } from './io';

/** The stack output naming the findings table, where incidents are kept (lib/analyzer-stack.ts). */
export const FINDINGS_TABLE_OUTPUT = 'FindingsTableName';

export const INCIDENTS_HELP = `k8s-audit-analyzer incidents: the deployed stack's open incidents

Usage:
  k8s-audit-analyzer incidents list --stack NAME [--region R] [--profile P] [--format text|json]
  k8s-audit-analyzer incidents close ID --stack NAME [--reason TEXT] [--by NAME] [--region R] [--profile P]

Commands:
  list    The open incidents (id, cluster, principal, severity, first and last finding), from
          the stack's findings table (stack output ${FINDINGS_TABLE_OUTPUT}).
  close   Close an open incident. It is never reopened: the principal's next finding opens a new
          incident with its own opening alert. When the incident had been alerted, a 'closed'
          alert goes to the stack's alerts topic (${ALERTS_TOPIC_OUTPUT}), so those who were told
          it opened learn who closed it and why; an incident nobody was told about closes silently.

Options:
  --stack NAME     the CloudFormation stack (cdk deploy's stackName; K8sAuditAnalyzer by default)
  --region R       the stack's region (default: AWS_REGION, or the profile's region)
  --profile P      a profile of the AWS config (default: AWS_PROFILE, or the default chain)
  --format text|json   list: json prints the incidents as kept
  --reason TEXT    close: why (kept with the incident and shown in the alert)
  --by NAME        close: who closes it (default: the USER of this shell)
  -h, --help

IAM: cloudformation:DescribeStacks on the stack; dynamodb:GetItem and dynamodb:PutItem on the
findings table; to close an alerted incident also sns:Publish on the topic and kms:GenerateDataKey
and kms:Decrypt on the stack's key.

Exit codes: 0 listed or closed, 2 usage error, no such open incident, or AWS refused (the line
printed says what to do).`;

/** What a test can give: the clients (by default the standard AWS credential chain). */
export interface IncidentsCommandDeps {
  cloudFormation?: CloudFormationClient;
  dynamodb?: (region: string) => DynamoDBClient;
  sns?: (region: string) => SNSClient;
  now?: () => number;
}

/** An error already worded as what to do: printed, exit 2. */
class IncidentsError extends Error {}

/** `k8s-audit-analyzer incidents …`: returns the exit code. */
export async function incidentsCommand(argv: string[], io: Io, given: IncidentsCommandDeps = {}): Promise<number> {
  const fail = (message: string): number => usageError(io, message, 'incidents');
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        stack: { type: 'string' },
        region: { type: 'string' },
        profile: { type: 'string' },
        format: { type: 'string' },
        reason: { type: 'string' },
        by: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    io.out(INCIDENTS_HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const [command, ...rest] = positionals;
  if (command !== 'list' && command !== 'close') return fail(`unknown incidents command: ${command} (incidents list, incidents close ID)`);
  if (command === 'list' && rest.length > 0) return fail(`incidents list takes no arguments besides its options (got ${rest.join(' ')})`);
  if (command === 'close' && rest.length !== 1) return fail('incidents close needs one incident ID (incidents list shows them)');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') return fail(`--format must be text or json (got "${format}")`);
  if (values.stack === undefined || values.stack.trim() === '')
    return fail(`incidents ${command} needs --stack NAME, the deployed stack (K8sAuditAnalyzer by default)`);
  const stack = values.stack;

  const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
  const config = (r: string | undefined) => ({ ...(r ? { region: r } : {}), ...(values.profile ? { profile: values.profile } : {}) });
  const cloudFormation = given.cloudFormation ?? new CloudFormationClient(config(values.region));
  try {
    let region: string;
    try {
      region = await cloudFormation.config.region();
    } catch {
      io.err("error: no AWS region: pass --region (the stack's), set AWS_REGION, or give the profile a region");
      return EXIT.usage;
    }
    const options = { stack, region, profile: values.profile };
    // Read once: the table now, the alerts topic if a 'closed' alert goes out.
    let outputs;
    try {
      outputs = await readStackOutputs(options, cloudFormation);
    } catch (error) {
      throw error instanceof TestAlertError ? new IncidentsError(error.message) : error;
    }
    const table = outputs.find((o) => o.OutputKey === FINDINGS_TABLE_OUTPUT)?.OutputValue;
    if (!table)
      throw new IncidentsError(
        `stack ${stack} in ${region} has no ${FINDINGS_TABLE_OUTPUT} output: name the k8s-audit-analyzer stack, or deploy this version of it`,
      );
    const dynamodb = given.dynamodb?.(region) ?? new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient(config(region));
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const now = given.now ?? Date.now;
    const store = new StateIncidentStore(new DynamoDbStateStore(DynamoDBDocumentClient.from(dynamodb), table), undefined, now);
    const onTable = (error: unknown): IncidentsError =>
      new IncidentsError(explain(error, `the table ${table}`, 'dynamodb:GetItem and dynamodb:PutItem on the findings table', options));

    if (command === 'list') {
      let incidents: Incident[];
      let dropped: number;
      try {
        const registry = await store.openIncidents();
        dropped = registry.dropped;
        const kept = await Promise.all(registry.entries.map((entry) => store.incidentOf(entry)));
        incidents = kept.filter((i): i is Incident => i !== undefined && i.state === 'open');
      } catch (error) {
        throw onTable(error);
      }
      if (format === 'json') io.out(jsonText(incidents, 2));
      else io.out(renderList(incidents));
      if (dropped > 0) io.err(`note: ${dropped} incident(s) were too many to list and are not shown; they end when they expire`);
      return EXIT.ok;
    }

    const id = rest[0];
    const entry = await store.openIncidents().then(
      (registry) => registry.entries.find((e) => e.id === id),
      (error: unknown) => Promise.reject(onTable(error)),
    );
    if (!entry) throw new IncidentsError(`no open incident ${displayText(id)} in stack ${stack}: 'incidents list --stack ${stack}' shows the open ones`);
    const by = values.by ?? (io.env ?? process.env).USER ?? 'k8s-audit-analyzer incidents close';
    const ended = await store
      .end(entry, { how: 'closed', now: now(), by, ...(values.reason !== undefined ? { reason: values.reason } : {}) })
      .catch((error: unknown) => Promise.reject(onTable(error)));
    if (ended.outcome === 'gone') throw new IncidentsError(`incident ${displayText(id)} has expired from the table: nothing to close`);
    if (ended.outcome !== 'ended') throw new IncidentsError(`incident ${displayText(id)} is no longer open (${ended.incident.state}): nothing to close`);
    io.out(`closed incident ${displayText(id)} (${displayText(ended.incident.principal.display)} in ${displayText(ended.incident.cluster) || '-'})`);
    if (ended.incident.alertedSeverity === undefined) {
      io.out('it had not been alerted: no alert sent');
      return EXIT.ok;
    }
    const message = buildIncidentAlert({ kind: 'closed', incident: ended.incident, told: ended.incident.groups }, cliAlertLinks(region));
    // Loaded here, not at the top: a local scan never needs SNS.
    const { SNSClient: Client } = await import('@aws-sdk/client-sns');
    const created: SNSClient[] = [];
    const sns = (r: string): SNSClient => given.sns?.(r) ?? created[created.push(new Client(config(r))) - 1];
    let sent;
    try {
      // The test alert's path: the topic from the stack's outputs, published in the topic's region.
      sent = await sendTestAlert(options, { cloudFormation, sns }, message, outputs);
    } catch (error) {
      // Closed stays closed: the person asked for it. Only the telling failed, and they are told so.
      if (error instanceof TestAlertError) throw new IncidentsError(`closed, but the 'closed' alert was not sent: ${error.message}`);
      throw error;
    } finally {
      for (const client of created) client.destroy();
    }
    io.out(`sent the 'closed' alert to ${sent.topicArn}`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof IncidentsError) {
      io.err(`error: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  } finally {
    if (!given.cloudFormation) cloudFormation.destroy();
  }
}

/** One block per incident, names shown safely (they came from events). */
function renderList(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return 'no open incidents';
  return incidents
    .map((i) =>
      [
        `${displayText(i.id)}  ${i.severity.toUpperCase()}  ${displayText(i.principal.display)}  in ${displayText(i.cluster) || '-'}`,
        `  first ${displayText(i.firstSeen)}  last ${displayText(i.lastSeen)}  ${i.groups.length} finding group(s)${i.chain ? `; ${displayText(i.chain)}` : ''}`,
      ].join('\n'),
    )
    .join('\n');
}
